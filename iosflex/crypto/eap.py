"""EAP (RFC 3748) for the test peers: the packet codec and sans-I/O method state machines for both ends, the
peer (supplicant: what strongSwan's client plays) and the server (the authenticator backend: what FreeRADIUS's
rlm_eap plays).  The router itself only relays EAP (RFC 7296 §2.16, RADIUS RFC 3579); it does not use the
state machines here, only, if it likes, the codec.

Methods: Identity (1), Notification (2), Nak (3), MD5-Challenge (4, RFC 3748 §5.4 / RFC 1994) and
EAP-MSCHAPv2 (26, RFC 2759 + draft-kamath-pppext-eap-mschapv2-02).  Both state machines take EAP packets as
bytes and return the EAP packet to send (or None); randomness comes from the `rng(n) -> bytes` given to the
constructor; nothing here reads a clock or does I/O.

    peer = EapPeer("alice", "secret", rng=rng)              # methods=(MSCHAPV2, MD5_CHALLENGE) by default
    server = EapServer({"alice": "secret"}.get, MSCHAPV2, rng=rng)
    req = server.start()                                     # EAP-Request/Identity
    while server.state == RUNNING:
        req = server.receive(peer.receive(req))
    peer.receive(req)                                        # EAP-Success / EAP-Failure
    peer.state, peer.msk, server.msk, server.identity

MSK of EAP-MSCHAPv2: MasterReceiveKey || MasterSendKey of RFC 3079 §3.4 (16 octets each, named from the
server's side: the receive key is the one derived with Magic2, the send key with Magic3).  That is what
FreeRADIUS sends as MS-MPPE-Recv-Key / MS-MPPE-Send-Key, what strongSwan's eap-radius and Cisco IOS take as
the MSK (Recv || Send), and the first 32 octets of strongSwan's eap-mschapv2 MSK.  strongSwan pads its own
MSK with 32 zero octets to 64; for IKEv2's AUTH = prf(prf(MSK, "Key Pad for IKEv2"), ...) that makes no
difference, since HMAC pads a key shorter than the hash block with zeros anyway (the tests check this).
MD5-Challenge derives no key: `msk` stays None and IKEv2 then keys AUTH with SK_pi / SK_pr.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass
from typing import Callable, Iterable

# ---- codes and types -----------------------------------------------------------------------------------------

REQUEST = 1
RESPONSE = 2
SUCCESS = 3
FAILURE = 4
CODE_NAMES = {REQUEST: "Request", RESPONSE: "Response", SUCCESS: "Success", FAILURE: "Failure"}

IDENTITY = 1
NOTIFICATION = 2
NAK = 3
MD5_CHALLENGE = 4
MSCHAPV2 = 26
TYPE_NAMES = {IDENTITY: "Identity", NOTIFICATION: "Notification", NAK: "Nak", MD5_CHALLENGE: "MD5-Challenge",
              MSCHAPV2: "MSCHAPv2"}
METHOD_NAMES = {"md5": MD5_CHALLENGE, "mschapv2": MSCHAPV2}  # the names of directives and the command line

# MS-CHAPv2 op codes (draft-kamath-pppext-eap-mschapv2 §2)
MS_CHALLENGE = 1
MS_RESPONSE = 2
MS_SUCCESS = 3
MS_FAILURE = 4
MS_CHANGE_PASSWORD = 7

# state of a conversation (peer and server)
RUNNING = "running"
SUCCESS_STATE = "success"
FAILURE_STATE = "failure"

Rng = Callable[[int], bytes]


class EapError(ValueError):
    """Malformed EAP input; the text says what is wrong ("truncated", "length mismatch", ...)."""


# ---- packets -------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class EapPacket:
    """One EAP packet.  `type` is None for Success / Failure (which carry no data), `data` is the Type-Data."""

    code: int
    identifier: int
    type: int | None = None
    data: bytes = b""

    def encode(self) -> bytes:
        if self.code in (SUCCESS, FAILURE):
            if self.type is not None or self.data:
                raise ValueError("EAP Success/Failure carry no type or data")
            return struct.pack("!BBH", self.code, self.identifier, 4)
        if self.code not in (REQUEST, RESPONSE) or self.type is None:
            raise ValueError("EAP Request/Response need a type")
        length = 5 + len(self.data)
        if length > 0xFFFF:
            raise ValueError("EAP packet too long")
        return struct.pack("!BBHB", self.code, self.identifier, length, self.type) + bytes(self.data)

    def __str__(self) -> str:
        name = CODE_NAMES.get(self.code, str(self.code))
        if self.type is None:
            return f"EAP-{name} id {self.identifier}"
        return f"EAP-{name}/{TYPE_NAMES.get(self.type, str(self.type))} id {self.identifier}"


def parse(data: bytes) -> EapPacket:
    """Strict parse of one EAP packet: the Length field must equal the octets given (EAP over RADIUS and IKEv2
    carry exactly one packet), Success/Failure are 4 octets, Request/Response at least 5 (a type).
    EapError otherwise."""
    data = bytes(data)
    if len(data) < 4:
        raise EapError("truncated EAP header")
    code, ident, length = struct.unpack_from("!BBH", data)
    if code not in CODE_NAMES:
        raise EapError(f"unknown EAP code {code}")
    if length < 4:
        raise EapError(f"EAP Length {length} below the header size")
    if length > len(data):
        raise EapError(f"truncated EAP packet: Length {length}, {len(data)} octets")
    if length != len(data):
        raise EapError(f"EAP length mismatch: Length {length}, {len(data)} octets")
    if code in (SUCCESS, FAILURE):
        if length != 4:
            raise EapError(f"EAP {CODE_NAMES[code]} with Length {length} (must be 4)")
        return EapPacket(code, ident)
    if length < 5:
        raise EapError(f"EAP {CODE_NAMES[code]} without a type")
    return EapPacket(code, ident, data[4], data[5:])


def request(identifier: int, type_: int, data: bytes = b"") -> bytes:
    return EapPacket(REQUEST, identifier, type_, data).encode()


def response(identifier: int, type_: int, data: bytes = b"") -> bytes:
    return EapPacket(RESPONSE, identifier, type_, data).encode()


def success(identifier: int) -> bytes:
    return EapPacket(SUCCESS, identifier).encode()


def failure(identifier: int) -> bytes:
    return EapPacket(FAILURE, identifier).encode()


def identity_of(pkt: EapPacket) -> str:
    """The identity of an EAP-Response/Identity (UTF-8; undecodable octets as latin-1)."""
    try:
        return pkt.data.decode("utf-8")
    except UnicodeDecodeError:
        return pkt.data.decode("latin-1")


# ---- MD5-Challenge (RFC 3748 §5.4, RFC 1994 §4.1) ------------------------------------------------------------

def md5_value(identifier: int, secret: bytes, challenge: bytes) -> bytes:
    """Response Value = MD5(Identifier || secret || Challenge)."""
    return hashlib.md5(bytes([identifier]) + secret + challenge).digest()


def md5_encode(value: bytes, name: bytes = b"") -> bytes:
    """Type-Data of an MD5-Challenge Request/Response: Value-Size, Value, Name."""
    if not 1 <= len(value) <= 255:
        raise ValueError("MD5-Challenge value of 1..255 octets")
    return bytes([len(value)]) + value + name


def md5_decode(data: bytes) -> tuple[bytes, bytes]:
    """(value, name) of an MD5-Challenge Type-Data; EapError when Value-Size does not fit."""
    if not data:
        raise EapError("MD5-Challenge without Value-Size")
    size = data[0]
    if size == 0 or 1 + size > len(data):
        raise EapError(f"MD5-Challenge Value-Size {size} does not fit {len(data) - 1} octets")
    return data[1 : 1 + size], data[1 + size :]


# ---- MD4 (RFC 1320): hashlib's when OpenSSL still offers it, else this one --------------------------------------

def _md4_pure(data: bytes) -> bytes:
    def rol(x, n):
        x &= 0xFFFFFFFF
        return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF

    msg = bytes(data) + b"\x80"
    msg += b"\x00" * (-(len(msg) + 8) % 64)
    msg += struct.pack("<Q", (len(data) * 8) & 0xFFFFFFFFFFFFFFFF)
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    for off in range(0, len(msg), 64):
        x = struct.unpack_from("<16I", msg, off)
        a, b, c, d = h
        for i in (0, 4, 8, 12):  # round 1: F(x,y,z) = xy | ~x z
            for k, s in zip(range(i, i + 4), (3, 7, 11, 19)):
                a = rol(a + ((b & c) | (~b & d)) + x[k], s)
                a, b, c, d = d, a, b, c
        for i in (0, 1, 2, 3):  # round 2: G = xy | xz | yz, + 0x5A827999
            for k, s in zip(range(i, 16, 4), (3, 5, 9, 13)):
                a = rol(a + ((b & c) | (b & d) | (c & d)) + x[k] + 0x5A827999, s)
                a, b, c, d = d, a, b, c
        for i in (0, 2, 1, 3):  # round 3: H = x ^ y ^ z, + 0x6ED9EBA1
            for k, s in zip((i, i + 8, i + 4, i + 12), (3, 9, 11, 15)):
                a = rol(a + (b ^ c ^ d) + x[k] + 0x6ED9EBA1, s)
                a, b, c, d = d, a, b, c
        h = [(v + n) & 0xFFFFFFFF for v, n in zip(h, (a, b, c, d))]
    return struct.pack("<4I", *h)


def _md4_hashlib(data: bytes) -> bytes:
    return hashlib.new("md4", data).digest()


try:
    hashlib.new("md4", b"")
    md4 = _md4_hashlib
except ValueError:  # OpenSSL 3 without the legacy provider
    md4 = _md4_pure


# ---- MS-CHAPv2 (RFC 2759 §8) and MPPE keys (RFC 3079 §3.4) ------------------------------------------------------

def _des_ecb(key7: bytes, block: bytes) -> bytes:
    """DES-ECB of one block with a 7-octet key expanded to 8 (parity bits left 0: DES ignores them), through
    `cryptography`'s TripleDES with the key three times (= single DES)."""
    try:
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    except ImportError:  # older cryptography
        from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    n = int.from_bytes(key7, "big")
    key8 = bytes(((n >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))
    enc = Cipher(TripleDES(key8 * 3), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def nt_password_hash(password: str | bytes) -> bytes:
    """MD4 of the password in UTF-16LE (bytes are taken as already that encoding)."""
    return md4(password.encode("utf-16-le") if isinstance(password, str) else bytes(password))


def mschap_username(name: str | bytes) -> bytes:
    """The user name that goes into ChallengeHash: without any leading "DOMAIN\\" (RFC 2759 §8.2, as strongSwan and
    FreeRADIUS do)."""
    raw = name.encode() if isinstance(name, str) else bytes(name)
    return raw.rsplit(b"\\", 1)[-1]


def challenge_hash(peer_challenge: bytes, authenticator_challenge: bytes, username: str | bytes) -> bytes:
    return hashlib.sha1(peer_challenge + authenticator_challenge + mschap_username(username)).digest()[:8]


def challenge_response(challenge: bytes, password_hash: bytes) -> bytes:
    z = password_hash + bytes(21 - len(password_hash))
    return b"".join(_des_ecb(z[i : i + 7], challenge) for i in (0, 7, 14))


def generate_nt_response(authenticator_challenge: bytes, peer_challenge: bytes, username: str | bytes,
                         password: str | bytes) -> bytes:
    ch = challenge_hash(peer_challenge, authenticator_challenge, username)
    return challenge_response(ch, nt_password_hash(password))


_MAGIC1 = b"Magic server to client signing constant"
_MAGIC2 = b"Pad to make it do more than one iteration"


def authenticator_response(password: str | bytes, nt_response: bytes, peer_challenge: bytes,
                           authenticator_challenge: bytes, username: str | bytes) -> str:
    """The "S=<40 hex digits>" string of RFC 2759 §8.7."""
    hh = md4(nt_password_hash(password))
    digest = hashlib.sha1(hh + nt_response + _MAGIC1).digest()
    ch = challenge_hash(peer_challenge, authenticator_challenge, username)
    return "S=" + hashlib.sha1(digest + ch + _MAGIC2).digest().hex().upper()


_KEY_MAGIC1 = b"This is the MPPE Master Key"
_KEY_MAGIC2 = b"On the client side, this is the send key; on the server side, it is the receive key."
_KEY_MAGIC3 = b"On the client side, this is the receive key; on the server side, it is the send key."
_SHS_PAD1 = bytes(40)
_SHS_PAD2 = b"\xf2" * 40


def master_key(password_hash_hash: bytes, nt_response: bytes) -> bytes:
    """GetMasterKey (RFC 3079 §3.4)."""
    return hashlib.sha1(password_hash_hash + nt_response + _KEY_MAGIC1).digest()[:16]


def asymmetric_start_key(master: bytes, length: int, is_send: bool, is_server: bool) -> bytes:
    """GetAsymmetricStartKey (RFC 3079 §3.4)."""
    magic = (_KEY_MAGIC3 if is_server else _KEY_MAGIC2) if is_send else (_KEY_MAGIC2 if is_server else _KEY_MAGIC3)
    return hashlib.sha1(master + _SHS_PAD1 + magic + _SHS_PAD2).digest()[:length]


def mschapv2_msk(password_hash: bytes, nt_response: bytes) -> bytes:
    """MasterReceiveKey || MasterSendKey from the server's side (= MS-MPPE-Recv-Key || MS-MPPE-Send-Key)."""
    mk = master_key(md4(password_hash), nt_response)
    return (asymmetric_start_key(mk, 16, is_send=False, is_server=True)
            + asymmetric_start_key(mk, 16, is_send=True, is_server=True))


def mschapv2_encode(opcode: int, ms_id: int, body: bytes = b"") -> bytes:
    """Type-Data of an EAP-MSCHAPv2 packet: OpCode, MS-CHAPv2-ID, MS-Length (= EAP Length - 5), then `body`.
    (The peer's Success-/Failure-Response are the OpCode alone.)"""
    return struct.pack("!BBH", opcode, ms_id, 4 + len(body)) + body


@dataclass(frozen=True, slots=True)
class MsChapV2:
    """A decoded EAP-MSCHAPv2 Type-Data.  Challenge: `value` (16), `name`; Response: `value` (49: peer
    challenge 16, reserved 8, NT-Response 24, flags 1), `name`; Success/Failure Request: `message`;
    Success/Failure Response: only `opcode` (`short`)."""

    opcode: int
    ms_id: int = 0
    value: bytes = b""
    name: bytes = b""
    message: bytes = b""
    short: bool = False


def mschapv2_decode(data: bytes, code: int) -> MsChapV2:
    if not data:
        raise EapError("MSCHAPv2 without OpCode")
    op = data[0]
    if code == RESPONSE and op in (MS_SUCCESS, MS_FAILURE) and len(data) == 1:
        return MsChapV2(op, short=True)
    if len(data) < 4:
        raise EapError("truncated MSCHAPv2 header")
    ms_id, ms_len = data[1], struct.unpack_from("!H", data, 2)[0]
    if ms_len != len(data):
        raise EapError(f"MSCHAPv2 MS-Length {ms_len} does not match {len(data)} octets")
    body = data[4:]
    if op in (MS_CHALLENGE, MS_RESPONSE):
        want = 16 if op == MS_CHALLENGE else 49
        if not body or body[0] != want or len(body) < 1 + want:
            raise EapError(f"MSCHAPv2 {'Challenge' if op == MS_CHALLENGE else 'Response'} Value-Size must be {want}")
        return MsChapV2(op, ms_id, body[1 : 1 + want], body[1 + want :])
    if op in (MS_SUCCESS, MS_FAILURE):
        return MsChapV2(op, ms_id, message=body)
    raise EapError(f"unsupported MSCHAPv2 OpCode {op}")


def _fields(message: bytes) -> dict[str, str]:
    """`S=.. M=..` / `E=.. R=.. C=.. V=.. M=..` (M= runs to the end)."""
    text = message.decode("latin-1")
    out: dict[str, str] = {}
    m = text.find("M=")
    if m >= 0:
        out["M"] = text[m + 2 :]
        text = text[:m]
    for tok in text.split():
        k, sep, v = tok.partition("=")
        if sep:
            out[k] = v
    return out


# ---- the peer ------------------------------------------------------------------------------------------------

class EapPeer:
    """The supplicant.  `methods`: the methods it accepts, in order of preference (the Nak offers them).
    `receive(bytes) -> bytes | None` answers each Request (a repeated Request gets the same answer again,
    RFC 3748 §4.1); Success / Failure end the conversation: `state` becomes "success" / "failure", `msk` is
    set for key-generating methods, `error` says why a conversation failed on our side."""

    def __init__(self, identity: str | bytes, password: str | bytes, *, rng: Rng,
                 methods: Iterable[int] = (MSCHAPV2, MD5_CHALLENGE)):
        self.identity = identity.encode() if isinstance(identity, str) else bytes(identity)
        self.password = password
        self.rng = rng
        self.methods = list(methods)
        self.state = RUNNING
        self.method: int | None = None  # the method that ran
        self.msk: bytes | None = None
        self.error: str | None = None
        self.notifications: list[bytes] = []
        self._last: tuple[bytes, bytes | None] | None = None  # (request, our answer)
        self._done = False  # the method finished on our side (Success is acceptable)
        self._ms: dict | None = None

    @property
    def _secret(self) -> bytes:
        return self.password.encode() if isinstance(self.password, str) else bytes(self.password)

    def _fail(self, why: str) -> None:
        self.state = FAILURE_STATE
        self.error = why

    def receive(self, data: bytes) -> bytes | None:
        if self.state != RUNNING:
            return None
        data = bytes(data)
        if self._last is not None and self._last[0] == data:
            return self._last[1]
        pkt = parse(data)
        if pkt.code == SUCCESS:
            if not self._done:
                self._fail("EAP-Success before the method completed")
            else:
                self.state = SUCCESS_STATE
            return None
        if pkt.code == FAILURE:
            self._fail(self.error or "EAP-Failure")
            return None
        if pkt.code != REQUEST:
            raise EapError(f"the peer got an EAP {CODE_NAMES[pkt.code]}")
        out = self._answer(pkt)
        self._last = (data, out)
        return out

    def _answer(self, pkt: EapPacket) -> bytes | None:
        if pkt.type == IDENTITY:
            return response(pkt.identifier, IDENTITY, self.identity)
        if pkt.type == NOTIFICATION:
            self.notifications.append(pkt.data)
            return response(pkt.identifier, NOTIFICATION)
        if pkt.type not in self.methods or (self.method is not None and pkt.type != self.method):
            if self.method is not None:  # RFC 3748 §5.3.1: no Nak once a method runs
                self._fail(f"EAP type {pkt.type} requested during {TYPE_NAMES.get(self.method)}")
                return None
            return response(pkt.identifier, NAK, bytes(self.methods or [0]))
        self.method = pkt.type
        if pkt.type == MD5_CHALLENGE:
            challenge, _name = md5_decode(pkt.data)
            self._done = True
            # the value alone, no Name: what strongSwan's eap-md5 and the chapter's client send (EAP-Message 24)
            return response(pkt.identifier, MD5_CHALLENGE,
                            md5_encode(md5_value(pkt.identifier, self._secret, challenge)))
        return self._mschapv2(pkt)

    def _mschapv2(self, pkt: EapPacket) -> bytes | None:
        ms = mschapv2_decode(pkt.data, REQUEST)
        if ms.opcode == MS_CHALLENGE:
            peer_challenge = self.rng(16)
            nt = generate_nt_response(ms.value, peer_challenge, self.identity, self.password)
            self._ms = {"auth": authenticator_response(self.password, nt, peer_challenge, ms.value, self.identity),
                        "msk": mschapv2_msk(nt_password_hash(self.password), nt)}
            value = peer_challenge + bytes(8) + nt + b"\x00"
            return response(pkt.identifier, MSCHAPV2,
                            mschapv2_encode(MS_RESPONSE, ms.ms_id, bytes([49]) + value + self.identity))
        if ms.opcode == MS_SUCCESS:
            got = _fields(ms.message).get("S", "")
            if self._ms is None or not hmac.compare_digest(("S=" + got.upper()).encode(), self._ms["auth"].encode()):
                self._fail("MSCHAPv2 authenticator response mismatch")
                return None
            self.msk = self._ms["msk"]
            self._done = True
            return response(pkt.identifier, MSCHAPV2, bytes([MS_SUCCESS]))
        if ms.opcode == MS_FAILURE:
            f = _fields(ms.message)
            self.error = f"MSCHAPv2 failure E={f.get('E', '?')}"
            return response(pkt.identifier, MSCHAPV2, bytes([MS_FAILURE]))
        self._fail(f"MSCHAPv2 OpCode {ms.opcode} not handled")
        return None


# ---- the server ----------------------------------------------------------------------------------------------

class EapServer:
    """The authenticator backend.  `passwords(identity) -> password | None` looks up the user, `methods` the
    methods it may propose (the first one first; a Nak may pick another of them).  `start()` gives an
    EAP-Request/Identity; a conversation may also begin with a Response/Identity passed to `receive`
    (the pass-through authenticator asked for it).  `receive(bytes) -> bytes | None`: the next Request, or
    Success / Failure at the end (then `state` is "success" / "failure", `msk` set for MSCHAPv2); None for a
    Response that does not answer the outstanding Request (silently discarded, RFC 3748 §4.1).

    `methods` may also be a function of the identity giving that list (a per-user method).

    `send_error`: after a wrong MSCHAPv2 response send a Failure-Request and EAP-Failure after its
    Failure-Response; False (FreeRADIUS's default) answers EAP-Failure at once."""

    SERVER_NAME = b""  # MD5-Challenge without a Name, as FreeRADIUS and the chapter's server send it

    def __init__(self, passwords: Callable[[str], str | bytes | None],
                 methods: int | Iterable[int] | Callable[[str], Iterable[int]] = MSCHAPV2, *,
                 rng: Rng, first_identifier: int = 0, send_error: bool = False):
        self.passwords = passwords
        self._methods_for = methods if callable(methods) else None
        self.methods = [] if callable(methods) else [methods] if isinstance(methods, int) else list(methods)
        self.rng = rng
        self.send_error = send_error
        self.state = RUNNING
        self.identity: str | None = None  # the EAP identity (Response/Identity); the MSCHAPv2 name must match it
        self.method: int | None = None
        self.msk: bytes | None = None
        self.error: str | None = None
        self.ident = first_identifier & 0xFF
        self._outstanding: tuple[int, int] | None = None  # (identifier, type) of our Request
        self._challenge = b""
        self._pending_msk: bytes | None = None

    def _request(self, type_: int, data: bytes) -> bytes:
        self.ident = (self.ident + 1) & 0xFF
        self._outstanding = (self.ident, type_)
        return request(self.ident, type_, data)

    def _end(self, ok: bool, ident: int, why: str | None = None) -> bytes:
        self.state = SUCCESS_STATE if ok else FAILURE_STATE
        self.error = why
        self._outstanding = None
        return success(ident) if ok else failure(ident)

    def start(self) -> bytes:
        return self._request(IDENTITY, b"")

    def _password(self) -> bytes | str | None:
        return self.passwords(self.identity or "")

    def _first(self) -> bytes:
        """The identity is known: propose the first method."""
        if self._methods_for is not None:
            self.methods = list(self._methods_for(self.identity or ""))
        if not self.methods:
            return self._end(False, self.ident, "no EAP method for this identity")
        return self._propose(self.methods[0])

    def _propose(self, method: int) -> bytes:
        self.method = method
        self._challenge = self.rng(16)
        if method == MD5_CHALLENGE:
            return self._request(MD5_CHALLENGE, md5_encode(self._challenge, self.SERVER_NAME))
        body = bytes([16]) + self._challenge + self.SERVER_NAME
        # MS-CHAPv2-ID = the EAP Identifier of the Challenge (as FreeRADIUS and strongSwan do)
        return self._request(MSCHAPV2, mschapv2_encode(MS_CHALLENGE, (self.ident + 1) & 0xFF, body))

    def receive(self, data: bytes) -> bytes | None:
        if self.state != RUNNING:
            return None
        pkt = parse(data)
        if pkt.code != RESPONSE:
            raise EapError(f"the server got an EAP {CODE_NAMES[pkt.code]}")
        if self._outstanding is None:  # no Request sent yet: only a Response/Identity starts a conversation
            if pkt.type != IDENTITY:
                return None
            self.ident = pkt.identifier
            self.identity = identity_of(pkt)
            return self._first()
        ident, want = self._outstanding
        if pkt.identifier != ident:
            return None
        if pkt.type == NAK:
            if want not in METHOD_NAMES.values() or self.method is None:
                return None
            choice = next((t for t in pkt.data if t in self.methods and t != self.method), None)
            if choice is None:
                return self._end(False, ident, "the peer refused every method")
            return self._propose(choice)
        if pkt.type != want:
            return None
        if want == IDENTITY:
            self.identity = identity_of(pkt)
            return self._first()
        if want == NOTIFICATION:
            return None
        if want == MD5_CHALLENGE:
            value, _name = md5_decode(pkt.data)
            secret = self._password()
            if isinstance(secret, str):
                secret = secret.encode()
            ok = secret is not None and hmac.compare_digest(value, md5_value(ident, secret, self._challenge))
            return self._end(ok, ident, None if ok else "wrong MD5-Challenge response")
        return self._mschapv2(pkt, ident)

    def _mschapv2(self, pkt: EapPacket, ident: int) -> bytes | None:
        ms = mschapv2_decode(pkt.data, RESPONSE)
        if ms.opcode == MS_RESPONSE and not ms.short:
            peer_challenge, nt = ms.value[:16], ms.value[24:48]
            name = ms.name.decode("utf-8", "replace")
            password = self._password_for(name)
            if password is not None and hmac.compare_digest(
                    nt, generate_nt_response(self._challenge, peer_challenge, ms.name, password)):
                self._pending_msk = mschapv2_msk(nt_password_hash(password), nt)
                auth = authenticator_response(password, nt, peer_challenge, self._challenge, ms.name)
                return self._request(MSCHAPV2, mschapv2_encode(MS_SUCCESS, ms.ms_id, auth.encode()))
            if not self.send_error:
                return self._end(False, ident, "wrong MSCHAPv2 response")
            self.error = "wrong MSCHAPv2 response"
            msg = f"E=691 R=0 C={self.rng(16).hex().upper()} V=3 M=Authentication failed".encode()
            return self._request(MSCHAPV2, mschapv2_encode(MS_FAILURE, ms.ms_id, msg))
        if ms.opcode == MS_SUCCESS and self._pending_msk is not None:
            self.msk = self._pending_msk
            return self._end(True, ident)
        if ms.opcode == MS_FAILURE:
            return self._end(False, ident, self.error or "MSCHAPv2 failure")
        return None

    def _password_for(self, name: str):
        """The password of the name in the MSCHAPv2 Response (it must be the identity given; a
        DOMAIN\\ prefix is allowed on either)."""
        if mschap_username(name) != mschap_username(self.identity or ""):
            return None
        return self._password()

"""RADIUS packets on the wire: build requests and replies, decode and check what comes back.

Why not pyrad's Packet for everything: pyrad keeps attributes in a dict grouped by name, while IOS's
`debug radius` prints them in packet order and IOS puts several Cisco-AVPair VSAs between other attributes
(the chapter's Access-Request: User-Name, User-Password, Calling-Station-Id, Cisco-AVPair, Service-Type,
NAS-IP-Address).  So attribute framing, authenticators and the Message-Authenticator are done here with
struct/hashlib/hmac over an ordered list, and pyrad is used for what it does well: the dictionary (names,
codes, types, named values), value encoding and decoding per data type and User-Password hiding (RFC 2865
§5.2).  The salt encryption of Tunnel-Password (RFC 2868 §3.5) and MS-MPPE keys (RFC 2548 §2.4.2) is a
dozen lines here, so that a wrong length octet (a wrong secret) is an error instead of a silently cut
value; the tests check it against pyrad's own implementation.

Nothing here draws randomness: an Access-Request's authenticator and any salt come from the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, NamedTuple

from pyrad import tools
from pyrad.packet import AuthPacket

from .dictionary import load

# ---- codes -------------------------------------------------------------------------------------------

ACCESS_REQUEST = 1
ACCESS_ACCEPT = 2
ACCESS_REJECT = 3
ACCOUNTING_REQUEST = 4
ACCOUNTING_RESPONSE = 5
ACCESS_CHALLENGE = 11
STATUS_SERVER = 12
DISCONNECT_REQUEST = 40
DISCONNECT_ACK = 41
DISCONNECT_NAK = 42
COA_REQUEST = 43
COA_ACK = 44
COA_NAK = 45

# Which reply codes answer which request code (RFC 2865 §4, RFC 2866 §4, RFC 5176 §2, RFC 5997).
REPLIES = {
    ACCESS_REQUEST: (ACCESS_ACCEPT, ACCESS_REJECT, ACCESS_CHALLENGE),
    ACCOUNTING_REQUEST: (ACCOUNTING_RESPONSE,),
    STATUS_SERVER: (ACCESS_ACCEPT, ACCESS_REJECT, ACCESS_CHALLENGE, ACCOUNTING_RESPONSE),
    DISCONNECT_REQUEST: (DISCONNECT_ACK, DISCONNECT_NAK),
    COA_REQUEST: (COA_ACK, COA_NAK),
}
# Requests whose Request Authenticator is random (the others hash the packet, RFC 2866 §3 / RFC 5176 §3.5).
RANDOM_AUTHENTICATOR = (ACCESS_REQUEST, STATUS_SERVER)

MAX_PACKET = 4096  # RFC 2865 §3
HEADER = 20
USER_PASSWORD = 2
VENDOR_SPECIFIC = 26
EAP_MESSAGE = 79
MESSAGE_AUTHENTICATOR = 80
TUNNEL_PASSWORD = 69
STATE = 24
CISCO = 9
MICROSOFT = 311
CISCO_AVPAIR = 1
MS_MPPE_SEND_KEY = 16
MS_MPPE_RECV_KEY = 17

# Value sizes of the fixed-size data types; an attribute of such a type with another size is malformed.
_FIXED = {"integer": 4, "date": 4, "ipaddr": 4, "ipv6addr": 16, "ifid": 8, "short": 2, "byte": 1,
          "integer64": 8, "signed": 4, "ether": 6}

Rng = Callable[[int], bytes]


class BadPacket(ValueError):
    """A packet that must be dropped; `reason` says why ("truncated", "bad authenticator", ...)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ---- decoded packets ---------------------------------------------------------------------------------

class Attribute(NamedTuple):
    """One attribute as it is on the wire.  For a Vendor-Specific attribute (26) `vendor` is the vendor id
    and `subs` its sub-attributes as (type, value) pairs; `value` always holds the raw value octets.
    (Immutable, as a named tuple: the decoder makes one per attribute of every reply, and a tuple is made
    without running an __init__.)"""

    type: int
    value: bytes
    vendor: int | None = None
    subs: tuple[tuple[int, bytes], ...] = ()

    @property
    def length(self) -> int:
        return len(self.value) + 2


@dataclass(slots=True)
class Packet:
    """A decoded RADIUS packet: header fields, attributes in packet order, and the bytes it came from."""

    code: int
    ident: int
    authenticator: bytes
    attributes: list[Attribute] = field(default_factory=list)
    raw: bytes = b""
    ma_at: int | None = None  # where the (first) Message-Authenticator's value starts in `raw`, None: no such

    # -- lookups by dictionary name --------------------------------------------------------------------
    def _raw_values(self, name: str) -> tuple[list[bytes], object]:
        d = load()
        try:
            da = d.attributes[name]
        except KeyError:
            raise KeyError(f"unknown RADIUS attribute {name!r}") from None
        out: list[bytes] = []
        if da.vendor:
            vid = d.vendors.GetForward(da.vendor)
            for a in self.attributes:
                if a.type == VENDOR_SPECIFIC and a.vendor == vid:
                    out.extend(v for t, v in a.subs if t == da.code)
        else:
            out = [a.value for a in self.attributes if a.type == da.code]
        return out, da

    def get_all(self, name: str) -> list:
        """Every value of attribute `name`, decoded by its data type: str for strings (bytes when not UTF-8),
        int for integers (named values are not mapped back: compare with numbers), str for addresses and
        prefixes, bytes for octets.  Tagged attributes lose their tag; encrypted ones stay raw (see
        `tunnel_password` and `mppe_keys`)."""
        values, da = self._raw_values(name)
        return [_decode_value(da, v) for v in values]

    def get(self, name: str, default=None):
        """The first value of attribute `name` (see `get_all`), or `default`."""
        values = self.get_all(name)
        return values[0] if values else default

    def avpairs(self) -> list[str]:
        """The Cisco-AVPair strings ("ipsec:route-set=interface", ...), in packet order."""
        return [v if isinstance(v, str) else v.decode("latin-1") for v in self.get_all("Cisco-AVPair")]

    def eap_message(self) -> bytes | None:
        """The EAP packet: the concatenated EAP-Message attributes (RFC 3579 §3.1), None without any."""
        parts = [a.value for a in self.attributes if a.type == EAP_MESSAGE]
        return b"".join(parts) if parts else None

    def state(self) -> bytes | None:
        """The State attribute, which the next Access-Request of an exchange must echo (RFC 2865 §5.24)."""
        return next((a.value for a in self.attributes if a.type == STATE), None)

    def message_authenticator(self) -> bytes | None:
        """The first Message-Authenticator's value (the decoder noted where it is: every reply is checked)."""
        at = self.ma_at
        return None if at is None else self.raw[at : at + 16]

    def tunnel_password(self, secret: bytes, request_authenticator: bytes) -> bytes | None:
        """The first Tunnel-Password of a reply, decrypted (RFC 2868 §3.5: tag, salt, MD5 stream keyed by the
        secret and the Request Authenticator); None when absent; BadPacket when it does not decrypt."""
        raw = next((a.value for a in self.attributes if a.type == TUNNEL_PASSWORD), None)
        if raw is None:
            return None
        # A tag octet precedes the salt, unless the sender left it out (salt + n*16 octets).
        enc = raw if len(raw) % 16 == 2 else raw[1:]
        return salt_decrypt(enc, secret, request_authenticator)

    def mppe_keys(self, secret: bytes, request_authenticator: bytes) -> tuple[bytes | None, bytes | None]:
        """(MS-MPPE-Recv-Key, MS-MPPE-Send-Key) decrypted (RFC 2548 §2.4.2-3, the same salt scheme); the MSK
        of an EAP method is Recv-Key || Send-Key (RFC 3748 / RFC 5216 usage)."""
        found: dict[int, bytes] = {}
        for a in self.attributes:
            if a.type == VENDOR_SPECIFIC and a.vendor == MICROSOFT:
                for t, v in a.subs:
                    if t in (MS_MPPE_RECV_KEY, MS_MPPE_SEND_KEY) and t not in found:
                        found[t] = v
        recv, send = found.get(MS_MPPE_RECV_KEY), found.get(MS_MPPE_SEND_KEY)
        return (salt_decrypt(recv, secret, request_authenticator) if recv is not None else None,
                salt_decrypt(send, secret, request_authenticator) if send is not None else None)


def _decode_value(da, raw: bytes):
    """A raw value -> Python value by the dictionary's data type (pyrad's decoders)."""
    if da.has_tag and raw:
        if da.type == "integer":
            raw = b"\x00" + raw[1:]
        elif da.encrypt != 2 and raw[0] <= 0x1F:
            raw = raw[1:]
    if da.encrypt:
        return raw
    if da.type == "string":
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw
    if da.type in ("octets", "abinary", "tlv"):
        return raw
    try:
        return tools.DecodeAttr(da.type, raw)
    except Exception as e:  # noqa: BLE001  decode() checked the sizes; anything left is a bad value
        raise BadPacket(f"bad {da.name} value") from e


# ---- decode ------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _fixed_size(code: int, vendor: int | None) -> int | None:
    """The value size of a fixed-size attribute type, None for the others; looked up once per attribute."""
    d = load()
    key = (vendor, code) if vendor is not None else code
    if not d.attrindex.HasBackward(key):
        return None
    da = d.attributes[d.attrindex.GetBackward(key)]
    return _FIXED.get(da.type)


_new_tuple = tuple.__new__  # Attribute(t, value), without the named tuple's Python-level __new__
_SIZES: dict = {}  # attribute code -> _fixed_size(code, None), one dict lookup per attribute decoded


def _split(data: bytes) -> list[tuple[int, bytes]] | None:
    """(type, value) pairs of a type-length-value run, None when the lengths do not add up."""
    out, i, n = [], 0, len(data)
    while i < n:
        if n - i < 2:
            return None
        t, ln = data[i], data[i + 1]
        if ln < 2 or i + ln > n:
            return None
        out.append((t, data[i + 2 : i + ln]))
        i += ln
    return out


def decode(data: bytes) -> Packet:
    """Parse a packet; BadPacket for anything a receiver must drop (RFC 2865 §3: a short packet, a Length
    out of range, an attribute that overruns the packet or has a length below 2, a value of the wrong size
    for its type).  Octets past Length are padding and ignored."""
    if len(data) < HEADER:
        raise BadPacket("truncated")
    code, ident, length = struct.unpack_from("!BBH", data)
    if length < HEADER or length > MAX_PACKET:
        raise BadPacket("bad length")
    if len(data) < length:
        raise BadPacket("truncated")
    if data.__class__ is not bytes or len(data) != length:
        data = bytes(data[:length])
    attrs: list[Attribute] = []
    ma_at = None
    i = HEADER
    while i < length:
        if length - i < 2:
            raise BadPacket("malformed attribute")
        t, ln = data[i], data[i + 1]
        if ln < 2 or i + ln > length:
            raise BadPacket("malformed attribute")
        value = data[i + 2 : i + ln]
        i += ln
        if t == VENDOR_SPECIFIC:
            attrs.append(_decode_vsa(value))
            continue
        if t == MESSAGE_AUTHENTICATOR:
            if ln != 18:
                raise BadPacket("malformed attribute")
            if ma_at is None:
                ma_at = i - 16
        size = _SIZES.get(t, -1)
        if size == -1:
            size = _SIZES[t] = _fixed_size(t, None)
        if size is not None and len(value) != size:
            raise BadPacket("malformed attribute")
        attrs.append(_new_tuple(Attribute, (t, value, None, ())))
    return Packet(code, ident, data[4:20], attrs, data, ma_at)


def _decode_vsa(value: bytes) -> Attribute:
    if len(value) < 4:
        raise BadPacket("malformed attribute")
    vid = _U32.unpack_from(value)[0]
    subs = _split(value[4:])
    known = vid in (CISCO, MICROSOFT)
    if subs is None or not subs:
        if known:
            raise BadPacket("malformed attribute")
        return Attribute(VENDOR_SPECIFIC, value, vid, ())  # another vendor's format: kept raw
    if known:
        for t, v in subs:
            size = _fixed_size(t, vid)
            if size is not None and len(v) != size:
                raise BadPacket("malformed attribute")
    return Attribute(VENDOR_SPECIFIC, value, vid, tuple(subs))


# ---- MD5 keyed by the shared secret -------------------------------------------------------------------

@lru_cache(maxsize=64)
def _hmac_pads(secret: bytes) -> tuple:
    """The MD5 states after HMAC's inner and outer padded key blocks (RFC 2104), hashed once per secret."""
    key = hashlib.md5(secret).digest() if len(secret) > 64 else secret
    key = key.ljust(64, b"\0")
    return hashlib.md5(bytes(b ^ 0x36 for b in key)), hashlib.md5(bytes(b ^ 0x5C for b in key))


def hmac_md5(secret: bytes, data) -> bytes:
    """HMAC-MD5 of `data` (the Message-Authenticator, RFC 3579 §3.2): what hmac.new(secret, data, md5) gives,
    from copies of the padded key states instead of hashing the key blocks again for every packet."""
    inner, outer = _hmac_pads(secret if secret.__class__ is bytes else bytes(secret))
    i = inner.copy()
    i.update(data)
    o = outer.copy()
    o.update(i.digest())
    return o.digest()


# ---- salt and password encryption --------------------------------------------------------------------

def _xor(block: bytes, key: bytes) -> bytes:
    """block XOR key over len(block) octets (a block of 16 or, last of a value, fewer), as one big integer."""
    n = len(block)
    return (int.from_bytes(block, "big") ^ int.from_bytes(key[:n], "big")).to_bytes(n, "big")


def _md5_stream(data: bytes, secret: bytes, authenticator: bytes, salt: bytes, encrypt: bool) -> bytes:
    """RFC 2868 §3.5: b(1) = MD5(S + R + A), c(i) = p(i) xor b(i), b(i) = MD5(S + c(i-1)); the chain runs
    on the ciphertext both ways."""
    out = bytearray()
    last = authenticator + salt
    for i in range(0, len(data), 16):
        block = data[i : i + 16]
        key = hashlib.md5(secret + last).digest()
        res = _xor(block, key)
        out += res
        last = res if encrypt else block
    return bytes(out)


def salt_decrypt(value: bytes, secret: bytes, request_authenticator: bytes) -> bytes:
    """RFC 2868 §3.5 / RFC 2548 §2.4.2: 2-octet salt, then n*16 octets hiding a length octet, the data and
    padding.  BadPacket when the sizes are wrong or the length octet points past the data (a wrong secret
    shows up as that, or as garbage)."""
    if len(value) < 18 or (len(value) - 2) % 16:
        raise BadPacket("bad encrypted attribute")
    plain = _md5_stream(bytes(value[2:]), secret, bytes(request_authenticator), bytes(value[:2]), False)
    if plain[0] > len(plain) - 1:
        raise BadPacket("bad encrypted attribute")
    return plain[1 : 1 + plain[0]]


def salt_encrypt(value: bytes, secret: bytes, request_authenticator: bytes, salt: bytes) -> bytes:
    """The inverse of `salt_decrypt`, with the 2-octet `salt` given (its high bit is set here, RFC 2868)."""
    if isinstance(value, str):
        value = value.encode()
    if len(value) > 239:
        raise ValueError("value too long for salt encryption")
    salt = bytes([salt[0] | 0x80, salt[1]])
    plain = bytes([len(value)]) + value
    plain += b"\x00" * (-len(plain) % 16)
    return salt + _md5_stream(plain, secret, bytes(request_authenticator), salt, True)


def hide_password(password: bytes | str, secret: bytes, authenticator: bytes) -> bytes:
    """User-Password hiding (RFC 2865 §5.2): the password padded to 16-octet blocks, each XORed with
    MD5(secret | previous block), the first with the Request Authenticator.  (A dozen lines of our own
    instead of a pyrad packet object per request: this is on every Access-Request's path; the tests check it
    against pyrad and the RFC's example.)"""
    p = password.encode() if isinstance(password, str) else bytes(password)
    if len(p) <= 16:  # one block (the usual password): c(1) = p(1) xor MD5(S + RA)
        key = hashlib.md5(secret + authenticator).digest()
        return (int.from_bytes(p.ljust(16, b"\0"), "big") ^ int.from_bytes(key, "big")).to_bytes(16, "big")
    p += bytes(-len(p) % 16)
    out = bytearray()
    last = authenticator
    for i in range(0, len(p), 16):
        key = hashlib.md5(secret + last).digest()
        block = _xor(p[i:i + 16], key)
        out += block
        last = block
    return bytes(out)


def unhide_password(hidden: bytes, secret: bytes, authenticator: bytes) -> str:
    return AuthPacket(id=0, secret=secret, authenticator=authenticator).PwDecrypt(hidden)


# ---- encode ------------------------------------------------------------------------------------------

class _Ctx(NamedTuple):
    secret: bytes
    authenticator: bytes  # the Request Authenticator hiding passwords and salting (zeros for acct/CoA)
    rng: Rng | None


def _enum(da, value) -> int:
    if isinstance(value, int):
        return value
    if da.values.HasForward(value):
        return struct.unpack("!I", da.values.GetForward(value))[0]
    raise ValueError(f"{da.name}: unknown value {value!r}")


def _encode_value(da, value, ctx: _Ctx) -> bytes:
    tag = None
    if da.has_tag and isinstance(value, tuple):
        tag, value = value
    if da.encrypt == 1:
        return hide_password(value, ctx.secret, ctx.authenticator)
    if da.encrypt == 2:
        if ctx.rng is None:
            raise ValueError(f"{da.name} needs an rng for its salt")
        enc = salt_encrypt(value if isinstance(value, bytes) else str(value).encode(), ctx.secret,
                           ctx.authenticator, ctx.rng(2))
        return (bytes([tag or 0]) + enc) if da.has_tag else enc  # RFC 2868 §3.5: the tag is not optional
    if da.type == "integer":
        raw = struct.pack("!I", _enum(da, value))
        if da.has_tag:
            raw = bytes([tag or 0]) + raw[1:]
        return raw
    if da.type in ("string", "octets"):
        raw = value.encode() if isinstance(value, str) else bytes(value)
    elif da.type == "ipaddr":
        try:
            raw = socket.inet_aton(value) if isinstance(value, str) and value.count(".") == 3 else \
                ipaddress.IPv4Address(value).packed
        except OSError:
            raw = ipaddress.IPv4Address(value).packed  # its ValueError says what is wrong
    else:
        raw = tools.EncodeAttr(da.type, value)
    if tag is not None:
        raw = bytes([tag]) + raw
    return raw


def _tlv(t: int, value: bytes) -> bytes:
    if len(value) > 253:
        raise ValueError(f"attribute {t}: value of {len(value)} octets does not fit (253 at most)")
    return bytes([t, len(value) + 2]) + value


_U32 = struct.Struct("!I")
_ZERO16 = bytes(16)
_HEAD = struct.Struct("!BBH")  # Code, Identifier, Length
_ATTR_HEAD = struct.Struct("!BB")  # an attribute's Type and Length
_VSA_HEAD = struct.Struct("!BB4sBB")  # Vendor-Specific, its length, the vendor id, the sub-attribute's type, length


@lru_cache(maxsize=None)
def _spec(name: str):
    """(fast encoders, headers, code, vendor header or None, dictionary attribute) of an attribute name: looked
    up once per name, since the dictionary never changes after loading (encoding is on every RADIUS request's
    path).  The fast encoders map a value's class to what encodes it without the request's context, for the
    plain types ("string", "octets", "integer", "ipaddr") of attributes that are not hidden, salted or
    tagged: bytes as they are, str in UTF-8, an int as 4 octets, a dotted quad as 4 octets; any other value
    (a VALUE name, a tagged tuple, another class) takes `_encode_value`.  headers[n] is the attribute's
    header for a value of n octets (Type, Length; for a vendor's: Vendor-Specific, its Length, the vendor id,
    the sub-attribute's Type and Length), as long as such a value fits."""
    d = load()
    da = d.attributes[name]
    code = da.code
    vendor = struct.pack("!I", d.vendors.GetForward(da.vendor)) if da.vendor else None
    plain = da.type if da.type in ("string", "octets", "integer", "ipaddr") else None
    if da.encrypt or da.has_tag or (vendor is None and code == MESSAGE_AUTHENTICATOR):
        plain = None
    fast = {"string": {bytes: bytes, str: str.encode}, "octets": {bytes: bytes}, "integer": {int: _U32.pack},
            "ipaddr": {str: _ipv4_packed}}.get(plain, {})
    if vendor is None:
        headers = tuple(_ATTR_HEAD.pack(code, n + 2) for n in range(254))
    else:
        headers = tuple(_VSA_HEAD.pack(VENDOR_SPECIFIC, n + 8, vendor, code, n + 2) for n in range(248))
    return fast, headers, code, vendor, da


_SPECS: dict = {}  # name -> _spec(name), read with one dict lookup per attribute


@lru_cache(maxsize=256)
def _ipv4_packed(value: str) -> bytes:
    """A dotted quad's 4 octets (ValueError otherwise); cached: a router's NAS-IP-Address repeats."""
    return ipaddress.IPv4Address(value).packed


def _too_long(code: int, vendor: bytes | None, raw: bytes) -> None:
    """Raise the ValueError of a value that does not fit its attribute."""
    if vendor is None:
        _tlv(code, raw)
    _tlv(VENDOR_SPECIFIC, vendor + _tlv(code, raw))
    raise ValueError(f"attribute {code}: value of {len(raw)} octets does not fit")


def _encode_attrs(attrs: Iterable[tuple[object, object]], secret: bytes, authenticator: bytes,
                  rng: Rng | None) -> tuple[bytearray, int | None]:
    """The attribute octets in the given order, and the offset of the Message-Authenticator placeholder.
    `authenticator` hides passwords and salts (zeros for Accounting/CoA requests)."""
    out = bytearray()
    ma_at = None
    ctx = None
    specs = _SPECS
    for name, value in attrs:
        spec = specs.get(name)
        if spec is None:
            if name.__class__ is not str:  # (a name is a str but for raw attributes)
                if isinstance(name, int):  # raw attribute: (code, bytes)
                    out += _tlv(name, bytes(value))
                    continue
                if isinstance(name, tuple):  # raw vendor attribute: ((vendor, code), bytes)
                    vid, code = name
                    out += _tlv(VENDOR_SPECIFIC, struct.pack("!I", vid) + _tlv(code, bytes(value)))
                    continue
            spec = specs[name] = _spec(name)
        enc = spec[0].get(value.__class__)
        if enc is not None:
            raw = enc(value)
        elif spec[3] is None and spec[2] == MESSAGE_AUTHENTICATOR:
            ma_at = len(out) + HEADER
            out += _tlv(MESSAGE_AUTHENTICATOR, bytes(16))
            continue
        else:
            if ctx is None:
                ctx = _new_tuple(_Ctx, (secret, authenticator, rng))
            raw = _encode_value(spec[4], value, ctx)
        try:
            out += spec[1][len(raw)]
        except IndexError:
            _too_long(spec[2], spec[3], raw)
        out += raw
    return out, ma_at


def _has_ma(attrs) -> bool:
    return any(n == "Message-Authenticator" or n == MESSAGE_AUTHENTICATOR for n, _ in attrs)


def encode_request(code: int, ident: int, secret: bytes, attrs: list[tuple[str, object]],
                   authenticator: bytes | None = None, message_authenticator: bool = False,
                   *, rng: Rng | None = None) -> bytes:
    """A request with its attributes in exactly the order of `attrs` ((name, value) pairs by dictionary name;
    an int name with bytes is a raw attribute).  Values: str/bytes for strings and octets, int or a VALUE
    name for integers, dotted quads for addresses; (tag, value) for tagged attributes.

    Access-Request and Status-Server take the random `authenticator` given (16 octets, the caller's rng);
    User-Password is hidden with it.  Accounting-Request, CoA-Request and Disconnect-Request compute theirs
    over the packet (RFC 2866 §3, RFC 5176 §3.5).  A ("Message-Authenticator", _) entry is filled in where it
    stands (RFC 3579 §3.2; its value is ignored); `message_authenticator=True` appends one if absent.
    `rng` supplies salts for Tunnel-Password / MS-MPPE keys, if any are sent.
    """
    return encode_request_ma(code, ident, secret, attrs, authenticator, message_authenticator, rng)[0]


def encode_request_ma(code: int, ident: int, secret: bytes, attrs: list[tuple[str, object]],
                      authenticator: bytes | None = None, message_authenticator: bool = False,
                      rng: Rng | None = None) -> tuple[bytes, bool]:
    """`encode_request`, and whether the request carries a Message-Authenticator (what `verify_reply` asks of
    its reply; the RADIUS client keeps it instead of walking the request's attributes again)."""
    if message_authenticator and not _has_ma(attrs):
        attrs = [*attrs, ("Message-Authenticator", b"")]
    random_auth = code in RANDOM_AUTHENTICATOR
    if random_auth:
        if authenticator is None or len(authenticator) != 16:
            raise ValueError("an Access-Request needs a 16-octet random authenticator")
        auth = bytes(authenticator)
    else:
        auth = _ZERO16
    body, ma_at = _encode_attrs(attrs, secret, auth, rng)
    length = HEADER + len(body)
    if length > MAX_PACKET:
        raise ValueError(f"packet of {length} octets exceeds {MAX_PACKET}")
    head = _HEAD.pack(code, ident, length)
    if ma_at is not None:
        # Accounting/CoA/Disconnect: HMAC over the packet with a zero authenticator (RFC 5176 §3.3);
        # Access-Request: with its Request Authenticator (RFC 3579 §3.2).
        body[ma_at - HEADER + 2 : ma_at - HEADER + 18] = hmac_md5(secret, head + auth + body)
    if not random_auth:
        auth = hashlib.md5(head + auth + body + secret).digest()
    return head + auth + body, ma_at is not None


def encode_reply(code: int, ident: int, secret: bytes, request_authenticator: bytes,
                 attrs: list[tuple[str, object]], message_authenticator: bool = False,
                 *, rng: Rng | None = None) -> bytes:
    """A reply (what a RADIUS server sends; tests and the simulated servers of the transcripts use it):
    Response Authenticator = MD5(Code+ID+Length+Request Authenticator+Attributes+Secret) (RFC 2865 §3), the
    Message-Authenticator computed with the Request Authenticator in place (RFC 3579 §3.2).  Tunnel-Password
    and MS-MPPE keys are salt-encrypted with `rng`."""
    attrs = list(attrs)
    if message_authenticator and not _has_ma(attrs):
        attrs.insert(0, ("Message-Authenticator", b""))  # first, as BlastRADIUS advice has it
    body, ma_at = _encode_attrs(attrs, secret, bytes(request_authenticator), rng)
    length = HEADER + len(body)
    if length > MAX_PACKET:
        raise ValueError(f"packet of {length} octets exceeds {MAX_PACKET}")
    pkt = bytearray(struct.pack("!BBH", code, ident, length) + bytes(request_authenticator)) + body
    if ma_at is not None:
        pkt[ma_at + 2 : ma_at + 18] = hmac_md5(secret, bytes(pkt))
    pkt[4:20] = hashlib.md5(bytes(pkt) + secret).digest()
    return bytes(pkt)


# ---- checks ------------------------------------------------------------------------------------------

def _ma_ok(pkt: Packet, secret: bytes, authenticator: bytes) -> bool:
    """Check the Message-Authenticator of `pkt`, computed with `authenticator` in the header field and zeros in
    its own place (RFC 3579 §3.2)."""
    at = pkt.ma_at
    if at is None:
        return False
    raw = pkt.raw
    zeroed = raw[:4] + authenticator + raw[20:at] + _ZERO16 + raw[at + 16 :]
    return hmac.compare_digest(raw[at : at + 16], hmac_md5(secret, zeroed))


def verify_reply(reply_bytes: bytes, request_bytes: bytes, secret: bytes, request_has_ma: bool | None = None) -> Packet:
    """Decode a reply and check it answers `request_bytes`: same identifier, a reply code for that request,
    the Response Authenticator, and the Message-Authenticator when present.  BlastRADIUS (CVE-2024-3596):
    when an Access-Request carried a Message-Authenticator, a reply without a valid one is refused
    (`request_has_ma` says whether it did, as `encode_request_ma` told; None: read from the request).
    Returns the decoded reply; raises BadPacket("bad authenticator") and the like."""
    reply = decode(reply_bytes)
    req_code, req_ident = request_bytes[0], request_bytes[1]
    req_auth = bytes(request_bytes[4:20])
    if reply.ident != req_ident:
        raise BadPacket("identifier mismatch")
    if reply.code not in REPLIES.get(req_code, ()):
        raise BadPacket("unexpected code")
    expect = hashlib.md5(reply.raw[:4] + req_auth + reply.raw[20:] + secret).digest()
    if not hmac.compare_digest(expect, reply.authenticator):
        raise BadPacket("bad authenticator")
    if reply.message_authenticator() is not None:
        if not _ma_ok(reply, secret, req_auth):
            raise BadPacket("bad Message-Authenticator")
    elif req_code in RANDOM_AUTHENTICATOR and (
            request_has_ma if request_has_ma is not None else _request_has_ma(request_bytes)):
        raise BadPacket("missing Message-Authenticator")
    return reply


def _request_has_ma(request_bytes: bytes) -> bool:
    """Whether a request we built carries a Message-Authenticator (a walk over its attribute headers)."""
    end = min(len(request_bytes), struct.unpack_from("!H", request_bytes, 2)[0])
    i = HEADER
    while i + 1 < end:
        if request_bytes[i] == MESSAGE_AUTHENTICATOR:
            return True
        ln = request_bytes[i + 1]
        if ln < 2:
            return False
        i += ln
    return False


def verify_request(data: bytes, secret: bytes) -> Packet:
    """Check a received Accounting-Request / CoA-Request / Disconnect-Request (their authenticator hashes
    the packet with the secret), and its Message-Authenticator when present; for the dynamic-author server
    and the tests' simulated RADIUS server."""
    pkt = decode(data)
    if pkt.code not in RANDOM_AUTHENTICATOR:
        expect = hashlib.md5(pkt.raw[:4] + bytes(16) + pkt.raw[20:] + secret).digest()
        if not hmac.compare_digest(expect, pkt.authenticator):
            raise BadPacket("bad authenticator")
        ma_auth = bytes(16)
    else:
        ma_auth = pkt.authenticator
    if pkt.message_authenticator() is not None and not _ma_ok(pkt, secret, ma_auth):
        raise BadPacket("bad Message-Authenticator")
    return pkt

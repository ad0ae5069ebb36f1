"""One IKE SA: the exchanges after the responder has accepted an IKE_SA_INIT (and the parts an initiator shares).

Sans-I/O: every entry point takes `now` and returns the datagrams to send; randomness comes from the engine's
`rng`.  The order of IKE_AUTH processing is the chapter's "Sequence of Events": authenticate the peer, then
authorize (merge attributes), allocate the address from the CFG_REQUEST, the virtual-access, the IPsec SA
proposal, then the CFG_REPLY.

Memory: one `IkeSa` per SA with `__slots__`; the IKE_SA_INIT message copies and nonces needed for AUTH are
dropped once IKE_AUTH is done, and the response cache holds only the responses still inside the window.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import struct
from dataclasses import dataclass

from . import algorithms as A
from . import debug as D
from . import auth as _auth
from . import certs as _certs
from . import codec as _codec
from . import anyconnect as _ac
from . import eap as _eap
from . import reconnect as _rc
from . import policy
from .policy import Proposal as PolProposal
from ..aaa.attrs import cached_attributes_text
from ..aaa.authorization import method_key
from ..aaa.manglers import mangle
from ..aaa.service import Authorize, EapRelay, PasswordAuth, PskLookup
from ..events import Datagram
from .state import ChildSa, Identity, TrafficSelector

HEADER = struct.Struct("!8s8sBBBBII")
NON_ESP_MARKER = b"\0\0\0\0"
ZERO_SPI = bytes(8)

# The four vendor IDs of IOS's IKE_SA_INIT and the one of its IKE_AUTH (codec.py owns them).
TT_ENCR, TT_PRF, TT_INTEG, TT_DH, TT_ESN = A.TT_ENCR, A.TT_PRF, A.TT_INTEG, A.TT_DH, A.TT_ESN

CISCO_VIDS = _codec.CISCO_SA_INIT_VIDS
CISCO_AUTH_VID = _codec.CISCO_AUTH_VID

# Cisco DELETE_REASON notify data: a reason code; IOS's texts are not public.  1 = "administrative clear".
DELETE_REASON_CLEAR = 1
DELETE_REASON_EXPIRED = 2
DELETE_REASON_DPD = 3

# Error notifies that, in an INFORMATIONAL request from the peer, end the IKE SA (RFC 7296 §2.21.2: the initiator
# that cannot verify the responder's AUTH sends AUTHENTICATION_FAILED and deletes its side; §3.10.1: INVALID_SYNTAX
# means the peer found our message unacceptable and will not go on with the SA).
PEER_FATAL_NOTIFIES = frozenset((A.AUTHENTICATION_FAILED, A.INVALID_SYNTAX))

# Router-initiated rekeys (our design, marked): IOS rekeys before its own lifetime with a jitter so that many SAs
# made at once do not rekey at once; we start the CREATE_CHILD_SA at 90 % of the lifetime minus up to 5 % more
# (drawn from the engine's RNG).  A refused rekey (TEMPORARY_FAILURE) is tried again after REKEY_RETRY seconds.
REKEY_SOFT = 0.90
REKEY_JITTER = 0.05
REKEY_RETRY = 10.0

RETRANSMIT_BASE = 2.0  # seconds; IOS doubles the wait each time
RETRANSMIT_MAX = 5
MAX_TIMER_NAP = 60.0  # an SA with no timer due is still looked at once a minute


@dataclass(slots=True)
class Header:
    spi_i: bytes
    spi_r: bytes
    next_payload: int
    version: int
    exchange: int
    flags: int
    msg_id: int
    length: int

    @property
    def is_response(self) -> bool:
        return bool(self.flags & A.FLAG_RESPONSE)

    @property
    def from_initiator(self) -> bool:
        return bool(self.flags & A.FLAG_INITIATOR)


def peek_header(data: bytes) -> Header | None:
    """The fixed IKE header, or None when there are fewer than 28 bytes."""
    if len(data) < HEADER.size:
        return None
    return Header(*HEADER.unpack_from(data))


def nat_hash(spi_i: bytes, spi_r: bytes, addr: str, port: int) -> bytes:
    """NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port) (RFC 7296 §2.23)."""
    try:
        ip = ipaddress.ip_address(addr).packed
    except ValueError:
        ip = socket.inet_aton(addr)
    return hashlib.sha1(spi_i + spi_r + ip + port.to_bytes(2, "big")).digest()


def frame(data: bytes, local_port: int) -> bytes:
    """Add the non-ESP marker for IKE sent on port 4500."""
    return NON_ESP_MARKER + data if local_port == 4500 else data


def ct_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


# ---------------------------------------------------------------------------------------------------------------
# Conversions between the codec's SA payload and policy.py's Proposal
# ---------------------------------------------------------------------------------------------------------------


def offered_proposals(sa_payload, protocol: int) -> list:
    """The initiator's proposals of `protocol` as policy.Proposal (lists of acceptable transforms)."""
    out = []
    for p in sa_payload.proposals if sa_payload is not None else ():
        if p.protocol != protocol:
            continue
        encr, prf, integ, dh, esn = [], [], [], [], []
        for t in p.transforms:
            tt = t.type
            if tt == TT_ENCR:
                encr.append((t.id, t.key_bits if t.attrs else None))
            elif tt == TT_PRF:
                prf.append(t.id)
            elif tt == TT_INTEG:
                integ.append(t.id)
            elif tt == TT_DH:
                dh.append(t.id)
            elif tt == TT_ESN:
                esn.append(t.id)
        out.append(PolProposal(encr, prf, integ, dh, esn, p.num, p.spi))
    return out


def ike_choice_proposal(codec, choice, spi: bytes = b""):
    """The one-transform-per-type proposal we answer with for an IKE SA (IKE_SA_INIT or IKE rekey)."""
    ts = [codec.Transform.make(A.TT_ENCR, choice.encr[0], choice.encr[1]),
          codec.Transform.make(A.TT_PRF, choice.prf)]
    if choice.integ is not None:
        ts.append(codec.Transform.make(A.TT_INTEG, choice.integ))
    ts.append(codec.Transform.make(A.TT_DH, choice.dh))
    return codec.Proposal(choice.num, A.PROTO_IKE, spi, ts)


def child_choice_proposal(codec, choice, spi: bytes):
    ts = [codec.Transform.make(A.TT_ENCR, choice.encr[0], choice.encr[1])]
    if choice.integ is not None:
        ts.append(codec.Transform.make(A.TT_INTEG, choice.integ))
    if choice.dh:
        ts.append(codec.Transform.make(A.TT_DH, choice.dh))
    ts.append(codec.Transform.make(A.TT_ESN, choice.esn))
    return codec.Proposal(choice.num, A.PROTO_ESP, spi, ts)


def _ip_int(text: str, version: int) -> int:
    """An address of IP version `version` as an integer (ValueError otherwise); inet_pton, not the ipaddress
    module: this runs for every traffic selector of every session."""
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET if version == 4 else socket.AF_INET6, text), "big")
    except OSError:
        raise ValueError(f"{text!r} is not an IPv{version} address") from None


def narrow_ts(selectors, assigned: str | None, assigned6: str | None = None):
    """Responder narrowing (RFC 7296 §2.9) of the initiator's selectors for its own side (TSi), per family:
    with an address pushed by CFG_REPLY (IPv4 `assigned`, IPv6 `assigned6`), the host selector of that address
    inside the first selector of its family that contains it; without one, that family's selectors as
    proposed.  [] means TS_UNACCEPTABLE."""
    out = []
    for ts_type, version, pushed in ((7, 4, assigned), (8, 6, assigned6)):
        sels = [s for s in selectors if s.ts_type == ts_type]
        if pushed is None:
            out += sels
            continue
        a = _ip_int(pushed, version)
        for s in sels:
            try:
                if _ip_int(s.start, version) <= a <= _ip_int(s.end, version):
                    out.append(TrafficSelector(ts_type, s.protocol, s.start_port, s.end_port, pushed, pushed))
                    break
            except ValueError:
                continue
    if assigned is not None and not any(s.ts_type == 7 for s in out):
        return []  # the pushed IPv4 address is outside every IPv4 selector
    return out


# ---------------------------------------------------------------------------------------------------------------
# AUTH octets (auth.py)
# ---------------------------------------------------------------------------------------------------------------


def signed_octets(prf_alg, first_message: bytes, peer_nonce: bytes, sk_p: bytes, id_body: bytes) -> bytes:
    """<message octets> | <peer's nonce> | prf(SK_p, ID body) (RFC 7296 §2.15), via auth.signed_octets."""
    return _auth.signed_octets(first_message, peer_nonce, prf_alg, sk_p, id_body)


def psk_auth(prf_alg, key: bytes, octets: bytes) -> bytes:
    return _auth.psk_auth(prf_alg, key, octets)


# ---------------------------------------------------------------------------------------------------------------
# The IKE SA
# ---------------------------------------------------------------------------------------------------------------

# phases
INIT = "INIT"  # IKE_SA_INIT answered, waiting for IKE_AUTH
EAP = "EAP"  # IKE_AUTH in progress with EAP (AAA issue)
READY = "READY"
DELETING = "DELETING"  # we sent DELETE, waiting for the answer
DEAD = "DEAD"


WAIT = object()  # a step asked AAA: no response yet

EAP_DEFAULT_TIMEOUT = 90  # `authentication remote eap timeout` (chapter: "The default timeout is 90 seconds")


class PeerTurn:
    """A step of a multi-message IKE_AUTH (EAP): answer the current request with `payloads`, then wait for
    the peer's next IKE_AUTH request, which the steps get as the answer.  `end`: the exchange is over (an
    EAP-Failure went out): the SA goes once the response is sent."""

    __slots__ = ("payloads", "end")

    def __init__(self, payloads: list, end: bool = False):
        self.payloads, self.end = payloads, end


class Task:
    """An IKE_AUTH in progress: its steps (a generator that yields AAA questions and gets their answers), the
    request it answers and where it came from."""

    __slots__ = ("steps", "msg", "src", "dst", "token")

    def __init__(self, steps, msg, src, dst):
        self.steps, self.msg, self.src, self.dst = steps, msg, src, dst
        self.token = None


class Offer:
    """One proposal we offer in our own rekey (the algorithms in use): what ike_choice_proposal and
    child_choice_proposal read."""

    __slots__ = ("num", "encr", "prf", "integ", "dh", "esn")

    def __init__(self, encr, integ, dh, prf=None, esn=0, num=1):
        self.num, self.encr, self.prf, self.integ, self.dh, self.esn = num, encr, prf, integ, dh, esn


class RekeyState:
    """Our CREATE_CHILD_SA rekey in flight (RFC 7296 §1.3.2/§1.3.3): what the response needs, and the peer's
    colliding rekey of the same SA if one came meanwhile (`peer`: what it made, `peer_min`: the lower of its
    two nonces; §2.8.1: of the two, the SA made with the lowest of the four nonces is redundant and deleted by
    the endpoint that initiated it)."""

    __slots__ = ("kind", "old", "ni", "priv", "group", "spi", "offer", "peer", "peer_min")

    def __init__(self, kind, old, ni, priv, group, spi, offer):
        self.kind, self.old, self.ni, self.priv, self.group, self.spi, self.offer = kind, old, ni, priv, group, spi, offer
        self.peer = None
        self.peer_min = None


class SaError(Exception):
    """Abort processing of one request and answer with `notify` (inside the SA)."""

    def __init__(self, notify: int, data: bytes = b"", fatal: bool = False, reason: str = ""):
        super().__init__(reason or A.notify_name(notify))
        self.notify = notify
        self.data = data
        self.fatal = fatal


class IkeSa:
    """One IKE SA seen from the responder.  `eng` is the Responder (rng, router, stats, debug, tables)."""

    __slots__ = (
        "eng", "st", "phase", "prf", "encr", "integ", "sk_d", "c_in", "c_out", "sk_pi", "sk_pr",
        "ni", "nr", "init_req", "init_resp", "init_digest", "peer_next", "cache", "my_next", "pending",
        "last_rx", "ka_next", "frag_peer", "reasm", "profile", "settings", "cisco_peer", "half_key",
        "dpd_next", "expires", "peer_addr_nat", "local_nat", "eap_state", "old_of", "due", "task", "now", "aaa_psk",
        "eap_deadline", "eap_msk", "eap_attrs", "rc", "terminate", "rekey_at", "child_rekey", "rekeying",
        "peer_hashes",
    )

    def __init__(self, eng, st):
        self.eng = eng
        self.st = st
        self.phase = INIT
        self.prf = self.encr = self.integ = None
        self.sk_d = self.sk_pi = self.sk_pr = b""
        self.c_in = self.c_out = None
        self.ni = self.nr = self.init_req = self.init_resp = b""
        self.init_digest = b""
        self.peer_hashes = None  # the SIGNATURE_HASH_ALGORITHMS of the peer's IKE_SA_INIT (None: not announced)
        self.peer_next = 0  # lowest request ID of the peer not yet answered
        self.cache: dict[int, tuple[object, list[bytes]]] = {}  # msg id -> (request digest(s), response datagrams)
        self.my_next = 0
        self.pending = None  # [msg_id, datagrams, next_due, tries, kind]
        self.last_rx = 0.0
        self.ka_next = None
        self.frag_peer = False
        self.reasm = None
        self.profile = None
        self.settings = None
        self.cisco_peer = False  # peer sent CISCO-DELETE-REASON: it understands our DELETE_REASON notify
        self.half_key = None
        self.dpd_next = None
        self.expires = None
        self.peer_addr_nat = False  # the peer is behind a NAT
        self.local_nat = False  # we are behind a NAT
        self.eap_state = None  # EAP: the paused IKE_AUTH steps between two of the peer's messages
        self.eap_deadline = None  # EAP: when the peer's EAP response is overdue (`authentication remote eap timeout`)
        self.eap_msk = None  # EAP: the MSK the RADIUS server sent (None: SK_pi/SK_pr key the final AUTH)
        self.eap_attrs = None  # EAP: the Access-Accept's attributes (implicit authorization, `... eap cached`)
        self.old_of = None
        self.due = 0.0  # no timer of this SA fires before this time (see tick); 0: look at the next tick
        self.task = None  # IKE_AUTH waiting for AAA: Task (the paused steps and the request they answer)
        self.now = 0.0  # the `now` of the call being processed (the steps read it after a pause)
        self.aaa_psk = None  # PskAnswer of a `keyring aaa` lookup (keys and cached attributes)
        self.rc = None  # auto-reconnect: the session's reconnect.Kept entry (smart DPD runs while it is set)
        self.terminate = False  # the response going out ends the session (INTERNAL_ADDRESS_FAILURE): DELETE follows
        self.rekey_at = None  # when we start an IKE rekey ourselves (lifetime minus IOS's jitter)
        self.child_rekey = {}  # our inbound SPI -> when we start that child's rekey
        self.rekeying = None  # our CREATE_CHILD_SA rekey in flight: RekeyState

    # -- identity -----------------------------------------------------------------------------------------
    @property
    def spi_i(self) -> bytes:
        return self.st.spi_i

    @property
    def spi_r(self) -> bytes:
        return self.st.spi_r

    @property
    def our_spi(self) -> bytes:
        """Our IKE SPI: the responder SPI, or the initiator SPI of an SA we made by rekeying it ourselves."""
        return self.st.spi_i if self.st.initiator else self.st.spi_r

    @property
    def natt(self) -> bool:
        return self.st.local[1] == 4500

    def _codec(self):
        return _codec

    # -- key setup ----------------------------------------------------------------------------------------
    def set_keys(self, choice, keys) -> None:
        c = self._codec()
        self.prf = A.get_prf(choice.prf)
        self.encr = A.get_encr(*choice.encr)
        self.integ = A.get_integ(choice.integ) if choice.integ is not None else None
        self.sk_d = keys.sk_d
        self.sk_pi, self.sk_pr = keys.sk_pi, keys.sk_pr
        self.c_in, self.c_out = c.sk_crypto(keys, self.encr, self.integ, initiator=self.st.initiator)
        st = self.st
        st.encr, st.prf, st.integ, st.dh_group = choice.encr, choice.prf, choice.integ, choice.dh

    # -- sending ------------------------------------------------------------------------------------------
    def _flags(self, response: bool) -> int:
        f = A.FLAG_INITIATOR if self.st.initiator else 0
        return f | (A.FLAG_RESPONSE if response else 0)

    def seal(self, exchange: int, msg_id: int, payloads: list, response: bool, fragment: bool = False) -> list[bytes]:
        """Encrypt `payloads` into datagrams (SKF fragments when the peer fragments or the message exceeds the
        fragmentation MTU and fragmentation is on)."""
        c = self._codec()
        m = c.Message(self.st.spi_i, self.st.spi_r, exchange, self._flags(response), msg_id, payloads)
        size = None
        s = self.settings
        if self.frag_peer and s is not None and s.fragmentation:
            size = c.fragment_size(s.fragmentation_mtu, udp_encap=self.natt)
            if fragment:
                size = min(size, c.fragment_size(s.fragmentation_mtu, udp_encap=self.natt))
        try:
            return c.seal(m, self.c_out, self.eng.rng, fragment_size=size)
        except ValueError:
            return c.seal(m, self.c_out, self.eng.rng)

    def datagrams(self, packets: list[bytes]) -> list[Datagram]:
        local, remote = self.st.local, self.st.remote
        return [Datagram(frame(p, local[1]), local, remote) for p in packets]

    def request(self, payloads: list, now: float, kind: str, exchange: int = A.INFORMATIONAL) -> list[Datagram]:
        """Send a request of ours (DPD, DELETE); retransmitted by `tick` until answered."""
        if self.pending is not None:
            return []
        mid = self.my_next
        self.my_next += 1
        self.st.local_req_msgid = mid
        self.st.local_next_msgid = self.my_next
        packets = self.seal(exchange, mid, payloads, response=False)
        self.pending = [mid, packets, now + RETRANSMIT_BASE, 0, kind]
        self.due = 0.0
        self.eng.debug_packet(self, "send", exchange, mid, False, payloads, packets)
        return self.datagrams(packets)

    # -- receiving ----------------------------------------------------------------------------------------
    def handle(self, msg, src, dst, now) -> list[Datagram]:
        """A message for this SA (SPIs matched).  Never raises CodecError out: the caller catches the rest."""
        self.due = 0.0  # timers may move (DPD, a pending request answered, new children): recomputed at the tick
        c = self._codec()
        eng = self.eng
        if self.c_in is None or msg.encrypted is None:
            if msg.exchange == A.IKE_SA_INIT and msg.is_request and self.phase == INIT:
                return self._init_retransmit(msg, src, dst)
            eng.stats.dropped_other += 1
            return []
        mid = msg.message_id
        self.now = now
        if msg.is_request:
            if msg.from_initiator == self.st.initiator:
                eng.stats.dropped_other += 1
                return []
            if mid < self.peer_next or mid in self.cache:
                return self._retransmission(msg, mid)
            if self.task is not None:  # IKE_AUTH waits for AAA: absorbed, answered once (from the cache later)
                eng.stats.absorbed += 1
                return []
            window = self.settings.window if self.settings is not None and self.phase == READY else 1
            if mid >= self.peer_next + max(window, 1):
                eng.stats.dropped_other += 1
                return []
        else:
            if self.pending is None or mid != self.pending[0]:
                eng.stats.dropped_other += 1
                return []
        # authenticate and decrypt
        try:
            if isinstance(msg.encrypted, c.EncryptedFragment):
                if self.reasm is None:
                    self.reasm = c.FragmentReassembler()
                inner = self.reasm.add(msg, self.c_in)
                self.frag_peer = True
                if inner is None:
                    self.last_rx = now
                    return []
            else:
                c.open_sk(msg, self.c_in)
        except c.IntegrityError:
            eng.stats.integrity_failed += 1
            return []
        except c.CodecError as e:
            if e.notify == A.UNSUPPORTED_CRITICAL_PAYLOAD:
                eng.stats.unsupported_critical += 1
            else:
                eng.stats.malformed += 1
            if msg.is_request and self.phase == READY:
                note = c.Notify(e.notify, e.data)
                return self._respond(msg, [note], now, src, dst)
            return []
        self.last_rx = now
        self._update_path(src, dst)
        if msg.is_response:
            return self._handle_response(msg, now)
        eng.debug_packet(self, "recv", msg.exchange, mid, True, msg.inner or [], None, src=src, dst=dst)
        try:
            if msg.exchange == A.IKE_AUTH and self.phase == INIT:
                out = self._run(Task(self._ike_auth(msg, now), msg, src, dst), None)
            elif msg.exchange == A.IKE_AUTH and self.phase == EAP and self.eap_state is not None:
                steps, self.eap_state, self.eap_deadline = self.eap_state, None, None
                out = self._run(Task(steps, msg, src, dst), msg)
            elif self.phase == DELETING and msg.exchange == A.INFORMATIONAL:
                out = self._informational(msg, now)  # simultaneous deletes: the peer's DELETE ends it at once
            elif self.phase != READY:
                out = None
            elif msg.exchange == A.CREATE_CHILD_SA:
                out = self._create_child(msg, now)
            elif msg.exchange == A.INFORMATIONAL:
                out = self._informational(msg, now)
            else:
                out = None
        except SaError as e:
            return self._failed(msg, e, src, dst, now)
        return self._answer(msg, out, src, dst, now)

    def _answer(self, msg, out, src, dst, now) -> list[Datagram]:
        if out is WAIT:
            return []
        if out is None:
            self.eng.stats.dropped_other += 1
            return []
        dg = self._respond(msg, out, now, src, dst)
        if self.phase == DEAD:
            self.eng.remove_sa(self, now, reason="peer deleted", notify_peer=False)
        elif self.terminate:
            self.terminate = False
            self.phase = READY  # the IKE SA exists for the peer: end it with a DELETE, then forget it
            dg += self.delete(now, DELETE_REASON_CLEAR)
        return dg

    def _failed(self, msg, e: "SaError", src, dst, now) -> list[Datagram]:
        self.task = None
        self.eap_state = None
        out = [self._codec().Notify(e.notify, e.data)]
        dg = self._respond(msg, out, now, src, dst)
        if e.fatal:
            self.eng.remove_sa(self, now, reason=str(e))
        return dg

    # -- waiting for AAA (charon's NEED_MORE, h11's paused state) ------------------------------------------
    def _run(self, task: "Task", value):
        """Run the steps of `task` until they finish (the response payloads) or ask AAA something: then the
        request goes out as an event, the task is kept, and WAIT tells the caller to answer nothing yet."""
        try:
            ask = task.steps.send(value)
        except StopIteration as stop:
            self.task = None
            return stop.value
        if isinstance(ask, PeerTurn):  # EAP: answer now, the steps go on with the peer's next message
            self.task = None
            if ask.end:
                self.phase = DEAD  # `_answer` removes the SA once the response is out
                return ask.payloads
            self.phase = EAP
            self.eap_state = task.steps
            self.eap_deadline = self.now + self._eap_timeout()
            return ask.payloads
        self.task = task
        task.token = self.eng.ask(self, ask)
        return WAIT

    def resume(self, result, now) -> list[Datagram]:
        """The answer to the task's AAA request: continue the steps; respond when they finish."""
        task = self.task
        if task is None or self.phase == DEAD:
            return []
        self.now = now
        self.due = 0.0
        try:
            out = self._run(task, result)
        except SaError as e:
            return self._failed(task.msg, e, task.src, task.dst, now)
        return self._answer(task.msg, out, task.src, task.dst, now)

    def _update_path(self, src, dst) -> None:
        """NAT-T: always answer where the last authenticated request came from (float to 4500, NAT rebinding)."""
        st = self.st
        if st.remote != src or st.local != dst:
            st.remote = src
            st.local = dst

    def _respond(self, msg, payloads, now, src, dst) -> list[Datagram]:
        mid = msg.message_id
        packets = self.seal(msg.exchange, mid, payloads, response=True,
                            fragment=isinstance(msg.encrypted, self._codec().EncryptedFragment))
        digest = hashlib.sha1(msg.raw or b"").digest()[:8]
        self.cache[mid] = (digest, tuple(packets))  # tuples of bytes: the collector stops tracking them
        while self.peer_next in self.cache:
            self.peer_next += 1
        window = self.settings.window if self.settings is not None else 1
        for old in [k for k in self.cache if k < self.peer_next - max(window, 1)]:
            del self.cache[old]
        self.st.remote_req_msgid = mid
        self.st.remote_next_msgid = self.peer_next
        self.eng.debug_packet(self, "send", msg.exchange, mid, True, payloads, packets)
        return self.datagrams(packets)

    def _retransmission(self, msg, mid) -> list[Datagram]:
        """A request we answered already: the cached response, byte for byte, without reprocessing.  Only an
        identical retransmission is answered; of a fragmented one only fragment 1, once authenticated (RFC 7383
        §2.6.1: the other fragments of a retransmitted request trigger nothing, so the whole fragmented
        response does not go out once per fragment)."""
        entry = self.cache.get(mid)
        if entry is None:
            self.eng.stats.dropped_other += 1
            return []
        digest, packets = entry
        c = self._codec()
        enc = msg.encrypted
        if isinstance(enc, c.EncryptedFragment):
            if enc.number != 1:
                self.eng.stats.retransmit_fragments_ignored += 1
                return []
            try:
                c.open_skf(msg, self.c_in)
            except c.CodecError:
                self.eng.stats.dropped_other += 1
                return []
        elif hashlib.sha1(msg.raw or b"").digest()[:8] != digest:
            self.eng.stats.dropped_other += 1
            return []
        self.eng.debug_line(self, "Retransmitting packet ")
        return self.datagrams(packets)

    def _init_retransmit(self, msg, src, dst) -> list[Datagram]:
        if hashlib.sha1(msg.raw or b"").digest()[:8] == self.init_digest and self.init_resp:
            return [Datagram(frame(self.init_resp, dst[1]), dst, src)]
        self.eng.stats.dropped_other += 1
        return []

    def _handle_response(self, msg, now) -> list[Datagram]:
        kind = self.pending[4]
        self.pending = None
        self.eng.debug_packet(self, "recv", msg.exchange, msg.message_id, False, msg.inner or [], None)
        if kind == "delete-ike":
            self.eng.remove_sa(self, now, reason="deleted", notify_peer=False)
        elif kind == "dpd":
            self.dpd_next = None
        elif kind.startswith("delete-child:"):
            pass
        elif kind == "rekey-child":
            return self._child_rekeyed(msg, now)
        elif kind == "rekey-ike":
            return self._ike_rekeyed(msg, now)
        return []

    # -- IKE_AUTH (the chapter's Sequence of Events) --------------------------------------------------------
    def _ike_auth(self, msg, now):
        """The IKE_AUTH steps (a generator: it yields AAA questions, gets their answers, returns the response
        payloads)."""
        c = self._codec()
        eng = self.eng
        cfg = eng.router.config
        st = self.st
        idi = msg.get(c.IDi)
        if idi is None:
            raise SaError(A.INVALID_SYNTAX, fatal=True, reason="IKE_AUTH without IDi")
        peer_id = Identity(idi.id_type, idi.data)
        st.remote_id = peer_id
        if eng._debug_on():  # the debug texts are only built when they are printed
            eng.debug_line(self, f"Searching policy based on peer's identity '{peer_id.text}' of type '{peer_id.type_name}'")
        auth = msg.get(c.Auth)
        if auth is not None and auth.method == A.AUTH_PSK and peer_id.id_type == A.ID_KEY_ID:
            kept = eng.reconnect.find(peer_id.data)
            if kept is not None or eng.reconnect.is_retired(peer_id.data):
                return (yield from self._reconnect(msg, kept, idi, auth))
        certs = msg.get_all(c.Cert)
        peer_cert = _certs.peer_certificates(certs)[0] if certs else None  # for `match certificate`
        profile = policy.select_profile(cfg, peer_id, st.local[0], None, peer_cert)
        if profile is None or profile.shutdown:
            eng.debug_error(self, "Failed to locate an item in the database")
            eng.stats.rejected_other += 1
            raise SaError(A.AUTHENTICATION_FAILED, fatal=True, reason="no profile")
        self.profile = profile.name
        st.profile = profile.name
        self.settings = policy.sa_settings(cfg, profile)
        local_m, remote_ms = policy.auth_methods(profile)
        auth = msg.get(c.Auth)
        if auth is None:
            # EAP: IOS requires a certificate-based local method (chapter, "Configuring EAP")
            if not any(m in ("eap", "anyconnect-eap") for m in remote_ms) or local_m not in ("rsa-sig", "ecdsa-sig"):
                eng.debug_error(self, "Auth exchange failed")
                eng.stats.rejected_other += 1
                raise SaError(A.AUTHENTICATION_FAILED, fatal=True, reason="EAP not configured")
            if profile.remote_method("eap") is None:  # anyconnect-eap: the router terminates the method
                return (yield from self._anyconnect(msg, profile, peer_id, idi))
            return (yield from self._eap(msg, profile, peer_id, idi))
        method = auth.method
        if method == A.AUTH_PSK:
            if "pre-share" not in remote_ms:
                raise self._auth_failed("peer used PSK, profile does not allow it")
            eng.debug(D.auth_method, self.st, "PSK")
            _local_key, remote_key = policy.psk_for(cfg, profile, peer_id, st.remote[0])
            if remote_key is None and profile.keyring is not None and profile.keyring.kind == "aaa":
                yield from self._aaa_psk(profile, peer_id)
                remote_key = self.aaa_psk.remote_key
            if remote_key is None:
                raise self._auth_failed("no pre-shared key for peer")
            octets = signed_octets(self.prf, self.init_req, self.nr, self.sk_pi, idi.body)
            if not ct_equal(psk_auth(self.prf, remote_key, octets), auth.data):
                raise self._auth_failed("Verification of peer's authentication data FAILED")
            st.auth_verify = "PSK"
        else:
            if not any(m in ("rsa-sig", "ecdsa-sig") for m in remote_ms):
                raise self._auth_failed("peer used a signature, profile does not allow it")
            octets = signed_octets(self.prf, self.init_req, self.nr, self.sk_pi, idi.body)
            try:
                kind = _certs.verify_peer(cfg, profile, remote_ms, method, auth.data, octets, certs, peer_id,
                                          now=now + eng.epoch_offset,
                                          log=lambda t: eng.debug_line(self, t))
            except _certs.CertAuthError as e:
                raise self._auth_failed(str(e)) from None
            eng.debug_line(self, f"Peer's authentication method is '{kind}'")
            st.auth_verify = kind
        if eng._debug_on():
            eng.debug_lines(D.verification(st))
        if profile.auth_local is not None and profile.auth_local.method == "pre-share" and self.aaa_psk is None \
                and profile.keyring is not None and profile.keyring.kind == "aaa" \
                and policy.psk_for(cfg, profile, peer_id, st.remote[0])[0] is None:
            yield from self._aaa_psk(profile, peer_id)  # our own key comes from AAA too
        return (yield from self._auth_success(msg, profile))

    # -- EAP (chapter, "EAP Authentication Steps") ------------------------------------------------------------
    def _eap_timeout(self) -> int:
        prof = self.eng.router.config.ikev2_profile.items.get(self.profile or "")
        m = prof.remote_method("eap") if prof is not None else None
        return m.timeout if m is not None and m.timeout is not None else EAP_DEFAULT_TIMEOUT

    def _eap(self, first, profile, peer_id, idi):
        """The router as EAP pass-through authenticator: our IDr, CERT and AUTH go out with the first EAP
        request; the client's EAP responses are relayed to RADIUS and the server's requests back
        (`PeerTurn`: one IKE_AUTH round trip each); after EAP-Success the client's final AUTH is checked with
        the MSK, or SK_pi without one (RFC 7296 §2.16), and the exchange ends as any other IKE_AUTH, with the
        CFG, SA and TS payloads of the first request."""
        c = self._codec()
        eng = self.eng
        st = self.st
        method = profile.remote_method("eap")
        list_name = profile.aaa_authentication.get("eap") or "default"
        st.auth_verify = "EAP"
        idr = self._local_id(profile, first)
        lead = [c.VendorID(CISCO_AUTH_VID)] + self._our_auth(profile, idr, first)
        if method.query_identity:
            ident = eng.rng(1)[0]
            eng.debug(D.generating_eap_request, st)
            msg = yield PeerTurn(lead + [c.EAP(_eap.request(ident, _eap.IDENTITY))])
            lead = []
            response = self._eap_response(msg)
            pkt = _eap.parse(response)
            if pkt.code != _eap.RESPONSE or pkt.type != _eap.IDENTITY:
                raise self._auth_failed("EAP: the client did not answer the identity request with its identity")
            identity = _eap.identity_of(pkt)
        else:
            if peer_id.id_type in (A.ID_IPV4_ADDR, A.ID_IPV6_ADDR):  # chapter, "EAP Identity"
                raise self._auth_failed("EAP identity of type IP address is not supported; "
                                        "configure query-identity")
            identity = peer_id.text
            # the IKE identity as the client's EAP-Response/Identity (identifier 0: there was no request)
            response = _eap.response(0, _eap.IDENTITY, identity.encode())
        eng.debug(D.eap_identity, list_name, identity)
        state = server = None
        while True:
            eng.debug(D.aaa_request, st, "Authentication")
            ans = yield EapRelay(st.session_id, st.local, st.remote, list_name, identity, peer_id.text, response,
                                 state, server, st)
            if ans is None or ans.status == "error":
                raise self._auth_failed(f"EAP: {ans.error if ans is not None else 'no answer'}")
            server = ans.server
            if ans.status == "challenge" and ans.eap:
                state = ans.state
                eng.debug(D.generating_eap_request, st)
                msg = yield PeerTurn(lead + [c.EAP(ans.eap)])
                lead = []
                response = self._eap_response(msg)
                continue
            break
        eap = ans.eap or (_eap.success(0) if ans.status == "accept" else _eap.failure(0))
        eng.debug(D.sending_eap_status, st)
        if ans.status != "accept" or eap[0] != _eap.SUCCESS:
            eng.debug(D.eap_failed, st)
            eng.stats.rejected_other += 1
            yield PeerTurn(lead + [c.EAP(eap)], end=True)
            return None
        st.remote_eap_id = ans.username or identity
        self.eap_msk = ans.msk
        self.eap_attrs = ans.attrs
        final = yield PeerTurn(lead + [c.EAP(eap)])
        return (yield from self._after_eap(final, first, profile, idi, idr, self.eap_msk))

    def _after_eap(self, final, first, profile, idi, idr, msk):
        """After EAP-Success: the client's final AUTH checked, ours made, both keyed with the MSK or, without
        one, SK_pi / SK_pr (RFC 7296 §2.16); then the rest of the IKE_AUTH with the first request's payloads."""
        c = self._codec()
        auth = final.get(c.Auth)
        if auth is None:
            raise self._auth_failed("EAP: no AUTH after EAP-Success")
        octets = signed_octets(self.prf, self.init_req, self.nr, self.sk_pi, idi.body)
        if not _auth.verify_eap_auth(self.prf, msk, self.sk_pi, octets, auth.data):
            raise self._auth_failed("Verification of peer's authentication data FAILED")
        self.eng.debug(D.verification, self.st)
        our = c.Auth(A.AUTH_PSK, _auth.eap_auth(self.prf, msk, self.sk_pr,
                                                signed_octets(self.prf, self.init_resp, self.ni, self.sk_pr,
                                                              c.IDr(idr.id_type, idr.data).body)))
        return (yield from self._auth_success(first, profile, our=[our]))

    def _eap_response(self, msg) -> bytes:
        """The EAP packet of the client's IKE_AUTH request in the middle of an EAP conversation."""
        p = msg.get(self._codec().EAP)
        if p is None:
            raise self._auth_failed("EAP: the client's IKE_AUTH request carries no EAP payload")
        try:
            _eap.parse(p.data)
        except _eap.EapError as e:
            raise self._auth_failed(f"EAP: malformed EAP message from the client ({e})") from None
        self.eng.debug(D.processing_eap_response, self.st)
        return p.data

    # -- AnyConnect-EAP (chapter, "User Authentication, Using AnyConnect-EAP", "Dual-factor Authentication") --
    def _anyconnect(self, first, profile, peer_id, idi):
        """The router terminates AnyConnect-EAP (crypto/anyconnect.py): our IDr, CERT and AUTH go out with the
        hello; then init, [the client-certificate round with `cert-request`], auth-request / auth-reply (the
        credentials, checked through the profile's `aaa authentication anyconnect-eap` list), complete / ack
        and EAP-Success; both final AUTH payloads are keyed with SK_pi / SK_pr (the method makes no MSK)."""
        c = self._codec()
        eng = self.eng
        st = self.st
        method = profile.remote_method("anyconnect-eap")
        list_name = profile.aaa_authentication.get("anyconnect-eap") or "default"
        st.auth_verify = "AnyConnect-EAP"
        idr = self._local_id(profile, first)
        lead = [c.VendorID(CISCO_AUTH_VID)] + self._our_auth(profile, idr, first)
        ident = eng.rng(1)[0]
        init_req, nr, sk_pi = self.init_req, self.nr, self.sk_pi  # the dual-factor signature covers them

        def request(doc: bytes):
            eng.debug(D.generating_eap_request, st)
            return PeerTurn(lead + [c.EAP(_ac.encode(_eap.REQUEST, ident, [(_ac.TLV_XML, doc)]))])

        msg = yield request(_ac.server_hello())
        lead = []
        _el, _tlvs = self._ac_response(msg, ident, "init")
        if method is not None and method.cert_request:
            ident = (ident + 1) & 0xFF
            msg = yield request(_ac.server_cert_request())
            _el, tlvs = self._ac_response(msg, ident, "init")
            self._ac_check_certificate(profile, tlvs, init_req, nr, sk_pi)
        opaque = _ac.opaque_for(profile.name)
        ident = (ident + 1) & 0xFF
        msg = yield request(_ac.server_auth_request(opaque))
        el, _tlvs = self._ac_response(msg, ident, "auth-reply")
        if _ac.opaque_text(el) != opaque:
            raise self._auth_failed("AnyConnect-EAP: the auth-reply does not echo the opaque data")
        creds = _ac.credentials(el)
        if creds is None:
            raise self._auth_failed("AnyConnect-EAP: no username and password in the auth-reply")
        username, password = creds
        if eng._debug_on():
            eng.debug_lines(D.use_authen_list(list_name) + D.aaa_request(st, "Authentication"))
        ans = yield PasswordAuth(st.session_id, st.local, st.remote, list_name, username, password, st)
        if ans is None or ans.status != "PASS":
            eng.debug(D.anyconnect_user_failed, self.st, ans is not None and ans.status == "ERROR")
            eng.stats.rejected_other += 1
            eng.debug(D.sending_eap_status, st)
            yield PeerTurn([c.EAP(_eap.failure(ident))], end=True)
            return None
        st.remote_eap_id = username
        self.eap_attrs = ans.attrs
        ident = (ident + 1) & 0xFF
        msg = yield request(_ac.server_complete(st.session_id, self._ac_token()))
        self._ac_response(msg, ident, "ack")
        eng.debug(D.sending_eap_status, st)
        final = yield PeerTurn([c.EAP(_eap.success(ident))])
        return (yield from self._after_eap(final, first, profile, idi, idr, None))

    def _ac_token(self) -> str:
        r = self.eng.rng
        return f"{r(3).hex()}@{self.st.session_id}@{r(2).hex()}@{r(20).hex().upper()}"

    def _ac_response(self, msg, ident: int, expect: str):
        """The client's AnyConnect-EAP response of this round: (XML root, TLVs); anything else (another EAP
        type, a wrong identifier, hostile or unexpected XML) fails the session."""
        data = self._eap_response(msg)
        try:
            code, got, tlvs = _ac.decode(data)
            if code != _eap.RESPONSE:
                raise _ac.AnyConnectError("not an EAP-Response")
            if got != ident:
                raise _ac.AnyConnectError(f"EAP identifier {got}, expected {ident}")
            el = _ac.parse_xml(tlvs.get(_ac.TLV_XML, b""))
        except _ac.AnyConnectError as e:
            raise self._auth_failed(f"AnyConnect-EAP: {e}") from None
        if _ac.doc_type(el) != expect:
            raise self._auth_failed(f"AnyConnect-EAP: {_ac.doc_type(el) or 'untyped'!r} document where "
                                    f"{expect!r} was expected")
        return el, tlvs

    def _ac_check_certificate(self, profile, tlvs, init_req, nr, sk_pi) -> None:
        """Dual-factor's device round: the certificate chain against the profile's trustpoints, EKU client
        authentication, and the signature over the session data (crypto/anyconnect.py)."""
        eng = self.eng
        log = (lambda t: eng.debug_line(self, t))
        if _ac.TLV_CERTS not in tlvs or _ac.TLV_SIGNATURE not in tlvs:
            raise self._auth_failed("AnyConnect-EAP: the client sent no certificate")
        try:
            chain = _ac.load_pkcs7_certs(tlvs[_ac.TLV_CERTS])
        except _ac.AnyConnectError as e:
            raise self._auth_failed(f"AnyConnect-EAP: {e}") from None
        if not chain:
            raise self._auth_failed("AnyConnect-EAP: the client sent no certificate")
        cas = _certs.verify_cas(eng.router.config, profile)
        if not cas:
            raise self._auth_failed("No trustpoint with a CA certificate to verify the peer")
        log("[IKEv2 -> PKI] Validating certificate chain")
        try:
            _auth.verify_chain(chain[0], chain[1:], cas, self.now + eng.epoch_offset)
        except _auth.CertificateError as e:
            log("[PKI -> IKEv2] Validation of certificate chain FAILED")
            raise self._auth_failed(f"Certificate validation failed: {e}") from None
        log("[PKI -> IKEv2] Validation of certificate chain PASSED")
        if not _auth.check_eku(chain[0], (_auth.ExtendedKeyUsageOID.CLIENT_AUTH,)):
            raise self._auth_failed("Peer certificate extended key usage does not allow client authentication")
        if not _ac.verify(chain[0], self.prf, tlvs[_ac.TLV_SIGNATURE], _ac.signature_octets(self.prf, init_req, nr, sk_pi)):
            raise self._auth_failed("Verification of peer's authentication data FAILED")

    # -- auto-reconnect (chapter, "IKEv2 Auto-Reconnect"; crypto/reconnect.py) ---------------------------------
    def _reconnect(self, msg, kept, idi, auth):
        """A reconnect: PSK with the session-id as identity and the session-token as key; the kept profile and
        authorization (no AAA), our certificate AUTH, a fresh virtual-access."""
        eng = self.eng
        st = self.st
        table = eng.reconnect
        eng.stats.reconnect_incoming += 1
        try:
            if kept is None:
                raise self._auth_failed("Reconnect: the session-id is not known (expired or cleared)")
            if table.expired(kept, self.now):
                table.discard(kept)
                raise self._auth_failed("Reconnect: the preserved session expired")
            octets = signed_octets(self.prf, self.init_req, self.nr, self.sk_pi, idi.body)
            if not ct_equal(psk_auth(self.prf, kept.token, octets), auth.data):
                raise self._auth_failed("Verification of peer's authentication data FAILED")
            cfg = eng.router.config
            profile = cfg.ikev2_profile.items.get(kept.profile)
            if profile is None or profile.shutdown or not profile.reconnect:
                table.discard(kept)
                raise self._auth_failed("Reconnect: the profile of the preserved session is gone")
            eng.debug(D.auth_method, self.st, "PSK")
            self.profile = profile.name
            st.profile = profile.name
            self.settings = policy.sa_settings(cfg, profile)
            st.auth_verify = "PSK"
            st.reconnected = True
            st.acct_method = kept.acct_method
            st.remote_eap_id = kept.eap_id
            if eng._debug_on():
                eng.debug_lines(D.verification(st))
            authz = kept.authorization
            if kept.session is not None:  # the client left its old SA behind: it goes, the state stays ours
                old = eng.session_sa(kept.session)
                rec = eng.router.sessions.get(kept.session)
                if rec is not None:
                    authz = rec.authorization
                    rec.authorization = None  # the old session's end must not give its address back
                table.take(kept, st.session_id)
                if old is not None and old is not self:
                    eng.remove_sa(old, self.now, reason="reconnected", notify_peer=False)
            else:
                table.take(kept, st.session_id)
            kept.authorization = None
            self.rc = kept
            out = yield from self._auth_success(msg, profile, kept_authz=authz)
        except SaError:
            eng.stats.reconnect_failed += 1
            raise
        eng.stats.reconnect_success += 1
        return out

    def _aaa_psk(self, profile, peer_id):
        """`keyring aaa LIST [name-mangler M] [password P]`: ask AAA for the keys (chapter, "AAA-based
        Pre-shared Keys"), with the lines IOS logs around it."""
        eng = self.eng
        kr = profile.keyring
        debug = eng._debug_on()
        if debug:
            eng.debug_lines(D.get_preshared_key(self.st, peer_id.text) + D.fetching_secret_from_aaa())
        name = peer_id.text
        if kr.name_mangler:
            mangled = mangle(eng.router.config, kr.name_mangler, peer_id)
            if mangled is None:
                raise self._auth_failed(f"Name-mangler {kr.name_mangler} failed to mangle {peer_id.text}")
            if debug:
                eng.debug_lines(D.name_mangler(kr.name_mangler, mangled, D.name_type(peer_id), peer_id.text))
            name = mangled
        if debug:
            eng.debug_lines(D.using_aaa_list(kr.name, name) + D.password_request(self.st))
        ans = yield PskLookup(self.st.session_id, self.st.local, self.st.remote, name, kr.name,
                              kr.password.value if kr.password else None)
        if debug:
            eng.debug_lines(D.aaa_password_response(self.st))
        if ans is None or not ans.ok:
            raise self._auth_failed(f"Failed to get the pre-shared key from AAA: {ans.error if ans else 'no answer'}")
        self.aaa_psk = ans
        if debug:
            lines = D.received_password(ans.symmetric)
            if ans.attrs is not None:
                text = cached_attributes_text(ans.attrs)
                if text:
                    lines += D.cached_attributes(text)
            eng.debug_lines(lines)

    def _local_id(self, profile, msg):
        """Our identity (IDr) for this profile, kept on the SA state; `identity local dn` is the subject of our
        certificate (chosen by the CAs the peer's CERTREQ names)."""
        eng = self.eng
        idr = policy.local_identity(eng.router.config, profile, self.st.local[0])
        if idr.id_type == 9 and not idr.data:
            idr = _certs.local_dn(eng.router, profile, policy.auth_methods(profile)[0],
                                  self._peer_ca_hashes(msg)) or idr
        self.st.local_id = idr
        return idr

    def _auth_failed(self, why: str) -> SaError:
        self.eng.debug_error(self, why)
        self.eng.stats.rejected_other += 1
        return SaError(A.AUTHENTICATION_FAILED, fatal=True, reason=why)

    def _our_auth(self, profile, idr, msg=None) -> list:
        """IDr [CERT] AUTH for our side."""
        c = self._codec()
        cfg = self.eng.router.config
        local_m, _ = policy.auth_methods(profile)
        octets = signed_octets(self.prf, self.init_resp, self.ni, self.sk_pr, c.IDr(idr.id_type, idr.data).body)
        if local_m == "pre-share":
            local_key, _ = policy.psk_for(cfg, profile, self.st.remote_id, self.st.remote[0])
            if local_key is None and self.aaa_psk is not None:
                local_key = self.aaa_psk.local_key
            if local_key is None:
                raise self._auth_failed("no local pre-shared key")
            self.st.auth_sign = "PSK"
            return [c.IDr(idr.id_type, idr.data), c.Auth(A.AUTH_PSK, psk_auth(self.prf, local_key, octets))]
        try:
            certs, auth, kind = _certs.sign_local(self.eng.router, profile, local_m, octets,
                                                  self.peer_hashes,
                                                  self._peer_ca_hashes(msg))
        except _certs.CertAuthError as e:
            raise self._auth_failed(str(e)) from None
        self.st.auth_sign = kind
        return [c.IDr(idr.id_type, idr.data)] + certs + [auth]

    def _peer_ca_hashes(self, msg) -> list[bytes]:
        """The CA key hashes of the peer's CERTREQ payloads (IKE_AUTH), to pick our trustpoint."""
        c = self._codec()
        return [h for p in (msg.get_all(c.CertReq) if msg is not None else ()) for h in p.hashes]

    def _auth_success(self, msg, profile, our=None, kept_authz=None):
        """After the peer is authenticated: the chapter's "Sequence of Events", in its order.  `msg` is the
        IKE_AUTH request with the CFG, SA and TS payloads (after EAP: the first one); `our` the AUTH payload
        already made (after EAP), else IDr [CERT] AUTH are made here."""
        c = self._codec()
        eng = self.eng
        st = self.st
        if our is None:
            idr = self._local_id(profile, msg)
            our = [c.VendorID(CISCO_AUTH_VID)] + self._our_auth(profile, idr, msg)
        out = list(our)
        # 1. authorization and 2. CFG_REQUEST: address from the merged attributes
        cp_req = msg.get(c.CP)
        if cp_req is None or cp_req.cfg_type != A.CFG_REQUEST or not self.settings.config_exchange_request:
            cp_req = None
        requested = tuple(a.type for a in cp_req.attrs) if cp_req is not None else ()
        user = profile.aaa_author_user.get(method_key(st.auth_verify)) or profile.aaa_author_user.get("any")
        cached = self.aaa_psk.attrs if self.aaa_psk is not None else self.eap_attrs
        implicit = cached if user is not None and user.cached else None
        if kept_authz is not None:  # a reconnect: the initial session's authorization, no AAA round trip
            res = kept_authz
            eng.router.sessions.ensure(st.session_id, st.local, st.remote, self.now).authorization = res
        else:
            res = yield Authorize(st.session_id, st.local, st.remote, profile.name, st.remote_id,
                                  st.auth_verify or "PSK", requested, st.remote_eap_id, implicit, st)
        now = self.now
        try:
            cp_reply, addr = eng.authorized(self, res, cp_req)  # raises SaError: the session is terminated
        except SaError as e:
            if e.notify != A.INTERNAL_ADDRESS_FAILURE:
                raise
            # RFC 7296 §2.21.2/§3.15.4: the peer is authenticated, so the response is a well-formed IKE_AUTH
            # answer (IDr [CERT] AUTH) with the error instead of CP/SA/TS; the IKE SA exists for the peer.  The
            # chapter (Sequence of Events, step 2): "If the required addresses cannot be allocated, the session
            # is terminated": our DELETE follows the response (`_answer`).
            self.terminate = True
            return out + [c.Notify(A.INTERNAL_ADDRESS_FAILURE)]
        if cp_reply is not None and profile.reconnect and any(t in _rc.ATTR_NUMBERS for t in requested):
            if self.rc is None:  # the initial session: the client asked for the reconnect attributes
                self.rc = eng.reconnect.issue(st.session_id, profile, st.remote_id, st.remote_eap_id,
                                              method_key(st.auth_verify or "PSK"))
            values = _rc.attr_values(self.rc)
            cp_reply.attrs += [c.CPAttr(t, values[t]) for t in requested if t in values]
        st.smart_dpd = self.rc is not None and not self.settings.dpd_interval
        st.pushed_ip = addr
        st.pushed_ip6 = res.address6 if cp_reply is not None and res is not None else None
        if cp_req is not None and res.route_accept:  # `route accept any`: the subnets the peer offers
            st.remote_subnets = [(socket.inet_ntoa(a.value[:4]), socket.inet_ntoa(a.value[4:]))
                                 for a in cp_req.attrs if a.type == A.INTERNAL_IP4_SUBNET and len(a.value) == 8]
        # INITIAL_CONTACT: the peer restarted; its older SAs with the same identity go, now that this one is
        # authorized
        if msg.notify(A.INITIAL_CONTACT) is not None:
            eng.initial_contact(self, now)
        # 3. virtual-access
        if profile.virtual_template is not None:
            st.virtual_access = eng.new_virtual_access(self, profile, msg)
        # 4. the IPsec SA proposal
        child_out = self._child_from_request(msg, now, in_ike_auth=True)
        # 5. CFG_REPLY
        if cp_reply is not None:
            out.append(cp_reply)
        out.extend(child_out)
        if child_out and isinstance(child_out[0], c.SA):
            out += [c.Notify(A.SET_WINDOW_SIZE, (self.settings.window).to_bytes(4, "big")),
                    c.Notify(A.ESP_TFC_PADDING_NOT_SUPPORTED), c.Notify(A.NON_FIRST_FRAGMENTS_ALSO)]
        self.phase = READY
        eng.established(self, now)
        return out

    # -- child SAs ----------------------------------------------------------------------------------------
    def _child_from_request(self, msg, now, in_ike_auth: bool, rekey_of=None) -> list:
        """Negotiate one child SA from SA/TSi/TSr (and Ni/Nr/KE in CREATE_CHILD_SA); returns the response
        payloads (SA [Nr KE] TSi TSr [USE_TRANSPORT_MODE]) or [NOTIFY(error)]."""
        c = self._codec()
        eng = self.eng
        cfg = eng.router.config
        sa = msg.get(c.SA)
        tsi, tsr = msg.get(c.TSi), msg.get(c.TSr)
        if sa is None or tsi is None or tsr is None:
            if in_ike_auth:
                return []  # childless IKE SA
            raise SaError(A.INVALID_SYNTAX)
        prof = cfg.ikev2_profile.items.get(self.profile) if self.profile else None
        cpol = policy.child_policy(cfg, prof)
        offered = offered_proposals(sa, A.PROTO_ESP)
        ke = msg.get(c.KE) if not in_ike_auth else None
        pfs = cpol.pfs if not cpol.pfs_ike_group else self.st.dh_group
        choice = policy.select_child_proposal(offered, cpol.proposals, pfs=pfs if not in_ike_auth else None,
                                              ke_group=ke.group if ke else None, in_ike_auth=in_ike_auth)
        if choice is None or len(choice.spi) != 4:
            eng.debug_error(self, "There was no IPSEC policy found for received TS" if choice is None else "bad SPI")
            return [c.Notify(A.NO_PROPOSAL_CHOSEN)]
        if choice.dh and (ke is None or ke.group != choice.dh):
            if ke is None:
                return [c.Notify(A.NO_PROPOSAL_CHOSEN)]
            return [c.Notify(A.INVALID_KE_PAYLOAD, choice.dh.to_bytes(2, "big"))]
        transport = msg.notify(A.USE_TRANSPORT_MODE) is not None and choice.mode == "transport"
        # a transport-mode child, or GRE selectors (protocol 47 between the two peers, in either mode), protect
        # the peers' own packets: the selectors are the peer's address, not the one CFG_REPLY pushed for the
        # tunnel interface behind it
        own = transport or all(ts.protocol == 47 for ts in tsi.selectors)
        ts_i = narrow_ts(tsi.selectors, None if own else self.st.pushed_ip, None if own else self.st.pushed_ip6)
        ts_r = narrow_ts(tsr.selectors, None)
        if not ts_i or not ts_r:
            return [c.Notify(A.TS_UNACCEPTABLE)]
        if "crypto ipsec" in eng.router.debug:
            eng.log("\n".join(D.ipsec_proposal_lines(self.st.local[0], self.st.remote[0], tsr.selectors[0],
                                                     tsi.selectors[0], choice.encr, choice.integ,
                                                     msg.notify(A.USE_TRANSPORT_MODE) is not None)))
        # keys
        ni = self.ni if in_ike_auth else msg.get(c.Nonce).data
        nr = self.nr if in_ike_auth else eng.rng(32)
        out_pre = []
        g_ir = None
        if choice.dh:
            priv, pub = A.generate(choice.dh, eng.rng)
            try:
                g_ir = A.shared(choice.dh, priv, ke.data)
            except A.InvalidKeyExchange:
                raise SaError(A.INVALID_SYNTAX) from None
            out_pre = [c.KE(choice.dh, pub)]
        encr = A.get_encr(*choice.encr)
        ei, ai, er, ar = A.child_keymat(self.prf, self.sk_d, ni, nr, encr, choice.integ, g_ir)
        spi_in = eng.new_child_spi()
        child = ChildSa(
            spi_in=spi_in, spi_out=int.from_bytes(choice.spi, "big"), encr=choice.encr, integ=choice.integ,
            dh_group=choice.dh, mode="transport" if transport else "tunnel", ts_local=ts_r, ts_remote=ts_i,
            keys={"enc_in": ei, "integ_in": ai, "enc_out": er, "integ_out": ar}, created=now,
            lifetime_s=cpol.lifetime_s, lifetime_kb=cpol.lifetime_kb,
        )
        self.st.children.append(child)
        eng.child_added(self, child)
        self.schedule_child_rekey(child, now)
        resp = [c.SA([child_choice_proposal(c, choice, spi_in.to_bytes(4, "big"))])]
        if not in_ike_auth:
            resp.append(c.Nonce(nr))
            resp += out_pre
        resp += [c.TSi(ts_i), c.TSr(ts_r)]
        if transport:
            resp.append(c.Notify(A.USE_TRANSPORT_MODE))
        return resp

    def find_child(self, spi_out: int):
        for ch in self.st.children:
            if ch.spi_out == spi_out:
                return ch
        return None

    def _create_child(self, msg, now) -> list:
        c = self._codec()
        sa = msg.get(c.SA)
        if sa is None or msg.get(c.Nonce) is None:
            raise SaError(A.INVALID_SYNTAX)
        if any(p.protocol == A.PROTO_IKE for p in sa.proposals):
            return self._rekey_ike(msg, now)
        rk = msg.notify(A.REKEY_SA)
        if rk is not None:
            old = self.find_child(int.from_bytes(rk.spi, "big")) if len(rk.spi) == 4 else None
            if old is None:
                return [c.Notify(A.CHILD_SA_NOT_FOUND, protocol=A.PROTO_ESP, spi=rk.spi)]
            out = self._child_from_request(msg, now, in_ike_auth=False, rekey_of=old)
            rk = self.rekeying
            if rk is not None and rk.kind == "child" and rk.old is old and out and isinstance(out[0], c.SA):
                self._note_collision(rk, msg, out, self.st.children[-1])
            return out
        return self._child_from_request(msg, now, in_ike_auth=False)

    def _rekey_ike(self, msg, now) -> list:
        """Responder side of an IKE SA rekey (RFC 7296 §1.3.2): new SPIs, SKEYSEED = prf(SK_d, g^ir | Ni | Nr);
        the children move to the new SA; the old one goes when the peer deletes it."""
        c = self._codec()
        eng = self.eng
        ke = msg.get(c.KE)
        if ke is None:
            raise SaError(A.INVALID_SYNTAX)
        offered = offered_proposals(msg.get(c.SA), A.PROTO_IKE)
        ours = policy.ike_proposals(eng.router.config, self.st.local[0], None)
        choice = policy.select_ike_proposal(offered, ours, ke.group)
        if choice is None:
            return [c.Notify(A.NO_PROPOSAL_CHOSEN)]
        if choice.dh != ke.group:
            return [c.Notify(A.INVALID_KE_PAYLOAD, choice.dh.to_bytes(2, "big"))]
        peer_spi = next((p.spi for p in msg.get(c.SA).proposals if p.num == choice.num), b"")
        if len(peer_spi) != 8:
            raise SaError(A.INVALID_SYNTAX)
        priv, pub = A.generate(choice.dh, eng.rng)
        try:
            g_ir = A.shared(choice.dh, priv, ke.data)
        except A.InvalidKeyExchange:
            raise SaError(A.INVALID_SYNTAX) from None
        ni = msg.get(c.Nonce).data
        nr = eng.rng(32)
        new = eng.rekeyed_sa(self, peer_spi)
        seed = A.rekey_skeyseed(self.prf, self.sk_d, g_ir, ni, nr)
        keys = A.ike_keys(A.get_prf(choice.prf), A.get_encr(*choice.encr), choice.integ, ni, nr,
                          new.st.spi_i, new.st.spi_r, seed=seed)
        new.set_keys(choice, keys)
        new.sk_pi = new.sk_pr = b""
        new.phase = READY
        eng.debug_line(new, "IKEV2 SA rekeyed; new SA inserted into database")
        out = [c.SA([ike_choice_proposal(c, choice, new.st.spi_r)]), c.Nonce(nr), c.KE(choice.dh, pub)]
        rk = self.rekeying
        if rk is not None and rk.kind == "ike":
            self._note_collision(rk, msg, out, new)
        return out

    # -- rekeys we start (RFC 7296 §1.3.2, §1.3.3, §2.8, §2.8.1) -------------------------------------------
    @staticmethod
    def _rekey_delay(lifetime: float, spi: bytes) -> float:
        """The jitter comes from the SA's own (random) SPI, so that it draws nothing more from the engine's RNG."""
        j = int.from_bytes(hashlib.sha1(spi).digest()[:2], "big") / 65535.0
        return lifetime * (REKEY_SOFT - REKEY_JITTER * j)

    def schedule_child_rekey(self, child, now) -> None:
        if child.lifetime_s:
            self.child_rekey[child.spi_in] = now + self._rekey_delay(child.lifetime_s, child.spi_in.to_bytes(4, "big"))

    def schedule_ike_rekey(self, now) -> None:
        s = self.settings
        self.rekey_at = now + self._rekey_delay(s.lifetime, self.our_spi) if s is not None and s.lifetime else None

    def _note_collision(self, rk, msg, out, made) -> None:
        """The peer rekeyed the SA we are rekeying (both requests crossed): keep what it made and the lower of
        its exchange's nonces for the decision when our response comes."""
        c = self._codec()
        ni = msg.get(c.Nonce).data
        nr = next((p.data for p in out if isinstance(p, c.Nonce)), b"")
        rk.peer, rk.peer_min = made, min(ni, nr)
        self.eng.stats.rekey_collisions += 1

    def start_child_rekey(self, child, now) -> list[Datagram]:
        """CREATE_CHILD_SA N(REKEY_SA) SA Ni [KEi] TSi TSr for `child`, with the algorithms in use and PFS as
        the IPsec profile says."""
        c = self._codec()
        eng = self.eng
        cfg = eng.router.config
        prof = cfg.ikev2_profile.items.get(self.profile) if self.profile else None
        cpol = policy.child_policy(cfg, prof)
        group = (self.st.dh_group if cpol.pfs_ike_group else cpol.pfs) or None
        spi_in = eng.new_child_spi()
        ni = eng.rng(32)
        priv, ke = None, []
        if group:
            priv, pub = A.generate(group, eng.rng)
            ke = [c.KE(group, pub)]
        offer = Offer(child.encr, child.integ, group)
        payloads = [c.Notify(A.REKEY_SA, protocol=A.PROTO_ESP, spi=child.spi_in.to_bytes(4, "big"))]
        if child.mode == "transport":
            payloads.append(c.Notify(A.USE_TRANSPORT_MODE))
        payloads += [c.SA([child_choice_proposal(c, offer, spi_in.to_bytes(4, "big"))]), c.Nonce(ni)] + ke
        payloads += [c.TSi(list(child.ts_local)), c.TSr(list(child.ts_remote))]
        self.rekeying = RekeyState("child", child, ni, priv, group, spi_in, offer)
        self.child_rekey.pop(child.spi_in, None)
        eng.stats.rekeys_initiated += 1
        eng.debug(D.rekey_start, self.st, "IPsec", f"SPI: 0x{child.spi_in:08X}")
        return self.request(payloads, now, "rekey-child", exchange=A.CREATE_CHILD_SA)

    def start_ike_rekey(self, now) -> list[Datagram]:
        """CREATE_CHILD_SA SA(new SPI) Ni KEi with the IKE SA's algorithms and group."""
        c = self._codec()
        eng = self.eng
        st = self.st
        offer = Offer(st.encr, st.integ, st.dh_group, prf=st.prf)
        spi = eng.new_ike_spi()
        ni = eng.rng(32)
        priv, pub = A.generate(st.dh_group, eng.rng)
        payloads = [c.SA([ike_choice_proposal(c, offer, spi)]), c.Nonce(ni), c.KE(st.dh_group, pub)]
        self.rekeying = RekeyState("ike", None, ni, priv, st.dh_group, spi, offer)
        self.rekey_at = None
        eng.stats.rekeys_initiated += 1
        eng.debug(D.rekey_start, st, "IKEv2", f"ISPI: 0x{st.spi_i.hex().upper()} RSPI: 0x{st.spi_r.hex().upper()}")
        return self.request(payloads, now, "rekey-ike", exchange=A.CREATE_CHILD_SA)

    def _rekey_refused(self, rk, msg, now) -> list[Datagram]:
        """The peer answered our rekey with an error (or nothing usable): try again later when it says
        TEMPORARY_FAILURE (it is busy, RFC 7296 §2.25), otherwise leave it to the hard lifetime."""
        err = next((n.type for n in msg.notifies() if A.is_error_notify(n.type)), None)
        self.eng.debug(D.rekey_refused, self.st, A.notify_name(err) if err else "bad response")
        if err == A.TEMPORARY_FAILURE:
            if rk.kind == "ike":
                self.rekey_at = now + REKEY_RETRY
            elif rk.old in self.st.children:
                self.child_rekey[rk.old.spi_in] = now + REKEY_RETRY
        return []

    def _child_rekeyed(self, msg, now) -> list[Datagram]:
        c = self._codec()
        eng = self.eng
        rk, self.rekeying = self.rekeying, None
        if rk is None or rk.kind != "child":
            return []
        sa, nonce = msg.get(c.SA), msg.get(c.Nonce)
        prop = sa.proposals[0] if sa is not None and sa.proposals else None
        if prop is None or nonce is None or prop.protocol != A.PROTO_ESP or len(prop.spi) != 4 \
                or any(A.is_error_notify(n.type) for n in msg.notifies()):
            return self._rekey_refused(rk, msg, now)
        old = rk.old
        g_ir = None
        if rk.group:
            ke = msg.get(c.KE)
            if ke is None or ke.group != rk.group:
                return self._rekey_refused(rk, msg, now)
            try:
                g_ir = A.shared(rk.group, rk.priv, ke.data)
            except A.InvalidKeyExchange:
                return self._rekey_refused(rk, msg, now)
        nr = nonce.data
        encr = A.get_encr(*old.encr)
        ei, ai, er, ar = A.child_keymat(self.prf, self.sk_d, rk.ni, nr, encr, old.integ, g_ir)
        tsi, tsr = msg.get(c.TSi), msg.get(c.TSr)
        child = ChildSa(
            spi_in=rk.spi, spi_out=int.from_bytes(prop.spi, "big"), encr=old.encr, integ=old.integ,
            dh_group=rk.group, mode=old.mode, ts_local=list(tsi.selectors) if tsi else list(old.ts_local),
            ts_remote=list(tsr.selectors) if tsr else list(old.ts_remote),
            keys={"enc_in": er, "integ_in": ar, "enc_out": ei, "integ_out": ai}, created=now,
            lifetime_s=old.lifetime_s, lifetime_kb=old.lifetime_kb,
        )
        self.st.children.append(child)
        eng.child_added(self, child)
        self.schedule_child_rekey(child, now)
        eng.debug(D.ipsec_sa_created, self.st)
        if rk.peer is not None and min(rk.ni, nr) < rk.peer_min:
            victim = child  # ours is redundant: we made it, we delete it; the peer deletes the old one
        else:
            victim = old if old in self.st.children else None
        if victim is None:
            return []
        self.st.children.remove(victim)
        eng.child_removed(self, victim)
        self.child_rekey.pop(victim.spi_in, None)
        return self.delete_child(victim, now)

    def _ike_rekeyed(self, msg, now) -> list[Datagram]:
        c = self._codec()
        eng = self.eng
        rk, self.rekeying = self.rekeying, None
        if rk is None or rk.kind != "ike":
            return []
        sa, nonce, ke = msg.get(c.SA), msg.get(c.Nonce), msg.get(c.KE)
        prop = sa.proposals[0] if sa is not None and sa.proposals else None
        if prop is None or nonce is None or ke is None or prop.protocol != A.PROTO_IKE or len(prop.spi) != 8 \
                or ke.group != rk.group or any(A.is_error_notify(n.type) for n in msg.notifies()):
            return self._rekey_refused(rk, msg, now)
        try:
            g_ir = A.shared(rk.group, rk.priv, ke.data)
        except A.InvalidKeyExchange:
            return self._rekey_refused(rk, msg, now)
        nr = nonce.data
        o = rk.offer
        peer_made = rk.peer
        new = eng.rekeyed_sa(self, prop.spi, our_spi=rk.spi)
        seed = A.rekey_skeyseed(self.prf, self.sk_d, g_ir, rk.ni, nr)
        keys = A.ike_keys(A.get_prf(o.prf), A.get_encr(*o.encr), o.integ, rk.ni, nr, new.st.spi_i, new.st.spi_r,
                          seed=seed)
        new.set_keys(o, keys)
        new.sk_pi = new.sk_pr = b""
        new.phase = READY
        eng.debug_line(new, "IKEV2 SA rekeyed; new SA inserted into database")
        if peer_made is not None and peer_made.phase != DEAD:
            if min(rk.ni, nr) < rk.peer_min:
                # ours is redundant (RFC 7296 §2.8.1): the peer's SA carries the session; we delete ours, the
                # peer deletes the old one
                new.old_of = peer_made
                eng.session_update(peer_made)
                return new.delete(now, DELETE_REASON_CLEAR)
            eng.move_session(peer_made, new)  # the peer deletes its redundant SA; ours carries on
        return self.delete(now, DELETE_REASON_CLEAR)  # the old SA goes once the peer answers

    # -- INFORMATIONAL ------------------------------------------------------------------------------------
    def _informational(self, msg, now) -> list:
        c = self._codec()
        out = []
        for n in msg.notifies():
            if n.type in PEER_FATAL_NOTIFIES:
                # RFC 7296 §2.21.2: the initiator could not verify our AUTH (or rejected the response): it deleted
                # its side and the IKE SA never came up; we answer, then the SA, session and address go
                self.eng.stats.peer_error_notifies += 1
                self.eng.debug(D.peer_error_notify, self.st, A.notify_name(n.type))
                self.phase = DEAD  # `handle` answers, then removes the SA
                return []
        deletes = msg.get_all(c.Delete)
        for d in deletes:
            if d.protocol == A.PROTO_IKE:
                self.eng.debug_line(self, "Received DELETE INFO message for IKEv2 SA")
                self.phase = DEAD  # `handle` answers, then removes the SA
                return []
            if d.protocol in (A.PROTO_ESP, A.PROTO_AH):
                mine = []
                for spi in d.spis:
                    ch = self.find_child(int.from_bytes(spi, "big")) if len(spi) == 4 else None
                    if ch is not None:
                        mine.append(ch.spi_in.to_bytes(4, "big"))
                        self.eng.child_removed(self, ch)
                        self.st.children.remove(ch)
                if mine:
                    out.append(c.Delete(d.protocol, mine))
        return out  # empty: DPD (liveness check) or notifies we only note

    # -- our own requests: DELETE, DPD --------------------------------------------------------------------
    def delete(self, now, reason: int = DELETE_REASON_CLEAR) -> list[Datagram]:
        """Send INFORMATIONAL DELETE for this IKE SA (with Cisco's DELETE_REASON when the peer understands
        it); the SA goes when the peer answers or the retransmissions give up."""
        c = self._codec()
        if self.phase != READY or self.c_out is None:
            return []
        self.pending = None  # a DELETE supersedes an outstanding DPD
        if self.eng._debug_on():
            self.eng.debug_line(self, f"Sending DELETE INFO message for IKEv2 SA [ISPI: 0x{self.st.spi_i.hex().upper()} "
                                      f"RSPI: 0x{self.st.spi_r.hex().upper()}]")
        payloads = [c.Delete(A.PROTO_IKE, [])]
        if self.cisco_peer:
            payloads.append(c.Notify(A.CISCO_DELETE_REASON, reason.to_bytes(4, "big")))
        self.phase = DELETING
        self.st.status = "DELETE"
        self.st.status_description = "Deleting IKE SA"
        return self.request(payloads, now, "delete-ike")

    def delete_child(self, child, now) -> list[Datagram]:
        c = self._codec()
        if self.eng._debug_on():
            self.eng.debug_line(self, f"Sending DELETE INFO message for IPsec SA [SPI: 0x{child.spi_in:08X}]")
        return self.request([c.Delete(A.PROTO_ESP, [child.spi_in.to_bytes(4, "big")])], now,
                            f"delete-child:{child.spi_in}")

    def tick(self, now) -> list[Datagram]:
        """Timers: retransmission of our request, half-open expiry, lifetimes, DPD, NAT keepalives.  Afterwards
        `due` is the earliest time one of them can fire, so that the engine's timer skips this SA until then;
        whatever could bring a timer earlier (a message from the peer, a request of ours) sets `due` to 0."""
        out = self._tick(now)
        self.due = self._next_due(now)
        return out

    def _next_due(self, now) -> float:
        eng = self.eng
        if self.phase == INIT:
            return self.st.created + eng.half_open_timeout
        if self.phase == EAP:  # waiting for the client (eap_deadline) or for RADIUS (its own timers)
            return self.eap_deadline if self.eap_deadline is not None else now + MAX_TIMER_NAP
        p = self.pending
        due = now + MAX_TIMER_NAP
        if p is not None:
            due = min(due, p[2])
        if self.phase != READY:
            return due
        if self.expires is not None:
            due = min(due, self.expires)
        if p is None and self.rekeying is None and self.old_of is None:
            if self.rekey_at is not None:
                due = min(due, self.rekey_at)
            live = {ch.spi_in for ch in self.st.children}
            for spi in [k for k in self.child_rekey if k not in live]:
                del self.child_rekey[spi]
            if self.child_rekey:
                due = min(due, min(self.child_rekey.values()))
        if p is None:
            for ch in self.st.children:
                if ch.lifetime_s:
                    due = min(due, ch.created + ch.lifetime_s + 30)
        s = self.settings
        if s is not None:
            if s.dpd_interval and p is None and s.dpd_mode == "periodic":
                due = min(due, self.last_rx + s.dpd_interval)
            elif self.rc is not None and not s.dpd_interval and p is None:  # smart DPD
                due = min(due, self.last_rx + _rc.SMART_QUIET)
            if s.nat_keepalive and (self.peer_addr_nat or self.local_nat) and self.natt:
                due = min(due, self.ka_next if self.ka_next is not None else now)
        return due

    def _tick(self, now) -> list[Datagram]:
        out: list[Datagram] = []
        eng = self.eng
        if self.phase == INIT:
            if now - self.st.created > eng.half_open_timeout:
                eng.remove_sa(self, now, reason="negotiation timed out", notify_peer=False)
            return out
        if self.phase == EAP:
            if self.eap_deadline is not None and now >= self.eap_deadline:
                eng.debug_lines(D.eap_timeout(self.st))
                eng.stats.rejected_other += 1
                eng.remove_sa(self, now, reason="EAP timeout", notify_peer=False)
            return out
        p = self.pending
        if p is not None and now >= p[2]:
            kind = p[4]
            smart = kind == "dpd" and self.rc is not None and self.settings is not None \
                and not self.settings.dpd_interval
            limit = _rc.SMART_TRIES if smart else RETRANSMIT_MAX
            if p[3] >= limit:
                self.pending = None
                if kind == "dpd" and self.rc is not None:  # auto-reconnect: keep the state, wait for the client
                    self._go_inactive(now)
                eng.remove_sa(self, now, reason="peer not responding", notify_peer=False)
                return out
            p[3] += 1
            if smart:
                wait = _rc.SMART_RETRY
            elif kind == "dpd" and self.settings:
                wait = self.settings.dpd_retry or RETRANSMIT_BASE
            else:
                wait = RETRANSMIT_BASE * (2 ** p[3])
            p[2] = now + wait
            eng.debug_line(self, "Retransmitting packet ")
            out += self.datagrams(p[1])
        if self.phase != READY:
            return out
        if self.expires is not None and now >= self.expires:
            eng.debug_line(self, "IKEv2 SA lifetime expired")
            out += self.delete(now, DELETE_REASON_EXPIRED)
            return out
        if self.pending is None and self.rekeying is None and self.old_of is None:
            if self.rekey_at is not None and now >= self.rekey_at:
                return out + self.start_ike_rekey(now)
            for ch in self.st.children:
                at = self.child_rekey.get(ch.spi_in)
                if at is not None and now >= at:
                    return out + self.start_child_rekey(ch, now)
        for ch in list(self.st.children):
            if ch.lifetime_s and now - ch.created >= ch.lifetime_s + 30 and self.pending is None:
                self.st.children.remove(ch)
                eng.child_removed(self, ch)
                out += self.delete_child(ch, now)
        s = self.settings
        if s is not None and s.dpd_interval and self.pending is None and s.dpd_mode == "periodic":
            if now - self.last_rx >= s.dpd_interval:
                eng.debug_line(self, "Sending DPD/liveness query")
                out += self.request([], now, "dpd")
                if self.pending is not None and s.dpd_retry:
                    self.pending[2] = now + s.dpd_retry
        elif s is not None and self.rc is not None and not s.dpd_interval and self.pending is None:
            # smart DPD: the client probes us; when its probes stop, we probe it
            if now - self.last_rx >= _rc.SMART_QUIET:
                eng.debug_line(self, "Sending DPD/liveness query")
                out += self.request([], now, "dpd")
                if self.pending is not None:
                    self.pending[2] = now + _rc.SMART_RETRY
        if s is not None and s.nat_keepalive and (self.peer_addr_nat or self.local_nat) and self.natt:
            if self.ka_next is None:
                self.ka_next = now + s.nat_keepalive
            elif now >= self.ka_next:
                self.ka_next = now + s.nat_keepalive
                out.append(Datagram(b"\xff", self.st.local, self.st.remote))
        return out

    def _go_inactive(self, now) -> None:
        """DPD found the client of a reconnect-capable session gone: its state and authorization (with the
        address) are kept for the reconnect timeout; the session record lets go of the authorization so that
        its end does not return the address."""
        rec = self.eng.router.sessions.get(self.st.session_id)
        authz = None
        if rec is not None:
            authz, rec.authorization = rec.authorization, None
        self.eng.reconnect.go_inactive(self.st.session_id, authz, now)
        self.eng.debug(D.reconnect_preserved, self.st)
        self.rc = None

    def drop_init_material(self) -> None:
        """After IKE_AUTH: the IKE_SA_INIT copies, nonces and SK_p are needed no more, nor the attributes and
        keys AAA answered during it (the session record keeps the authorization): memory, and fewer objects for
        the collector to walk (the RADIUS attributes are ~11 of them a session)."""
        self.init_req = self.init_resp = b""
        self.ni = self.nr = b""
        self.sk_pi = self.sk_pr = b""
        self.init_digest = b""
        self.reasm = None
        self.eap_attrs = self.aaa_psk = None

"""IKEv2 wire format (RFC 7296 §3): header, payloads as dataclasses, the SK payload (RFC 7296 §3.14, RFC 5282
for AES-GCM) and RFC 7383 fragments (SKF).  Sans-I/O.

Parsing never raises anything but `CodecError` (whose `notify` is the RFC 7296 notify type to answer with:
INVALID_SYNTAX, INVALID_MAJOR_VERSION, UNSUPPORTED_CRITICAL_PAYLOAD); an integrity failure raises the subclass
`IntegrityError`, which RFC 7296 says to drop silently.

Typical use (responder)::

    msg = parse_message(data)                    # header + clear payloads; SK kept raw
    if msg.encrypted: inner = open_sk(msg, crypto_in)   # verifies ICV / AEAD tag, then decrypts
    out = Message(msg.spi_i, spi_r, IKE_AUTH, FLAG_RESPONSE, msg.message_id, [IDr(...), Auth(...), ...])
    datagrams = seal(out, crypto_out, rng, fragment_size=...)   # [bytes] (one SK, or SKF fragments)
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import struct
from dataclasses import dataclass, field
from typing import Callable, ClassVar, Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.ciphers.algorithms import AES

from . import algorithms as A
from .algorithms import (
    INVALID_MAJOR_VERSION,
    INVALID_SYNTAX,
    UNSUPPORTED_CRITICAL_PAYLOAD,
    Encr,
    Integ,
)
from .state import TrafficSelector

try:  # cryptography >= 43 keeps 3DES in the "decrepit" module
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES as _TripleDES
except ImportError:  # pragma: no cover
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES as _TripleDES

Rng = Callable[[int], bytes]

HEADER_LEN = 28
_HDR = struct.Struct("!8s8sBBBBII")
_GEN = struct.Struct("!BBH")
_U16 = struct.Struct("!H")
_U32 = struct.Struct("!I")


class CodecError(Exception):
    """Malformed input. `notify` = RFC 7296 notify type to answer with; `data` = its notification data."""

    def __init__(self, notify: int = INVALID_SYNTAX, message: str = "", data: bytes = b""):
        super().__init__(message or A.notify_name(notify, debug=False))
        self.notify = notify
        self.data = data

    @property
    def notify_type(self) -> int:  # alias
        return self.notify


class IntegrityError(CodecError):
    """ICV / AEAD tag mismatch: drop the message silently (RFC 7296 §2.21.1), count it."""

    def __init__(self, message: str = "integrity check failed"):
        super().__init__(INVALID_SYNTAX, message)


def _syntax(msg: str) -> CodecError:
    return CodecError(INVALID_SYNTAX, msg)


# ---------------------------------------------------------------------------------------------------------------
# Payload dataclasses
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Transform:
    type: int  # TT_ENCR / TT_PRF / TT_INTEG / TT_DH / TT_ESN
    id: int
    attrs: list[tuple[int, int | bytes]] = field(default_factory=list)  # (type, TV int or TLV bytes)

    @property
    def key_bits(self) -> int | None:
        for t, v in self.attrs:
            if t == A.ATTR_KEY_LENGTH and isinstance(v, int):
                return v
        return None

    @classmethod
    def make(cls, ttype: int, tid: int, key_bits: int | None = None) -> "Transform":
        return cls(ttype, tid, [(A.ATTR_KEY_LENGTH, key_bits)] if key_bits else [])


@dataclass
class Proposal:
    num: int
    protocol: int  # PROTO_IKE / PROTO_ESP / PROTO_AH
    spi: bytes = b""
    transforms: list[Transform] = field(default_factory=list)

    def of_type(self, ttype: int) -> list[Transform]:
        return [t for t in self.transforms if t.type == ttype]


class Payload:
    TYPE: ClassVar[int] = 0
    critical: bool


@dataclass
class SA(Payload):
    proposals: list[Proposal] = field(default_factory=list)
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_SA


@dataclass
class KE(Payload):
    group: int
    data: bytes
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_KE


@dataclass
class _ID(Payload):
    id_type: int
    data: bytes
    critical: bool = False

    @property
    def body(self) -> bytes:
        """ID Type | RESERVED(3) | data: what prf(SK_p, ...) covers in the AUTH octets."""
        return bytes((self.id_type, 0, 0, 0)) + self.data


@dataclass
class IDi(_ID):
    TYPE: ClassVar[int] = A.PT_IDI


@dataclass
class IDr(_ID):
    TYPE: ClassVar[int] = A.PT_IDR


@dataclass
class Cert(Payload):
    encoding: int
    data: bytes
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_CERT


@dataclass
class CertReq(Payload):
    encoding: int
    data: bytes  # concatenated 20-byte SHA-1 hashes of CA SubjectPublicKeyInfo (encoding 4)
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_CERTREQ

    @property
    def hashes(self) -> list[bytes]:
        d = self.data
        return [d[i:i + 20] for i in range(0, len(d) - len(d) % 20, 20)]


@dataclass
class Auth(Payload):
    method: int
    data: bytes
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_AUTH


@dataclass
class Nonce(Payload):
    data: bytes
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_NONCE


@dataclass
class Notify(Payload):
    type: int
    data: bytes = b""
    protocol: int = 0
    spi: bytes = b""
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_NOTIFY


@dataclass
class Delete(Payload):
    protocol: int
    spis: list[bytes] = field(default_factory=list)
    spi_size: int | None = None  # None: derived (0 for IKE, 4 otherwise)
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_DELETE


@dataclass
class VendorID(Payload):
    data: bytes
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_VENDOR


@dataclass
class _TS(Payload):
    selectors: list[TrafficSelector] = field(default_factory=list)
    critical: bool = False


@dataclass
class TSi(_TS):
    TYPE: ClassVar[int] = A.PT_TSI


@dataclass
class TSr(_TS):
    TYPE: ClassVar[int] = A.PT_TSR


@dataclass
class CPAttr:
    type: int
    value: bytes = b""


@dataclass
class CP(Payload):
    cfg_type: int
    attrs: list[CPAttr] = field(default_factory=list)
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_CP

    def get(self, atype: int) -> list[bytes]:
        return [a.value for a in self.attrs if a.type == atype]


@dataclass
class EAP(Payload):
    data: bytes  # the whole EAP packet (code, identifier, length, type, type-data)
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_EAP

    @property
    def code(self) -> int:
        return self.data[0]

    @property
    def identifier(self) -> int:
        return self.data[1]

    @property
    def eap_type(self) -> int | None:
        return self.data[4] if len(self.data) > 4 else None

    @property
    def type_data(self) -> bytes:
        return self.data[5:]


@dataclass
class Encrypted(Payload):
    """SK (46), kept raw until `open_sk`: `next_inner` = first inner payload type, `body` = IV | ciphertext | ICV,
    `offset` = where the payload's generic header starts in the message."""

    next_inner: int
    body: bytes
    offset: int = 0
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_SK


@dataclass
class EncryptedFragment(Payload):
    """SKF (53), RFC 7383."""

    number: int
    total: int
    next_inner: int  # real value only in fragment 1, 0 in others
    body: bytes
    offset: int = 0
    critical: bool = False
    TYPE: ClassVar[int] = A.PT_SKF


@dataclass
class Unknown(Payload):
    """A payload type we do not know, non-critical: kept (and re-encoded) but otherwise ignored."""

    type: int
    data: bytes
    critical: bool = False

    @property
    def TYPE(self) -> int:  # type: ignore[override]
        return self.type


# the concrete payload classes (Message.get looks these up in its index; base classes are scanned)
_LEAF_PAYLOADS = frozenset((SA, KE, IDi, IDr, Cert, CertReq, Auth, Nonce, Notify, Delete, VendorID, TSi, TSr, CP,
                            EAP, Encrypted, EncryptedFragment, Unknown))


# ---------------------------------------------------------------------------------------------------------------
# Message
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Message:
    spi_i: bytes
    spi_r: bytes
    exchange: int
    flags: int
    message_id: int
    payloads: list = field(default_factory=list)
    version: int = A.IKE_VERSION
    raw: bytes | None = None  # the parsed datagram (IKE header on), set by parse_message
    inner: list | None = None  # decrypted payloads, set by open_sk / FragmentReassembler
    first_payload: int = field(default=A.PT_NONE, repr=False, compare=False)  # set by parse_header
    # payload index for get/notify: (what it was built from, {type: first payload}, {notify type: first notify})
    _index: tuple | None = field(default=None, init=False, repr=False, compare=False)

    # -- flags
    @property
    def is_response(self) -> bool:
        return bool(self.flags & A.FLAG_RESPONSE)

    @property
    def is_request(self) -> bool:
        return not self.flags & A.FLAG_RESPONSE

    @property
    def from_initiator(self) -> bool:
        return bool(self.flags & A.FLAG_INITIATOR)

    @property
    def exchange_name(self) -> str:
        return A.EXCHANGE_NAMES.get(self.exchange, str(self.exchange))

    # -- payload access (clear payloads, then decrypted ones)
    def _all(self):
        return self.payloads if self.inner is None else self.payloads + self.inner

    def _lookup(self) -> tuple[dict, dict]:
        """{payload class: first payload}, {notify type: first Notify} over the clear then decrypted payloads;
        built once per message and rebuilt only when the payload lists change (e.g. `inner` set by open_sk)."""
        pl, inner = self.payloads, self.inner
        n = len(pl) if inner is None else len(pl) + len(inner)
        idx = self._index
        if idx is not None and idx[0] is pl and idx[1] is inner and idx[2] == n:
            return idx[3], idx[4]
        by_type: dict = {}
        by_notify: dict = {}
        for p in self._all():
            t = type(p)
            for k in (t,) if t in _LEAF_PAYLOADS else [k for k in t.__mro__ if k in _LEAF_PAYLOADS]:
                if k not in by_type:
                    by_type[k] = p
                if k is Notify and p.type not in by_notify:
                    by_notify[p.type] = p
        self._index = (pl, inner, n, by_type, by_notify)
        return by_type, by_notify

    def get(self, cls):
        if cls in _LEAF_PAYLOADS:  # exact class: the index
            return self._lookup()[0].get(cls)
        for p in self._all():  # a base class (_ID, _TS, Payload): by isinstance
            if isinstance(p, cls):
                return p
        return None

    def get_all(self, cls) -> list:
        return [p for p in self._all() if isinstance(p, cls)]

    def notify(self, ntype: int) -> Notify | None:
        return self._lookup()[1].get(ntype)

    def notifies(self) -> list[Notify]:
        return [p for p in self._all() if isinstance(p, Notify)]

    @property
    def encrypted(self) -> Encrypted | EncryptedFragment | None:
        last = self.payloads[-1] if self.payloads else None
        return last if isinstance(last, (Encrypted, EncryptedFragment)) else None

    def header(self, length: int, next_payload: int) -> bytes:
        return _HDR.pack(self.spi_i, self.spi_r, next_payload, self.version, self.exchange, self.flags,
                         self.message_id, length)

    def encode(self) -> bytes:
        """The message with `payloads` in clear (an Encrypted/EncryptedFragment payload is written back raw).
        To encrypt, use `seal` / `seal_sk`."""
        first, body = encode_payloads(self.payloads)
        return self.header(HEADER_LEN + len(body), first) + body


# ---------------------------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------------------------


_HH = struct.Struct("!HH")
_TRANSFORM_HEAD = struct.Struct("!BBHBBH")
_PROPOSAL_HEAD = struct.Struct("!BBHBBBB")


def _enc_attrs(attrs) -> bytes:
    if not attrs:
        return b""
    out = []
    for t, v in attrs:
        if isinstance(v, int):
            out.append(_HH.pack(0x8000 | t, v))
        else:
            out.append(_HH.pack(t & 0x7FFF, len(v)) + v)
    return b"".join(out)


def _enc_sa(p: SA) -> bytes:
    out = []
    n = len(p.proposals)
    for i, prop in enumerate(p.proposals):
        tparts = []
        nt = len(prop.transforms)
        for j, t in enumerate(prop.transforms):
            a = _enc_attrs(t.attrs)
            tparts.append(_TRANSFORM_HEAD.pack(0 if j == nt - 1 else 3, 0, 8 + len(a), t.type, 0, t.id) + a)
        tb = b"".join(tparts)
        out.append(_PROPOSAL_HEAD.pack(0 if i == n - 1 else 2, 0, 8 + len(prop.spi) + len(tb), prop.num,
                                       prop.protocol, len(prop.spi), nt) + prop.spi + tb)
    return b"".join(out)


_AF_INET = socket.AF_INET


def _ts_addr(ts: TrafficSelector, text: str) -> bytes:
    if ts.ts_type == A.TS_IPV4_ADDR_RANGE:
        return socket.inet_pton(_AF_INET, text)
    return ipaddress.ip_address(text).packed


def _enc_ts(p: _TS) -> bytes:
    out = [struct.pack("!B3x", len(p.selectors))]
    for ts in p.selectors:
        a = _ts_addr(ts, ts.start) + _ts_addr(ts, ts.end)
        out.append(_TS_HEAD.pack(ts.ts_type, ts.protocol, 8 + len(a), ts.start_port, ts.end_port) + a)
    return b"".join(out)


def _enc_notify(p: Notify) -> bytes:
    return _NOTIFY_HEAD.pack(p.protocol, len(p.spi), p.type) + p.spi + p.data


def _enc_raw(p) -> bytes:
    return p.data


def _enc_ke(p: KE) -> bytes:
    return _KE_HEAD.pack(p.group, 0) + p.data


def _enc_id(p: _ID) -> bytes:
    return p.body


def _enc_auth(p: Auth) -> bytes:
    return bytes((p.method, 0, 0, 0)) + p.data


def _enc_cert(p) -> bytes:
    return bytes((p.encoding,)) + p.data


def _enc_cp(p: CP) -> bytes:
    return bytes((p.cfg_type, 0, 0, 0)) + b"".join(
        _U16.pack(a.type & 0x7FFF) + _U16.pack(len(a.value)) + a.value for a in p.attrs)


def _enc_delete(p: Delete) -> bytes:
    size = p.spi_size if p.spi_size is not None else (0 if p.protocol == A.PROTO_IKE else 4)
    return struct.pack("!BBH", p.protocol, size, len(p.spis)) + b"".join(p.spis)


def _enc_encrypted(p: Encrypted) -> bytes:
    return p.body


def _enc_fragment(p: EncryptedFragment) -> bytes:
    return struct.pack("!HH", p.number, p.total) + p.body


_NOTIFY_HEAD = struct.Struct("!BBH")
_TS_HEAD = struct.Struct("!BBHHH")
_KE_HEAD = struct.Struct("!HH")
_ENCODERS = {
    Notify: _enc_notify, VendorID: _enc_raw, Nonce: _enc_raw, EAP: _enc_raw, Unknown: _enc_raw, SA: _enc_sa,
    KE: _enc_ke, IDi: _enc_id, IDr: _enc_id, Auth: _enc_auth, Cert: _enc_cert, CertReq: _enc_cert,
    TSi: _enc_ts, TSr: _enc_ts, CP: _enc_cp, Delete: _enc_delete, Encrypted: _enc_encrypted,
    EncryptedFragment: _enc_fragment,
}


def _enc_body(p) -> bytes:
    enc = _ENCODERS.get(type(p))
    if enc is None:
        raise TypeError(f"cannot encode {type(p).__name__}")
    return enc(p)


def encode_payloads(payloads: Iterable) -> tuple[int, bytes]:
    """Chain-encode payloads: returns (type of the first payload, bytes).  An SK/SKF payload must be last; its
    next-payload field carries its `next_inner`."""
    if type(payloads) is not list:
        payloads = list(payloads)
    if not payloads:
        return A.PT_NONE, b""
    out = []
    gen = _GEN.pack
    encoders = _ENCODERS
    last = len(payloads) - 1
    for i, p in enumerate(payloads):
        t = type(p)
        enc = encoders.get(t)
        body = enc(p) if enc is not None else _enc_body(p)
        if t is Encrypted or t is EncryptedFragment:
            nxt = p.next_inner
        else:
            nxt = payloads[i + 1].TYPE if i < last else A.PT_NONE
        out.append(gen(nxt, 0x80 if p.critical else 0, 4 + len(body)))
        out.append(body)
    return payloads[0].TYPE, b"".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------------------------


def _parse_attrs(b: bytes, o: int, end: int) -> list:
    attrs = []
    while o < end:
        if o + 4 > end:
            raise _syntax("truncated attribute")
        t, v = _HH.unpack_from(b, o)
        if t & 0x8000:
            attrs.append((t & 0x7FFF, v))
            o += 4
        else:
            if o + 4 + v > end:
                raise _syntax("attribute length")
            attrs.append((t, b[o + 4:o + 4 + v]))
            o += 4 + v
    return attrs


def _parse_sa(b: bytes) -> SA:
    props = []
    o, end = 0, len(b)
    while o < end:
        if o + 8 > end:
            raise _syntax("truncated proposal")
        last, _, plen, num, proto, spisz, ntr = _PROPOSAL_HEAD.unpack_from(b, o)
        if plen < 8 + spisz or o + plen > end or last not in (0, 2):
            raise _syntax("proposal length")
        pend = o + plen
        spi = b[o + 8:o + 8 + spisz]
        q = o + 8 + spisz
        trs = []
        while q < pend:
            if q + 8 > pend:
                raise _syntax("truncated transform")
            tlast, _, tlen, ttype, _, tid = _TRANSFORM_HEAD.unpack_from(b, q)
            if tlen < 8 or q + tlen > pend or tlast not in (0, 3):
                raise _syntax("transform length")
            trs.append(Transform(ttype, tid, _parse_attrs(b, q + 8, q + tlen) if tlen > 8 else []))
            q += tlen
        if len(trs) != ntr:
            raise _syntax("transform count")
        props.append(Proposal(num, proto, spi, trs))
        o = pend
        if last == 0 and o != end:
            raise _syntax("data after last proposal")
    return SA(props)


def _parse_ts(b: bytes, cls):
    if len(b) < 4:
        raise _syntax("TS header")
    n = b[0]
    o = 4
    sels = []
    for _ in range(n):
        if o + 8 > len(b):
            raise _syntax("truncated TS")
        tt, proto, slen, sp, ep = _TS_HEAD.unpack_from(b, o)
        if slen < 8 or o + slen > len(b):
            raise _syntax("TS length")
        if tt == A.TS_IPV4_ADDR_RANGE:
            if slen != 16:
                raise _syntax("TS length")
            s = socket.inet_ntop(_AF_INET, b[o + 8:o + 12])
            e = socket.inet_ntop(_AF_INET, b[o + 12:o + 16])
        elif tt == A.TS_IPV6_ADDR_RANGE:
            if slen != 40:
                raise _syntax("TS length")
            s = str(ipaddress.IPv6Address(b[o + 8:o + 24]))
            e = str(ipaddress.IPv6Address(b[o + 24:o + 40]))
        else:  # unknown TS type (e.g. RFC 4595 FC): skipped, cannot be used anyway
            o += slen
            continue
        sels.append(TrafficSelector(tt, proto, sp, ep, s, e))
        o += slen
    if o != len(b):
        raise _syntax("TS trailing data")
    return cls(sels)


def _parse_cp(b: bytes) -> CP:
    if len(b) < 4:
        raise _syntax("CP header")
    attrs = []
    o, end = 4, len(b)
    while o < end:
        if o + 4 > end:
            raise _syntax("truncated CP attribute")
        t, ln = _HH.unpack_from(b, o)
        if o + 4 + ln > end:
            raise _syntax("CP attribute length")
        attrs.append(CPAttr(t & 0x7FFF, b[o + 4:o + 4 + ln]))
        o += 4 + ln
    return CP(b[0], attrs)


def _parse_body(ptype: int, b: bytes):
    if ptype == A.PT_NOTIFY:
        if len(b) < 4:
            raise _syntax("notify header")
        proto, spisz, nt = _NOTIFY_HEAD.unpack_from(b)
        if 4 + spisz > len(b):
            raise _syntax("notify SPI size")
        return Notify(nt, b[4 + spisz:], proto, b[4:4 + spisz])
    if ptype == A.PT_VENDOR:
        return VendorID(b)
    if ptype == A.PT_NONCE:
        if not 16 <= len(b) <= 256:
            raise _syntax("nonce length")
        return Nonce(b)
    if ptype == A.PT_SA:
        return _parse_sa(b)
    if ptype == A.PT_KE:
        if len(b) < 4:
            raise _syntax("KE header")
        return KE(_U16.unpack_from(b)[0], b[4:])
    if ptype == A.PT_IDI or ptype == A.PT_IDR:
        if len(b) < 4:
            raise _syntax("ID header")
        return (IDi if ptype == A.PT_IDI else IDr)(b[0], b[4:])
    if ptype == A.PT_AUTH:
        if len(b) < 4:
            raise _syntax("AUTH header")
        return Auth(b[0], b[4:])
    if ptype == A.PT_CERT or ptype == A.PT_CERTREQ:
        if len(b) < 1:
            raise _syntax("CERT header")
        return (Cert if ptype == A.PT_CERT else CertReq)(b[0], b[1:])
    if ptype == A.PT_TSI:
        return _parse_ts(b, TSi)
    if ptype == A.PT_TSR:
        return _parse_ts(b, TSr)
    if ptype == A.PT_CP:
        return _parse_cp(b)
    if ptype == A.PT_DELETE:
        if len(b) < 4:
            raise _syntax("delete header")
        proto, size, n = struct.unpack_from("!BBH", b)
        if len(b) != 4 + size * n or (size == 0 and n):
            raise _syntax("delete length")
        return Delete(proto, [b[4 + i * size:4 + (i + 1) * size] for i in range(n)], size)
    if ptype == A.PT_EAP:
        if len(b) < 4 or _U16.unpack_from(b, 2)[0] != len(b) or (b[0] in (1, 2) and len(b) < 5):
            raise _syntax("EAP length")
        return EAP(b)
    return None


KNOWN_PAYLOADS = frozenset((A.PT_SA, A.PT_KE, A.PT_IDI, A.PT_IDR, A.PT_CERT, A.PT_CERTREQ, A.PT_AUTH, A.PT_NONCE,
                            A.PT_NOTIFY, A.PT_DELETE, A.PT_VENDOR, A.PT_TSI, A.PT_TSR, A.PT_CP, A.PT_EAP))


def parse_payloads(first: int, data: bytes, offset: int = 0, *, inner: bool = False) -> list:
    """Parse a payload chain starting with type `first` at `offset` of `data`.  When not `inner`, an SK/SKF
    payload ends the chain (it must reach the end of the data) and is returned raw."""
    try:
        return _parse_chain(first, data, offset, inner)
    except CodecError:
        raise
    except Exception as e:  # belt and braces: nothing but CodecError leaves the codec
        raise CodecError(INVALID_SYNTAX, f"malformed payload: {e!r}") from None


def _parse_chain(nxt: int, data: bytes, o: int, inner: bool) -> list:
    out = []
    end = len(data)
    while nxt != A.PT_NONE:
        if o + 4 > end:
            raise _syntax("truncated payload header")
        following, flags, plen = _GEN.unpack_from(data, o)
        if plen < 4 or o + plen > end:
            raise _syntax("payload length")
        crit = bool(flags & 0x80)
        if nxt == A.PT_SK or nxt == A.PT_SKF:
            if inner:
                raise _syntax("SK inside SK")
            if o + plen != end:
                raise _syntax("SK payload must be last")
            if nxt == A.PT_SK:
                out.append(Encrypted(following, data[o + 4:end], o, crit))
            else:
                if plen < 8:
                    raise _syntax("SKF header")
                num, tot = struct.unpack_from("!HH", data, o + 4)
                if num == 0 or tot == 0 or num > tot:
                    raise _syntax("fragment numbering")
                out.append(EncryptedFragment(num, tot, following, data[o + 8:end], o, crit))
            return out
        body = data[o + 4:o + plen]
        if nxt in KNOWN_PAYLOADS:
            p = _parse_body(nxt, body)
            p.critical = crit
        elif crit:
            raise CodecError(UNSUPPORTED_CRITICAL_PAYLOAD, f"unsupported critical payload {nxt}", bytes((nxt,)))
        else:
            p = Unknown(nxt, body, False)
        out.append(p)
        o += plen
        nxt = following
    if o != end:
        raise _syntax("trailing data after last payload")
    return out


def parse_header(data: bytes) -> Message:
    """Header only (no payloads): for SPI lookups before parsing. Raises CodecError."""
    if len(data) < HEADER_LEN:
        raise _syntax("short IKE header")
    spi_i, spi_r, nxt, ver, xch, flags, mid, length = _HDR.unpack_from(data)
    if ver >> 4 != 2:
        raise CodecError(INVALID_MAJOR_VERSION, f"IKE major version {ver >> 4}")
    if length != len(data):
        raise _syntax("IKE header length mismatch")
    return Message(spi_i, spi_r, xch, flags, mid, [], ver, data, None, nxt)


def parse_message(data: bytes, header: Message | None = None) -> Message:
    """Header and clear payload chain; an SK/SKF payload is kept raw (see open_sk).  Raises CodecError only.
    `header`: what `parse_header(data)` returned already (its payloads are filled in, no second header parse)."""
    if header is None:
        try:
            data = bytes(data)
        except Exception:
            raise _syntax("not bytes") from None
        header = parse_header(data)
    header.payloads = parse_payloads(header.first_payload, header.raw, HEADER_LEN)
    return header


# ---------------------------------------------------------------------------------------------------------------
# SK payload crypto
# ---------------------------------------------------------------------------------------------------------------


class SkCrypto:
    """Keys of one direction for SK payloads (e.g. SK_ei + SK_ai to open what the initiator sent).  The cipher
    key schedule (AES-GCM) and algorithm objects are prepared once per SA; a CBC cipher keeps one encryptor
    and one decryptor context for the SA's life (see `cbc`)."""

    __slots__ = ("encr", "integ", "ekey", "akey", "icv_len", "_aead", "_salt", "_algo", "_dec", "_enc", "_last_dec",
                 "_last_enc")

    def __init__(self, encr: Encr, integ: Integ | None, ekey: bytes, akey: bytes = b""):
        if len(ekey) != encr.key_len:
            raise ValueError("encryption key length")
        self.encr = encr
        self.integ = None if encr.aead else integ
        self.ekey = ekey
        self.akey = akey
        if encr.aead:
            self._aead = AESGCM(ekey[:-encr.salt_len])
            self._salt = ekey[-encr.salt_len:]
            self.icv_len = encr.icv_len
            self._algo = None
        else:
            if integ is None or len(akey) != integ.key_len:
                raise ValueError("integrity transform/key required")
            self._aead = None
            self._salt = b""
            self.icv_len = integ.icv_len
            self._algo = AES(ekey) if encr.id == A.ENCR_AES_CBC else _TripleDES(ekey)
        self._dec = self._enc = None  # CBC contexts, made at first use (slots, not lists: objects the GC tracks)
        self._last_dec = self._last_enc = b""  # the last ciphertext block each of them saw: its chaining value

    # raw primitives ------------------------------------------------------------------------------------------
    def cbc(self, iv: bytes, data: bytes, encrypt: bool) -> bytes:
        """CBC with `iv` over `data` (whole blocks).  One context per direction serves every message of the SA:
        a CBC context chains on from the last ciphertext block it saw, so the first block is corrected by
        XOR with that block and `iv` (encrypting: before, decrypting: after), which gives exactly what a new
        context with `iv` would (a context costs more than the messages it handles)."""
        if encrypt:
            ctx = self._enc
            if ctx is None:
                ctx = self._enc = Cipher(self._algo, modes.CBC(iv)).encryptor()
                out = ctx.update(data)
            else:
                bs = len(iv)
                fix = int.from_bytes(iv, "big") ^ int.from_bytes(self._last_enc, "big")
                out = ctx.update((int.from_bytes(data[:bs], "big") ^ fix).to_bytes(bs, "big") + data[bs:])
            self._last_enc = out[-len(iv):]
            return out
        ctx = self._dec
        if ctx is None:
            ctx = self._dec = Cipher(self._algo, modes.CBC(iv)).decryptor()
            out = ctx.update(data)
        else:
            bs = len(iv)
            fix = int.from_bytes(iv, "big") ^ int.from_bytes(self._last_dec, "big")
            out = ctx.update(data)
            out = (int.from_bytes(out[:bs], "big") ^ fix).to_bytes(bs, "big") + out[bs:]
        self._last_dec = data[-len(iv):]
        return out


def sk_crypto(keys: A.IkeKeys, encr: Encr, integ: Integ | None, *, initiator: bool = False
              ) -> tuple[SkCrypto, SkCrypto]:
    """(inbound, outbound) SK crypto for our side: the responder opens with SK_ei/SK_ai and seals with
    SK_er/SK_ar; the initiator the other way round."""
    i = SkCrypto(encr, integ, keys.sk_ei, keys.sk_ai)
    r = SkCrypto(encr, integ, keys.sk_er, keys.sk_ar)
    return (r, i) if initiator else (i, r)


def _decrypt(crypto: SkCrypto, data: bytes, iv_start: int) -> bytes:
    """Verify and decrypt the IV|ct|ICV that starts at `iv_start` and runs to the end of `data`."""
    e = crypto.encr
    icv = crypto.icv_len
    ct_start = iv_start + e.iv_len
    ct_end = len(data) - icv
    if ct_end < ct_start + 1:
        raise _syntax("SK payload too short")
    iv = data[iv_start:ct_start]
    if crypto._aead is not None:
        try:
            pt = crypto._aead.decrypt(crypto._salt + iv, data[ct_start:], data[:iv_start])
        except InvalidTag:
            raise IntegrityError("AEAD tag mismatch") from None
    else:
        mac = hmac.digest(crypto.akey, data[:ct_end], crypto.integ.hash_name)[:icv]
        if not hmac.compare_digest(mac, data[ct_end:]):
            raise IntegrityError("ICV mismatch")
        if (ct_end - ct_start) % e.block_size:
            raise _syntax("ciphertext not a multiple of the block size")
        pt = crypto.cbc(iv, data[ct_start:ct_end], False)
    padlen = pt[-1]
    if padlen + 1 > len(pt):
        raise _syntax("bad pad length")
    return pt[:len(pt) - padlen - 1]


def open_sk(message: Message, crypto: SkCrypto, data: bytes | None = None) -> list:
    """Verify the ICV (constant time) or AEAD tag (AAD = IKE header .. SK generic header), decrypt, and parse
    the inner payloads; also stores them in `message.inner`.  For an SKF fragment use FragmentReassembler.
    Raises IntegrityError (drop silently) or CodecError."""
    data = message.raw if data is None else data
    sk = message.encrypted
    if not isinstance(sk, Encrypted) or data is None:
        raise _syntax("no SK payload")
    try:
        pt = _decrypt(crypto, data, sk.offset + 4)
    except CodecError:
        raise
    except Exception as e:
        raise CodecError(INVALID_SYNTAX, f"decrypt failed: {e!r}") from None
    inner = parse_payloads(sk.next_inner, pt, 0, inner=True)
    message.inner = inner
    return inner


def _encrypt(crypto: SkCrypto, head: bytes, plaintext: bytes, rng: Rng) -> bytes:
    """IV | ct | ICV for `plaintext`, where `head` = message bytes before the IV (header + SK(F) header), whose
    length fields must already count IV/ct/ICV."""
    e = crypto.encr
    bs = e.block_size
    pad = (bs - (len(plaintext) + 1) % bs) % bs
    pt = plaintext + bytes(pad) + bytes((pad,))
    iv = rng(e.iv_len)
    if crypto._aead is not None:
        return iv + crypto._aead.encrypt(crypto._salt + iv, pt, head)
    ct = iv + crypto.cbc(iv, pt, True)
    return ct + hmac.digest(crypto.akey, head + ct, crypto.integ.hash_name)[:crypto.icv_len]


def _sk_len(crypto: SkCrypto, plain_len: int) -> int:
    e = crypto.encr
    bs = e.block_size
    padded = plain_len + 1 + (bs - (plain_len + 1) % bs) % bs
    return e.iv_len + padded + crypto.icv_len


def seal_sk(message: Message, crypto: SkCrypto, rng: Rng) -> bytes:
    """Encrypt `message.payloads` into one SK payload; returns the datagram (no non-ESP marker)."""
    first, plain = encode_payloads(message.payloads)
    sk_len = 4 + _sk_len(crypto, len(plain))
    total = HEADER_LEN + sk_len
    head = message.header(total, A.PT_SK) + _GEN.pack(first, 0, sk_len)
    return head + _encrypt(crypto, head, plain, rng)


def fragment_size(mtu: int, *, ipv6: bool = False, udp_encap: bool = False) -> int:
    """Largest IKE message (IKE header on) that fits an IP MTU: minus IP (20/40), UDP (8) and the non-ESP
    marker (4) on port 4500."""
    return mtu - (40 if ipv6 else 20) - 8 - (4 if udp_encap else 0)


def seal_fragments(message: Message, crypto: SkCrypto, rng: Rng, max_size: int) -> list[bytes]:
    """RFC 7383: split `message.payloads` into SKF fragments, each encrypted separately and at most
    `max_size` bytes long (IKE header on).  Only fragment 1 carries the real first payload type."""
    first, plain = encode_payloads(message.payloads)
    e = crypto.encr
    room = max_size - HEADER_LEN - 8 - e.iv_len - crypto.icv_len
    room -= room % e.block_size
    chunk = room - 1  # pad-length byte, no padding needed
    if chunk < 1:
        raise ValueError("fragment size too small")
    parts = [plain[i:i + chunk] for i in range(0, len(plain), chunk)] or [b""]
    total = len(parts)
    if total > 0xFFFF:
        raise ValueError("too many fragments")
    out = []
    for n, part in enumerate(parts, 1):
        skf_len = 8 + _sk_len(crypto, len(part))
        head = (message.header(HEADER_LEN + skf_len, A.PT_SKF)
                + _GEN.pack(first if n == 1 else 0, 0, skf_len) + struct.pack("!HH", n, total))
        out.append(head + _encrypt(crypto, head, part, rng))
    return out


def seal(message: Message, crypto: SkCrypto, rng: Rng, fragment_size: int | None = None) -> list[bytes]:
    """One SK datagram, or SKF fragments when `fragment_size` is given and the SK datagram would exceed it."""
    d = seal_sk(message, crypto, rng)
    if fragment_size is None or len(d) <= fragment_size:
        return [d]
    return seal_fragments(message, crypto, rng, fragment_size)


def open_skf(message: Message, crypto: SkCrypto, data: bytes | None = None) -> tuple[int, int, int, bytes]:
    """Verify and decrypt one SKF fragment: (number, total, next_inner, plaintext chunk)."""
    data = message.raw if data is None else data
    f = message.encrypted
    if not isinstance(f, EncryptedFragment) or data is None:
        raise _syntax("no SKF payload")
    try:
        pt = _decrypt(crypto, data, f.offset + 8)
    except CodecError:
        raise
    except Exception as e:
        raise CodecError(INVALID_SYNTAX, f"decrypt failed: {e!r}") from None
    return f.number, f.total, f.next_inner, pt


class FragmentReassembler:
    """Collects the fragments of one message (RFC 7383 §2.6.2) for one IKE SA and direction.

    `add(message, crypto)` verifies and decrypts each fragment as it arrives; returns the inner payloads when
    the set is complete (also stored in `message.inner`), else None.  A fragment with a larger Total Fragments
    than the stored ones restarts collection; a smaller one is dropped; a newer message ID replaces older
    ones.  Raises IntegrityError / CodecError like open_sk."""

    MAX_FRAGMENTS = 128

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.message_id: int | None = None
        self.total = 0
        self.parts: dict[int, bytes] = {}
        self.first_type = A.PT_NONE

    def add(self, message: Message, crypto: SkCrypto) -> list | None:
        f = message.encrypted
        if not isinstance(f, EncryptedFragment):
            raise _syntax("not a fragment")
        if f.total > self.MAX_FRAGMENTS:
            raise _syntax("too many fragments")
        num, total, nxt, chunk = open_skf(message, crypto)
        if self.message_id != message.message_id:
            if self.message_id is not None and message.message_id < self.message_id:
                return None  # older message
            self.reset()
            self.message_id = message.message_id
        if total > self.total:
            self.parts.clear()
            self.first_type = A.PT_NONE
            self.total = total
        elif total < self.total:
            return None
        self.parts.setdefault(num, chunk)
        if num == 1:
            self.first_type = nxt
        if len(self.parts) < self.total:
            return None
        plain = b"".join(self.parts[i] for i in range(1, self.total + 1))
        first = self.first_type
        self.reset()
        inner = parse_payloads(first, plain, 0, inner=True)
        message.inner = inner
        return inner


# ---------------------------------------------------------------------------------------------------------------
# IOS debug helpers
# ---------------------------------------------------------------------------------------------------------------


def payload_tokens(payloads: Iterable, notify_style: str = "NOTIFY") -> list[str]:
    """IOS names of a payload list: `SA KE N VID ... NOTIFY(NAT_DETECTION_SOURCE_IP)`; `notify_style="N"` gives
    `N(INITIAL_CONTACT)` as in IOS-initiator IKE_AUTH logs.  Unknown payloads are left out."""
    out = []
    for p in payloads:
        if isinstance(p, Notify):
            out.append(f"{notify_style}({A.notify_name(p.type)})")
        elif isinstance(p, Unknown):
            continue
        else:
            out.append(A.PAYLOAD_NAMES.get(p.TYPE, str(p.TYPE)))
    return out


def payload_line(payloads: Iterable, notify_style: str = "NOTIFY") -> str:
    """The line after `Payload contents:` as IOS prints it: leading and trailing space
    (` SA KE N VID VID VID VID NOTIFY(NAT_DETECTION_SOURCE_IP) NOTIFY(NAT_DETECTION_DESTINATION_IP) `)."""
    return " " + " ".join(payload_tokens(payloads, notify_style)) + " "


def spi_hex(spi: bytes) -> str:
    """`1D418169B24BF95A`: 16 uppercase hex digits as in `Initiator SPI : ...`."""
    return spi.hex().upper()


# ---------------------------------------------------------------------------------------------------------------
# NAT-T helpers
# ---------------------------------------------------------------------------------------------------------------


def packed_ip(ip: str) -> bytes:
    """The 4 or 16 bytes of an address in text form (socket.inet_pton: no `ipaddress` object per call)."""
    try:
        return socket.inet_pton(_AF_INET, ip)
    except OSError:
        return ipaddress.ip_address(ip).packed  # IPv6 (or a ValueError, as before)


def nat_detection_hash(spi_i: bytes, spi_r: bytes, ip: str, port: int) -> bytes:
    """SHA-1(SPIi | SPIr | IP | port) for NAT_DETECTION_SOURCE_IP / _DESTINATION_IP (SPIr zero in the
    IKE_SA_INIT request)."""
    return hashlib.sha1(spi_i + spi_r + packed_ip(ip) + _U16.pack(port)).digest()


NON_ESP_MARKER = b"\0\0\0\0"
NATT_KEEPALIVE = b"\xff"


def add_non_esp_marker(ike: bytes) -> bytes:
    return NON_ESP_MARKER + ike


def classify_udp4500(data: bytes) -> tuple[str, bytes]:
    """Demultiplex a UDP 4500 datagram (RFC 3948): ("keepalive", b""), ("ike", message without marker),
    ("esp", data - the first 4 bytes are the non-zero SPI) or ("invalid", data)."""
    if data == NATT_KEEPALIVE:
        return "keepalive", b""
    if len(data) >= 4 and data[:4] == NON_ESP_MARKER:
        return "ike", data[4:]
    if len(data) >= 8:
        return "esp", data
    return "invalid", data


# ---------------------------------------------------------------------------------------------------------------
# Cisco vendor IDs (checklist §2.10)
# ---------------------------------------------------------------------------------------------------------------

VID_CISCO_DELETE_REASON = b"CISCO-DELETE-REASON"
VID_CISCO_COPYRIGHT = b"CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc."
VID_CISCO_GRE_MODE = b"CISCO-GRE-MODE"
VID_FRAGMENTATION = hashlib.md5(b"FRAGMENTATION").digest()  # 4048b7d56ebce88525e7de7f00d6c2d3
VID_FLEXVPN_SUPPORTED = b"FLEXVPN-SUPPORTED"
VID_CISCO_DYNAMIC_ROUTE = b"CISCO-DYNAMIC-ROUTE"
VID_CISCO_UNITY = bytes.fromhex("12f5f28c457168a9702d9fe274cc0100")

CISCO_SA_INIT_VIDS = (VID_CISCO_DELETE_REASON, VID_CISCO_COPYRIGHT, VID_CISCO_GRE_MODE, VID_FRAGMENTATION)
"""The four VIDs IOS puts in IKE_SA_INIT, in IOS's order."""
CISCO_AUTH_VID = VID_FLEXVPN_SUPPORTED
"""The one VID in IOS's IKE_AUTH (unconfirmed which; FLEXVPN-SUPPORTED is the likely candidate)."""

VENDOR_NAMES = {
    VID_CISCO_DELETE_REASON: "CISCO-DELETE-REASON", VID_CISCO_COPYRIGHT: "CISCO(COPYRIGHT)",
    VID_CISCO_GRE_MODE: "CISCO-GRE-MODE", VID_FRAGMENTATION: "FRAGMENTATION",
    VID_FLEXVPN_SUPPORTED: "FLEXVPN-SUPPORTED", VID_CISCO_DYNAMIC_ROUTE: "CISCO-DYNAMIC-ROUTE",
    VID_CISCO_UNITY: "Cisco-Unity",
}


def cisco_vendor_ids() -> list[VendorID]:
    return [VendorID(v) for v in CISCO_SA_INIT_VIDS]

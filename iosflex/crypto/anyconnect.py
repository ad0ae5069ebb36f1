"""AnyConnect-EAP (chapter, "User Authentication, Using AnyConnect-EAP" and "Dual-factor Authentication"): the
expanded EAP method that carries aggregate-auth XML, for both ends.

What is public and what is ours (docs/ANYCONNECT.md has the whole list):

* [public, reverse engineered: Stefan Gula's strongSwan `eap-anyconnect` plugin] the expanded EAP type (254,
  vendor 9, vendor type 0x44425250 "DBRP"), the TLV framing (type, length, value; 0 XML, 1 signature, 3 certs
  as PKCS#7), the document types hello / init / auth-request / auth-reply / complete / ack (also the chapter's
  names), the `config-auth` root with `client="vpn"` and `aggregate-auth-version="2"`, the client header
  (version, device-id, mac-address-list), the signature of the dual-factor round (an RFC 7296 RSA AUTH's data
  over the client's IKE_SA_INIT | Nr | prf(SK_pi, IDi') with IDi' of type 201 and `*$AnyConnectClient$*`,
  PKCS#1 with the hash of the negotiated PRF), no MSK (the final AUTH payloads use SK_pi / SK_pr);
* [public: openconnect's SSL aggregate-auth] the username/password form and the client's
  `<auth><username/><password/></auth>` answer, `<opaque is-for="sg">` echoed by the client;
* [ours] that the IKEv2 auth-request carries that form, the opaque's content, the complete document's
  session-id/session-token values, EAP-Failure (no retry) on wrong credentials or a bad certificate.

The router terminates the method (IkeSa._anyconnect); `AnyConnectPeer` is the test initiator's side, with the
interface of eap.EapPeer (`receive(packet) -> answer`, `state`, `msk`, `error`).

XML from the peer is parsed with the standard library's expat with no DTD at all: a document type declaration,
an entity declaration or an entity reference other than the five predefined ones, a namespace, more than
MAX_XML octets, MAX_DEPTH levels or MAX_ELEMENTS elements make it a XmlError (the session fails, nothing
else)."""

from __future__ import annotations

import struct
import xml.parsers.expat
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from . import algorithms as A
from . import eap as E

# ---- constants ----------------------------------------------------------------------------------------------

EAP_EXPANDED = 254  # RFC 3748 §5.7
CISCO_PEN = 9
ANYCONNECT_VENDOR_TYPE = 0x44425250  # "DBRP": the reverse-engineered number (one constant, see the docstring)
HEADER = bytes((EAP_EXPANDED,)) + CISCO_PEN.to_bytes(3, "big") + ANYCONNECT_VENDOR_TYPE.to_bytes(4, "big")

TLV_XML = 0
TLV_SIGNATURE = 1
TLV_CERTS = 3

VID_COPYRIGHT = b"CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc."
VID_DELETE_REASON = b"CISCO-DELETE-REASON"
VID_GRE_MODE = b"CISCO-GRE-MODE"
VID_ANYCONNECT_EAP = b"CISCO-ANYCONNECT-EAP"
VID_ANYCONNECT_STRAP = b"CISCO-ANYCONNECT-STRAP"
VID_NGE_LEVEL = b"CISCO-NGE-LEVEL"
VID_FRAGMENTATION = bytes.fromhex("4048b7d56ebce88525e7de7f00d6c2d3")
CLIENT_SA_INIT_VIDS = (VID_DELETE_REASON, VID_COPYRIGHT, VID_FRAGMENTATION, VID_GRE_MODE, VID_ANYCONNECT_STRAP,
                       VID_ANYCONNECT_EAP, VID_NGE_LEVEL)
"""What the AnyConnect-like client sends in IKE_SA_INIT (the fork's `cisco_anyconnect` list, in its order)."""

DEFAULT_IKE_ID = b"*$AnyConnectClient$*"  # AnyConnect's default key-id identity
SIGNATURE_ID_TYPE = 201  # IDi' of the dual-factor signature (the fork's private ID_DER_ASN1_GN_URI)

CLIENT_VERSION = "4.9.01095"

MAX_XML = 16384
MAX_DEPTH = 12
MAX_ELEMENTS = 256
MAX_TLVS = 8


class AnyConnectError(ValueError):
    """A malformed AnyConnect-EAP message (framing or XML); the text says what."""


class XmlError(AnyConnectError):
    pass


# ---- EAP framing --------------------------------------------------------------------------------------------

def encode(code: int, ident: int, tlvs: list[tuple[int, bytes]]) -> bytes:
    body = b"".join(struct.pack("!HH", t, len(v)) + v for t, v in tlvs)
    return struct.pack("!BBH", code, ident, 4 + len(HEADER) + len(body)) + HEADER + body


def decode(packet: bytes) -> tuple[int, int, dict[int, bytes]]:
    """(code, identifier, {tlv type: value}) of an AnyConnect-EAP Request/Response; AnyConnectError when the
    packet is not one (another EAP type, another vendor, broken TLVs, a TLV twice)."""
    try:
        pkt = E.parse(packet)
    except E.EapError as e:
        raise AnyConnectError(str(e)) from None
    if pkt.code not in (E.REQUEST, E.RESPONSE):
        raise AnyConnectError(f"EAP code {pkt.code} where a Request/Response was expected")
    if pkt.type != EAP_EXPANDED or bytes((EAP_EXPANDED,)) + pkt.data[:7] != HEADER:
        raise AnyConnectError(f"EAP type {pkt.type} is not AnyConnect-EAP")
    data = pkt.data[7:]
    tlvs: dict[int, bytes] = {}
    off = 0
    while off < len(data):
        if off + 4 > len(data):
            raise AnyConnectError("truncated TLV header")
        t, n = struct.unpack_from("!HH", data, off)
        off += 4
        if off + n > len(data):
            raise AnyConnectError(f"TLV {t} of {n} octets overruns the packet")
        if t in tlvs:
            raise AnyConnectError(f"TLV {t} twice")
        tlvs[t] = data[off:off + n]
        off += n
        if len(tlvs) > MAX_TLVS:
            raise AnyConnectError("too many TLVs")
    return pkt.code, pkt.identifier, tlvs


# ---- XML ----------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class El:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list["El"] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> "El | None":
        return next((c for c in self.children if c.tag == tag), None)

    def findtext(self, path: str) -> str | None:
        node: El | None = self
        for part in path.split("/"):
            node = node.find(part) if node is not None else None
        return node.text if node is not None else None


def parse_xml(data: bytes) -> El:
    """The document's root element, parsed without any DTD processing (see the module docstring)."""
    if len(data) > MAX_XML:
        raise XmlError(f"XML document of {len(data)} octets (limit {MAX_XML})")
    p = xml.parsers.expat.ParserCreate(encoding="UTF-8", namespace_separator="}")
    p.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[El] = []
    root: list[El] = []
    count = [0]

    def refuse(*_a):
        raise XmlError("DTD or entity declaration in the document")

    def start(tag, attrs):
        if "}" in tag or any("}" in k for k in attrs):
            raise XmlError(f"namespaced element or attribute {tag!r}")
        count[0] += 1
        if count[0] > MAX_ELEMENTS or len(stack) >= MAX_DEPTH:
            raise XmlError("XML document too large or too deep")
        el = El(tag, dict(attrs))
        if stack:
            stack[-1].children.append(el)
        else:
            root.append(el)
        stack.append(el)

    def end(_tag):
        stack.pop()

    def chars(text):
        if stack:
            stack[-1].text += text

    def default(text):
        if text.startswith("&"):  # an entity reference expat could not expand: undefined
            raise XmlError(f"undefined entity {text}")

    p.StartDoctypeDeclHandler = refuse
    p.EntityDeclHandler = refuse
    p.UnparsedEntityDeclHandler = refuse
    p.ExternalEntityRefHandler = refuse
    p.StartNamespaceDeclHandler = lambda *_a: refuse()
    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = chars
    p.DefaultHandler = default
    try:
        p.Parse(data, True)
    except xml.parsers.expat.ExpatError as e:
        raise XmlError(f"XML: {e}") from None
    except RecursionError:
        raise XmlError("XML nesting") from None
    if not root:
        raise XmlError("no root element")
    el = root[0]
    if el.tag != "config-auth" or el.attrs.get("client") != "vpn":
        raise XmlError(f"root element {el.tag!r} is not config-auth client=\"vpn\"")
    for e in _walk(el):
        e.text = e.text.strip()
    return el


def _walk(el: El):
    yield el
    for c in el.children:
        yield from _walk(c)


def doc_type(el: El) -> str:
    return el.attrs.get("type", "")


def document(kind: str, body: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<config-auth client="vpn" type={quoteattr(kind)} aggregate-auth-version="2">{body}</config-auth>'
            ).encode()


def text_el(tag: str, value: str) -> str:
    return f"<{tag}>{escape(value)}</{tag}>"


# ---- the router's documents ---------------------------------------------------------------------------------

def server_hello() -> bytes:
    return document("hello")


def server_cert_request() -> bytes:
    return document("auth-request", "<csport>443</csport><client-cert-request/>")


def server_auth_request(opaque: str, message: str = "Please enter your username and password.") -> bytes:
    """The credentials form (ours: openconnect's SSL form inside the IKEv2 auth-request)."""
    return document("auth-request",
                    f'<opaque is-for="sg">{opaque}</opaque><csport>443</csport>'
                    f'<auth id="main"><message>{escape(message)}</message><form>'
                    '<input type="text" name="username" label="Username:"/>'
                    '<input type="password" name="password" label="Password:"/></form></auth>')


def server_complete(session_id: int, token: str) -> bytes:
    return document("complete",
                    text_el("session-id", str(session_id)) + text_el("session-token", token)
                    + '<auth id="success"><message id="0" param1="" param2=""></message></auth>'
                    "<capabilities><crypto-supported>ssl-dhe</crypto-supported></capabilities>")


def opaque_for(profile: str, tunnel_group: str = "") -> str:
    return text_el("tunnel-group", tunnel_group or profile) + text_el("config-hash", "0")


def credentials(el: El) -> tuple[str, str] | None:
    """(username, password) of an auth-reply, None when it has none."""
    auth = el.find("auth")
    if auth is None:
        return None
    user, pw = auth.find("username"), auth.find("password")
    if user is None or pw is None or not user.text:
        return None
    return user.text, pw.text


def opaque_text(el: El) -> str | None:
    """The echoed `<opaque is-for="sg">` children, rendered back to text for a byte-exact comparison."""
    op = el.find("opaque")
    if op is None:
        return None
    return "".join(text_el(c.tag, c.text) for c in op.children)


# ---- the client's documents ---------------------------------------------------------------------------------

def _client_header(device_id: str) -> str:
    return (f'<version who="vpn">{CLIENT_VERSION}</version>'
            f'<device-id computer-name="iosflex" device-type="iosflex client" platform-version="1" '
            f'unique-id={quoteattr(device_id)}>linux</device-id>'
            '<mac-address-list><mac-address public-interface="true">02-00-00-00-00-01</mac-address>'
            '</mac-address-list>')


def client_init(device_id: str, group: str = "") -> bytes:
    return document("init", _client_header(device_id) + text_el("group-access", group)
                    + "<capabilities><auth-method>single-sign-on</auth-method>"
                      "<auth-method>multiple-cert</auth-method></capabilities>")


def client_auth_reply(device_id: str, opaque: str, username: str, password: str) -> bytes:
    return document("auth-reply", _client_header(device_id) + f'<opaque is-for="sg">{opaque}</opaque>'
                    + "<auth>" + text_el("username", username) + text_el("password", password) + "</auth>")


def client_ack(device_id: str) -> bytes:
    return document("ack", _client_header(device_id))


# ---- the dual-factor signature ------------------------------------------------------------------------------

def signature_octets(prf, init_req: bytes, nr: bytes, sk_pi: bytes) -> bytes:
    """The client's IKE_SA_INIT | Nr | prf(SK_pi, IDi') with IDi' = type 201, `*$AnyConnectClient$*`."""
    body = bytes((SIGNATURE_ID_TYPE, 0, 0, 0)) + DEFAULT_IKE_ID
    return init_req + nr + A.prf(prf, sk_pi, body)


def _hash_for(prf):
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415

    name = getattr(prf, "hash_name", "sha1")
    return {"sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512,
            "md5": hashes.MD5}.get(name, hashes.SHA1)()


def sign(key, prf, octets: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric import padding  # noqa: PLC0415

    return key.sign(octets, padding.PKCS1v15(), _hash_for(prf))


def verify(cert, prf, signature: bytes, octets: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: PLC0415

    pub = cert.public_key()
    if not isinstance(pub, rsa.RSAPublicKey):
        return False
    try:
        pub.verify(signature, octets, padding.PKCS1v15(), _hash_for(prf))
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def pkcs7_certs(certs) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs7  # noqa: PLC0415

    return pkcs7.serialize_certificates(list(certs), Encoding.DER)


def load_pkcs7_certs(der: bytes) -> list:
    from cryptography.hazmat.primitives.serialization import pkcs7  # noqa: PLC0415

    try:
        return pkcs7.load_der_pkcs7_certificates(der)
    except Exception as e:  # noqa: BLE001  (any malformed DER: the session fails)
        raise AnyConnectError(f"certificates TLV: {e}") from None


# ---- the client (test initiator) ----------------------------------------------------------------------------

class AnyConnectPeer:
    """The AnyConnect side of the method, with eap.EapPeer's interface.  `cert`/`key` (and `chain`): answer a
    client-cert-request (dual-factor); `signer()` gives (prf, init_req, nr, sk_pi) for the signature, set by the
    initiator once the IKE keys exist.  `error` says why it failed."""

    def __init__(self, username: str, password: str, *, cert=None, key=None, chain=(), group: str = "",
                 device_id: str = "0" * 64):
        self.username, self.password = username, password
        self.cert, self.key, self.chain = cert, key, list(chain)
        self.group, self.device_id = group, device_id
        self.state = E.RUNNING
        self.msk = None  # AnyConnect-EAP makes no MSK
        self.error = ""
        self.signer = None
        self.seen: list[str] = []  # document types received, in order
        self.session_token: str | None = None

    def _fail(self, why: str):
        self.state, self.error = E.FAILURE_STATE, why
        return None

    def receive(self, packet: bytes) -> bytes | None:
        try:
            pkt = E.parse(packet)
        except E.EapError as e:
            return self._fail(str(e))
        if pkt.code == E.SUCCESS:
            if self.seen[-1:] != ["complete"]:
                return self._fail("EAP-Success before the complete document")
            self.state = E.SUCCESS_STATE
            return None
        if pkt.code == E.FAILURE:
            return self._fail("EAP-Failure")
        try:
            _code, ident, tlvs = decode(packet)
            el = parse_xml(tlvs.get(TLV_XML, b""))
        except AnyConnectError as e:
            return self._fail(str(e))
        kind = doc_type(el)
        self.seen.append(kind)
        if el.find("error") is not None or (el.find("auth") is not None and el.find("auth").find("error")):
            return self._fail("the server sent an error")
        if kind == "hello":
            return encode(E.RESPONSE, ident, [(TLV_XML, client_init(self.device_id, self.group))])
        if kind == "auth-request" and el.find("client-cert-request") is not None:
            if self.cert is None or self.key is None or self.signer is None:
                return self._fail("certificate requested, none configured")
            prf, init_req, nr, sk_pi = self.signer()
            sig = sign(self.key, prf, signature_octets(prf, init_req, nr, sk_pi))
            return encode(E.RESPONSE, ident, [(TLV_XML, client_init(self.device_id, self.group)),
                                              (TLV_CERTS, pkcs7_certs([self.cert, *self.chain])),
                                              (TLV_SIGNATURE, sig)])
        if kind == "auth-request":
            return encode(E.RESPONSE, ident, [(TLV_XML, client_auth_reply(self.device_id, opaque_text(el) or "",
                                                                          self.username, self.password))])
        if kind == "complete":
            self.session_token = el.findtext("session-token")
            return encode(E.RESPONSE, ident, [(TLV_XML, client_ack(self.device_id))])
        return self._fail(f"unexpected document {kind!r}")

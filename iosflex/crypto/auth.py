"""IKEv2 authentication (RFC 7296 §2.15/§2.16, RFC 4754, RFC 7427) and the certificate checks a FlexVPN server
makes (chain to the trustpoint CA certificates, validity at `now`, basicConstraints, EKU, SAN / identity).

All public-key maths through `cryptography`; HMAC through `algorithms.prf`.  Sans-I/O: `now` comes in.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import ipaddress
import struct
from typing import Iterable, Sequence

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import algorithms as A
from .algorithms import (
    AUTH_DIGITAL_SIGNATURE,
    AUTH_ECDSA_256,
    AUTH_ECDSA_384,
    AUTH_ECDSA_521,
    AUTH_PSK,
    AUTH_RSA_SIG,
    HASH_SHA1,
    HASH_SHA2_256,
    HASH_SHA2_384,
    HASH_SHA2_512,
    Prf,
)
from .state import Identity


class AuthError(Exception):
    """Unusable AUTH payload / key / parameters (the engine answers AUTHENTICATION_FAILED)."""


class CertificateError(AuthError):
    """Certificate chain, validity, EKU or identity check failed. `reason` is a short text for debug lines."""


# ---------------------------------------------------------------------------------------------------------------
# Signed octets, PSK, EAP
# ---------------------------------------------------------------------------------------------------------------

KEY_PAD = b"Key Pad for IKEv2"  # 17 bytes, no NUL


def id_body(id_payload) -> bytes:
    """ID payload minus its generic header (ID Type | RESERVED | data); accepts a codec IDi/IDr, a state
    Identity, or bytes already in that form."""
    if isinstance(id_payload, (bytes, bytearray, memoryview)):
        return bytes(id_payload)
    if isinstance(id_payload, Identity):
        return bytes((id_payload.id_type, 0, 0, 0)) + id_payload.data
    return id_payload.body


def signed_octets(sa_init_message: bytes, peer_nonce: bytes, prf_alg: Prf | int, sk_p: bytes, id_payload) -> bytes:
    """InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, RestOfInitIDPayload) (and the responder's
    mirror: its IKE_SA_INIT response | Ni | prf(SK_pr, IDr body)).  `sa_init_message` is the exact
    datagram (without any non-ESP marker)."""
    return sa_init_message + peer_nonce + A.prf(prf_alg, sk_p, id_body(id_payload))


def psk_auth(prf_alg: Prf | int, psk: bytes | str, octets: bytes) -> bytes:
    """AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) (method 2)."""
    if isinstance(psk, str):
        psk = psk.encode()
    return A.prf(prf_alg, A.prf(prf_alg, psk, KEY_PAD), octets)


def verify_psk(prf_alg: Prf | int, psk: bytes | str, octets: bytes, auth_data: bytes) -> bool:
    return hmac.compare_digest(psk_auth(prf_alg, psk, octets), auth_data)


def eap_auth(prf_alg: Prf | int, msk: bytes | None, sk_p: bytes, octets: bytes) -> bytes:
    """AUTH after EAP (§2.16): the PSK formula keyed with the whole MSK, or with SK_pi/SK_pr (the side's own
    SK_p: SK_pi for the initiator's AUTH, SK_pr for the responder's) when the method gives no MSK."""
    return psk_auth(prf_alg, msk if msk else sk_p, octets)


def verify_eap_auth(prf_alg: Prf | int, msk: bytes | None, sk_p: bytes, octets: bytes, auth_data: bytes) -> bool:
    return hmac.compare_digest(eap_auth(prf_alg, msk, sk_p, octets), auth_data)


# ---------------------------------------------------------------------------------------------------------------
# Minimal DER for RFC 7427 AlgorithmIdentifiers
# ---------------------------------------------------------------------------------------------------------------


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(ln))) + ln + content


def _oid(dotted: str) -> bytes:
    parts = [int(x) for x in dotted.split(".")]
    body = bytearray((40 * parts[0] + parts[1],))
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        body += bytes(reversed(enc))
    return _der(0x06, bytes(body))


def _oid_text(content: bytes) -> str:
    first = content[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    v = 0
    for b in content[1:]:
        v = (v << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(v)
            v = 0
    return ".".join(map(str, parts))


def _tlv(b: bytes, o: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the DER element at `o`."""
    tag = b[o]
    ln = b[o + 1]
    o += 2
    if ln & 0x80:
        k = ln & 0x7F
        if k == 0 or k > 3:
            raise ValueError("DER length")
        ln = int.from_bytes(b[o:o + k], "big")
        o += k
    if o + ln > len(b):
        raise ValueError("DER truncated")
    return tag, o, o + ln


_OID_RSA_SHA1 = "1.2.840.113549.1.1.5"
_OID_RSA_SHA256 = "1.2.840.113549.1.1.11"
_OID_RSA_SHA384 = "1.2.840.113549.1.1.12"
_OID_RSA_SHA512 = "1.2.840.113549.1.1.13"
_OID_RSA_PSS = "1.2.840.113549.1.1.10"
_OID_MGF1 = "1.2.840.113549.1.1.8"
_OID_ECDSA_SHA1 = "1.2.840.10045.4.1"
_OID_ECDSA_SHA256 = "1.2.840.10045.4.3.2"
_OID_ECDSA_SHA384 = "1.2.840.10045.4.3.3"
_OID_ECDSA_SHA512 = "1.2.840.10045.4.3.4"
_OID_SHA = {HASH_SHA1: "1.3.14.3.2.26", HASH_SHA2_256: "2.16.840.1.101.3.4.2.1",
            HASH_SHA2_384: "2.16.840.1.101.3.4.2.2", HASH_SHA2_512: "2.16.840.1.101.3.4.2.3"}
_SHA_BY_OID = {v: k for k, v in _OID_SHA.items()}
_HASH_CLS = {HASH_SHA1: hashes.SHA1, HASH_SHA2_256: hashes.SHA256, HASH_SHA2_384: hashes.SHA384,
             HASH_SHA2_512: hashes.SHA512}
_HASH_LEN = {HASH_SHA1: 20, HASH_SHA2_256: 32, HASH_SHA2_384: 48, HASH_SHA2_512: 64}

_RSA_OIDS = {HASH_SHA1: _OID_RSA_SHA1, HASH_SHA2_256: _OID_RSA_SHA256, HASH_SHA2_384: _OID_RSA_SHA384,
             HASH_SHA2_512: _OID_RSA_SHA512}
_ECDSA_OIDS = {HASH_SHA1: _OID_ECDSA_SHA1, HASH_SHA2_256: _OID_ECDSA_SHA256, HASH_SHA2_384: _OID_ECDSA_SHA384,
               HASH_SHA2_512: _OID_ECDSA_SHA512}
_BY_OID = {v: ("rsa", k) for k, v in _RSA_OIDS.items()}
_BY_OID.update({v: ("ecdsa", k) for k, v in _ECDSA_OIDS.items()})


def algorithm_identifier(kind: str, hash_alg: int) -> bytes:
    """DER AlgorithmIdentifier for RFC 7427: kind "rsa" (PKCS#1 v1.5, NULL parameters), "ecdsa" (no
    parameters) or "pss" (RSASSA-PSS, MGF1 with the same hash, salt = hash length, explicit parameters)."""
    if kind == "rsa":
        return _der(0x30, _oid(_RSA_OIDS[hash_alg]) + b"\x05\x00")
    if kind == "ecdsa":
        return _der(0x30, _oid(_ECDSA_OIDS[hash_alg]))
    if kind == "pss":
        h = _der(0x30, _oid(_OID_SHA[hash_alg]) + b"\x05\x00")
        params = _der(0x30, _der(0xA0, h) + _der(0xA1, _der(0x30, _oid(_OID_MGF1) + h))
                      + _der(0xA2, _der(0x02, bytes((_HASH_LEN[hash_alg],)))))
        return _der(0x30, _oid(_OID_RSA_PSS) + params)
    raise AuthError(f"unknown signature kind {kind}")


def parse_algorithm_identifier(der: bytes) -> tuple[str, int, int | None]:
    """(kind, hash, pss salt length or None) of an RFC 7427 AlgorithmIdentifier; raises AuthError."""
    try:
        tag, s, e = _tlv(der, 0)
        if tag != 0x30 or e != len(der):
            raise ValueError("not a SEQUENCE")
        tag, os_, oe = _tlv(der, s)
        if tag != 0x06:
            raise ValueError("no OID")
        oid = _oid_text(der[os_:oe])
        if oid in _BY_OID:
            kind, h = _BY_OID[oid]
            return kind, h, None
        if oid != _OID_RSA_PSS:
            raise ValueError(f"unsupported signature algorithm {oid}")
        # RSASSA-PSS-params ::= SEQUENCE { [0] hashAlgorithm, [1] maskGenAlgorithm, [2] saltLength, [3] trailer }
        h, mgf_h, salt = HASH_SHA1, HASH_SHA1, 20
        if oe < e:
            tag, ps, pe = _tlv(der, oe)
            if tag != 0x30:
                raise ValueError("PSS params")
            o = ps
            while o < pe:
                tag, cs, ce = _tlv(der, o)
                if tag == 0xA0:
                    _, hs, _he = _tlv(der, cs)
                    _, qs, qe = _tlv(der, hs)
                    h = _SHA_BY_OID[_oid_text(der[qs:qe])]
                elif tag == 0xA1:
                    _, ms, _me = _tlv(der, cs)
                    _, qs, qe = _tlv(der, ms)
                    if _oid_text(der[qs:qe]) != _OID_MGF1:
                        raise ValueError("MGF")
                    _, hs, _he = _tlv(der, qe)
                    _, q2s, q2e = _tlv(der, hs)
                    mgf_h = _SHA_BY_OID[_oid_text(der[q2s:q2e])]
                elif tag == 0xA2:
                    _, is_, ie = _tlv(der, cs)
                    salt = int.from_bytes(der[is_:ie], "big")
                o = ce
        if mgf_h != h:
            raise ValueError("PSS with MGF1 hash != message hash")
        return "pss", h, salt
    except AuthError:
        raise
    except Exception as ex:
        raise AuthError(f"bad AlgorithmIdentifier: {ex}") from None


# ---------------------------------------------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------------------------------------------

_ECDSA_METHODS = {AUTH_ECDSA_256: ("secp256r1", HASH_SHA2_256, 32), AUTH_ECDSA_384: ("secp384r1", HASH_SHA2_384, 48),
                  AUTH_ECDSA_521: ("secp521r1", HASH_SHA2_512, 66)}
_CURVE_METHOD = {"secp256r1": AUTH_ECDSA_256, "secp384r1": AUTH_ECDSA_384, "secp521r1": AUTH_ECDSA_521}
_CURVE_HASH = {"secp256r1": HASH_SHA2_256, "secp384r1": HASH_SHA2_384, "secp521r1": HASH_SHA2_512}

SUPPORTED_SIGNATURE_HASHES = (HASH_SHA2_256, HASH_SHA2_384, HASH_SHA2_512)
"""What we announce in SIGNATURE_HASH_ALGORITHMS (SHA-1 is accepted for verification but not offered)."""


def signature_hash_algorithms_data(hash_algs: Iterable[int] = SUPPORTED_SIGNATURE_HASHES) -> bytes:
    """Notify data of SIGNATURE_HASH_ALGORITHMS (16431): 2-byte hash identifiers."""
    return b"".join(struct.pack("!H", h) for h in hash_algs)


def parse_signature_hash_algorithms(data: bytes) -> list[int]:
    return [struct.unpack_from("!H", data, i)[0] for i in range(0, len(data) - 1, 2)]


def _pub(key):
    """Public key of a certificate / private key / public key."""
    if isinstance(key, x509.Certificate):
        return key.public_key()
    if isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        return key.public_key()
    return key


def key_kind(key) -> str:
    """"RSA" or "ECDSA" (the names IOS prints as `Auth sign:` / `Auth verify:`)."""
    k = _pub(key)
    if isinstance(k, rsa.RSAPublicKey):
        return "RSA"
    if isinstance(k, ec.EllipticCurvePublicKey):
        return "ECDSA"
    raise AuthError(f"unsupported key type {type(k).__name__}")


def choose_signature(key, peer_hashes: Sequence[int] | None = None, *, prefer_pss: bool = False,
                     classic: bool | None = None) -> tuple[int, int, str]:
    """Pick (method, hash, kind) to sign with `key`.  With the peer's SIGNATURE_HASH_ALGORITHMS (RFC 7427)
    use method 14: ECDSA with its curve's hash when offered, RSA with SHA-256/384/512 (PSS if `prefer_pss`);
    without it (or `classic=True`) the classic method: 1 for RSA (SHA-1), 9/10/11 for ECDSA."""
    k = _pub(key)
    use_7427 = bool(peer_hashes) if classic is None else not classic
    if isinstance(k, ec.EllipticCurvePublicKey):
        cname = k.curve.name
        if cname not in _CURVE_METHOD:
            raise AuthError(f"unsupported curve {cname}")
        if use_7427:
            want = _CURVE_HASH[cname]
            offered = list(peer_hashes or SUPPORTED_SIGNATURE_HASHES)
            h = want if want in offered else next((x for x in SUPPORTED_SIGNATURE_HASHES if x in offered), None)
            if h is not None:
                return AUTH_DIGITAL_SIGNATURE, h, "ecdsa"
        return _CURVE_METHOD[cname], _CURVE_HASH[cname], "ecdsa"
    if isinstance(k, rsa.RSAPublicKey):
        if use_7427:
            offered = list(peer_hashes or SUPPORTED_SIGNATURE_HASHES)
            h = next((x for x in SUPPORTED_SIGNATURE_HASHES if x in offered), None)
            if h is not None:
                return AUTH_DIGITAL_SIGNATURE, h, "pss" if prefer_pss else "rsa"
        return AUTH_RSA_SIG, HASH_SHA1, "rsa"
    raise AuthError(f"unsupported key type {type(k).__name__}")


def _sign_raw(key, kind: str, h: int, octets: bytes, salt: int | None = None) -> bytes:
    hc = _HASH_CLS[h]()
    if kind == "rsa":
        return key.sign(octets, padding.PKCS1v15(), hc)
    if kind == "pss":
        return key.sign(octets, padding.PSS(padding.MGF1(hc), salt if salt is not None else _HASH_LEN[h]), hc)
    return key.sign(octets, ec.ECDSA(hc))  # DER


def sign(private_key, octets: bytes, method: int | None = None, hash_alg: int | None = None, *,
         pss: bool = False, peer_hashes: Sequence[int] | None = None) -> tuple[int, bytes]:
    """AUTH payload (method, data) signing `octets`.  Without `method`, `choose_signature(private_key,
    peer_hashes, prefer_pss=pss)` decides.  Method 14 data = len(AlgorithmIdentifier) | AlgorithmIdentifier |
    signature (ECDSA signature in DER); methods 9/10/11 data = r | s (RFC 4754); method 1 = PKCS#1 v1.5 SHA-1."""
    if method is None:
        method, hash_alg, _ = choose_signature(private_key, peer_hashes, prefer_pss=pss)
    if method == AUTH_RSA_SIG:
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise AuthError("method 1 needs an RSA key")
        return method, _sign_raw(private_key, "rsa", HASH_SHA1, octets)
    if method in _ECDSA_METHODS:
        cname, h, size = _ECDSA_METHODS[method]
        if not isinstance(private_key, ec.EllipticCurvePrivateKey) or private_key.curve.name != cname:
            raise AuthError(f"method {method} needs a {cname} key")
        r, s = decode_dss_signature(_sign_raw(private_key, "ecdsa", h, octets))
        return method, r.to_bytes(size, "big") + s.to_bytes(size, "big")
    if method == AUTH_DIGITAL_SIGNATURE:
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            kind = "ecdsa"
            hash_alg = hash_alg or _CURVE_HASH.get(private_key.curve.name, HASH_SHA2_256)
        elif isinstance(private_key, rsa.RSAPrivateKey):
            kind = "pss" if pss else "rsa"
            hash_alg = hash_alg or HASH_SHA2_256
        else:
            raise AuthError(f"unsupported key type {type(private_key).__name__}")
        ai = algorithm_identifier(kind, hash_alg)
        return method, bytes((len(ai),)) + ai + _sign_raw(private_key, kind, hash_alg, octets)
    raise AuthError(f"cannot sign with method {method}")


def verify(public_key, method: int, auth_data: bytes, octets: bytes, *,
           allowed_hashes: Iterable[int] | None = None) -> bool:
    """Check a signature AUTH (methods 1, 9, 10, 11, 14) with a certificate / public key.  Returns False on a
    bad signature, a key/method mismatch or a malformed / unsupported RFC 7427 AlgorithmIdentifier; raises
    AuthError only for an AUTH method it does not implement (report AUTHENTICATION_FAILED either way)."""
    k = _pub(public_key)
    try:
        if method == AUTH_RSA_SIG:
            if not isinstance(k, rsa.RSAPublicKey):
                return False
            k.verify(auth_data, octets, padding.PKCS1v15(), hashes.SHA1())
            return True
        if method in _ECDSA_METHODS:
            cname, h, size = _ECDSA_METHODS[method]
            if not isinstance(k, ec.EllipticCurvePublicKey) or k.curve.name != cname or len(auth_data) != 2 * size:
                return False
            sig = encode_dss_signature(int.from_bytes(auth_data[:size], "big"), int.from_bytes(auth_data[size:], "big"))
            k.verify(sig, octets, ec.ECDSA(_HASH_CLS[h]()))
            return True
        if method == AUTH_DIGITAL_SIGNATURE:
            if not auth_data:
                return False
            n = auth_data[0]
            if len(auth_data) < 1 + n:
                return False
            try:
                kind, h, salt = parse_algorithm_identifier(auth_data[1:1 + n])
            except AuthError:
                return False
            if allowed_hashes is not None and h not in set(allowed_hashes):
                return False
            sig = auth_data[1 + n:]
            hc = _HASH_CLS[h]()
            if kind == "ecdsa":
                if not isinstance(k, ec.EllipticCurvePublicKey):
                    return False
                k.verify(sig, octets, ec.ECDSA(hc))
            elif kind == "rsa":
                if not isinstance(k, rsa.RSAPublicKey):
                    return False
                k.verify(sig, octets, padding.PKCS1v15(), hc)
            else:
                if not isinstance(k, rsa.RSAPublicKey):
                    return False
                k.verify(sig, octets, padding.PSS(padding.MGF1(hc), salt), hc)
            return True
    except InvalidSignature:
        return False
    except (ValueError, TypeError, OverflowError):
        return False
    raise AuthError(f"unsupported AUTH method {method}")


def auth_method_name(method: int, key=None) -> str:
    """IOS's `Auth sign:` / `Auth verify:` word for a method (`PSK`, `RSA`, `ECDSA`)."""
    if method == AUTH_PSK:
        return "PSK"
    if method == AUTH_RSA_SIG:
        return "RSA"
    if method in _ECDSA_METHODS:
        return "ECDSA"
    if method == AUTH_DIGITAL_SIGNATURE and key is not None:
        return key_kind(key)
    return A.AUTH_METHOD_NAMES.get(method, str(method))


# ---------------------------------------------------------------------------------------------------------------
# Certificates and keys
# ---------------------------------------------------------------------------------------------------------------


def load_certificate(data: bytes | str) -> x509.Certificate:
    """One certificate, PEM or DER. Raises CertificateError."""
    if isinstance(data, str):
        data = data.encode()
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except Exception as e:
        raise CertificateError(f"cannot load certificate: {e}") from None


def load_certificates(data: bytes | str) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (or one DER certificate)."""
    if isinstance(data, str):
        data = data.encode()
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except Exception as e:
        raise CertificateError(f"cannot load certificates: {e}") from None


def load_private_key(data: bytes | str, password: bytes | str | None = None):
    """RSA / EC private key, PEM (PKCS#1, SEC1, PKCS#8, encrypted or not) or DER. Raises AuthError."""
    if isinstance(data, str):
        data = data.encode()
    if isinstance(password, str):
        password = password.encode()
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password)
        else:
            key = serialization.load_der_private_key(data, password)
    except Exception as e:
        raise AuthError(f"cannot load private key: {e}") from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise AuthError(f"unsupported key type {type(key).__name__}")
    return key


def cert_der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def cert_payload_data(cert: x509.Certificate) -> tuple[int, bytes]:
    """(encoding, data) of a CERT payload: 4 = X.509 Certificate - Signature, DER."""
    return A.CERT_X509_SIGNATURE, cert_der(cert)


def spki_sha1(cert: x509.Certificate) -> bytes:
    """SHA-1 of the certificate's DER SubjectPublicKeyInfo: one CERTREQ entry / CA key id."""
    return hashlib.sha1(cert.public_key().public_bytes(serialization.Encoding.DER,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo)).digest()


def certreq_data(ca_certs: Iterable[x509.Certificate]) -> tuple[int, bytes]:
    """(encoding 4, concatenated SHA-1 SPKI hashes) for a CERTREQ naming our trusted CAs."""
    return A.CERT_X509_SIGNATURE, b"".join(spki_sha1(c) for c in ca_certs)


def _when(now) -> _dt.datetime:
    if isinstance(now, _dt.datetime):
        return now if now.tzinfo else now.replace(tzinfo=_dt.timezone.utc)
    return _dt.datetime.fromtimestamp(float(now), _dt.timezone.utc)


def _basic_ca(cert: x509.Certificate) -> tuple[bool | None, int | None]:
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None, None
    return bc.ca, bc.path_length


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def _check_issuer_usage(ca: x509.Certificate) -> None:
    try:
        ku = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not ku.key_cert_sign:
        raise CertificateError("issuer key usage lacks keyCertSign")


def _check_time(cert: x509.Certificate, t: _dt.datetime, what: str) -> None:
    if t < cert.not_valid_before_utc:
        raise CertificateError(f"{what} certificate not yet valid")
    if t > cert.not_valid_after_utc:
        raise CertificateError(f"{what} certificate expired")


def verify_chain(cert: x509.Certificate, intermediates: Sequence[x509.Certificate],
                 ca_certs: Sequence[x509.Certificate], now, *, max_depth: int = 8) -> list[x509.Certificate]:
    """Build and check the path end-entity -> intermediates -> one of `ca_certs` (trustpoint CA certificates):
    signatures, validity at `now` (epoch seconds or datetime) for every element, basicConstraints CA=true
    (and pathLen) on every issuer (a trust anchor without the extension, i.e. X.509v1, is accepted), and
    keyCertSign when an issuer carries a keyUsage extension.
    Returns the chain [cert, ..., anchor]; raises CertificateError."""
    t = _when(now)
    _check_time(cert, t, "peer")
    chain = [cert]
    current = cert
    pool = list(intermediates)
    for depth in range(max_depth):
        for ca in ca_certs:
            if _issued_by(current, ca):
                ca_flag, _ = _basic_ca(ca)
                if ca_flag is False:
                    raise CertificateError("trustpoint certificate is not a CA")
                _check_time(ca, t, "CA")
                _check_issuer_usage(ca)
                _check_pathlen(chain + [ca])
                return chain + [ca]
        nxt = next((c for c in pool if c is not current and _issued_by(current, c)), None)
        if nxt is None:
            if any(current.issuer == ca.subject for ca in ca_certs):
                raise CertificateError("certificate signature verification failed")
            raise CertificateError("issuer not trusted")
        ca_flag, _ = _basic_ca(nxt)
        if not ca_flag:
            raise CertificateError("intermediate certificate is not a CA")
        _check_time(nxt, t, "intermediate")
        _check_issuer_usage(nxt)
        pool.remove(nxt)
        chain.append(nxt)
        current = nxt
    raise CertificateError("certificate chain too long")


def _check_pathlen(chain: list[x509.Certificate]) -> None:
    # chain[0] end entity; chain[i] for i >= 1 issuers; intermediates between issuer i and the EE = i - 1
    for i in range(1, len(chain)):
        _, plen = _basic_ca(chain[i])
        if plen is not None and i - 1 > plen:
            raise CertificateError("path length constraint exceeded")


EKU_IPSEC_IKE = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.17")
EKU_ANY = x509.ObjectIdentifier("2.5.29.37.0")
DEFAULT_IKE_EKUS = (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH, EKU_IPSEC_IKE)


def check_eku(cert: x509.Certificate, purposes: Iterable = DEFAULT_IKE_EKUS) -> bool:
    """True when the certificate has no EKU extension, anyExtendedKeyUsage, or one of `purposes`."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True
    have = set(eku)
    return EKU_ANY in have or bool(have & set(purposes))


def _san(cert: x509.Certificate):
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None


def cert_identities(cert: x509.Certificate) -> list[Identity]:
    """IDs the certificate can back: DER ASN1 DN of the subject first, then SAN FQDNs, emails, IP addresses."""
    out = [Identity(A.ID_DER_ASN1_DN, cert.subject.public_bytes())]
    san = _san(cert)
    if san is not None:
        for n in san.get_values_for_type(x509.DNSName):
            out.append(Identity(A.ID_FQDN, n.encode()))
        for n in san.get_values_for_type(x509.RFC822Name):
            out.append(Identity(A.ID_RFC822_ADDR, n.encode()))
        for ip in san.get_values_for_type(x509.IPAddress):
            out.append(Identity(A.ID_IPV4_ADDR if ip.version == 4 else A.ID_IPV6_ADDR, ip.packed))
    return out


def identity_from_cert(cert: x509.Certificate, id_type: int = A.ID_DER_ASN1_DN) -> Identity:
    """The identity of type `id_type` taken from the certificate (first SAN of that type), DN by default."""
    for ident in cert_identities(cert):
        if ident.id_type == id_type:
            return ident
    raise CertificateError(f"certificate has no identity of type {id_type}")


def identity_matches_cert(identity: Identity, cert: x509.Certificate) -> bool:
    """RFC 4945: the peer's IDi/IDr must be backed by the certificate: DN equal to the subject (DER compare,
    falling back to a canonical compare), or equal to a SAN entry of the same type (FQDN/email
    case-insensitive)."""
    t = identity.id_type
    if t == A.ID_DER_ASN1_DN:
        if identity.data == cert.subject.public_bytes():
            return True
        try:
            return x509.Name.from_rfc4514_string(dn_rfc4514(identity.data)) == cert.subject
        except Exception:
            return False
    for ident in cert_identities(cert)[1:]:
        if ident.id_type == t:
            if t in (A.ID_FQDN, A.ID_RFC822_ADDR):
                if ident.data.lower() == identity.data.lower():
                    return True
            elif ident.data == identity.data:
                return True
    return False


_IOS_ATTR = {
    NameOID.COMMON_NAME: "cn", NameOID.ORGANIZATIONAL_UNIT_NAME: "ou", NameOID.ORGANIZATION_NAME: "o",
    NameOID.LOCALITY_NAME: "l", NameOID.STATE_OR_PROVINCE_NAME: "st", NameOID.COUNTRY_NAME: "c",
    NameOID.EMAIL_ADDRESS: "e", NameOID.SERIAL_NUMBER: "serialNumber", NameOID.DOMAIN_COMPONENT: "dc",
    NameOID.TITLE: "t", NameOID.SURNAME: "sn", NameOID.GIVEN_NAME: "gn",
    x509.ObjectIdentifier("1.2.840.113549.1.9.2"): "hostname",  # unstructuredName
    x509.ObjectIdentifier("1.2.840.113549.1.9.8"): "ipaddress",  # unstructuredAddress
}


def _load_name(name) -> x509.Name:
    if isinstance(name, x509.Name):
        return name
    if isinstance(name, x509.Certificate):
        return name.subject
    # DER Name: wrap in a throw-away parse via a minimal certificate is overkill; cryptography can't parse a bare
    # Name, so walk the RDNSequence ourselves.
    return _parse_der_name(bytes(name))


def _parse_der_name(der: bytes) -> x509.Name:
    try:
        tag, s, e = _tlv(der, 0)
        if tag != 0x30:
            raise ValueError("Name is not a SEQUENCE")
        rdns = []
        o = s
        while o < e:
            tag, rs, re_ = _tlv(der, o)
            if tag != 0x31:
                raise ValueError("RDN is not a SET")
            attrs = []
            q = rs
            while q < re_:
                tag, as_, ae = _tlv(der, q)
                _, os_, oe = _tlv(der, as_)
                vtag, vs, ve = _tlv(der, oe)
                oid = x509.ObjectIdentifier(_oid_text(der[os_:oe]))
                raw = der[vs:ve]
                if vtag == 0x1E:
                    val = raw.decode("utf-16-be", "replace")
                else:
                    val = raw.decode("utf-8", "replace")
                try:
                    attrs.append(x509.NameAttribute(oid, val))
                except Exception:
                    attrs.append(x509.NameAttribute(x509.ObjectIdentifier("2.5.4.3"), val))
                q = ae
            if attrs:
                rdns.append(x509.RelativeDistinguishedName(attrs))
            o = re_
        return x509.Name(rdns)
    except Exception as ex:
        raise CertificateError(f"bad DER DN: {ex}") from None


def dn_text(name) -> str:
    """A distinguished name as IOS prints identities (`cn=R1,ou=TAC,o=Cisco`): attributes in encoded order,
    lower-case short names, no spaces.  Accepts x509.Name, a certificate, or DER bytes (ID_DER_ASN1_DN data).
    (Assumption: IOS prints the DER order; no public capture of a DN identity line is known.)"""
    try:
        n = _load_name(name)
    except CertificateError:
        return bytes(name).hex() if isinstance(name, (bytes, bytearray)) else str(name)
    parts = []
    for rdn in n.rdns:
        for a in rdn:
            key = _IOS_ATTR.get(a.oid, a.oid.dotted_string)
            parts.append(f"{key}={a.value}")
    return ",".join(parts)


def dn_rfc4514(der: bytes) -> str:
    return _load_name(der).rfc4514_string()


def dn_der(text: str) -> bytes:
    """DER of an RFC 4514 DN string (`CN=client,O=Example`), e.g. for `identity local dn` / test identities."""
    return x509.Name.from_rfc4514_string(text).public_bytes()


def identity_text(identity: Identity) -> str:
    """Identity as IOS prints it, including DNs (state.Identity.text covers the other types)."""
    if identity.id_type == A.ID_DER_ASN1_DN:
        return dn_text(identity.data)
    return identity.text


def ip_identity(addr: str) -> Identity:
    ip = ipaddress.ip_address(addr)
    return Identity(A.ID_IPV4_ADDR if ip.version == 4 else A.ID_IPV6_ADDR, ip.packed)

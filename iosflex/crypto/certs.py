"""Certificate authentication for the responder (issue 4, item 2): the glue between the running-config's PKI
(trustpoints with their CA certificate, router certificate and key pair: config/pki.py) and auth.py's
primitives.  Called from ikesa.py's certificate paths and from responder.py for the IKE_SA_INIT CERTREQ.

Rules (IOS FlexVPN server behaviour as far as it is documented; the assumptions are marked):

* Trustpoints of a profile: its `pki trustpoint TP [sign|verify]` lines (no keyword: both uses); a profile
  with none uses every trustpoint holding what the use needs (assumption: IOS's global trustpoint fallback).
* CERTREQ in the IKE_SA_INIT response: the SHA-1 of the SubjectPublicKeyInfo of every CA certificate of the
  trustpoints usable for verification by a profile that accepts `authentication remote rsa-sig|ecdsa-sig`
  (the profile is not known before IKE_AUTH, so all such profiles count); none without such a profile.
* Peer: the first CERT payload (X.509 signature, encoding 4) is the end entity, the others intermediates;
  chain to a CA certificate of the profile's verify trustpoints, validity at the calendar time given, EKU
  (serverAuth, clientAuth, ipsecIKE, any or none), IDi backed by the certificate (DN or a SAN of the ID's
  type), the key type allowed by `authentication remote rsa-sig` (RSA) / `ecdsa-sig` (ECDSA), then the AUTH
  signature (methods 1, 9/10/11, 14).
* Our side: the first sign trustpoint with a router certificate and key of the `authentication local` type,
  preferring one whose CA the peer's CERTREQ names; IDr CERT [CERT of each intermediate CA of the trustpoint's
  chain, not the root] AUTH; method 1 (RSA) or 9/10/11 (ECDSA), RFC 7427
  method 14 when the peer sent SIGNATURE_HASH_ALGORITHMS in its IKE_SA_INIT (as strongSwan does).
"""

from __future__ import annotations

import functools

from . import algorithms as A
from . import auth as AU

KIND_OF_METHOD = {"rsa-sig": "RSA", "ecdsa-sig": "ECDSA"}


class CertAuthError(Exception):
    """Certificate authentication failed; the text is the debug line."""


# ---------------------------------------------------------------------------------------------------------------
# trustpoints
# ---------------------------------------------------------------------------------------------------------------


def profile_trustpoints(cfg, profile, usage: str):
    """The profile's trustpoints for `usage` ("sign" | "verify"), in configuration order; every trustpoint when
    the profile names none."""
    tps = cfg.pki.trustpoints
    named = profile.trustpoints if profile is not None else []
    if not named:
        return list(tps.values())
    return [tps[label] for label, use in named if label in tps and use in (None, usage)]


def verify_cas(cfg, profile) -> list:
    return [ca for tp in profile_trustpoints(cfg, profile, "verify") for ca in tp.ca_certs]


@functools.lru_cache(maxsize=256)
def _ca_hash(ca) -> bytes:
    """CERTREQ entry of a CA certificate (cached: computed for every IKE_SA_INIT otherwise)."""
    return AU.spki_sha1(ca)


def certreq_payload(cfg):
    """CERTREQ for the IKE_SA_INIT response, or None when no profile takes certificates (or no CA is known).
    The hashes are those of AU.certreq_data, each computed once per CA certificate (`_ca_hash`)."""
    from . import codec as C  # noqa: PLC0415

    hashes: list[bytes] = []
    for prof in cfg.ikev2_profile.items.values():
        if not _takes_certificates(prof) or not prof.complete():
            continue
        for tp in profile_trustpoints(cfg, prof, "verify"):
            for ca in tp.ca_certs:
                h = _ca_hash(ca)
                if h not in hashes:
                    hashes.append(h)
    if not hashes:
        return None
    return C.CertReq(A.CERT_X509_SIGNATURE, b"".join(hashes))


def _takes_certificates(profile) -> bool:
    for m in profile.auth_remote:
        if m.method in KIND_OF_METHOD:
            return True
    return False


# ---------------------------------------------------------------------------------------------------------------
# the peer
# ---------------------------------------------------------------------------------------------------------------


def peer_certificates(cert_payloads) -> tuple[object | None, list]:
    """(end-entity certificate, intermediates) from the CERT payloads (X.509 signature only), or (None, [])."""
    certs = []
    for p in cert_payloads:
        if p.encoding != A.CERT_X509_SIGNATURE:
            continue
        try:
            certs.append(AU.load_certificate(p.data))
        except AU.CertificateError:
            if not certs:
                return None, []
    return (certs[0], certs[1:]) if certs else (None, [])


def signature_hash_algorithms(init_req) -> list[int] | None:
    """The SIGNATURE_HASH_ALGORITHMS the initiator announced in its IKE_SA_INIT (the parsed message; None: not
    announced).  The responder keeps them on the SA at IKE_SA_INIT for our AUTH."""
    n = init_req.notify(A.SIGNATURE_HASH_ALGORITHMS)
    return AU.parse_signature_hash_algorithms(n.data) if n is not None else None


def verify_peer(cfg, profile, remote_methods, method: int, auth_data: bytes, octets: bytes, cert_payloads,
                peer_id, now: float, log=None) -> str:
    """Check the peer's certificate and signature; returns "RSA" / "ECDSA" (`Auth verify:`) or raises
    CertAuthError.  `now` is wall-clock epoch seconds (the engine's time plus the epoch offset its driver
    gave it); `log(text)` gets debug lines."""
    log = log or (lambda _t: None)
    cert, inter = peer_certificates(cert_payloads)
    if cert is None:
        raise CertAuthError("Failed to get the peer's certificate (no CERT payload)")
    cas = verify_cas(cfg, profile)
    if not cas:
        raise CertAuthError("No trustpoint with a CA certificate to verify the peer")
    log("[IKEv2 -> PKI] Validating certificate chain")
    try:
        AU.verify_chain(cert, inter, cas, now)
    except AU.CertificateError as e:
        log("[PKI -> IKEv2] Validation of certificate chain FAILED")
        raise CertAuthError(f"Certificate validation failed: {e}") from None
    log("[PKI -> IKEv2] Validation of certificate chain PASSED")
    if not AU.check_eku(cert):
        raise CertAuthError("Peer certificate extended key usage does not allow IKE")
    if not AU.identity_matches_cert(peer_id, cert):
        raise CertAuthError(f"Peer's identity '{AU.identity_text(peer_id)}' does not match its certificate")
    try:
        kind = AU.key_kind(cert)
    except AU.AuthError as e:
        raise CertAuthError(str(e)) from None
    allowed = {KIND_OF_METHOD[m] for m in remote_methods if m in KIND_OF_METHOD}
    if kind not in allowed:
        raise CertAuthError(f"Peer's {kind} signature not allowed by the profile's remote authentication")
    try:
        ok = AU.verify(cert, method, auth_data, octets)
    except AU.AuthError as e:
        raise CertAuthError(str(e)) from None
    if not ok:
        raise CertAuthError("Verification of peer's authentication data FAILED")
    return kind


# ---------------------------------------------------------------------------------------------------------------
# our side
# ---------------------------------------------------------------------------------------------------------------


def signing_trustpoint(router, profile, local_method: str | None, peer_ca_hashes=()):
    """(trustpoint, key) we sign with, or (None, None)."""
    from ..config import pki as P  # noqa: PLC0415

    want = KIND_OF_METHOD.get(local_method or "", None)
    found = []
    for tp in profile_trustpoints(router.config, profile, "sign"):
        if tp.cert is None:
            continue
        key = P.trustpoint_key(router, tp)
        if key is None:
            continue
        try:
            kind = AU.key_kind(key)
        except AU.AuthError:
            continue
        if want is not None and kind != want:
            continue
        found.append((tp, key))
    if not found:
        return None, None
    hashes = set(peer_ca_hashes or ())
    if hashes:
        for tp, key in found:
            if any(_ca_hash(ca) in hashes for ca in tp.ca_certs):
                return tp, key
    return found[0]


def local_dn(router, profile, local_method, peer_ca_hashes=()):
    """IDr for `identity local dn`: the subject of the router certificate we sign with (None without one)."""
    from .state import Identity  # noqa: PLC0415

    tp, _ = signing_trustpoint(router, profile, local_method, peer_ca_hashes)
    if tp is None:
        return None
    return Identity(A.ID_DER_ASN1_DN, tp.cert.subject.public_bytes())


def sign_local(router, profile, local_method, octets: bytes, peer_hashes=None, peer_ca_hashes=()):
    """([CERT payloads], AUTH payload, "RSA"|"ECDSA") for our IKE_AUTH response; raises CertAuthError."""
    from . import codec as C  # noqa: PLC0415

    tp, key = signing_trustpoint(router, profile, local_method, peer_ca_hashes)
    if tp is None:
        raise CertAuthError("Failed to find a trustpoint with a certificate and key to sign with")
    try:
        method, data = AU.sign(key, octets, peer_hashes=peer_hashes or None)
    except AU.AuthError as e:
        raise CertAuthError(f"Signing failed: {e}") from None
    certs = [C.Cert(enc, der) for enc, der in _chain_payload_data(tp.cert, tuple(tp.ca_certs))]
    return certs, C.Auth(method, data), AU.key_kind(key)


@functools.lru_cache(maxsize=64)
def _chain_payload_data(cert, ca_certs: tuple) -> tuple:
    """(encoding, DER) of our CERT payloads: the certificate, then its intermediates (cached: the DER encoding
    and the chain walk's name comparisons were done again for every IKE_AUTH)."""
    return tuple(AU.cert_payload_data(c) for c in [cert] + _intermediates(cert, ca_certs))


def chain_intermediates(tp) -> list:
    """The trustpoint's CA certificates between our certificate and the root, issuer first (RFC 7296 §3.6: the
    first CERT is ours, the next ones help the peer build the path); the self-signed root is left out (the peer
    must trust it on its own).  A trustpoint holding only the root (the usual case) adds nothing."""
    return _intermediates(tp.cert, tp.ca_certs)


def _intermediates(cert, ca_certs) -> list:
    out: list = []
    current = cert
    for _ in range(8):
        issuer = next((ca for ca in ca_certs if ca.subject == current.issuer and ca not in out), None)
        if issuer is None or issuer.subject == issuer.issuer:
            break
        out.append(issuer)
        current = issuer
    return out

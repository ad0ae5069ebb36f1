"""iosflex.crypto.auth: signed octets, PSK / EAP AUTH (computed two ways), signatures for methods 1, 9-11, 14
(RFC 7427 AlgorithmIdentifiers incl. RSASSA-PSS), certificate chain / validity / basicConstraints / EKU / SAN,
identities and DN text, CERT / CERTREQ data."""

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import hmac as c_hmac
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from iosflex.crypto import algorithms as A
from iosflex.crypto import auth as U
from iosflex.crypto import codec as C
from iosflex.crypto.state import Identity

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
NOW_TS = NOW.timestamp()


# --- PSK / EAP -------------------------------------------------------------------------------------------------

def _hmac(h, key, data):
    m = c_hmac.HMAC(key, h())
    m.update(data)
    return m.finalize()


def test_psk_auth_two_ways():
    first = bytes(range(200))  # stands for the initiator's IKE_SA_INIT request bytes
    nr = b"\x5a" * 32
    sk_pi = b"\x01" * 32
    idi = C.IDi(A.ID_FQDN, b"client.example.com")
    octets = U.signed_octets(first, nr, A.PRF_HMAC_SHA2_256, sk_pi, idi)
    # independent: RFC 7296 §2.15 by hand with cryptography's HMAC
    id_body = bytes((2, 0, 0, 0)) + b"client.example.com"
    ref_octets = first + nr + _hmac(hashes.SHA256, sk_pi, id_body)
    assert octets == ref_octets
    ref = _hmac(hashes.SHA256, _hmac(hashes.SHA256, b"cisco123", b"Key Pad for IKEv2"), ref_octets)
    assert U.psk_auth(A.PRF_HMAC_SHA2_256, "cisco123", octets) == ref
    assert U.verify_psk(A.PRF_HMAC_SHA2_256, b"cisco123", octets, ref)
    assert not U.verify_psk(A.PRF_HMAC_SHA2_256, b"cisco124", octets, ref)
    assert not U.verify_psk(A.PRF_HMAC_SHA2_256, b"cisco123", octets, ref[:-1])
    assert len(U.KEY_PAD) == 17
    # the same ID given as a state Identity / raw body
    assert U.signed_octets(first, nr, 5, sk_pi, Identity(2, b"client.example.com")) == octets
    assert U.signed_octets(first, nr, 5, sk_pi, id_body) == octets


def test_eap_auth_keys():
    octets, msk, sk_p = b"octets", b"M" * 64, b"P" * 20
    assert U.eap_auth(2, msk, sk_p, octets) == _hmac(hashes.SHA1, _hmac(hashes.SHA1, msk, U.KEY_PAD), octets)
    assert U.eap_auth(2, None, sk_p, octets) == _hmac(hashes.SHA1, _hmac(hashes.SHA1, sk_p, U.KEY_PAD), octets)
    assert U.verify_eap_auth(2, msk, sk_p, octets, U.eap_auth(2, msk, sk_p, octets))


# --- keys and certificates -------------------------------------------------------------------------------------

def _name(**kw):
    order = [("cn", NameOID.COMMON_NAME), ("ou", NameOID.ORGANIZATIONAL_UNIT_NAME), ("o", NameOID.ORGANIZATION_NAME),
             ("c", NameOID.COUNTRY_NAME)]
    return x509.Name([x509.NameAttribute(oid, kw[k]) for k, oid in order if k in kw])


def _cert(subject, key, issuer_name, issuer_key, *, ca=False, pathlen=None, days=(-30, 365), san=None, eku=None,
          bc=True, hash_alg=None):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name).public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(NOW + dt.timedelta(days=days[0])).not_valid_after(NOW + dt.timedelta(days=days[1])))
    if bc:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen if ca else None), critical=True)
    if san:
        b = b.add_extension(x509.SubjectAlternativeName(san), critical=False)
    if eku:
        b = b.add_extension(x509.ExtendedKeyUsage(eku), critical=False)
    return b.sign(issuer_key, hash_alg or hashes.SHA256())


@pytest.fixture(scope="module")
def pki():
    import ipaddress
    p = {}
    p["ca_key"] = rsa.generate_private_key(65537, 2048)
    p["ca_name"] = _name(cn="IOS-CA", o="Example")
    p["ca"] = _cert(p["ca_name"], p["ca_key"], p["ca_name"], p["ca_key"], ca=True, pathlen=1)
    p["int_key"] = ec.generate_private_key(ec.SECP384R1())
    p["int_name"] = _name(cn="Sub-CA", o="Example")
    p["int"] = _cert(p["int_name"], p["int_key"], p["ca_name"], p["ca_key"], ca=True, pathlen=0)
    p["rsa_key"] = rsa.generate_private_key(65537, 2048)
    p["rsa_name"] = _name(cn="client1", ou="VPN", o="Example")
    san = [x509.DNSName("client1.example.com"), x509.RFC822Name("user@example.com"),
           x509.IPAddress(ipaddress.ip_address("10.0.0.5"))]
    p["rsa"] = _cert(p["rsa_name"], p["rsa_key"], p["ca_name"], p["ca_key"], san=san,
                     eku=[ExtendedKeyUsageOID.CLIENT_AUTH])
    p["ec_key"] = ec.generate_private_key(ec.SECP256R1())
    p["ec_name"] = _name(cn="router1.example.com", o="Example")
    p["ec"] = _cert(p["ec_name"], p["ec_key"], p["int_name"], p["int_key"],
                    san=[x509.DNSName("router1.example.com")], eku=[ExtendedKeyUsageOID.SERVER_AUTH])
    return p


def test_load_pem_der(pki):
    pem = pki["rsa"].public_bytes(serialization.Encoding.PEM)
    der = pki["rsa"].public_bytes(serialization.Encoding.DER)
    assert U.load_certificate(pem) == pki["rsa"] == U.load_certificate(der)
    assert U.load_certificate(pem.decode()) == pki["rsa"]
    bundle = pem + pki["ca"].public_bytes(serialization.Encoding.PEM)
    assert U.load_certificates(bundle) == [pki["rsa"], pki["ca"]]
    with pytest.raises(U.CertificateError):
        U.load_certificate(b"garbage")
    kpem = pki["ec_key"].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption())
    assert U.load_private_key(kpem).private_numbers() == pki["ec_key"].private_numbers()
    enc = pki["rsa_key"].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.BestAvailableEncryption(b"pw"))
    assert U.load_private_key(enc, "pw").private_numbers() == pki["rsa_key"].private_numbers()
    with pytest.raises(U.AuthError):
        U.load_private_key(enc, "wrong")


# --- signatures ------------------------------------------------------------------------------------------------

OCTETS = b"signed octets " * 20


@pytest.mark.parametrize("method,hash_alg,pss,keyname", [
    (1, None, False, "rsa_key"),
    (14, A.HASH_SHA2_256, False, "rsa_key"), (14, A.HASH_SHA2_384, False, "rsa_key"),
    (14, A.HASH_SHA2_512, False, "rsa_key"), (14, A.HASH_SHA2_256, True, "rsa_key"),
    (14, A.HASH_SHA2_512, True, "rsa_key"),
    (9, None, False, "ec_key"), (14, A.HASH_SHA2_256, False, "ec_key"), (14, A.HASH_SHA2_384, False, "ec_key"),
    (14, A.HASH_SHA2_512, False, "ec_key"),
])
def test_sign_verify(pki, method, hash_alg, pss, keyname):
    key = pki[keyname]
    cert = pki["rsa" if keyname == "rsa_key" else "ec"]
    m, data = U.sign(key, OCTETS, method, hash_alg, pss=pss)
    assert m == method
    assert U.verify(cert, m, data, OCTETS)
    assert U.verify(key.public_key(), m, data, OCTETS)
    assert not U.verify(cert, m, data, OCTETS + b"x")
    bad = bytearray(data)
    bad[-3] ^= 1
    assert not U.verify(cert, m, bytes(bad), OCTETS)
    other = pki["ec"] if keyname == "rsa_key" else pki["rsa"]
    assert not U.verify(other, m, data, OCTETS)
    if method == 9:
        assert len(data) == 64  # r | s (RFC 4754)
    if method == 14 and hash_alg:
        assert not U.verify(cert, m, data, OCTETS, allowed_hashes=[h for h in (2, 3, 4) if h != hash_alg])


@pytest.mark.parametrize("curve,method,size", [(ec.SECP256R1, 9, 32), (ec.SECP384R1, 10, 48),
                                               (ec.SECP521R1, 11, 66)])
def test_ecdsa_classic_methods(curve, method, size):
    k = ec.generate_private_key(curve())
    m, data = U.sign(k, OCTETS, method)
    assert m == method and len(data) == 2 * size
    assert U.verify(k.public_key(), method, data, OCTETS)
    # what RFC 4754 says independently: r | s over SHA-2 of the octets
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    h = {9: hashes.SHA256, 10: hashes.SHA384, 11: hashes.SHA512}[method]()
    k.public_key().verify(encode_dss_signature(int.from_bytes(data[:size], "big"), int.from_bytes(data[size:], "big")),
                          OCTETS, ec.ECDSA(h))
    wrong_method = 10 if method != 10 else 9
    assert not U.verify(k.public_key(), wrong_method, data, OCTETS)
    with pytest.raises(U.AuthError):
        U.sign(k, OCTETS, wrong_method)


def test_algorithm_identifiers_match_rfc7427():
    assert U.algorithm_identifier("rsa", A.HASH_SHA2_256).hex() == "300d06092a864886f70d01010b0500"
    assert U.algorithm_identifier("rsa", A.HASH_SHA2_384).hex() == "300d06092a864886f70d01010c0500"
    assert U.algorithm_identifier("rsa", A.HASH_SHA2_512).hex() == "300d06092a864886f70d01010d0500"
    assert U.algorithm_identifier("ecdsa", A.HASH_SHA2_256).hex() == "300a06082a8648ce3d040302"
    assert U.algorithm_identifier("ecdsa", A.HASH_SHA2_384).hex() == "300a06082a8648ce3d040303"
    assert U.algorithm_identifier("ecdsa", A.HASH_SHA2_512).hex() == "300a06082a8648ce3d040304"
    assert U.algorithm_identifier("pss", A.HASH_SHA2_256).hex() == (
        "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108"
        "300d06096086480165030402010500a203020120")
    for kind in ("rsa", "ecdsa", "pss"):
        for h in (2, 3, 4):
            k, hh, salt = U.parse_algorithm_identifier(U.algorithm_identifier(kind, h))
            assert (k, hh) == (kind, h)
            assert salt == ({2: 32, 3: 48, 4: 64}[h] if kind == "pss" else None)
    with pytest.raises(U.AuthError):
        U.parse_algorithm_identifier(b"\x30\x03\x06\x01\x00")
    with pytest.raises(U.AuthError):
        U.parse_algorithm_identifier(b"\x30\xff")


def test_verify_strongswan_style_pss_without_null_params(pki):
    """strongSwan may encode the PSS hash AlgorithmIdentifiers without NULL parameters; accept both."""
    def der(tag, c):
        return bytes((tag, len(c))) + c
    sha256 = der(0x30, bytes.fromhex("0609608648016503040201"))
    params = der(0x30, der(0xA0, sha256) + der(0xA1, der(0x30, bytes.fromhex("06092a864886f70d010108") + sha256))
                 + der(0xA2, b"\x02\x01\x20"))
    ai = der(0x30, bytes.fromhex("06092a864886f70d01010a") + params)
    sig = pki["rsa_key"].sign(OCTETS, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    assert U.verify(pki["rsa"], 14, bytes((len(ai),)) + ai + sig, OCTETS)
    # RSA PKCS#1 v1.5 / SHA-256 is strongSwan's default for RSA keys with RFC 7427
    ai = U.algorithm_identifier("rsa", 2)
    sig = pki["rsa_key"].sign(OCTETS, padding.PKCS1v15(), hashes.SHA256())
    assert U.verify(pki["rsa"], 14, bytes((len(ai),)) + ai + sig, OCTETS)
    # ECDSA with RFC 7427 carries a DER signature
    ai = U.algorithm_identifier("ecdsa", 2)
    assert U.verify(pki["ec"], 14, bytes((len(ai),)) + ai + pki["ec_key"].sign(OCTETS, ec.ECDSA(hashes.SHA256())),
                    OCTETS)


def test_choose_signature(pki):
    assert U.choose_signature(pki["rsa_key"], None) == (1, A.HASH_SHA1, "rsa")
    assert U.choose_signature(pki["rsa_key"], [2, 3, 4]) == (14, 2, "rsa")
    assert U.choose_signature(pki["rsa_key"], [4], prefer_pss=True) == (14, 4, "pss")
    assert U.choose_signature(pki["ec_key"], None) == (9, 2, "ecdsa")
    assert U.choose_signature(pki["ec_key"], [2, 3, 4]) == (14, 2, "ecdsa")
    assert U.choose_signature(pki["int_key"], [2, 3, 4]) == (14, 3, "ecdsa")
    assert U.choose_signature(pki["int_key"], None) == (10, 3, "ecdsa")
    m, data = U.sign(pki["ec_key"], OCTETS, peer_hashes=[2])
    assert m == 14 and U.verify(pki["ec"], m, data, OCTETS)
    assert U.signature_hash_algorithms_data() == b"\x00\x02\x00\x03\x00\x04"
    assert U.parse_signature_hash_algorithms(b"\x00\x02\x00\x05\x00") == [2, 5]
    assert U.auth_method_name(14, pki["ec"]) == "ECDSA" and U.auth_method_name(1) == "RSA"
    assert U.auth_method_name(2) == "PSK" and U.key_kind(pki["rsa_key"]) == "RSA"


def test_verify_garbage_never_raises(pki):
    for data in (b"", b"\x00", b"\x05abc", b"\xff" * 10, bytes(300)):
        for m in (1, 9, 10, 11, 14):
            assert U.verify(pki["rsa"], m, data, OCTETS) is False
    with pytest.raises(U.AuthError):
        U.verify(pki["rsa"], 3, b"x", OCTETS)


# --- chains ----------------------------------------------------------------------------------------------------

def test_chain_ok(pki):
    assert U.verify_chain(pki["rsa"], [], [pki["ca"]], NOW_TS) == [pki["rsa"], pki["ca"]]
    assert U.verify_chain(pki["ec"], [pki["int"]], [pki["ca"]], NOW) == [pki["ec"], pki["int"], pki["ca"]]
    # the intermediate as a trust anchor itself
    assert U.verify_chain(pki["ec"], [], [pki["int"]], NOW_TS)[-1] == pki["int"]


def test_chain_failures(pki):
    with pytest.raises(U.CertificateError, match="not trusted"):
        U.verify_chain(pki["ec"], [], [pki["ca"]], NOW_TS)  # intermediate missing
    with pytest.raises(U.CertificateError, match="expired"):
        U.verify_chain(pki["rsa"], [], [pki["ca"]], NOW_TS + 400 * 86400)
    with pytest.raises(U.CertificateError, match="not yet valid"):
        U.verify_chain(pki["rsa"], [], [pki["ca"]], NOW_TS - 40 * 86400)
    # forged: same issuer name, other key
    rogue_key = rsa.generate_private_key(65537, 2048)
    forged = _cert(_name(cn="evil"), rogue_key, pki["ca_name"], rogue_key)
    with pytest.raises(U.CertificateError, match="signature"):
        U.verify_chain(forged, [], [pki["ca"]], NOW_TS)
    # an intermediate that is not a CA
    leaf_as_issuer = _cert(_name(cn="x"), pki["ec_key"], pki["rsa_name"], pki["rsa_key"])
    with pytest.raises(U.CertificateError, match="not a CA"):
        U.verify_chain(leaf_as_issuer, [pki["rsa"]], [pki["ca"]], NOW_TS)
    # path length: CA pathlen 1 allows one intermediate; intermediate pathlen 0 forbids another below it
    k2 = ec.generate_private_key(ec.SECP256R1())
    int2 = _cert(_name(cn="Sub-Sub-CA"), k2, pki["int_name"], pki["int_key"], ca=True)
    leaf2 = _cert(_name(cn="deep"), k2, _name(cn="Sub-Sub-CA"), k2)
    with pytest.raises(U.CertificateError, match="path length"):
        U.verify_chain(leaf2, [int2, pki["int"]], [pki["ca"]], NOW_TS)


def test_eku(pki):
    assert U.check_eku(pki["rsa"]) and U.check_eku(pki["ec"]) and U.check_eku(pki["ca"])
    k = ec.generate_private_key(ec.SECP256R1())
    c = _cert(_name(cn="code"), k, pki["ca_name"], pki["ca_key"], eku=[ExtendedKeyUsageOID.CODE_SIGNING])
    assert not U.check_eku(c)
    assert U.check_eku(c, [ExtendedKeyUsageOID.CODE_SIGNING])
    c = _cert(_name(cn="ike"), k, pki["ca_name"], pki["ca_key"], eku=[U.EKU_IPSEC_IKE])
    assert U.check_eku(c) and not U.check_eku(c, [ExtendedKeyUsageOID.SERVER_AUTH])


def test_identities_and_san(pki):
    ids = U.cert_identities(pki["rsa"])
    assert ids[0] == Identity(9, pki["rsa"].subject.public_bytes())
    assert Identity(2, b"client1.example.com") in ids and Identity(3, b"user@example.com") in ids
    assert Identity(1, bytes([10, 0, 0, 5])) in ids
    assert U.identity_matches_cert(Identity(2, b"CLIENT1.example.com"), pki["rsa"])
    assert U.identity_matches_cert(Identity(3, b"user@example.com"), pki["rsa"])
    assert U.identity_matches_cert(U.ip_identity("10.0.0.5"), pki["rsa"])
    assert U.identity_matches_cert(Identity(9, U.dn_der("CN=client1,OU=VPN,O=Example")[:0] or
                                            pki["rsa_name"].public_bytes()), pki["rsa"])
    assert not U.identity_matches_cert(Identity(2, b"other.example.com"), pki["rsa"])
    assert not U.identity_matches_cert(U.ip_identity("10.0.0.6"), pki["rsa"])
    assert not U.identity_matches_cert(Identity(9, pki["ec_name"].public_bytes()), pki["rsa"])
    assert U.identity_from_cert(pki["ec"], A.ID_FQDN) == Identity(2, b"router1.example.com")
    with pytest.raises(U.CertificateError):
        U.identity_from_cert(pki["ec"], A.ID_RFC822_ADDR)


def test_dn_text(pki):
    assert U.dn_text(pki["rsa_name"]) == "cn=client1,ou=VPN,o=Example"
    assert U.dn_text(pki["rsa_name"].public_bytes()) == "cn=client1,ou=VPN,o=Example"
    assert U.dn_text(pki["rsa"]) == "cn=client1,ou=VPN,o=Example"
    assert U.identity_text(Identity(9, pki["ec_name"].public_bytes())) == "cn=router1.example.com,o=Example"
    assert U.identity_text(Identity(2, b"r1")) == "r1"
    assert U.dn_text(b"\x01\x02") == "0102"  # garbage prints as hex, never raises
    assert U.dn_rfc4514(pki["rsa_name"].public_bytes()) == pki["rsa_name"].rfc4514_string()


def test_cert_and_certreq_payloads(pki):
    enc, der = U.cert_payload_data(pki["rsa"])
    assert enc == 4 and der == pki["rsa"].public_bytes(serialization.Encoding.DER)
    enc, data = U.certreq_data([pki["ca"], pki["int"]])
    spki = pki["ca"].public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    assert enc == 4 and data[:20] == hashlib.sha1(spki).digest() and len(data) == 40
    assert C.CertReq(enc, data).hashes[1] == U.spki_sha1(pki["int"])


def test_issuer_key_usage(pki):
    k = ec.generate_private_key(ec.SECP256R1())
    name = _name(cn="NoSign-CA")
    ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(k.public_key())
          .serial_number(1).not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=9))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
          .sign(k, hashes.SHA256()))
    leaf = _cert(_name(cn="leaf"), k, name, k)
    with pytest.raises(U.CertificateError, match="keyCertSign"):
        U.verify_chain(leaf, [], [ca], NOW_TS)


@pytest.mark.parametrize("suite", [((12, 256), 5, 12, 19), ((20, 256), 7, None, 31), ((3, None), 2, 2, 14)])
def test_psk_exchange_end_to_end(suite):
    """IKE_SA_INIT + IKE_AUTH with PSK using only the three modules, as ikesa.py / client.py will."""
    import random
    (encr_id, bits), prf_id, integ_id, group = suite
    r = random.Random(5)
    rng = r.randbytes
    si, sr = rng(8), rng(8)
    ipriv, ike = A.generate(group, rng)
    ni = rng(32)
    req = C.Message(si, bytes(8), A.IKE_SA_INIT, A.FLAG_INITIATOR, 0, [
        C.SA([C.Proposal(1, 1, b"", [C.Transform.make(1, encr_id, bits), C.Transform(2, prf_id)]
                         + ([C.Transform(3, integ_id)] if integ_id else []) + [C.Transform(4, group)])]),
        C.KE(group, ike), C.Nonce(ni)])
    req_bytes = req.encode()
    # responder
    got = C.parse_message(req_bytes)
    rpriv, rke = A.generate(group, rng)
    nr = rng(32)
    resp_bytes = C.Message(si, sr, A.IKE_SA_INIT, A.FLAG_RESPONSE, 0, [got.get(C.SA), C.KE(group, rke), C.Nonce(nr),
                                                                        *C.cisco_vendor_ids()]).encode()
    e = A.get_encr(encr_id, bits)
    rkeys = A.ike_keys(prf_id, e, integ_id, got.get(C.Nonce).data, nr, si, sr,
                       A.shared(group, rpriv, got.get(C.KE).data))
    # initiator
    resp = C.parse_message(resp_bytes)
    ikeys = A.ike_keys(prf_id, e, integ_id, ni, resp.get(C.Nonce).data, si, resp.spi_r,
                       A.shared(group, ipriv, resp.get(C.KE).data))
    assert ikeys == rkeys
    integ = A.get_integ(integ_id) if integ_id else None
    i_in, i_out = C.sk_crypto(ikeys, e, integ, initiator=True)
    idi = C.IDi(A.ID_FQDN, b"client.example.com")
    auth = U.psk_auth(prf_id, b"cisco123", U.signed_octets(req_bytes, resp.get(C.Nonce).data, prf_id, ikeys.sk_pi, idi))
    wire = C.seal_sk(C.Message(si, sr, A.IKE_AUTH, A.FLAG_INITIATOR, 1, [idi, C.Auth(A.AUTH_PSK, auth)]), i_out, rng)
    # responder verifies
    r_in, r_out = C.sk_crypto(rkeys, e, integ)
    m = C.parse_message(wire)
    C.open_sk(m, r_in)
    octets = U.signed_octets(req_bytes, nr, prf_id, rkeys.sk_pi, m.get(C.IDi))
    assert U.verify_psk(prf_id, "cisco123", octets, m.get(C.Auth).data)
    assert not U.verify_psk(prf_id, "wrong", octets, m.get(C.Auth).data)
    # responder AUTH over its own IKE_SA_INIT response, checked by the initiator
    idr = C.IDr(A.ID_IPV4_ADDR, bytes([172, 16, 1, 2]))
    rauth = U.psk_auth(prf_id, "cisco123", U.signed_octets(resp_bytes, ni, prf_id, rkeys.sk_pr, idr))
    back = C.parse_message(C.seal_sk(C.Message(si, sr, A.IKE_AUTH, A.FLAG_RESPONSE, 1, [idr, C.Auth(2, rauth)]),
                                     r_out, rng))
    C.open_sk(back, i_in)
    assert U.verify_psk(prf_id, "cisco123", U.signed_octets(resp_bytes, ni, prf_id, ikeys.sk_pr, back.get(C.IDr)),
                        back.get(C.Auth).data)

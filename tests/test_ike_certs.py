"""Certificate authentication end to end (issue 4, item 2): a CA, router and client certificates made in-test,
loaded into the router with IOS's own flows (`crypto pki authenticate`, `crypto pki import ... pem terminal`)
typed at a session, then the reference initiator signing with RSA or ECDSA (method 1, 9 and RFC 7427 method 14)
against the responder on the simulated network of test_ike_engine; show output and the running-config round
trip with the certificate chain."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from iosflex.crypto import algorithms as A
from iosflex.crypto import auth as AU
from iosflex.crypto import codec as C
from iosflex.crypto import show
from iosflex.crypto.client import Initiator, parse_identity
from iosflex.router import Router
from test_ike_engine import ROUTER, Net, seeded

NOW = dt.datetime.now(dt.timezone.utc)
DAY = dt.timedelta(days=1)


def _key(kind):
    return rsa.generate_private_key(65537, 2048) if kind == "rsa" else ec.generate_private_key(ec.SECP256R1())


def _name(cn, ou=None):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "US"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test")]
    if ou:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    return x509.Name(attrs + [x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class Ca:
    def __init__(self, kind, cn):
        self.kind = kind
        self.key = _key(kind)
        self.name = _name(cn)
        self.cert = (x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name)
                     .public_key(self.key.public_key()).serial_number(1)
                     .not_valid_before(NOW - DAY).not_valid_after(NOW + 365 * DAY)
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
                     .sign(self.key, hashes.SHA256()))

    def issue(self, cn, *, kind=None, fqdn=None, ip=None, server=False, ou=None, serial=None, expired=False):
        key = _key(kind or self.kind)
        san = [x509.DNSName(fqdn or cn)]
        if ip:
            import ipaddress

            san.append(x509.IPAddress(ipaddress.ip_address(ip)))
        nb, na = (NOW - 30 * DAY, NOW - DAY) if expired else (NOW - DAY, NOW + 90 * DAY)
        cert = (x509.CertificateBuilder().subject_name(_name(cn, ou)).issuer_name(self.name)
                .public_key(key.public_key()).serial_number(serial or x509.random_serial_number())
                .not_valid_before(nb).not_valid_after(na)
                .add_extension(x509.SubjectAlternativeName(san), critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server
                                                      else ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .sign(self.key, hashes.SHA256()))
        return cert, key


def pem(obj, password=None) -> list[str]:
    if isinstance(obj, x509.Certificate):
        data = obj.public_bytes(serialization.Encoding.PEM)
    else:
        enc = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
        data = obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, enc)
    return data.decode().strip().splitlines()


@pytest.fixture(scope="module")
def pki():
    out = {}
    for kind in ("rsa", "ecdsa"):
        ca = Ca(kind, f"Test {kind.upper()} CA")
        out[kind] = {"ca": ca, "router": ca.issue("router.cert.test", ip="172.16.1.2", server=True, serial=0x1A2B),
                     "client": ca.issue("c1.cert.test"),
                     "dn_client": ca.issue("dn-client", fqdn="dn-client.example", ou="VPN"),
                     "expired": ca.issue("old.cert.test", expired=True)}
    out["other"] = Ca("rsa", "Rogue CA")
    out["rogue"] = out["other"].issue("rogue.cert.test")
    return out


CONFIG = """crypto pki trustpoint TP-RSA
 enrollment terminal pem
 revocation-check none
crypto pki trustpoint TP-ECDSA
 enrollment terminal pem
 revocation-check none
crypto pki certificate map CMAP 10
 subject-name co ou=vpn
crypto ikev2 profile RSA
 match identity remote fqdn domain cert.test
 authentication remote rsa-sig
 authentication remote ecdsa-sig
 authentication local rsa-sig
 pki trustpoint TP-RSA
 pki trustpoint TP-ECDSA verify
 aaa authorization group cert list default default
 virtual-template 1
crypto ikev2 profile ECDSA
 match identity remote fqdn domain ecdsa.test
 authentication remote ecdsa-sig
 authentication local ecdsa-sig
 pki trustpoint TP-ECDSA
 aaa authorization group cert list default default
 virtual-template 1
crypto ikev2 profile BYMAP
 match certificate CMAP
 identity local dn
 authentication remote rsa-sig
 authentication local rsa-sig
 pki trustpoint TP-RSA
 aaa authorization group cert list default default
 virtual-template 1
"""


def feed(session, lines) -> list[str]:
    out = []
    for line in lines:
        out += session.feed(line)
    return out


def import_lines(tp, ca, cert, key, password="cisco123"):
    lines = [f"crypto pki import {tp} pem terminal password {password}"]
    for block in (pem(ca), pem(key, password), pem(cert)):
        lines += block + ["quit"]
    return lines


@pytest.fixture
def router(pki, tmp_path):
    r = Router(tmp_path / "startup-config", default_if_missing=True)
    r.load_startup()
    s = r.session(privileged=True)
    assert not [x for x in feed(s, ["configure terminal"] + CONFIG.splitlines()) if x.startswith("%")]
    for kind, tp in (("rsa", "TP-RSA"), ("ecdsa", "TP-ECDSA")):
        p = pki[kind]
        out = feed(s, import_lines(tp, p["ca"].cert, *p["router"]))
        assert out[-1] == "% PEM files import succeeded.", out
    feed(s, ["end"])
    return r


def client(net, pki, kind, which="client", ca_kind=None, **kw):
    cert, key = pki[kind][which] if which in pki[kind] else pki[which]
    ident = kw.pop("identity", None) or (A.ID_FQDN, cert.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)[0].encode())
    cas = kw.pop("cas", None) or [pki[ca_kind or kind]["ca"].cert]
    ini = Initiator(("172.16.1.1", 500), ROUTER, ident, psk=None, rng=seeded(7), cert=cert, key=key, ca=cas, **kw)
    net.clients.append(ini)
    return ini


# ---------------------------------------------------------------------------------------------------------------
# the IOS flows
# ---------------------------------------------------------------------------------------------------------------


def test_import_flow_texts_and_key_file(pki, tmp_path):
    r = Router(tmp_path / "startup-config")
    s = r.session(privileged=True)
    feed(s, ["configure terminal", "crypto pki trustpoint TP", " enrollment terminal pem", "exit"])
    p = pki["rsa"]
    cert, key = p["router"]
    out = s.feed("crypto pki import TP pem terminal password cisco123")
    assert out == ["% Enter PEM-formatted CA certificate.", '% End with a blank line or "quit" on a line by itself.']
    assert s.prompt == "" and s.echo
    out = feed(s, pem(p["ca"].cert) + ["quit"])
    assert out == ["% Enter PEM-formatted encrypted general purpose key.", '% End with "quit" on a line by itself.']
    out = feed(s, pem(key, "cisco123") + ["quit"])
    assert out == ["% Enter PEM-formatted general purpose certificate.",
                   '% End with a blank line or "quit" on a line by itself.']
    out = feed(s, pem(cert) + [""])  # a blank line ends a certificate too
    assert out == ["% PEM files import succeeded."]
    assert s.prompt == "Router(config)#"
    tp = r.config.pki.trustpoints["TP"]
    assert tp.cert == cert and tp.ca_certs == [p["ca"].cert] and tp.rsakeypair == "TP"
    path = tmp_path / "pki" / "TP.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # a restarted router reads the key back from the file
    r2 = Router(tmp_path / "startup-config")
    from iosflex.config import pki as P

    assert P.der_public(P.load_key(r2, "TP")) == P.der_public(cert)


def test_import_wrong_password_fails(pki):
    r = Router(None)
    s = r.session(privileged=True)
    feed(s, ["configure terminal", "crypto pki trustpoint TP", "exit"])
    p = pki["rsa"]
    lines = import_lines("TP", p["ca"].cert, *p["router"])
    lines[0] = "crypto pki import TP pem terminal password wrong"
    out = feed(s, lines)
    assert out[-1] == "% PEM files import failed."
    assert r.config.pki.trustpoints["TP"].cert is None


def test_authenticate_flow(pki):
    r = Router(None)
    s = r.session(privileged=True)
    feed(s, ["configure terminal", "crypto pki trustpoint CA1", " enrollment terminal", "exit"])
    out = s.feed("crypto pki authenticate CA1")
    assert out == ["", "Enter the base 64 encoded CA certificate.",
                   'End with a blank line or the word "quit" on a line by itself', ""]
    ca = pki["rsa"]["ca"].cert
    out = feed(s, pem(ca) + [""])
    assert out[0] == "Certificate has the following attributes:"
    assert out[1].startswith("       Fingerprint MD5: ") and out[2].startswith("      Fingerprint SHA1: ")
    assert len(out[2].split(":", 1)[1].split()) == 5
    assert s.prompt == "% Do you accept this certificate? [yes/no]: "
    assert s.feed("yes") == ["Trustpoint CA certificate accepted.", "% Certificate successfully imported"]
    assert r.config.pki.trustpoints["CA1"].ca_certs == [ca]
    # refusing keeps nothing new; an unknown trustpoint is an error
    feed(s, ["crypto pki trustpoint CA2", "exit", "crypto pki authenticate CA2"] + pem(ca) + ["quit"])
    assert s.feed("no") == ["% Aborting Trustpoint authentication."]
    assert r.config.pki.trustpoints["CA2"].ca_certs == []
    assert s.feed("crypto pki authenticate NOPE")[0].startswith("%")
    text = "\n".join(s.feed("do show crypto pki trustpoints"))
    assert "Trustpoint CA1:\n    Subject Name: \n    cn=Test RSA CA\n    o=Test\n    c=US\n" \
           "          Serial Number (hex): 01\n    Certificate configured." in text


def test_show_crypto_pki_certificates(router, pki):
    s = router.session(privileged=True)
    out = s.feed("show crypto pki certificates TP-RSA")
    text = "\n".join(out)
    assert out[:4] == ["Certificate", "  Status: Available", "  Certificate Serial Number (hex): 1A2B",
                       "  Certificate Usage: General Purpose"]
    assert "  Subject:\n    Name: router.cert.test\n    cn=router.cert.test\n    o=Test\n    c=US" in text
    assert "CA Certificate\n  Status: Available\n  Certificate Serial Number (hex): 01\n" \
           "  Certificate Usage: Signature\n  Issuer: \n    cn=Test RSA CA" in text
    assert "  Associated Trustpoints: TP-RSA " in out
    assert any(x.startswith("    end   date: ") and x.endswith(str((NOW + 365 * DAY).year)) for x in out)


def test_running_config_round_trip_with_chain(router, pki, tmp_path):
    text = router.running_config_text()
    assert "crypto pki certificate chain TP-RSA\n certificate 1A2B\n  3082" in text
    assert "\n certificate ca 01\n" in text and "\n  \tquit\n" in text
    router.save()
    r2 = Router(tmp_path / "startup-config")
    assert r2.load_startup() == []
    assert r2.running_config_text() == text
    tp = r2.config.pki.trustpoints["TP-ECDSA"]
    assert tp.cert == pki["ecdsa"]["router"][0] and tp.ca_certs == [pki["ecdsa"]["ca"].cert]
    # the restarted router authenticates with the key kept beside the startup-config
    net = Net(r2)
    ini = net.connect(client(net, pki, "rsa"))
    assert ini.established, ini.failed


# ---------------------------------------------------------------------------------------------------------------
# IKE with certificates
# ---------------------------------------------------------------------------------------------------------------


def test_rsa_method14_both_ways_and_show(router, pki):
    net = Net(router)
    ini = net.connect(client(net, pki, "rsa", cfg_request=True))
    assert ini.established, ini.failed
    assert ini.address == "10.10.10.1"
    assert ini.peer_auth_method == A.AUTH_DIGITAL_SIGNATURE  # we announced SIGNATURE_HASH_ALGORITHMS
    assert ini.peer_cert == pki["rsa"]["router"][0]
    st = net.resp.sa_states()[0]
    assert st.profile == "RSA"
    text = "\n".join(show.ikev2_sa([st], net.clock.t, detail=True))
    assert "Auth sign: RSA, Auth verify: RSA" in text
    assert "Remote id: c1.cert.test" in text


def test_rsa_method1_classic(router, pki):
    net = Net(router)
    ini = net.connect(client(net, pki, "rsa", auth_method=A.AUTH_RSA_SIG))
    assert ini.established, ini.failed
    assert ini.peer_auth_method == A.AUTH_RSA_SIG  # no SIGNATURE_HASH_ALGORITHMS from us: classic RSA back


def test_certreq_in_sa_init(router, pki):
    net = Net(router)
    net.connect(client(net, pki, "rsa"))
    first = C.parse_message(net.from_router[0].data)
    req = [p for p in first.payloads if isinstance(p, C.CertReq)]
    assert len(req) == 1 and req[0].encoding == 4
    assert set(req[0].hashes) == {AU.spki_sha1(pki["rsa"]["ca"].cert), AU.spki_sha1(pki["ecdsa"]["ca"].cert)}


@pytest.mark.parametrize("method", [None, A.AUTH_ECDSA_256])
def test_ecdsa(router, pki, method):
    net = Net(router)
    ini = net.connect(client(net, pki, "ecdsa", auth_method=method, identity=(A.ID_FQDN, b"c1.ecdsa.test")))
    # c1.ecdsa.test is not in the certificate: refused; the one in the certificate works
    assert not ini.established and ini.failed == "AUTHENTICATION_FAILED"
    net = Net(router)
    ini = net.connect(client(net, pki, "ecdsa", auth_method=method,
                             cas=[pki["ecdsa"]["ca"].cert, pki["rsa"]["ca"].cert]))
    assert ini.established, ini.failed
    st = net.resp.sa_states()[0]
    assert st.profile == "RSA"  # c1.cert.test: the RSA profile, which also verifies ECDSA (TP-ECDSA verify)
    assert (st.auth_sign, st.auth_verify) == ("RSA", "ECDSA")
    assert ini.peer_auth_method == (A.AUTH_RSA_SIG if method else A.AUTH_DIGITAL_SIGNATURE)


def test_ecdsa_profile_signs_with_ecdsa(router, pki):
    ca = pki["ecdsa"]["ca"]
    cert, key = ca.issue("c2.ecdsa.test")
    for method, back in ((None, A.AUTH_DIGITAL_SIGNATURE), (A.AUTH_ECDSA_256, A.AUTH_ECDSA_256)):
        net = Net(router)
        ini = Initiator(("172.16.1.1", 500), ROUTER, (A.ID_FQDN, b"c2.ecdsa.test"), rng=seeded(3), cert=cert,
                        key=key, ca=[ca.cert], auth_method=method)
        net.clients.append(ini)
        net.connect(ini)
        assert ini.established, ini.failed
        assert ini.peer_auth_method == back
        st = net.resp.sa_states()[0]
        text = "\n".join(show.ikev2_sa([st], net.clock.t, detail=True))
        assert "Auth sign: ECDSA, Auth verify: ECDSA" in text


def test_client_from_another_ca_refused(router, pki):
    net = Net(router)
    ini = net.connect(client(net, pki, "rsa", which="rogue", ca_kind="rsa"))
    assert not ini.established and ini.failed == "AUTHENTICATION_FAILED"
    assert net.resp.sa_states() == []
    assert net.resp.stats.rejected_other >= 1


def test_expired_client_refused(router, pki):
    net = Net(router)
    ini = net.connect(client(net, pki, "rsa", which="expired"))
    assert not ini.established and ini.failed == "AUTHENTICATION_FAILED"


def test_debug_lines_on_failure(router, pki):
    lines = []
    from iosflex import logbus

    logbus.bus(router).attach("t", lines.append)
    router.debug.add("crypto ikev2")
    net = Net(router)
    net.connect(client(net, pki, "rsa", which="expired"))
    text = "\n".join(lines)
    assert "Validation of certificate chain FAILED" in text and "expired" in text


def test_psk_peer_on_certificate_profile_refused(router, pki):
    net = Net(router)
    ini = Initiator(("172.16.1.1", 500), ROUTER, (A.ID_FQDN, b"x.cert.test"), psk=b"pre_shared_key", rng=seeded(4))
    net.clients.append(ini)
    net.connect(ini)
    assert ini.failed == "AUTHENTICATION_FAILED"


def test_match_certificate_and_identity_local_dn(router, pki):
    """A DN identity matched by `match certificate CMAP` (subject-name co ou=vpn); `identity local dn` puts
    the router certificate's subject in IDr."""
    net = Net(router)
    cert, key = pki["rsa"]["dn_client"]
    ini = Initiator(("172.16.1.1", 500), ROUTER, parse_identity("dn:" + cert.subject.rfc4514_string()),
                    rng=seeded(5), cert=cert, key=key, ca=[pki["rsa"]["ca"].cert])
    net.clients.append(ini)
    net.connect(ini)
    assert ini.established, ini.failed
    st = net.resp.sa_states()[0]
    assert st.profile == "BYMAP"
    assert ini.idr.id_type == A.ID_DER_ASN1_DN
    assert ini.idr.data == pki["rsa"]["router"][0].subject.public_bytes()
    assert "cn=dn-client" in st.remote_id.text


def test_no_key_no_cert_auth(pki, tmp_path):
    """Trustpoint with only the CA (authenticate, no import): the responder cannot sign, refuses."""
    r = Router(None, default_if_missing=True)
    r.load_startup()
    s = r.session(privileged=True)
    feed(s, ["configure terminal"] + CONFIG.splitlines())
    feed(s, ["crypto pki authenticate TP-RSA"] + pem(pki["rsa"]["ca"].cert) + ["quit", "yes", "end"])
    net = Net(r)
    ini = net.connect(client(net, pki, "rsa"))
    assert ini.failed == "AUTHENTICATION_FAILED"


def test_client_command_line_over_udp(pki, tmp_path, capsys):
    """`iosflex client --cert --key --ca` (real UDP on loopback, unprivileged ports) against the driver."""
    import asyncio

    from iosflex.crypto import client as CL
    from iosflex.crypto import driver

    ca = pki["rsa"]["ca"]
    r = Router(tmp_path / "startup-config", default_if_missing=True)
    r.load_startup()
    s = r.session(privileged=True)
    feed(s, ["configure terminal"] + CONFIG.splitlines())
    out = feed(s, import_lines("TP-RSA", ca.cert, *ca.issue("router.cert.test", ip="127.0.0.1", server=True)))
    assert out[-1] == "% PEM files import succeeded."
    cert, key = pki["rsa"]["client"]
    (tmp_path / "c.pem").write_text("\n".join(pem(cert)) + "\n")
    (tmp_path / "c.key").write_text("\n".join(pem(key, "pw")) + "\n")
    (tmp_path / "ca.pem").write_text("\n".join(pem(ca.cert)) + "\n")

    async def go(extra):
        drv = await driver.start(r, {}, ports=(15610, 15611), host_addresses=["127.0.0.1"])
        try:
            args = CL._build_parser().parse_args(
                ["--peer", "127.0.0.1", "--port", "15610", "--natt-port", "15611", "--id", "fqdn:c1.cert.test",
                 "--cert", str(tmp_path / "c.pem"), "--key", str(tmp_path / "c.key"), "--key-password", "pw",
                 "--ca", str(tmp_path / "ca.pem"), "--timeout", "10"] + extra)
            return await CL._run(args)
        finally:
            drv.close()

    for extra in ([], ["--auth-method", "1"]):
        assert asyncio.run(go(extra)) == 0, capsys.readouterr().out
        assert "1/1 established" in capsys.readouterr().out

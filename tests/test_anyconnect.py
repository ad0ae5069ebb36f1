"""AnyConnect-EAP (chapter, "User Authentication, Using AnyConnect-EAP", "Dual-factor Authentication") on the
simulated network: the package's AnyConnect-like initiator (crypto/anyconnect.py AnyConnectPeer in
crypto/client.py) against the router, which terminates the method; credentials checked locally or by the
simulated RADIUS server; the dual-factor certificate round; hostile XML failing that session only.  The engine
runs in its test mode (`raise_errors`)."""

from __future__ import annotations

import pytest

from iosflex import logbus
from iosflex.crypto import algorithms as A
from iosflex.crypto import anyconnect as AC
from iosflex.crypto import eap as E
from iosflex.crypto.client import Initiator
from iosflex.radius import packet as P
from iosflex.router import Router
from iosflex.simnet import SimNet

from test_ike_certs import Ca, feed, import_lines

CONFIG = """
aaa new-model
aaa authentication login ac_local local
aaa authentication login ac_radius group rad
aaa group server radius rad
 server name rad1
radius server rad1
 address ipv4 172.16.1.3 auth-port 1645 acct-port 1646
 key radius_key
username alice password 0 wonderland
crypto pki trustpoint TP
 enrollment terminal pem
 revocation-check none
crypto ikev2 authorization policy ac_pol
 pool ac_pool
crypto ikev2 profile ike_profile
 match identity remote key-id *$AnyConnectClient$*
 authentication local rsa-sig
 authentication remote anyconnect-eap aggregate{cert}
 pki trustpoint TP
 aaa authentication anyconnect-eap {alist}
 aaa authorization group anyconnect-eap list default ac_pol
 virtual-template 1
{extra}
ip local pool ac_pool 10.9.0.1 10.9.0.100
"""


@pytest.fixture(scope="module")
def ca():
    ca = Ca("rsa", "AnyConnect Test CA")
    return {"ca": ca, "router": ca.issue("router.ac.test", ip="172.16.1.2", server=True, serial=0x2B3C),
            "client": ca.issue("laptop.ac.test"), "expired": ca.issue("old.ac.test", expired=True),
            "server_eku": ca.issue("srv.ac.test", server=True), "rogue": Ca("rsa", "Rogue CA").issue("rogue.test")}


def make(ca, *, cert_request=False, alist="ac_local", extra="", debug=(), seed=3):
    r = Router(None, default_if_missing=True)
    r.load_startup()
    bad = r.apply_config(CONFIG.format(cert=" cert-request" if cert_request else "", alist=alist, extra=extra))
    assert not bad, bad
    s = r.session(privileged=True)
    out = feed(s, ["configure terminal"] + import_lines("TP", ca["ca"].cert, *ca["router"]) + ["end"])
    assert "% PEM files import succeeded." in out, out
    r.debug.update(debug)
    lines: list[str] = []
    logbus.bus(r).attach("t", lines.append)
    net = SimNet(r, seed=seed)
    net.services.crypto.raise_errors = True
    return r, s, net, lines


def connect(net, name="c1", user="alice", password="wonderland", cert=None, host="172.16.1.1", **kw) -> Initiator:
    """An AnyConnect initiator (built directly: certificates are objects here, files in transcripts)."""
    tp = net.router.config.pki.trustpoints["TP"]
    peer = AC.AnyConnectPeer(user, password, cert=cert[0] if cert else None, key=cert[1] if cert else None)
    net._n += 1
    ini = Initiator((host, 500), ("172.16.1.2", 500), (A.ID_KEY_ID, AC.DEFAULT_IKE_ID), rng=__import__("random").Random(net._n).randbytes,
                    ca=list(tp.ca_certs), anyconnect=peer, **kw)
    net.peers[name] = ini
    net.deliver(ini.start(net.now))
    return ini


def test_local_credentials_session_up(ca):
    r, s, net, lines = make(ca, debug={"crypto ikev2"})
    p = connect(net)
    assert p.established and p.failed is None, p.failed
    assert p.address == "10.9.0.1"
    assert p.eap.seen == ["hello", "auth-request", "complete"]
    assert p.eap.msk is None  # no MSK: both final AUTH payloads were keyed with SK_pi / SK_pr
    assert AC.VID_ANYCONNECT_EAP in p.peer_vids and AC.VID_COPYRIGHT in p.peer_vids
    detail = "\n".join(s.feed("show crypto ikev2 sa detail"))
    assert "Auth sign: RSA, Auth verify: AnyConnect-EAP" in detail
    assert "Remote id: *$AnyConnectClient$*" in detail and "Remote EAP id: alice" in detail
    sess = "\n".join(s.feed("show crypto session detail"))
    assert "Phase1_id: eap" in sess and "Capabilities:X connid:1" in sess
    text = "\n".join(lines)
    assert "Generating EAP request" in text and "Use authen method list ac_local" in text


def test_wrong_password_fails_with_eap_failure(ca):
    r, s, net, lines = make(ca, debug={"crypto ikev2"})
    p = connect(net, password="nope")
    assert not p.established and p.failed == "EAP failure"
    assert net.responder.sas == {} or all(sa.phase == "DEAD" for sa in net.responder.sas.values())
    assert "user authentication failed" in "\n".join(lines)
    # an unknown user too; the next good client is not affected
    assert connect(net, "c2", user="mallory", host="172.16.1.5").failed == "EAP failure"
    assert connect(net, "c3", host="172.16.1.6").established


def test_radius_credentials(ca):
    r, s, net, _ = make(ca, alist="ac_radius",
                        extra=" aaa authorization user anyconnect-eap cached")
    net.directive("radius server 172.16.1.3 key=radius_key")
    net.directive("radius user bob password=builder Framed-IP-Address=10.9.0.77")
    got: list = []
    srv = net.radius[0]
    orig = srv.receive
    srv.receive = lambda d, a, b: (got.append(P.decode(d)), orig(d, a, b))[1]
    p = connect(net, user="bob", password="builder")
    assert p.established, p.failed
    req = [q for q in got if q.code == P.ACCESS_REQUEST]
    assert len(req) == 1
    assert req[0].get("User-Name") == "bob" and req[0].get("Service-Type") == 1
    assert req[0].get("User-Password") is not None  # hidden with the shared secret (RFC 2865 §5.2)
    assert p.address == "10.9.0.77"  # the Access-Accept's attributes: implicit authorization (cached)
    p2 = connect(net, "c2", user="bob", password="wrong", host="172.16.1.5")
    assert p2.failed == "EAP failure"
    net.directive("radius down 172.16.1.3")
    p3 = connect(net, "c3", user="bob", password="builder", host="172.16.1.6")
    net.advance(60)
    assert not p3.established


def test_dual_factor(ca):
    r, s, net, _ = make(ca, cert_request=True)
    p = connect(net, cert=ca["client"])
    assert p.established, p.failed
    assert p.eap.seen == ["hello", "auth-request", "auth-request", "complete"]


@pytest.mark.parametrize("which,why", [(None, "certificate requested"), ("expired", "EAP"),
                                       ("rogue", "EAP"), ("server_eku", "EAP")])
def test_dual_factor_refuses_bad_certificates(ca, which, why):
    r, s, net, lines = make(ca, cert_request=True, debug={"crypto ikev2"})
    p = connect(net, cert=ca[which] if which else None)
    assert not p.established and p.failed
    if which is None:  # the client gives up: no certificate; the router's wait ends with the EAP timeout
        net.advance(100)
    assert not any(sa.phase == "READY" for sa in net.responder.sas.values())
    assert net.responder.stats.rejected_other >= 1


@pytest.mark.parametrize("xml", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    b'<config-auth client="vpn" type="init">&b;</config-auth>',
    b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><config-auth client="vpn" type="init"/>',
    b'<config-auth client="vpn" type="init">&xxe;</config-auth>',
    b'<a:config-auth xmlns:a="urn:evil" client="vpn" type="init"/>',
    b'<config-auth xmlns="urn:evil" client="vpn" type="init"/>',
    b'<config-auth client="vpn" type="init">' + b"<x>" * 50 + b"</x>" * 50 + b"</config-auth>",
    b'<config-auth client="vpn" type="init">' + b"<x/>" * 5000 + b"</config-auth>",
    b"<config-auth client='vpn' type='init'>" + b"A" * 20000 + b"</config-auth>",
    b"not xml at all",
    b'<config-auth client="vpn" type="ack"/>',
    b"",
])
def test_hostile_xml_fails_that_session_only(ca, xml):
    r, s, net, _ = make(ca)
    good = connect(net, "good")
    assert good.established
    bad_peer = AC.AnyConnectPeer("alice", "wonderland")
    orig = bad_peer.receive

    def receive(packet):
        out = orig(packet)
        if bad_peer.seen == ["hello"] and out is not None:
            _code, ident, _t = AC.decode(out)
            return AC.encode(E.RESPONSE, ident, [(AC.TLV_XML, xml)])
        return out

    bad_peer.receive = receive
    ini = Initiator(("172.16.1.9", 500), ("172.16.1.2", 500), (A.ID_KEY_ID, AC.DEFAULT_IKE_ID),
                    rng=__import__("random").Random(9).randbytes, anyconnect=bad_peer)
    net.peers["bad"] = ini
    before = net.responder.stats.rejected_other
    net.deliver(ini.start(net.now))
    assert not ini.established and ini.failed == "AUTHENTICATION_FAILED"
    assert net.responder.stats.rejected_other == before + 1
    assert good.established and len([sa for sa in net.responder.sas.values() if sa.phase == "READY"]) == 1
    assert connect(net, "after", host="172.16.1.10").established


@pytest.mark.parametrize("packet", [
    b"\x02\x01\x00\x05\x01",  # EAP-Response/Identity: not AnyConnect-EAP
    AC.encode(E.RESPONSE, 0, []),  # no XML
    b"\x02\x01\x00\x0c\xfe\x00\x00\x09\x44\x42\x52\x51",  # another vendor type
    AC.encode(E.RESPONSE, 0, [(0, b"x")])[:-3],  # length mismatch
])
def test_malformed_eap_fails_that_session(ca, packet):
    r, s, net, _ = make(ca)
    bad_peer = AC.AnyConnectPeer("alice", "wonderland")
    bad_peer.receive = lambda _pkt: packet
    ini = Initiator(("172.16.1.9", 500), ("172.16.1.2", 500), (A.ID_KEY_ID, AC.DEFAULT_IKE_ID),
                    rng=__import__("random").Random(9).randbytes, anyconnect=bad_peer)
    net.peers["bad"] = ini
    st = net.responder.stats
    before = st.rejected_other + st.malformed
    net.deliver(ini.start(net.now))
    net.advance(100)  # a packet the codec already refuses is dropped (counted): the EAP timeout ends the SA
    assert not ini.established
    assert st.rejected_other + st.malformed > before
    assert not net.responder.sas


def test_xml_parser_rejects_entities_and_keeps_predefined():
    el = AC.parse_xml(b'<config-auth client="vpn" type="auth-reply"><auth><username>a&amp;b&lt;</username>'
                      b"<password>p</password></auth></config-auth>")
    assert AC.credentials(el) == ("a&b<", "p")
    with pytest.raises(AC.XmlError):
        AC.parse_xml(b'<!DOCTYPE d [<!ENTITY e "x">]><config-auth client="vpn" type="init">&e;</config-auth>')
    with pytest.raises(AC.XmlError):
        AC.parse_xml(b'<config-auth client="other" type="init"/>')


def test_sa_init_vendor_ids(ca):
    r, s, net, _ = make(ca)
    p = connect(net)
    assert p.established
    # the client's AnyConnect VIDs are answered with CISCO-ANYCONNECT-EAP next to CiscoCopyright
    assert AC.VID_ANYCONNECT_EAP in p.peer_vids and AC.VID_COPYRIGHT in p.peer_vids
    # a client without the AnyConnect VID gets none
    plain = Initiator(("172.16.1.8", 500), ("172.16.1.2", 500), (A.ID_FQDN, b"x.test"), psk=b"k",
                      rng=__import__("random").Random(8).randbytes)
    net.peers["plain"] = plain
    net.deliver(plain.start(net.now))
    assert AC.VID_ANYCONNECT_EAP not in plain.peer_vids

"""EAP relayed to a RADIUS EAP server (the chapter's "EAP Authentication"), on the simulated network: the package's
initiator (crypto/client.py, EAP peer of crypto/eap.py) against the router, the simulated RADIUS server running
the EAP method (radius/simserver.py).  The engine runs in its test mode (`raise_errors`).
"""

from __future__ import annotations

import pytest

from iosflex import logbus
from iosflex.crypto import eap as E
from iosflex.radius import packet as P
from iosflex.router import Router
from iosflex.simnet import SimNet

from test_ike_certs import Ca, feed, import_lines

EAP_CONFIG = """
aaa authentication login authen_list_radius group radius_group
aaa authorization network local_list local
aaa accounting network acct_list start-stop group radius_group
aaa group server radius radius_group
 server name radius_server
radius server radius_server
 address ipv4 172.16.1.3 auth-port 1645 acct-port 1646
 key radius_key
crypto pki trustpoint TP
 enrollment terminal pem
 revocation-check none
crypto ikev2 authorization policy eap_pol
 pool eap_pool
crypto ikev2 profile ikev2_profile
 match identity remote fqdn domain eap.test
 match identity remote address 172.16.1.1 255.255.255.255
 authentication local rsa-sig
 authentication remote eap query-identity
 authentication remote eap timeout 120
 pki trustpoint TP
 aaa authentication eap authen_list_radius
 aaa authorization group eap list local_list eap_pol
 aaa authorization user eap cached
 aaa accounting eap acct_list
 virtual-template 1
ip local pool eap_pool 10.9.0.1 10.9.0.100
"""


@pytest.fixture(scope="module")
def ca():
    ca = Ca("rsa", "EAP Test CA")
    return ca, ca.issue("router.eap.test", ip="172.16.1.2", server=True, serial=0x2B3C)


def make(ca, extra: str = "", debug=(), seed: int = 3):
    r = Router(None, default_if_missing=True)
    r.load_startup()
    bad = r.apply_config(EAP_CONFIG + extra)
    assert not bad, bad
    s = r.session(privileged=True)
    out = feed(s, ["configure terminal"] + import_lines("TP", ca[0].cert, *ca[1]) + ["end"])
    assert "% PEM files import succeeded." in out, out
    r.debug.update(debug)
    lines: list[str] = []
    logbus.bus(r).attach("t", lines.append)
    net = SimNet(r, seed=seed)
    net.services.crypto.raise_errors = True
    net.directive("radius server 172.16.1.3 key=radius_key")
    return r, s, net, lines


def connect(net, name="c1", eap_id="User1", password="cisco123", method="mschapv2", ident="fqdn:c1.eap.test",
            extra="", host="172.16.1.1"):
    net.directive(f"ikev2 connect {name} from={host} ca=TP id={ident} eap-id={eap_id} "
                  f"eap-password={password} eap-method={method} {extra}")
    return net.peers[name]


def capture(net) -> list:
    """The packets the simulated RADIUS server receives from now on, decoded."""
    srv = net.radius[0]
    got: list = []
    orig = srv.receive

    def receive(data, src, dst):
        got.append(P.decode(data))
        return orig(data, src, dst)

    srv.receive = receive
    return got


@pytest.mark.parametrize("method", ["mschapv2", "md5"])
def test_eap_session_up_with_query_identity(ca, method):
    r, s, net, _ = make(ca)
    net.directive(f"radius user User1 password=cisco123 eap={method}")
    p = connect(net, method=method)
    assert p.established and p.failed is None
    assert p.address == "10.9.0.1"
    # an MSK for MSCHAPv2 (the final AUTH on both sides is keyed with it), none for MD5 (SK_pi/SK_pr)
    sa = next(iter(net.responder.sas.values()))
    assert (sa.eap_msk is not None) == (method == "mschapv2")
    if method == "mschapv2":
        assert sa.eap_msk == p.eap.msk[:32]
    detail = "\n".join(s.feed("show crypto ikev2 sa detail"))
    assert "Auth sign: RSA, Auth verify: EAP" in detail
    assert "Remote EAP id: User1" in detail
    assert "Remote id: c1.eap.test" in detail
    acct = net.radius[0].accounting
    assert len(acct) == 1 and acct[0]["User-Name"] == ["User1"] and acct[0]["Acct-Status-Type"] == [1]
    assert "Username=User1" in "\n".join(s.feed("show aaa user all"))


def test_relay_attributes_state_and_message_authenticator(ca):
    r, s, net, _ = make(ca)
    net.directive("radius user User1 password=cisco123 eap=mschapv2")
    got = capture(net)
    p = connect(net)
    assert p.established
    reqs = [q for q in got if q.code == P.ACCESS_REQUEST]
    assert len(reqs) == 3  # identity, MSCHAPv2 response, success acknowledgement
    first = reqs[0]
    names = [a.type for a in first.attributes]
    # the chapter's order: Service-Type, 3 Cisco AV pairs and Calling-Station-Id, User-Name, EAP-Message,
    # Message-Authenticator, NAS-IP-Address
    assert names == [6, 26, 26, 31, 26, 1, 79, 80, 4]
    assert first.get("Service-Type") == 1
    assert first.avpairs()[:2] == ["service-type=Login", "isakmp-phase1-id=c1.eap.test"]
    assert first.get("User-Name") == "User1"
    eap = E.parse(first.eap_message())
    assert (eap.code, eap.type, eap.data) == (E.RESPONSE, E.IDENTITY, b"User1")
    assert first.state() is None
    for q in reqs[1:]:
        assert q.state() is not None  # echoed from the Access-Challenge
        assert q.message_authenticator() is not None


def test_without_query_identity_the_ike_identity_is_the_eap_identity(ca):
    r, s, net, _ = make(ca, "crypto ikev2 profile ikev2_profile\n no authentication remote eap\n"
                            " authentication remote eap timeout 60\n")
    assert not r.config.ikev2_profile.items["ikev2_profile"].remote_method("eap").query_identity
    net.directive("radius user c1.eap.test password=cisco123 eap=md5")
    got = capture(net)
    p = connect(net, eap_id="c1.eap.test", method="md5")
    assert p.established, p.failed
    first = got[0]
    assert first.get("User-Name") == "c1.eap.test"
    assert E.parse(first.eap_message()).data == b"c1.eap.test"


def test_ip_address_identity_without_query_identity_is_refused(ca):
    r, s, net, lines = make(ca, "crypto ikev2 profile ikev2_profile\n no authentication remote eap\n"
                                " authentication remote eap\n", debug={"crypto ikev2"})
    net.directive("radius user User1 password=cisco123 eap=md5")
    p = connect(net, method="md5", ident="address:172.16.1.1")
    assert not p.established and p.failed == "AUTHENTICATION_FAILED"
    assert not net.responder.sas
    assert not net.radius[0].requests  # nothing went to RADIUS
    assert any("IP address" in ln for ln in lines)


def test_windows_like_client_ip_identity_with_query_identity(ca):
    r, s, net, _ = make(ca)
    net.directive("radius user User1 password=cisco123 eap=mschapv2")
    p = connect(net, ident="address:172.16.1.1")
    assert p.established, p.failed
    assert "Remote EAP id: User1" in "\n".join(s.feed("show crypto ikev2 sa detail"))


def test_wrong_password_refused_no_accounting_nothing_left(ca):
    r, s, net, lines = make(ca, debug={"crypto ikev2"})
    net.directive("radius user User1 password=cisco123 eap=mschapv2")
    p = connect(net, password="wrong")
    assert not p.established and p.failed is not None
    assert not net.responder.sas and not net.responder.waiting
    assert not net.radius[0].accounting
    assert not r.sessions.by_id
    assert any(ln.endswith("Sending EAP status message") for ln in lines)


def test_client_that_never_answers_times_out(ca):
    r, s, net, lines = make(ca, debug={"crypto ikev2"})
    net.directive("radius user User1 password=cisco123 eap=mschapv2")
    p = connect(net, extra="eap-silent")
    assert not p.established
    assert len(net.responder.sas) == 1  # waiting for the EAP-Response/Identity
    net.directive("clock +119")
    assert len(net.responder.sas) == 1
    net.directive("clock +2")
    assert not net.responder.sas and not r.sessions.by_id
    assert any("Failed to receive the AUTH msg before the timer expired" in ln for ln in lines)


def test_client_stops_in_the_middle_times_out(ca):
    r, s, net, _ = make(ca)
    net.directive("radius user User1 password=cisco123 eap=mschapv2")
    connect(net, extra="eap-silent=1")  # answers the identity request, then nothing
    assert len(net.responder.sas) == 1
    net.directive("clock +121")
    assert not net.responder.sas


def test_radius_server_down_fails_cleanly(ca):
    r, s, net, _ = make(ca)
    net.directive("radius user User1 password=cisco123 eap=mschapv2")
    net.directive("radius down 172.16.1.3")
    p = connect(net)
    net.directive("clock +60")
    assert not p.established
    assert not net.responder.sas and not net.responder.waiting and not r.sessions.by_id


def test_radius_framed_address_and_pool_reach_the_client(ca):
    r, s, net, _ = make(ca, "ip local pool other_pool 10.77.0.1 10.77.0.10\n")
    net.directive("radius user User1 password=cisco123 eap=mschapv2 Framed-IP-Address=10.9.0.50")
    net.directive("radius user User2 password=cisco123 eap=mschapv2 Framed-Pool=other_pool")
    p1 = connect(net, "c1")
    p2 = connect(net, "c2", eap_id="User2", ident="fqdn:c2.eap.test", host="172.16.1.5")
    assert p1.established and p1.address == "10.9.0.50"
    assert p2.established and p2.address == "10.77.0.1"


def test_retransmission_while_radius_is_slow_is_absorbed(ca):
    r, s, net, _ = make(ca)
    net.directive("radius user User1 password=cisco123 eap=mschapv2")
    net.directive("radius down 172.16.1.3")
    p = connect(net)
    before = net.responder.stats.absorbed
    net.directive("clock +2")  # the client retransmits its EAP-Response; the router waits for RADIUS
    assert net.responder.stats.absorbed > before
    net.directive("radius up 172.16.1.3")
    net.directive("clock +30")
    assert p.established, p.failed


@pytest.mark.parametrize("junk,dropped", [
    (b"\x02\x07\x00\x40\x1aab", True),  # Length overruns the payload: the IKE codec drops the message
    (b"\x09\x07\x00\x05\x1a", False),  # a well-framed packet with an unknown EAP code: refused
])
def test_malformed_eap_from_client_fails_only_that_session(ca, monkeypatch, junk, dropped):
    r, s, net, _ = make(ca)
    net.directive("radius user User1 password=cisco123 eap=mschapv2")
    good = connect(net, "good")
    assert good.established
    orig = E.EapPeer.receive

    def receive(self, data):  # the identity, then junk
        return orig(self, data) if E.parse(data).type == E.IDENTITY else junk

    monkeypatch.setattr(E.EapPeer, "receive", receive)
    malformed = net.responder.stats.malformed
    bad = connect(net, "bad", ident="fqdn:c2.eap.test", host="172.16.1.5")
    assert not bad.established
    if dropped:
        assert net.responder.stats.malformed > malformed and bad.failed is None
        net.directive("clock +121")  # nothing answers it: the EAP timeout ends it
    else:
        assert bad.failed == "AUTHENTICATION_FAILED"
    assert len(net.responder.sas) == 1 and good.established
    assert len(r.sessions.by_id) == 1

"""Sessions and AAA over RADIUS on the simulated network (iosflex/simnet.py): the IKE_AUTH that waits, AAA-based
pre-shared keys, authorization from RADIUS, accounting, and hostile RADIUS replies.  The engine runs in its
test mode (`raise_errors`): an internal error fails the test instead of being counted as a malformed packet.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iosflex import logbus
from iosflex.events import Datagram
from iosflex.router import Router
from iosflex.simnet import SimNet

AAA_PSK = """
crypto ikev2 profile default
 no authentication local pre-share
 no authentication remote pre-share
 no aaa authorization group psk list default default
 authentication local pre-share
 authentication remote pre-share
 keyring aaa aaa_list1 name-mangler name_mangler1
"""


def make(extra: str = AAA_PSK, seed: int = 3, debug=()):
    r = Router(None, default_if_missing=True)
    r.load_startup()
    bad = r.apply_config(extra)
    assert not bad, bad
    r.debug.update(debug)
    lines: list[str] = []
    logbus.bus(r).attach("t", lines.append)
    net = SimNet(r, seed=seed)
    net.services.crypto.raise_errors = True
    net.directive("radius server 172.16.1.3 key=radius_key")
    return r, net, lines


def connect(net, name="router1", frm="172.16.1.1", **opts):
    words = " ".join(f"{k}={v}" for k, v in opts.items())
    net.directive(f"ikev2 connect {name} from={frm} psk=pre_shared_key id=fqdn:router1.domain1 {words}")
    return net.peers[name]


def server(net):
    return net.radius[0]


def test_aaa_psk_lookup_request_and_session_up():
    r, net, _ = make()
    net.directive("radius user router1 password=cisco Tunnel-Password=pre_shared_key")
    ini = connect(net)
    assert ini.established and ini.failed is None
    req = server(net).requests[0]
    assert req["User-Name"] == ["router1"]  # the name-mangler's output
    assert req["Calling-Station-Id"] == ["172.16.1.1"] and req["NAS-IP-Address"] == ["172.16.1.2"]
    assert req["Service-Type"] in (["Outbound"], [5])
    s = r.sessions.active()[0]
    assert f"audit-session-id={s.audit_session_id}" in req["Cisco-AVPair"]
    assert s.audit_session_id == "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO1"


def test_keyring_password_option_and_asymmetric_keys():
    r, net, _ = make(AAA_PSK + " keyring aaa aaa_list1 name-mangler name_mangler1 password s3cret\n")
    net.directive("radius user router1 password=s3cret Cisco-AVPair=ipsec:ikev2-password-local=router-key "
                  "Cisco-AVPair=ipsec:ikev2-password-remote=peer-key")
    # the peer signs with the router's remote key and checks the router's AUTH with the router's local key
    ini = connect(net, psk="peer-key", **{"psk-verify": "router-key"})
    assert ini.established, ini.failed
    r2, net2, _ = make(AAA_PSK + " keyring aaa aaa_list1 name-mangler name_mangler1 password s3cret\n")
    net2.directive("radius user router1 password=s3cret Cisco-AVPair=ipsec:ikev2-password-local=router-key "
                   "Cisco-AVPair=ipsec:ikev2-password-remote=peer-key")
    wrong = connect(net2, psk="router-key", **{"psk-verify": "peer-key"})
    assert not wrong.established


@pytest.mark.parametrize("reply", ["", "Cisco-AVPair=ipsec:route-accept=any"])
def test_reject_or_no_key_fails_the_session(reply):
    r, net, lines = make(debug={"crypto ikev2"})
    if reply:  # accepted, but no key in the reply
        net.directive(f"radius user router1 password=cisco {reply}")
    ini = connect(net)
    assert not ini.established and ini.failed
    assert net.services.crypto.sa_states() == [] and r.sessions.by_id == {}
    assert net.services.crypto.waiting == {}
    assert any("Failed to get the pre-shared key from AAA" in ln for ln in lines), lines[-10:]


def test_retransmissions_absorbed_while_waiting_then_answered_from_the_cache():
    r, net, _ = make()
    net.directive("radius user router1 password=cisco Tunnel-Password=pre_shared_key")
    net.directive("radius down 172.16.1.3")
    ini = connect(net)
    assert not ini.established and net.services.crypto.waiting  # parked, waiting for RADIUS
    net.advance(3)  # the initiator retransmits (absorbed), RADIUS retransmits
    absorbed = net.services.crypto.stats.absorbed
    assert absorbed >= 1
    net.directive("radius up 172.16.1.3")
    net.advance(10)
    assert ini.established
    assert len(server(net).requests) == 1  # the IKE retransmissions did not start new lookups
    assert net.services.crypto.stats.malformed == 0


def test_no_radius_answer_ends_the_negotiation_within_timeout_times_retransmit():
    r, net, _ = make()
    net.directive("radius down 172.16.1.3")
    ini = connect(net)
    net.advance(25)  # 5 s x (1 + 3 retransmissions) = 20 s, then the answer is "no server answered"
    assert not ini.established
    assert net.services.crypto.sa_states() == [] and net.services.crypto.waiting == {}
    assert r.sessions.by_id == {}


def test_late_answer_for_a_cleared_sa_is_dropped():
    r, net, _ = make()
    net.directive("radius user router1 password=cisco Tunnel-Password=pre_shared_key")
    net.directive("radius down 172.16.1.3")
    connect(net)
    net.services.clear_crypto()
    assert net.services.crypto.waiting == {}
    net.directive("radius up 172.16.1.3")
    net.advance(10)  # the RADIUS retransmission is answered now: nobody is waiting for it any more
    assert net.services.crypto.sa_states() == [] and r.sessions.by_id == {}


def test_wrong_radius_key_replies_dropped_counted_and_only_that_session_fails():
    r, net, _ = make(AAA_PSK + "crypto ikev2 profile local\n match identity remote fqdn other.domain1\n"
                     " authentication local pre-share key k2\n authentication remote pre-share key k2\n")
    net.radius[0].secret = b"not_the_key"
    net.directive("radius user router1 password=cisco Tunnel-Password=pre_shared_key")
    ini = connect(net)
    net.directive("ikev2 connect other from=172.16.1.4 psk=k2 id=fqdn:other.domain1")
    assert net.peers["other"].established  # a local-key client is not held up
    net.advance(25)
    assert not ini.established
    assert net.services.radius.stats["bad_authenticator"] >= 1


def test_implicit_authorization_only_with_cached():
    cfg = AAA_PSK + " aaa authorization group psk list default default\n"
    user = "radius user router1 password=cisco Tunnel-Password=pre_shared_key Framed-Pool=other"
    for cached, expect_pool in ((False, "flexvpn_pool"), (True, "other")):
        extra = cfg + (" aaa authorization user psk cached\n" if cached else "")
        r, net, _ = make(extra + "ip local pool other 10.20.0.1 10.20.0.9\n")
        net.directive(user)
        ini = connect(net)
        assert ini.established
        s = r.sessions.active()[0]
        assert s.authorization.pool == expect_pool, (cached, s.authorization.pool)


def test_group_and_user_authorization_from_radius_merge_in_the_chapter_order():
    extra = """
crypto ikev2 profile default
 aaa authorization group psk list aaa_list1 grp1
 aaa authorization user psk list aaa_list1 name-mangler name_mangler1
ip local pool userpool 10.30.0.1 10.30.0.9
"""
    r, net, _ = make(extra)
    net.directive("radius user grp1 password=cisco Framed-Pool=flexvpn_pool "
                  "Cisco-AVPair=ipsec:dns-servers=10.0.0.53")
    net.directive("radius user router1 password=cisco Framed-Pool=userpool")
    ini = connect(net, psk="pre_shared_key")
    assert ini.established, ini.failed
    assert ini.address == "10.30.0.1"  # user wins over group
    s = r.sessions.active()[0]
    assert s.authorization.dns == ["10.0.0.53"] and s.username == "router1"
    assert [q["User-Name"][0] for q in server(net).requests] == ["grp1", "router1"]


def test_accounting_start_interim_stop_records():
    r, net, _ = make("aaa accounting update periodic 1\n")
    ini = connect(net)
    assert ini.established
    net.advance(65)
    net.directive("ikev2 delete router1")
    kinds = [rec["Acct-Status-Type"][0] for rec in server(net).accounting]
    assert kinds[0] in ("Start", 1) and kinds[-1] in ("Stop", 2) and len(kinds) >= 3, kinds
    start, stop = server(net).accounting[0], server(net).accounting[-1]
    assert start["User-Name"] == ["router1.domain1"] and start["Acct-Session-Id"] == stop["Acct-Session-Id"]
    assert "isakmp-initator-ip=172.16.1.1" in stop["Cisco-AVPair"]
    assert stop["Acct-Session-Time"][0] >= 65


def test_show_aaa_user_all_method_list_address_is_the_lists_own():
    """The chapter prints Method List=8655B740 for acc_list whatever the session (Unique Id D8, FB, 103), and
    its attribute lists at 86D5EEF8 and 86D5F338: the list's address does not follow the session."""
    r, net, _ = make("")
    connect(net, "a", "172.16.1.1")
    net.directive("ikev2 connect b from=172.16.1.5 psk=pre_shared_key id=fqdn:router5.domain1")
    out = r.session(privileged=True, length=0).run("show aaa user all")
    assert [ln for ln in out if "Method List" in ln] == ["    Method List=8655B740 : Name = acc_list"] * 2
    assert [ln.split()[0] for ln in out if "formatted-clid" in ln] == ["86D5EEF8", "86D5F338"]


def test_initial_contact_removes_the_old_session_only_after_authorization():
    """The same peer (address and identity) comes back with INITIAL_CONTACT, as after a reboot: its older
    session goes once the new one is authorized, and stays when the new one fails authorization."""
    for fails in (False, True):
        r, net, _ = make("")
        first = connect(net, name="a")
        assert first.established and len(r.sessions.active()) == 1
        old_id = r.sessions.active()[0].session_id
        net.peers.pop("a")  # the peer rebooted: its address now belongs to the new initiator
        if fails:
            r.apply_config("crypto ikev2 profile default\n aaa authorization group psk list missing_list default\n")
        second = connect(net, name="b")
        assert second.established is (not fails), second.failed
        ids = [s.session_id for s in r.sessions.active()]
        assert ids == ([old_id] if fails else [old_id + 1]), ids


def test_dead_criteria_and_deadtime_skip_a_silent_server():
    """`radius-server dead-criteria time 10 tries 8`: one exhausted request (4 transmissions) does not make the
    server dead yet, the second does; with `deadtime` it is then skipped (the next lookup goes straight to the
    second server) until the deadtime is over."""
    extra = AAA_PSK + """
radius-server dead-criteria time 10 tries 8
radius server second
 address ipv4 172.16.1.6 auth-port 1645 acct-port 1646
 key radius_key
aaa group server radius radius_group1
 server name second
 deadtime 1
"""
    r, net, lines = make(extra)
    net.directive("radius server 172.16.1.6 key=radius_key")
    net.directive("radius user router1 password=cisco Tunnel-Password=pre_shared_key")
    net.directive("radius down 172.16.1.3")
    first = connect(net, name="a")
    net.advance(25)  # 172.16.1.3 times out (20 s), fail-over to .6: up
    assert first.established
    assert not any("RADIUS_DEAD" in ln for ln in lines)  # 4 unanswered < 8 tries: not dead yet
    net.directive("ikev2 delete a")
    second = connect(net, name="b", frm="172.16.1.4")  # the simulated network routes by the peer's address
    net.advance(25)
    assert second.established
    assert any("RADIUS_DEAD: RADIUS server 172.16.1.3:1645,1646" in ln for ln in lines)
    net.directive("ikev2 delete b")
    before = len(net.radius[1].requests)
    third = connect(net, name="c", frm="172.16.1.5")
    assert third.established  # no waiting: the dead server is skipped
    assert len(net.radius[1].requests) == before + 1


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_hostile_radius_replies_are_dropped_and_the_genuine_one_still_counts(data):
    """Mutated, truncated, misaddressed copies of the server's reply reach the router's RADIUS port while an
    IKE_AUTH waits: none takes the router down (raise_errors is on), none is taken for the answer, and the
    genuine reply afterwards completes the session."""
    r, net, _ = make()
    net.directive("radius user router1 password=cisco Tunnel-Password=pre_shared_key")
    srv = server(net)
    held = []
    answer = srv.receive
    srv.receive = lambda d, src, dst: held.extend(answer(d, src, dst)) or []
    ini = connect(net)
    assert not ini.established and len(held) == 1
    genuine = held[0]
    for _ in range(data.draw(st.integers(1, 8))):
        raw = bytearray(genuine.data)
        how = data.draw(st.sampled_from(["flip", "truncate", "extend", "port", "address", "random"]))
        src = genuine.src
        if how == "flip":
            for _ in range(data.draw(st.integers(1, 4))):
                raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
        elif how == "truncate":
            raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
        elif how == "extend":  # bytes past the Length field are padding (RFC 2865 §3): grow the length too
            raw += data.draw(st.binary(min_size=1, max_size=40))
            raw[2:4] = len(raw).to_bytes(2, "big")
        elif how == "port":
            src = (src[0], 1812)
        elif how == "address":
            src = ("172.16.1.9", src[1])
        else:
            raw = bytearray(data.draw(st.binary(max_size=200)))
        if bytes(raw) == genuine.data and src == genuine.src:
            continue
        net.deliver([Datagram(bytes(raw), src, genuine.dst)])
        assert not ini.established
    net.deliver([genuine])
    assert ini.established
    assert net.services.crypto.stats.malformed == 0

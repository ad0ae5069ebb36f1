"""Sessions and AAA over RADIUS with the real peers (issue 8, item 9): a stock strongSwan client connects to
iosflex, which asks a stock FreeRADIUS for the client's pre-shared key (`keyring aaa` with a name-mangler),
for group authorization (Framed-Pool, DNS, route-set) and sends accounting Start/Stop.

Namespaces made by the test (tests/interop/netns.py): client 172.16.1.1, router 172.16.1.2, RADIUS host
172.16.1.3 (a second server on 172.16.1.6 for fail-over), no default route, removed afterwards.  A missing peer
program fails the test, never skips it.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop import strongswan as S  # noqa: E402
from interop.freeradius import FreeRadius, require_freeradius, user_entry  # noqa: E402
from interop.netns import Lab  # noqa: E402
from interop.router import IosflexRouter, ios_startup_config  # noqa: E402

SECRET = "radius_key"
AAA_PSK = "aaa-psk-key-1"
C_SYM = "c1.aaa.flex.lab"  # the name-mangler (fqdn hostname) makes it "c1"
C_BOTH_DOWN = "c9.aaa.flex.lab"
C_USER = "c2.user.flex.lab"  # user authorization: the name-mangler makes it "c2"

AAA_CONFIG = f"""
aaa group server radius RG
 server name R1
 server name R2
 deadtime 1
!
aaa authorization network aaa_psk group RG
aaa authorization network aaa_author group RG
aaa accounting network acc_list start-stop group RG
!
radius server R1
 address ipv4 172.16.1.3 auth-port 1645 acct-port 1646
 key {SECRET}
 timeout 1
 retransmit 1
!
radius server R2
 address ipv4 172.16.1.6 auth-port 1645 acct-port 1646
 key {SECRET}
 timeout 2
 retransmit 1
!
crypto ikev2 name-mangler MANGLE
 fqdn hostname
!
crypto ikev2 profile AAAPSK
 match identity remote fqdn domain aaa.flex.lab
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share
 authentication local pre-share
 keyring aaa aaa_psk name-mangler MANGLE
 aaa authorization group psk list aaa_author aaagroup
 aaa authorization user psk cached
 aaa accounting psk acc_list
 virtual-template 1
!
crypto ikev2 profile AAAUSER
 match identity remote fqdn domain user.flex.lab
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share key {S.PSK}
 authentication local pre-share key {S.PSK}
 aaa authorization user psk list aaa_author name-mangler MANGLE
 virtual-template 1
!
ip local pool userpool 10.20.0.1 10.20.0.254
!
"""

USERS = (user_entry("c1", tunnel_password=AAA_PSK, avpairs=["ipsec:route-set=interface"])
         + user_entry("aaagroup", framed_pool="flexpool",
                      avpairs=["ipsec:dns-servers=10.0.0.53", "ipsec:route-set=prefix 10.99.0.0/16"])
         + user_entry("c2", framed_pool="userpool", avpairs=["ipsec:route-set=prefix 10.98.0.0/16"]))


def startup() -> str:
    return ios_startup_config().replace("\nend\n", AAA_CONFIG + "end\n")


@pytest.fixture(scope="module")
def lab():
    S.require_strongswan()
    require_freeradius()
    with Lab(clients=1, radius=True) as lab:
        yield lab


@pytest.fixture(scope="module")
def radius(lab, tmp_path_factory):
    r1 = FreeRadius(lab.radius_host, tmp_path_factory.mktemp("r1"), secret=SECRET, users=USERS, ports=((1645, 1646),))
    r2 = FreeRadius(lab.radius_host, tmp_path_factory.mktemp("r2"), secret=SECRET, users=USERS, ports=((1645, 1646),),
                    address="172.16.1.6")
    with r1, r2:
        yield r1, r2


@pytest.fixture(scope="module")
def router(lab, radius, tmp_path_factory):
    lab.add_address(lab.router, "10.0.0.1/32")
    with IosflexRouter(lab.router, tmp_path_factory.mktemp("router"), startup(), []) as r:
        yield r


@pytest.fixture(scope="module")
def client(lab, tmp_path_factory):
    conns = {"sym": S.client_conn("psk", C_SYM, group=19), "down": S.client_conn("psk", C_BOTH_DOWN, group=19),
             "user": S.client_conn("psk", C_USER, group=19)}
    swanctl = {"connections": conns,
               "secrets": {"ike-sym": {"id-a": C_SYM, "id-b": S.ROUTER_FQDN, "secret": f'"{AAA_PSK}"'},
                           "ike-down": {"id-a": C_BOTH_DOWN, "id-b": S.ROUTER_FQDN, "secret": f'"{AAA_PSK}"'},
                           "ike-user": {"id-a": C_USER, "id-b": S.ROUTER_FQDN, "secret": f'"{S.PSK}"'}}}
    with S.Charon(lab.client_hosts[0], tmp_path_factory.mktemp("client"), "client", S.strongswan_conf("client"),
                  swanctl) as ch:
        yield ch


def _diag(router, ch, *servers) -> str:
    parts = [f"--- iosflex ---\n{router.tail(80)}", f"--- client ---\n{ch.tail(30)}"]
    for s in servers:
        parts.append(f"--- freeradius ---\n{s.tail(30)}")
    return "\n".join(parts)


def _up(ch, router, conn, *servers):
    ok, log, err = ch.vici.initiate(conn, "net", timeout_ms=15000)
    assert ok, f"initiate {conn} failed ({err}):\n" + "\n".join(log[-20:]) + "\n" + _diag(router, ch, *servers)
    return ch.vici.list_sas(conn)[conn]


def _acct(srv, status):
    return [r for r in srv.detail_records() if r.get("Acct-Status-Type") == status]


def test_aaa_psk_group_authorization_and_accounting(router, client, radius):
    """The chapter's AAA-based pre-shared key example end to end, with group authorization from RADIUS
    and one Start and one Stop per session in FreeRADIUS's detail file."""
    r1, _ = radius
    before_start, before_stop = len(_acct(r1, "Start")), len(_acct(r1, "Stop"))
    sa = _up(client, router, "sym", r1)
    vips = sa.get("local-vips", [])
    assert vips and vips[0].startswith("10.10.10."), sa
    out = router.exec("show crypto session")
    assert "Session status: UP-ACTIVE" in out and "172.16.1.1" in out, out
    users = router.exec("show aaa user all")
    assert f"Username={C_SYM}" in users and "audit-session-id(819)" in users, users
    audit = re.search(r"audit-session-id\(819\) \d+ (\S+)", users).group(1)
    # the PSK lookup used the mangled name and IOS's fixed password and service type
    auths = [a for a in r1.auth_records() if a.get("User-Name") == "c1"]
    assert auths and auths[-1].get("Service-Type") in ("Outbound-User", "Outbound"), auths
    assert f"audit-session-id={audit}" in auths[-1].all("Cisco-AVPair")
    assert any(a.get("User-Name") == "aaagroup" for a in r1.auth_records())
    assert r1.wait_records(before_start + 1, timeout=5) is not None
    client.vici.terminate(ike="sym", timeout_ms=5000)
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and len(_acct(r1, "Stop")) <= before_stop:
        time.sleep(0.2)
    starts, stops = _acct(r1, "Start"), _acct(r1, "Stop")
    assert len(starts) == before_start + 1 and len(stops) == before_stop + 1, r1.detail_records()
    start, stop = starts[-1], stops[-1]
    for rec in (start, stop):
        assert rec.get("User-Name") == C_SYM and rec.get("Calling-Station-Id") == "172.16.1.1", rec
        av = rec.all("Cisco-AVPair")
        assert f"audit-session-id={audit}" in av and f"isakmp-phase1-id={C_SYM}" in av, av
        assert "isakmp-initator-ip=172.16.1.1" in av, av
    assert start.get("Acct-Session-Id") == stop.get("Acct-Session-Id")
    assert int(stop.get("Acct-Session-Time", "-1")) >= 0 and "Acct-Input-Packets" in stop, stop


def test_user_authorization_from_radius(router, client, radius):
    """`aaa authorization user psk list L name-mangler M`: the user's Framed-Pool from RADIUS gives the
    client its address.  (Asymmetric AAA keys are covered by tests/test_aaa_flow.py with the package's own
    initiator: strongSwan looks a pre-shared key up by the same identity pair for both directions.)"""
    r1, _ = radius
    try:
        sa = _up(client, router, "user", r1)
        vips = sa.get("local-vips", [])
        assert vips and vips[0].startswith("10.20.0."), sa
        auths = [a for a in r1.auth_records() if a.get("User-Name") == "c2"]
        assert auths and auths[-1].get("User-Password") == "cisco", auths
    finally:
        client.vici.terminate(ike="user", timeout_ms=5000)


def test_test_aaa_group_waits_for_freeradius(router, radius):
    """`test aaa group` waits for the server's answer (the command is deferred, the router keeps serving)."""
    out = router.exec("test aaa group RG c1 cisco new-code")
    assert out.splitlines()[0] == "User successfully authenticated", out
    assert '"pre_shared_key"' in out or "tunnel-password" in out.lower(), out
    assert router.exec("test aaa group RG c1 wrong new-code").strip() == "User rejected"


def test_first_server_down_second_answers(router, client, radius):
    r1, r2 = radius
    r1.stop()
    try:
        _up(client, router, "sym", r1, r2)
        assert any(a.get("User-Name") == "c1" for a in r2.auth_records())
        servers = router.exec("show aaa servers")
        assert "172.16.1.6" in servers, servers
    finally:
        client.vici.terminate(ike="sym", timeout_ms=5000)
        r1.start()


def test_both_servers_down_fails_cleanly(router, client, radius):
    r1, r2 = radius
    r1.pause()
    r2.pause()
    try:
        ok, log, err = client.vici.initiate("down", "net", timeout_ms=20000)
        assert not ok, "the session came up with no RADIUS server answering"
        out = router.exec("show crypto ikev2 sa")
        assert "READY" not in out, out
    finally:
        r1.resume()
        r2.resume()
    assert router.alive(), router.tail()


def test_wrong_radius_key_replies_dropped_and_counted(lab, router, client, radius, tmp_path_factory):
    bad = FreeRadius(lab.radius_host, tmp_path_factory.mktemp("bad"), secret="not_the_key", users=USERS,
                     ports=((1645, 1646),), address="172.16.1.7")
    bad.start()
    try:
        router.exec_config(["radius server R3", " address ipv4 172.16.1.7 auth-port 1645 acct-port 1646",
                            f" key {SECRET}", " timeout 1", " retransmit 0", "aaa group server radius RGBAD",
                            " server name R3", "aaa authorization network aaa_bad group RGBAD",
                            "crypto ikev2 profile AAAPSK", " keyring aaa aaa_bad name-mangler MANGLE"])
        ok, _log, _err = client.vici.initiate("sym", "net", timeout_ms=15000)
        assert not ok
        servers = router.exec("show aaa servers")
        block = servers[servers.index("172.16.1.7"):]
        bad_auth = sum(int(n) for n in re.findall(r"Bad authenticators: (\d+)", block))
        assert bad_auth >= 1, servers
    finally:
        router.exec_config(["crypto ikev2 profile AAAPSK", " keyring aaa aaa_psk name-mangler MANGLE"])
        bad.stop()

"""The FreeRADIUS harness against the real peers (tests/interop/freeradius.py).

Namespaces made by the test (tests/interop/netns.py, radius=True): router 172.16.1.2, RADIUS host 172.16.1.3 on
one bridge, no default route, everything removed afterwards.  FreeRADIUS runs in the RADIUS namespace, radclient
(freeradius-utils) in the router namespace plays the router.  A missing FreeRADIUS or radclient fails (never
skips).  Checked: an IOS-style authorization request (User-Password "cisco", Service-Type Outbound-User) gets
Access-Accept with Tunnel-Password, Framed-Pool and the Cisco-AVPairs on 1645 and 1812; an unknown user is
rejected; Accounting Start/Stop land in detail_records() with their attributes on 1646 and 1813; reply_delay
makes replies late by at least the delay; two more servers (172.16.1.6 and 172.16.1.8, addresses added to the RADIUS host's eth0), one stopped
or paused.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop.freeradius import FreeRadius, parse_detail, radclient, require_freeradius, user_entry  # noqa: E402
from interop.netns import Lab  # noqa: E402

RADIUS_1 = "172.16.1.3"                     # the module's server (lab.radius_host.ip)
SLOW = "172.16.1.7"                          # reply_delay server, own address on the RADIUS host
PRIMARY, BACKUP = "172.16.1.6", "172.16.1.8"  # the failover pair, next to the module's server
USERS = (
    # written as a test would write it by hand ...
    'router1 Cleartext-Password := "cisco"\n'
    '    Tunnel-Password = "pre_shared_key", Cisco-AVPair += "ipsec:route-set=interface"\n'
    # ... and with the helper
    + user_entry("client1.flex.lab", tunnel_password="cisco123", framed_pool="flexpool",
                 avpairs=["ipsec:addr-pool=flexpool", "ipsec:route-set=prefix 192.168.1.0/24",
                          "ip:interface-config=ip unnumbered Loopback0"])
)
AUTHZ = {"User-Name": "router1", "User-Password": "cisco", "Service-Type": "Outbound-User"}


@pytest.fixture(scope="module")
def lab():
    require_freeradius()
    with Lab(clients=0, radius=True) as lab:
        yield lab


@pytest.fixture(scope="module")
def server(lab, tmp_path_factory):
    with FreeRadius(lab.radius_host, tmp_path_factory.mktemp("radius"), users=USERS) as srv:
        yield srv


def test_requirement_check():
    require_freeradius()           # raises PeerMissing (a failure) when the packages are not installed


def test_access_accept_ios_authorization(lab, server):
    r = radclient(lab.router, RADIUS_1, "auth", AUTHZ, port=1645)
    assert r.code == "Access-Accept", r.output
    assert r.returncode == 0
    assert r.get("Tunnel-Password") == "pre_shared_key"
    assert r.avpairs() == ["ipsec:route-set=interface"]
    # what the server got (User-Password decoded, Service-Type as sent)
    rec = [a for a in server.auth_records() if a.get("User-Name") == "router1"][-1]
    assert rec["User-Password"] == "cisco" and rec["Service-Type"] == "Outbound-User"
    assert rec["Packet-Src-IP-Address"] == lab.router.ip


def test_access_accept_second_port_pair_and_helper_entry(lab, server):
    r = radclient(lab.router, RADIUS_1, "auth", dict(AUTHZ, **{"User-Name": "client1.flex.lab"}), port=1812)
    assert r.code == "Access-Accept", r.output
    assert r.get("Tunnel-Password") == "cisco123"
    assert r.get("Framed-Pool") == "flexpool"
    assert r.avpairs() == ["ipsec:addr-pool=flexpool", "ipsec:route-set=prefix 192.168.1.0/24",
                           "ip:interface-config=ip unnumbered Loopback0"]


def test_unknown_user_and_wrong_password_rejected(lab, server):
    r = radclient(lab.router, RADIUS_1, "auth", dict(AUTHZ, **{"User-Name": "nobody"}))
    assert r.code == "Access-Reject" and r.get("Reply-Message") == "unknown user"
    assert r.returncode != 0
    assert r.elapsed < 0.9          # reject_delay 0
    r = radclient(lab.router, RADIUS_1, "auth", dict(AUTHZ, **{"User-Password": "wrong"}))
    assert r.code == "Access-Reject"


def test_accounting_start_stop_in_detail(lab, server):
    base = [("User-Name", "router1"), ("Acct-Session-Id", "0000000A"), ("NAS-IP-Address", lab.router.ip),
            ("NAS-Port-Type", "Virtual"), ("Framed-IP-Address", "10.10.10.1"),
            ("Cisco-AVPair", "audit-session-id=L2L0A0A0A01ZO1L4"), ("Cisco-AVPair", "isakmp-phase1-id=router1")]
    before = len(server.detail_records())
    r = radclient(lab.router, RADIUS_1, "acct", [("Acct-Status-Type", "Start"), *base], port=1646)
    assert r.code == "Accounting-Response", r.output
    r = radclient(lab.router, RADIUS_1, "acct",
                  [("Acct-Status-Type", "Stop"), *base, ("Acct-Session-Time", "9"), ("Acct-Input-Octets", "420"),
                   ("Acct-Terminate-Cause", "User-Request")], port=1813)
    assert r.code == "Accounting-Response", r.output
    recs = server.detail_records()[before:]
    assert [x["Acct-Status-Type"] for x in recs] == ["Start", "Stop"]
    start, stop = recs
    assert start["User-Name"] == "router1" and start["Acct-Session-Id"] == "0000000A"
    assert start["Framed-IP-Address"] == "10.10.10.1" and start["NAS-Port-Type"] == "Virtual"
    assert start.all("Cisco-AVPair") == ["audit-session-id=L2L0A0A0A01ZO1L4", "isakmp-phase1-id=router1"]
    assert start["Cisco-AVPair"] == "audit-session-id=L2L0A0A0A01ZO1L4\nisakmp-phase1-id=router1"
    assert start.avpairs()["audit-session-id"] == "L2L0A0A0A01ZO1L4"
    assert start["Packet-Dst-Port"] == "1646" and stop["Packet-Dst-Port"] == "1813"
    assert stop["Acct-Session-Time"] == "9" and stop["Acct-Terminate-Cause"] == "User-Request"
    assert start.header and stop["Acct-Unique-Session-Id"] == start["Acct-Unique-Session-Id"]
    lines = server.linelog_lines()
    assert any(line.startswith("Stop user=router1 session=0000000A") for line in lines), lines


def test_detail_parser_repeated_and_quoted():
    recs = parse_detail('Mon Jan  1 00:00:00 2024\n\tUser-Name = "a \\"b\\""\n\tCisco-AVPair = "x=1"\n'
                        '\tCisco-AVPair = "y=2"\n\tAcct-Status-Type = Start\n\n'
                        'Mon Jan  1 00:00:01 2024\n\tAcct-Status-Type = Stop\n\n')
    assert len(recs) == 2
    assert recs[0]["User-Name"] == 'a "b"' and recs[0].all("Cisco-AVPair") == ["x=1", "y=2"]
    assert recs[0].avpairs() == {"x": "1", "y": "2"} and recs[1].all("Cisco-AVPair") == []
    assert recs[1].header == "Mon Jan  1 00:00:01 2024"


def test_reply_delay(lab, tmp_path):
    delay = 0.6
    srv = FreeRadius(lab.radius_host, tmp_path / "slow", users=USERS, reply_delay=delay,
                     address=SLOW).start()
    try:
        r = radclient(lab.router, SLOW, "auth", AUTHZ, timeout=3, retries=1)
        assert r.code == "Access-Accept", r.output + srv.tail()
        assert r.get("Tunnel-Password") == "pre_shared_key"
        assert delay <= r.elapsed < delay + 1.5, r.elapsed
        r = radclient(lab.router, SLOW, "acct", [("Acct-Status-Type", "Start"), ("User-Name", "router1"),
                                                         ("Acct-Session-Id", "1")], timeout=3)
        assert r.code == "Accounting-Response" and r.elapsed >= delay
        rec = srv.detail_records()[-1]
        assert rec["Acct-Session-Id"] == "1" and rec["Packet-Dst-Port"] == "1646"
    finally:
        srv.stop()


def test_two_servers_one_stopped_one_paused(lab, tmp_path):
    one = FreeRadius(lab.radius_host, tmp_path / "one", users=USERS, address=PRIMARY, ports=((1645, 1646),))
    two = FreeRadius(lab.radius_host, tmp_path / "two", users=USERS, address=BACKUP, ports=((1645, 1646),))
    one.start()
    two.start()
    try:
        for addr in (PRIMARY, BACKUP):
            r = radclient(lab.router, addr, "auth", AUTHZ)
            assert r.code == "Access-Accept", (addr, r.output)
        assert len(one.auth_records()) == 1 and len(two.auth_records()) == 1
        # server one down (process stopped): no answer from it, the backup still answers
        one.stop()
        assert not one.alive()
        r = radclient(lab.router, PRIMARY, "auth", AUTHZ, timeout=0.5, retries=1)
        assert r.code is None and r.returncode != 0
        r = radclient(lab.router, BACKUP, "auth", AUTHZ)
        assert r.code == "Access-Accept"
        # server two silent (paused): no answer; resumed: answers again
        two.pause()
        r = radclient(lab.router, BACKUP, "auth", AUTHZ, timeout=0.5, retries=1)
        assert r.code is None
        two.resume()
        r = radclient(lab.router, BACKUP, "auth", AUTHZ, timeout=2)
        assert r.code == "Access-Accept"
        # and one comes back
        one.start()
        r = radclient(lab.router, PRIMARY, "auth", AUTHZ)
        assert r.code == "Access-Accept"
        assert len(one.auth_records()) == 2     # records survive a restart of the same workdir
    finally:
        one.stop()
        two.stop()

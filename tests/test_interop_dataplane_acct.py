"""Issue 10 item 6: the packets a stock strongSwan client sends through iosflex's TUN data plane are the same in
`show crypto ipsec sa` and in FreeRADIUS's accounting Stop record for the session.

Namespaces (tests/interop/netns.py): client 172.16.1.1 (charon with kernel-libipsec), router 172.16.1.2
(iosflex `--dataplane tun`, 10.0.0.1/32 on its lo), RADIUS host 172.16.1.3 (FreeRADIUS, accounting on 1646);
no default route, removed afterwards.  A missing peer program fails, never skips.
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
CLIENT_ID = "c1.psk.flex.lab"
INSIDE = "10.0.0.1"
PINGS = 7

ACCT_CONFIG = f"""
aaa group server radius RG
 server name R1
!
aaa accounting network acc_list start-stop group RG
!
radius server R1
 address ipv4 172.16.1.3 auth-port 1645 acct-port 1646
 key {SECRET}
!
"""


@pytest.fixture(scope="module")
def lab():
    S.require_strongswan()
    require_freeradius()
    with Lab(clients=1, radius=True) as lab:
        yield lab


@pytest.fixture(scope="module")
def radius(lab, tmp_path_factory):
    with FreeRadius(lab.radius_host, tmp_path_factory.mktemp("radius"), secret=SECRET, users=user_entry("nobody"),
                    ports=((1645, 1646),)) as srv:
        yield srv


@pytest.fixture(scope="module")
def router(lab, radius, tmp_path_factory):
    lab.add_address(lab.router, f"{INSIDE}/32")
    cfg = ios_startup_config().replace("\nend\n", ACCT_CONFIG + "end\n")
    cfg = cfg.replace(" aaa authorization group psk list local_list default\n",
                      " aaa authorization group psk list local_list default\n aaa accounting psk acc_list\n", 1)
    assert " aaa accounting psk acc_list" in cfg
    with IosflexRouter(lab.router, tmp_path_factory.mktemp("router"), cfg, [], dataplane="tun") as r:
        yield r


@pytest.fixture(scope="module")
def client(lab, tmp_path_factory):
    with S.psk_client(lab.client_hosts[0], tmp_path_factory.mktemp("client"), CLIENT_ID) as ch:
        yield ch


def _stops(srv):
    return [r for r in srv.detail_records() if r.get("Acct-Status-Type") == "Stop"]


def test_accounting_stop_counts_the_packets_that_crossed(lab, router, client, radius):
    ok, log, err = client.vici.initiate("c1", "net", timeout_ms=15000)
    assert ok, f"initiate failed ({err}):\n" + "\n".join(log[-20:]) + f"\n{router.tail(60)}"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and "vi1" not in lab.run(lab.router, ["ip", "-o", "link"]).stdout:
        time.sleep(0.05)
    cp = lab.run(lab.client_hosts[0], ["ping", "-n", "-c", str(PINGS), "-i", "0.2", "-W", "2", "-s", "100", INSIDE],
                 check=False, timeout=30)
    assert " 0% packet loss" in cp.stdout, cp.stdout + cp.stderr + router.tail()
    show = router.exec("show crypto ipsec sa")
    enc = int(re.search(r"#pkts encaps: (\d+)", show).group(1))
    dec = int(re.search(r"#pkts decaps: (\d+)", show).group(1))
    assert (enc, dec) == (PINGS, PINGS), show
    before = len(_stops(radius))
    client.vici.terminate(ike="c1", timeout_ms=5000)
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and len(_stops(radius)) <= before:
        time.sleep(0.2)
    stops = _stops(radius)
    assert len(stops) == before + 1, radius.detail_records()
    stop = stops[-1]
    # the router's view: input = what the client sent it (decapsulated), output = what it encapsulated
    assert (stop.get("Acct-Input-Packets"), stop.get("Acct-Output-Packets")) == (str(dec), str(enc)), stop
    # octets: the inner IPv4 packets (100 octets of ICMP data + 8 + 20 = 128 each way)
    assert (stop.get("Acct-Input-Octets"), stop.get("Acct-Output-Octets")) == (str(128 * dec), str(128 * enc)), stop
    assert stop.get("User-Name") == CLIENT_ID, stop

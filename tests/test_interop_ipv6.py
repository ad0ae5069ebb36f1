"""IKE over IPv6 with real strongSwan clients (issue 15): a dual-stack client gets an IPv4 and an IPv6 address,
an IPv6-only client gets only its IPv6 address.

The lab (tests/interop/netns.py) disables IPv6 in its namespaces; this module enables it in the router's and
the clients' namespaces only, with documentation addresses on the lab's own link (2001:db8:1::/64: client1
::1, client2 ::4, router ::2; no default route, nothing leaves the machine).  The router's address is in its
startup-config only: `--bind` puts it on the namespace's device.  A missing strongSwan fails, never skips.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop import strongswan as S  # noqa: E402
from interop.netns import Lab, sh  # noqa: E402
from interop.router import IosflexRouter, ios_startup_config  # noqa: E402

ROUTER6 = "2001:db8:1::2"
CLIENT6 = ["2001:db8:1::1", "2001:db8:1::4"]
V6POOL = "2001:db8:cafe::/48"

EXTRA = f"""ipv6 unicast-routing
!
ipv6 local pool v6pool 2001:DB8:CAFE::/48 64
!
crypto ikev2 authorization policy dual
 pool flexpool
 dns 10.0.0.53
 ipv6 pool v6pool
 ipv6 dns 2001:db8:1::53
!
crypto ikev2 profile V6
 match identity remote fqdn domain v6.flex.lab
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share key {S.PSK}
 authentication local pre-share key {S.PSK}
 aaa authorization group psk list local_list dual
 virtual-template 1
!
"""


def startup() -> str:
    base = ios_startup_config()
    base = base.replace("interface Ethernet0/0\n ip address 172.16.1.2 255.255.255.0\n",
                        "interface Ethernet0/0\n ip address 172.16.1.2 255.255.255.0\n ipv6 address 2001:DB8:1::2/64\n")
    i = base.index("line vty")
    return base[:i] + EXTRA + base[i:]


def enable_ipv6(ns: str, dev: str = "eth0", addr: str | None = None) -> None:
    sh(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0",
        "net.ipv6.conf.default.disable_ipv6=0", f"net.ipv6.conf.{dev}.disable_ipv6=0", "net.ipv6.conf.lo.disable_ipv6=0"])
    if addr:
        sh(["ip", "-n", ns, "addr", "add", f"{addr}/64", "dev", dev, "nodad"])


@pytest.fixture(scope="module")
def lab():
    S.require_strongswan()
    with Lab(clients=2) as lab:
        enable_ipv6(lab.router.ns)
        for host, addr in zip(lab.client_hosts, CLIENT6):
            enable_ipv6(host.ns, addr=addr)
        for host in [lab.router, *lab.client_hosts]:
            routes = sh(["ip", "-n", host.ns, "-6", "route", "show", "default"]).stdout.strip()
            assert not routes, f"{host}: unexpected IPv6 default route {routes!r}"
        yield lab


def conn(me: str, vips: list[str], remote_ts: str) -> dict:
    c = S.client_conn("psk", me, group=19, remote=ROUTER6)
    c["vips"] = vips
    c["children"]["net"]["remote_ts"] = remote_ts
    return c


@pytest.fixture(scope="module")
def clients(lab, tmp_path_factory):
    out = []
    try:
        for i, host in enumerate(lab.client_hosts):
            me = f"c{i + 1}.v6.flex.lab"
            sw = {"connections": {"dual": conn(me, ["0.0.0.0", "::"], "10.0.0.0/24,2001:db8:ff::/64"),
                                  "six": conn(me, ["::"], "2001:db8:ff::/64")},
                  "secrets": {"ike": {"id-a": me, "id-b": S.ROUTER_FQDN, "secret": f'"{S.PSK}"'}}}
            ch = S.Charon(host, tmp_path_factory.mktemp(f"client{i + 1}"), "client", S.strongswan_conf("client"), sw)
            ch.start()
            out.append(ch)
        yield out
    finally:
        for ch in out:
            ch.stop()


@pytest.fixture(scope="module")
def router(lab, tmp_path_factory):
    lab.add_address(lab.router, "10.0.0.1/32")
    with IosflexRouter(lab.router, tmp_path_factory.mktemp("iosflex"), startup()) as r:
        yield r


@pytest.fixture(autouse=True)
def _fresh(clients, router):
    assert router.alive(), router.tail()
    yield
    for ch in clients:
        try:
            ch.vici.terminate_all(timeout_ms=2000)
        except Exception:  # noqa: BLE001
            pass
    router.exec("clear crypto session")


def diag(router, *charons) -> str:
    return "\n".join([f"--- iosflex ---\n{router.tail(60)}"] + [f"--- {c.host.ns} ---\n{c.tail(30)}" for c in charons])


def test_router_listens_on_its_ipv6_address(lab, router):
    addrs = sh(["ip", "-n", lab.router.ns, "-6", "addr", "show", "dev", "eth0"]).stdout
    assert "2001:db8:1::2/64" in addrs, addrs  # --bind put the configured address on the device
    assert lab.udp_listening(lab.router, 500) and lab.udp_listening(lab.router, 4500)
    listen = lab.run(lab.router, ["ss", "-Hnlu"]).stdout
    assert "[2001:db8:1::2]:500" in listen, listen
    brief = router.exec("show ipv6 interface brief")
    assert re.search(r"Ethernet0/0\s+\[up/up\]\n    FE80::\S+\n    2001:DB8:1::2", brief), brief


def test_dual_stack_client_over_ipv6_gets_both_addresses(clients, router):
    c = clients[0]
    ok, log, err = c.vici.initiate("dual", "net", timeout_ms=12000)
    assert ok, "\n".join(log[-25:]) + diag(router, c)
    sa = c.vici.list_sas("dual")["dual"]
    assert sa["remote-host"] == ROUTER6 and sa["local-host"] == CLIENT6[0]
    vips = [ipaddress.ip_address(v) for v in sa.get("local-vips", [])]
    assert sorted(v.version for v in vips) == [4, 6], sa
    v4 = next(v for v in vips if v.version == 4)
    v6 = next(v for v in vips if v.version == 6)
    assert v4 in ipaddress.ip_network(S.POOL) and v6 in ipaddress.ip_network(V6POOL), sa
    child = next(iter(sa["child-sas"].values()))
    assert {ipaddress.ip_network(t).version for t in child["local-ts"]} == {4, 6}, child
    out = router.exec("show crypto ikev2 sa")
    # (kernel-libipsec makes charon fake a NAT to get UDP encapsulation: the SA floats to 4500)
    assert " IPv6 Crypto IKEv2  SA" in out and re.search(r"^Local  2001:DB8:1::2/(500|4500)$", out, re.M), out
    assert re.search(r"^Remote  2001:DB8:1::1/(500|4500)$", out, re.M), out
    session = router.exec("show crypto session detail")
    assert re.search(r"Peer: 2001:DB8:1::1 port (500|4500) ", session), session
    assert "Session status: UP-ACTIVE" in session, session
    pool = router.exec("show ipv6 local pool")
    assert re.search(r"^v6pool\s+2001:DB8:CAFE::/48\s+65535\s+1$", pool, re.M), pool


def test_ipv6_only_client_gets_only_an_ipv6_address(clients, router):
    c = clients[1]
    ok, log, err = c.vici.initiate("six", "net", timeout_ms=12000)
    assert ok, "\n".join(log[-25:]) + diag(router, c)
    sa = c.vici.list_sas("six")["six"]
    vips = [ipaddress.ip_address(v) for v in sa.get("local-vips", [])]
    assert [v.version for v in vips] == [6] and vips[0] in ipaddress.ip_network(V6POOL), sa
    pool4 = router.exec("show ip local pool flexpool")
    assert re.search(r"Inuse addresses:\s*$", pool4), pool4  # no IPv4 address was taken

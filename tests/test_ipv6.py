"""Issue 15, IPv6 on the router and dual-stack sessions: the configuration (ipv6 unicast-routing, ipv6 local pool,
the interface's ipv6 address / unnumbered / mtu, identity local address X:X::X), its show commands, and IKE over
IPv6 with IPv4-only, IPv6-only and dual-stack clients on the simulated network (the package's initiator)."""

from __future__ import annotations

import pytest

from iosflex.crypto import algorithms as A
from iosflex.crypto import show
from iosflex.crypto.client import Initiator
from iosflex.crypto.ikesa import Datagram
from iosflex.crypto.state import TrafficSelector
from iosflex.router import Router
from iosflex.services import Services

from test_ike_engine import FQDN, Clock, seeded
from test_ike_hardening import _cfg

ROUTER6 = ("2001:db8:1::2", 500)

V6 = """ipv6 unicast-routing
ipv6 local pool v6pool 2001:DB8:CAFE::/48 64
interface Ethernet0/0
 ipv6 address 2001:db8:1::2/64
 ipv6 address fe80::2 link-local
 ipv6 mtu 1400
interface Loopback0
 ipv6 address 2001:DB8:FF::/64 eui-64
interface Virtual-Template1 type tunnel
 ipv6 unnumbered Loopback0
crypto ikev2 authorization policy default
 ipv6 pool v6pool
 ipv6 dns 2001:db8::53
crypto ikev2 profile default
 identity local address 2001:db8:1::2
"""


@pytest.fixture
def router():
    r = Router(None, default_if_missing=True)
    r.load_startup()
    return r


def test_config_renders_as_ios_and_round_trips(router):
    _cfg(router, V6)
    run = "\n".join(router.session(privileged=True).run("show running-config"))
    assert "\nipv6 unicast-routing\n" in run
    assert "\nipv6 local pool v6pool 2001:DB8:CAFE::/48 64\n" in run
    assert " ipv6 address FE80::2 link-local\n ipv6 address 2001:DB8:1::2/64\n" in run
    assert " ipv6 mtu 1400" in run and " ipv6 address 2001:DB8:FF::/64 eui-64" in run
    assert " ipv6 unnumbered Loopback0" in run and " identity local address 2001:DB8:1::2" in run
    # pasted back: the same configuration
    r2 = Router(None, default_if_missing=True)
    r2.load_startup()
    body = [x for x in run.splitlines()
            if x and x != "end" and not x.startswith(("Building", "Current configuration", "!"))]
    s2 = r2.session(privileged=True)
    out = [o for line in ["configure terminal"] + body + ["end"] for o in s2.feed(line)]
    assert not [o for o in out if o.startswith("%")], out
    assert "\n".join(s2.run("show running-config")) == run


def test_rejected_ipv6_commands_change_nothing(router):
    s = router.session(privileged=True)
    s.feed("configure terminal")
    s.feed("interface Ethernet0/0")
    before = list(router.config.interfaces.by_name("Ethernet0/0").ipv6_addresses)
    assert s.feed("ipv6 address fe80::1/64")[0].startswith("%")  # link-local given as a global address
    assert s.feed("ipv6 address 2001:db8::1 link-local")[0].startswith("%")
    assert router.config.interfaces.by_name("Ethernet0/0").ipv6_addresses == before
    s.feed("exit")
    assert s.feed("ipv6 local pool p 2001:db8::/64 48")[0].startswith("%")  # assigned shorter than the pool
    assert router.config.ipv6_local_pool.pools == {}


def test_show_ipv6_interface_brief_and_local_pool(router):
    _cfg(router, V6)
    s = router.session(privileged=True)
    brief = s.run("show ipv6 interface brief")
    i = next(k for k, x in enumerate(brief) if x.startswith("Ethernet0/0"))
    assert brief[i].endswith("[up/up]") and brief[i + 1:i + 3] == ["    FE80::2", "    2001:DB8:1::2"]
    lo = next(k for k, x in enumerate(brief) if x.startswith("Loopback0"))
    assert brief[lo + 2].startswith("    2001:DB8:FF:0:") and brief[lo + 1].startswith("    FE80::")
    full = s.run("show ipv6 interface")
    assert "  IPv6 is enabled, link-local address is FE80::2 " in full
    assert "    2001:DB8:1::2, subnet is 2001:DB8:1::/64 " in full and "  MTU is 1400 bytes" in full
    pool = s.run("show ipv6 local pool")
    assert pool[0].startswith("Pool") and pool[1].split() == ["v6pool", "2001:DB8:CAFE::/48", "65536", "0"]
    assert s.run("show ipv6 local pool nope") == ["%Pool nope not found"]


class Net6:
    """The responder and initiators over IPv6 (and IPv4) on a simulated network (no NAT)."""

    def __init__(self, router):
        self.clock = Clock()
        self.svc = Services(router, rng=seeded(3), clock=self.clock)
        self.svc.crypto.raise_errors = True
        self.resp = self.svc.crypto
        self.router_addrs = {"2001:db8:1::2", "172.16.1.2"}
        self.clients = []

    def client(self, local, router_ep, seed, **kw):
        ini = Initiator((local, 500), router_ep, FQDN, psk=b"pre_shared_key", rng=seeded(seed), **kw)
        self.clients.append(ini)
        return ini

    def connect(self, ini):
        q = list(ini.start(self.clock.t))
        n = 0
        while q and n < 100:
            n += 1
            d = q.pop(0)
            if not isinstance(d, Datagram):
                continue
            if d.dst[0] in self.router_addrs:
                q += self.svc.receive(d.data, d.src, d.dst, self.clock.t)
            else:
                for c in self.clients:
                    if c.local[0] == d.dst[0]:
                        q += c.receive(d.data, d.src, d.dst, self.clock.t)
        return ini


def _ts6(start, end):
    return TrafficSelector(8, 0, 0, 65535, start, end)


ANY4 = TrafficSelector(7, 0, 0, 65535, "0.0.0.0", "255.255.255.255")
ANY6 = _ts6("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")


def test_ike_over_ipv6_dual_stack_client_gets_both_addresses(router):
    _cfg(router, V6)
    net = Net6(router)
    ini = net.connect(net.client("2001:db8:1::1", ROUTER6, 7, families=(4, 6), ts=([ANY4, ANY6], [ANY4, ANY6])))
    assert ini.established and ini.failed is None
    assert ini.address == "10.10.10.1" and ini.address6 == "2001:db8:cafe::1/64"
    assert ini.idr.data == bytes.fromhex("20010db8000100000000000000000002")  # identity local address (IPv6)
    tsi = ini.children[0]["tsi"]
    assert {(t.ts_type, t.start) for t in tsi} == {(7, "10.10.10.1"), (8, "2001:db8:cafe::1")}
    dns6 = [v for t, v in ((a.type, a.value) for a in ini.cp_attrs) if t == A.INTERNAL_IP6_DNS]
    assert dns6 == [bytes.fromhex("20010db8000000000000000000000053")]
    st = net.resp.sa_states()[0]
    assert st.local == ROUTER6 and st.pushed_ip6 == "2001:db8:cafe::1"
    text = show.ikev2_sa(net.resp.sa_states(), net.clock.t)
    assert text[text.index(" IPv6 Crypto IKEv2  SA") + 4] == "Local  2001:DB8:1::2/500"
    s = router.session(privileged=True)
    assert s.run("show ipv6 local pool")[1].split()[2:] == ["65535", "1"]


def test_ipv6_only_and_ipv4_only_clients_get_what_they_ask(router):
    _cfg(router, V6)
    net = Net6(router)
    six = net.connect(net.client("2001:db8:1::1", ROUTER6, 7, families=(6,), ts=([ANY6], [ANY6])))
    assert six.established and six.address is None and six.address6 == "2001:db8:cafe::1/64"
    four = net.connect(net.client("172.16.1.1", ("172.16.1.2", 500), 8, families=(4,)))
    assert four.established and four.address == "10.10.10.1" and four.address6 is None
    assert router.pools.used("flexvpn_pool") == 1 and router.pools.used("v6:v6pool") == 1
    # the sessions' end gives both back
    for ini in (six, four):
        q = ini.delete(net.clock.t)
        for d in q:
            for r in net.svc.receive(d.data, d.src, d.dst, net.clock.t):
                if isinstance(r, Datagram):
                    ini.receive(r.data, r.src, r.dst, net.clock.t)
    assert router.pools.used("flexvpn_pool") == 0 and router.pools.used("v6:v6pool") == 0


def test_exhausted_ipv6_pool_ends_a_dual_stack_session_and_returns_its_ipv4(router):
    _cfg(router, V6 + "no ipv6 local pool v6pool\nipv6 local pool v6pool 2001:DB8:CAFE::/127 128\n")
    net = Net6(router)
    a = net.connect(net.client("2001:db8:1::1", ROUTER6, 7, families=(4, 6), ts=([ANY4, ANY6], [ANY4, ANY6])))
    assert a.established and a.address6 == "2001:db8:cafe::1/128"
    b = net.connect(net.client("2001:db8:1::5", ROUTER6, 9, families=(4, 6), ts=([ANY4, ANY6], [ANY4, ANY6])))
    assert b.failed == "INTERNAL_ADDRESS_FAILURE"
    assert router.pools.used("flexvpn_pool") == 1  # b's IPv4 lease went back at once


def test_ipv6_pool_address_choice():
    from iosflex.config.ipv6 import Ipv6Pool

    p = Ipv6Pool("p", "2001:DB8::/126", 128)
    assert p.size == 3 and [p.address(i) for i in range(3)] == ["2001:db8::1", "2001:db8::2", "2001:db8::3"]
    q = Ipv6Pool("q", "2001:DB8::/48", 64)
    assert q.size == 65536 and q.address(1) == "2001:db8:0:1::1"


# ---------------------------------------------------------------------------------------------------------------
# IPv6 attributes from RADIUS (the chapter's ipsec:ipv6-addr-pool, ipsec:addrv6, ipsec:prefix-len,
# ipsec:ipv6-dns-servers-addr, route-set ... ipv6), through the simulated RADIUS server
# ---------------------------------------------------------------------------------------------------------------

RADIUS_GROUP = """
crypto ikev2 profile default
 aaa authorization group psk list aaa_list1 grp1
ipv6 local pool radpool 2001:DB8:BEEF::/64 128
"""


def test_radius_ipv6_pool_dns_and_route_set_for_a_dual_stack_client():
    from test_aaa_flow import connect, make

    r, net, _ = make(RADIUS_GROUP)
    net.directive("radius user grp1 password=cisco Framed-Pool=flexvpn_pool "
                  "Cisco-AVPair=ipsec:ipv6-addr-pool=radpool Cisco-AVPair=ipsec:ipv6-dns-servers-addr=2001:db8::53 "
                  "'Cisco-AVPair=ipsec:route-set=remote ipv6 2001:db8:ff::/64'")
    ini = connect(net, psk="pre_shared_key", families="4,6")
    assert ini.established, ini.failed
    assert ini.address == "10.10.10.1" and ini.address6 == "2001:db8:beef::1/128"
    got = {(a.type, a.value) for a in ini.cp_attrs}
    assert (A.INTERNAL_IP6_DNS, bytes.fromhex("20010db8000000000000000000000053")) in got
    assert (A.INTERNAL_IP6_SUBNET, bytes.fromhex("20010db800ff00000000000000000000") + bytes([64])) in got
    assert r.pools.used("v6:radpool") == 1


def test_radius_fixed_ipv6_address_and_prefix_length_for_an_ipv6_only_client():
    from test_aaa_flow import connect, make

    r, net, _ = make(RADIUS_GROUP)
    net.directive("radius user grp1 password=cisco Cisco-AVPair=ipsec:addrv6=2001:db8:77::9 "
                  "Cisco-AVPair=ipsec:prefix-len=64")
    ini = connect(net, psk="pre_shared_key", families="6")
    assert ini.established, ini.failed
    assert ini.address is None and ini.address6 == "2001:db8:77::9/64"
    assert r.pools.used("flexvpn_pool") == 0 and r.pools.used("v6:radpool") == 0


def test_ipv6_route_and_show_ipv6_route_with_a_session(router):
    _cfg(router, V6 + "ipv6 route 2001:db8:2::/64 2001:db8:1::1\nipv6 route 2001:db8:3::/64 Ethernet0/0 5\n"
                      "ipv6 route 2001:db8:4::/64 2001:db8:9::1\n")
    s = router.session(privileged=True)
    run = s.run("show running-config")
    assert "ipv6 route 2001:DB8:2::/64 2001:DB8:1::1" in run and "ipv6 route 2001:DB8:3::/64 Ethernet0/0 5" in run
    net = Net6(router)
    ini = net.connect(net.client("2001:db8:1::1", ROUTER6, 7, families=(4, 6), ts=([ANY4, ANY6], [ANY4, ANY6])))
    assert ini.established
    out = s.run("show ipv6 route")
    assert out[0] == f"IPv6 Routing Table - default - {sum(1 for x in out if x[:1] in 'CLS' and '[' in x)} entries"
    text = "\n".join(out)
    assert "C   2001:DB8:1::/64 [0/0]\n     via Ethernet0/0, directly connected" in text
    assert "L   2001:DB8:1::2/128 [0/0]\n     via Ethernet0/0, receive" in text
    assert "S   2001:DB8:2::/64 [1/0]\n     via 2001:DB8:1::1" in text
    assert "S   2001:DB8:3::/64 [5/0]\n     via Ethernet0/0" in text
    assert "2001:DB8:4::" not in text  # its next hop is not reachable
    assert "S   2001:DB8:CAFE::1/128 [1/0]\n     via Virtual-Access1" in text  # the session's address
    assert text.endswith("L   FF00::/8 [0/0]\n     via Null0, receive")
    assert s.feed("configure terminal") is not None
    assert s.feed("no ipv6 route 2001:db8:7::/64")[0] == "%No matching route to delete"


def test_outer_ipv6_session_feeds_virtual_template_mode_auto(router):
    _cfg(router, V6 + "crypto ikev2 profile default\n virtual-template 1 mode auto\n")
    net = Net6(router)
    six = net.connect(net.client("2001:db8:1::1", ROUTER6, 7, families=(6,), ts=([ANY6], [ANY6])))
    four = net.connect(net.client("172.16.1.1", ("172.16.1.2", 500), 8, families=(4,)))
    assert six.established and four.established
    modes = {va.iface.tunnel_destination: va.iface.tunnel_mode for va in router.vaccess.ordered()}
    assert modes == {"2001:db8:1::1": "ipsec ipv6", "172.16.1.1": "ipsec ipv4"}

"""`show ip route` (interfaces/rib.py): the connected and local routes of the interfaces that are up, `ip route`
statics, and each live session's routes through its virtual-access (the pushed address, `route set local`); the
layout parsed by genie."""

from __future__ import annotations

from unittest.mock import Mock

from genie.libs.parser.iosxe.show_routing import ShowIpRoute

from iosflex.router import Router
from iosflex.simnet import SimNet

EXTRA = """
interface Loopback0
 ip address 1.1.1.1 255.255.255.255
interface Loopback1
 ip address 192.168.50.1 255.255.255.0
 shutdown
ip route 0.0.0.0 0.0.0.0 172.16.1.254
ip route 10.20.0.0 255.255.0.0 172.16.1.9 5
ip route 10.30.0.0 255.255.0.0 10.99.0.1
crypto ikev2 authorization policy default
 route set local ipv4 192.168.10.0 255.255.255.0 next-hop 10.10.10.250 tag 7 distance 3
"""


def make():
    r = Router(None, default_if_missing=True)
    r.load_startup()
    assert not r.apply_config(EXTRA)
    return r, r.session(privileged=True, length=0)


def routes(s):
    out = s.feed("show ip route")
    return out, ShowIpRoute(device=Mock()).cli(output="\n".join(out))["vrf"]["default"]["address_family"]["ipv4"]["routes"]


def test_connected_local_static_and_default():
    r, s = make()
    out, rt = routes(s)
    assert "Gateway of last resort is 172.16.1.254 to network 0.0.0.0" in out
    assert "S*    0.0.0.0/0 [1/0] via 172.16.1.254" in out
    assert "      172.16.0.0/16 is variably subnetted, 2 subnets, 2 masks" in out
    assert "C        172.16.1.0/24 is directly connected, Ethernet0/0" in out
    assert "L        172.16.1.2/32 is directly connected, Ethernet0/0" in out
    assert "C        1.1.1.1 is directly connected, Loopback0" in out  # a /32: no local route
    assert rt["10.20.0.0/16"]["route_preference"] == 5
    assert "10.30.0.0/16" not in rt  # its next hop is not reachable
    assert "192.168.50.0/24" not in rt  # Loopback1 is shut down
    assert set(rt) == {"0.0.0.0/0", "1.1.1.1/32", "10.20.0.0/16", "172.16.1.0/24", "172.16.1.2/32"}


def test_session_routes_through_its_virtual_access_and_go_with_it():
    r, s = make()
    net = SimNet(r, seed=3)
    net.directive("ikev2 connect c1 from=172.16.1.1 psk=pre_shared_key id=fqdn:router1.domain1")
    assert net.peers["c1"].established
    out, rt = routes(s)
    assert "S        10.10.10.1/32 is directly connected, Virtual-Access1" in out
    assert rt["10.10.10.1/32"]["next_hop"]["outgoing_interface"] == {"Virtual-Access1": {"outgoing_interface": "Virtual-Access1"}}
    assert "S     192.168.10.0/24 [3/0] via 10.10.10.250, Virtual-Access1" in out  # a whole class C: no group
    s.feed("clear crypto session")
    out, rt = routes(s)
    assert "10.10.10.1/32" not in rt and "192.168.10.0/24" not in rt


def test_route_accept_routes_the_subnets_the_peer_offers():
    r, s = make()
    assert not r.apply_config("crypto ikev2 authorization policy default\n route accept any tag 20 distance 7\n")
    net = SimNet(r, seed=3)
    net.directive("ikev2 connect c1 from=172.16.1.1 psk=pre_shared_key id=fqdn:router1.domain1 "
                  "subnets=192.168.77.0/24,10.44.0.0/16")
    assert net.peers["c1"].established
    out, rt = routes(s)
    assert "S     192.168.77.0/24 is directly connected, Virtual-Access1" in out
    assert rt["10.44.0.0/16"]["next_hop"]["outgoing_interface"] == {"Virtual-Access1": {"outgoing_interface": "Virtual-Access1"}}
    assert "Remote subnets:" in "\n".join(s.feed("show crypto ikev2 sa detail"))


def test_offered_subnets_ignored_without_route_accept():
    r, s = make()
    net = SimNet(r, seed=3)
    net.directive("ikev2 connect c1 from=172.16.1.1 psk=pre_shared_key id=fqdn:router1.domain1 subnets=192.168.77.0/24")
    assert net.peers["c1"].established
    out, rt = routes(s)
    assert "192.168.77.0/24" not in rt


def test_null0_route_and_port_channel():
    """`ip route ... Null0` is installed (the bit bucket is always up); a Port-channel without emulated member
    links is down/down, so its subnet is not connected."""
    r = Router(None)
    assert not r.apply_config("ip route 11.0.0.0 255.0.0.0 Null0\ninterface Port-channel23\n"
                              " ip address 10.12.23.1 255.255.255.252\n no negotiation auto\n")
    s = r.session(privileged=True, length=0)
    out, rt = routes(s)
    assert "S     11.0.0.0/8 is directly connected, Null0" in out
    assert "10.12.23.0/30" not in rt
    assert " no negotiation auto" in r.running_config_text()
    brief = s.feed("show ip interface brief")
    assert any(ln.startswith("Port-channel23") and ln.split()[-2:] == ["down", "down"] for ln in brief), brief


def test_show_ip_route_static_and_connected_filters():
    """`show ip route static|connected|local`: the legend, then only those entries (genie reads them as
    `show ip route {protocol}`)."""
    r, s = make()
    static = s.feed("show ip route static")
    assert "S*    0.0.0.0/0 [1/0] via 172.16.1.254" in static
    assert not any(ln.startswith(("C ", "L ")) for ln in static)
    rt = ShowIpRoute(device=Mock()).cli(protocol="static", output="\n".join(static))
    assert set(rt["vrf"]["default"]["address_family"]["ipv4"]["routes"]) == {"0.0.0.0/0", "10.20.0.0/16"}
    connected = s.feed("show ip route connected")
    assert "C        172.16.1.0/24 is directly connected, Ethernet0/0" in connected
    assert "L        172.16.1.2/32 is directly connected, Ethernet0/0" in connected
    assert not any(ln.startswith("S") for ln in connected)

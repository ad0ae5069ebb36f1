"""The IPv4 routing table as IOS shows it (`show ip route`), derived each time from what the router has: the
connected and local routes of the interfaces that are up, the `ip route` statics, and the routes each live
session brings (the chapter's "RADIUS Attributes Supported by the FlexVPN Server"): a host route to the
address pushed to the peer and the `route set local` / `ipsec:route-set=local` subnets, through the session's
virtual-access interface.  Nothing is stored: the table is a view, like `show vtemplate`'s counts.

Under `route accept any` the subnets the peer offers as INTERNAL_IP4_SUBNET values in its CFG_REQUEST are
routed to its virtual-access too, with the policy's tag and distance.  Only the view is emulated: the router
forwards nothing by it (the TUN data plane, interfaces/tun.py, routes each session's own subnets).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Route:
    code: str  # C, L, S
    network: ipaddress.IPv4Network
    interface: str | None = None
    next_hop: str | None = None
    distance: int = 0
    metric: int = 0
    tag: int | None = None


def _up(iface, cfg) -> bool:
    return iface.type != "Virtual-Template" and iface.status(cfg)[1] == "up"


def table(router) -> list[Route]:
    """Every route, best first per prefix (lowest distance), sorted by address and prefix length."""
    cfg = router.config
    routes: list[Route] = []
    connected: dict[ipaddress.IPv4Network, str] = {}
    for iface in cfg.interfaces.ordered():
        if not _up(iface, cfg) or not iface.ip_address:
            continue
        for addr, mask in [iface.ip_address, *iface.secondaries]:
            host = ipaddress.IPv4Interface(f"{addr}/{mask}")
            connected.setdefault(host.network, iface.name)
            routes.append(Route("C", host.network, iface.name))
            if host.network.prefixlen < 32:  # IOS has no local route for a /32 address
                routes.append(Route("L", ipaddress.IPv4Network(f"{addr}/32"), iface.name))
    for r in getattr(getattr(cfg, "ip_route", None), "routes", ()):
        if r.vrf:
            continue  # the global table only
        null = (r.interface or "").lower() == "null0"  # the bit bucket: always there, always up
        iface = cfg.interfaces.by_name(r.interface) if r.interface and not null else None
        if r.interface and not null and (iface is None or not _up(iface, cfg)):
            continue
        if r.interface is None and r.nexthop and not any(ipaddress.IPv4Address(r.nexthop) in n for n in connected):
            continue  # a next hop IOS cannot resolve: the route is not installed
        routes.append(Route("S", ipaddress.IPv4Network(f"{r.prefix}/{r.mask}"),
                            "Null0" if null else (iface.name if iface else None), r.nexthop, r.distance or 1, 0, r.tag))
    for va in router.vaccess.ordered():
        session = router.sessions.get(va.session_id)
        st = getattr(session, "ike_sa", None) if session is not None else None
        pushed = getattr(st, "pushed_ip", None)
        if pushed and ":" not in pushed:
            routes.append(Route("S", ipaddress.IPv4Network(f"{pushed}/32"), va.name, None, 1))
        authz = getattr(session, "authorization", None) if session is not None else None
        if authz is not None and getattr(authz, "route_accept", None):  # the subnets the peer offered
            for net, mask in getattr(st, "remote_subnets", None) or ():
                routes.append(Route("S", ipaddress.IPv4Network(f"{net}/{mask}", strict=False), va.name, None,
                                    authz.route_accept_distance or 1, 0, authz.route_accept_tag))
        for lr in getattr(authz, "local_routes", None) or ():
            if lr.ipv6:
                continue
            routes.append(Route("S", ipaddress.IPv4Network(lr.prefix, strict=False), va.name, lr.next_hop,
                                lr.distance or 1, 0, lr.tag))
    return best_per_prefix(routes)


def best_per_prefix(routes: list) -> list:
    """The routes of lowest distance for each prefix, sorted by address and prefix length (IPv4 and IPv6)."""
    best: dict = {}
    for r in routes:
        best.setdefault(r.network, []).append(r)
    out: list = []
    for net in sorted(best, key=lambda n: (int(n.network_address), n.prefixlen)):
        rs = best[net]
        low = min(r.distance for r in rs)
        out.extend(r for r in rs if r.distance == low)
    return out


def classful(net: ipaddress.IPv4Network) -> ipaddress.IPv4Network:
    """The class A/B/C network that contains `net` (IOS groups its table by it); class D/E and 0/0 as they are."""
    first = int(net.network_address) >> 24
    plen = 8 if first < 128 else 16 if first < 192 else 24 if first < 224 else net.prefixlen
    if net.prefixlen < plen:
        return net
    return ipaddress.IPv4Network(f"{net.network_address}/{plen}", strict=False)

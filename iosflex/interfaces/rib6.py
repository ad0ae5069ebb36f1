"""The IPv6 routing table as IOS shows it (`show ipv6 route`), a view like interfaces/rib.py's: the connected
and local routes of the interfaces' global addresses, IOS's local FF00::/8 via Null0, the `ipv6 route` statics
(an interface, or a next hop inside a connected prefix), and each live session's routes through its
virtual-access: its pushed IPv6 address (/128) and the `route set local ipv6` / `ipsec:route-set=local ipv6`
subnets.  The router forwards nothing by it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .rib import best_per_prefix


@dataclass(frozen=True, slots=True)
class Route6:
    code: str  # C, L, S
    network: ipaddress.IPv6Network
    interface: str | None = None
    next_hop: str | None = None
    distance: int = 0
    metric: int = 0
    receive: bool = False


def table(router) -> list[Route6]:
    cfg = router.config
    routes: list[Route6] = []
    connected: list[ipaddress.IPv6Network] = []
    for iface in cfg.interfaces.ordered():
        if iface.shutdown or iface.type == "Virtual-Template" or iface.ipv6_unnumbered:
            continue
        for addr, plen in iface.ipv6_global(cfg):
            host = ipaddress.IPv6Interface(f"{addr}/{plen}")
            connected.append(host.network)
            if plen < 128:
                routes.append(Route6("C", host.network, iface.name))
            routes.append(Route6("L", ipaddress.IPv6Network(f"{addr}/128"), iface.name, receive=True))
    for r in getattr(getattr(cfg, "ipv6_route", None), "routes", ()):
        iface = cfg.interfaces.by_name(r.interface) if r.interface else None
        if r.interface and (iface is None or iface.shutdown):
            continue
        if r.interface is None and r.nexthop and not any(ipaddress.IPv6Address(r.nexthop) in n for n in connected):
            continue  # a next hop IOS cannot resolve: not installed
        routes.append(Route6("S", ipaddress.IPv6Network(r.prefix), iface.name if iface else None, r.nexthop,
                             r.distance or 1))
    for va in router.vaccess.ordered():
        session = router.sessions.get(va.session_id)
        st = getattr(session, "ike_sa", None) if session is not None else None
        pushed = getattr(st, "pushed_ip6", None)
        if pushed:
            routes.append(Route6("S", ipaddress.IPv6Network(f"{pushed}/128"), va.name, None, 1))
        authz = getattr(session, "authorization", None) if session is not None else None
        for lr in getattr(authz, "local_routes", None) or ():
            if lr.ipv6:
                routes.append(Route6("S", ipaddress.IPv6Network(lr.prefix, strict=False), va.name, lr.next_hop,
                                     lr.distance or 1))
    if routes:
        routes.append(Route6("L", ipaddress.IPv6Network("ff00::/8"), "Null0", receive=True))
    return best_per_prefix(routes)

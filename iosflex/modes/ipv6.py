"""IPv6 handlers (issue 15): ipv6 unicast-routing, ipv6 local pool, the interface's ipv6 address / unnumbered /
mtu, and show ipv6 interface [brief] / show ipv6 local pool."""

from __future__ import annotations

import ipaddress

from ..config.ipv6 import Ipv6Pool, v6text
from . import CommandError, handler
from .interface import ifname_text


@handler("config_ipv6_unicast_routing")
def config_ipv6_unicast_routing(ctx):
    ctx.cfg.ipv6_routing.unicast_routing = not ctx.no


@handler("config_ipv6_local_pool")
def config_ipv6_local_pool(ctx):
    a = ctx.args
    name = a.get("pool")
    pools = ctx.cfg.ipv6_local_pool.pools
    if ctx.no:
        if name not in pools:
            raise CommandError(f"%Pool {name} not found")
        del pools[name]
        return
    net = ipaddress.IPv6Network(a.get("prefix6"), strict=False)
    assigned = a.int("assigned")
    if assigned < net.prefixlen:
        raise CommandError(f"% Assigned prefix length {assigned} is shorter than the pool's /{net.prefixlen}")
    for other in pools.values():
        if other.name != name and other.network.overlaps(net):
            raise CommandError(f"%Pool {name} overlaps with pool {other.name}")
    pools[name] = Ipv6Pool(name, v6text(f"{net.network_address}/{net.prefixlen}"), assigned)


# ---- interface ----------------------------------------------------------------------------------------------

@handler("if_ipv6_address")
def if_ipv6_address(ctx):
    i = ctx.obj
    a = ctx.args
    if a.get("ll") is not None:
        ll = ipaddress.IPv6Address(a.get("ll"))
        if not ll.is_link_local:
            raise CommandError(f"% {v6text(str(ll))} is not a link-local address")  # before any change
        text = f"{v6text(str(ll))} link-local"
    elif a.get("prefix6") is not None:
        iface = ipaddress.IPv6Interface(a.get("prefix6"))
        if iface.ip.is_link_local or iface.ip.is_multicast or iface.ip.is_unspecified:
            raise CommandError(f"% {v6text(a.get('prefix6'))} is not a valid global unicast address")
        text = v6text(a.get("prefix6")) + (" eui-64" if a.has("eui-64") else "")
    else:
        text = None
    if ctx.no:
        i.ipv6_addresses = [] if text is None else [x for x in i.ipv6_addresses if x != text]
        return
    if text.endswith(" link-local"):
        i.ipv6_addresses = [x for x in i.ipv6_addresses if not x.endswith(" link-local")]
    if text not in i.ipv6_addresses:
        i.ipv6_addresses.append(text)
    i.ipv6_unnumbered = None


@handler("if_ipv6_unnumbered")
def if_ipv6_unnumbered(ctx):
    i = ctx.obj
    if ctx.no:
        i.ipv6_unnumbered = None
        return
    name = ifname_text(ctx, "unnumbered", forward=True)
    i.ipv6_unnumbered = name
    i.ipv6_addresses = [x for x in i.ipv6_addresses if x.endswith(" link-local")]


@handler("if_ipv6_mtu")
def if_ipv6_mtu(ctx):
    ctx.obj.ipv6_mtu = None if ctx.no else ctx.args.int("mtu")


# ---- show ---------------------------------------------------------------------------------------------------

def _v6_lines(cfg, i) -> list[str]:
    ll = i.ipv6_link_local()
    glob = i.ipv6_global(cfg)
    if ll is None and not glob:
        return ["    unassigned"]
    out = [f"    {ll.upper()}"] if ll else []
    out += [f"    {a.upper()}" for a, _ in glob]
    return out


@handler("show_ipv6_interface")
def show_ipv6_interface(ctx):
    """`brief`: IOS's `Name  [status/protocol]` line, then the link-local and global addresses (or
    `unassigned`).  Without it, the first lines of IOS's per-interface block for the interfaces with IPv6 on
    (the ND and multicast details are not modelled)."""
    cfg = ctx.cfg
    brief = ctx.args.has("brief")
    rows = [(i, i.status(cfg)) for i in cfg.interfaces.ordered()]
    rows += [(va.iface, ("up", "up")) for va in ctx.router.vaccess.ordered()]
    for i, (status, proto) in rows:
        name = i.name
        if brief:
            ctx.write(f"{name:<23}[{status}/{proto}]", *_v6_lines(cfg, i))
            continue
        ll = i.ipv6_link_local()
        if ll is None:
            continue
        ctx.write(f"{name} is {status}, line protocol is {proto}",
                  f"  IPv6 is enabled, link-local address is {ll.upper()} ",
                  "  No Virtual link-local address(es):")
        glob = i.ipv6_global(cfg)
        if glob:
            ctx.write("  Global unicast address(es):")
            for a, plen in glob:
                net = ipaddress.IPv6Network(f"{a}/{plen}", strict=False)
                ctx.write(f"    {a.upper()}, subnet is {str(net.network_address).upper()}/{plen} ")
        ctx.write(f"  MTU is {i.ipv6_mtu or 1500} bytes")


@handler("show_ipv6_local_pool")
def show_ipv6_local_pool(ctx):
    pools = ctx.cfg.ipv6_local_pool.pools
    name = ctx.args.get("pool")
    if name is not None and name not in pools:
        raise CommandError(f"%Pool {name} not found")
    ctx.write(f"{'Pool':<22}{'Prefix':<44}{'Free':>6}  In use")
    for p in pools.values():
        if name is not None and p.name != name:
            continue
        used = ctx.router.pools.used(f"v6:{p.name}")
        ctx.write(f"{p.name:<22}{p.prefix:<44}{p.size - used:>6}{used:>8}")


# ---- ipv6 route -------------------------------------------------------------------------------------------

@handler("config_ipv6_route")
def config_ipv6_route(ctx):
    from ..config.ipv6 import Route6  # noqa: PLC0415

    a = ctx.args
    net = ipaddress.IPv6Network(a.get("prefix6"), strict=False)
    prefix = v6text(f"{net.network_address}/{net.prefixlen}")
    nh = a.get("nexthop")
    if nh is not None:
        nh = v6text(nh)
    ifname = ifname_text(ctx, "route") if ctx.args.ifname("route") else None
    routes = ctx.cfg.ipv6_route.routes
    key = (prefix, ifname, nh)
    if ctx.no:
        keep = [r for r in routes if not (r.prefix == prefix and (nh is None and ifname is None or r.key() == key))]
        if len(keep) == len(routes):
            raise CommandError("%No matching route to delete")
        ctx.cfg.ipv6_route.routes = keep
        return
    if nh is None and ifname is None:
        raise CommandError("% Incomplete command.")
    new = Route6(prefix, ifname, nh, a.int("distance") if a.get("distance") is not None else None)
    for k, r in enumerate(routes):
        if r.key() == key:
            routes[k] = new
            return
    routes.append(new)


# IOS 15.x's legend of `show ipv6 route` [U]: as remembered from public IOSv/IOL captures; the reference facts
# have none.
ROUTE6_CODES = (
    "Codes: C - Connected, L - Local, S - Static, U - Per-user Static route",
    "       B - BGP, R - RIP, H - NHRP, I1 - ISIS L1",
    "       I2 - ISIS L2, IA - ISIS interarea, IS - ISIS summary, D - EIGRP",
    "       EX - EIGRP external, ND - ND Default, NDp - ND Prefix, DCE - Destination",
    "       NDr - Redirect, O - OSPF Intra, OI - OSPF Inter, OE1 - OSPF ext 1",
    "       OE2 - OSPF ext 2, ON1 - OSPF NSSA ext 1, ON2 - OSPF NSSA ext 2",
    "       a - Application",
)


@handler("show_ipv6_route")
def show_ipv6_route(ctx):
    from ..interfaces import rib6  # noqa: PLC0415

    routes = rib6.table(ctx.router)
    ctx.write(f"IPv6 Routing Table - default - {len(routes)} entries", *ROUTE6_CODES)
    for r in routes:
        net = f"{str(r.network.network_address).upper()}/{r.network.prefixlen}"
        ctx.write(f"{r.code:<4}{net} [{r.distance}/{r.metric}]")
        if r.receive:
            ctx.write(f"     via {r.interface}, receive")
        elif r.code == "C":
            ctx.write(f"     via {r.interface}, directly connected")
        else:
            via = ", ".join(x for x in (r.next_hop.upper() if r.next_hop else None, r.interface) if x)
            ctx.write(f"     via {via}")

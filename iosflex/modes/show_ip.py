"""Show commands for interfaces and IP: show ip interface brief, show interfaces, show vtemplate,
show ip access-lists, show ip local pool.  Layouts are IOS's (parsed by ntc-templates and genie)."""

from __future__ import annotations

import ipaddress

from ..config.interfaces import TUNNEL_TRANSPORT, canonical_type
from ..config.render import mac_of
from . import CommandError, handler
from .interface import caret_error


@handler("show_ip_interface_brief")
def show_ip_interface_brief(ctx):
    cfg = ctx.cfg
    ctx.write(f"{'Interface':<26} {'IP-Address':<15} {'OK?':<3} {'Method':<6} {'Status':<21} Protocol")
    for i in cfg.interfaces.ordered():
        addr = i.address(cfg)
        ip = addr[0] if addr else "unassigned"
        method = i.ip_method if (i.ip_address or i.ip_unnumbered) else "unset"
        status, proto = i.status(cfg)
        ctx.write(f"{i.name:<26} {ip:<15} YES {method:<6} {status:<21} {proto:<8}")
    for va in ctx.router.vaccess.ordered():  # runtime interfaces, after the configured ones (IOS's type order)
        addr = va.iface.address(cfg)
        ip = addr[0] if addr else "unassigned"
        ctx.write(f"{va.name:<26} {ip:<15} YES {'unset':<6} {'up':<21} {'up':<8}")


def _mask_len(mask: str) -> int:
    return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen


def interface_block(cfg, i, va=None) -> list[str]:
    """`show interfaces` for one interface; `va` a VirtualAccess (interfaces/vaccess.py) whose `iface` is `i`:
    up/up, and the data plane's counters."""
    status, proto = ("up", "up") if va is not None else i.status(cfg)
    out = [f"{i.name} is {status}, line protocol is {proto} "]
    hw = {"Loopback": "Loopback", "Tunnel": "Tunnel", "Virtual-Template": "Virtual Template interface",
          "Virtual-Access": "Virtual Access interface"}.get(i.type, "AmdP2")
    if i.physical:
        mac = mac_of(i)
        out.append(f"  Hardware is {hw}, address is {mac} (bia {mac})")
    else:
        out.append(f"  Hardware is {hw}")
    if i.description:
        out.append(f"  Description: {i.description}")
    addr = i.address(cfg)
    if i.ip_unnumbered:
        using = f" ({addr[0]})" if addr else ""
        out.append(f"  Interface is unnumbered. Using address of {i.ip_unnumbered}{using}")
    elif addr:
        out.append(f"  Internet address is {addr[0]}/{_mask_len(addr[1])}")
    tunnel = i.type in ("Tunnel", "Virtual-Access") or (i.type == "Virtual-Template" and i.vt_type == "tunnel")
    if tunnel:
        mtu = 17916 if (i.tunnel_mode or "").startswith("gre") or i.tunnel_mode is None else 9938
        out.append(f"  MTU {mtu} bytes, BW 100 Kbit/sec, DLY 50000 usec, ")
    elif i.type == "Loopback":
        out.append("  MTU 1514 bytes, BW 8000000 Kbit/sec, DLY 5000 usec, ")
    else:
        out.append("  MTU 1500 bytes, BW 10000 Kbit/sec, DLY 1000 usec, ")
    out.append("     reliability 255/255, txload 1/255, rxload 1/255")
    if tunnel:
        out.append("  Encapsulation TUNNEL, loopback not set")
        out.append("  Keepalive not set")
        src = i.tunnel_source
        if src and not src[0].isdigit() and src != "dynamic":
            other = cfg.interfaces.by_name(src)
            oaddr = other.address(cfg) if other else None
            src_text = f"{oaddr[0]} ({src})" if oaddr else f"UNKNOWN ({src})"
        else:
            src_text = src or "UNKNOWN"
        dst = i.tunnel_destination or "UNKNOWN"
        out.append(f"  Tunnel source {src_text}, destination {dst}")
        out.append(f"  Tunnel protocol/transport {TUNNEL_TRANSPORT.get(i.tunnel_mode, 'GRE/IP')}")
        if i.tunnel_key is not None:
            out.append(f"  Tunnel key {i.tunnel_key}")
        out.append("  Tunnel TTL 255")
        out.append("  Tunnel transport MTU 1476 bytes")
        if i.tunnel_protection:
            out.append(f"  Tunnel protection via IPSec (profile \"{i.tunnel_protection}\")")
    elif i.type == "Loopback":
        out.append("  Encapsulation LOOPBACK, loopback not set")
        out.append("  Keepalive set (10 sec)")
    else:
        out.append("  Encapsulation ARPA, loopback not set")
        out.append("  Keepalive set (10 sec)")
    out += [
        "  Last input never, output never, output hang never",
        "  Last clearing of \"show interface\" counters never",
        "  Input queue: 0/375/0/0 (size/max/drops/flushes); Total output drops: 0",
        "  Queueing strategy: fifo",
        "  Output queue: 0/0 (size/max)",
        "  5 minute input rate 0 bits/sec, 0 packets/sec",
        "  5 minute output rate 0 bits/sec, 0 packets/sec",
        f"     {va.in_packets if va else 0} packets input, {va.in_bytes if va else 0} bytes, 0 no buffer",
        "     Received 0 broadcasts (0 IP multicasts)",
        "     0 runts, 0 giants, 0 throttles ",
        "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort",
        f"     {va.out_packets if va else 0} packets output, {va.out_bytes if va else 0} bytes, 0 underruns",
        "     0 output errors, 0 collisions, 0 interface resets",
        "     0 unknown protocol drops",
        "     0 output buffer failures, 0 output buffers swapped out",
    ]
    return out


@handler("show_interfaces")
def show_interfaces(ctx):
    _each_interface(ctx, "interfaces", interface_block)


def _each_interface(ctx, after: str, block) -> None:
    """`block(cfg, iface[, va])` for the interface named after the keyword `after` (a configured one or a
    live virtual-access; IOS's caret when there is none), or for every interface, virtual-access last."""
    cfg = ctx.cfg
    found = ctx.args.ifname(after)
    if found:
        kind = canonical_type(found[0])
        va = ctx.router.vaccess.get(int(found[1])) if kind == "Virtual-Access" and found[1].isdigit() else None
        if va is not None:
            ctx.write(*block(cfg, va.iface, va))
            return
        i = cfg.interfaces.get(kind, found[1])
        if i is None:
            idx = next(k for k, (n, _) in enumerate(ctx.args.path) if n.tok.is_keyword and n.tok.split) + 1
            raise caret_error(ctx, idx)
        ctx.write(*block(cfg, i))
        return
    for i in cfg.interfaces.ordered():
        ctx.write(*block(cfg, i))
    for va in ctx.router.vaccess.ordered():
        ctx.write(*block(cfg, va.iface, va))


VTEMPLATE_HEAD = [
    "Virtual-access subinterface creation is globally enabled",
    "",
    "         Active     Active    Subint  Interface",
    "       Interface Subinterface Capable Type",
    "       --------- ------------ ------- ---------",
]
VT_KIND = {None: "Serial", "serial": "Serial", "ethernet": "Ether", "tunnel": "Tunnel"}


@handler("show_vtemplate")
def show_vtemplate(ctx):
    ifs = ctx.cfg.interfaces
    vts = [i for i in ifs.ordered() if i.type == "Virtual-Template"]
    number = ctx.args.get("<1-200>") or ctx.args.get("vtemplate")
    if number is not None:
        vts = [i for i in vts if i.number == number]
    rows = []
    for vt in vts:
        kind = VT_KIND[vt.vt_type]
        active = ctx.router.vaccess.active(int(vt.number))
        rows.append(f"{vt.short_name:<7}{active:>9} {0:>12} {'No':>5}   {kind}")
    if number is not None:
        ctx.write(*VTEMPLATE_HEAD, *rows)  # the chapter's `show vtemplate 1` (its wording: "Virtual-access")
        return
    # Full form in the layout of real IOS-XE output (genie's ShowVtemplate parses it).
    ctx.write("Virtual access subinterface creation is globally enabled", *VTEMPLATE_HEAD[1:], *rows)
    used = {"Serial": 0, "Ether": 0, "Tunnel": 0, "VPN": 0}
    reg = ctx.router.vaccess
    for va in reg.ordered():
        vt = ifs.get("Virtual-Template", str(va.template))
        used[VT_KIND[vt.vt_type if vt else "tunnel"]] += 1
    total = sum(used.values())
    lines = ["", "Usage Summary", "                              Interface   Subinterface",
             "                              ---------   ------------"]
    def row(label: str, n: int, col: int = 39) -> str:
        return f"{label}{n:>{col - len(label)}}{0:>15}"

    for kind, label in (("Serial", "Serial "), ("Ether", "Ether  "), ("Tunnel", "Tunnel "), ("VPN", "VPN ")):
        col = 36 if kind == "VPN" else 39
        lines.append(row(f"Current {label} in use", used[kind], col))
        lines.append(row(f"Current {label} free", 0, col))
    lines += [row("Total", total), "", row("Cumulative created", reg.created_total),
              row("Cumulative freed", reg.freed_total), "",
              f"Base virtual access interfaces: {total}",
              f"Total create or clone requests: {reg.created_total}", "Cancelled create or clone requests: 0",
              "Cumulative create request waiting for sso resources: 0", "Current request queue size: 0",
              "Current free pending: 0", "Current recycle pending: 0", "Current ordered recycle pending: 0", "",
              "Maximum request duration: 0 msec", "Average request duration: 0 msec", "Last request duration: 0 msec",
              "", "Maximum processing duration: 0 msec", "Average processing duration: 0 msec",
              "Last processing duration: 0 msec", ""]
    ctx.write(*lines)


@handler("show_ip_access_lists")
def show_ip_access_lists(ctx):
    from ..config.acl import AccessLists  # noqa: PLC0415

    ctx.write(*ctx.cfg.ip_access_list.show(ctx.args.get("acl")))
    per_session = ctx.router.vaccess.acl_lists()  # CoA inacl/outacl (runtime, never in the running-config)
    if per_session:
        ctx.write(*AccessLists({a.name: a for a in per_session}).show(ctx.args.get("acl")))


@handler("show_ip_local_pool")
def show_ip_local_pool(ctx):
    pools = ctx.cfg.ip_local_pool
    name = ctx.args.get("pool")
    if name is not None and name not in pools.pools:
        raise CommandError(f"%Pool {name} not found")
    ctx.write("", " Pool                     Begin           End             Free  In use   Blocked")
    for pname, ranges in pools.pools.items():
        if name is not None and pname != name:
            continue
        leases = ctx.router.pools.in_use.get(pname, ())  # runtime state, not configuration
        for k, r in enumerate(ranges):
            in_use = sum(1 for a in leases if r.contains(a))
            label = pname if k == 0 else ""
            ctx.write(f" {label:<24} {r.low:<15} {r.high or r.low:<15} {r.size - in_use:>5} {in_use:>6} {0:>9}")
    if name is not None:  # one pool: IOS lists its free and used addresses, each used one with its interface
        _pool_addresses(ctx, name, pools.pools[name])


def _pool_addresses(ctx, name, ranges) -> None:
    import ipaddress  # noqa: PLC0415

    leases = ctx.router.pools.in_use.get(name, set())
    owner = {}
    for s in ctx.router.sessions.active():
        a = getattr(s.authorization, "address", None) if s.authorization is not None else None
        if a:
            owner[a] = s.interface or ""
    free, used = [], []
    for r in ranges:
        lo = int(ipaddress.IPv4Address(r.low))
        hi = int(ipaddress.IPv4Address(r.high or r.low))
        for n in range(lo, hi + 1):
            a = str(ipaddress.IPv4Address(n))
            (used if a in leases else free).append(a)
    ctx.write("Available addresses:", *[f"        {a}" for a in free])
    ctx.write("Inuse addresses:", *[f"        {a:<24}{_short_if(owner.get(a, ''))}".rstrip() for a in used])


def _short_if(name: str) -> str:
    """IOS names the user of an address by its short interface name (`Vi1`)."""
    return name.replace("Virtual-Access", "Vi", 1)


# ---- show ip route ---------------------------------------------------------------------------------------

# IOS 15.x's legend (15.4 and later, as public captures of IOSv/IOL print it; the chapter shows no routing
# table).  The trailing space after "inter area" is IOS's.
ROUTE_CODES = (
    "Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP",
    "       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area ",
    "       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2",
    "       E1 - OSPF external type 1, E2 - OSPF external type 2",
    "       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2",
    "       ia - IS-IS inter area, * - candidate default, U - per-user static route",
    "       o - ODR, P - periodic downloaded static route, H - NHRP, l - LISP",
    "       a - application route",
    "       + - replicated route, % - next hop override, p - overrides from PfR",
)


def _route_text(r) -> str:
    if r.next_hop:
        return f"[{r.distance}/{r.metric}] via {r.next_hop}" + (f", {r.interface}" if r.interface else "")
    return f"is directly connected, {r.interface}"


@handler("show_ip_route")
def show_ip_route(ctx):
    """The table of interfaces/rib.py, grouped under its classful networks as IOS does: a network with one
    subnet mask is `is subnetted` (entries without their length), with several `is variably subnetted`."""
    from ..interfaces import rib  # noqa: PLC0415

    routes = rib.table(ctx.router)
    # `show ip route static|connected|local`: only those entries, under headers that count the whole table
    # (as IOS does); `connected` lists the local routes too
    shown_codes = ({"S"} if ctx.args.has("static") else {"C", "L"} if ctx.args.has("connected")
                   else {"L"} if ctx.args.has("local") else None)
    default = next((r for r in routes if r.network.prefixlen == 0), None)
    ctx.write(*ROUTE_CODES, "")
    if default is not None and default.next_hop:
        ctx.write(f"Gateway of last resort is {default.next_hop} to network 0.0.0.0", "")
    elif default is not None:
        ctx.write("Gateway of last resort is 0.0.0.0 to network 0.0.0.0", "")
    else:
        ctx.write("Gateway of last resort is not set", "")
    groups: dict = {}
    for r in routes:
        groups.setdefault(rib.classful(r.network), []).append(r)
    for major in sorted(groups, key=lambda n: (int(n.network_address), n.prefixlen)):
        rs = groups[major]
        picked = [r for r in rs if shown_codes is None or r.code in shown_codes]
        if not picked:
            continue
        if len(rs) == 1 and rs[0].network.prefixlen <= major.prefixlen:
            r = rs[0]
            code = r.code + ("*" if r.network.prefixlen == 0 else "")
            ctx.write(f"{code:<6}{r.network} {_route_text(r)}")
            continue
        nets = {r.network for r in rs}
        masks = {n.prefixlen for n in nets}
        if len(masks) == 1:
            ctx.write(f"      {major.network_address}/{next(iter(masks))} is subnetted, {len(nets)} subnets")
        else:
            ctx.write(f"      {major} is variably subnetted, {len(nets)} subnets, {len(masks)} masks")
        for r in picked:
            shown = str(r.network.network_address) if len(masks) == 1 else str(r.network)
            ctx.write(f"{r.code:<9}{shown} {_route_text(r)}")


# ---- show ip interface [IF] ------------------------------------------------------------------------------


def _ip_mtu(i) -> int:
    """The IP MTU: `ip mtu`, else the interface's default (a GRE/IP tunnel 1476, an IPsec VTI 1438 [U: IOS
    derives it from the transform set; 1438 is its figure for AES/SHA], Ethernet 1500, Loopback 1514)."""
    if i.ip_mtu:
        return i.ip_mtu
    if i.type in ("Tunnel", "Virtual-Access", "Virtual-Template"):
        return 1476 if (i.tunnel_mode or "gre").startswith("gre") else 1438
    return 1514 if i.type == "Loopback" else 1500


def _va_access_list(cfg, va, direction: str) -> str:
    """A virtual-access's access list in `show ip interface`: a per-session list (CoA `ip:inacl#`/`outacl#`)
    with the template's own as the default, as the chapter shows it (`Virtual-Access1#2602, default is not
    set`); else the cloned `ip access-group`, or `not set`."""
    name = va.iface.access_group_in if direction == "in" else va.iface.access_group_out
    acl = (va.acls or {}).get(direction)
    if name and acl is not None and acl.name == name:
        vt = cfg.interfaces.get("Virtual-Template", str(va.template))
        default = (vt.access_group_in if direction == "in" else vt.access_group_out) if vt is not None else None
        return f"{name}, default is {default or 'not set'}"
    return name or "not set"


def ip_interface_block(cfg, i, va=None) -> list[str]:
    """`show ip interface` for one interface, IOS 15.x's lines (genie's ShowIpInterface parses them); what the
    model knows (address, unnumbered, IP MTU, access lists, NAT, VRF) comes from it, the rest are IOS's
    defaults for features the router does not emulate.  A virtual-access (`va`) prints its access lists as the
    chapter's `show ip interface virtual-access 1 | include access` shows them: two lines, no Common lists and
    no access violation accounting line."""
    status, proto = ("up", "up") if va is not None else i.status(cfg)
    out = [f"{i.name} is {status}, line protocol is {proto}"]
    addr = i.address(cfg)
    if i.ip_unnumbered:
        using = f" ({addr[0]})" if addr else ""
        out.append(f"  Interface is unnumbered. Using address of {i.ip_unnumbered}{using}")
    elif addr:
        out.append(f"  Internet address is {addr[0]}/{_mask_len(addr[1])}")
    else:
        out.append("  Internet protocol processing disabled")
        return out
    out += ["  Broadcast address is 255.255.255.255"]
    if i.ip_address:
        out.append("  Address determined by non-volatile memory")
    out += [f"  MTU is {_ip_mtu(i)} bytes", "  Helper address is not set",
            "  Directed broadcast forwarding is disabled"]
    for a, m in i.secondaries:
        out.append(f"  Secondary address {a}/{_mask_len(m)}")
    vrf = i.vrf or i.ip_vrf
    if vrf:
        out.append(f'  VPN Routing/Forwarding "{vrf}"')
    if va is None:
        out += ["  Outgoing Common access list is not set ",
                f"  Outgoing access list is {i.access_group_out or 'not set'}",
                "  Inbound Common access list is not set ",
                f"  Inbound  access list is {i.access_group_in or 'not set'}"]
    else:  # the chapter's virtual-access (CoA per-session ACLs): no Common lines, the template's as the default
        out += [f"  Outgoing access list is {_va_access_list(cfg, va, 'out')}",
                f"  Inbound  access list is {_va_access_list(cfg, va, 'in')}"]
    out += ["  Proxy ARP is enabled", "  Local Proxy ARP is disabled", "  Security level is default",
            "  Split horizon is enabled", "  ICMP redirects are always sent", "  ICMP unreachables are always sent",
            "  ICMP mask replies are never sent", "  IP fast switching is enabled",
            "  IP Flow switching is disabled", "  IP CEF switching is enabled", "  IP CEF switching turbo vector",
            "  IP Null turbo vector", "  Associated unicast routing topologies:",
            '        Topology "base", operation state is ' + ("UP" if proto == "up" else "DOWN"),
            "  IP multicast fast switching is enabled", "  IP multicast distributed fast switching is disabled",
            "  IP route-cache flags are Fast, CEF", "  Router Discovery is disabled",
            "  IP output packet accounting is disabled",
            *(() if va is not None else ("  IP access violation accounting is disabled",)),
            "  TCP/IP header compression is disabled", "  RTP/IP header compression is disabled",
            "  Probe proxy name replies are disabled", "  Policy routing is disabled",
            f"  Network address translation is {'enabled, interface in domain ' + i.nat if i.nat else 'disabled'}",
            "  BGP Policy Mapping is disabled", "  Input features: MCI Check",
            "  IPv4 WCCP Redirect outbound is disabled", "  IPv4 WCCP Redirect inbound is disabled",
            "  IPv4 WCCP Redirect exclude is disabled"]
    return out


@handler("show_ip_interface")
def show_ip_interface(ctx):
    _each_interface(ctx, "interface", ip_interface_block)

"""Interface configuration: `interface X` (global config) and the (config-if) commands.

Every handler checks first and changes the running-config only once the line is known to be good.
"""

from __future__ import annotations

import ipaddress

from ..config.interfaces import BEFORE_PORTS, PHYSICAL, canonical_type
from . import CommandError, handler

INVALID = "% Invalid input detected at '^' marker."


def caret_error(ctx, index: int) -> CommandError:
    """`% Invalid input` with the caret under word `index` of the matched path."""
    col = len(ctx.session.prompt) + ctx.args.starts[index]
    return CommandError(" " * col + "^\n" + INVALID + "\n")


def _ifname_index(ctx, after: str | None) -> int | None:
    """Index in the path of the interface number that follows keyword `after`."""
    start = 0
    path = ctx.args.path
    if after is not None:
        for i, (node, _) in enumerate(path):
            if node.tok.is_keyword and node.tok.text.lower() == after.lower():
                start = i + 1
                break
    for i in range(start, len(path) - 1):
        if path[i][0].tok.is_keyword and path[i][0].tok.split:
            return i + 1
    return None


def resolve_ifname(ctx, after: str | None = None, must_exist: bool = False,
                   create_ports: bool = False, forward: bool = False) -> tuple[str, str] | None:
    """(canonical type, number) typed after keyword `after`; a physical port that does not exist (or any
    interface that does not exist, with `must_exist`) is rejected as IOS does, with a caret.  `forward`: the
    reference is made in an interface block, and a Loopback, Port-channel or Tunnel (which IOS prints before
    every port) may name a port the configuration has not named yet, as one it will name: a real router's
    capture (`tunnel source GigabitEthernet1` in Tunnel0) pastes in its own order.  The reference does not
    create the port."""
    found = ctx.args.ifname(after)
    if found is None:
        return None
    iftype, number = canonical_type(found[0]), found[1]
    ifs = ctx.cfg.interfaces
    forward = forward and getattr(ctx.obj, "type", None) in BEFORE_PORTS
    ok = ifs.get(iftype, number) is not None if must_exist else \
        ifs.exists_or_creatable(iftype, number, create_ports or forward)
    if iftype in PHYSICAL and ifs.get(iftype, number) is None and not ok:
        raise caret_error(ctx, _ifname_index(ctx, after))
    if must_exist and not ok:
        raise caret_error(ctx, _ifname_index(ctx, after))
    return iftype, number


def ifname_text(ctx, after: str | None = None, must_exist: bool = False, forward: bool = False) -> str | None:
    found = resolve_ifname(ctx, after, must_exist, forward=forward)
    return f"{found[0]}{found[1]}" if found else None


# ---- global: interface X --------------------------------------------------------------------------------

@handler("config_interface")
def config_interface(ctx):
    a = ctx.args
    iftype, number = resolve_ifname(ctx, "interface", create_ports=True)
    ifs = ctx.cfg.interfaces
    vt_type = None
    for t in ("ethernet", "serial", "tunnel"):
        if iftype == "Virtual-Template" and a.has("type") and a.has(t):
            vt_type = t
    existing = ifs.get(iftype, number)
    if ctx.no:
        if iftype in PHYSICAL and "." not in number:
            # IOS refuses to delete a port; the text is what IOS 15/XE print (unverified wording).
            raise CommandError("% Removal of physical interfaces is not permitted")
        if iftype == "Virtual-Template" and ctx.router.vaccess.active(int(number)):
            raise CommandError("% Virtual-template config is locked, active vaccess present")
        if existing is not None:
            ifs.remove(iftype, number)
        return
    if iftype == "Virtual-Access" and existing is None:
        raise caret_error(ctx, _ifname_index(ctx, "interface"))
    if iftype == "Virtual-Template":
        if ctx.router.vaccess.active(int(number)):
            raise CommandError("% Virtual-template config is locked, active vaccess present")
        if existing is not None and vt_type and (existing.vt_type or "serial") != vt_type:
            raise CommandError(f"% Virtual-template {number} is already configured as type "
                               f"{existing.vt_type or 'serial'}")
    iface = ifs.get_or_create(iftype, number)
    if existing is None and iface.physical and not iface.subinterface:
        iface.shutdown = True  # a port is administratively down until configured otherwise
    if ctx.session.name == "startup" and iface.physical and not iface.subinterface:
        # A port named in the startup-config comes up unless the config says `shutdown` (IOS reads an NVRAM
        # config onto ports that are up by default); typed or pasted at the console it stays as it was.
        iface.shutdown = False
    if existing is None and iftype == "Virtual-Template" and vt_type != "serial":
        iface.vt_type = vt_type  # None: a plain (serial) template, printed without a type
    ctx.enter("if", iface)


# ---- (config-if) ---------------------------------------------------------------------------------------

@handler("if_description")
def if_description(ctx):
    text = None if ctx.no else ctx.args.get("description")
    if text is not None and len(text) > 240:
        text = text[:240]
    ctx.obj.description = text


def _method(ctx) -> str:
    return "NVRAM" if ctx.session.name == "startup" else "manual"


@handler("if_ip_address")
def if_ip_address(ctx):
    i = ctx.obj
    a = ctx.args
    if ctx.no:
        if a.has("secondary"):
            pair = (a.get("addr"), a.get("mask"))
            if pair in i.secondaries:
                i.secondaries.remove(pair)
            return
        if a.get("addr") is not None and i.ip_address is not None and (a.get("addr"), a.get("mask")) != i.ip_address:
            # `no ip address OLD MASK` after `ip address NEW MASK` replaced OLD: nothing to remove.  Inferred
            # from Ansible cisco.ios l3_interfaces `replaced`, which sends NEW then `no ip address OLD` and is
            # idempotent on IOS; IOS prints no error there (its error patterns would fail the module).
            return
        i.ip_address = None
        i.secondaries = []
        i.ip_unnumbered = None
        i.ip_method = "unset"
        return
    addr, mask = a.get("addr"), a.get("mask")
    try:
        net = ipaddress.IPv4Network(f"{addr}/{mask}", strict=False)
    except ValueError:
        raise CommandError(f"Bad mask 0x{int(ipaddress.IPv4Address(mask)):X} for address {addr}") from None
    if net.prefixlen < 31 and (ipaddress.IPv4Address(addr) in (net.network_address, net.broadcast_address)):
        raise CommandError(f"Bad mask /{net.prefixlen} for address {addr}")
    other = ctx.cfg.interfaces.overlapping(int(net.network_address), int(net.broadcast_address),
                                           i.vrf or i.ip_vrf, i)
    if other is not None:
        raise CommandError(f"% {net.network_address} overlaps with {other.name}")
    if a.has("secondary"):
        if i.ip_address is None:
            raise CommandError("% Secondary IP address can be configured only after primary IP address")
        if (addr, mask) not in i.secondaries:
            i.secondaries.append((addr, mask))
        return
    i.ip_unnumbered = None
    i.ip_address = (addr, mask)
    ctx.cfg.interfaces.note_address(i)
    i.ip_method = _method(ctx)


@handler("if_ip_unnumbered")
def if_ip_unnumbered(ctx):
    i = ctx.obj
    if ctx.no:
        i.ip_unnumbered = None
        return
    name = ifname_text(ctx, "unnumbered", forward=True)
    i.ip_address = None
    i.secondaries = []
    i.ip_unnumbered = name
    i.ip_method = _method(ctx)


@handler("if_ip_mtu")
def if_ip_mtu(ctx):
    ctx.obj.ip_mtu = None if ctx.no else ctx.args.int("mtu")


@handler("if_ip_tcp_mss")
def if_ip_tcp_mss(ctx):
    ctx.obj.tcp_mss = None if ctx.no else ctx.args.int("adjust-mss")


@handler("if_ip_access_group")
def if_ip_access_group(ctx):
    value = None if ctx.no else ctx.args.get("acl")
    if ctx.args.has("in"):
        ctx.obj.access_group_in = value
    else:
        ctx.obj.access_group_out = value


@handler("if_ip_nat")
def if_ip_nat(ctx):
    side = "inside" if ctx.args.has("inside") else "outside"
    if ctx.no:
        if ctx.obj.nat == side:
            ctx.obj.nat = None
        return
    ctx.obj.nat = side


def _vrf_known(cfg, name: str) -> bool:
    vrf = getattr(cfg, "vrf", None)
    if vrf is not None and name in vrf.vrfs:
        return True
    # an `ip vrf NAME` block, kept not emulated (config/kept.py)
    return any(getattr(b, "header", None) == f"ip vrf {name}" for b in cfg.kept_vrf.items)


@handler("if_vrf_forwarding")
def if_vrf_forwarding(ctx):
    i = ctx.obj
    old_style = ctx.args.has("ip")
    if ctx.no:
        had = i.ip_address or i.ip_unnumbered
        if (i.ip_vrf if old_style else i.vrf) is None:
            return
        if old_style:
            i.ip_vrf = None
        else:
            i.vrf = None
        if had:
            ctx.write(f"% Interface {i.name} IPv4 disabled and address(es) removed due to disabling VRF "
                      f"{'' if old_style else ''}".rstrip())
        i.ip_address, i.secondaries, i.ip_unnumbered = None, [], None
        return
    name = ctx.args.get("forwarding")
    if not _vrf_known(ctx.cfg, name):
        raise CommandError(f"% VRF {name} not configured.")
    if (i.ip_vrf if old_style else i.vrf) == name:
        return
    if i.ip_address or i.ip_unnumbered:
        ctx.write(f"% Interface {i.name} IPv4 disabled and address(es) removed due to enabling VRF {name}")
    i.ip_address, i.secondaries, i.ip_unnumbered = None, [], None
    if old_style:
        i.ip_vrf, i.vrf = name, None
    else:
        i.vrf, i.ip_vrf = name, None


@handler("if_ip_nhrp")
def if_ip_nhrp(ctx):
    i = ctx.obj
    a = ctx.args
    if a.has("network-id"):
        i.nhrp_network_id = None if ctx.no else a.int("network-id")
    elif a.has("redirect"):
        i.nhrp_redirect = not ctx.no
    else:
        i.nhrp_shortcut = not ctx.no
        i.nhrp_shortcut_vt = None if ctx.no else a.int("virtual-template")


@handler("if_ipv6_enable")
def if_ipv6_enable(ctx):
    ctx.obj.ipv6_enable = not ctx.no


@handler("if_zone_member")
def if_zone_member(ctx):
    ctx.obj.zone = None if ctx.no else ctx.args.get("security")


@handler("if_logging_link_status")
def if_logging_link_status(ctx):
    ctx.obj.no_link_status_log = ctx.negate == "no"


@handler("if_shutdown")
def if_shutdown(ctx):
    i = ctx.obj
    if ctx.negate == "default":
        i.shutdown = i.physical and not i.subinterface
        return
    i.shutdown = not ctx.no


@handler("if_negotiation")
def if_negotiation(ctx):
    i = ctx.obj
    if i.type == "Port-channel":  # IOS-XE prints its `no negotiation auto`
        i.negotiation_auto = not ctx.no
        return
    if not i.physical:
        raise caret_error(ctx, 1 if ctx.no else 0)
    i.negotiation_auto = True if not ctx.no else None


@handler("if_encapsulation")
def if_encapsulation(ctx):
    i = ctx.obj
    if ctx.no:
        i.encapsulation_dot1q = None
        return
    if not i.physical:
        raise caret_error(ctx, 1)
    if not i.subinterface:
        raise CommandError("Configuring IEEE 802.1Q encapsulation on the main interface is not permitted")
    i.encapsulation_dot1q = ctx.args.int("dot1q")


# ---- tunnel --------------------------------------------------------------------------------------------

def _tunnel_obj(ctx):
    i = ctx.obj
    if not i.tunnel_capable:
        raise caret_error(ctx, 1 if ctx.no else 0)
    return i


@handler("if_tunnel_source")
def if_tunnel_source(ctx):
    i = _tunnel_obj(ctx)
    if ctx.no:
        i.tunnel_source = None
        return
    a = ctx.args
    if a.has("dynamic"):
        i.tunnel_source = "dynamic"
    elif a.get("src"):
        i.tunnel_source = a.get("src")
    else:
        i.tunnel_source = ifname_text(ctx, "source", forward=True)


@handler("if_tunnel_destination")
def if_tunnel_destination(ctx):
    i = _tunnel_obj(ctx)
    if ctx.no:
        i.tunnel_destination = None
        return
    i.tunnel_destination = "dynamic" if ctx.args.has("dynamic") else ctx.args.get("dst")


@handler("if_tunnel_key")
def if_tunnel_key(ctx):
    i = _tunnel_obj(ctx)
    i.tunnel_key = None if ctx.no else ctx.args.int("key")


@handler("if_tunnel_mode")
def if_tunnel_mode(ctx):
    i = _tunnel_obj(ctx)
    if ctx.no:
        i.tunnel_mode = None
        return
    kinds = [node.tok.text for node, _ in ctx.args.path if node.tok.is_keyword]
    mode = " ".join(kinds[-2:])  # `ipsec ipv4`, `gre multipoint`
    i.tunnel_mode = None if mode == "gre ip" else mode


@handler("if_tunnel_vrf")
def if_tunnel_vrf(ctx):
    i = _tunnel_obj(ctx)
    i.tunnel_vrf = None if ctx.no else ctx.args.get("vrf")


@handler("if_tunnel_protection")
def if_tunnel_protection(ctx):
    i = _tunnel_obj(ctx)
    if ctx.no:
        i.tunnel_protection = None
        i.tunnel_protection_shared = False
        return
    i.tunnel_protection = ctx.args.get("profile")
    i.tunnel_protection_shared = ctx.args.has("shared")


@handler("if_tunnel_pmtud")
def if_tunnel_pmtud(ctx):
    i = _tunnel_obj(ctx)
    i.tunnel_pmtud = not ctx.no


# ---- QoS -------------------------------------------------------------------------------------------------

@handler("if_service_policy")
def if_service_policy(ctx):
    i = ctx.obj
    attr = "service_policy_in" if ctx.args.has("input") else "service_policy_out"
    if ctx.no:
        setattr(i, attr, None)
        return
    name = ctx.args.get("input") or ctx.args.get("output")
    pm = getattr(ctx.cfg, "policy_map", None)
    if pm is not None and name not in pm.policies:
        raise CommandError(f"policy map {name} not configured")
    setattr(i, attr, name)

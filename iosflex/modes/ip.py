"""Global IP handlers: ip local pool, ip route, ip domain name / name-server, vrf definition, named access
lists and their entries."""

from __future__ import annotations

import ipaddress

from ..config.acl import PROTO_NAMES, AccessList, Ace, Addr, port_number, port_text
from ..config.ip import PoolRange, Route, Vrf, VrfAf
from . import CommandError, handler
from .interface import caret_error, ifname_text


def _ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


# ---- ip local pool ---------------------------------------------------------------------------------------

@handler("config_ip_local_pool")
def config_ip_local_pool(ctx):
    a = ctx.args
    name, low, high = a.get("pool"), a.get("low"), a.get("high")
    pools = ctx.cfg.ip_local_pool
    if ctx.no:
        if name not in pools.pools:
            raise CommandError(f"%Pool {name} not found")
        if low is None:
            del pools.pools[name]
            return
        keep = [r for r in pools.pools[name] if not (r.low == low and (high is None or r.high in (high, None)))]
        if keep:
            pools.pools[name] = keep
        else:
            del pools.pools[name]
        return
    if high is not None and _ip(high) < _ip(low):
        raise CommandError(f"%Invalid pool range {low} - {high}")
    new = PoolRange(low, None if high is None or high == low else high)
    if any(r.low == new.low and r.high == new.high for r in pools.pools.get(name, [])):
        return
    pools.pools.setdefault(name, []).append(new)


# ---- ip route --------------------------------------------------------------------------------------------

@handler("config_ip_route")
def config_ip_route(ctx):
    a = ctx.args
    prefix, mask = a.get("prefix"), a.get("mask")
    try:
        net = ipaddress.IPv4Network(f"{prefix}/{mask}")
    except ValueError:
        raise CommandError("%Inconsistent address and mask") from None
    del net
    iface = ifname_text(ctx, "route") if a.ifname("route") else None
    vrf = a.get("vrf")
    if vrf is not None and vrf not in ctx.cfg.vrf.vrfs:
        raise CommandError(f"% VRF {vrf} not configured.")
    route = Route(vrf, prefix, mask, iface, a.get("nexthop"), a.int("distance"), a.int("tag"), a.get("name"))
    routes = ctx.cfg.ip_route
    old = routes.find(route.key)
    if ctx.no:
        if old is not None:
            routes.routes.remove(old)
        elif a.get("nexthop") is None and iface is None:
            routes.routes[:] = [r for r in routes.routes if (r.vrf, r.prefix, r.mask) != (vrf, prefix, mask)]
        return
    if old is not None:
        routes.routes.remove(old)
    routes.routes.append(route)


# ---- ip domain / name-server -----------------------------------------------------------------------------

@handler("config_ip_domain_name")
def config_ip_domain_name(ctx):
    ctx.cfg.ip_domain.name = None if ctx.no else ctx.args.get("name")


@handler("config_ip_name_server")
def config_ip_name_server(ctx):
    d = ctx.cfg.ip_domain
    servers = ctx.args.all("server")
    if ctx.no:
        d.name_servers = [s for s in d.name_servers if s not in servers]
        return
    merged = d.name_servers + [s for s in dict.fromkeys(servers) if s not in d.name_servers]
    if len(merged) > 6:
        raise CommandError("% Maximum number of name servers (6) reached")
    d.name_servers = merged


# ---- vrf definition --------------------------------------------------------------------------------------

@handler("config_vrf_definition")
def config_vrf_definition(ctx):
    name = ctx.args.get("definition")
    vrfs = ctx.cfg.vrf.vrfs
    if ctx.no:
        if name not in vrfs:
            raise CommandError(f"% VRF {name} not configured")
        del vrfs[name]
        for i in ctx.cfg.interfaces.items.values():
            if i.vrf == name:
                i.vrf = None
                i.ip_address, i.secondaries, i.ip_unnumbered = None, [], None
        return
    vrf = vrfs.get(name)
    if vrf is None:
        vrf = vrfs[name] = Vrf(name)
    ctx.enter("vrf", vrf)


@handler("vrf_rd")
def vrf_rd(ctx):
    v = ctx.obj
    if ctx.no:
        v.rd = None
        return
    rd = ctx.args.get("rd")
    left, sep, right = rd.partition(":")
    if not sep or not right.isdigit() or not (left.isdigit() or _is_ip(left)):
        raise caret_error(ctx, 1)
    if v.rd is not None and v.rd != rd:
        raise CommandError(f"% Can't change route distinguisher. Delete VRF {v.name} first")
    v.rd = rd


def _is_ip(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


@handler("vrf_description")
def vrf_description(ctx):
    ctx.obj.description = None if ctx.no else ctx.args.get("description")


@handler("vrf_address_family")
def vrf_address_family(ctx):
    v = ctx.obj
    attr = "af_ipv4" if ctx.args.has("ipv4") else "af_ipv6"
    if ctx.no:
        setattr(v, attr, False)
        return
    setattr(v, attr, True)
    ctx.enter("vrf-af", VrfAf(v, attr[3:]))


# ---- access lists ----------------------------------------------------------------------------------------

@handler("config_ip_access_list")
def config_ip_access_list(ctx):
    kind = "standard" if ctx.args.has("standard") else "extended"
    name = ctx.args.get("acl")
    lists = ctx.cfg.ip_access_list.lists
    if ctx.no:
        lists.pop(name, None)
        return
    acl = lists.get(name)
    if acl is not None and acl.kind != kind:
        raise CommandError("% Access-list type conflicts with existing type")
    if acl is None:
        acl = lists[name] = AccessList(name, kind)
    ctx.enter("std-nacl" if kind == "standard" else "ext-nacl", acl)


def _add_entry(ctx, ace: Ace, seq: int | None):
    acl = ctx.obj
    if ctx.no:
        for e in acl.entries:
            if e.same_match(ace) and (seq is None or e.seq == seq):
                acl.entries.remove(e)
                break
        return
    if seq is not None:
        if any(e.seq == seq and e.action != "remark" for e in acl.entries):
            raise CommandError("% Duplicate sequence number")
        ace.seq = seq
    else:
        if any(e.same_match(ace) for e in acl.entries) and ace.action != "remark":
            return  # IOS ignores a duplicate entry
        ace.seq = acl.next_seq()
    acl.add(ace)


@handler("acl_standard_entry")
def acl_standard_entry(ctx):
    a = ctx.args
    action = "permit" if a.has("permit") else "deny"
    if a.has("any"):
        src = Addr("any")
    elif a.has("host"):
        src = Addr("host", a.get("addr"))
    else:
        src = Addr.make("net", a.get("addr"), a.get("wildcard"))
    _add_entry(ctx, Ace(0, action, src=src, log=a.has("log")), a.int("seq"))


@handler("acl_remark")
def acl_remark(ctx):
    text = ctx.args.get("remark")
    if ctx.no:
        ctx.obj.entries[:] = [e for e in ctx.obj.entries if not (e.action == "remark" and e.remark == text)]
        return
    if len(text) > 100:
        raise CommandError("% Remark can be at most 100 characters")
    _add_entry(ctx, Ace(0, "remark", remark=text), None)


@handler("acl_delete_seq")
def acl_delete_seq(ctx):
    seq = ctx.args.int("seq")
    ctx.obj.entries[:] = [e for e in ctx.obj.entries if e.seq != seq]


def _parse_ext(ctx) -> Ace:
    """Walk the matched words: action, protocol, source [port], destination [port], flags."""
    path = ctx.args.path
    words = [(n.tok, w) for n, w in path]
    i = 0
    if words and words[0][0].is_keyword and words[0][0].text in ("no", "default"):
        i = 1
    if not words[i][0].is_keyword:
        i += 1  # sequence number
    action = words[i][0].text
    i += 1
    tok, w = words[i]
    proto = tok.text if tok.is_keyword else PROTO_NAMES.get(int(w), w)
    i += 1

    def addr():
        nonlocal i
        tok, w = words[i]
        if tok.is_keyword and tok.text == "any":
            i += 1
            return Addr("any")
        if tok.is_keyword and tok.text == "host":
            i += 2
            return Addr("host", words[i - 1][1])
        i += 2
        return Addr.make("net", w, words[i - 1][1])

    def port():
        nonlocal i
        if i >= len(words) or not words[i][0].is_keyword or words[i][0].text not in ("eq", "gt", "lt", "neq", "range"):
            return None
        op = words[i][0].text
        count = 2 if op == "range" else 1
        values = []
        for k in range(count):
            word_index = i + 1 + k
            n = port_number(proto, words[word_index][1])
            if n is None:
                raise caret_error(ctx, word_index)
            values.append(port_text(proto, n))
        i += 1 + count
        return f"{op} {' '.join(values)}"

    src = addr()
    sport = port()
    dst = addr()
    dport = port()
    rest = {t.text for t, _ in words[i:] if t.is_keyword}
    return Ace(0, action, proto=proto, src=src, src_port=sport, dst=dst, dst_port=dport,
               established="established" in rest, log="log" in rest)


@handler("acl_extended_entry")
def acl_extended_entry(ctx):
    ace = _parse_ext(ctx)
    _add_entry(ctx, ace, ctx.args.int("seq"))

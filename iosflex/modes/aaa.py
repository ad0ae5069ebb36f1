"""Handlers for AAA and RADIUS configuration (grammars/aaa.gram): global `aaa ...`, `radius-server ...`,
`ip radius source-interface`, and the sub-modes sg-radius, attr-list, acct-mlist, locsvr-da-radius and
radius-server.  Every handler checks first and changes the running-config last.
"""

from __future__ import annotations

from ..config.aaa import (DA_DEFAULT_PORT, AcctUpdate, AttrList, Attribute, DAClient, Key, MethodList,
                          PrivateServer, RadiusGroup, RadiusServer)
from . import CommandError, handler, named_block

MAX_LIST_NAME = 31  # "Named ... list (max 31 characters, longer will be rejected)."
MAX_METHODS = 4
# Unverified IOS texts: no capture of these two rejections was available.
LIST_NAME_TOO_LONG = "% AAA: method list name is longer than 31 characters."
TOO_MANY_METHODS = "% AAA: a method list holds at most 4 methods."


# ---- helpers ---------------------------------------------------------------------------------------

def _body(ctx):
    """The matched (node, word) pairs without a leading `no`/`default`."""
    path = ctx.args.path
    if path and path[0][0].tok.is_keyword and path[0][0].tok.text.lower() in ("no", "default"):
        return path[1:]
    return path


def _negated(ctx) -> bool:
    """`no`/`default` form, including the hidden explicit `no ...` commands of the dynamic-author mode."""
    path = ctx.args.path
    return ctx.no or bool(path and path[0][0].tok.is_keyword and path[0][0].tok.text.lower() == "no")


def _word(item) -> str:
    """A keyword's declared (full) text, or the word typed for a typed token."""
    node, word = item
    return node.tok.text if node.tok.is_keyword else word


def _canonical(items) -> str:
    return " ".join(_word(i) for i in items)


def _methods(items) -> list[str]:
    """`group X local none` (as matched) -> ["group X", "local", "none"]."""
    out, i = [], 0
    while i < len(items):
        text = _word(items[i])
        if text == "group" and i + 1 < len(items):
            out.append(f"group {_word(items[i + 1])}")
            i += 2
        else:
            out.append(text)
            i += 1
    return out


def _key(args) -> Key:
    enc = next((d for d in ("0", "6", "7") if args.has(d)), None)
    return Key(enc, args.get("key"))


def _list_name(item) -> str:
    name = _word(item)
    if len(name) > MAX_LIST_NAME:
        raise CommandError(LIST_NAME_TOO_LONG)
    return name


# ---- aaa new-model / session-id ----------------------------------------------------------------------

@handler("aaa_new_model")
def aaa_new_model(ctx):
    ctx.cfg.aaa_new_model.enabled = not ctx.no


@handler("aaa_session_id")
def aaa_session_id(ctx):
    body = _body(ctx)
    ctx.cfg.aaa_session_id.mode = "common" if ctx.no else _word(body[2])


# ---- method lists ----------------------------------------------------------------------------------

@handler("aaa_method_list")
def aaa_method_list(ctx):
    """aaa authentication {login|enable}, aaa authorization {exec|network}: LIST METHODS."""
    body = _body(ctx)
    kind = f"{_word(body[1])} {_word(body[2])}"
    name = _list_name(body[3])
    lists = ctx.cfg.aaa_methods.lists
    if ctx.no:
        lists.pop((kind, name), None)
        return
    lists[(kind, name)] = MethodList(kind, name, _methods(body[4:]))


@handler("aaa_accounting_network")
def aaa_accounting_network(ctx):
    body = _body(ctx)
    kind = "accounting network"
    name = _list_name(body[3])
    lists = ctx.cfg.aaa_methods.lists
    if ctx.no:
        lists.pop((kind, name), None)
        return
    rest = body[4:]
    if not rest:  # the chapter's sub-mode form
        ml = lists.get((kind, name))
        if ml is None:
            ml = lists[(kind, name)] = MethodList(kind, name)
        ctx.enter("acct-mlist", ml)
        return
    action = _word(rest[0])
    broadcast = len(rest) > 1 and _word(rest[1]) == "broadcast"
    methods = _methods(rest[2:] if broadcast else rest[1:])
    lists[(kind, name)] = MethodList(kind, name, methods, action, broadcast)


@handler("aaa_accounting_update")
def aaa_accounting_update(ctx):
    if ctx.no:
        ctx.cfg.aaa_methods.update = None
        return
    ctx.cfg.aaa_methods.update = AcctUpdate(ctx.args.has("newinfo"), ctx.args.int("periodic"))


@handler("acct_action_type")
def acct_action_type(ctx):
    ml = ctx.obj
    if ctx.no:
        ml.action, ml.broadcast = None, False
        return
    ml.action = _word(_body(ctx)[1])
    ml.broadcast = ctx.args.has("broadcast")


@handler("acct_group")
def acct_group(ctx):
    ml = ctx.obj
    method = f"group {_word(_body(ctx)[1])}"
    if ctx.no:
        if method in ml.methods:
            ml.methods.remove(method)
        return
    if method in ml.methods:
        return
    if len(ml.methods) >= MAX_METHODS:
        raise CommandError(TOO_MANY_METHODS)
    ml.methods.append(method)


# ---- aaa group server radius -----------------------------------------------------------------------

@handler("aaa_group_server_radius")
def aaa_group_server_radius(ctx):
    named_block(ctx, ctx.cfg.aaa_groups.radius, "sg-radius", RadiusGroup)


@handler("sg_server_name")
def sg_server_name(ctx):
    name = ctx.args.get("name")
    servers = ctx.obj.servers
    if ctx.no:
        if name in servers:
            servers.remove(name)
    elif name not in servers:
        servers.append(name)


@handler("sg_server_private")
def sg_server_private(ctx):
    a = ctx.args
    host = a.get("host")
    servers = ctx.obj.servers
    idx = next((i for i, s in enumerate(servers) if isinstance(s, PrivateServer) and s.host == host), None)
    if ctx.no:
        if idx is not None:
            del servers[idx]
        return
    new = PrivateServer(host, a.int("auth-port", 1812), a.int("acct-port", 1813),
                        _key(a) if a.has("key") else None)
    if idx is None:
        servers.append(new)
    else:
        servers[idx] = new


@handler("sg_source_interface")
def sg_source_interface(ctx):
    if ctx.no:
        ctx.obj.source_interface = None
        return
    iftype, number = ctx.args.ifname("source-interface")
    ctx.obj.source_interface = iftype + number


@handler("sg_vrf")
def sg_vrf(ctx):
    ctx.obj.vrf = None if ctx.no else ctx.args.get("vrf")


@handler("sg_deadtime")
def sg_deadtime(ctx):
    ctx.obj.deadtime = None if ctx.no else ctx.args.int("deadtime")


# ---- aaa attribute list ------------------------------------------------------------------------------

@handler("aaa_attribute_list")
def aaa_attribute_list(ctx):
    named_block(ctx, ctx.cfg.aaa_attr_lists.lists, "attr-list", AttrList)


@handler("attr_type")
def attr_type(ctx):
    a = ctx.args
    type_, value = a.get("attr"), a.get("value")
    al = ctx.obj
    old = al.find(type_, value)
    if ctx.no:
        if old is not None:
            al.attributes.remove(old)
        return
    new = Attribute(type_, value, a.has("mandatory"), a.int("tag"))
    if old is None:
        al.attributes.append(new)
    else:
        al.attributes[al.attributes.index(old)] = new


# ---- aaa server radius dynamic-author --------------------------------------------------------------

@handler("aaa_dynamic_author")
def aaa_dynamic_author(ctx):
    da = ctx.cfg.aaa_dynamic_author
    if ctx.no:
        da.reset()
        return
    da.enabled = True
    ctx.enter("locsvr-da-radius", da)


@handler("da_client")
def da_client(ctx):
    a = ctx.args
    host, vrf = a.get("client"), a.get("vrf")
    clients = ctx.obj.clients
    if _negated(ctx):
        clients.pop((host, vrf), None)
        return
    clients[(host, vrf)] = DAClient(host, vrf, _key(a) if a.has("server-key") else None)


@handler("da_server_key")
def da_server_key(ctx):
    ctx.obj.server_key = None if _negated(ctx) else _key(ctx.args)


@handler("da_port")
def da_port(ctx):
    ctx.obj.port = DA_DEFAULT_PORT if _negated(ctx) else ctx.args.int("port")


@handler("da_auth_type")
def da_auth_type(ctx):
    ctx.obj.auth_type = None if _negated(ctx) else _word(_body(ctx)[-1])


@handler("da_ignore")
def da_ignore(ctx):
    what = _word(_body(ctx)[-1])
    ignore = ctx.obj.ignore
    if _negated(ctx):
        if what in ignore:
            ignore.remove(what)
    elif what not in ignore:
        ignore.append(what)


# ---- radius server NAME --------------------------------------------------------------------------

@handler("radius_server")
def radius_server(ctx):
    named_block(ctx, ctx.cfg.radius_servers.servers, "radius-server", RadiusServer)


@handler("rs_address")
def rs_address(ctx):
    s = ctx.obj
    if ctx.no:
        s.address, s.auth_port, s.acct_port = None, 1812, 1813
        return
    a = ctx.args
    s.address = (_word(_body(ctx)[1]), a.get("host"))
    s.auth_port = a.int("auth-port", 1812)
    s.acct_port = a.int("acct-port", 1813)


@handler("rs_key")
def rs_key(ctx):
    ctx.obj.key = None if ctx.no else _key(ctx.args)


@handler("rs_timeout")
def rs_timeout(ctx):
    ctx.obj.timeout = None if ctx.no else ctx.args.int("timeout")


@handler("rs_retransmit")
def rs_retransmit(ctx):
    ctx.obj.retransmit = None if ctx.no else ctx.args.int("retransmit")


@handler("rs_automate_tester")
def rs_automate_tester(ctx):
    ctx.obj.automate_tester = None if ctx.no else _canonical(_body(ctx)[1:])


# ---- radius-server globals, ip radius source-interface -----------------------------------------------

@handler("ip_radius_source_interface")
def ip_radius_source_interface(ctx):
    g = ctx.cfg.radius_globals
    if ctx.no:
        g.source_interface = None
        return
    iftype, number = ctx.args.ifname("source-interface")
    vrf = ctx.args.get("vrf")
    g.source_interface = iftype + number + (f" vrf {vrf}" if vrf else "")


@handler("radius_server_attribute")
def radius_server_attribute(ctx):
    body = _body(ctx)
    key = f"{_word(body[2])} {_word(body[3])}"
    attrs = ctx.cfg.radius_globals.attributes
    if ctx.no:
        attrs.pop(key, None)
        return
    attrs[key] = _canonical(body[2:])


@handler("radius_server_dead_criteria")
def radius_server_dead_criteria(ctx):
    g = ctx.cfg.radius_globals
    g.dead_criteria = None if ctx.no else (ctx.args.int("time"), ctx.args.int("tries"))


@handler("radius_server_value")
def radius_server_value(ctx):
    """radius-server deadtime / retransmit / timeout / unique-ident / source-ports extended."""
    g = ctx.cfg.radius_globals
    what = _word(_body(ctx)[1])
    if what == "source-ports":
        g.source_ports_extended = not ctx.no
        return
    attr = what.replace("-", "_")
    setattr(g, attr, None if ctx.no else ctx.args.int(what))


@handler("radius_server_vsa")
def radius_server_vsa(ctx):
    body = _body(ctx)
    what = _word(body[3]) if len(body) > 3 else ""
    sends = ctx.cfg.radius_globals.vsa_send
    if ctx.no:
        if what in sends:
            sends.remove(what)
    elif what not in sends:
        sends.append(what)

"""IKEv2 configuration handlers: `crypto ikev2 ...` in global configuration and the profile, proposal, policy,
keyring (and peer), authorization-policy and name-mangler sub-modes.  Every check runs before any change."""

from __future__ import annotations

from ..config import ikev2 as M
from . import CommandError, handler, named_block




def _key(args, name: str) -> M.Key | None:
    value = args.get(name)
    if value is None:
        return None
    enc = "0" if args.has("0") else "6" if args.has("6") else None
    return M.Key(value, enc)


def _ifname(args, after: str) -> str | None:
    found = args.ifname(after)
    return f"{found[0]}{found[1]}" if found else None


def _first(args, *keywords: str) -> str | None:
    for kw in keywords:
        if args.has(kw):
            return kw
    return None


# ---- global configuration ----------------------------------------------------------------------------

@handler("ikev2_profile")
def ikev2_profile(ctx):
    name = ctx.args.get("name")
    items = ctx.cfg.ikev2_profile.items
    if ctx.no:
        items.pop(name, None)
        return
    prof = items.setdefault(name, M.Profile(name))
    if not prof.complete():
        ctx.write(M.PROFILE_INCOMPLETE)
    ctx.enter("ikev2-profile", prof)


@handler("ikev2_proposal")
def ikev2_proposal(ctx):
    name = ctx.args.get("name")
    items = ctx.cfg.ikev2_proposal.items
    if ctx.no:
        if name == "default":
            items["default"] = M.default_proposal()
        else:
            items.pop(name, None)
        return
    prop = items.setdefault(name, M.Proposal(name))
    if not prop.complete():
        ctx.write(M.PROPOSAL_INCOMPLETE)
    ctx.enter("ikev2-proposal", prop)


def _policy_complete(cfg, pol: M.Policy) -> bool:
    props = cfg.ikev2_proposal.items
    return any(p in props and props[p].complete() for p in pol.proposals)


@handler("ikev2_policy")
def ikev2_policy(ctx):
    name = ctx.args.get("name")
    items = ctx.cfg.ikev2_policy.items
    if ctx.no:
        if name == "default":
            items["default"] = M.default_policy()
        else:
            items.pop(name, None)
        return
    pol = items.setdefault(name, M.Policy(name))
    if not _policy_complete(ctx.cfg, pol):
        ctx.write(M.POLICY_INCOMPLETE)
    ctx.enter("ikev2-policy", pol)


@handler("ikev2_keyring")
def ikev2_keyring(ctx):
    named_block(ctx, ctx.cfg.ikev2_keyring.items, "ikev2-keyring", M.Keyring)


@handler("ikev2_author_policy")
def ikev2_author_policy(ctx):
    named_block(ctx, ctx.cfg.ikev2_author_policy.items, "ikev2-author-policy", M.AuthorPolicy,
                name=ctx.args.get("name") or "default", smart_default=True)


@handler("ikev2_name_mangler")
def ikev2_name_mangler(ctx):
    named_block(ctx, ctx.cfg.ikev2_name_mangler.items, "ikev2-name-mangler", M.NameMangler)


@handler("ikev2_global_fragmentation")
def ikev2_global_fragmentation(ctx):
    g = ctx.cfg.ikev2_global
    if ctx.no:
        g.fragmentation, g.fragmentation_mtu = False, None
    else:
        g.fragmentation, g.fragmentation_mtu = True, ctx.args.int("mtu")


@handler("ikev2_global_cookie_challenge")
def ikev2_global_cookie_challenge(ctx):
    ctx.cfg.ikev2_global.cookie_challenge = None if ctx.no else ctx.args.int("cookie-challenge")


@handler("ikev2_global_nat_keepalive")
def ikev2_global_nat_keepalive(ctx):
    ctx.cfg.ikev2_global.nat_keepalive = None if ctx.no else ctx.args.int("keepalive")


def _dpd(args) -> M.Dpd:
    return M.Dpd(args.int("interval"), args.int("retry"), "periodic" if args.has("periodic") else "on-demand")


@handler("ikev2_global_dpd")
def ikev2_global_dpd(ctx):
    ctx.cfg.ikev2_global.dpd = None if ctx.no else _dpd(ctx.args)


@handler("ikev2_global_limit")
def ikev2_global_limit(ctx):
    g, a = ctx.cfg.ikev2_global, ctx.args
    if a.has("max-sa"):
        g.limit_max_sa = None if ctx.no else a.int("max_sa")
        return
    direction = _first(a, "incoming", "outgoing") or ""
    if ctx.no:
        g.limit_max_in_negotiation.pop(direction, None)
    else:
        g.limit_max_in_negotiation[direction] = a.int("max_neg")


@handler("ikev2_global_http_url")
def ikev2_global_http_url(ctx):
    ctx.cfg.ikev2_global.http_url_cert = ctx.negate != "no"


@handler("ikev2_global_window")
def ikev2_global_window(ctx):
    ctx.cfg.ikev2_global.window = None if ctx.no else ctx.args.int("window")


# ---- profile -----------------------------------------------------------------------------------------

@handler("profile_description")
def profile_description(ctx):
    ctx.obj.description = None if ctx.no else ctx.args.get("description")


def _match_identity(args) -> M.Identity:
    if args.has("any"):
        return M.Identity("any")
    if args.has("ipv6"):
        return M.Identity("ipv6", args.get("prefix6"))
    if args.has("address"):
        addr, mask = args.get("addr"), args.get("mask")
        if addr == "0.0.0.0":
            return M.Identity("address", addr)  # the wildcard, printed without a mask
        return M.Identity("address", addr, mask or "255.255.255.255")
    kind = _first(args, "email", "fqdn", "key-id")
    return M.Identity(kind, args.get("value"), domain=args.has("domain"))


@handler("profile_match_identity")
def profile_match_identity(ctx):
    ident = _match_identity(ctx.args)
    lst = ctx.obj.match_identity
    if ctx.no:
        if ident in lst:
            lst.remove(ident)
    elif ident not in lst:
        lst.append(ident)


@handler("profile_match_certificate")
def profile_match_certificate(ctx):
    name, lst = ctx.args.get("map"), ctx.obj.match_certificate
    if ctx.no:
        if name in lst:
            lst.remove(name)
    elif name not in lst:
        lst.append(name)


@handler("profile_match_fvrf")
def profile_match_fvrf(ctx):
    ctx.obj.match_fvrf = None if ctx.no else (ctx.args.get("vrf") or "any")


@handler("profile_match_address_local")
def profile_match_address_local(ctx):
    a = ctx.args
    value = a.get("local") or ("interface " + _ifname(a, "interface"))
    lst = ctx.obj.match_address_local
    if ctx.no:
        if value in lst:
            lst.remove(value)
    elif value not in lst:
        lst.append(value)


@handler("profile_match_inbound_only")
def profile_match_inbound_only(ctx):
    ctx.obj.match_inbound_only = not ctx.no


from ..config.ipv6 import v6text  # noqa: E402


@handler("profile_identity_local")
def profile_identity_local(ctx):
    a = ctx.args
    if ctx.no:
        ctx.obj.identity_local = None
    elif a.has("address"):
        six = a.get("addr6")
        ctx.obj.identity_local = M.Identity("address", a.get("addr") if six is None else v6text(six))
    elif a.has("dn"):
        ctx.obj.identity_local = M.Identity("dn")
    else:
        ctx.obj.identity_local = M.Identity(_first(a, "email", "fqdn", "key-id"), a.get("value"))


def _auth_method(args) -> M.AuthMethod:
    if args.has("anyconnect-eap"):
        return M.AuthMethod("anyconnect-eap", cert_request=args.has("cert-request"))
    if args.has("eap"):
        method = _first(args, "gtc", "md5", "mschapv2")
        if method:
            return M.AuthMethod("eap", eap_method=method, username=args.get("user"), password=_key(args, "password"))
        return M.AuthMethod("eap", query_identity=args.has("query-identity"), timeout=args.int("timeout"))
    if args.has("pre-share"):
        return M.AuthMethod("pre-share", key=_key(args, "key"))
    return M.AuthMethod(_first(args, "rsa-sig", "ecdsa-sig"))


@handler("profile_authentication")
def profile_authentication(ctx):
    prof, a = ctx.obj, ctx.args
    if a.has("local"):
        new = None if ctx.no else _auth_method(a)
        if any(m.method in M.EAP_METHODS for m in prof.auth_remote) and (new is None or new.method not in M.CERT_METHODS):
            # keep the rule `authentication remote eap` enforces (and the printed config re-loadable)
            raise CommandError(M.EAP_NEEDS_CERT)
        prof.auth_local = new
        return
    new = _auth_method(a)
    old = prof.remote_method(new.method)
    if ctx.no:
        if old is None:
            return
        if new.method == "eap" and (new.query_identity or new.timeout is not None):
            # `no authentication remote eap query-identity|timeout N` removes just that option
            if new.query_identity:
                old.query_identity = False
            if new.timeout is not None:
                old.timeout = None
        elif new.method == "anyconnect-eap" and new.cert_request:
            old.cert_request = False
        else:
            prof.auth_remote.remove(old)
        return
    if new.method in M.EAP_METHODS and (prof.auth_local is None or prof.auth_local.method not in M.CERT_METHODS):
        raise CommandError(M.EAP_NEEDS_CERT)
    if old is None:
        prof.auth_remote.append(new)
    elif new.method == "eap":
        # the options accumulate: `... eap query-identity` then `... eap timeout 120`
        old.query_identity = old.query_identity or new.query_identity
        if new.timeout is not None:
            old.timeout = new.timeout
    else:
        prof.auth_remote[prof.auth_remote.index(old)] = new


@handler("profile_keyring")
def profile_keyring(ctx):
    a = ctx.args
    if ctx.no:
        ctx.obj.keyring = None
        return
    if a.has("local"):
        name = a.get("name")
        if name not in ctx.cfg.ikev2_keyring.items:
            raise CommandError(M.INVALID_KEYRING.format(name))
        ctx.obj.keyring = M.ProfileKeyring("local", name)
        return
    mangler = a.get("mangler")
    if mangler is not None and mangler not in ctx.cfg.ikev2_name_mangler.items:
        raise CommandError(M.NO_NAME_MANGLER)
    ctx.obj.keyring = M.ProfileKeyring("aaa", a.get("list"), mangler, _key(a, "password"))


@handler("profile_pki_trustpoint")
def profile_pki_trustpoint(ctx):
    a = ctx.args
    label = a.get("tp")
    usage = _first(a, "sign", "verify")
    lst = ctx.obj.trustpoints
    current = [t for t in lst if t[0] == label]
    if ctx.no:
        for t in current:
            lst.remove(t)
        return
    if label not in ctx.cfg.pki.trustpoints:
        raise CommandError(M.NO_TRUSTPOINT.format(label))
    if current:
        lst[lst.index(current[0])] = (label, usage)
    else:
        lst.append((label, usage))


@handler("profile_lifetime")
def profile_lifetime(ctx):
    ctx.obj.lifetime = None if ctx.no else ctx.args.int("lifetime")


@handler("profile_dpd")
def profile_dpd(ctx):
    ctx.obj.dpd = None if ctx.no else _dpd(ctx.args)


@handler("profile_nat")
def profile_nat(ctx):
    if ctx.args.has("force-encap"):
        ctx.obj.nat_force_encap = not ctx.no
    else:
        ctx.obj.nat_keepalive = None if ctx.no else ctx.args.int("keepalive")


@handler("profile_aaa_authentication")
def profile_aaa_authentication(ctx):
    method = _first(ctx.args, "anyconnect-eap", "eap")
    if ctx.no:
        ctx.obj.aaa_authentication.pop(method, None)
    else:
        ctx.obj.aaa_authentication[method] = ctx.args.get("list")


@handler("profile_aaa_authorization")
def profile_aaa_authorization(ctx):
    a = ctx.args
    scope = "group" if a.has("group") else "user"
    method = _first(a, "anyconnect-eap", "psk", "eap", "cert", "any")
    table = ctx.obj.aaa_author_group if scope == "group" else ctx.obj.aaa_author_user
    if ctx.no:
        table.pop(method, None)
        return
    table[method] = M.AaaAuthorization(
        scope, method, override=a.has("override"), cached=a.has("cached"), list=a.get("list"),
        name=a.get("name"), name_local=a.has("local"), name_mangler=a.get("mangler"),
        password=_key(a, "password"))


@handler("profile_aaa_accounting")
def profile_aaa_accounting(ctx):
    method = _first(ctx.args, "anyconnect-eap", "psk", "eap", "cert")
    if ctx.no:
        ctx.obj.aaa_accounting.pop(method, None)
    else:
        ctx.obj.aaa_accounting[method] = ctx.args.get("list")


@handler("profile_virtual_template")
def profile_virtual_template(ctx):
    if ctx.no:
        ctx.obj.virtual_template, ctx.obj.virtual_template_auto = None, False
    else:
        ctx.obj.virtual_template = ctx.args.int("virtual-template")
        ctx.obj.virtual_template_auto = ctx.args.has("auto")


@handler("profile_config_exchange")
def profile_config_exchange(ctx):
    ctx.obj.config_exchange_request = ctx.negate != "no"


@handler("profile_reconnect")
def profile_reconnect(ctx):
    prof = ctx.obj
    if ctx.no:
        prof.reconnect, prof.reconnect_timeout = False, None
        return
    if prof.uses_psk():
        raise CommandError(M.RECONNECT_WITH_PSK)
    prof.reconnect, prof.reconnect_timeout = True, ctx.args.int("timeout")


@handler("profile_anyconnect")
def profile_anyconnect(ctx):
    ctx.obj.anyconnect_profile = None if ctx.no else ctx.args.get("name")


@handler("profile_ivrf")
def profile_ivrf(ctx):
    ctx.obj.ivrf = None if ctx.no else ctx.args.get("vrf")


@handler("profile_shutdown")
def profile_shutdown(ctx):
    ctx.obj.shutdown = not ctx.no


# ---- proposal ----------------------------------------------------------------------------------------

@handler("proposal_algorithms")
def proposal_algorithms(ctx):
    prop = ctx.obj
    kind = _first(ctx.args, *M.PROPOSAL_KINDS)
    values = ctx.args.keywords_after(kind)
    current = getattr(prop, kind)
    if ctx.no:
        setattr(prop, kind, [v for v in current if v not in values] if values else [])
        prop.fresh.discard(kind)
        return
    if kind in prop.fresh:
        current = []
        prop.fresh.discard(kind)
    setattr(prop, kind, list(dict.fromkeys(current + values)))


# ---- policy ------------------------------------------------------------------------------------------

@handler("policy_proposal")
def policy_proposal(ctx):
    pol, name = ctx.obj, ctx.args.get("name")
    if ctx.no:
        if name in pol.proposals:
            pol.proposals.remove(name)
        return
    if name not in ctx.cfg.ikev2_proposal.items:
        raise CommandError(M.NO_PROPOSAL.format(name))
    if pol.fresh:
        pol.proposals, pol.fresh = [], False
    if name not in pol.proposals:
        pol.proposals.append(name)


@handler("policy_match")
def policy_match(ctx):
    pol, a = ctx.obj, ctx.args
    if a.has("fvrf"):
        pol.match_fvrf = None if ctx.no else (a.get("vrf") or "any")
    elif a.has("inbound-only"):
        pol.match_inbound_only = not ctx.no
    else:
        addr = a.get("local")
        if ctx.no:
            if addr in pol.match_address_local:
                pol.match_address_local.remove(addr)
        elif addr not in pol.match_address_local:
            pol.match_address_local.append(addr)


# ---- keyring and peer --------------------------------------------------------------------------------

@handler("keyring_peer")
def keyring_peer(ctx):
    name, peers = ctx.args.get("name"), ctx.obj.peers
    if ctx.no:
        peers.pop(name, None)
        return
    ctx.enter("ikev2-keyring-peer", peers.setdefault(name, M.KeyringPeer(name)))


@handler("peer_description")
def peer_description(ctx):
    ctx.obj.description = None if ctx.no else ctx.args.get("description")


@handler("peer_hostname")
def peer_hostname(ctx):
    ctx.obj.hostname = None if ctx.no else ctx.args.get("host")


@handler("peer_address")
def peer_address(ctx):
    peer, a = ctx.obj, ctx.args
    if ctx.no:
        peer.address = peer.address6 = None
    elif a.get("addr"):
        peer.address, peer.address6 = (a.get("addr"), a.get("mask")), None
    else:
        peer.address, peer.address6 = None, a.get("prefix6")


@handler("peer_identity")
def peer_identity(ctx):
    a = ctx.args
    if ctx.no:
        ctx.obj.identity = None
    elif a.has("address"):
        ctx.obj.identity = M.Identity("address", a.get("addr"))
    else:
        ctx.obj.identity = M.Identity(_first(a, "fqdn", "email", "key-id"), a.get("value"), domain=a.has("domain"))


@handler("peer_psk")
def peer_psk(ctx):
    peer, a = ctx.obj, ctx.args
    which = _first(a, "local", "remote")
    attr = {"local": "psk_local", "remote": "psk_remote", None: "psk"}[which]
    if ctx.no:
        setattr(peer, attr, None)
        return
    setattr(peer, attr, _key(a, "key"))


# ---- authorization policy ----------------------------------------------------------------------------

_AUTHOR_SCALARS = {  # keyword -> (attribute, argument, type)
    "pool": ("pool", "pool", str),
    "netmask": ("netmask", "mask", str),
    "def-domain": ("def_domain", "domain", str),
    "banner": ("banner", "banner", str),
    "session-lifetime": ("session_lifetime", "lifetime", int),
    "aaa": ("aaa_attribute_list", "list", str),
    "ipsec": ("flow_limit", "limit", int),
}
_AUTHOR_SUB = {  # (keyword, sub-keyword) -> (attribute, argument, type); `no KEYWORD SUB` clears
    ("dhcp", "server"): ("dhcp_server", "server", str),
    ("dhcp", "giaddr"): ("dhcp_giaddr", "giaddr", str),
    ("dhcp", "timeout"): ("dhcp_timeout", "timeout", int),
    ("ipv6", "pool"): ("pool6", "pool6", str),
    ("ipv6", "prefix"): ("prefix_len6", "prefixlen", int),
    ("configuration", "url"): ("configuration_url", "url", str),
    ("configuration", "version"): ("configuration_version", "version", int),
}
_AUTHOR_FLAGS = {"include-local-lan": "include_local_lan", "pfs": "pfs",
                 "smartcard-removal-disconnect": "smartcard_removal_disconnect"}


@handler("author_value")
def author_value(ctx):
    pol, a = ctx.obj, ctx.args
    if a.has("ipv6") and a.has("dns"):
        pol.dns6 = [] if ctx.no else [v for v in (a.get("dns1"), a.get("dns2")) if v]
        return
    for (kw, sub), (attr, arg, typ) in _AUTHOR_SUB.items():
        if a.has(kw) and a.has(sub):
            setattr(pol, attr, None if ctx.no else typ(a.get(arg)))
            return
    for kw, (attr, arg, typ) in _AUTHOR_SCALARS.items():
        if a.has(kw):
            setattr(pol, attr, None if ctx.no else typ(a.get(arg)))
            return
    if a.has("dns") or a.has("wins"):
        kw = "dns" if a.has("dns") else "wins"
        setattr(pol, kw, [] if ctx.no else [v for v in (a.get(kw + "1"), a.get(kw + "2")) if v])
    elif a.has("split-dns") or a.has("backup-gateway"):
        lst = pol.split_dns if a.has("split-dns") else pol.backup_gateways
        value = a.get("domain") if a.has("split-dns") else a.get("gateway")
        if ctx.no:
            if value in lst:
                lst.remove(value)
        elif value not in lst:
            lst.append(value)
    else:
        for kw, attr in _AUTHOR_FLAGS.items():
            if a.has(kw):
                setattr(pol, attr, not ctx.no)
                return


@handler("author_route")
def author_route(ctx):
    pol, a = ctx.obj, ctx.args
    if a.has("accept"):
        if ctx.negate == "no":
            pol.route_accept, pol.route_accept_tag, pol.route_accept_distance = False, None, None
        elif ctx.no:
            pol.route_accept, pol.route_accept_tag, pol.route_accept_distance = True, None, None
        else:
            pol.route_accept, pol.route_accept_tag, pol.route_accept_distance = True, a.int("tag"), a.int("distance")
    elif a.has("interface"):
        pol.route_set_interface = not ctx.no
        pol.route_set_interface_name = None if ctx.no else _ifname(a, "interface")
    elif a.has("access-list"):
        if ctx.no:
            if a.has("ipv6") or not a.get("acl"):
                pol.route_set_acl6 = None
            if not a.has("ipv6"):
                pol.route_set_acl = None
        elif a.has("ipv6"):
            pol.route_set_acl6 = a.get("acl")
        else:
            pol.route_set_acl = a.get("acl")
    elif a.has("remote"):
        value = f"ipv4 {a.get('prefix')} {a.get('mask')}" if a.has("ipv4") else f"ipv6 {a.get('prefix6')}"
        if ctx.no:
            if value in pol.route_set_remote:
                pol.route_set_remote.remove(value)
        elif value not in pol.route_set_remote:
            pol.route_set_remote.append(value)
    elif a.has("local"):
        if a.has("ipv4"):
            route = M.RouteSetLocal("ipv4", a.get("prefix"), a.get("mask"))
        else:
            route = M.RouteSetLocal("ipv6", a.get("prefix6"))
        # one entry per prefix (the YANG list's key): typed again it is replaced in place; `no` removes it
        at = next((i for i, r in enumerate(pol.route_set_local) if r.same_route(route)), None)
        if ctx.no:
            if at is not None:
                del pol.route_set_local[at]
            return
        route = M.RouteSetLocal(route.af, route.prefix, route.mask, a.get("nexthop"), a.int("tag"), a.int("distance"))
        if at is None:
            pol.route_set_local.append(route)
        else:
            pol.route_set_local[at] = route


# ---- name-mangler ------------------------------------------------------------------------------------

@handler("mangler_rule")
def mangler_rule(ctx):
    a = ctx.args
    kind = next(node.tok.text for node, _ in a.path if node.tok.is_keyword and not node.negate)
    if ctx.no:
        ctx.obj.rules.pop(kind, None)
        return
    texts = [node.tok.text if node.tok.is_keyword else w for (node, w) in a.path if not node.negate][1:]
    ctx.obj.rules[kind] = " ".join(texts)

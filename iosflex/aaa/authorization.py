"""IKEv2 authorization: the attributes a session gets (config payload, virtual-access interface config) from
`aaa authorization group|user ... list LIST NAME|name-mangler M` in the IKEv2 profile, resolved through the
`aaa authorization network LIST` method list (`local` = `crypto ikev2 authorization policy NAME`; `group G` =
RADIUS: the steps yield a `RadiusAuthor` the AAA service answers, aaa/service.py), and the address from
`ip local pool` (`router.pools`).

One merge point, `authorize()`: sources are applied in the chapter's order, group, implicit (cached attributes
from AAA PSK / EAP, passed in as `implicit`), user; with `aaa authorization group override ...` the order is
implicit, user, group.  A later source overrides an earlier one attribute by attribute; `interface-config`
commands accumulate in that order (the virtual-access interface applies them one after the other) and pushed
subnets accumulate too.

IOS behaviours decided here:
- A name that has no `crypto ikev2 authorization policy` falls back to the `default` authorization policy
  (IOS's smart default, which always exists).
- A method list that does not exist, or a RADIUS method without a RADIUS source (and no later `local`), fails
  the authorization: the session is refused (AUTHENTICATION_FAILED), as the chapter says for failed group or
  user authorization.
- The address comes from the merged pool when the CFG_REQUEST asks for INTERNAL_IP4_ADDRESS; a pool that is
  exhausted or missing fails with INTERNAL_ADDRESS_FAILURE (36).  `release()` returns it at session end;
  `router.pools` (aaa/pools.py) holds the leases `show ip local pool` counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..crypto.state import Identity
from .attrs import *  # noqa: F403  (the names tests and the engine use: Attrs, AuthzResult, cfg_reply_attributes, ...)
from .attrs import merge_attrs
from .attrs import INTERNAL_IP4_ADDRESS, INTERNAL_ADDRESS_FAILURE, AUTHENTICATION_FAILED, Attrs, AuthzResult, policy_attrs
from .manglers import mangle
from .pools import AddressPools, allocate, allocate6, release, release6
from .attrs import INTERNAL_IP6_ADDRESS

def local_policy(cfg, name: str | None):
    items = cfg.ikev2_author_policy.items
    return items.get(name) if name is not None and name in items else items.get("default")


def _merge(into: AuthzResult, src: Attrs) -> None:
    """One source over the merged result, attribute by attribute (attrs.py owns the rules)."""
    merge_attrs(into, src)


@dataclass(slots=True)
class RadiusAuthor:
    """What the authorization steps ask the driver: RADIUS authorization of `username` through server group
    `group` (the AAA service sends it).  The answer: Attrs (Access-Accept), None (Access-Reject), or
    NO_ANSWER (no server of the group answered: IOS goes on with the list's next method)."""

    group: str
    username: str
    password: str | None
    kind: str  # group | user | psk
    method_list: str


NO_ANSWER = object()


def run_list(cfg, list_name: str, username: str, password: str | None, kind: str):
    """Steps of one authorization through `aaa authorization network LIST` (a generator: yields RadiusAuthor,
    returns (attrs, source text) or (None, error))."""
    ml = cfg.aaa_methods.get("authorization network", list_name)
    if ml is None:
        return None, f"method list {list_name} not defined"
    for method in ml.methods:
        if method == "local":
            pol = local_policy(cfg, username)
            return policy_attrs(cfg, pol), f"{kind} local {pol.name}"
        if method.startswith("group "):
            answer = yield RadiusAuthor(method.split(None, 1)[1], username, password, kind, list_name)
            if answer is NO_ANSWER:
                continue
            if answer is None:
                return None, f"{kind} authorization rejected for {username}"
            return answer, f"{kind} {method} {username}"
        if method == "none":
            return Attrs(), f"{kind} none"
    return None, f"{kind} authorization failed for {username}"


def _username(cfg, a, identity: Identity | None, eap_id: str | None) -> str | None:
    if a.name:
        return a.name
    if a.name_mangler:
        return mangle(cfg, a.name_mangler, identity, eap_id)
    if eap_id is not None:
        return eap_id
    return identity.text if identity is not None else None


def method_key(auth_method: str) -> str:
    """Profile keys of `aaa authorization ... {psk|eap|cert|anyconnect-eap}` from the peer's AUTH method."""
    m = auth_method.lower()
    if m in ("psk", "pre-share"):
        return "psk"
    if m in ("rsa", "ecdsa", "rsa-sig", "ecdsa-sig", "cert"):
        return "cert"
    if m in ("anyconnect-eap",):
        return "anyconnect-eap"
    return "eap"


def authorize(router, profile, peer_identity: Identity | None, auth_method: str,
              request_attrs=(), eap_id: str | None = None, implicit: Attrs | None = None,
              vaccess_address: str | None = None) -> AuthzResult:
    """`authorize_steps` run to the end where every RADIUS method counts as not answering (tests, and
    callers without a network)."""
    steps = authorize_steps(router.config, profile, peer_identity, auth_method, request_attrs, eap_id, implicit,
                            vaccess_address, router.pools)
    answer = None
    while True:
        try:
            steps.send(answer)
        except StopIteration as stop:
            return stop.value
        answer = NO_ANSWER


def authorize_steps(cfg, profile, peer_identity: Identity | None, auth_method: str,
                    request_attrs=(), eap_id: str | None = None, implicit: Attrs | None = None,
                    vaccess_address: str | None = None, leases: AddressPools | None = None):
    """Merge the session's authorization attributes and, when `request_attrs` (the CFG_REQUEST attribute
    types) asks for INTERNAL_IP4_ADDRESS, allocate the address.

    `auth_method`: the peer's method (PSK, RSA, ECDSA, EAP, AnyConnect-EAP or the profile keywords);
    `implicit`: attributes cached from AAA PSK / EAP (used when `aaa authorization user ... cached`);
    `vaccess_address`: the virtual-access interface's address for `route set interface` (default: the
    profile's virtual-template address, i.e. the interface it is unnumbered to).
    """
    res = AuthzResult()
    key = method_key(auth_method)
    steps: list[tuple[str, object]] = []
    # `aaa authorization group|user any ...` applies to every remote authentication method
    group = (profile.aaa_author_group.get(key) or profile.aaa_author_group.get("any")) if profile is not None else None
    user = (profile.aaa_author_user.get(key) or profile.aaa_author_user.get("any")) if profile is not None else None
    if group is not None:
        steps.append(("group", group))
    if user is not None and user.cached:
        steps.append(("implicit", None))  # AAA-cached attributes; ignored without `cached`
    if user is not None and not user.cached:
        steps.append(("user", user))
    if group is not None and group.override:
        steps = [s for s in steps if s[0] != "group"] + [("group", group)]
    for kind, a in steps:
        if kind == "implicit":
            if implicit is not None:
                _merge(res, implicit)
                res.sources.append("implicit")
                if implicit.interface_config:
                    res.interface_config_sources.append(("implicit", list(implicit.interface_config)))
            continue
        name = _username(cfg, a, peer_identity, eap_id if key in ("eap", "anyconnect-eap") else None)
        if name is None:
            return _fail(res, f"name-mangler {a.name_mangler} gives no name for the peer")
        if kind == "user":
            res.username = name
        password = a.password.value if a.password else None
        if a.name_local and kind == "user":
            pol = local_policy(cfg, name)
            attrs, src = policy_attrs(cfg, pol), f"user local {pol.name}"
        else:
            attrs, src = yield from run_list(cfg, a.list, name, password, kind)
        if attrs is None:
            return _fail(res, src)
        _merge(res, attrs)
        res.sources.append(src)
        if attrs.interface_config:
            res.interface_config_sources.append((src, list(attrs.interface_config)))
    if res.route_set_interface:
        addr = vaccess_address or _interface_address(cfg, profile, res.route_set_interface_name)
        if addr and (addr, "255.255.255.255") not in res.subnets:
            res.subnets.insert(0, (addr, "255.255.255.255"))
    # chapter step 2: an IPv4 and/or an IPv6 address, as the client asks (single or dual stack); either one
    # that cannot be allocated terminates the session
    if INTERNAL_IP4_ADDRESS in set(request_attrs) and res.address is None and res.pool is not None:
        addr = allocate(leases, cfg, res.pool) if leases is not None else None
        if addr is None:
            res.ok, res.notify = False, INTERNAL_ADDRESS_FAILURE
            res.error = f"pool {res.pool} " + ("exhausted" if res.pool in cfg.ip_local_pool.pools else "not found")
            return res
        res.address, res.allocated = addr, True
    if INTERNAL_IP6_ADDRESS in set(request_attrs) and res.address6 is None and res.pool6 is not None:
        addr6 = allocate6(leases, cfg, res.pool6) if leases is not None else None
        if addr6 is None:
            if res.allocated:  # the IPv4 lease of a dual-stack session goes back
                release(leases, res.pool, res.address)
                res.address, res.allocated = None, False
            res.ok, res.notify = False, INTERNAL_ADDRESS_FAILURE
            res.error = f"ipv6 pool {res.pool6} " + (
                "exhausted" if res.pool6 in cfg.ipv6_local_pool.pools else "not found")
            return res
        res.address6, res.allocated6 = addr6, True
        if res.prefix_len6 is None:
            res.prefix_len6 = cfg.ipv6_local_pool.pools[res.pool6].assigned
    return res


def _fail(res: AuthzResult, why: str) -> AuthzResult:
    res.ok, res.error, res.notify = False, why, AUTHENTICATION_FAILED
    return res


def _interface_address(cfg, profile, name: str | None) -> str | None:
    iface = None
    if name:
        iface = cfg.interfaces.by_name(name)
    elif profile is not None and profile.virtual_template is not None:
        iface = cfg.interfaces.get("Virtual-Template", str(profile.virtual_template))
    addr = iface.address(cfg) if iface is not None else None
    return addr[0] if addr else None




def release_result(router, res: AuthzResult) -> None:
    """At session end: give back what `authorize` allocated."""
    if res.allocated:
        release(router.pools, res.pool, res.address)
        res.allocated = False
    if res.allocated6:
        release6(router.pools, res.pool6, res.address6)
        res.allocated6 = False

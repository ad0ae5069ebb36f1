"""IKEv2 authorization: the attributes a session gets (config payload, virtual-access interface config) from
`aaa authorization group|user ... list LIST NAME|name-mangler M` in the IKEv2 profile, resolved through the
`aaa authorization network LIST` method list (`local` = `crypto ikev2 authorization policy NAME`; `group G` =
RADIUS, plugged in by the AAA issue through `register_radius`), and the address from `ip local pool`.

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
  `ip_local_pool.in_use` is what `show ip local pool` counts.
"""

from __future__ import annotations

import heapq
import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Callable

from ..crypto.state import Identity

# CFG attribute types (RFC 7296 §3.15.1; Cisco Unity private numbers)
INTERNAL_IP4_ADDRESS, INTERNAL_IP4_NETMASK, INTERNAL_IP4_DNS, INTERNAL_IP4_NBNS = 1, 2, 3, 4
APPLICATION_VERSION, INTERNAL_IP4_SUBNET, SUPPORTED_ATTRIBUTES = 7, 13, 14
UNITY_BANNER, UNITY_SAVE_PASSWD, UNITY_DEF_DOMAIN, UNITY_SPLITDNS_NAME = 28672, 28673, 28674, 28675
UNITY_SPLIT_INCLUDE, UNITY_LOCAL_LAN, UNITY_PFS, UNITY_BACKUP_SERVERS = 28676, 28678, 28679, 28681

AUTHENTICATION_FAILED = 24
INTERNAL_ADDRESS_FAILURE = 36
FAILED_CP_REQUIRED = 37

# The name IOS debug gives each attribute (`Attrib type: banner, length: 0`)
ATTR_NAMES = {INTERNAL_IP4_ADDRESS: "ipv4 addr", INTERNAL_IP4_NETMASK: "ipv4 mask", INTERNAL_IP4_DNS: "ipv4 dns",
              INTERNAL_IP4_NBNS: "ipv4 nbns", APPLICATION_VERSION: "app-version", INTERNAL_IP4_SUBNET: "ipv4 subnet",
              UNITY_BANNER: "banner", UNITY_DEF_DOMAIN: "def-domain", UNITY_SPLITDNS_NAME: "split-dns",
              UNITY_BACKUP_SERVERS: "backup-gateway", UNITY_PFS: "pfs", UNITY_LOCAL_LAN: "include-local-lan"}


@dataclass(slots=True)
class Attrs:
    """Attributes from one authorization source (an authorization policy, a RADIUS reply).  None / empty
    means "not given" (does not override an earlier source)."""

    pool: str | None = None
    address: str | None = None  # a fixed address (RADIUS Framed-IP-Address)
    netmask: str | None = None
    dns: list[str] = field(default_factory=list)
    wins: list[str] = field(default_factory=list)
    def_domain: str | None = None
    split_dns: list[str] = field(default_factory=list)
    banner: str | None = None
    backup_gateways: list[str] = field(default_factory=list)
    include_local_lan: bool | None = None
    pfs: bool | None = None
    session_lifetime: int | None = None
    subnets: list[tuple[str, str]] = field(default_factory=list)  # pushed routes (address, mask)
    subnets6: list[str] = field(default_factory=list)
    route_set_interface: bool | None = None  # resolved into `subnets` by authorize()
    route_set_interface_name: str | None = None
    interface_config: list[str] = field(default_factory=list)
    route_accept: bool | None = None
    route_accept_tag: int | None = None
    route_accept_distance: int | None = None
    flow_limit: int | None = None
    psk: bytes | None = None  # ipsec:tunnel-password (AAA-based PSK)


@dataclass(slots=True)
class AuthzResult(Attrs):
    ok: bool = True
    error: str | None = None
    notify: int | None = None  # the notify to refuse with when not ok
    sources: list[str] = field(default_factory=list)  # e.g. ["group local domain1", "user local router1"]
    # (`local` names the authorization policy actually used: `default` when the name has none)
    username: str | None = None  # the user-authorization name (accounting, debug)
    allocated: bool = False  # `address` came from `pool` and must be released


# RADIUS plug-in: fn(router, group_name, username, password, kind) -> Attrs, or raises ConnectionError when no
# server answers (IOS then tries the next method); returns None for Access-Reject.
_RADIUS: Callable | None = None


def register_radius(fn: Callable | None) -> None:
    global _RADIUS
    _RADIUS = fn


# ---- name-mangler -----------------------------------------------------------------------------------------

_DN_FIELDS = {"common-name": "cn", "country": "c", "domain": "dc", "locality": "l", "organization": "o",
              "organization-unit": "ou", "state": "st"}


def _dn_field(dn: str, fld: str) -> str | None:
    want = _DN_FIELDS.get(fld, fld)
    for part in dn.replace("/", ",").split(","):
        k, _, v = part.partition("=")
        if k.strip().lower() == want:
            return v.strip()
    return None


def mangle(cfg, mangler_name: str, identity: Identity | None, eap_id: str | None = None) -> str | None:
    """The AAA username a `crypto ikev2 name-mangler` derives, or None when it has no rule for the identity
    (IP-address identities cannot be mangled)."""
    nm = cfg.ikev2_name_mangler.items.get(mangler_name)
    if nm is None:
        return None
    if eap_id is not None:
        rule = nm.rules.get("eap")
        if rule is None:
            return None
        words = rule.split()
        if words[0] == "all":
            return eap_id
        if words[0] == "dn":
            return _dn_field(eap_id, words[1])
        if words[0] in ("prefix", "suffix"):
            delim = words[-1]
            if delim not in eap_id:
                return eap_id
            head, _, tail = eap_id.partition(delim)
            return head if words[0] == "prefix" else tail
        return None
    if identity is None:
        return None
    text = identity.text
    if identity.id_type == 2 and "fqdn" in nm.rules:
        how = nm.rules["fqdn"]
        host, _, dom = text.partition(".")
        return {"all": text, "hostname": host, "domain": dom or text}.get(how)
    if identity.id_type == 3 and "email" in nm.rules:
        how = nm.rules["email"]
        user, _, dom = text.partition("@")
        return {"all": text, "username": user, "domain": dom}.get(how)
    if identity.id_type == 9 and "dn" in nm.rules:
        return _dn_field(text, nm.rules["dn"])
    return None


# ---- local authorization policies --------------------------------------------------------------------------


def acl_subnets(cfg, name: str) -> list[tuple[str, str]]:
    """`route set access-list NAME`: the permit entries of a standard ACL as (address, mask)."""
    acl = cfg.ip_access_list.lists.get(name)
    if acl is None:
        return []
    out = []
    for e in acl.entries:
        if e.action != "permit" or e.src is None:
            continue
        if e.src.kind == "any":
            out.append(("0.0.0.0", "0.0.0.0"))
        elif e.src.kind == "host":
            out.append((e.src.addr, "255.255.255.255"))
        else:
            w = int(ipaddress.IPv4Address(e.src.wildcard))
            out.append((e.src.addr, str(ipaddress.IPv4Address(~w & 0xFFFFFFFF))))
    return out


def policy_attrs(cfg, pol) -> Attrs:
    """The attributes of a `crypto ikev2 authorization policy` (config.ikev2.AuthorPolicy)."""
    a = Attrs(pool=pol.pool, netmask=pol.netmask, dns=list(pol.dns), wins=list(pol.wins), def_domain=pol.def_domain,
              split_dns=list(pol.split_dns), banner=pol.banner, backup_gateways=list(pol.backup_gateways),
              include_local_lan=pol.include_local_lan or None, pfs=pol.pfs or None,
              session_lifetime=pol.session_lifetime, flow_limit=pol.flow_limit)
    if pol.route_set_interface:
        a.route_set_interface = True
        a.route_set_interface_name = pol.route_set_interface_name
    if pol.route_set_acl:
        a.subnets += acl_subnets(cfg, pol.route_set_acl)
    for r in pol.route_set_remote:
        words = r.split()
        if words[0] == "ipv4" and len(words) == 3:
            a.subnets.append((words[1], words[2]))
        elif words[0] == "ipv6" and len(words) == 2:
            a.subnets6.append(words[1])
    if not pol.route_accept:
        a.route_accept = False
    elif pol.route_accept_tag is not None or pol.route_accept_distance is not None:
        a.route_accept, a.route_accept_tag, a.route_accept_distance = True, pol.route_accept_tag, pol.route_accept_distance
    if pol.aaa_attribute_list:
        al = cfg.aaa_attr_lists.lists.get(pol.aaa_attribute_list)
        if al is not None:
            for attr in al.attributes:
                if attr.type == "interface-config":
                    a.interface_config.append(attr.value.strip().strip('"'))
    return a


def local_policy(cfg, name: str | None):
    items = cfg.ikev2_author_policy.items
    return items.get(name) if name is not None and name in items else items.get("default")


_MERGE_SCALARS = ("pool", "address", "netmask", "def_domain", "banner", "include_local_lan", "pfs", "session_lifetime",
                  "route_set_interface", "route_set_interface_name", "route_accept", "route_accept_tag",
                  "route_accept_distance", "flow_limit", "psk")
_MERGE_LISTS = ("dns", "wins", "split_dns", "backup_gateways")


def _merge(into: AuthzResult, src: Attrs) -> None:
    for f in _MERGE_SCALARS:
        v = getattr(src, f)
        if v is not None:
            setattr(into, f, v)
    for f in _MERGE_LISTS:
        v = getattr(src, f)
        if v:
            setattr(into, f, list(v))
    if src.subnets:
        have = into.subnets
        have.extend(x for x in src.subnets if x not in have)
    if src.subnets6:
        have = into.subnets6
        have.extend(x for x in src.subnets6 if x not in have)
    into.interface_config.extend(src.interface_config)


def _run_list(router, list_name: str, username: str, password: str | None, kind: str) -> tuple[Attrs | None, str]:
    """Resolve one authorization through `aaa authorization network LIST`; (attrs, source text) or
    (None, error)."""
    cfg = router.config
    ml = cfg.aaa_methods.get("authorization network", list_name)
    if ml is None:
        return None, f"method list {list_name} not defined"
    for method in ml.methods:
        if method == "local":
            pol = local_policy(cfg, username)
            return policy_attrs(cfg, pol), f"{kind} local {pol.name}"
        if method.startswith("group "):
            if _RADIUS is None:
                continue  # no RADIUS source yet: like a server that does not answer
            try:
                attrs = _RADIUS(router, method.split(None, 1)[1], username, password, kind)
            except ConnectionError:
                continue
            if attrs is None:
                return None, f"{kind} authorization rejected for {username}"
            return attrs, f"{kind} {method} {username}"
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


def _method_key(auth_method: str) -> str:
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
    """Merge the session's authorization attributes and, when `request_attrs` (the CFG_REQUEST attribute
    types) asks for INTERNAL_IP4_ADDRESS, allocate the address.

    `auth_method`: the peer's method (PSK, RSA, ECDSA, EAP, AnyConnect-EAP or the profile keywords);
    `implicit`: attributes cached from AAA PSK / EAP (used when `aaa authorization user ... cached`);
    `vaccess_address`: the virtual-access interface's address for `route set interface` (default: the
    profile's virtual-template address, i.e. the interface it is unnumbered to).
    """
    cfg = router.config
    res = AuthzResult()
    key = _method_key(auth_method)
    steps: list[tuple[str, object]] = []
    group = profile.aaa_author_group.get(key) if profile is not None else None
    user = profile.aaa_author_user.get(key) if profile is not None else None
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
            attrs, src = _run_list(router, a.list, name, password, kind)
        if attrs is None:
            return _fail(res, src)
        _merge(res, attrs)
        res.sources.append(src)
    if res.route_set_interface:
        addr = vaccess_address or _interface_address(cfg, profile, res.route_set_interface_name)
        if addr and (addr, "255.255.255.255") not in res.subnets:
            res.subnets.insert(0, (addr, "255.255.255.255"))
    if INTERNAL_IP4_ADDRESS in set(request_attrs) and res.address is None:
        if res.pool is None:
            return res  # nothing to give: the CFG_REPLY carries no address
        addr = allocate(cfg, res.pool)
        if addr is None:
            res.ok, res.notify = False, INTERNAL_ADDRESS_FAILURE
            res.error = f"pool {res.pool} " + ("exhausted" if res.pool in cfg.ip_local_pool.pools else "not found")
            return res
        res.address, res.allocated = addr, True
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


# ---- ip local pool ---------------------------------------------------------------------------------------------


class _PoolCursor:
    """Where the next never-used address of each range is, and the addresses given back (a min-heap), so
    that handing out an address costs O(log n) however many are in use.  Rebuilt when the ranges change."""

    def __init__(self, ranges):
        self.key = _ranges_key(ranges)
        self.bases = [_num(r.low) for r in ranges]
        self.sizes = [_num(r.high or r.low) - _num(r.low) + 1 for r in ranges]
        self.next = [0] * len(ranges)
        self.freed: list[int] = []

    def contains(self, n: int) -> bool:
        return any(b <= n < b + size for b, size in zip(self.bases, self.sizes))


def _ranges_key(ranges) -> tuple:
    return tuple((r.low, r.high) for r in ranges)


def _num(a: str) -> int:
    return int.from_bytes(socket.inet_aton(a), "big")


def _cursor(pools, pool: str, ranges) -> _PoolCursor:
    table = pools.__dict__.setdefault("_cursors", {})
    cur = table.get(pool)
    if cur is None or cur.key != _ranges_key(ranges):
        cur = table[pool] = _PoolCursor(ranges)
    return cur


def _text(n: int) -> str:
    return socket.inet_ntoa(n.to_bytes(4, "big"))


def allocate(cfg, pool: str, preferred: str | None = None) -> str | None:
    """The lowest free address of `ip local pool NAME` (or `preferred` when free and in the pool); None
    when the pool is exhausted or missing.  Marks it in use."""
    pools = cfg.ip_local_pool
    ranges = pools.pools.get(pool)
    if not ranges:
        return None
    used = pools.in_use.setdefault(pool, set())
    if preferred and preferred not in used and any(r.contains(preferred) for r in ranges):
        used.add(preferred)
        return preferred
    cur = _cursor(pools, pool, ranges)
    while cur.freed:  # given back: all lower than any never-used address of the same range
        n = heapq.heappop(cur.freed)
        a = _text(n)
        if a not in used and cur.contains(n):
            used.add(a)
            return a
    for i, size in enumerate(cur.sizes):
        while cur.next[i] < size:
            a = _text(cur.bases[i] + cur.next[i])
            cur.next[i] += 1
            if a not in used:
                used.add(a)
                return a
    for i, size in enumerate(cur.sizes):  # exhausted: a last full look, in case addresses left `in_use` directly
        for n in range(cur.bases[i], cur.bases[i] + size):
            a = _text(n)
            if a not in used:
                used.add(a)
                return a
    return None


def release(cfg, pool: str | None, address: str | None) -> None:
    """Return an address to its pool (no error if the pool or address is gone)."""
    if not pool or not address:
        return
    pools = cfg.ip_local_pool
    used = pools.in_use.get(pool)
    if used is not None and address in used:
        used.discard(address)
        cur = pools.__dict__.get("_cursors", {}).get(pool)
        if cur is not None:
            heapq.heappush(cur.freed, int.from_bytes(socket.inet_aton(address), "big"))


def release_result(router, res: AuthzResult) -> None:
    """At session end: give back what `authorize` allocated."""
    if res.allocated:
        release(router.config, res.pool, res.address)
        res.allocated = False


# ---- CFG_REPLY ---------------------------------------------------------------------------------------------------


def _ip(a: str) -> bytes:
    try:
        return socket.inet_pton(socket.AF_INET, a)
    except OSError:
        return ipaddress.IPv4Address(a).packed  # raises the same ValueError as before


def cfg_reply_attributes(res: AuthzResult, requested=(), app_version: str | None = None) -> list[tuple[int, bytes]]:
    """The CFG_REPLY attributes, in IOS's order.

    Address, netmask, DNS, NBNS and the Cisco Unity attributes (banner, def-domain, split-dns,
    backup-gateway) are sent when the client asked for them; the pushed subnets (`route set ...`) always
    (clients never request INTERNAL_IP4_SUBNET, yet IOS pushes its routes).  Netmask accompanies an
    address only when configured.
    """
    req = set(requested)
    out: list[tuple[int, bytes]] = []
    if INTERNAL_IP4_ADDRESS in req and res.address:
        out.append((INTERNAL_IP4_ADDRESS, _ip(res.address)))
        if res.netmask:
            out.append((INTERNAL_IP4_NETMASK, _ip(res.netmask)))
    elif INTERNAL_IP4_NETMASK in req and res.netmask:
        out.append((INTERNAL_IP4_NETMASK, _ip(res.netmask)))
    if INTERNAL_IP4_DNS in req:
        out += [(INTERNAL_IP4_DNS, _ip(d)) for d in res.dns]
    if INTERNAL_IP4_NBNS in req:
        out += [(INTERNAL_IP4_NBNS, _ip(w)) for w in res.wins]
    out += [(INTERNAL_IP4_SUBNET, _ip(a) + _ip(m)) for a, m in res.subnets]
    if APPLICATION_VERSION in req and app_version:
        out.append((APPLICATION_VERSION, app_version.encode()))
    if UNITY_BANNER in req and res.banner:
        out.append((UNITY_BANNER, res.banner.encode()))
    if UNITY_DEF_DOMAIN in req and res.def_domain:
        out.append((UNITY_DEF_DOMAIN, res.def_domain.encode()))
    if UNITY_SPLITDNS_NAME in req and res.split_dns:
        out.append((UNITY_SPLITDNS_NAME, ",".join(res.split_dns).encode()))
    if UNITY_BACKUP_SERVERS in req:
        out += [(UNITY_BACKUP_SERVERS, g.encode()) for g in res.backup_gateways]
    if UNITY_PFS in req and res.pfs:
        out.append((UNITY_PFS, (1).to_bytes(2, "big")))
    if UNITY_LOCAL_LAN in req and res.include_local_lan:
        out.append((UNITY_LOCAL_LAN, b""))
    return out

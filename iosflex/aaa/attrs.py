"""Authorization attributes: what one source (an IKEv2 authorization policy, a RADIUS reply) gives a session,
the merged result, and the CFG_REPLY built from it (RFC 7296 §3.15.1 and Cisco Unity attributes)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field

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


# ---- local authorization policies (the local AAA database) --------------------------------------------------------------------------


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

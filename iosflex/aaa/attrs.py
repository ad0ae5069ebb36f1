"""Authorization attributes: what one source (an IKEv2 authorization policy, a RADIUS reply) gives a session,
the merged result, and the CFG_REPLY built from it (RFC 7296 §3.15.1 and Cisco Unity attributes).

Every attribute of the chapter's "RADIUS Attributes Supported by the FlexVPN Server" has one field here and
comes either from a RADIUS reply (`attrs_from_radius`: IETF attributes and Cisco AV pairs) or from the local
AAA database (`policy_attrs`: the `crypto ikev2 authorization policy` commands and the `aaa attribute list` it
references); both give the same Attrs for the same attribute.  Attributes the router does not emulate (the
DHCP ones: there is no DHCP client) are kept all the same, so that `show` can report them.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from functools import lru_cache

from ..config.interfaces import parse_name
from .avpairs import AvPair, AvPairError, parse as parse_avpair

# CFG attribute types (RFC 7296 §3.15.1)
INTERNAL_IP4_ADDRESS, INTERNAL_IP4_NETMASK, INTERNAL_IP4_DNS, INTERNAL_IP4_NBNS = 1, 2, 3, 4
APPLICATION_VERSION, INTERNAL_IP6_ADDRESS, INTERNAL_IP6_DNS = 7, 8, 10
INTERNAL_IP4_SUBNET, SUPPORTED_ATTRIBUTES, INTERNAL_IP6_SUBNET = 13, 14, 15
# Cisco Unity private numbers 28672-28682: ipsec-tools `src/racoon/isakmp_unity.h` (UNITY_BANNER 28672 ...
# UNITY_DDNS_HOSTNAME 28682), the same in Wireshark's `packet-isakmp.c` IKEv1 table and libreswan's
# `constants.h` (MODECFG_BANNER ... CISCO_DDNS_HOSTNAME).
UNITY_BANNER, UNITY_SAVE_PASSWD, UNITY_DEF_DOMAIN, UNITY_SPLITDNS_NAME = 28672, 28673, 28674, 28675
UNITY_SPLIT_INCLUDE, UNITY_LOCAL_LAN, UNITY_PFS, UNITY_BACKUP_SERVERS = 28676, 28678, 28679, 28681
# UNVERIFIED: no public source numbers the remaining unity attributes of the chapter.  libreswan names 28683
# only "CISCO_UNKNOWN_SEEN_ON_IPHONE" and Wireshark calls 28683-32767 private use; the three numbers below are
# this project's choice (the next free Unity numbers), sent only to a client that asks for that very type.
UNITY_SMARTCARD_REMOVAL_DISCONNECT = 28683
UNITY_CONFIG_URL, UNITY_CONFIG_VERSION = 28684, 28685

AUTHENTICATION_FAILED = 24
INTERNAL_ADDRESS_FAILURE = 36
FAILED_CP_REQUIRED = 37

# The name IOS debug gives each attribute (`Attrib type: banner, length: 0`).  The IPv6 names, smartcard and
# config-version are unverified (IOS debug seen with: app-version, split-dns, banner, config-url,
# backup-gateway, def-domain).
ATTR_NAMES = {INTERNAL_IP4_ADDRESS: "ipv4 addr", INTERNAL_IP4_NETMASK: "ipv4 mask", INTERNAL_IP4_DNS: "ipv4 dns",
              INTERNAL_IP4_NBNS: "ipv4 nbns", APPLICATION_VERSION: "app-version", INTERNAL_IP4_SUBNET: "ipv4 subnet",
              INTERNAL_IP6_ADDRESS: "ipv6 addr", INTERNAL_IP6_DNS: "ipv6 dns", INTERNAL_IP6_SUBNET: "ipv6 subnet",
              UNITY_BANNER: "banner", UNITY_DEF_DOMAIN: "def-domain", UNITY_SPLITDNS_NAME: "split-dns",
              UNITY_BACKUP_SERVERS: "backup-gateway", UNITY_PFS: "pfs", UNITY_LOCAL_LAN: "include-local-lan",
              UNITY_SMARTCARD_REMOVAL_DISCONNECT: "smartcard-removal-disconnect", UNITY_CONFIG_URL: "config-url",
              UNITY_CONFIG_VERSION: "config-version"}

IPV6_PREFIX_LEN_DEFAULT = 128  # INTERNAL_IP6_ADDRESS's prefix byte when neither prefix-len nor `ipv6 prefix` says


@dataclass(frozen=True, slots=True)
class LocalRoute:
    """`route set local` / `ipsec:route-set=local`: a subnet behind the peer, to be reached through the
    session's virtual-access interface by a static route with this next hop, tag and distance."""

    prefix: str  # the network: "10.1.0.0/16", "2001:db8::/32"
    next_hop: str | None = None
    tag: int | None = None
    distance: int | None = None

    @property
    def ipv6(self) -> bool:
        return ":" in self.prefix


@dataclass(slots=True)
class Attrs:
    """Attributes from one authorization source (an authorization policy, a RADIUS reply).  None / empty
    means "not given" (does not override an earlier source)."""

    pool: str | None = None  # Framed-Pool / `pool`
    address: str | None = None  # a fixed address (RADIUS Framed-IP-Address)
    netmask: str | None = None  # Framed-IP-Netmask / `netmask`
    dns: list[str] = field(default_factory=list)  # ipsec:dns-servers / `dns`
    wins: list[str] = field(default_factory=list)  # ipsec:wins-servers / `wins`
    def_domain: str | None = None  # ipsec:default-domain / `def-domain`
    split_dns: list[str] = field(default_factory=list)  # ipsec:split-dns / `split-dns`
    banner: str | None = None  # ipsec:banner / `banner`
    backup_gateways: list[str] = field(default_factory=list)  # ipsec:ipsec-backup-gateway / `backup-gateway`
    include_local_lan: bool | None = None  # ipsec:include-local-lan / `include-local-lan`
    pfs: bool | None = None  # ipsec:pfs / `pfs`
    session_lifetime: int | None = None  # `session-lifetime`
    subnets: list[tuple[str, str]] = field(default_factory=list)  # pushed routes (address, mask)
    subnets6: list[str] = field(default_factory=list)  # pushed IPv6 routes "P/L"
    route_set_interface: bool | None = None  # resolved into `subnets` by authorize()
    route_set_interface_name: str | None = None
    interface_config: list[str] = field(default_factory=list)  # ip:interface-config, in order
    route_accept: bool | None = None  # ipsec:route-accept=any / `route accept any`
    route_accept_tag: int | None = None
    route_accept_distance: int | None = None
    flow_limit: int | None = None  # ipsec:ipsec-flow-limit / `ipsec flow-limit`
    psk: bytes | None = None  # Tunnel-Password, ipsec:tunnel-password (AAA-based symmetric PSK)
    psk_local: bytes | None = None  # ipsec:ikev2-password-local: the key the router signs with
    psk_remote: bytes | None = None  # ipsec:ikev2-password-remote: the key the peer is verified with
    dhcp_server: str | None = None  # ipsec:group-dhcp-server / `dhcp server` (not emulated: no DHCP client)
    dhcp_giaddr: str | None = None  # ipsec:dhcp-giaddr / `dhcp giaddr` (not emulated)
    dhcp_timeout: int | None = None  # ipsec:dhcp-timeout / `dhcp timeout` (not emulated)
    pool6: str | None = None  # ipsec:ipv6-addr-pool / `ipv6 pool`
    address6: str | None = None  # ipsec:addrv6: a fixed IPv6 address
    prefix_len6: int | None = None  # ipsec:prefix-len / `ipv6 prefix`
    dns6: list[str] = field(default_factory=list)  # ipsec:ipv6-dns-servers-addr / `ipv6 dns`
    route_set_acl: str | None = None  # ipsec:route-set=access-list N (its permits are in `subnets`)
    route_set_acl6: str | None = None  # ipsec:route-set=access-list ipv6 N (the model has no IPv6 ACLs)
    local_routes: list[LocalRoute] = field(default_factory=list)  # ipsec:route-set=local / `route set local`
    smartcard_removal_disconnect: bool | None = None
    configuration_url: str | None = None
    configuration_version: int | None = None
    # what could not be used, one printable line each ("ipsec:foo=1 (unsupported attribute)"); not merged
    ignored: list[str] = field(default_factory=list)


# How authorization.py merges sources attribute by attribute: a later source's scalar replaces an earlier one
# when given (not None), a given list replaces the earlier list, the accumulating lists add what they do not
# have yet, and interface-config commands add in order (the virtual-access applies them one after another).
_MERGE_SCALARS = ("pool", "address", "netmask", "def_domain", "banner", "include_local_lan", "pfs", "session_lifetime",
                  "route_set_interface", "route_set_interface_name", "route_accept", "route_accept_tag",
                  "route_accept_distance", "flow_limit", "psk", "psk_local", "psk_remote", "dhcp_server",
                  "dhcp_giaddr", "dhcp_timeout", "pool6", "address6", "prefix_len6", "route_set_acl",
                  "route_set_acl6", "smartcard_removal_disconnect", "configuration_url", "configuration_version")
_MERGE_LISTS = ("dns", "wins", "split_dns", "backup_gateways", "dns6")
_MERGE_ACCUMULATE = ("subnets", "subnets6", "local_routes")  # de-duplicated
_MERGE_APPEND = ("interface_config",)  # kept as given, duplicates included


def merge_attrs(into: Attrs, src: Attrs) -> None:
    """The merge rule above, for callers that want it in one call."""
    for f in _MERGE_SCALARS:
        v = getattr(src, f)
        if v is not None:
            setattr(into, f, v)
    for f in _MERGE_LISTS:
        v = getattr(src, f)
        if v:
            setattr(into, f, list(v))
    for f in _MERGE_ACCUMULATE:
        have = getattr(into, f)
        have.extend(x for x in getattr(src, f) if x not in have)
    for f in _MERGE_APPEND:
        getattr(into, f).extend(getattr(src, f))


@dataclass(slots=True)
class AuthzResult(Attrs):
    ok: bool = True
    error: str | None = None
    notify: int | None = None  # the notify to refuse with when not ok
    sources: list[str] = field(default_factory=list)  # e.g. ["group local domain1", "user local router1"]
    # (`local` names the authorization policy actually used: `default` when the name has none)
    username: str | None = None  # the user-authorization name (accounting, debug)
    # the interface-config lines of each source, in the merge order: (source, lines) (the virtual-access clones
    # them source by source, interfaces/vaccess.py)
    interface_config_sources: list[tuple[str, list[str]]] = field(default_factory=list)
    allocated: bool = False  # `address` came from `pool` and must be released
    allocated6: bool = False  # `address6` came from the IPv6 pool `pool6` and must be released


# ---- value checks (each raises ValueError with the reason a pair is ignored) -------------------------------------------


@lru_cache(maxsize=1024)
def _ipv4(text: str) -> str:
    """The one spelling of an IPv4 address (ValueError when not one); cached: replies repeat their servers."""
    return str(ipaddress.IPv4Address(text.strip()))


def _ipv6(text: str) -> str:
    return str(ipaddress.IPv6Address(text.strip()))


def _mask(text: str) -> str:
    mask = _ipv4(text)
    ipaddress.IPv4Network(f"0.0.0.0/{mask}")  # a contiguous mask, or ValueError
    return mask


def _prefix6(text: str) -> str:
    """`2001:DB8::/32` -> `2001:db8::/32` (host bits kept, as typed)."""
    if "/" not in text:
        raise ValueError(f"no prefix length in {text!r}")
    return str(ipaddress.IPv6Interface(text.strip()))


def _int(text: str, lo: int, hi: int) -> int:
    n = int(text.strip())
    if not lo <= n <= hi:
        raise ValueError(f"{n} out of range {lo}-{hi}")
    return n


_TRUE = {"1", "true", "yes", "on", "enable", "enabled"}
_FALSE = {"0", "false", "no", "off", "disable", "disabled"}


def _bool(text: str) -> bool:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _words(text: str) -> list[str]:
    return text.replace(",", " ").split()


def _add(lst: list, values) -> None:
    lst.extend(v for v in values if v not in lst)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text.strip('"')


def _ifname(text: str) -> str:
    parsed = parse_name(text)
    if parsed is None:
        raise ValueError(f"not an interface name: {text!r}")
    return parsed[0] + parsed[1]


def _route_options(words: list[str]) -> tuple[str | None, int | None, int | None]:
    """`[next-hop] [A] [tag:N] [distance:N]` (also `tag N`, `distance N`) -> (next hop, tag, distance)."""
    next_hop = tag = distance = None
    i = 0
    while i < len(words):
        w = words[i].lower()
        key, colon, val = w.partition(":")
        if key in ("tag", "distance"):
            if not colon:
                i += 1
                if i >= len(words):
                    raise ValueError(f"{key} without a value")
                val = words[i]
            if key == "tag":
                tag = _int(val, 1, 497777)
            else:
                distance = _int(val, 1, 255)
        elif w == "next-hop":
            i += 1
            if i >= len(words):
                raise ValueError("next-hop without an address")
            next_hop = str(ipaddress.ip_address(words[i]))
        elif next_hop is None:
            next_hop = str(ipaddress.ip_address(words[i]))
        else:
            raise ValueError(f"unexpected {words[i]!r}")
        i += 1
    return next_hop, tag, distance


# ---- the attributes, by AV-pair name --------------------------------------------------------------------------------


def _route_set(a: Attrs, value: str, cfg) -> None:
    """ipsec:route-set=interface [IF] | prefix P/L | remote ipv4 A M | remote ipv6 P/L |
    local ipv4 A M [NH] [tag:N] [distance:N] | local ipv6 P/L ... | access-list [ipv6] NAME."""
    words = value.split()
    if not words:
        raise ValueError("empty route-set")
    kind, rest = words[0].lower(), words[1:]
    if kind == "interface":
        if len(rest) > 1:
            raise ValueError("one interface name at most")
        name = _ifname(rest[0]) if rest else None
        a.route_set_interface, a.route_set_interface_name = True, name
    elif kind == "prefix":
        if len(rest) != 1 or "/" not in rest[0]:
            raise ValueError("prefix takes one P/L")
        iface = ipaddress.IPv4Interface(rest[0])  # host bits kept, as for `route set remote ipv4`
        _add(a.subnets, [(str(iface.ip), str(iface.netmask))])
    elif kind == "remote" and rest and rest[0].lower() == "ipv4" and len(rest) == 3:
        _add(a.subnets, [(_ipv4(rest[1]), _mask(rest[2]))])
    elif kind == "remote" and rest and rest[0].lower() == "ipv6" and len(rest) == 2:
        _add(a.subnets6, [_prefix6(rest[1])])
    elif kind == "local" and len(rest) >= 3 and rest[0].lower() == "ipv4":
        net = ipaddress.IPv4Network(f"{_ipv4(rest[1])}/{_mask(rest[2])}", strict=False)
        _add(a.local_routes, [LocalRoute(str(net), *_route_options(rest[3:]))])
    elif kind == "local" and len(rest) >= 2 and rest[0].lower() == "ipv6":
        net = ipaddress.IPv6Network(_prefix6(rest[1]), strict=False)
        _add(a.local_routes, [LocalRoute(str(net), *_route_options(rest[2:]))])
    elif kind == "access-list" and len(rest) == 2 and rest[0].lower() == "ipv6":
        a.route_set_acl6 = rest[1]
    elif kind == "access-list" and len(rest) == 1:
        a.route_set_acl = rest[0]
        if cfg is not None:
            _add(a.subnets, acl_subnets(cfg, rest[0]))
    else:
        raise ValueError("not interface|prefix|remote|local|access-list")


def _route_accept(a: Attrs, value: str, cfg) -> None:
    """ipsec:route-accept=any [tag:N] [distance:N]"""
    words = value.split()
    if not words or words[0].lower() != "any":
        raise ValueError("route-accept other than any")
    next_hop, tag, distance = _route_options(words[1:])
    if next_hop is not None:
        raise ValueError("route-accept takes no address")
    a.route_accept, a.route_accept_tag, a.route_accept_distance = True, tag, distance


def _setter(attr: str, conv):
    def apply(a: Attrs, value: str, cfg) -> None:
        setattr(a, attr, conv(value))
    return apply


def _adder(attr: str, conv, limit: int | None = None):
    def apply(a: Attrs, value: str, cfg) -> None:
        values = [conv(w) for w in _words(value)]
        if not values or (limit is not None and len(values) > limit):
            raise ValueError(f"{len(values)} values")
        _add(getattr(a, attr), values)
    return apply


def _text(value: str) -> str:
    if not value:
        raise ValueError("empty value")
    return value


def _key(value: str) -> bytes:
    if not value:
        raise ValueError("empty key")
    return value.encode()


def _interface_config(a: Attrs, value: str, cfg) -> None:
    a.interface_config.append(_text(_unquote(value)))


def _host(value: str) -> str:
    """An IPv4 address or a host name (`dhcp server`)."""
    v = value.strip()
    try:
        return _ipv4(v)
    except ValueError:
        pass
    if not v or " " in v or not all(c.isalnum() or c in ".-" for c in v):
        raise ValueError(f"not an address or host name: {value!r}")
    return v


# AV-pair attribute name (any protocol, usually `ipsec`; `ip` for interface-config) -> handler(a, value, cfg)
AV_HANDLERS = {
    "tunnel-password": _setter("psk", _key),
    "ikev2-password-local": _setter("psk_local", _key),
    "ikev2-password-remote": _setter("psk_remote", _key),
    "group-dhcp-server": _setter("dhcp_server", _host),
    "dhcp-giaddr": _setter("dhcp_giaddr", _ipv4),
    "dhcp-timeout": _setter("dhcp_timeout", lambda v: _int(v, 1, 3600)),
    "ipv6-addr-pool": _setter("pool6", _text),
    "route-set": _route_set,
    "route-accept": _route_accept,
    "interface-config": _interface_config,
    "ipsec-flow-limit": _setter("flow_limit", lambda v: _int(v, 0, 50000)),
    "dns-servers": _adder("dns", _ipv4),
    "wins-servers": _adder("wins", _ipv4),
    "addrv6": _setter("address6", _ipv6),
    "prefix-len": _setter("prefix_len6", lambda v: _int(v, 1, 128)),
    "ipv6-dns-servers-addr": _adder("dns6", _ipv6),
    "banner": _setter("banner", _text),
    "default-domain": _setter("def_domain", _text),
    "split-dns": _adder("split_dns", str),
    "ipsec-backup-gateway": _adder("backup_gateways", str),
    "pfs": _setter("pfs", _bool),
    "include-local-lan": _setter("include_local_lan", _bool),
    "smartcard-removal-disconnect": _setter("smartcard_removal_disconnect", _bool),
    "configuration-url": _setter("configuration_url", _text),
    "configuration-version": _setter("configuration_version", lambda v: _int(v, 1, 32767)),
}


def apply_avpair(a: Attrs, pair: AvPair, cfg=None) -> bool:
    """Apply one AV pair to `a`; False (and a line in `a.ignored`) when it is unknown or its value is bad."""
    handler = AV_HANDLERS.get(pair.name.lower())
    if handler is None:
        a.ignored.append(f"{pair.format()} (unsupported attribute)")
        return False
    try:
        handler(a, pair.value, cfg)
    except ValueError as e:
        a.ignored.append(f"{pair.format()} (bad value: {e})")
        return False
    return True


# ---- RADIUS replies ---------------------------------------------------------------------------------------------------


def _framed_address(a: Attrs, value: str, cfg) -> None:
    addr = _ipv4(value)
    if addr in ("255.255.255.254", "255.255.255.255"):  # RFC 2865 5.8: the NAS (or the user) chooses
        raise ValueError("address left to the router's pool")
    a.address = addr


def _framed_ipv6_prefix(a: Attrs, value: str, cfg) -> None:
    """Framed-IPv6-Prefix (RFC 3162) is not in the chapter's list; taken as the client's IPv6 address and
    prefix length (what INTERNAL_IP6_ADDRESS carries), like ipsec:addrv6 plus ipsec:prefix-len."""
    iface = ipaddress.IPv6Interface(_prefix6(value))
    a.address6, a.prefix_len6 = str(iface.ip), iface.network.prefixlen


IETF_HANDLERS = {
    "framed-ip-address": _framed_address,
    "framed-ip-netmask": _setter("netmask", _mask),
    "framed-pool": _setter("pool", _text),
    "tunnel-password": _setter("psk", _key),
    "framed-ipv6-prefix": _framed_ipv6_prefix,
    "framed-ipv6-address": _setter("address6", _ipv6),  # RFC 6911
    "framed-ipv6-pool": _setter("pool6", _text),  # RFC 3162
}
AVPAIR_NAMES = ("cisco-avpair", "cisco-av-pair")


def _as_text(value) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).rstrip(b"\x00").decode("utf-8")
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address, ipaddress.IPv6Network, int)):
        return str(value)
    if isinstance(value, str):
        return value.rstrip("\x00")
    raise ValueError(f"unexpected value type {type(value).__name__}")


def attrs_from_radius(pairs: list[tuple[str, object]], cfg=None) -> Attrs:
    """The Attrs of a RADIUS reply (Access-Accept).

    `pairs`: (attribute name as in a pyrad-style dictionary, value) in the order received; a value may be a
    list of values (pyrad's packet[name]), str or bytes (Tunnel-Password already decrypted), and a tagged
    attribute may be named `Tunnel-Password:1`.  Cisco-AVPair values are parsed as AV pairs.  `cfg` resolves
    `route-set=access-list NAME` into the ACL's subnets, as for the local policy.  Whatever is unknown or
    malformed is skipped and listed in `ignored`."""
    a = Attrs()
    for name, value in pairs:
        if isinstance(value, list):
            for v in value:
                _apply_radius(a, str(name), v, cfg)
        else:
            _apply_radius(a, str(name), value, cfg)
    return a


@lru_cache(maxsize=256)
def _radius_key(name: str) -> str:
    """`Tunnel-Password:1` -> `tunnel-password`: what the handlers are looked up by."""
    return name.partition(":")[0].strip().lower()


def _apply_radius(a: Attrs, name: str, value, cfg) -> None:
    key = _radius_key(name)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], int):
        value = value[1]  # (tag, value)
    if key in AVPAIR_NAMES:
        try:
            pair = parse_avpair(value)
        except AvPairError as e:
            a.ignored.append(f"{name} {value!r} (malformed AV pair: {e})")
            return
        apply_avpair(a, pair, cfg)
        return
    handler = IETF_HANDLERS.get(key)
    if handler is None:
        a.ignored.append(f"{name}={value!r} (unsupported attribute)")
        return
    try:
        if key == "tunnel-password" and isinstance(value, (bytes, bytearray)):
            if not value:
                raise ValueError("empty key")
            a.psk = bytes(value)  # a key is bytes, whatever their encoding
        else:
            handler(a, _as_text(value), cfg)
    except (ValueError, UnicodeDecodeError) as e:
        a.ignored.append(f"{name}={value!r} (bad value: {e})")


def cached_attributes_text(a: Attrs) -> str:
    """The line after `IKEv2-INTERNAL:Received cached attributes:` (AAA-based PSK, chapter):
    `route-set-interface: 1, route-accept any tag:1 distance:1,`.

    Inferred from the chapter's one sample (a reply with route-set=interface, route-accept=any,
    route-set=prefix 192.168.1.1/24 and tunnel-password): IOS lists the attributes that the router itself acts
    on for the session's routing - the route-set-interface flag (as 1) and route-accept (with its tag and
    distance, 1 when not given) - each followed by a comma; the pushed subnets (prefix) are not listed, and
    the key has its own line (`Received symmetric password from radius server`).  Other attributes are not
    listed: nothing shows how IOS would print them.  Empty when there is nothing to list."""
    parts = []
    if a.route_set_interface:
        parts.append("route-set-interface: 1")
    if a.route_accept:
        tag = a.route_accept_tag if a.route_accept_tag is not None else 1
        distance = a.route_accept_distance if a.route_accept_distance is not None else 1
        parts.append(f"route-accept any tag:{tag} distance:{distance}")
    return " ".join(p + "," for p in parts)


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
    """The attributes of a `crypto ikev2 authorization policy` (config.ikev2.AuthorPolicy).

    Its `aaa attribute list` entries are applied first, each as the AV pair of the same name
    (`attribute type interface-config "ip mtu 1400"` = `ip:interface-config=ip mtu 1400`); the policy's own
    commands then override what they set."""
    a = Attrs()
    if pol.aaa_attribute_list:
        al = cfg.aaa_attr_lists.lists.get(pol.aaa_attribute_list)
        for attr in al.attributes if al is not None else ():
            apply_avpair(a, AvPair(None, attr.type, _unquote(attr.value)), cfg)
    for name in ("pool", "netmask", "def_domain", "banner", "session_lifetime", "flow_limit", "dhcp_server",
                 "dhcp_giaddr", "dhcp_timeout", "pool6", "prefix_len6", "configuration_url", "configuration_version"):
        v = getattr(pol, name)
        if v is not None:
            setattr(a, name, v)
    for name in ("dns", "wins", "split_dns", "backup_gateways"):
        if getattr(pol, name):
            setattr(a, name, list(getattr(pol, name)))
    if pol.dns6:
        a.dns6 = [_ipv6(d) for d in pol.dns6]  # one spelling of an IPv6 address, whichever source
    for name in ("include_local_lan", "pfs", "smartcard_removal_disconnect"):
        if getattr(pol, name):
            setattr(a, name, True)
    if pol.route_set_interface:
        a.route_set_interface = True
        a.route_set_interface_name = pol.route_set_interface_name
    if pol.route_set_acl:
        a.route_set_acl = pol.route_set_acl
        _add(a.subnets, acl_subnets(cfg, pol.route_set_acl))
    if pol.route_set_acl6:
        a.route_set_acl6 = pol.route_set_acl6
    for r in pol.route_set_remote:
        words = r.split()
        try:
            if words[0] == "ipv4" and len(words) == 3:
                _add(a.subnets, [(words[1], words[2])])
            elif words[0] == "ipv6" and len(words) == 2:
                _add(a.subnets6, [_prefix6(words[1])])
        except ValueError as e:
            a.ignored.append(f"route set remote {r} ({e})")
    for r in pol.route_set_local:
        try:
            net = ipaddress.ip_network(f"{r.prefix}/{r.mask}" if r.mask else r.prefix, strict=False)
            next_hop = str(ipaddress.ip_address(r.next_hop)) if r.next_hop else None
        except ValueError as e:
            a.ignored.append(f"route set local {r.text()} ({e})")
            continue
        _add(a.local_routes, [LocalRoute(str(net), next_hop, r.tag, r.distance)])
    if not pol.route_accept:
        a.route_accept = False
    elif pol.route_accept_tag is not None or pol.route_accept_distance is not None:
        a.route_accept, a.route_accept_tag, a.route_accept_distance = True, pol.route_accept_tag, pol.route_accept_distance
    return a


# ---- CFG_REPLY ---------------------------------------------------------------------------------------------------


def _ip(a: str) -> bytes:
    try:
        return socket.inet_pton(socket.AF_INET, a)
    except OSError:
        return ipaddress.IPv4Address(a).packed  # raises the same ValueError as before


def _ip6(a: str) -> bytes:
    return ipaddress.IPv6Address(a).packed


def _subnet6(p: str) -> bytes:
    iface = ipaddress.IPv6Interface(p)
    return iface.ip.packed + bytes([iface.network.prefixlen])


def cfg_reply_attributes(res: Attrs, requested=(), app_version: str | None = None) -> list[tuple[int, bytes]]:
    """The CFG_REPLY attributes, in IOS's order.

    Address, netmask, DNS, NBNS, the IPv6 address (16 bytes + prefix length) and DNS, and the Cisco Unity
    attributes (banner, def-domain, split-dns, backup-gateway, pfs, include-local-lan, smartcard,
    configuration url/version) are sent when the client asked for them; the pushed subnets (`route set ...`,
    INTERNAL_IP4_SUBNET / INTERNAL_IP6_SUBNET) always (clients never request them, yet IOS pushes its routes).
    Netmask accompanies an address only when configured.  The IPv6 attributes' place after the IPv4 ones is
    unverified.
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
    if INTERNAL_IP6_ADDRESS in req and res.address6:
        plen = res.prefix_len6 if res.prefix_len6 is not None else IPV6_PREFIX_LEN_DEFAULT
        out.append((INTERNAL_IP6_ADDRESS, _ip6(res.address6) + bytes([plen])))
    if INTERNAL_IP6_DNS in req:
        out += [(INTERNAL_IP6_DNS, _ip6(d)) for d in res.dns6]
    out += [(INTERNAL_IP6_SUBNET, _subnet6(p)) for p in res.subnets6]
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
    if UNITY_SMARTCARD_REMOVAL_DISCONNECT in req and res.smartcard_removal_disconnect:
        out.append((UNITY_SMARTCARD_REMOVAL_DISCONNECT, (1).to_bytes(2, "big")))
    if UNITY_CONFIG_URL in req and res.configuration_url:
        out.append((UNITY_CONFIG_URL, res.configuration_url.encode()))
    if UNITY_CONFIG_VERSION in req and res.configuration_version is not None:
        out.append((UNITY_CONFIG_VERSION, res.configuration_version.to_bytes(2, "big")))
    return out

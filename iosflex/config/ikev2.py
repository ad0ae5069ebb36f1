"""IKEv2 running-config: authorization policies, proposals, policies, keyrings, name-manglers, profiles and the
global `crypto ikev2 ...` knobs, with their `show running-config` renderers.

Line orders follow reference/flexvpn-config-inventory.md §4 (profile §4.2, authorization policy §4.3, trailing
spaces §4.5, keyring nesting §4.6, smart defaults §4.8).  The IOS texts the handlers print are kept here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import feature, smart_default_blocks

# ---- IOS messages ------------------------------------------------------------------------------------

PROFILE_INCOMPLETE = (
    "IKEv2 profile MUST have:\n"
    "   1. A local and a remote authentication method.\n"
    "   2. A match identity or a match certificate or match any statement."
)
POLICY_INCOMPLETE = "IKEv2 policy MUST have atleast one complete proposal attached "
PROPOSAL_INCOMPLETE = (
    "IKEv2 proposal MUST either have a set of an encryption algorithm other than aes-gcm, an integrity algorithm "
    "and a DH group configured or \n encryption algorithm aes-gcm, a prf algorithm and a DH group configured"
)
EAP_NEEDS_CERT = "For remote auth method to be EAP, the local auth method must be certificate-based"
# Real IOS prints one line (two spaces before "authentication") and then an empty line.
RECONNECT_WITH_PSK = (
    "Reconnect can not be configured if either Keyring, PSK  authentication or PSK authorization enabled in profile.\n"
)
NO_PROPOSAL = "% No Proposal exists with the specified name {}"
INVALID_KEYRING = "% Invalid keyring {}"
NO_NAME_MANGLER = "% name-mangler does not exist"
NO_TRUSTPOINT = "% No such trustpoint {}"

# ---- shared value types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """A pre-shared key or password as typed: `[0|6] VALUE` (IKEv2 keys have no type 7)."""

    value: str
    enc: str | None = None  # "0", "6" or None when no type was typed

    def __str__(self) -> str:
        return f"{self.enc} {self.value}" if self.enc else self.value


@dataclass(frozen=True)
class Identity:
    """An IKE identity: kind address|ipv6|any|email|fqdn|key-id|dn."""

    kind: str
    value: str | None = None
    mask: str | None = None  # match identity remote address: None means the 0.0.0.0 wildcard
    domain: bool = False

    def text(self) -> str:
        if self.kind in ("any", "dn"):
            return self.kind
        if self.kind == "ipv6":
            return f"address ipv6 {self.value}"
        if self.kind == "address":
            return f"address {self.value}" + (f" {self.mask}" if self.mask else "")
        return f"{self.kind} " + ("domain " if self.domain else "") + self.value


@dataclass(frozen=True)
class Dpd:
    interval: int
    retry: int
    mode: str  # on-demand | periodic

    def __str__(self) -> str:
        return f"dpd {self.interval} {self.retry} {self.mode}"


# ---- authorization policy ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteSetLocal:
    """`route set local {ipv4 A M | ipv6 P/L} [next-hop NH] [tag N] [distance N]`: a subnet behind the peer,
    reached by a static route through the session's virtual-access interface."""

    af: str  # ipv4 | ipv6
    prefix: str  # ipv4: the address as typed; ipv6: P/L as typed
    mask: str | None = None  # ipv4 only
    next_hop: str | None = None
    tag: int | None = None
    distance: int | None = None

    def same_route(self, other: "RouteSetLocal") -> bool:
        """The YANG model keys `route set local ipv4|ipv6` by the prefix alone."""
        return (self.af, self.prefix) == (other.af, other.prefix)

    def text(self) -> str:
        out = f"{self.af} {self.prefix}" + (f" {self.mask}" if self.mask else "")
        if self.next_hop:
            out += f" next-hop {self.next_hop}"
        if self.tag is not None:
            out += f" tag {self.tag}"
        if self.distance is not None:
            out += f" distance {self.distance}"
        return out


@dataclass
class AuthorPolicy:
    name: str
    pool: str | None = None
    dhcp_server: str | None = None  # kept and shown; the router has no DHCP client
    dhcp_giaddr: str | None = None
    dhcp_timeout: int | None = None
    dns: list[str] = field(default_factory=list)
    wins: list[str] = field(default_factory=list)
    netmask: str | None = None
    pool6: str | None = None  # ipv6 pool
    dns6: list[str] = field(default_factory=list)  # ipv6 dns
    prefix_len6: int | None = None  # ipv6 prefix
    def_domain: str | None = None
    split_dns: list[str] = field(default_factory=list)
    banner: str | None = None
    backup_gateways: list[str] = field(default_factory=list)
    include_local_lan: bool = False
    pfs: bool = False
    smartcard_removal_disconnect: bool = False
    configuration_url: str | None = None
    configuration_version: int | None = None
    session_lifetime: int | None = None
    aaa_attribute_list: str | None = None
    flow_limit: int | None = None
    route_set_interface: bool = False
    route_set_interface_name: str | None = None  # None: the virtual-access interface itself
    route_set_acl: str | None = None
    route_set_acl6: str | None = None
    route_set_remote: list[str] = field(default_factory=list)  # "ipv4 P M" / "ipv6 P/L"
    route_set_local: list[RouteSetLocal] = field(default_factory=list)
    route_accept: bool = True  # False: `no route accept`
    route_accept_tag: int | None = None
    route_accept_distance: int | None = None

    def lines(self) -> list[str]:
        """Observed order (inventory §4.3): pool, dns, netmask, def-domain, aaa attribute list, ipsec
        flow-limit, route set interface, route set access-list, route accept.  The place of the commands no
        public config shows (dhcp, wins, ipv6, banner, split-dns, backup-gateway, include-local-lan, pfs,
        smartcard-removal-disconnect, configuration, session-lifetime, route set remote/local) is a guess
        that keeps that order."""
        out = [f"crypto ikev2 authorization policy {self.name} "]
        if self.pool:
            out.append(f" pool {self.pool}")
        if self.dhcp_server:
            out.append(f" dhcp server {self.dhcp_server}")
        if self.dhcp_giaddr:
            out.append(f" dhcp giaddr {self.dhcp_giaddr}")
        if self.dhcp_timeout is not None:
            out.append(f" dhcp timeout {self.dhcp_timeout}")
        if self.dns:
            out.append(" dns " + " ".join(self.dns))
        if self.wins:
            out.append(" wins " + " ".join(self.wins))
        if self.netmask:
            out.append(f" netmask {self.netmask}")
        if self.pool6:
            out.append(f" ipv6 pool {self.pool6}")
        if self.dns6:
            out.append(" ipv6 dns " + " ".join(self.dns6))
        if self.prefix_len6 is not None:
            out.append(f" ipv6 prefix {self.prefix_len6}")
        if self.banner:
            out.append(f" banner {self.banner}")
        if self.def_domain:
            out.append(f" def-domain {self.def_domain}")
        out.extend(f" split-dns {d}" for d in self.split_dns)
        out.extend(f" backup-gateway {g}" for g in self.backup_gateways)
        if self.include_local_lan:
            out.append(" include-local-lan")
        if self.pfs:
            out.append(" pfs")
        if self.smartcard_removal_disconnect:
            out.append(" smartcard-removal-disconnect")
        if self.configuration_url:
            out.append(f" configuration url {self.configuration_url}")
        if self.configuration_version is not None:
            out.append(f" configuration version {self.configuration_version}")
        if self.session_lifetime is not None:
            out.append(f" session-lifetime {self.session_lifetime}")
        if self.aaa_attribute_list:
            out.append(f" aaa attribute list {self.aaa_attribute_list}")
        if self.flow_limit is not None:
            out.append(f" ipsec flow-limit {self.flow_limit}")
        if self.route_set_interface:
            out.append(" route set interface" + (f" {self.route_set_interface_name}" if self.route_set_interface_name else ""))
        if self.route_set_acl:
            out.append(f" route set access-list {self.route_set_acl}")
        if self.route_set_acl6:
            out.append(f" route set access-list ipv6 {self.route_set_acl6}")
        out.extend(f" route set remote {r}" for r in self.route_set_remote)
        out.extend(f" route set local {r.text()}" for r in self.route_set_local)
        if not self.route_accept:
            out.append(" no route accept")
        elif self.route_accept_tag is not None or self.route_accept_distance is not None:
            text = " route accept any"
            if self.route_accept_tag is not None:
                text += f" tag {self.route_accept_tag}"
            if self.route_accept_distance is not None:
                text += f" distance {self.route_accept_distance}"
            out.append(text)
        return out


@feature("ikev2_author_policy")
@dataclass
class Ikev2AuthorPolicies:
    """`default` is IOS's smart default: it exists implicitly and prints only when modified."""

    items: dict[str, AuthorPolicy] = field(default_factory=lambda: {"default": AuthorPolicy("default")})

    def render(self, cfg):
        return smart_default_blocks(self.items, AuthorPolicy("default"))


# ---- proposal ----------------------------------------------------------------------------------------

PROPOSAL_KINDS = ("encryption", "integrity", "prf", "group")


@dataclass
class Proposal:
    name: str
    encryption: list[str] = field(default_factory=list)
    integrity: list[str] = field(default_factory=list)
    prf: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    # smart-default lists not yet typed over: the first command of that kind replaces instead of appending
    fresh: set[str] = field(default_factory=set, compare=False)

    def complete(self) -> bool:
        if not self.encryption or not self.group:
            return False
        if all("gcm" in e for e in self.encryption):
            return bool(self.prf)
        return bool(self.integrity)

    def lines(self) -> list[str]:
        out = [f"crypto ikev2 proposal {self.name} "]
        for kind in PROPOSAL_KINDS:
            values = getattr(self, kind)
            if values:
                out.append(f" {kind} " + " ".join(values))
        return out


def default_proposal() -> Proposal:
    """IOS-XE 17's smart default proposal."""
    return Proposal("default", ["aes-cbc-256"], ["sha512", "sha384"], ["sha512", "sha384"], ["19", "14", "21", "5"],
                    fresh=set(PROPOSAL_KINDS))


@feature("ikev2_proposal")
@dataclass
class Ikev2Proposals:
    items: dict[str, Proposal] = field(default_factory=lambda: {"default": default_proposal()})

    def render(self, cfg):
        return smart_default_blocks(self.items, default_proposal())


# ---- policy ------------------------------------------------------------------------------------------


@dataclass
class Policy:
    name: str
    proposals: list[str] = field(default_factory=list)
    match_fvrf: str | None = None  # None: fvrf global
    match_address_local: list[str] = field(default_factory=list)
    match_inbound_only: bool = False
    fresh: bool = field(default=False, compare=False)  # smart default: the first `proposal` replaces

    def lines(self) -> list[str]:
        out = [f"crypto ikev2 policy {self.name} "]
        if self.match_inbound_only:
            out.append(" match inbound-only")
        if self.match_fvrf:
            out.append(f" match fvrf {self.match_fvrf}")
        out.extend(f" match address local {a}" for a in self.match_address_local)
        out.extend(f" proposal {p}" for p in self.proposals)
        return out


def default_policy() -> Policy:
    return Policy("default", ["default"], "any", fresh=True)


@feature("ikev2_policy")
@dataclass
class Ikev2Policies:
    items: dict[str, Policy] = field(default_factory=lambda: {"default": default_policy()})

    def render(self, cfg):
        return smart_default_blocks(self.items, default_policy())


# ---- keyring -----------------------------------------------------------------------------------------


@dataclass
class KeyringPeer:
    name: str
    description: str | None = None
    hostname: str | None = None
    address: tuple[str, str | None] | None = None  # IPv4 address and optional mask
    address6: str | None = None  # IPv6 prefix
    identity: Identity | None = None
    psk: Key | None = None
    psk_local: Key | None = None
    psk_remote: Key | None = None

    def lines(self) -> list[str]:
        out = [f" peer {self.name}"]
        if self.description:
            out.append(f"  description {self.description}")
        if self.hostname:
            out.append(f"  hostname {self.hostname}")
        if self.address:
            out.append(f"  address {self.address[0]}" + (f" {self.address[1]}" if self.address[1] else ""))
        if self.address6:
            out.append(f"  address {self.address6}")
        if self.identity:
            out.append(f"  identity {self.identity.text()}")
        if self.psk:
            out.append(f"  pre-shared-key {self.psk}")
        if self.psk_local:
            out.append(f"  pre-shared-key local {self.psk_local}")
        if self.psk_remote:
            out.append(f"  pre-shared-key remote {self.psk_remote}")
        out.append(" !")
        return out


@dataclass
class Keyring:
    name: str
    peers: dict[str, KeyringPeer] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"crypto ikev2 keyring {self.name}"]
        for peer in self.peers.values():
            out.extend(peer.lines())
        return out


@feature("ikev2_keyring")
@dataclass
class Ikev2Keyrings:
    items: dict[str, Keyring] = field(default_factory=dict)

    def render(self, cfg):
        return [k.lines() for k in self.items.values()]


# ---- name-mangler ------------------------------------------------------------------------------------

MANGLER_KINDS = ("dn", "fqdn", "email", "eap")


@dataclass
class NameMangler:
    name: str
    rules: dict[str, str] = field(default_factory=dict)  # kind -> rest of line, e.g. "fqdn" -> "hostname"

    def lines(self) -> list[str]:
        out = [f"crypto ikev2 name-mangler {self.name}"]
        out.extend(f" {kind} {self.rules[kind]}" for kind in MANGLER_KINDS if kind in self.rules)
        return out


@feature("ikev2_name_mangler")
@dataclass
class Ikev2NameManglers:
    items: dict[str, NameMangler] = field(default_factory=dict)

    def render(self, cfg):
        return [m.lines() for m in self.items.values()]


# ---- profile -----------------------------------------------------------------------------------------

CERT_METHODS = ("rsa-sig", "ecdsa-sig")
EAP_METHODS = ("eap", "anyconnect-eap")


@dataclass
class AuthMethod:
    method: str  # pre-share | rsa-sig | ecdsa-sig | eap | anyconnect-eap
    key: Key | None = None  # pre-share key
    query_identity: bool = False  # remote eap
    timeout: int | None = None  # remote eap
    cert_request: bool = False  # remote anyconnect-eap aggregate
    eap_method: str | None = None  # local eap: gtc | md5 | mschapv2
    username: str | None = None  # local eap
    password: Key | None = None  # local eap

    def text(self) -> str:
        if self.method == "pre-share":
            return "pre-share" + (f" key {self.key}" if self.key else "")
        if self.method == "anyconnect-eap":
            return "anyconnect-eap aggregate" + (" cert-request" if self.cert_request else "")
        if self.method == "eap" and self.eap_method:
            return f"eap {self.eap_method}" + (f" username {self.username}" if self.username else "") + \
                f" password {self.password}"
        if self.method == "eap":
            return "eap" + (" query-identity" if self.query_identity else "") + \
                (f" timeout {self.timeout}" if self.timeout is not None else "")
        return self.method


@dataclass
class ProfileKeyring:
    kind: str  # local | aaa
    name: str  # keyring name or AAA list
    name_mangler: str | None = None
    password: Key | None = None

    def text(self) -> str:
        out = f"keyring {self.kind} {self.name}"
        if self.name_mangler:
            out += f" name-mangler {self.name_mangler}"
        if self.password:
            out += f" password {self.password}"
        return out


@dataclass
class AaaAuthorization:
    scope: str  # group | user
    method: str  # psk | eap | cert | anyconnect-eap | any
    override: bool = False
    cached: bool = False
    list: str | None = None
    name: str | None = None
    name_local: bool = False
    name_mangler: str | None = None
    password: Key | None = None

    def text(self) -> str:
        out = f"aaa authorization {self.scope} " + ("override " if self.override else "") + self.method
        if self.cached:
            return out + " cached"
        out += f" list {self.list}"
        if self.name:
            out += f" {self.name}" + (" local" if self.name_local else "")
        if self.name_mangler:
            out += f" name-mangler {self.name_mangler}"
        if self.password:
            out += f" password {self.password}"
        return out


@dataclass
class Profile:
    name: str
    description: str | None = None
    match_fvrf: str | None = None
    match_address_local: list[str] = field(default_factory=list)  # "A.B.C.D" or "interface Ethernet0/0"
    match_inbound_only: bool = False
    match_certificate: list[str] = field(default_factory=list)
    match_identity: list[Identity] = field(default_factory=list)
    identity_local: Identity | None = None
    auth_remote: list[AuthMethod] = field(default_factory=list)
    auth_local: AuthMethod | None = None
    keyring: ProfileKeyring | None = None
    trustpoints: list[tuple[str, str | None]] = field(default_factory=list)  # (label, sign|verify|None)
    lifetime: int | None = None  # None: 86400
    dpd: Dpd | None = None
    nat_keepalive: int | None = None
    nat_force_encap: bool = False
    aaa_authentication: dict[str, str] = field(default_factory=dict)  # eap|anyconnect-eap -> list
    aaa_author_group: dict[str, AaaAuthorization] = field(default_factory=dict)
    aaa_author_user: dict[str, AaaAuthorization] = field(default_factory=dict)
    aaa_accounting: dict[str, str] = field(default_factory=dict)  # psk|eap|cert|anyconnect-eap -> list
    ivrf: str | None = None
    virtual_template: int | None = None
    virtual_template_auto: bool = False
    anyconnect_profile: str | None = None
    reconnect: bool = False
    reconnect_timeout: int | None = None
    config_exchange_request: bool = True
    shutdown: bool = False

    def complete(self) -> bool:
        return bool(self.auth_local and self.auth_remote and (self.match_identity or self.match_certificate))

    def remote_method(self, method: str) -> AuthMethod | None:
        for m in self.auth_remote:
            if m.method == method:
                return m
        return None

    def uses_psk(self) -> bool:
        """What forbids `reconnect`: PSK authentication, a keyring, or PSK authorization."""
        return (
            (self.auth_local is not None and self.auth_local.method == "pre-share")
            or self.remote_method("pre-share") is not None
            or self.keyring is not None
            or "psk" in self.aaa_author_group
            or "psk" in self.aaa_author_user
        )

    def lines(self) -> list[str]:
        out = [f"crypto ikev2 profile {self.name}"]
        if self.description:
            out.append(f" description {self.description}")
        if self.match_fvrf:
            out.append(f" match fvrf {self.match_fvrf}")
        out.extend(f" match address local {a}" for a in self.match_address_local)
        if self.match_inbound_only:
            out.append(" match inbound-only")
        out.extend(f" match certificate {c}" for c in self.match_certificate)
        for ident in self.match_identity:
            # IOS prints address identities with a trailing space (inventory §4.5)
            out.append(f" match identity remote {ident.text()}" + (" " if ident.kind == "address" else ""))
        if self.identity_local:
            out.append(f" identity local {self.identity_local.text()}")
        remote = [f" authentication remote {m.text()}" for m in self.auth_remote]
        local = [f" authentication local {self.auth_local.text()}"] if self.auth_local else []
        if any(m.method in EAP_METHODS for m in self.auth_remote):
            # IOS accepts remote EAP only after a certificate-based local method, and its EAP configurations
            # print local first; otherwise remote comes first (inventory §4.2).
            out.extend(local + remote)
        else:
            out.extend(remote + local)
        if self.keyring:
            out.append(f" {self.keyring.text()}")
        for label, usage in self.trustpoints:
            out.append(f" pki trustpoint {label}" + (f" {usage}" if usage else ""))
        if self.lifetime is not None:
            out.append(f" lifetime {self.lifetime}")
        if self.dpd:
            out.append(f" {self.dpd}")
        if self.nat_keepalive is not None:
            out.append(f" nat keepalive {self.nat_keepalive}")
        if self.nat_force_encap:
            out.append(" nat force-encap")
        if self.ivrf:
            out.append(f" ivrf {self.ivrf}")
        out.extend(f" aaa authentication {k} {v}" for k, v in self.aaa_authentication.items())
        out.extend(f" {a.text()}" for a in self.aaa_author_group.values())
        out.extend(f" {a.text()}" for a in self.aaa_author_user.values())
        out.extend(f" aaa accounting {k} {v}" for k, v in self.aaa_accounting.items())
        if self.virtual_template is not None:
            out.append(f" virtual-template {self.virtual_template}" + (" mode auto" if self.virtual_template_auto else ""))
        if self.anyconnect_profile:
            out.append(f" anyconnect profile {self.anyconnect_profile}")
        if self.reconnect:
            out.append(" reconnect" + (f" timeout {self.reconnect_timeout}" if self.reconnect_timeout else ""))
        if self.shutdown:
            out.append(" shutdown")
        if not self.config_exchange_request:
            out.append(" no config-exchange request")
        return out


@feature("ikev2_profile")
@dataclass
class Ikev2Profiles:
    items: dict[str, Profile] = field(default_factory=dict)

    def render(self, cfg):
        return [p.lines() for p in self.items.values()]


# ---- global knobs ------------------------------------------------------------------------------------


@feature("ikev2_global")
@dataclass
class Ikev2Global:
    http_url_cert: bool = True  # on by default: `no crypto ikev2 http-url cert` when off
    cookie_challenge: int | None = None
    limit_max_sa: int | None = None
    limit_max_in_negotiation: dict[str, int] = field(default_factory=dict)  # ""|incoming|outgoing -> limit
    window: int | None = None
    dpd: Dpd | None = None
    nat_keepalive: int | None = None
    fragmentation: bool = False
    fragmentation_mtu: int | None = None

    def render(self, cfg):
        out = []
        if self.limit_max_sa is not None:
            out.append(f"crypto ikev2 limit max-sa {self.limit_max_sa}")
        for direction in ("", "incoming", "outgoing"):
            if direction in self.limit_max_in_negotiation:
                out.append(f"crypto ikev2 limit max-in-negotation-sa {self.limit_max_in_negotiation[direction]}"
                           + (f" {direction}" if direction else ""))
        if self.window is not None:
            out.append(f"crypto ikev2 window {self.window}")
        if self.dpd:
            out.append(f"crypto ikev2 {self.dpd}")
        if self.nat_keepalive is not None:
            out.append(f"crypto ikev2 nat keepalive {self.nat_keepalive}")
        if self.cookie_challenge is not None:
            out.append(f"crypto ikev2 cookie-challenge {self.cookie_challenge}")
        if not self.http_url_cert:
            out.append("no crypto ikev2 http-url cert")
        if self.fragmentation:
            out.append("crypto ikev2 fragmentation" + (f" mtu {self.fragmentation_mtu}" if self.fragmentation_mtu else ""))
        return [out] if out else []

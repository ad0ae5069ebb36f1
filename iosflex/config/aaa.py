"""AAA and RADIUS in the running-config: `aaa new-model`, server groups, method lists, attribute lists,
`aaa server radius dynamic-author`, `aaa session-id`, `radius-server` globals and `radius server` blocks.

Line order inside each section follows real IOS-XE `show running-config` captures (see
reference/flexvpn-config-inventory.md §1 #1 and §4): method lists print login, enable, exec, network
authorization, then `aaa accounting update` before the accounting lists, `default` list first; authorization
lines end with a space, as IOS prints them; `radius server` blocks print address (always with both ports),
timeout, retransmit, automate-tester, key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import feature
from .secrets import type7_encode


# ---- keys ------------------------------------------------------------------------------------------

@dataclass
class Key:
    """A RADIUS shared secret as typed: `enc` is None (typed without a type digit), "0", "6" or "7".

    Display rule (one rule for every RADIUS key, so that render -> paste -> render is stable):
    with `service password-encryption` a clear key (typed bare or with `0`) prints as `7 <type-7 text>`;
    otherwise a key prints exactly as typed: `K` when typed bare, `0 K`, `6 K` or `7 K` with its digit.
    """

    enc: str | None
    value: str

    def show(self, cfg) -> str:
        if self.enc in (None, "0") and cfg.system.password_encryption:
            return f"7 {type7_encode(self.value)}"
        return self.value if self.enc is None else f"{self.enc} {self.value}"


# ---- aaa new-model / session-id ----------------------------------------------------------------------

@feature("aaa_new_model")
@dataclass
class AaaNewModel:
    enabled: bool = False

    def render(self, cfg):
        return [["aaa new-model"]] if self.enabled else []


@feature("aaa_session_id")
@dataclass
class AaaSessionId:
    mode: str = "common"

    def render(self, cfg):
        # IOS prints the default `aaa session-id common` too, once aaa new-model is on.
        return [[f"aaa session-id {self.mode}"]] if cfg.aaa_new_model.enabled else []


# ---- aaa group server radius -----------------------------------------------------------------------

@dataclass
class PrivateServer:
    host: str
    auth_port: int = 1812
    acct_port: int = 1813
    key: Key | None = None

    def line(self, cfg) -> str:
        text = f"server-private {self.host} auth-port {self.auth_port} acct-port {self.acct_port}"
        return text + (f" key {self.key.show(cfg)}" if self.key else "")


@dataclass
class RadiusGroup:
    name: str
    servers: list = field(default_factory=list)  # str (a `server name`) or PrivateServer, in typed order
    vrf: str | None = None
    source_interface: str | None = None
    deadtime: int | None = None

    def lines(self, cfg) -> list[str]:
        out = [f"aaa group server radius {self.name}"]
        for s in self.servers:
            out.append(f" server name {s}" if isinstance(s, str) else " " + s.line(cfg))
        if self.vrf:
            out.append(f" ip vrf forwarding {self.vrf}")
        if self.source_interface:
            out.append(f" ip radius source-interface {self.source_interface}")
        if self.deadtime is not None:
            out.append(f" deadtime {self.deadtime}")
        return out


@feature("aaa_groups")
@dataclass
class AaaGroups:
    radius: dict[str, RadiusGroup] = field(default_factory=dict)

    def render(self, cfg):
        return [g.lines(cfg) for g in self.radius.values()]


# ---- method lists ----------------------------------------------------------------------------------

# Kinds in the order IOS prints them; `aaa accounting update` goes between authorization and accounting.
KINDS = ("authentication login", "authentication enable", "authorization exec", "authorization network",
         "accounting network")


@dataclass
class MethodList:
    kind: str
    name: str
    methods: list[str] = field(default_factory=list)  # "group NAME", "local", "none", ...
    action: str | None = None  # accounting: start-stop, stop-only, none
    broadcast: bool = False  # accounting

    def lines(self) -> list[str]:
        head = f"aaa {self.kind} {self.name}"
        if not self.kind.startswith("accounting"):
            text = f"{head} {' '.join(self.methods)}"
            # IOS ends authorization method lines with a space (real show-run captures).
            return [text + " "] if self.kind.startswith("authorization") else [text]
        if self.action == "none":
            return [f"{head} none"]
        if self.action and self.methods:
            bc = " broadcast" if self.broadcast else ""
            return [f"{head} {self.action}{bc} {' '.join(self.methods)}"]
        if not self.action and not self.methods:
            return []  # sub-mode entered, nothing configured yet
        # Incomplete list from the sub-mode: print the sub-mode form, which pastes back as typed.
        out = [head]
        if self.action:
            out.append(f" action-type {self.action}" + (" broadcast" if self.broadcast else ""))
        out.extend(f" {m}" for m in self.methods)
        return out


@dataclass
class AcctUpdate:
    newinfo: bool
    periodic: int | None

    def line(self) -> str:
        parts = ["aaa accounting update"] + (["newinfo"] if self.newinfo else [])
        if self.periodic is not None:
            parts.append(f"periodic {self.periodic}")
        return " ".join(parts)


@feature("aaa_methods")
@dataclass
class AaaMethods:
    lists: dict[tuple[str, str], MethodList] = field(default_factory=dict)
    update: AcctUpdate | None = None

    def get(self, kind: str, name: str) -> MethodList | None:
        return self.lists.get((kind, name))

    def render(self, cfg):
        out: list[str] = []
        for kind in KINDS:
            if kind == "accounting network" and self.update:
                out.append(self.update.line())
            ml = [m for (k, _), m in self.lists.items() if k == kind]
            ml.sort(key=lambda m: m.name != "default")  # stable: default first, then creation order
            for m in ml:
                out.extend(m.lines())
        return [out] if out else []


# ---- aaa attribute list ------------------------------------------------------------------------------

@dataclass
class Attribute:
    type: str
    value: str  # as typed, quotes included
    mandatory: bool = False
    tag: int | None = None

    def line(self) -> str:
        text = f" attribute type {self.type} {self.value}"
        if self.mandatory:
            text += " mandatory"
        if self.tag is not None:
            text += f" tag {self.tag}"
        return text


@dataclass
class AttrList:
    name: str
    attributes: list[Attribute] = field(default_factory=list)

    def find(self, type_: str, value: str) -> Attribute | None:
        for a in self.attributes:
            if a.type == type_ and a.value == value:
                return a
        return None


@feature("aaa_attr_lists")
@dataclass
class AaaAttrLists:
    lists: dict[str, AttrList] = field(default_factory=dict)

    def render(self, cfg):
        return [[f"aaa attribute list {al.name}"] + [a.line() for a in al.attributes] for al in self.lists.values()]


# ---- aaa server radius dynamic-author --------------------------------------------------------------

DA_DEFAULT_PORT = 1700


@dataclass
class DAClient:
    host: str
    vrf: str | None = None
    key: Key | None = None

    def line(self, cfg) -> str:
        text = f" client {self.host}"
        if self.vrf:
            text += f" vrf {self.vrf}"
        if self.key:
            text += f" server-key {self.key.show(cfg)}"
        return text


@feature("aaa_dynamic_author")
@dataclass
class AaaDynamicAuthor:
    enabled: bool = False
    clients: dict[tuple[str, str | None], DAClient] = field(default_factory=dict)  # (host, vrf)
    server_key: Key | None = None
    port: int = DA_DEFAULT_PORT
    auth_type: str | None = None
    ignore: list[str] = field(default_factory=list)

    def reset(self):
        self.__init__()

    def render(self, cfg):
        if not self.enabled:
            return []
        out = ["aaa server radius dynamic-author"]
        out.extend(c.line(cfg) for c in self.clients.values())
        if self.server_key:
            out.append(f" server-key {self.server_key.show(cfg)}")
        if self.port != DA_DEFAULT_PORT:
            out.append(f" port {self.port}")
        if self.auth_type:
            out.append(f" auth-type {self.auth_type}")
        for what in ("retransmission", "server-key", "session-key"):
            if what in self.ignore:
                out.append(f" ignore {what}")
        return [out]


# ---- radius-server globals, ip radius source-interface -----------------------------------------------

# `radius-server attribute` lines are keyed by attribute number and option; they print in this order
# (a real IOS-XE capture shows 44, 6, 8, 32, 55; the places of 25 and 31 are a guess).
ATTR_ORDER = ["44 include-in-access-req", "44 extend-with-addr", "44 sync-with-client",
              "6 on-for-login-auth", "6 support-multiple", "6 mandatory",
              "8 include-in-access-req", "25 access-request", "31 mac", "31 send",
              "32 include-in-access-req", "32 include-in-accounting-req",
              "55 include-in-acct-req", "55 access-request"]


@feature("radius_globals")
@dataclass
class RadiusGlobals:
    source_interface: str | None = None  # "GigabitEthernet1" or "GigabitEthernet1 vrf V"
    attributes: dict[str, str] = field(default_factory=dict)  # key (ATTR_ORDER) -> text after `attribute `
    dead_criteria: tuple[int | None, int | None] | None = None
    retransmit: int | None = None
    timeout: int | None = None
    source_ports_extended: bool = False
    deadtime: int | None = None
    unique_ident: int | None = None
    vsa_send: list[str] = field(default_factory=list)  # "", "accounting", "authentication"

    def render(self, cfg):
        out = []
        if self.source_interface:
            out.append(f"ip radius source-interface {self.source_interface}")
        rank = {k: i for i, k in enumerate(ATTR_ORDER)}
        for key in sorted(self.attributes, key=lambda k: rank.get(k, len(rank))):
            out.append(f"radius-server attribute {self.attributes[key]}")
        if self.dead_criteria:
            time, tries = self.dead_criteria
            text = "radius-server dead-criteria"
            if time is not None:
                text += f" time {time}"
            if tries is not None:
                text += f" tries {tries}"
            out.append(text)
        if self.retransmit is not None:
            out.append(f"radius-server retransmit {self.retransmit}")
        if self.timeout is not None:
            out.append(f"radius-server timeout {self.timeout}")
        if self.source_ports_extended:
            out.append("radius-server source-ports extended")
        if self.deadtime is not None:
            out.append(f"radius-server deadtime {self.deadtime}")
        if self.unique_ident is not None:
            out.append(f"radius-server unique-ident {self.unique_ident}")
        for what in ("", "accounting", "authentication"):
            if what in self.vsa_send:
                out.append(f"radius-server vsa send {what}".rstrip())
        return [out] if out else []


# ---- radius server NAME --------------------------------------------------------------------------

@dataclass
class RadiusServer:
    name: str
    address: tuple[str, str] | None = None  # (ipv4|ipv6|fqdn, host)
    auth_port: int = 1812
    acct_port: int = 1813
    key: Key | None = None
    timeout: int | None = None
    retransmit: int | None = None
    automate_tester: str | None = None  # text after `automate-tester `

    def lines(self, cfg) -> list[str]:
        out = [f"radius server {self.name}"]
        if self.address:
            kind, host = self.address
            out.append(f" address {kind} {host} auth-port {self.auth_port} acct-port {self.acct_port}")
        if self.timeout is not None:
            out.append(f" timeout {self.timeout}")
        if self.retransmit is not None:
            out.append(f" retransmit {self.retransmit}")
        if self.automate_tester:
            out.append(f" automate-tester {self.automate_tester}")
        if self.key:
            out.append(f" key {self.key.show(cfg)}")
        return out


@feature("radius_servers")
@dataclass
class RadiusServers:
    servers: dict[str, RadiusServer] = field(default_factory=dict)

    def render(self, cfg):
        return [s.lines(cfg) for s in self.servers.values()]

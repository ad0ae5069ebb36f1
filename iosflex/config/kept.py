"""Kept, not emulated: the running-config lines of features the router does not emulate (routing protocols,
SNMP, NTP, logging, banners, licences, platform lines, IKEv1...).  The grammar recognises their leading
keywords (grammars/kept.gram, with help texts) and takes the rest of the line as it comes; the model keeps
the text in typed order and renders it where IOS puts it.

Two shapes (docs/HACKING.md, "Kept, not emulated"):

* a global line (`ntp server 10.0.0.1`, `ip forward-protocol nd`): a `KeptLine` in one of the `kept_*`
  features below, chosen by its leading words (`SLOT_OF`);
* an opaque block (`router bgp 65000`, `route-map X permit 10`, `control-plane`): a `KeptBlock` whose header
  is the line that opened it and whose items are the lines typed in its sub-mode, nested blocks
  (`address-family ipv4` ... `exit-address-family`) included.  Re-entering the same header re-opens it.

Lines typed inside an emulated sub-mode that are not emulated (`duplex auto` under an interface,
`stopbits 1` under a line) go to that object's `kept` list and its renderer prints them.

A `no` form removes the same positive line if it is kept, else it is kept as typed (`no mop enabled`,
`no ip http server`: IOS prints those); `default` removes both forms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import feature


@dataclass
class KeptBlock:
    header: str
    items: list = field(default_factory=list)  # str | KeptBlock, in typed order
    closer: str | None = None  # `exit-address-family` ...: printed at the header's indentation
    indent: int = 1  # spaces before each item, relative to the header (IOS uses 2 and 3 in IKEv1 blocks)
    bang: bool = False  # IOS prints an indented `!` before each nested block (router bgp, eigrp named mode)

    def lines(self, pad: str = "") -> list[str]:
        out = [pad + self.header]
        inner = pad + " " * self.indent
        for it in self.items:
            if isinstance(it, KeptBlock):
                if self.bang:
                    out.append(inner + "!")
                out.extend(it.lines(inner))
            else:
                out.append(inner + it)
        if self.closer:
            out.append(pad + self.closer)
        return out

    def child(self, header: str) -> "KeptBlock":
        for it in self.items:
            if isinstance(it, KeptBlock) and it.header == header:
                return it
        b = KeptBlock(header)
        self.items.append(b)
        return b


# Kept settings IOS holds once, whatever their parameters: typed again, the line replaces the kept one; their
# `no` / `default` form, with or without the parameters, removes it (`no clock summer-time`).
SINGLE = {("clock", "summer-time"), ("clock", "calendar-valid"), ("login", "block-for"), ("login", "delay"),
          ("login", "quiet-mode"), ("ip", "ssh", "time-out"), ("ip", "ssh", "authentication-retries"),
          ("ip", "ssh", "source-interface"), ("memory-size", "iomem"), ("vlan", "internal")}


def _single(text: str) -> str | None:
    words = text.split()
    for n in (3, 2):
        if tuple(words[:n]) in SINGLE:
            return " ".join(words[:n])
    return None


def add_line(items: list, text: str, negate: str | None) -> None:
    """Keep `text` (typed without its `no`) in `items` as IOS would: see the module docstring and SINGLE."""
    key = _single(text)
    if key is not None:
        same = [i for i, it in enumerate(items) if isinstance(it, str) and (it == key or it.startswith(key + " "))]
        if negate:
            for i in reversed(same):
                del items[i]
        elif same:
            items[same[0]] = text
            for i in reversed(same[1:]):
                del items[i]
        else:
            items.append(text)
        return
    pos, neg = text, "no " + text
    if negate == "default":
        for t in (pos, neg):
            if t in items:
                items.remove(t)
        return
    if negate:
        if pos in items:
            items.remove(pos)
            return
        if neg not in items:
            items.append(neg)
        return
    if neg in items:
        items[items.index(neg)] = pos
    elif pos not in items:
        items.append(pos)


def remove_block(items: list, header: str) -> bool:
    for it in items:
        if isinstance(it, KeptBlock) and it.header == header:
            items.remove(it)
            return True
    return False


# IOS's place for each kept global line or block, by its leading words (the longest match wins).  The slots
# are features of their own (ORDER in model.py) except `service`/`platform`, printed in the `system` block.
SLOT_OF: dict[tuple[str, ...], str] = {
    ("service",): "service", ("platform",): "platform", ("no", "platform"): "platform",
    ("ip", "vrf"): "kept_vrf",
    ("mmi",): "kept_pre_domain", ("ip", "icmp"): "kept_pre_domain", ("ip", "dhcp"): "kept_pre_domain",
    ("ip", "subnet-zero"): "kept_pre_domain", ("ip", "source-route"): "kept_pre_domain",
    ("ip", "bootp"): "kept_pre_domain", ("ip", "routing"): "kept_pre_domain", ("ip", "classless"): "kept_ip",
    ("ip", "ssh"): "kept_post_user", ("clock",): "clock",
    ("ip", "cef"): "kept_post_domain", ("ipv6", "cef"): "kept_post_domain",
    ("ipv6", "unicast-routing"): "kept_post_domain", ("ip", "multicast-routing"): "kept_post_domain",
    ("multilink",): "kept_post_domain", ("subscriber",): "kept_post_domain", ("ip", "domain"): "kept_post_domain",
    ("vtp",): "kept_post_domain",
    ("license",): "kept_post_pki", ("diagnostic",): "kept_post_pki", ("spanning-tree",): "kept_post_pki",
    ("archive",): "kept_post_pki", ("memory",): "kept_post_pki", ("file",): "kept_post_pki",
    ("redundancy",): "kept_post_user", ("cdp",): "kept_post_user", ("lldp",): "kept_post_user",
    ("ip", "tcp"): "kept_post_user", ("track",): "kept_post_user", ("key",): "kept_post_user",
    ("voice",): "kept_post_user", ("voice-card",): "kept_post_user", ("domain",): "kept_post_user",
    ("crypto", "keyring"): "kept_crypto", ("crypto", "isakmp"): "kept_crypto",
    ("crypto", "ipsec", "security-association"): "kept_crypto", ("crypto", "ipsec", "df-bit"): "kept_crypto",
    ("crypto", "ipsec", "nat-transparency"): "kept_crypto", ("crypto", "ipsec", "client"): "kept_crypto",
    ("crypto", "map"): "kept_crypto_map",
    ("router",): "kept_routing", ("virtual-service",): "kept_routing",
    ("ip", "forward-protocol"): "kept_ip", ("ip", "bgp-community"): "kept_ip", ("ip", "http"): "kept_ip",
    ("ip", "dns"): "kept_ip", ("ip", "nat"): "kept_ip",
    ("ip", "route"): "kept_ip_route",
    ("ip", "tftp"): "kept_ip_post_route", ("ip", "ftp"): "kept_ip_post_route", ("ip", "scp"): "kept_ip_post_route",
    ("ip", "sla"): "kept_ip_post_route",
    ("ip", "prefix-list"): "kept_acl", ("ip", "community-list"): "kept_acl",
    ("ip", "extcommunity-list"): "kept_acl", ("ip", "as-path"): "kept_acl", ("access-list",): "kept_acl",
    ("ipv6", "access-list"): "kept_acl", ("ipv6", "prefix-list"): "kept_acl", ("logging",): "kept_acl",
    ("ipv6", "ioam"): "kept_acl", ("ipv6", "route"): "kept_acl",
    ("route-map",): "kept_route_map",
    ("snmp-server",): "kept_snmp", ("snmp",): "kept_snmp", ("tacacs",): "kept_snmp", ("tacacs-server",): "kept_snmp",
    ("kron",): "kept_tail",
    ("control-plane",): "kept_control_plane", ("dial-peer",): "kept_control_plane",
    ("mgcp",): "kept_control_plane", ("gatekeeper",): "kept_control_plane",
    ("banner",): "kept_banner",
    ("ntp",): "kept_tail", ("scheduler",): "kept_tail", ("event",): "kept_tail", ("alias",): "kept_tail",
    ("call-home",): "kept_post_user", ("wsma",): "kept_tail", ("netconf",): "kept_tail",
}
DEFAULT_SLOT = "kept_post_user"


def slot_of(text: str) -> str:
    words = text.split()
    if words and words[0] == "no" and ("no", words[1] if len(words) > 1 else "") not in SLOT_OF:
        words = words[1:]
    for n in (3, 2, 1):
        key = tuple(words[:n])
        if len(key) == n and key in SLOT_OF:
            return SLOT_OF[key]
    return DEFAULT_SLOT


@dataclass
class KeptSection:
    items: list = field(default_factory=list)  # str | KeptBlock

    def render(self, cfg):
        """One block per opaque block, the single lines of a run together in one block, as IOS prints them."""
        out: list[list[str]] = []
        run: list[str] = []
        for it in self.items:
            if isinstance(it, KeptBlock):
                if run:
                    out.append(run)
                    run = []
                out.append(it.lines())
            else:
                run.extend(it.split("\n"))  # a banner's text spans lines
        if run:
            out.append(run)
        return out


SECTIONS = ["kept_vrf", "kept_pre_domain", "kept_post_domain", "kept_post_pki", "kept_post_user", "kept_crypto",
            "kept_crypto_map", "kept_routing", "kept_ip", "kept_ip_route", "kept_ip_post_route", "kept_acl",
            "kept_route_map", "kept_snmp", "kept_control_plane", "kept_banner", "kept_tail"]

for _name in SECTIONS:
    feature(_name)(type(_name.title().replace("_", ""), (KeptSection,), {"__module__": __name__}))


@feature("kept_system")
@dataclass
class KeptSystem:
    """`service ...` and `platform ...` lines: printed in the `version` block by config/system.py."""

    service: list = field(default_factory=list)
    platform: list = field(default_factory=list)

    def render(self, cfg):
        return []


def items_for(cfg, text: str) -> list:
    slot = slot_of(text)
    if slot in ("service", "platform"):
        return getattr(cfg.kept_system, slot)
    if slot == "clock":  # `clock summer-time`, `clock calendar-valid`: printed with `clock timezone`
        return cfg.clock.kept
    return getattr(cfg, slot).items


# Which features are only kept: `show` of them answers with one line (modes/kept.py).
NOT_EMULATED = "% {what}: configuration kept, not emulated by this router"

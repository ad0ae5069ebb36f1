"""Interfaces in the running-config: physical Ethernet ports, Loopback, Tunnel and Virtual-Template.

IOS keeps every physical port in the config (``no ip address`` / ``shutdown`` when unused); logical
interfaces exist once configured.  Lines print in IOS's order for an interface.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .model import feature

# Canonical type names, in IOS's sort order for `show running-config`.
TYPES = ["Loopback", "Tunnel", "FastEthernet", "GigabitEthernet", "Ethernet", "Virtual-Template", "Virtual-Access"]
PHYSICAL = ("Ethernet", "FastEthernet", "GigabitEthernet")
DEFAULT_PORTS = [("Ethernet", f"0/{i}") for i in range(4)]


def canonical_type(text: str) -> str:
    for t in TYPES:
        if t.lower().startswith(text.lower()):
            return t
    raise KeyError(text)


_NAME = re.compile(r"^([A-Za-z-]+?)\s*(\d[\d/.:]*)$")


def parse_name(text: str) -> tuple[str, str] | None:
    """`e0/0`, `Ethernet 0/0`, `vi1` -> (canonical type, number); None when not an interface name."""
    m = _NAME.match(text.strip())
    if not m:
        return None
    try:
        return canonical_type(m.group(1)), m.group(2)
    except KeyError:
        return None


def _num_key(number: str):
    return [int(x) for x in re.split(r"[/.:]", number) if x.isdigit()]


@dataclass
class Interface:
    type: str
    number: str
    vt_type: str | None = None  # Virtual-Template type: tunnel, ethernet, serial
    description: str | None = None
    vrf: str | None = None
    ip_address: tuple[str, str] | None = None
    ip_unnumbered: str | None = None
    no_ip_address: bool = False
    ip_mtu: int | None = None
    tcp_mss: int | None = None
    access_group_in: str | None = None
    access_group_out: str | None = None
    nat: str | None = None  # inside / outside
    extra: list[str] = field(default_factory=list)  # other interface lines, kept in typed order
    tunnel_source: str | None = None
    tunnel_destination: str | None = None
    tunnel_key: int | None = None
    tunnel_mode: str | None = None
    tunnel_vrf: str | None = None
    tunnel_protection: str | None = None
    tunnel_protection_shared: bool = False
    service_policy_in: str | None = None
    service_policy_out: str | None = None
    shutdown: bool = False

    @property
    def name(self) -> str:
        return f"{self.type}{self.number}"

    @property
    def physical(self) -> bool:
        return self.type in PHYSICAL

    def header(self) -> str:
        if self.type == "Virtual-Template" and self.vt_type:
            return f"interface {self.name} type {self.vt_type}"
        return f"interface {self.name}"

    def lines(self, cfg) -> list[str]:
        out = [self.header()]
        if self.description:
            out.append(f" description {self.description}")
        if self.vrf:
            out.append(f" vrf forwarding {self.vrf}")
        if self.ip_unnumbered:
            out.append(f" ip unnumbered {self.ip_unnumbered}")
        elif self.ip_address:
            out.append(f" ip address {self.ip_address[0]} {self.ip_address[1]}")
        elif self.physical or self.type in ("Tunnel",) or self.no_ip_address:
            out.append(" no ip address")
        if self.access_group_in:
            out.append(f" ip access-group {self.access_group_in} in")
        if self.access_group_out:
            out.append(f" ip access-group {self.access_group_out} out")
        if self.ip_mtu is not None:
            out.append(f" ip mtu {self.ip_mtu}")
        if self.nat:
            out.append(f" ip nat {self.nat}")
        out.extend(f" {x}" for x in self.extra)
        if self.tcp_mss is not None:
            out.append(f" ip tcp adjust-mss {self.tcp_mss}")
        if self.shutdown:
            out.append(" shutdown")
        if self.tunnel_source:
            out.append(f" tunnel source {self.tunnel_source}")
        if self.tunnel_destination:
            out.append(f" tunnel destination {self.tunnel_destination}")
        if self.tunnel_key is not None:
            out.append(f" tunnel key {self.tunnel_key}")
        if self.tunnel_mode:
            out.append(f" tunnel mode {self.tunnel_mode}")
        if self.tunnel_vrf:
            out.append(f" tunnel vrf {self.tunnel_vrf}")
        if self.tunnel_protection:
            shared = " shared" if self.tunnel_protection_shared else ""
            out.append(f" tunnel protection ipsec profile {self.tunnel_protection}{shared}")
        if self.service_policy_in:
            out.append(f" service-policy input {self.service_policy_in}")
        if self.service_policy_out:
            out.append(f" service-policy output {self.service_policy_out}")
        return out


@feature("interfaces")
@dataclass
class Interfaces:
    items: dict[tuple[str, str], Interface] = field(
        default_factory=lambda: {k: Interface(*k, shutdown=True) for k in DEFAULT_PORTS}
    )

    def get(self, iftype: str, number: str) -> Interface | None:
        try:
            iftype = canonical_type(iftype)
        except KeyError:
            return None
        return self.items.get((iftype, number))

    def get_or_create(self, iftype: str, number: str) -> Interface:
        iftype = canonical_type(iftype)
        iface = self.items.get((iftype, number))
        if iface is None:
            iface = Interface(iftype, number)
            self.items[(iftype, number)] = iface
        return iface

    def ordered(self) -> list[Interface]:
        return sorted(self.items.values(), key=lambda i: (TYPES.index(i.type), _num_key(i.number)))

    def physical_counts(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for i in self.items.values():
            if i.physical:
                counts[i.type] = counts.get(i.type, 0) + 1
        return sorted(counts.items())

    def render(self, cfg):
        return [i.lines(cfg) for i in self.ordered() if i.type != "Virtual-Access"]

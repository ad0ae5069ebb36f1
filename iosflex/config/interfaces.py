"""Interfaces in the running-config: physical Ethernet ports, Loopback, Tunnel and Virtual-Template.
(Virtual-Access interfaces use the same `Interface` class for their configuration but are runtime objects,
never stored here: iosflex/interfaces/vaccess.py, `router.vaccess`.)

IOS keeps every physical port in the config (``no ip address`` / ``shutdown`` when unused); logical
interfaces exist once configured.  Lines print in IOS's order for an interface (the order of real IOS-XE
``show running-config`` captures: description, encapsulation, vrf, address, access-groups, mtu, nat, nhrp,
adjust-mss, zone, logging, shutdown, negotiation, ipv6, tunnel source/mode/destination/key/pmtud/vrf/protection,
service-policy).
"""

from __future__ import annotations

import re
import socket
from bisect import bisect_left, bisect_right, insort
from functools import lru_cache
from dataclasses import dataclass, field

from .model import feature

# Canonical type names, in IOS's sort order for `show running-config`.
TYPES = ["Loopback", "Port-channel", "Tunnel", "FastEthernet", "GigabitEthernet", "Ethernet", "Virtual-Template",
         "Virtual-Access", "Null"]
PHYSICAL = ("Ethernet", "FastEthernet", "GigabitEthernet")
BEFORE_PORTS = tuple(TYPES[: min(TYPES.index(t) for t in PHYSICAL)])  # printed before every port
TUNNEL_CAPABLE = ("Tunnel", "Virtual-Template", "Virtual-Access")
DEFAULT_PORTS = [("Ethernet", f"0/{i}") for i in range(4)]
SHORT = {"Loopback": "Lo", "Tunnel": "Tu", "FastEthernet": "Fa", "GigabitEthernet": "Gi", "Ethernet": "Et",
         "Virtual-Template": "Vt", "Virtual-Access": "Vi", "Port-channel": "Po", "Null": "Nu"}
# `show interfaces ... | inc protocol/transport`
TUNNEL_TRANSPORT = {None: "GRE/IP", "gre ip": "GRE/IP", "gre ipv6": "GRE/IPv6", "gre multipoint": "multi-GRE/IP",
                    "ipsec ipv4": "IPSEC/IP", "ipsec ipv6": "IPSEC/IPV6", "ipsec dual-overlay": "IPSEC/IP"}


ALIASES = {"vi": "Virtual-Access"}  # IOS resolves `vi` to Virtual-Access, though Virtual-Template shares it


def canonical_type(text: str) -> str:
    if text.lower() in ALIASES:
        return ALIASES[text.lower()]
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


@lru_cache(maxsize=65536)
def address_range(addr: str, mask: str) -> tuple[int, int]:
    """First and last address of the subnet of `addr mask`, as integers."""
    a = int.from_bytes(socket.inet_aton(addr), "big")
    m = int.from_bytes(socket.inet_aton(mask), "big")
    return a & m, (a & m) | (~m & 0xFFFFFFFF)


def _num_key(number: str):
    return [int(x) for x in re.split(r"[/.:]", number) if x.isdigit()]


# Kept interface lines IOS prints before `shutdown` (the IP-level ones); the rest (duplex, speed, media-type,
# mop...) come after it.
_EARLY = ("ip ", "ipv6 ", "vrrp ", "standby ", "bandwidth ", "delay ", "load-interval ", "mpls ", "no ip ",
          "no ipv6 ", "keepalive ", "no keepalive", "glbp ", "hsrp ")


def _split_kept(kept: list[str]) -> tuple[list[str], list[str]]:
    early = [k for k in kept if k.startswith(_EARLY)]
    return early, [k for k in kept if not k.startswith(_EARLY)]


@dataclass
class Interface:
    type: str
    number: str
    vt_type: str | None = None  # Virtual-Template type: tunnel, ethernet, serial
    description: str | None = None
    encapsulation_dot1q: int | None = None
    vrf: str | None = None  # vrf forwarding
    ip_vrf: str | None = None  # ip vrf forwarding (old style)
    ip_address: tuple[str, str] | None = None
    ip_method: str = "unset"  # manual / NVRAM, for `show ip interface brief`
    secondaries: list[tuple[str, str]] = field(default_factory=list)
    ip_unnumbered: str | None = None
    access_group_in: str | None = None
    access_group_out: str | None = None
    ip_mtu: int | None = None
    nat: str | None = None  # inside / outside
    nhrp_network_id: int | None = None
    nhrp_shortcut: bool = False
    nhrp_shortcut_vt: int | None = None
    nhrp_redirect: bool = False
    tcp_mss: int | None = None
    zone: str | None = None
    no_link_status_log: bool = False
    shutdown: bool = False
    negotiation_auto: bool | None = None  # True: `negotiation auto`; False: `no negotiation auto` (Port-channel)
    ipv6_enable: bool = False
    ipv6_addresses: list[str] = field(default_factory=list)  # "2001:DB8::1/64", "... eui-64", "FE80::1 link-local"
    ipv6_unnumbered: str | None = None
    ipv6_mtu: int | None = None
    tunnel_source: str | None = None
    tunnel_mode: str | None = None  # "ipsec ipv4", "gre multipoint" ...; None = default gre ip
    tunnel_destination: str | None = None
    tunnel_key: int | None = None
    tunnel_pmtud: bool = False
    tunnel_vrf: str | None = None
    tunnel_protection: str | None = None
    tunnel_protection_shared: bool = False
    service_policy_in: str | None = None
    service_policy_out: str | None = None
    kept: list[str] = field(default_factory=list)  # kept, not emulated (config/kept.py): duplex, no mop enabled...

    @property
    def name(self) -> str:
        return f"{self.type}{self.number}"

    @property
    def short_name(self) -> str:
        return f"{SHORT[self.type]}{self.number}"

    @property
    def physical(self) -> bool:
        return self.type in PHYSICAL

    @property
    def subinterface(self) -> bool:
        return "." in self.number

    @property
    def tunnel_capable(self) -> bool:
        return self.type in TUNNEL_CAPABLE and (self.type != "Virtual-Template" or self.vt_type == "tunnel")

    def header(self) -> str:
        if self.type == "Virtual-Template" and self.vt_type:
            return f"interface {self.name} type {self.vt_type}"
        return f"interface {self.name}"

    def lines(self, cfg) -> list[str]:
        out = [self.header()]
        if self.description:
            out.append(f" description {self.description}")
        if self.encapsulation_dot1q is not None:
            out.append(f" encapsulation dot1Q {self.encapsulation_dot1q}")
        if self.vrf:
            out.append(f" vrf forwarding {self.vrf}")
        if self.ip_vrf:
            out.append(f" ip vrf forwarding {self.ip_vrf}")
        if self.ip_unnumbered:
            out.append(f" ip unnumbered {self.ip_unnumbered}")
        elif self.ip_address:
            out.append(f" ip address {self.ip_address[0]} {self.ip_address[1]}")
            out.extend(f" ip address {a} {m} secondary" for a, m in self.secondaries)
        else:
            out.append(" no ip address")
        if self.access_group_in:
            out.append(f" ip access-group {self.access_group_in} in")
        if self.access_group_out:
            out.append(f" ip access-group {self.access_group_out} out")
        if self.ip_mtu is not None:
            out.append(f" ip mtu {self.ip_mtu}")
        if self.nat:
            out.append(f" ip nat {self.nat}")
        if self.nhrp_network_id is not None:
            out.append(f" ip nhrp network-id {self.nhrp_network_id}")
        if self.nhrp_shortcut:
            vt = f" virtual-template {self.nhrp_shortcut_vt}" if self.nhrp_shortcut_vt is not None else ""
            out.append(f" ip nhrp shortcut{vt}")
        if self.nhrp_redirect:
            out.append(" ip nhrp redirect")
        if self.tcp_mss is not None:
            out.append(f" ip tcp adjust-mss {self.tcp_mss}")
        if self.zone:
            out.append(f" zone-member security {self.zone}")
        if self.no_link_status_log:
            out.append(" no logging event link-status")
        early, late = _split_kept(self.kept)
        out.extend(" " + k for k in early)
        if self.shutdown:
            out.append(" shutdown")
        out.extend(" " + k for k in late)
        if self.negotiation_auto:
            out.append(" negotiation auto")
        elif self.negotiation_auto is False:
            out.append(" no negotiation auto")
        if self.ipv6_unnumbered:
            out.append(f" ipv6 unnumbered {self.ipv6_unnumbered}")
        out.extend(f" ipv6 address {a}" for a in sorted(self.ipv6_addresses, key=lambda a: "link-local" not in a))
        if self.ipv6_enable:
            out.append(" ipv6 enable")
        if self.ipv6_mtu:
            out.append(f" ipv6 mtu {self.ipv6_mtu}")
        if self.tunnel_source:
            out.append(f" tunnel source {self.tunnel_source}")
        if self.tunnel_mode:
            out.append(f" tunnel mode {self.tunnel_mode}")
        if self.tunnel_destination:
            out.append(f" tunnel destination {self.tunnel_destination}")
        if self.tunnel_key is not None:
            out.append(f" tunnel key {self.tunnel_key}")
        if self.tunnel_pmtud:
            out.append(" tunnel path-mtu-discovery")
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

    # -- state for show commands ----------------------------------------------------------------------
    def ipv6_global(self, cfg) -> list[tuple[str, int]]:
        """The global IPv6 addresses (address, prefix length): configured, eui-64 ones with the interface id
        from the MAC (config/render.py's), or borrowed with `ipv6 unnumbered`."""
        import ipaddress  # noqa: PLC0415

        if self.ipv6_unnumbered:
            other = cfg.interfaces.by_name(self.ipv6_unnumbered)
            return other.ipv6_global(cfg) if other is not None and other is not self else []
        out = []
        for a in self.ipv6_addresses:
            if a.endswith(" link-local"):
                continue
            text = a.split()[0]
            iface = ipaddress.IPv6Interface(text)
            addr = iface.ip
            if a.endswith(" eui-64"):
                addr = iface.network.network_address + self.eui64_id()
            out.append((str(addr), iface.network.prefixlen))
        return out

    def ipv6_link_local(self) -> str | None:
        """The link-local address: configured, else FE80:: with the EUI-64 id when IPv6 is on here."""
        import ipaddress  # noqa: PLC0415

        for a in self.ipv6_addresses:
            if a.endswith(" link-local"):
                return str(ipaddress.IPv6Address(a.split()[0]))
        if self.ipv6_addresses or self.ipv6_enable or self.ipv6_unnumbered:
            return str(ipaddress.IPv6Address("fe80::") + self.eui64_id())
        return None

    def eui64_id(self) -> int:
        """The modified EUI-64 interface id of this interface's MAC (RFC 4291 appendix A); interfaces without
        a MAC use the router's first one, as IOS does for tunnels and loopbacks (our stand-in MAC)."""
        try:
            from .render import mac_of  # noqa: PLC0415  (another issue's MAC model, when present)

            mac = mac_of(self)
        except Exception:  # noqa: BLE001
            mac = f"aabb.cc00.{0x100 + len(self.number):04x}"
        b = bytes.fromhex(mac.replace(".", "").replace(":", ""))
        eui = bytes([b[0] ^ 0x02]) + b[1:3] + b"\xff\xfe" + b[3:6]
        return int.from_bytes(eui, "big")

    def address(self, cfg) -> tuple[str, str] | None:
        """The primary address, or the borrowed one for `ip unnumbered`."""
        if self.ip_address:
            return self.ip_address
        if self.ip_unnumbered:
            other = cfg.interfaces.by_name(self.ip_unnumbered)
            if other is not None and other is not self and other.ip_address:
                return other.ip_address
        return None

    def status(self, cfg) -> tuple[str, str]:
        """(`Status`, `Protocol`) as `show ip interface brief` prints them."""
        if self.shutdown:
            return "administratively down", "down"
        if self.type == "Virtual-Template":
            return "up", "down"
        if self.type == "Port-channel":  # no member links are emulated: a channel without members is down
            return "down", "down"
        if self.type == "Tunnel":
            src = self.tunnel_source
            multipoint = self.tunnel_mode == "gre multipoint"
            ok = bool(src and (self.tunnel_destination or multipoint))
            if ok and src and not src[0].isdigit():
                other = cfg.interfaces.by_name(src)
                ok = other is not None and other.status(cfg) == ("up", "up")
            return "up", "up" if ok else "down"
        return "up", "up"


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

    def by_name(self, name: str) -> Interface | None:
        parsed = parse_name(name)
        return self.items.get(parsed) if parsed else None

    def get_or_create(self, iftype: str, number: str) -> Interface:
        iftype = canonical_type(iftype)
        iface = self.items.get((iftype, number))
        if iface is None:
            iface = Interface(iftype, number)
            self.items[(iftype, number)] = iface
        return iface

    def exists_or_creatable(self, iftype: str, number: str, create_ports: bool = False) -> bool:
        """Logical interfaces and subinterfaces of existing ports are created on demand.  With
        `create_ports` (the `interface` command) a new physical port is too: the emulated chassis has
        whatever ports a pasted production config names (GigabitEthernet1, ...)."""
        iftype = canonical_type(iftype)
        if (iftype, number) in self.items or iftype not in PHYSICAL or create_ports:
            return True
        parent, dot, _ = number.partition(".")
        return bool(dot) and (iftype, parent) in self.items

    # -- address overlap index: `ip address` checks every other interface, so keep them indexed --------
    def _index(self):
        idx = self.__dict__.get("_addr_idx")
        if idx is None:
            idx = {}
            self.__dict__["_addr_idx"] = idx
            for iface in self.items.values():
                if iface.ip_address:
                    self._index_add(idx, iface)
        return idx

    @staticmethod
    def _index_add(idx, iface):
        lo, hi = address_range(*iface.ip_address)
        starts, exact = idx.setdefault(iface.vrf or iface.ip_vrf, ([], {}))
        insort(starts, (lo, hi, iface.type, iface.number))
        exact.setdefault((lo, hi), set()).add((iface.type, iface.number))

    def note_address(self, iface: "Interface") -> None:
        """Call after setting `iface.ip_address`, so that later overlap checks see it."""
        if "_addr_idx" in self.__dict__ and iface.ip_address:
            self._index_add(self.__dict__["_addr_idx"], iface)

    def overlapping(self, lo: int, hi: int, vrf: str | None, exclude: "Interface") -> "Interface | None":
        """An interface (other than `exclude`) in `vrf` whose primary subnet overlaps [lo, hi]."""
        starts, exact = self._index().get(vrf, ([], {}))
        cands = [(e[2], e[3]) for e in starts[bisect_left(starts, (lo,)) : bisect_right(starts, (hi, 1 << 33))]]
        length = 32 - (hi - lo).bit_length()
        for plen in range(length + 1):  # subnets that contain [lo, hi]
            mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
            net = lo & mask
            cands.extend(exact.get((net, net | (~mask & 0xFFFFFFFF)), ()))
        for key in cands:
            other = self.items.get(key)
            if other is None or other is exclude or not other.ip_address:
                continue  # stale entry: the interface or its address is gone
            if (other.vrf or other.ip_vrf) != vrf:
                continue
            olo, ohi = address_range(*other.ip_address)
            if olo <= hi and lo <= ohi:
                return other
        return None

    def remove(self, iftype: str, number: str) -> None:
        self.items.pop((canonical_type(iftype), number), None)

    def ordered(self) -> list[Interface]:
        return sorted(self.items.values(), key=lambda i: (TYPES.index(i.type), _num_key(i.number)))

    def physical_counts(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for i in self.items.values():
            if i.physical and not i.subinterface:
                counts[i.type] = counts.get(i.type, 0) + 1
        return sorted(counts.items())

    def render(self, cfg):
        return [i.lines(cfg) for i in self.ordered()]

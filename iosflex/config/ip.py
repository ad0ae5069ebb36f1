"""Global IP configuration: VRF definitions, domain name / name servers, local address pools, static
routes."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .model import feature


@dataclass
class Vrf:
    name: str
    rd: str | None = None
    description: str | None = None
    af_ipv4: bool = False
    af_ipv6: bool = False
    af_kept: dict[str, list[str]] = field(default_factory=dict)  # kept, not emulated: route-target...
    kept: list[str] = field(default_factory=list)


@dataclass
class VrfAf:
    """The object of the vrf-af sub-mode: one address family of a VRF (its kept lines)."""

    vrf: Vrf
    af: str

    @property
    def kept(self) -> list[str]:
        return self.vrf.af_kept.setdefault(self.af, [])


@feature("vrf")
@dataclass
class Vrfs:
    vrfs: dict[str, Vrf] = field(default_factory=dict)

    def render(self, cfg):
        blocks = []
        for v in sorted(self.vrfs.values(), key=lambda v: v.name):
            lines = [f"vrf definition {v.name}"]
            if v.description:
                lines.append(f" description {v.description}")
            if v.rd:
                lines.append(f" rd {v.rd}")
            lines.extend(" " + k for k in v.kept)
            for af, on in (("ipv4", v.af_ipv4), ("ipv6", v.af_ipv6)):
                if on:
                    kept = ["  " + k for k in v.af_kept.get(af, [])]
                    lines += [" !", f" address-family {af}", *kept, " exit-address-family"]
            blocks.append(lines)
        return blocks


@feature("ip_domain")
@dataclass
class IpDomain:
    name: str | None = None
    name_servers: list[str] = field(default_factory=list)

    def render(self, cfg):
        lines = []
        if self.name:
            lines.append(f"ip domain name {self.name}")
        if self.name_servers:
            lines.append("ip name-server " + " ".join(self.name_servers))
        return [lines] if lines else []


@dataclass
class PoolRange:
    low: str
    high: str | None  # None: typed with one address

    @property
    def size(self) -> int:
        return int(ipaddress.IPv4Address(self.high or self.low)) - int(ipaddress.IPv4Address(self.low)) + 1

    def contains(self, addr: str) -> bool:
        a = int(ipaddress.IPv4Address(addr))
        return int(ipaddress.IPv4Address(self.low)) <= a <= int(ipaddress.IPv4Address(self.high or self.low))


@feature("ip_local_pool")
@dataclass
class IpLocalPools:
    pools: dict[str, list[PoolRange]] = field(default_factory=dict)

    def render(self, cfg):
        lines = []
        for name, ranges in self.pools.items():
            for r in ranges:
                lines.append(f"ip local pool {name} {r.low}" + (f" {r.high}" if r.high else ""))
        return [lines] if lines else []


@dataclass
class Route:
    vrf: str | None
    prefix: str
    mask: str
    interface: str | None
    nexthop: str | None
    distance: int | None = None
    tag: int | None = None
    name: str | None = None

    @property
    def key(self):
        return (self.vrf, self.prefix, self.mask, self.interface, self.nexthop)

    def line(self) -> str:
        parts = ["ip route"]
        if self.vrf:
            parts.append(f"vrf {self.vrf}")
        parts += [self.prefix, self.mask]
        if self.interface:
            parts.append(self.interface)
        if self.nexthop:
            parts.append(self.nexthop)
        if self.distance is not None:
            parts.append(str(self.distance))
        if self.tag is not None:
            parts.append(f"tag {self.tag}")
        if self.name:
            parts.append(f"name {self.name}")
        return " ".join(parts)

    def sort_key(self):
        return (self.vrf is not None, self.vrf or "", int(ipaddress.IPv4Address(self.prefix)),
                int(ipaddress.IPv4Address(self.mask)))


@feature("ip_route")
@dataclass
class IpRoutes:
    routes: list[Route] = field(default_factory=list)

    def find(self, key) -> Route | None:
        for r in self.routes:
            if r.key == key:
                return r
        return None

    def render(self, cfg):
        if not self.routes:
            return []
        return [[r.line() for r in sorted(self.routes, key=Route.sort_key)]]

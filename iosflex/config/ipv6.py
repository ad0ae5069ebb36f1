"""IPv6 global state (issue 15): `ipv6 unicast-routing` and `ipv6 local pool NAME PREFIX/LEN ASSIGNED-LEN`.
The interface side (`ipv6 address`, `ipv6 unnumbered`, `ipv6 mtu`, `ipv6 enable`) lives on
config/interfaces.py's Interface.  IOS prints IPv6 addresses in upper case in the running-config."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .model import feature


def v6text(text: str) -> str:
    """An IPv6 address or prefix as IOS prints it: compressed, upper case (`2001:DB8:1::1/64`)."""
    if "/" in text:
        a, plen = text.split("/", 1)
        return f"{str(ipaddress.IPv6Address(a)).upper()}/{int(plen)}"
    return str(ipaddress.IPv6Address(text)).upper()


@feature("ipv6_routing")
@dataclass
class Ipv6Routing:
    unicast_routing: bool = False

    def render(self, cfg):
        return [["ipv6 unicast-routing"]] if self.unicast_routing else []


@dataclass
class Ipv6Pool:
    name: str
    prefix: str  # "2001:DB8:CAFE::/48" as IOS prints it
    assigned: int  # the prefix length each client gets

    @property
    def network(self) -> ipaddress.IPv6Network:
        return ipaddress.IPv6Network(self.prefix, strict=False)

    @property
    def size(self) -> int:
        """How many prefixes of `assigned` length the pool holds (the all-zero /128 is never given)."""
        n = 2 ** max(0, self.assigned - self.network.prefixlen)
        return n - 1 if self.assigned == 128 else n

    def address(self, index: int) -> str:
        """The address handed out for the index-th prefix (our design, marked: IOS's choice inside a prefix is
        not public): the prefix itself's first host (::1 of it) for a prefix shorter than /128, else the
        index-th address after the all-zero one."""
        net = self.network
        step = 2 ** (128 - self.assigned)
        if self.assigned == 128:
            return str(net.network_address + index + 1)
        return str(net.network_address + index * step + 1)

    def line(self) -> str:
        return f"ipv6 local pool {self.name} {self.prefix} {self.assigned}"


@feature("ipv6_local_pool")
@dataclass
class Ipv6LocalPools:
    pools: dict[str, Ipv6Pool] = field(default_factory=dict)

    def render(self, cfg):
        return [[p.line() for p in self.pools.values()]] if self.pools else []


@dataclass
class Route6:
    prefix: str  # "2001:DB8:2::/64" as IOS prints it
    interface: str | None = None
    nexthop: str | None = None  # upper case
    distance: int | None = None

    def key(self):
        return (self.prefix, self.interface, self.nexthop)

    def line(self) -> str:
        words = ["ipv6 route", self.prefix]
        if self.interface:
            words.append(self.interface)
        if self.nexthop:
            words.append(self.nexthop)
        if self.distance:
            words.append(str(self.distance))
        return " ".join(words)


@feature("ipv6_route")
@dataclass
class Ipv6Routes:
    routes: list[Route6] = field(default_factory=list)

    def render(self, cfg):
        return [[r.line() for r in self.routes]] if self.routes else []

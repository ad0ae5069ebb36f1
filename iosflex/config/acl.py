"""Named IP access lists (`ip access-list standard|extended NAME`): entries with sequence numbers, printed in
`show running-config` without them (deny padded to line up with permit), and in `show ip access-lists`
with them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .model import feature

PROTO_NAMES = {1: "icmp", 6: "tcp", 17: "udp", 47: "gre", 50: "esp", 51: "ahp", 0: "ip"}
PROTO_NUMBERS = {v: k for k, v in PROTO_NAMES.items()}
# Port names IOS prints instead of numbers (numbers without a name print as numbers; `ssh` prints as 22).
TCP_PORTS = {"bgp": 179, "domain": 53, "ftp": 21, "ftp-data": 20, "pop3": 110, "smtp": 25, "telnet": 23,
             "www": 80, "cmd": 514, "ssh": 22}
UDP_PORTS = {"bootpc": 68, "bootps": 67, "domain": 53, "isakmp": 500, "non500-isakmp": 4500, "ntp": 123,
             "snmp": 161, "snmptrap": 162, "syslog": 514, "tftp": 69, "radius": 1645, "radius-acct": 1646}
PRINT_AS_NUMBER = {"ssh"}


def port_number(proto: str, word: str) -> int | None:
    if word.isdigit():
        n = int(word)
        return n if n <= 65535 else None
    table = TCP_PORTS if proto == "tcp" else UDP_PORTS
    return table.get(word.lower())


def port_text(proto: str, number: int) -> str:
    table = TCP_PORTS if proto == "tcp" else UDP_PORTS
    for name, n in table.items():
        if n == number and name not in PRINT_AS_NUMBER:
            return name
    return str(number)


@dataclass
class Addr:
    """`any`, `host A` or `A W` (wildcard)."""

    kind: str  # any, host, net
    addr: str | None = None
    wildcard: str | None = None

    @staticmethod
    def make(kind: str, addr: str | None = None, wildcard: str | None = None) -> "Addr":
        if kind == "net" and wildcard is not None:
            w = int(ipaddress.IPv4Address(wildcard))
            if w == 0:
                return Addr("host", addr)
            a = int(ipaddress.IPv4Address(addr)) & ~w & 0xFFFFFFFF
            return Addr("net", str(ipaddress.IPv4Address(a)), wildcard)
        if kind == "net":
            return Addr("host", addr)
        return Addr(kind, addr, wildcard)

    def text(self, standard: bool = False) -> str:
        if self.kind == "any":
            return "any"
        if self.kind == "host":
            return self.addr if standard else f"host {self.addr}"
        return f"{self.addr} {self.wildcard}"

    def show(self) -> str:
        """`show ip access-lists` form for standard lists."""
        if self.kind == "net":
            return f"{self.addr}, wildcard bits {self.wildcard}"
        return self.text(standard=True)


@dataclass
class Ace:
    seq: int
    action: str  # permit / deny / remark
    remark: str | None = None
    proto: str | None = None  # extended only
    src: Addr | None = None
    src_port: str | None = None  # "eq 443", "range 500 4500"
    dst: Addr | None = None
    dst_port: str | None = None
    established: bool = False
    log: bool = False

    def body(self, standard: bool, pad: bool) -> str:
        if self.action == "remark":
            return f"remark {self.remark}"
        action = "deny  " if self.action == "deny" and pad else self.action
        if standard:
            text = f"{action} {self.src.text(standard=True)}"
        else:
            text = f"{action} {self.proto} {self.src.text()}"
            if self.src_port:
                text += f" {self.src_port}"
            text += f" {self.dst.text()}"
            if self.dst_port:
                text += f" {self.dst_port}"
            if self.established:
                text += " established"
        if self.log:
            text += " log"
        return text

    def same_match(self, other: "Ace") -> bool:
        return (self.action, self.remark, self.proto, self.src, self.src_port, self.dst, self.dst_port,
                self.established, self.log) == (other.action, other.remark, other.proto, other.src,
                                                 other.src_port, other.dst, other.dst_port, other.established,
                                                 other.log)


@dataclass
class AccessList:
    name: str
    kind: str  # standard / extended
    entries: list[Ace] = field(default_factory=list)

    def next_seq(self) -> int:
        """A remark takes the number of the entry that follows it and does not use one up."""
        return (max((e.seq for e in self.entries if e.action != "remark"), default=0) // 10 + 1) * 10

    def add(self, ace: Ace) -> None:
        self.entries.append(ace)
        self.entries.sort(key=lambda e: (e.seq, e.action != "remark"))


@feature("ip_access_list")
@dataclass
class AccessLists:
    lists: dict[str, AccessList] = field(default_factory=dict)

    def ordered(self) -> list[AccessList]:
        # IOS prints standard lists before extended ones, each in name order (numbers first).
        def key(acl):
            return (acl.kind != "standard", not acl.name.isdigit(), int(acl.name) if acl.name.isdigit() else 0,
                    acl.name)
        return sorted(self.lists.values(), key=key)

    def render(self, cfg):
        lines = []
        for acl in self.ordered():
            lines.append(f"ip access-list {acl.kind} {acl.name}")
            lines.extend(" " + e.body(acl.kind == "standard", pad=True) for e in acl.entries)
        return [lines] if lines else []

    def show(self, name: str | None = None) -> list[str]:
        out = []
        for acl in self.ordered():
            if name is not None and acl.name != name:
                continue
            out.append(f"{acl.kind.capitalize()} IP access list {acl.name}")
            for e in acl.entries:
                if e.action == "remark":
                    continue
                if acl.kind == "standard":
                    action = "deny  " if e.action == "deny" else e.action
                    out.append(f"    {e.seq} {action} {e.src.show()}" + (" log" if e.log else ""))
                else:
                    out.append(f"    {e.seq} {e.body(False, pad=False)}")
        return out

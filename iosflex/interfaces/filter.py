"""IP access lists applied to a virtual-access's traffic (`ip access-group NAME in|out` from the template or AAA
interface-config, and the per-session `ip:inacl#N` / `ip:outacl#N` lists of a CoA): the TUN data plane asks
`permits(acl, packet)` for each IPv4 packet that enters the interface from the peer ("in", after decryption)
or leaves through it to the peer ("out", before encryption).  IOS's semantics: the first entry that matches
decides, remarks are skipped, an implicit `deny any` ends every list; a standard list matches the source
address only; `established` matches TCP segments with ACK or RST; `fragments`, `log` and time ranges are not
evaluated (`log` is kept but logs nothing).

A list is compiled once into integer masks and port ranges and cached per list object and configuration
generation, so that editing a list takes effect on the next packet.
"""

from __future__ import annotations

import ipaddress
import struct

from ..config.acl import PROTO_NUMBERS, port_number

_ANY = (0, 0)  # (address, mask): everything matches


def _addr(a) -> tuple[int, int]:
    """(address, care mask) of an `Addr` (`any`, `host A`, `A WILDCARD`)."""
    if a is None or a.kind == "any":
        return _ANY
    addr = int(ipaddress.IPv4Address(a.addr))
    if a.kind == "host":
        return addr, 0xFFFFFFFF
    care = ~int(ipaddress.IPv4Address(a.wildcard)) & 0xFFFFFFFF
    return addr & care, care


def _ports(proto: str | None, spec: str | None) -> tuple[int, int, bool] | None:
    """(low, high, negated) of `eq N`, `neq N`, `lt N`, `gt N`, `range A B`; None when no port is given."""
    if not spec:
        return None
    words = spec.split()
    op, args = words[0], [port_number(proto or "tcp", w) for w in words[1:]]
    if any(a is None for a in args):
        return (1, 0, False)  # a port IOS would not have taken: matches nothing
    if op == "eq":
        return args[0], args[0], False
    if op == "neq":
        return args[0], args[0], True
    if op == "lt":
        return 0, args[0] - 1, False
    if op == "gt":
        return args[0] + 1, 65535, False
    if op == "range":
        return args[0], args[1], False
    return (1, 0, False)


def compile_acl(acl) -> list[tuple]:
    """The list's entries as (permit, protocol or None, src, dst, src ports, dst ports, established)."""
    out = []
    standard = acl.kind == "standard"
    for e in acl.entries:
        if e.action == "remark":
            continue
        if standard:
            out.append((e.action == "permit", None, _addr(e.src), _ANY, None, None, False))
            continue
        proto = None if e.proto in (None, "ip") else (int(e.proto) if e.proto.isdigit() else PROTO_NUMBERS.get(e.proto))
        if proto is None and e.proto not in (None, "ip"):
            continue  # a protocol name the model does not know: the entry never matches
        out.append((e.action == "permit", proto, _addr(e.src), _addr(e.dst), _ports(e.proto, e.src_port),
                    _ports(e.proto, e.dst_port), e.established))
    return out


def _in(ports, value: int) -> bool:
    low, high, negated = ports
    return (low <= value <= high) != negated


class Filter:
    """Compiled lists, cached; `permits` decides one packet."""

    def __init__(self):
        self._cache: dict[int, tuple[object, int, list]] = {}

    def _rules(self, acl, generation: int) -> list:
        hit = self._cache.get(id(acl))
        if hit is not None and hit[0] is acl and hit[1] == generation:
            return hit[2]
        rules = compile_acl(acl)
        self._cache[id(acl)] = (acl, generation, rules)
        return rules

    def permits(self, acl, packet: bytes, generation: int = 0) -> bool:
        if len(packet) < 20:
            return False
        ihl = (packet[0] & 0x0F) * 4
        proto = packet[9]
        src, dst = struct.unpack_from("!II", packet, 12)
        sport = dport = None
        flags = 0
        if proto in (6, 17) and len(packet) >= ihl + 4:
            sport, dport = struct.unpack_from("!HH", packet, ihl)
            if proto == 6 and len(packet) >= ihl + 14:
                flags = packet[ihl + 13]
        for permit, p, (sa, sm), (da, dm), sports, dports, established in self._rules(acl, generation):
            if p is not None and p != proto:
                continue
            if src & sm != sa or dst & dm != da:
                continue
            if sports is not None and (sport is None or not _in(sports, sport)):
                continue
            if dports is not None and (dport is None or not _in(dports, dport)):
                continue
            if established and not flags & 0x14:  # ACK or RST
                continue
            return permit
        return False  # the implicit deny

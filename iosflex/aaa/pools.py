"""`ip local pool` leases as runtime state (`router.pools`): the configuration says which ranges a pool has,
this says which addresses sessions hold, and hands out the next one in O(log n) however many are in use."""

from __future__ import annotations

import heapq
import socket

# ---- ip local pool ---------------------------------------------------------------------------------------------


class _PoolCursor:
    """Where the next never-used address of each range is, and the addresses given back (a min-heap), so
    that handing out an address costs O(log n) however many are in use.  Rebuilt when the ranges change."""

    def __init__(self, ranges):
        self.key = _ranges_key(ranges)
        self.bases = [_num(r.low) for r in ranges]
        self.sizes = [_num(r.high or r.low) - _num(r.low) + 1 for r in ranges]
        self.next = [0] * len(ranges)
        self.freed: list[int] = []

    def contains(self, n: int) -> bool:
        return any(b <= n < b + size for b, size in zip(self.bases, self.sizes))


def _ranges_key(ranges) -> tuple:
    return tuple((r.low, r.high) for r in ranges)


def _num(a: str) -> int:
    return int.from_bytes(socket.inet_aton(a), "big")


class AddressPools:
    """The leases of every `ip local pool` (one per router)."""

    def __init__(self):
        self.in_use: dict[str, set[str]] = {}  # pool name -> addresses handed out
        self._cursors: dict[str, _PoolCursor] = {}

    def used(self, name: str) -> int:
        return len(self.in_use.get(name, ()))

    def _cursor(self, pool: str, ranges) -> _PoolCursor:
        cur = self._cursors.get(pool)
        if cur is None or cur.key != _ranges_key(ranges):
            cur = self._cursors[pool] = _PoolCursor(ranges)
        return cur

    def allocate(self, cfg, pool: str, preferred: str | None = None) -> str | None:
        return allocate(self, cfg, pool, preferred)

    def release(self, pool: str | None, address: str | None) -> None:
        release(self, pool, address)


def _text(n: int) -> str:
    return socket.inet_ntoa(n.to_bytes(4, "big"))


def allocate(leases: AddressPools, cfg, pool: str, preferred: str | None = None) -> str | None:
    """The lowest free address of `ip local pool NAME` (or `preferred` when free and in the pool); None
    when the pool is exhausted or missing.  Marks it in use."""
    ranges = cfg.ip_local_pool.pools.get(pool)
    if not ranges:
        return None
    used = leases.in_use.setdefault(pool, set())
    if preferred and preferred not in used and any(r.contains(preferred) for r in ranges):
        used.add(preferred)
        return preferred
    cur = leases._cursor(pool, ranges)
    while cur.freed:  # given back: all lower than any never-used address of the same range
        n = heapq.heappop(cur.freed)
        a = _text(n)
        if a not in used and cur.contains(n):
            used.add(a)
            return a
    for i, size in enumerate(cur.sizes):
        while cur.next[i] < size:
            a = _text(cur.bases[i] + cur.next[i])
            cur.next[i] += 1
            if a not in used:
                used.add(a)
                return a
    for i, size in enumerate(cur.sizes):  # exhausted: a last full look, in case addresses left `in_use` directly
        for n in range(cur.bases[i], cur.bases[i] + size):
            a = _text(n)
            if a not in used:
                used.add(a)
                return a
    return None


def release(leases: AddressPools, pool: str | None, address: str | None) -> None:
    """Return an address to its pool (no error if the pool or address is gone)."""
    if not pool or not address:
        return
    used = leases.in_use.get(pool)
    if used is not None and address in used:
        used.discard(address)
        cur = leases._cursors.get(pool)
        if cur is not None:
            heapq.heappush(cur.freed, _num(address))


# ---- IPv6 pools (`ipv6 local pool NAME PREFIX/LEN ASSIGNED-LEN`, config/ipv6.py) ---------------------------
# Leases are kept in the same table under "v6:NAME", so `show ipv6 local pool` and the session's end see them.

def allocate6(leases: AddressPools, cfg, pool: str) -> str | None:
    """The next free prefix's address of IPv6 pool `pool` (None: no such pool, or exhausted).  Only the first
    len(used)+1 prefixes need looking at: one of them is free unless the pool is full."""
    p = cfg.ipv6_local_pool.pools.get(pool)
    if p is None:
        return None
    used = leases.in_use.setdefault(f"v6:{pool}", set())
    for i in range(min(p.size, len(used) + 1)):
        a = p.address(i)
        if a not in used:
            used.add(a)
            return a
    return None


def release6(leases: AddressPools, pool: str | None, address: str | None) -> None:
    if pool is not None and address is not None:
        leases.in_use.get(f"v6:{pool}", set()).discard(address)

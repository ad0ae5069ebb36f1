"""Which RADIUS servers a method list's `group X` means, read from the running-config at the moment of use.

IOS resolves `group radius` to every `radius server` block (in configuration order) and `group G` to the
`server name X` / `server-private A ...` lines of `aaa group server radius G` in the order typed.  Timeout
and retransmit come from the server block, else `radius-server timeout/retransmit`, else IOS's defaults
(5 s, 3 retransmissions); deadtime from the group, else `radius-server deadtime`, else 0 (never dead).
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

from ..config.interfaces import address_range
from ..config.secrets import type7_decode
from .client import ServerSpec

DEFAULT_TIMEOUT = 5
DEFAULT_RETRANSMIT = 3
DEFAULT_DEADTIME = 0
ALL_SERVERS = "radius"  # `group radius`


def shared_secret(key) -> bytes:
    """The shared secret as sent: a type-7 key decrypted; a bare/type-0 key as typed.  Type 6 (AES with the
    master key) is not emulated, so its text is used as it stands."""
    if key is None:
        return b""
    if key.enc == "7":
        plain = type7_decode(key.value)
        return (plain if plain is not None else key.value).encode()
    return key.value.encode()


def _globals(cfg):
    g = cfg.radius_globals
    timeout = g.timeout if g.timeout is not None else DEFAULT_TIMEOUT
    retransmit = g.retransmit if g.retransmit is not None else DEFAULT_RETRANSMIT
    deadtime = g.deadtime if g.deadtime is not None else DEFAULT_DEADTIME
    return timeout, retransmit, deadtime


def _named(cfg, name: str, deadtime: int) -> ServerSpec | None:
    s = cfg.radius_servers.servers.get(name)
    if s is None or s.address is None:
        return None  # a `server name` with no such block, or a block without `address`: IOS skips it
    timeout, retransmit, _ = _globals(cfg)
    return ServerSpec(
        name=s.name,
        address=s.address[1],
        auth_port=s.auth_port,
        acct_port=s.acct_port,
        key=shared_secret(s.key),
        timeout=s.timeout if s.timeout is not None else timeout,
        retransmit=s.retransmit if s.retransmit is not None else retransmit,
        deadtime=deadtime,
    )


def group_servers(cfg, group_name: str) -> list[ServerSpec]:
    """The servers of `group <group_name>`, in the order they are tried, each with its best source address."""
    timeout, retransmit, deadtime = _globals(cfg)
    out: list[ServerSpec] = []
    if group_name == ALL_SERVERS:
        for name in cfg.radius_servers.servers:
            spec = _named(cfg, name, deadtime)
            if spec is not None:
                out.append(spec)
        group = None
    else:
        group = cfg.aaa_groups.radius.get(group_name)
        if group is None:
            return []
        if group.deadtime is not None:
            deadtime = group.deadtime
        for entry in group.servers:
            if isinstance(entry, str):
                spec = _named(cfg, entry, deadtime)
            else:
                spec = ServerSpec(name=entry.host, address=entry.host, auth_port=entry.auth_port,
                                  acct_port=entry.acct_port, key=shared_secret(entry.key), timeout=timeout,
                                  retransmit=retransmit, deadtime=deadtime, private=True)
            if spec is not None:
                out.append(spec)
    crit = cfg.radius_globals.dead_criteria  # (time, tries), each None when not given
    if crit is not None:
        out = [replace(s, dead_time=crit[0], dead_tries=crit[1]) for s in out]
    return [s.with_source(source_address(cfg, group_name if group else None, s.address)) for s in out]


def _iface_address(cfg, name: str | None) -> str | None:
    if not name:
        return None
    iface = cfg.interfaces.by_name(name.split()[0])  # the global form may end with `vrf V`
    if iface is None:
        return None
    addr = iface.address(cfg)
    return addr[0] if addr else None


def source_address(cfg, group: str | None, server_ip: str) -> str:
    """IOS's "Best Local IP-Address" for a server: the group's `ip radius source-interface`, else the global
    one, else the address of the interface whose subnet holds the server, else the first interface address
    (in IOS's interface order); 0.0.0.0 when the router has no address at all."""
    g = cfg.aaa_groups.radius.get(group) if group else None
    for name in ((g.source_interface if g else None), cfg.radius_globals.source_interface):
        addr = _iface_address(cfg, name)
        if addr:
            return addr
    try:
        target = int(ipaddress.IPv4Address(server_ip))
    except ValueError:
        target = None
    first = None
    for iface in cfg.interfaces.ordered():
        if not iface.ip_address or iface.shutdown:
            continue
        first = first or iface.ip_address[0]
        if target is not None:
            lo, hi = address_range(*iface.ip_address)
            if lo <= target <= hi:
                return iface.ip_address[0]
    if first:
        return first
    # every interface shut down: any address at all
    for iface in cfg.interfaces.ordered():
        if iface.ip_address:
            return iface.ip_address[0]
    return "0.0.0.0"

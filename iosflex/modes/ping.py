"""EXEC `ping A [source IF] [repeat N] [size S] [timeout T]`: one echo at a time, the next after the reply or
the timeout, as IOS does.  An address behind a session (its pushed address or selectors) is pinged through
the tunnel: the data plane (interfaces/tun.py) crafts the ICMP echo, encrypts it and matches the reply;
any other address from the router's namespace with a raw ICMP socket.  The command waits with `ctx.defer`,
so the event loop keeps serving meanwhile."""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import struct

from ..interfaces import ping_render as R
from . import handler

_ident = itertools.count((os.getpid() * 7) & 0x7FFF)


@handler("ping")
def ping(ctx):
    target = ctx.args.get("target")
    repeat = ctx.args.int("repeat") if ctx.args.has("repeat") else 5
    size = ctx.args.int("size") if ctx.args.has("size") else 100
    timeout = ctx.args.int("timeout") if ctx.args.has("timeout") else 2
    source = None
    if ctx.args.has("source"):
        found = ctx.args.ifname("source")
        name = f"{found[0]}{found[1]}" if found else None
        iface = ctx.cfg.interfaces.by_name(name) if name else None
        addr = iface.address(ctx.cfg) if iface is not None else None
        if addr is None:
            ctx.write(R.bad_source(name or ""))
            return
        source = addr[0]
    ctx.defer(_run(ctx.router, target, repeat, size, timeout, source))


async def _run(router, target, repeat, size, timeout, source) -> list[str]:
    lines = R.ping_head(target, repeat, size, timeout, source)
    services = router.services
    dp = getattr(services, "dataplane", None) if services is not None else None
    sess = dp.session_for(target) if dp is not None else None
    ident = next(_ident) & 0xFFFF
    loop = asyncio.get_running_loop()
    marks, rtts = "", []
    raw = None
    if sess is None:
        try:
            raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            raw.setblocking(False)
            if source:
                raw.bind((source, 0))
        except OSError:
            if raw is not None:
                raw.close()
            return lines + R.ping_tail("." * repeat, [])
    try:
        for seq in range(repeat):
            t0 = loop.time()
            if sess is not None:
                fut = dp.echo(sess, target, source, ident, seq, size)
            else:
                fut = loop.create_task(_raw_echo(raw, target, ident, seq, size))
            try:
                await asyncio.wait_for(fut, timeout if timeout else 0.001)
                rtts.append(round((loop.time() - t0) * 1000))
                marks += "!"
            except (asyncio.TimeoutError, OSError):
                marks += "."
                if sess is not None:
                    dp.forget_ping(ident, seq)
    finally:
        if raw is not None:
            raw.close()
    return lines + R.ping_tail(marks, rtts)


def _checksum(data: bytes) -> int:
    from ..interfaces.tun import inet_checksum  # noqa: PLC0415

    return inet_checksum(data)


async def _raw_echo(raw: socket.socket, target: str, ident: int, seq: int, size: int) -> None:
    data = bytes((0xAB + i) & 0xFF for i in range(max(0, size - 28)))
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    icmp = icmp[:2] + _checksum(icmp).to_bytes(2, "big") + icmp[4:]
    loop = asyncio.get_running_loop()
    await loop.sock_sendto(raw, icmp, (target, 0))
    while True:
        pkt, addr = await loop.sock_recvfrom(raw, 65535)
        ihl = (pkt[0] & 0x0F) * 4
        if addr[0] != target or len(pkt) < ihl + 8 or pkt[ihl] != 0:
            continue
        if struct.unpack("!HH", pkt[ihl + 4:ihl + 8]) == (ident, seq):
            return

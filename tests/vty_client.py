"""Telnet-client helpers of the tests that drive the router's vty server on loopback (test_remote.py,
test_logging.py)."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager

from iosflex.remote.server import RemoteServer
from iosflex.remote.telnet import DONT, ECHO, IAC
from iosflex.router import Router


@asynccontextmanager
async def telnet_router(tmp_path, config: str = ""):
    """A default router with `config` applied on top, its telnet server on a free loopback port: yields
    (router, host, port), and stops the server at the end."""
    r = Router(tmp_path / "startup-config", default_if_missing=True)
    r.load_startup()
    if config:
        assert r.apply_config(config) == []
    srv = RemoteServer(r)
    host, port = await srv.start_telnet("127.0.0.1", 0)
    try:
        yield r, host, port
    finally:
        await srv.stop()


async def read_until(reader, marker: bytes, timeout=5.0) -> bytes:
    """What the router sends until `marker` (or end of stream, or `timeout` seconds: asyncio.TimeoutError)."""
    buf = b""
    end = time.monotonic() + timeout
    while marker not in buf:
        chunk = await asyncio.wait_for(reader.read(4096), max(0.01, end - time.monotonic()))
        if not chunk:
            break
        buf += chunk
    return buf


async def telnet_login(host, port):
    """A telnet connection logged in as the default config's cisco/cisco, read up to the `Router#` prompt."""
    rd, wr = await asyncio.open_connection(host, port)
    await read_until(rd, b"Username: ")
    wr.write(bytes([IAC, DONT, ECHO]) + b"cisco\r\n")
    await read_until(rd, b"Password: ")
    wr.write(b"cisco\r\n")
    await read_until(rd, b"Router#")
    return rd, wr

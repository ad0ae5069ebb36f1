"""Telnet front end: a sans-I/O option codec (RFC 854/855, NAWS RFC 1073) and the asyncio server.

As IOS does, the server offers `IAC WILL ECHO` and `IAC WILL SGA` (it echoes and runs character at a time) and
asks `IAC DO NAWS` for the window size.  Whatever the client answers is fine: netmiko refuses every option,
scrapli accepts only SGA, a Unix telnet accepts all; the server echoes in every case, because every automation
client waits for the echo.  Client requests for anything else are refused once, never in a loop.
"""

from __future__ import annotations

import asyncio
import codecs
import logging

from .conn import VtyConnection
from .vty import table

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
ECHO, SGA, NAWS = 1, 3, 31
log = logging.getLogger("iosflex.remote")


class TelnetCodec:
    """Bytes from the client in -> (data bytes, reply bytes); window sizes in `self.size`."""

    OURS = {ECHO, SGA}  # options we will do
    THEIRS = {NAWS}  # options we ask the client to do

    def __init__(self):
        self.state = "data"
        self.cmd = 0
        self.sb: bytearray = bytearray()
        self.ours: dict[int, str] = {}  # option -> "offered" | "on" | "off"
        self.theirs: dict[int, str] = {}
        self.size: tuple[int, int] | None = None  # (width, height) from NAWS
        self.size_changed = False

    def greeting(self) -> bytes:
        for opt in (ECHO, SGA):
            self.ours[opt] = "offered"
        self.theirs[NAWS] = "offered"
        return bytes([IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, NAWS])

    def receive(self, data: bytes) -> tuple[bytes, bytes]:
        out = bytearray()
        reply = bytearray()
        for b in data:
            st = self.state
            if st == "data":
                if b == IAC:
                    self.state = "iac"
                else:
                    out.append(b)
            elif st == "iac":
                if b == IAC:
                    out.append(IAC)
                    self.state = "data"
                elif b in (DO, DONT, WILL, WONT):
                    self.cmd = b
                    self.state = "opt"
                elif b == SB:
                    self.sb.clear()
                    self.state = "sb"
                else:  # NOP, AYT, IP, BRK...: nothing to do
                    self.state = "data"
            elif st == "opt":
                reply += self._negotiate(self.cmd, b)
                self.state = "data"
            elif st == "sb":
                if b == IAC:
                    self.state = "sb_iac"
                else:
                    self.sb.append(b)
            elif st == "sb_iac":
                if b == SE:
                    self._subneg(bytes(self.sb))
                    self.state = "data"
                else:  # IAC IAC inside a subnegotiation is one 255
                    self.sb.append(b)
                    self.state = "sb"
        return bytes(out), bytes(reply)

    def _negotiate(self, cmd: int, opt: int) -> bytes:
        if cmd in (DO, DONT):
            cur = self.ours.get(opt)
            if cmd == DO:
                if opt in self.OURS:
                    self.ours[opt] = "on"
                    return b"" if cur in ("offered", "on") else bytes([IAC, WILL, opt])
                if cur == "off":
                    return b""
                self.ours[opt] = "off"
                return bytes([IAC, WONT, opt])
            # DONT
            self.ours[opt] = "off"
            return bytes([IAC, WONT, opt]) if cur == "on" else b""
        cur = self.theirs.get(opt)
        if cmd == WILL:
            if opt in self.THEIRS:
                self.theirs[opt] = "on"
                return b"" if cur in ("offered", "on") else bytes([IAC, DO, opt])
            if cur == "off":
                return b""
            self.theirs[opt] = "off"
            return bytes([IAC, DONT, opt])
        # WONT
        self.theirs[opt] = "off"
        return bytes([IAC, DONT, opt]) if cur == "on" else b""

    def _subneg(self, sb: bytes):
        if len(sb) >= 5 and sb[0] == NAWS:
            w = sb[1] << 8 | sb[2]
            h = sb[3] << 8 | sb[4]
            self.size = (w, h)
            self.size_changed = True


async def _handle(router, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    peer = (writer.get_extra_info("peername") or ("", 0))[0]
    entry = table(router).allocate(router.config, "telnet", peer)
    if entry is None:  # no free vty allows telnet: IOS refuses the connection
        writer.close()
        return
    codec = TelnetCodec()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def send(text: str):
        writer.write(text.encode("utf-8", errors="replace"))

    def close():
        if not writer.is_closing():
            writer.close()

    writer.write(codec.greeting())
    conn = VtyConnection(router, entry, send, close)
    conn.start()
    try:
        while not conn.closed:
            data = await reader.read(4096)
            if not data:  # the client's end of data: what it sent runs and its output goes out first
                conn.eof()
                await conn.wait_closed()
                break
            payload, reply = codec.receive(data)
            if reply:
                writer.write(reply)
            if codec.size_changed:
                codec.size_changed = False
                w, h = codec.size
                conn.shell.set_size(w or None, h if h else None)
            if payload:
                conn.data(decoder.decode(payload))
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    except Exception:  # noqa: BLE001
        log.exception("telnet session failed")
    finally:
        conn.connection_lost()
        try:
            if not writer.is_closing():
                await writer.drain()
            writer.close()
        except Exception:  # noqa: BLE001
            pass


async def start_telnet(router, host: str = "127.0.0.1", port: int = 2323) -> asyncio.AbstractServer:
    return await asyncio.start_server(lambda r, w: _handle(router, r, w), host, port, reuse_address=True)

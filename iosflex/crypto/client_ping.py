"""`iosflex client --ping ADDR`: ICMP echoes through the client's first child SA, so that users (and tests) can
check a headend's data plane (`iosflex --dataplane tun`) without another IPsec stack.

The client has no TUN device of its own: each echo request is built here (source: the address the router pushed
in CFG_REPLY, else the client's own), encrypted with the child SA's keys (interfaces/esp.py, the router's own
ESP), in tunnel mode, or inside GRE when the child's selectors are GRE's (`--gre`: in transport mode, or in
tunnel mode behind an IPv4 header of protocol 47 between the peers when the router's transform set is a tunnel
mode one), and sent
in UDP to the router's NAT-T port (RFC 3948).  The client needs no privileges for that, so it announces a NAT
(as strongSwan's kernel-libipsec does) whenever it pings: the router then sends its ESP in UDP too, to the
client's NAT-T socket, where the replies are decrypted and matched by identifier and sequence number.  The
output is the router's `ping` text (interfaces/ping_render.py).
"""

from __future__ import annotations

import asyncio
import os
import time

from ..interfaces.esp import EspSa
from ..interfaces.ping_render import ping_head, ping_tail
from ..interfaces.tun import echo_reply_id, echo_request, gre_decap, gre_encap, gre_mode, gre_tunnel_decap


def child_esp(child: dict) -> EspSa:
    """The client's ESP state for one of its child SAs (`Initiator.children`: keys are ours out, then in)."""
    out_enc, out_integ, in_enc, in_integ = child["keys"]
    return EspSa(int.from_bytes(child["spi_in"], "big"), int.from_bytes(child["spi_out"], "big"), child["encr"],
                 child.get("integ"), in_enc, in_integ or b"", out_enc, out_integ or b"")


async def ping(ini, target: str, count: int = 5, size: int = 100, timeout: float = 2.0) -> tuple[list[str], int]:
    """Send `count` echoes to `target` through `ini`'s first child SA, one after the other (each waits for its
    reply up to `timeout` s); returns the output lines and the number of replies."""
    child = ini.children[0]
    esp, gre = child_esp(child), gre_mode(child.get("tsi", ()), bool(child.get("transport")))
    src = ini.address or ini.local[0]
    ident = int.from_bytes(os.urandom(2), "big")
    waiting: dict[int, asyncio.Future] = {}

    def on_esp(data: bytes) -> None:
        res = esp.decrypt(data)
        if res is None:
            return
        nh, payload = res
        if nh == 47:
            inner = gre_decap(payload)
        elif nh == 4:
            inner = gre_tunnel_decap(payload) if gre == "tunnel" and len(payload) >= 20 else payload
        else:
            inner = None
        got = echo_reply_id(inner)
        if got is not None and got[0] == ident:
            fut = waiting.pop(got[1], None)
            if fut is not None and not fut.done():
                fut.set_result(time.monotonic())

    ini._natt_proto.esp = on_esp
    loop = asyncio.get_running_loop()
    marks, rtts = "", []
    try:
        for seq in range(count):
            pkt = echo_request(src, target, ident, seq, size)
            payload = gre_encap(gre, child["tsi"][0].start, child["tsr"][0].start, pkt) if gre else (pkt, 4)
            data = esp.encrypt(*payload)
            fut = waiting[seq] = loop.create_future()
            sent = time.monotonic()
            ini._esp_send(data)
            try:
                back = await asyncio.wait_for(fut, timeout)
            except asyncio.TimeoutError:
                waiting.pop(seq, None)
                marks += "."
                continue
            marks += "!"
            rtts.append(int((back - sent) * 1000))
    finally:
        ini._natt_proto.esp = None
    return ping_head(target, count, size, int(timeout)) + ping_tail(marks, rtts), len(rtts)

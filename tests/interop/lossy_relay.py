"""A lossy UDP path for IKE (`ip netns exec NS python lossy_relay.py FRONT_IP BACK_IP ROUTER_IP DROP STATS`):
the kernel here has neither netem nor nftables, so the loss is made in user space.  The client talks to
FRONT_IP:500/4500 (a second address of the router's namespace, so that the path crosses the lab's link); every
datagram goes on to ROUTER_IP's same port from BACK_IP:20500/24500 (a NAT, as the router sees it), and the
answers come back the same way.  The first DROP datagrams of the router's IKE_AUTH *responses* are dropped (a lost fragmented response).
Counters are written as JSON to STATS at every datagram: ikeauth_req (client IKE_AUTH request datagrams),
ikeauth_req_frag1 (of which fragment 1, or unfragmented), ikeauth_resp (router IKE_AUTH response datagrams
received), dropped."""

from __future__ import annotations

import json
import os
import selectors
import socket
import sys


def ike_view(data: bytes):
    """(exchange, is_response, fragment number or 0) of an IKE datagram (non-ESP marker stripped), or None."""
    if data[:4] == b"\0\0\0\0":
        data = data[4:]
    if len(data) < 28:
        return None
    exch, flags, first = data[18], data[19], data[16]
    frag = int.from_bytes(data[32:34], "big") if first == 53 and len(data) >= 36 else 0
    return exch, bool(flags & 0x20), frag


def main() -> int:
    front_ip, back_ip, router_ip, drop, stats_path = sys.argv[1:6]
    drop = int(drop)
    fronts, backs = {}, {}
    for port in (500, 4500):
        fronts[port] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        fronts[port].bind((front_ip, port))
        backs[port] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        backs[port].bind((back_ip, 20000 + port))
    peer = {}  # port -> the client's address on it
    stats = {"ikeauth_req": 0, "ikeauth_req_frag1": 0, "ikeauth_resp": 0, "dropped": 0}
    sel = selectors.DefaultSelector()
    for port in (500, 4500):
        sel.register(fronts[port], selectors.EVENT_READ, ("front", port))
        sel.register(backs[port], selectors.EVENT_READ, ("back", port))
    while True:
        for key, _ in sel.select():
            side, port = key.data
            data, addr = key.fileobj.recvfrom(65536)
            v = ike_view(data)
            out = None
            if side == "front":
                peer[port] = addr
                if v and v[0] == 35 and not v[1]:
                    stats["ikeauth_req"] += 1
                    stats["ikeauth_req_frag1"] += v[2] in (0, 1)
                out = (backs[port], (router_ip, port))
            else:
                if v and v[0] == 35 and v[1]:
                    stats["ikeauth_resp"] += 1
                    if stats["dropped"] < drop:
                        stats["dropped"] += 1
                        data = None
                if data is not None and port in peer:
                    out = (fronts[port], peer[port])
            # the counters are on disk before the datagram goes on: what the client has seen is counted
            with open(stats_path + ".tmp", "w") as f:
                json.dump(stats, f)
            os.replace(stats_path + ".tmp", stats_path)  # the test never reads half a file
            if out is not None and data is not None:
                out[0].sendto(data, out[1])

if __name__ == "__main__":
    sys.exit(main())

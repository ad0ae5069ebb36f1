"""In-process CPU per packet of the data plane (issue 10), without namespaces or strongSwan: the driver's
socket reader, TunDataplane and EspSa as the router runs them, with real system calls but no TUN device.

Inbound: a peer EspSa (the child SA's keys swapped) encrypts N packets of --size octets (an IPv4/UDP packet to
the router) into ESP-in-UDP datagrams that are sent to the driver's real UDP socket (an `_Endpoint` of
crypto/driver.py, port "4500") in bursts; the timed part is `_Endpoint._readable` draining them: recvfrom,
`TunDataplane.esp_in` (SPI lookup, decrypt, anti-replay, ACL check, counters; the reader hands ESP to it)
and the write of the inner packet to the session's "device", here /dev/null opened for writing.
Outbound: the inner packets are queued on a SOCK_DGRAM socketpair standing for the TUN device (one read, one
packet, as on a TUN device); the timed part is `TunDataplane._readable` reading them, encrypting, and the
driver sending them to a UDP sink socket (drained between bursts, untimed: each datagram is checked to be the
next ESP packet, decrypting to what was queued).

CPU time (time.process_time) per packet, median and range over --repeat runs; `--prof` profiles one run of
each direction with cProfile.  (The device's descriptor is swapped between the two for each direction.)
The session's virtual-access has no access-group (as in bench_dataplane.py),
`--acl` gives it an extended list of a few entries each way.

    python3 bench/espprof_local.py [--packets 20000] [--size 1328] [--burst 64] [--repeat 7] [--cbc] [--acl] [--prof]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import select
import socket
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from iosflex.crypto import driver as D  # noqa: E402
from iosflex.crypto.state import ChildSa, IkeSaState, TrafficSelector  # noqa: E402
from iosflex.interfaces import esp as E  # noqa: E402
from iosflex.interfaces import tun as T  # noqa: E402

BURST = 64  # datagrams queued before each timed drain (the driver reads up to 64 per wake-up); --burst
GCM_KEY = bytes(range(36))
CBC_KEY, HMAC_KEY = bytes(range(32)), bytes(range(100, 132))


class _Ike:
    def __init__(self, st):
        self.st = st


def _acl_config():
    from iosflex.config.acl import AccessList, Ace, Addr  # noqa: PLC0415

    def lst(name):
        a = AccessList(name=name, kind="extended")
        a.entries = [Ace(10, "deny", proto="tcp", src=Addr("any"), dst=Addr("host", "10.9.9.9"), dst_port="eq 23"),
                     Ace(20, "deny", proto="icmp", src=Addr("any"), dst=Addr("host", "10.9.9.8")),
                     Ace(30, "permit", proto="ip", src=Addr("any"), dst=Addr("any"))]
        return a
    return {"IN": lst("IN"), "OUT": lst("OUT")}


def build(args):
    """A TunDataplane with one session and one child SA, the driver's endpoint on a real UDP socket."""
    resp = SimpleNamespace(children={})
    lists = _acl_config() if args.acl else {}
    cfg = SimpleNamespace(generation=1, ip_access_list=SimpleNamespace(lists=lists))
    router = SimpleNamespace(config=cfg)
    services = SimpleNamespace(crypto=resp, dataplane=None, send=None)
    drv = D.IkeDriver(router, services, (500, 4500))
    # as crypto/driver.start wires it (the direct ESP send path where the driver has one)
    kw = {"sendto": drv.send_burst} if hasattr(drv, "send_burst") else {}
    dp = T.TunDataplane(router, resp, drv.send, **kw)
    drv.dataplane = dp

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    ep = D._Endpoint(drv, ("127.0.0.1", 4500), rx)
    drv.endpoints[("127.0.0.1", 4500)] = ep
    drv.loop.remove_reader(rx.fileno())  # driven by hand below

    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sink.settimeout(5)  # a datagram the data plane did not send: fail, do not hang
    peer_tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer_tx.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)

    st = IkeSaState(tunnel_id=1, session_id=1, spi_i=b"i" * 8, spi_r=b"r" * 8, local=("127.0.0.1", 4500),
                    remote=sink.getsockname(), pushed_ip="10.10.10.1", virtual_access="Virtual-Access1",
                    nat_t="detected outside")  # ESP in UDP to the sink (with no NAT it would go out as IP protocol 50)
    ts = [TrafficSelector(7, 0, 0, 65535, "0.0.0.0", "255.255.255.255")]
    if args.cbc:
        keys = {"enc_in": CBC_KEY, "integ_in": HMAC_KEY, "enc_out": CBC_KEY[::-1], "integ_out": HMAC_KEY[::-1]}
        encr, integ = (12, 256), 12
    else:
        keys = {"enc_in": GCM_KEY, "integ_in": b"", "enc_out": GCM_KEY[::-1], "integ_out": b""}
        encr, integ = (20, 256), None
    ch = ChildSa(spi_in=0xC0010001, spi_out=0xC0020002, encr=encr, integ=integ, mode="tunnel", ts_local=ts,
                 ts_remote=ts, keys=keys)
    st.children.append(ch)
    resp.children[ch.spi_in] = (_Ike(st), ch)
    peer = E.EspSa(ch.spi_out, ch.spi_in, encr, integ, keys["enc_out"], keys["integ_out"], keys["enc_in"],
                   keys["integ_in"])

    devnull = os.open("/dev/null", os.O_WRONLY)
    dev_r, dev_w = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
    dev_r.setblocking(False)
    for s in (dev_r, dev_w):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    iface = SimpleNamespace(access_group_in="IN" if args.acl else None,
                            access_group_out="OUT" if args.acl else None)
    va = SimpleNamespace(iface=iface, acls=None, in_packets=0, in_bytes=0, out_packets=0, out_bytes=0)
    sess = T.TunSession(st, "vi1", devnull, va)
    dp.sessions[1] = sess
    pending = None
    if "pending" in T.TunSession.__slots__:
        pending = select.epoll()
        pending.register(dev_r.fileno(), select.EPOLLIN)
    return SimpleNamespace(last_seq=0, pending=pending, drv=drv, dp=dp, ep=ep, port=port, sink=sink, peer_tx=peer_tx,
                           peer=peer, ch=ch,
                           st=st, sess=sess, dev_r=dev_r, dev_w=dev_w, va=va, devnull=devnull)


def inner_packet(size: int, src="10.10.10.1", dst="10.0.0.1") -> bytes:
    udp = (5001).to_bytes(2, "big") + (5201).to_bytes(2, "big") + (size - 20).to_bytes(2, "big") + b"\0\0"
    return T.ipv4_header(src, dst, 17, size - 20) + udp + bytes(size - 28)


def run_in(b, n: int, size: int, prof=None) -> float:
    """CPU seconds spent draining n ESP datagrams (in bursts of BURST)."""
    inner = inner_packet(size)
    spent = 0.0
    dest = ("127.0.0.1", b.port)
    done = 0
    while done < n:
        k = min(BURST, n - done)
        for _ in range(k):
            b.peer_tx.sendto(b.peer.encrypt(inner, 4), dest)
        if prof is not None:
            prof.enable()
        t = time.process_time()
        b.ep._readable()
        spent += time.process_time() - t
        if prof is not None:
            prof.disable()
        done += k
    return spent


def run_out(b, n: int, size: int, prof=None) -> float:
    """CPU seconds spent reading n packets from the "device", encrypting and sending them."""
    inner = inner_packet(size, "10.0.0.1", "10.10.10.1")
    spent = 0.0
    done = 0
    sink = b.sink
    b.sess.fd = b.dev_r.fileno()  # the "device" the data plane reads (it writes to /dev/null)
    if b.pending is not None:
        b.sess.pending = b.pending  # as TunDataplane._up makes it for a device
    while done < n:
        k = min(BURST, n - done)
        for _ in range(k):
            b.dev_w.send(inner)
        if prof is not None:
            prof.enable()
        t = time.process_time()
        b.dp._readable(b.sess)
        spent += time.process_time() - t
        if prof is not None:
            prof.disable()
        for _ in range(k):  # each datagram as sent, one ESP packet, in sequence
            d = sink.recv(65535)
            seq = int.from_bytes(d[4:8], "big")
            assert seq == b.last_seq + 1 and b.peer.decrypt(d) == (4, inner), "outbound datagram not as sent"
            b.last_seq = seq
        done += k
    b.sess.fd = b.devnull
    if b.pending is not None:
        b.sess.pending = None
    return spent


async def amain(args) -> int:
    b = build(args)
    run_in(b, 2000, args.size)  # warm up
    run_out(b, 2000, args.size)
    ins, outs = [], []
    for _ in range(args.repeat):
        p0, pk0 = b.ch.pkts_in, b.va.in_packets
        ins.append(run_in(b, args.packets, args.size) / args.packets * 1e6)
        assert b.ch.pkts_in - p0 == args.packets and b.va.in_packets - pk0 == args.packets, "inbound lost packets"
        p0 = b.ch.pkts_out
        outs.append(run_out(b, args.packets, args.size) / args.packets * 1e6)
        assert b.ch.pkts_out - p0 == args.packets, "outbound lost packets"
    mode = "AES-CBC-256/HMAC-SHA256" if args.cbc else "AES-GCM-256"
    print(f"{mode}, {args.size}-octet inner packets, {args.packets} x {args.repeat}, {BURST} per wake-up, "
          f"acl {'on' if args.acl else 'off'}:")
    for name, xs in (("in  (ESP -> device)", ins), ("out (device -> ESP)", outs)):
        print(f"  {name}: {statistics.median(xs):6.2f} us/packet  (range {min(xs):.2f}-{max(xs):.2f})")
    if args.prof:
        for name, fn in (("inbound", run_in), ("outbound", run_out)):
            prof = cProfile.Profile()
            fn(b, args.packets, args.size, prof)
            print(f"\n--- {name} ---")
            pstats.Stats(prof).sort_stats("tottime").print_stats(18)
    for s in (b.sink, b.peer_tx, b.dev_r, b.dev_w):
        s.close()
    os.close(b.devnull)
    b.drv.close()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--packets", type=int, default=20000)
    ap.add_argument("--size", type=int, default=1328, help="inner IPv4 packet octets (1328: iperf3 -l 1300)")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--cbc", action="store_true", help="AES-CBC-256 with HMAC-SHA256-128 instead of AES-GCM")
    ap.add_argument("--acl", action="store_true", help="an extended access-group in and out on the session")
    ap.add_argument("--burst", type=int, default=BURST,
                    help="packets per drain (per wake-up): 64 as under load, 1-2 as at 100 Mbit/s of 1300 octets")
    ap.add_argument("--prof", action="store_true")
    args = ap.parse_args()
    globals()["BURST"] = max(1, min(args.burst, 64))
    return asyncio.run(amain(args))


if __name__ == "__main__":
    sys.exit(main())

"""CoA throughput and latency over real UDP (docs/AAA.md, "Dynamic authorization"): 1,000 live sessions, then
10,000 CoA-Requests (each replaces the session's input service-policy, P1 and P2 in turn) from a client
process to the router's dynamic-author socket on 127.0.0.1, at most `--window` outstanding; requests per
second, latency percentiles and the share of CoA-ACKs are printed, and how long `show` commands typed during
the run took.  Nothing is asserted (targets: >= 1,000 requests/s, p99 < 20 ms).

The sessions are made on the simulated network (simnet.py: in-process IKEv2 peers, no sockets); the router's
driver (crypto/driver.py) is then started on 127.0.0.1 with unprivileged ports and the same services, so the
CoAs go through the real socket, the event loop and the dynamic-author core.

    .venv/bin/python bench/bench_coa.py [--sessions 1000] [--requests 10000] [--window 32] [--port 31700]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import select
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from iosflex.crypto import driver as D  # noqa: E402
from iosflex.radius.packet import COA_ACK, COA_REQUEST, encode_request  # noqa: E402
from iosflex.router import Router, default_config_text  # noqa: E402
from iosflex.simnet import SimNet  # noqa: E402

KEY = b"radius_key"


def router_with_sessions(n: int, port: int):
    r = Router(None)
    assert r.apply_config(default_config_text()) == []
    assert r.apply_config("ip local pool flexvpn_pool 10.10.0.1 10.10.7.254\n"
                          "policy-map P1\n class class-default\npolicy-map P2\n class class-default\n"
                          "aaa server radius dynamic-author\n client 127.0.0.1 server-key radius_key\n"
                          f" port {port}\n") == []
    net = SimNet(r, start=time.monotonic())
    t0 = time.perf_counter()
    for k in range(n):
        net.connect(f"p{k}", {"from": f"10.{1 + k // 250}.{k % 250}.1", "id": f"fqdn:p{k}.domain1"})
    audits = [a for a, _s in sorted(r.sessions.by_audit.items(), key=lambda kv: kv[1].session_id)]
    assert len(audits) == n and len(r.vaccess) == n
    return r, net, audits, time.perf_counter() - t0


def client(port: int, audits: list[str], requests: int, window: int, go, conn) -> None:
    """The dynamic-authorization client (its own process): request k is for session k % n, policy P1/P2 by
    k // n, identifier k % 256 (window <= 256 keeps identifiers unique among those outstanding)."""
    n = len(audits)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    dst = ("127.0.0.1", port)
    pending: dict[int, float] = {}
    lat: list[float] = []
    acks = naks = lost = 0
    go.wait()
    t0 = time.perf_counter()
    k = 0
    while k < requests or pending:
        while k < requests and len(pending) < window:
            pol = "P2" if (k // n) % 2 == 0 else "P1"
            data = encode_request(COA_REQUEST, k % 256, KEY, [
                ("Cisco-AVPair", f"audit-session-id={audits[k % n]}"),
                ("Cisco-AVPair", f"ip:interface-config=service-policy input {pol}"),
                ("Event-Timestamp", int(time.time()))])
            pending[k % 256] = time.perf_counter()
            sock.sendto(data, dst)
            k += 1
        ready, _, _ = select.select([sock], [], [], 2.0)
        if not ready:  # nothing for 2 s: count what is outstanding as lost
            lost += len(pending)
            pending.clear()
            continue
        while True:
            try:
                reply, _ = sock.recvfrom(4096, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            sent = pending.pop(reply[1], None)
            if sent is None:
                continue
            lat.append(time.perf_counter() - sent)
            if reply[0] == COA_ACK:
                acks += 1
            else:
                naks += 1
    conn.send((time.perf_counter() - t0, lat, acks, naks, lost))


async def serve(r, net, port: int, proc, go, conn, shows: list[str]):
    drv = await D.start(r, ports=(15500, 14500), host_addresses=["127.0.0.1"], services=net.services)
    if ("127.0.0.1", port) not in drv._da_endpoints:
        raise SystemExit(f"no dynamic-author socket on 127.0.0.1:{port}")
    cli = r.session(privileged=True, width=0, length=0)
    timings: dict[str, list[float]] = {s: [] for s in shows}
    loop = asyncio.get_running_loop()
    go.set()
    cpu0 = time.process_time()
    while not conn.poll():
        await asyncio.sleep(0.25)
        for s in shows:  # typed now: how long until its output is there (waiting behind datagrams included)
            t = time.perf_counter()
            fut = loop.create_future()
            loop.call_soon(lambda s=s, fut=fut: fut.set_result(cli.run(s)))
            out = await fut
            timings[s].append((time.perf_counter() - t, len(out)))
    cpu = time.process_time() - cpu0
    result = conn.recv()
    drv.close()
    return result, timings, cpu


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--port", type=int, default=31700)
    a = ap.parse_args()
    r, net, audits, made = router_with_sessions(a.sessions, a.port)
    print(f"{a.sessions} sessions on the simulated network in {made:.1f} s")
    ctx = mp.get_context("fork")
    go = ctx.Event()
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=client, args=(a.port, audits, a.requests, min(a.window, 256), go, child))
    proc.start()
    shows = ["show crypto session", "show derived-config interface virtual-access 500",
             "show ip interface virtual-access 1000"]
    (elapsed, lat, acks, naks, lost), timings, cpu = asyncio.run(serve(r, net, a.port, proc, go, parent, shows))
    proc.join()
    st = net.services.dynauth.stats.client("127.0.0.1")
    applied = sum(1 for va in r.vaccess.ordered()
                  if va.iface.service_policy_in == ("P2" if ((a.requests - 1) // a.sessions) % 2 == 0 else "P1"))
    print(f"{a.requests} CoA-Requests, window {a.window}: {elapsed:.2f} s, {a.requests / elapsed:.0f} requests/s; "
          f"ACK {acks}, NAK {naks}, lost {lost}; router CPU {cpu:.2f} s ({cpu / a.requests * 1e6:.0f} us/request "
          f"incl. the shows)")
    if lat:
        ms = [x * 1000 for x in lat]
        print(f"latency ms: p50 {pct(ms, 50):.2f}  p90 {pct(ms, 90):.2f}  p99 {pct(ms, 99):.2f}  "
              f"max {max(ms):.2f}  mean {statistics.fmean(ms):.2f}")
    print(f"router counters: coa_requests {st.coa_requests} coa_acks {st.coa_acks} coa_naks {st.coa_naks} "
          f"duplicates {st.duplicates} stale {st.stale} bad_authenticator {st.bad_authenticator}; "
          f"sessions with the last policy: {applied}/{a.sessions}")
    for s, ts in timings.items():
        if ts:
            w = [t * 1000 for t, _n in ts]
            print(f"`{s}` during the run: {len(w)} times, {ts[0][1]} lines, median {statistics.median(w):.1f} ms, "
                  f"max {max(w):.1f} ms")


if __name__ == "__main__":
    main()

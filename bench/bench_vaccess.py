"""Virtual-access cost (issue 10's target: < 5 KB and < 1 ms per virtual-access, without TUN).

    python bench/bench_vaccess.py [--clones 10000] [--sessions 1000]

1. `router.vaccess.clone` alone, --clones times (the issue's 10,000): the chapter's template plus two AAA sources of two interface-config
   lines each (applied through the interface grammar), then the session's lines; time per clone and the memory
   each virtual-access keeps (tracemalloc, after the clones, per interface).  The time is printed as the
   wall clock and as the process's CPU time (the second does not count what other programs on the machine take).
2. --sessions sessions on the simulated network (IKE_SA_INIT + IKE_AUTH each, in-process), with and without a
   virtual-template in the profile (the process's CPU time): the difference per session is what the virtual-access adds to a session.
Printed, not asserted.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

from iosflex.aaa.attrs import AuthzResult
from iosflex.router import Router, default_config_text
from iosflex.simnet import SimNet


def router(extra: str = "") -> Router:
    r = Router(None)
    r.apply_config(default_config_text())
    r.apply_config("ip local pool flexvpn_pool 10.10.0.1 10.10.63.254\n" + extra)
    return r


def bench_clone(n: int) -> None:
    r = router()
    res = AuthzResult()
    res.interface_config_sources = [("group", ["tunnel key 1", "ip mtu 1000"]), ("user", ["ip mtu 1200", "tunnel key 2"])]
    r.vaccess.clone(1, 0, "172.16.1.2", "10.0.0.1", res)  # warm the parser's caches
    r.vaccess.remove(0)
    t0, c0 = time.perf_counter(), time.process_time()
    for k in range(1, n + 1):
        r.vaccess.clone(1, k, "172.16.1.2", f"10.{k >> 16 & 255}.{k >> 8 & 255}.{k & 255}", res)
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    for k in range(1, n + 1):
        r.vaccess.remove(k)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.take_snapshot()
    for k in range(1, n + 1):
        r.vaccess.clone(1, k, "172.16.1.2", f"10.{k >> 16 & 255}.{k >> 8 & 255}.{k & 255}", res)
    gc.collect()
    snap = tracemalloc.take_snapshot()
    tracemalloc.stop()
    grown = sum(s.size_diff for s in snap.compare_to(base, "filename"))
    print(f"clone: {n} virtual-access in {dt * 1000:.0f} ms: {dt / n * 1e6:.0f} us per clone, "
          f"CPU {cpu / n * 1e6:.0f} us per clone, {grown / n / 1024:.2f} KB kept per virtual-access (tracemalloc)")
    t0 = time.perf_counter()
    for k in range(1, n + 1):
        r.vaccess.remove(k)
    print(f"remove: {(time.perf_counter() - t0) / n * 1e6:.1f} us per virtual-access")


def bench_sessions(n: int, template: bool) -> float:
    r = router("" if template else "crypto ikev2 profile default\n no virtual-template\n")
    net = SimNet(r)
    t0 = time.process_time()
    for k in range(n):
        net.connect(f"p{k}", {"from": f"10.{1 + k // 250}.{k % 250}.1", "id": f"fqdn:p{k}.domain1"})
    dt = time.process_time() - t0
    assert len(r.vaccess) == (n if template else 0), len(r.vaccess)
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clones", type=int, default=10000)
    ap.add_argument("--sessions", type=int, default=1000)
    args = ap.parse_args()
    bench_clone(args.clones)
    n = args.sessions
    with_vt = bench_sessions(n, True)
    without = bench_sessions(n, False)
    print(f"simulated network, {n} sessions (initiator and responder in one process), CPU: "
          f"{with_vt / n * 1000:.2f} ms per session with a virtual-access, {without / n * 1000:.2f} ms without "
          f"({(with_vt - without) / n * 1000:+.3f} ms)")


if __name__ == "__main__":
    main()

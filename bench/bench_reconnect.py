"""Auto-reconnect speed (issue 12): what a reconnect costs the router against the initial AnyConnect-EAP session
with RADIUS credentials, side by side in one run, in-process on the simulated network (no sockets).

N AnyConnect-like clients (crypto/anyconnect.py) come up at once (AnyConnect-EAP, credentials checked by the
simulated RADIUS server, group authorization from a local policy, the reconnect attributes); all fall asleep;
the router's smart DPD moves every session to inactive; all reconnect at once (PSK with session-id /
session-token, kept authorization, no RADIUS).  The router's CPU is what `Services.receive` / `tick` spend
(time.process_time around them: the clients and the RADIUS server are not counted), the garbage collector's
pauses inside those calls included (a router process pays all its collections); the pauses are also printed
apart, with the ratio without them.

Once the router is configured, the bench calls `iosflex.heap.settle()` as the `iosflex` program does once it
is up (the start-up state frozen, the collector's thresholds; --no-settle: Python's defaults).  With Python's
defaults the pauses were large and fell arbitrarily: a collection runs in whichever code's allocation crosses
the threshold and walks the whole process's young objects (clients and RADIUS server included): in one run the
router's calls took about 5 of the initial phase's ~190 collections and nearly all of the reconnect phase's
~120 (0.001 against 0.15 ms/session), so the bench left them out.  Settled, they are ~0.02 ms/session or less
in either phase, and counted.

    python bench/bench_reconnect.py [--sessions 1000] [--repeat 1] [--no-settle]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from iosflex import heap  # noqa: E402
from iosflex.router import Router  # noqa: E402
from iosflex.simnet import SimNet  # noqa: E402
from iosflex.crypto import reconnect as RC  # noqa: E402

from test_ike_certs import Ca, feed, import_lines  # noqa: E402

CONFIG = """
aaa new-model
aaa authentication login ac_radius group rad
aaa group server radius rad
 server name rad1
radius server rad1
 address ipv4 172.16.1.3 auth-port 1645 acct-port 1646
 key radius_key
crypto pki trustpoint TP
 enrollment terminal pem
 revocation-check none
crypto ikev2 authorization policy ac_pol
 pool ac_pool
crypto ikev2 profile ike_profile
 match identity remote key-id *$AnyConnectClient$*
 authentication local rsa-sig
 authentication remote anyconnect-eap aggregate
 pki trustpoint TP
 aaa authentication anyconnect-eap ac_radius
 aaa authorization group anyconnect-eap list default ac_pol
 virtual-template 1
 reconnect
ip local pool ac_pool 10.64.0.1 10.64.63.254
"""


class Meter:
    """Router CPU: process time spent inside Services.receive and Services.tick (`cpu`), less the garbage
    collector's pauses inside them (`gc`, kept apart: the router's CPU is `cpu + gc`)."""

    def __init__(self, services):
        self.cpu = 0.0
        self.gc = 0.0
        self._inside = False
        self._gc_start = None
        gc.callbacks.append(self._on_gc)
        for name in ("receive", "tick"):
            orig = getattr(services, name)

            def wrapped(*a, _orig=orig, **k):
                t = time.process_time()
                g = self.gc
                self._inside = True
                try:
                    return _orig(*a, **k)
                finally:
                    self._inside = False
                    self.cpu += time.process_time() - t - (self.gc - g)

            setattr(services, name, wrapped)

    def _on_gc(self, phase, _info):
        if phase == "start":
            self._gc_start = time.process_time() if self._inside else None
        elif self._gc_start is not None:
            self.gc += time.process_time() - self._gc_start
            self._gc_start = None

    def close(self):
        gc.callbacks.remove(self._on_gc)


def run(n: int, ca, router_cert, settle: bool = True) -> tuple[float, float, float, float, float]:
    r = Router(None, default_if_missing=True)
    r.load_startup()
    assert not r.apply_config(CONFIG)
    s = r.session(privileged=True)
    feed(s, ["configure terminal"] + import_lines("TP", ca.cert, *router_cert) + ["end"])
    net = SimNet(r, seed=11)
    net.directive("radius server 172.16.1.3 key=radius_key")
    for i in range(n):
        net.directive(f"radius user u{i} password=p{i}")
    if settle:
        heap.settle()  # the router is up (iosflex/heap.py)
    else:
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)
    meter = Meter(net.services)
    names = []
    t0, g0 = meter.cpu, meter.gc
    for i in range(n):
        name = f"c{i}"
        host = f"10.{100 + i // 60000}.{(i // 250) % 240}.{i % 250 + 1}"
        net.directive(f"ikev2 connect {name} from={host} anyconnect user=u{i} password=p{i} reconnect dpd-every=30")
        names.append(name)
    initial, initial_gc = meter.cpu - t0, meter.gc - g0
    up = sum(net.peers[x].established for x in names)
    for x in names:
        net.directive(f"ikev2 sleep {x}")
    t1, g1 = meter.cpu, meter.gc
    net.advance(RC.SMART_QUIET + RC.SMART_RETRY * (RC.SMART_TRIES + 1) + 5, step=5.0)
    dpd = meter.cpu - t1 + meter.gc - g1
    active, inactive = net.responder.reconnect_counts()
    t2, g2 = meter.cpu, meter.gc
    for i, x in enumerate(names):
        net.directive(f"ikev2 reconnect {x} from={net.peers[x].local[0]}:{40000 + i % 20000}")
    again, again_gc = meter.cpu - t2, meter.gc - g2
    meter.close()
    back = sum(net.peers[x].established for x in names)
    stats = net.responder.stats
    print(f"sessions {n}: initial up {up}, inactive after smart DPD {inactive}, reconnected {back} "
          f"(stats: incoming {stats.reconnect_incoming} success {stats.reconnect_success} "
          f"failed {stats.reconnect_failed})")
    print(f"  router CPU, initial AnyConnect-EAP + RADIUS: {initial + initial_gc:8.3f} s  "
          f"{1000 * (initial + initial_gc) / n:6.3f} ms/session  (GC pauses {1000 * initial_gc / n:.3f})")
    print(f"  router CPU, smart DPD to inactive:           {dpd:8.3f} s  {1000 * dpd / n:6.3f} ms/session")
    print(f"  router CPU, reconnect:                       {again + again_gc:8.3f} s  "
          f"{1000 * (again + again_gc) / n:6.3f} ms/session  (GC pauses {1000 * again_gc / n:.3f})")
    print(f"  reconnect / initial: {(again + again_gc) / (initial + initial_gc):.2f}  "
          f"(without the GC pauses: {again / initial:.2f})")
    return initial, initial_gc, dpd, again, again_gc


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-settle", action="store_true",
                    help="leave the garbage collector as Python starts it (no iosflex.heap.settle())")
    args = ap.parse_args()
    ca = Ca("rsa", "Bench CA")
    router_cert = ca.issue("router.bench", ip="172.16.1.2", server=True, serial=0x77)
    ratios, bare = [], []
    for _ in range(args.repeat):
        i, ig, _d, a, ag = run(args.sessions, ca, router_cert, settle=not args.no_settle)
        ratios.append((a + ag) / (i + ig))
        bare.append(a / i)
    if args.repeat > 1:
        print("ratios: " + ", ".join(f"{x:.2f}" for x in ratios)
              + "  (without the GC pauses: " + ", ".join(f"{x:.2f}" for x in bare) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())

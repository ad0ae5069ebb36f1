"""In-process profile of the responder's CPU per established SA (issue 4, item 10), without namespaces.

The package's own Initiator drives the Responder over the simulated network of tests/test_ike_engine.py; only
the time spent inside `Services.receive` (the responder and the AAA answers it waits for) is counted (time.process_time).  The router runs the interop /
bench configuration (tests/interop/router.py: proposal PROP-CBC, profile BENCH, pool benchpool) and the
initiator proposes exactly what bench/bench_ike.py's strongSwan initiator proposes: aes256-sha256-ecp256 or
aes256-sha256-modp2048 (PRF sha256), identities bN.bench.flex.lab, PSK.

    python3 bench/ikeprof_local.py [--sas 300] [--group 19|14] [--cfg] [--prof] [--repeat 3]

Each SA is followed by one round of bench_ike's crypto floor (DH + PRF/AUTH), timed separately: the ratio
responder/floor is what the target is about and is far steadier than the raw figures on a shared machine.
    python3 bench/ikeprof_local.py --mem 10000          # tracemalloc peak / RSS for 10,000 established SAs

`--wait-ms 3` sleeps that long before each datagram reaches the responder and before each floor round, as a
responder in its event loop meets them: on a virtual machine code run right after a wake-up costs about twice
what it costs in a tight loop, for the responder and the floor alike.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from interop.router import ios_startup_config  # noqa: E402
from interop.strongswan import PSK, ROUTER_FQDN  # noqa: E402
from test_ike_engine import ROUTER, Net  # noqa: E402

from iosflex.crypto import algorithms as A  # noqa: E402
from iosflex.crypto.client import Initiator  # noqa: E402
from iosflex.router import Router  # noqa: E402

WAIT = 0.0  # seconds slept before each responder datagram and floor round (--wait-ms)
GROUP_NAMES = {19: "ecp256", 14: "modp2048", 20: "ecp384", 31: "curve25519"}


def make_net():
    r = Router(None)
    rej = r.apply_config(ios_startup_config())
    bad = [x for x in rej if "pki" not in x.line and "enrollment" not in x.line and "revocation" not in x.line]
    if bad:
        raise SystemExit(f"config rejected: {bad}")
    net = Net(r)
    net.resp.rng = os.urandom  # as in production (the driver's default); the initiators stay seeded
    # the bench's identity: what the responder answers with
    assert r.config.ikev2_profile.items["BENCH"].identity_local.value == ROUTER_FQDN
    return net


def timed_net(net, prof=None):
    """Count the CPU time spent inside the responder (and profile only that part)."""
    spent = [0.0]
    orig = net.svc.receive

    def receive(*a, **k):
        if WAIT:
            time.sleep(WAIT)
        if prof is not None:
            prof.enable()
        t = time.process_time()
        out = orig(*a, **k)
        spent[0] += time.process_time() - t
        if prof is not None:
            prof.disable()
        return out
    net.svc.receive = receive
    return spent


def initiator(i: int, group: int, cfg: bool) -> Initiator:
    rnd = random.Random(i)
    return Initiator((f"10.{100 + i // 62500}.{(i // 250) % 250}.{1 + i % 250}", 500), ROUTER,
                     (A.ID_FQDN, f"b{i}.bench.flex.lab".encode()), psk=PSK.encode(),
                     rng=lambda k: rnd.randbytes(k), cfg_request=cfg, groups=(group,),
                     encr=((A.ENCR_AES_CBC, 256),), integ=(A.AUTH_HMAC_SHA2_256_128,), prf=(A.PRF_HMAC_SHA2_256,),
                     esp_encr=[(A.ENCR_AES_CBC, 256)])


def floor_round(group: int):
    """One SA's unavoidable crypto (bench_ike.crypto_floor's DH + PRF/AUTH rounds) as a callable."""
    from bench_ike import _dh_round, _prf_auth_round  # noqa: PLC0415

    dh = _dh_round(GROUP_NAMES[group])
    rest = _prf_auth_round(dh())

    def run():
        dh()
        rest()
    return run


def bring_up(net, n0: int, n: int, group: int, cfg: bool, keep: bool = False, floor=None, floor_spent=None):
    """Set up SAs n0..n0+n-1; with `floor`, one crypto-floor round after each SA, its CPU time added to
    floor_spent[0] (interleaved, so that both see the same machine load)."""
    kept = []
    for i in range(n0, n0 + n):
        ini = initiator(i, group, cfg)
        net.clients = [ini]
        net.run(ini.start(net.clock.t))
        if not ini.established:
            raise SystemExit(f"SA {i} failed: {ini.failed}")
        if floor is not None:
            if WAIT:
                time.sleep(WAIT)
            t = time.process_time()
            floor()
            floor_spent[0] += time.process_time() - t
        if keep:
            kept.append(ini)
    net.clients = []
    net.to_router.clear()
    net.from_router.clear()
    return kept


def per_sa_ms(group: int, cfg: bool, n: int, prof: bool = False, floor: bool = False):
    """Responder CPU ms per SA; with `floor`, (ms per SA, crypto floor ms measured interleaved)."""
    net = make_net()
    p = cProfile.Profile() if prof else None
    spent = timed_net(net)
    bring_up(net, 100000, 30, group, cfg)  # warm-up (imports, caches)
    if p:
        spent = timed_net(net, p)
    spent[0] = 0.0
    fl = floor_round(group) if floor else None
    floor_spent = [0.0]
    bring_up(net, 0, n, group, cfg, floor=fl, floor_spent=floor_spent)
    if p:
        pstats.Stats(p).sort_stats("tottime").print_stats(30)
    sa = next(iter(net.resp.sas.values()))
    assert sa.st.dh_group == group and sa.st.prf == A.PRF_HMAC_SHA2_256, (sa.st.dh_group, sa.st.prf)
    if floor:
        return spent[0] / n * 1000, floor_spent[0] / n * 1000
    return spent[0] / n * 1000


def rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def memory(n: int, group: int, trace: bool) -> dict:
    gc.collect()
    rss0 = rss_kb()
    if trace:
        tracemalloc.start()
    net = make_net()
    bring_up(net, 0, n, group, True)
    gc.collect()
    out = {"sas": len(net.resp.sas), "rss_total_mb": round(rss_kb() / 1024, 1),
           "rss_growth_mb": round((rss_kb() - rss0) / 1024, 1)}
    if trace:
        cur, peak = tracemalloc.get_traced_memory()
        out.update(traced_current_mb=round(cur / 2**20, 1), traced_peak_mb=round(peak / 2**20, 1),
                   bytes_per_sa=int(cur / n))
        snap = tracemalloc.take_snapshot()
        out["top"] = [f"{s.size / 2**20:.1f} MB {s.traceback[0]}" for s in snap.statistics("lineno")[:12]]
        tracemalloc.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sas", type=int, default=300)
    ap.add_argument("--group", type=int, action="append")
    ap.add_argument("--cfg", action="store_true", help="CFG_REQUEST (strongSwan's vips=0.0.0.0): on")
    ap.add_argument("--both", action="store_true", help="without and with CFG_REQUEST")
    ap.add_argument("--prof", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--mem", type=int, default=0)
    ap.add_argument("--trace", action="store_true", help="with --mem: tracemalloc too (slower)")
    ap.add_argument("--wait-ms", type=float, default=0.0, help="sleep before each datagram and floor round")
    a = ap.parse_args()
    global WAIT
    WAIT = a.wait_ms / 1000
    groups = a.group or [19]
    if a.mem:
        for k, v in memory(a.mem, groups[0], a.trace).items():
            print(f"{k}: {v}" if k != "top" else "top:\n  " + "\n  ".join(v))
        return
    cfgs = [False, True] if a.both else [a.cfg]
    for g in groups:
        for cfg in cfgs:
            res = [per_sa_ms(g, cfg, a.sas, a.prof and r == 0, floor=True) for r in range(a.repeat)]
            runs = [x for x, _ in res]
            ratios = [x / f for x, f in res]
            print(f"{GROUP_NAMES.get(g, g)} cfg_request={cfg}: responder CPU per SA median "
                  f"{statistics.median(runs):.3f} ms (runs {' '.join(f'{x:.3f}' for x in runs)}); crypto floor "
                  f"median {statistics.median(f for _, f in res):.3f} ms; ratio median {statistics.median(ratios):.2f}x "
                  f"(runs {' '.join(f'{x:.2f}' for x in ratios)})", flush=True)


if __name__ == "__main__":
    main()

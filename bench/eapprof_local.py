"""The router's CPU per EAP-MSCHAPv2 session relayed to RADIUS, in-process: the package's initiators (EAP peers
of crypto/eap.py) against the router on the simulated network (iosflex/simnet.py), the simulated RADIUS EAP
server of radius/simserver.py, the configuration of tests/test_eap_relay.py (RSA certificate, query-identity,
group authorization local, user authorization cached, accounting Start).  Only the time spent inside
`Services.receive` / `Services.tick` counts (time.process_time); the RADIUS server's and the initiators' work
does not.  bench/bench_eap.py measures the same over real UDP against strongSwan's NAS and FreeRADIUS.

    python bench/eapprof_local.py [--sas 100] [--repeat 5] [--prof]

Prints the median CPU per established session over the runs and the range; --prof profiles the router's
calls of one run (cProfile, top 35 by own time and by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_eap_relay import make  # noqa: E402
from test_ike_certs import Ca  # noqa: E402


def run(ca, n: int, prof=None) -> float:
    r, _s, net, _lines = make(ca)
    net.services.crypto.raise_errors = False
    for i in range(n):
        net.directive(f"radius user u{i} password=pw{i}")
    spent = [0.0]
    svc = net.services
    for name in ("receive", "tick"):
        orig = getattr(svc, name)

        def timed(*a, _orig=orig, **k):
            if prof is not None:
                prof.enable()
            t = time.process_time()
            try:
                return _orig(*a, **k)
            finally:
                spent[0] += time.process_time() - t
                if prof is not None:
                    prof.disable()
        setattr(svc, name, timed)
    for i in range(n):
        host = f"172.16.{2 + i // 250}.{1 + i % 250}"
        net.directive(f"ikev2 connect p{i} from={host} ca=TP id=fqdn:c{i}.eap.test eap-id=u{i} "
                      f"eap-password=pw{i} eap-method=mschapv2")
    up = sum(1 for p in net.peers.values() if p.established)
    if up != n:
        raise SystemExit(f"only {up}/{n} sessions up")
    return spent[0] * 1000 / n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sas", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--prof", action="store_true", help="profile the router's calls of one run")
    a = ap.parse_args()
    ca = Ca("rsa", "EAP Bench CA")
    ca = (ca, ca.issue("router.eap.test", ip="172.16.1.2", server=True, serial=0x2B3C))
    if a.prof:
        prof = cProfile.Profile()
        run(ca, a.sas, prof)
        st = pstats.Stats(prof)
        st.sort_stats("tottime").print_stats(35)
        st.sort_stats("cumulative").print_stats(35)
        return 0
    runs = [run(ca, a.sas) for _ in range(a.repeat)]
    print(f"EAP: router CPU per session median {statistics.median(runs):.3f} ms "
          f"(runs {' '.join(f'{x:.3f}' for x in runs)}; {a.sas} sessions a run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Applies a generated 20,000-line configuration and prints lines per second, peak memory, and the latency of
`?` and TAB on the loaded router.  Targets (issue 2): whole config under 2 s and 200 MB; `?`/TAB under 10 ms.

    python bench/bench_config.py [--lines 20000] [--runs 3]

Each run is a fresh process (so peak RSS is that run's); figures are medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time


def generate(n_lines: int) -> str:
    """A config of supported commands, in blocks as real hubs have them, cut to `n_lines` lines."""
    out: list[str] = ["hostname BenchHub", "aaa new-model"]
    i = 0
    while len(out) < n_lines:
        a, b = divmod(i, 250)
        out += [
            f"interface Loopback{i}",
            f" description bench loopback {i}",
            f" ip address 10.{a % 250}.{b}.1 255.255.255.255",
            f"ip access-list standard SPLIT{i}",
            f" permit 10.{a % 250}.{b}.0 0.0.0.255",
            f" deny   any",
            f"crypto ikev2 keyring KR{i}",
            f" peer P{i}",
            f"  address 172.{16 + a % 16}.{b}.1",
            f"  pre-shared-key key{i}",
            f"crypto ikev2 profile PROF{i}",
            f" match identity remote fqdn peer{i}.example.net",
            f" authentication remote pre-share",
            f" authentication local pre-share",
            f" keyring local KR{i}",
            f" virtual-template {1 + i % 200}",
            f"username user{i} privilege 1 password 0 pw{i}",
            f"ip local pool POOL{i} 10.200.{b}.1 10.200.{b}.254",
        ]
        i += 1
    return "\n".join(out[:n_lines]) + "\n"


CHILD = r"""
import json, resource, sys, time, statistics
from iosflex.router import Router, load_grammar
t0 = time.perf_counter(); load_grammar(); t_grammar = time.perf_counter() - t0
text = sys.stdin.read()
r = Router(None)
t0 = time.perf_counter()
rejected = r.apply_config(text)
t_apply = time.perf_counter() - t0
s = r.session(privileged=True)
s.run("configure terminal")
s.run("crypto ikev2 profile PROF1")
probes = ["", "authentication remote ", "aaa authorization group ", "match identity remote "]
lat_help, lat_tab = [], []
for _ in range(50):
    for p in probes:
        t = time.perf_counter(); s.help(p); lat_help.append(time.perf_counter() - t)
    for p in ["authen", "aaa authoriz", "match ident", "virtual-t"]:
        t = time.perf_counter(); s.complete(p); lat_tab.append(time.perf_counter() - t)
t = time.perf_counter(); n = len(r.running_config_text().splitlines()); t_render = time.perf_counter() - t
print(json.dumps({
    "lines": len(text.splitlines()), "rejected": len(rejected),
    "first_rejected": [(x.lineno, x.line, x.error) for x in rejected[:3]],
    "grammar_s": t_grammar, "apply_s": t_apply, "render_s": t_render, "render_lines": n,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "help_ms_p50": statistics.median(lat_help) * 1e3, "help_ms_max": max(lat_help) * 1e3,
    "tab_ms_p50": statistics.median(lat_tab) * 1e3, "tab_ms_max": max(lat_tab) * 1e3,
}))
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    text = generate(args.lines)
    runs = []
    for _ in range(args.runs):
        p = subprocess.run([sys.executable, "-c", CHILD], input=text, capture_output=True, text=True, check=True)
        runs.append(json.loads(p.stdout))
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if isinstance(runs[0][k], (int, float))}
    print(f"config lines applied     : {med['lines']:.0f} (rejected: {med['rejected']:.0f})")
    if runs[0]["first_rejected"]:
        print(f"first rejected           : {runs[0]['first_rejected']}")
    print(f"grammar load             : {med['grammar_s'] * 1e3:.0f} ms")
    print(f"apply time (median of {args.runs}) : {med['apply_s']:.2f} s  (target < 2 s)")
    print(f"lines per second         : {med['lines'] / med['apply_s']:.0f}")
    print(f"show running-config      : {med['render_s'] * 1e3:.0f} ms for {med['render_lines']:.0f} lines")
    print(f"peak memory (RSS)        : {med['peak_rss_mb']:.0f} MB  (target < 200 MB)")
    print(f"'?' latency p50 / max    : {med['help_ms_p50']:.2f} / {med['help_ms_max']:.2f} ms  (target < 10 ms)")
    print(f"TAB latency p50 / max    : {med['tab_ms_p50']:.2f} / {med['tab_ms_max']:.2f} ms  (target < 10 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

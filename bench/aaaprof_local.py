"""The router's CPU per session with AAA-PSK + group authorization + accounting over RADIUS, against local keys
and policy, in-process: the package's initiators and a simulated RADIUS server on the simulated network
(iosflex/simnet.py), so the figure is the engine and AAA path alone (no sockets, no event loop).  Only the
time spent inside `Services.receive` / `Services.tick` counts (time.process_time); the RADIUS server's and the
initiators' work does not.

    python bench/aaaprof_local.py [--sas 300] [--repeat 5] [--gc off] [--prof] [--kept]

Prints, for each kind, the median CPU per established session over the runs, and the AAA/LOCAL ratio
(bench/bench_aaa.py measures the same over real UDP with strongSwan and FreeRADIUS).  `--gc off` runs with
the garbage collector disabled (the engine's own cost, without the collections whose timing scatters the
figure; with it on, each run settles the collector as the `iosflex` program does once it is up, iosflex/heap.py);
`--prof` profiles only the router's calls of one AAA run; `--kept` counts the gc-tracked objects
the router holds per established session after each kind's run (what its collections have to scan);
`--bytecodes` counts the Python bytecodes the router's calls execute per session for each kind (sys.settrace
with opcode events: deterministic, the same on any machine, C code such as the crypto library not counted)
and prints the functions where AAA executes more, and the share of the biggest one and of the busiest line.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import gc
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iosflex import heap  # noqa: E402
from iosflex.router import Router  # noqa: E402
from iosflex.simnet import SimNet  # noqa: E402

CONFIG = """
aaa new-model
aaa group server radius RG
 server name R1
aaa authorization network local_list local
aaa authorization network aaa_psk group RG
aaa authorization network aaa_author group RG
aaa accounting network acc_list start-stop group RG
radius server R1
 address ipv4 172.16.1.3 auth-port 1645 acct-port 1646
 key radius_key
crypto ikev2 name-mangler MANGLE
 fqdn hostname
crypto ikev2 authorization policy benchlocal
 pool benchpool
 dns 10.0.0.53
 route set interface
crypto ikev2 profile LOCAL
 match identity remote fqdn domain local.bench
 authentication remote pre-share key bench_key
 authentication local pre-share key bench_key
 aaa authorization group psk list local_list benchlocal
 virtual-template 1
crypto ikev2 profile AAA
 match identity remote fqdn domain aaa.bench
 authentication remote pre-share
 authentication local pre-share
 keyring aaa aaa_psk name-mangler MANGLE
 aaa authorization group psk list aaa_author benchgroup
 aaa accounting psk acc_list
 virtual-template 1
interface Ethernet0/0
 ip address 172.16.1.2 255.255.0.0
 no shutdown
interface Virtual-Template1 type tunnel
 ip unnumbered Ethernet0/0
ip local pool benchpool 10.40.0.1 10.40.255.254
"""


AAA_CALLS = (("aaa", "handle"), ("aaa", "on_radius"), ("aaa", "session_up"), ("radius", "receive"))


def build(kind: str, n: int, prof=None, split=None, tracer=None):
    r = Router(None)
    bad = r.apply_config(CONFIG)
    if bad:
        raise SystemExit(f"config rejected: {bad}")
    net = SimNet(r, seed=7)
    net.directive("radius server 172.16.1.3 key=radius_key")
    for i in range(n):
        net.directive(f"radius user c{i} password=cisco Tunnel-Password=key{i}")
    net.directive("radius user benchgroup password=cisco Framed-Pool=benchpool "
                  "Cisco-AVPair=ipsec:dns-servers=10.0.0.53 Cisco-AVPair=ipsec:route-set=interface")
    spent = [0.0]
    svc = net.services
    for name in ("receive", "tick"):
        orig = getattr(svc, name)

        def timed(*a, _orig=orig, **k):
            if prof is not None:
                prof.enable()
            if tracer is not None:
                sys.settrace(tracer)
            t = time.process_time()
            try:
                return _orig(*a, **k)
            finally:
                spent[0] += time.process_time() - t
                if tracer is not None:
                    sys.settrace(None)
                if prof is not None:
                    prof.disable()
        setattr(svc, name, timed)
    for part, name in AAA_CALLS if split is not None else ():  # the AAA service's and RADIUS client's own calls
        obj = getattr(svc, part)
        orig = getattr(obj, name)

        def timed_part(*a, _orig=orig, **k):
            t = time.process_time()
            try:
                return _orig(*a, **k)
            finally:
                split[0] += time.process_time() - t
        setattr(obj, name, timed_part)
    return r, net, spent


def run(kind: str, n: int, prof=None, split=None) -> float:
    r, net, spent = build(kind, n, prof, split)
    if gc.isenabled():  # as the iosflex program once it is up (iosflex/heap.py): the previous run's router is
        heap.settle()  # collected here, not inside this run's calls, and the start-up state is frozen
    connect_all(net, kind, n)
    up = sum(1 for p in net.peers.values() if p.established)
    if up != n:
        raise SystemExit(f"{kind}: only {up}/{n} sessions up")
    return spent[0] * 1000 / n


def connect_all(net, kind: str, n: int) -> None:
    for i in range(n):
        key = "bench_key" if kind == "LOCAL" else f"key{i}"
        host = f"172.16.{2 + i // 250}.{1 + i % 250}"
        net.directive(f"ikev2 connect p{i} from={host} psk={key} id=fqdn:c{i}.{kind.lower()}.bench")


def bytecodes(kind: str, n: int) -> tuple[collections.Counter, collections.Counter]:
    """Bytecodes executed inside the router's calls during `n` sessions of `kind`: by function and by line."""
    by_func: collections.Counter = collections.Counter()
    by_line: collections.Counter = collections.Counter()
    root = str(Path(__file__).resolve().parent.parent) + "/"

    def tracer(frame, event, arg):
        frame.f_trace_opcodes = True
        code = frame.f_code
        where = f"{code.co_filename.replace(root, '')}:{code.co_name}"
        if code.co_filename == "<string>" and "self" in frame.f_locals:  # a dataclass's generated __init__
            where += f" ({type(frame.f_locals['self']).__name__})"

        def local(frame, event, arg):
            if event == "opcode":
                by_func[where] += 1
                by_line[f"{where}:{frame.f_lineno}"] += 1
            return local
        return local

    r, net, _ = build(kind, n, tracer=tracer)
    connect_all(net, kind, n)
    return by_func, by_line


def print_bytecodes(n: int, top: int = 25) -> None:
    for kind in ("AAA", "LOCAL"):  # a short warm-up of each: first-use caches (the RADIUS dictionary) not counted
        bytecodes(kind, 5)
    (lf, _), (af, al) = bytecodes("LOCAL", n), bytecodes("AAA", n)
    tl, ta = sum(lf.values()) / n, sum(af.values()) / n
    print(f"bytecodes per session in the router's calls: LOCAL {tl:.0f}, AAA {ta:.0f} (AAA/LOCAL {ta / tl:.3f}; "
          f"AAA executes {ta - tl:.0f} more)")
    diff = sorted(((af[k] - lf[k]) / n, k) for k in set(af) | set(lf))[::-1]
    extra = ta - tl
    print(f"functions where AAA executes more (of {sum(1 for d, _ in diff if d > 0)}), per session:")
    for d, k in diff[:top]:
        print(f"  {d:7.0f}  {d * 100 / extra:5.1f} %  {k}")
    by_file: collections.Counter = collections.Counter()
    for d, k in diff:
        by_file[k.split(":")[0]] += d
    print("the same by file: " + ", ".join(f"{f} {d * 100 / extra:.0f} %" for f, d in by_file.most_common(8)))
    line, count = max(((k, v) for k, v in al.items()), key=lambda kv: kv[1] if "aaa/" in kv[0] or "radius/" in kv[0]
                      else -1)
    print(f"busiest line of the AAA and RADIUS code: {line}, {count / n:.0f} per session "
          f"({count / n * 100 / extra:.1f} % of the difference)")


def kept(kind: str, n: int) -> float:
    """gc-tracked objects reachable from the router per established session, beyond an empty router's."""
    def count(root) -> int:
        seen: set[int] = set()
        todo = [root]
        while todo:
            o = todo.pop()
            if id(o) in seen or not gc.is_tracked(o) or isinstance(o, (type, SimNet)) or type(o).__name__ in (
                    "module", "function", "builtin_function_or_method", "code", "frame", "cell", "method"):
                continue  # (the simulated network, its RADIUS server and initiators are not the router's)
            seen.add(id(o))
            todo.extend(gc.get_referents(o))
        return len(seen)

    r0, net0, _ = build(kind, 0)
    base = count(r0)
    r, net, _ = build(kind, n)
    connect_all(net, kind, n)
    return (count(r) - base) / n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sas", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--prof", action="store_true", help="profile one AAA run (cProfile, top 30 by own time)")
    ap.add_argument("--gc", choices=("on", "off"), default="on", help="off: runs with the collector disabled")
    ap.add_argument("--kept", action="store_true", help="gc-tracked objects the router keeps per session")
    ap.add_argument("--split", action="store_true",
                    help="also time the AAA service's and RADIUS client's own calls (adds overhead)")
    ap.add_argument("--bytecodes", action="store_true",
                    help="bytecodes executed per session (deterministic), and where AAA executes more")
    a = ap.parse_args()
    if a.bytecodes:
        print_bytecodes(min(a.sas, 100))
        return 0
    if a.kept:
        for kind in ("LOCAL", "AAA"):
            print(f"{kind:5}: {kept(kind, a.sas):.1f} gc-tracked objects kept per session")
        return 0
    if a.gc == "off":
        gc.disable()
    if a.prof:
        prof = cProfile.Profile()
        run("AAA", a.sas, prof)
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        return 0
    figures: dict[str, list[float]] = {"LOCAL": [], "AAA": []}
    parts: dict[str, list[float]] = {"LOCAL": [], "AAA": []}
    for _ in range(a.repeat):
        for kind in ("LOCAL", "AAA"):  # interleaved, so that both see the same machine
            split = [0.0] if a.split else None
            figures[kind].append(run(kind, a.sas, split=split))
            if split is not None:
                parts[kind].append(split[0] * 1000 / a.sas)
    med = {k: statistics.median(v) for k, v in figures.items()}
    for k, v in figures.items():
        print(f"{k:5}: router CPU per session median {med[k]:.3f} ms (runs {' '.join(f'{x:.3f}' for x in v)})")
    print(f"AAA/LOCAL: {med['AAA'] / med['LOCAL']:.2f}x  ({a.sas} sessions a run, {a.repeat} runs, gc {a.gc})")
    for k, v in parts.items() if a.split else ():
        print(f"{k:5}: AAA service + RADIUS client calls median {statistics.median(v):.3f} ms per session "
              f"(runs {' '.join(f'{x:.3f}' for x in v)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Many clients at once with AAA over RADIUS: the router's CPU per session with AAA-PSK, group authorization and
accounting against a stock FreeRADIUS, against the same run's figure with local keys and policy; then a slow
RADIUS server (2 s per reply) while clients with local keys connect (issue item: AAA under load).

Namespaces are made here (tests/interop/netns.py) and removed at the end: client1 172.16.1.1 (the LOCAL
clients), client2 172.16.1.4 (the AAA clients), router 172.16.1.2, RADIUS host 172.16.1.3; no default route,
nothing leaves the machine.  One iosflex router (tests/interop/router.py, debug off) runs for the whole bench
with two IKEv2 profiles in its startup-config:

* LOCAL (identities cN.local.bench): the key in the profile, `aaa authorization group psk list local_list
  benchlocal` (a local policy: pool, DNS, route set interface), no accounting;
* AAA (identities cN.aaa.bench): `keyring aaa aaa_psk name-mangler MANGLE` (User-Name cN, a key of its own per
  client in Tunnel-Password), `aaa authorization group psk list aaa_author benchgroup` (Framed-Pool, DNS and
  route-set from the group's RADIUS entry), `aaa accounting psk acc_list` (start-stop to FreeRADIUS).

The clients are Debian charon, one per client namespace, one connection per client (as bench/bench_ike.py
does it); all N initiations of a batch are handed to charon at once (VICI `initiate` without waiting) and the
CHILD_SA-up events (VICI child-updown) give each session's set-up time.  Per run: the router's CPU time (its
POSIX CPU clock, ns resolution; /proc's 10 ms utime+stime ticks printed too) from the first initiation to the
last session up (for AAA: to the last accounting Start answered), divided by the sessions established;
set-up rate = sessions / (last up - first initiation), and the same to 95 % of the sessions (one client whose
datagram was lost waits for its own retransmission, 4 s, and sets the first figure alone).  Between runs
`clear crypto session` on the router, and the bench waits for the accounting Stops to be answered.  Datagrams
dropped because a socket's receive buffer was full are read from /proc/net/udp of every namespace and printed
by namespace and port.

Phase 1, FreeRADIUS answering at once: a warm-up, then `--repeats` runs of each profile (alternating which
goes first); printed: medians, the AAA/LOCAL CPU ratio (the issue's target: <= 1.3), both set-up rates.
Phase 2, LOCAL clients while AAA clients connect.  2a (control), FreeRADIUS answering at once: N LOCAL clients
alone, and together with N AAA clients (both batches initiated at the same moment).  2b, FreeRADIUS behind a
relay that holds every reply `--delay` s (tests/interop/freeradius.py `reply_delay`): N LOCAL clients alone;
together with N AAA clients; and "parked": the LOCAL batch started once every AAA client's PSK lookup is
waiting at the slow server.  Printed: the LOCAL set-up rate and latency (median, p95) in each case and their
ratios to LOCAL alone, and slow-server "together" against fast-server "together" (same IKE load; the target:
as fast, i.e. nothing waits on the router's event loop), the AAA sessions' latency, the RADIUS counters.

    sudo python bench/bench_aaa.py [--clients 200] [--repeats 5] [--quick] [--delay 2.0] [--json FILE]
    python bench/bench_aaa.py --combine A.json B.json ...   (earlier invocations' phase-1 ratios pooled)

Figures only: nothing here asserts on time.  Needs root (network namespaces), strongSwan and FreeRADIUS.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from interop import strongswan as S  # noqa: E402
from interop.benchlib import (Clients, cpu_ms, fmt, med, median_interval, ratio, udp_drops,  # noqa: E402
                              user_sys_ms)
from interop.freeradius import FreeRadius, require_freeradius, user_entry  # noqa: E402
from interop.netns import Lab  # noqa: E402
from interop.router import IosflexRouter, ios_startup_config  # noqa: E402

SECRET = "radius_key"
LOCAL_DOMAIN = "local.bench"
AAA_DOMAIN = "aaa.bench"
LOCAL_PSK = "local-bench-key"
GROUP = "benchgroup"
PROPOSAL = "aes256-sha256-ecp256"
AAA_POOL = ("benchaaa", "10.41.0.1", "10.41.255.254")
LOCAL_POOL = ("benchlocal", "10.40.0.1", "10.40.255.254")


def aaa_key(i: int) -> str:
    return f"aaa-key-{i:04d}"


BENCH_CONFIG = f"""
aaa group server radius RG
 server name R1
!
aaa authorization network aaa_psk group RG
aaa authorization network aaa_author group RG
aaa accounting network acc_list start-stop group RG
!
radius server R1
 address ipv4 172.16.1.3 auth-port 1645 acct-port 1646
 key {SECRET}
 timeout 5
 retransmit 2
!
crypto ikev2 name-mangler MANGLE
 fqdn hostname
!
crypto ikev2 authorization policy benchlocal
 pool {LOCAL_POOL[0]}
 dns 10.0.0.53
 route set interface
!
crypto ikev2 profile LOCAL
 match identity remote fqdn domain {LOCAL_DOMAIN}
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share key {LOCAL_PSK}
 authentication local pre-share key {LOCAL_PSK}
 aaa authorization group psk list local_list benchlocal
 virtual-template 1
!
crypto ikev2 profile AAA
 match identity remote fqdn domain {AAA_DOMAIN}
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share
 authentication local pre-share
 keyring aaa aaa_psk name-mangler MANGLE
 aaa authorization group psk list aaa_author {GROUP}
 aaa accounting psk acc_list
 virtual-template 1
!
ip local pool {LOCAL_POOL[0]} {LOCAL_POOL[1]} {LOCAL_POOL[2]}
ip local pool {AAA_POOL[0]} {AAA_POOL[1]} {AAA_POOL[2]}
!
"""


def startup_config() -> str:
    return ios_startup_config().replace("\nend\n", BENCH_CONFIG + "end\n")


def users_file(n: int) -> str:
    """FreeRADIUS `users`: the n mangled names cN with their own key, and the group entry."""
    out = [user_entry(f"c{i}", tunnel_password=aaa_key(i)) for i in range(n)]
    out.append(user_entry(GROUP, framed_pool=AAA_POOL[0],
                          avpairs=["ipsec:dns-servers=10.0.0.53", "ipsec:route-set=interface"]))
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------
# the clients: one charon per client namespace, one connection per client
# ---------------------------------------------------------------------------------------------------------

def psk_clients(host, work: Path, domain: str, n: int, keys) -> Clients:
    """N PSK connections cI with identities cI.<domain>: `keys` one key for all (owned by the router's
    identity) or a function I -> the key of client I."""

    def setup(v, i):
        if isinstance(keys, str):
            if i == 0:                                  # one key for all: owned by the router's identity
                v.load_shared(keys, [S.ROUTER_FQDN], sid="k")
        else:                                           # a key of its own per client
            v.load_shared(keys(i), [f"c{i}.{domain}", S.ROUTER_FQDN], sid=f"k{i}")
        v.load_conn(f"c{i}", {
            "version": "2", "remote_addrs": ["172.16.1.2"], "proposals": [PROPOSAL], "vips": ["0.0.0.0"],
            "mobike": "no", "rekey_time": "0", "dpd_delay": "0", "unique": "never",
            "local": {"auth": "psk", "id": f"c{i}.{domain}"},
            "remote": {"auth": "psk", "id": S.ROUTER_FQDN},
            "children": {"net": {"remote_ts": [S.INSIDE_NET], "esp_proposals": ["aes256-sha256"],
                                 "rekey_time": "0", "start_action": "none"}},
        })

    return Clients(host, work, n, setup)


# ---------------------------------------------------------------------------------------------------------
# the router and the RADIUS server
# ---------------------------------------------------------------------------------------------------------

AAA_LINE = re.compile(r"(Authen|Author|Account): request (\d+), timeouts (\d+), failover (\d+), "
                      r"retransmission (\d+)")
TIME_LINE = re.compile(r"time (\d+)ms")


def radius_counters(router: IosflexRouter) -> dict:
    """`show aaa servers` for R1: per kind request / timeouts / retransmission and the mean reply time."""
    out = router.exec("show aaa servers")
    res: dict = {}
    kind = None
    for line in out.splitlines():
        m = AAA_LINE.search(line)
        if m:
            kind = m.group(1)
            res[kind] = {"request": int(m.group(2)), "timeouts": int(m.group(3)), "failover": int(m.group(4)),
                         "retransmission": int(m.group(5))}
            continue
        m = TIME_LINE.search(line)
        if m and kind and "time_ms" not in res[kind]:
            res[kind]["time_ms"] = int(m.group(1))
        for key in ("unexpected", "Malformed responses", "Bad authenticators"):
            mm = re.search(rf"{key}:? (\d+)", line)
            if mm and kind:
                res[kind][key.split()[0].lower()] = int(mm.group(1))
    return res


def counters_text(c: dict) -> str:
    parts = []
    for kind in ("Authen", "Author", "Account"):
        k = c.get(kind)
        if k and (k["request"] or kind == "Account"):
            parts.append(f"{kind}: request {k['request']}, timeouts {k['timeouts']}, retransmission "
                         f"{k['retransmission']}, unexpected {k.get('unexpected', 0)}")
    return "; ".join(parts) or "no RADIUS counters"


class Bench:
    def __init__(self, args, tmp: Path):
        self.a = args
        self.tmp = tmp
        self.n = args.clients
        self.lab = None
        self.router = None
        self.radius: FreeRadius | None = None
        self.local: Clients | None = None
        self.aaa: Clients | None = None
        self.results: dict = {"clients": self.n, "repeats": args.repeats, "fast": []}

    # -- life cycle -----------------------------------------------------------------------------------
    def up(self):
        self.lab = Lab(clients=2, radius=True).up()
        self.lab.add_address(self.lab.router, "10.0.0.1/32")
        self.start_radius(0.0)
        self.router = IosflexRouter(self.lab.router, self.tmp / "router", startup_config(), [], debug=False,
                                    listen=[self.lab.router.ip]).start()
        self.local = psk_clients(self.lab.client_hosts[0], self.tmp / "local", LOCAL_DOMAIN, self.n,
                             LOCAL_PSK)
        self.aaa = psk_clients(self.lab.client_hosts[1], self.tmp / "aaa", AAA_DOMAIN, self.n, aaa_key)

    def start_radius(self, delay: float):
        if self.radius is not None:
            self.radius.stop()
        tag = f"rad-{'slow' if delay else 'fast'}"
        self.radius = FreeRadius(self.lab.radius_host, self.tmp / tag, secret=SECRET, users=users_file(self.n),
                                 ports=((1645, 1646),), reply_delay=delay, debug=False).start()

    def down(self):
        for c in (self.local, self.aaa):
            if c is not None:
                c.stop()
        if self.router is not None:
            self.router.stop()
        if self.radius is not None:
            self.radius.stop()
        if self.lab is not None:
            self.lab.down()

    # -- helpers --------------------------------------------------------------------------------------
    def drops(self) -> dict[str, int]:
        """Receive-buffer drops per namespace and UDP port ("router:500", "radius:1646", ...)."""
        hosts = {"router": self.lab.router, "radius": self.lab.radius_host, "local": self.lab.client_hosts[0],
                 "aaa": self.lab.client_hosts[1]}
        return {f"{k}:{port}": n for k, h in hosts.items() for port, n in udp_drops(h).items()}

    @staticmethod
    def drops_delta(a: dict, b: dict) -> dict:
        return {k: b[k] - a.get(k, 0) for k in b if b[k] - a.get(k, 0)}

    def outstanding(self) -> int:
        out = self.router.exec("show aaa servers")
        return sum(int(x) for x in re.findall(r"Estimated Outstanding \w+ Transactions: (\d+)", out))

    def acct_count(self, what: str) -> int:
        return sum(1 for line in self.radius.linelog_lines() if line.startswith(what + " "))

    def auth_requests(self) -> int:
        try:
            return self.radius.auth_detail_path.read_text(errors="replace").count("\tUser-Name = ")
        except FileNotFoundError:
            return 0

    def clear(self, expect_stops: int = 0, timeout: float = 15.0):
        """`clear crypto session` on the router; wait until both charons hold no SA and the accounting Stops
        are answered.  The router forgets its SAs at once (as IOS does): a DELETE lost on the way leaves the
        client's SA behind, which is then dropped at the client."""
        stops0 = self.acct_count("Stop")
        self.router.exec("clear crypto session")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.local.count_sas() == 0 and self.aaa.count_sas() == 0 and \
                    self.acct_count("Stop") >= stops0 + expect_stops:
                if self.outstanding() == 0:         # the Stops' answers are in (late with a slow server)
                    break
            time.sleep(0.2)
        else:
            left = (self.local.flush(), self.aaa.flush())
            print(f"  (clear: not done after {timeout:g} s: SAs left at the clients (local, aaa) {left}, dropped "
                  f"there; accounting Stops {self.acct_count('Stop') - stops0}/{expect_stops}; RADIUS "
                  f"transactions outstanding at the router {self.outstanding()})", flush=True)
        left = self.router.exec("show crypto session").count("Session status")
        if left:
            print(f"  (clear: router still lists {left} sessions)", flush=True)
        time.sleep(0.3)

    def check_alive(self):
        if not self.router.alive():
            raise RuntimeError(f"iosflex died:\n{self.router.tail(40)}")

    # -- phase 1 --------------------------------------------------------------------------------------
    def one_profile(self, kind: str, n: int) -> dict:
        clients = self.local if kind == "LOCAL" else self.aaa
        rc0, dr0 = radius_counters(self.router), self.drops()
        starts0 = self.acct_count("Start")
        rad_cpu0 = cpu_ms(self.radius.pid)
        tick0, cpu0, us0 = self.router.cpu_ms(), cpu_ms(self.router.pid), user_sys_ms(self.router.pid)
        batch = clients.launch(list(range(n)))
        r = batch.wait(self.a.timeout)
        if kind == "AAA":                               # accounting Starts answered, then the same settle
            deadline = time.monotonic() + 10
            while self.acct_count("Start") < starts0 + r["established"] and time.monotonic() < deadline:
                time.sleep(0.02)
        time.sleep(0.3)
        tick1, cpu1, us1 = self.router.cpu_ms(), cpu_ms(self.router.pid), user_sys_ms(self.router.pid)
        rad_cpu1 = cpu_ms(self.radius.pid)
        est = r["established"]
        r.update(profile=kind, clients=n, router_ms=round(cpu1 - cpu0, 1),
                 router_ms_per_sa=round((cpu1 - cpu0) / est, 3) if est else None,
                 router_tick_ms_per_sa=round((tick1 - tick0) / est, 3) if est else None,
                 router_user_ms_per_sa=round((us1[0] - us0[0]) / est, 3) if est else None,
                 router_sys_ms_per_sa=round((us1[1] - us0[1]) / est, 3) if est else None,
                 radius_ms_per_sa=round((rad_cpu1 - rad_cpu0) / est, 3) if est and kind == "AAA" else None,
                 acct_starts=self.acct_count("Start") - starts0)
        pool = AAA_POOL if kind == "AAA" else LOCAL_POOL
        prefix = pool[1].rsplit(".", 2)[0] + "."
        r["vip_from_pool"] = sum(1 for v in r["vips"].values() if v and v.startswith(prefix))
        r["router_sessions"] = self.router.exec("show crypto session").count("UP-ACTIVE")
        self.check_alive()
        r.pop("vips")
        rc1, dr1 = radius_counters(self.router), self.drops()
        self.clear(expect_stops=r["acct_starts"] if kind == "AAA" else 0)
        rc2, dr2 = radius_counters(self.router), self.drops()
        r.update(radius_run=_delta(rc0, rc1), radius_clear=_delta(rc1, rc2), drops_run=self.drops_delta(dr0, dr1),
                 drops_clear=self.drops_delta(dr1, dr2))
        return r

    def phase_fast(self):
        n = self.n
        w = min(10, n)
        print(f"\n== warm-up: {w} LOCAL + {w} AAA sessions", flush=True)
        for kind in ("LOCAL", "AAA"):
            r = self.one_profile(kind, w)
            print(f"  {kind}: {r['established']}/{w} up", flush=True)
        print(f"\n== phase 1: {n} clients at once per run, FreeRADIUS answering at once, {self.a.repeats} runs "
              f"per profile ({PROPOSAL}, CHILD_SA + virtual IP each)", flush=True)
        print(f"{'run':<4} {'profile':<6} {'estab':>6} {'fail':>5} {'wall s':>7} {'SA/s':>7} {'95% SA/s':>8} "
              f"{'router ms/SA':>12} {'lat med/p95 s':>14} {'radius ms/SA':>12} {'acct Start':>10} {'VIP ok':>7}",
              flush=True)
        for rep in range(self.a.repeats):
            order = ("LOCAL", "AAA") if rep % 2 == 0 else ("AAA", "LOCAL")
            for kind in order:
                r = self.one_profile(kind, n)
                r["run"] = rep + 1
                self.results["fast"].append(r)
                print(f"{rep + 1:<4} {kind:<6} {r['established']:>6} {r['failed']:>5} {fmt(r['seconds']):>7} "
                      f"{fmt(r['rate'], 1):>7} {fmt(r['rate95'], 1):>8} {fmt(r['router_ms_per_sa'], 3):>12} "
                      f"{fmt(r['lat_med']) + '/' + fmt(r['lat_p95']):>14} {fmt(r['radius_ms_per_sa'], 3):>12} "
                      f"{r['acct_starts']:>10} {r['vip_from_pool']:>7}", flush=True)
                if r["failed"]:
                    print(f"     missing {r['missing']} {r['issue_errors']}", flush=True)
                self.print_extras(r, kind == "AAA")
        rows = self.results["fast"]
        loc = [r for r in rows if r["profile"] == "LOCAL"]
        aaa = [r for r in rows if r["profile"] == "AAA"]
        l_ms, a_ms = med(r["router_ms_per_sa"] for r in loc), med(r["router_ms_per_sa"] for r in aaa)
        l_rate, a_rate = med(r["rate"] for r in loc), med(r["rate"] for r in aaa)
        l_r95, a_r95 = med(r["rate95"] for r in loc), med(r["rate95"] for r in aaa)
        per_run = [ratio(a["router_ms_per_sa"], b["router_ms_per_sa"]) for a, b in zip(aaa, loc)]
        l_tick, a_tick = med(r["router_tick_ms_per_sa"] for r in loc), med(r["router_tick_ms_per_sa"] for r in aaa)
        l_us = [sum(r[f"router_{k}_ms_per_sa"] for r in loc) / len(loc) for k in ("user", "sys")] if loc else [0, 0]
        a_us = [sum(r[f"router_{k}_ms_per_sa"] for r in aaa) / len(aaa) for k in ("user", "sys")] if aaa else [0, 0]
        summary = {"local_ms_per_sa": l_ms, "aaa_ms_per_sa": a_ms, "ratio": ratio(a_ms, l_ms),
                   "ratio_per_run": [round(x, 3) if x else None for x in per_run],
                   "local_rate": l_rate, "aaa_rate": a_rate, "local_rate95": l_r95, "aaa_rate95": a_r95,
                   "local_lat_med": med(r["lat_med"] for r in loc), "aaa_lat_med": med(r["lat_med"] for r in aaa),
                   "radius_ms_per_sa": med(r["radius_ms_per_sa"] for r in aaa),
                   "local_tick_ms_per_sa": l_tick, "aaa_tick_ms_per_sa": a_tick, "tick_ratio": ratio(a_tick, l_tick)}
        self.results["fast_summary"] = summary
        print(f"\nmedians over {self.a.repeats} runs of {n} sessions:")
        print(f"  router CPU per established session: LOCAL {fmt(l_ms, 3)} ms, AAA {fmt(a_ms, 3)} ms; "
              f"AAA/LOCAL = {fmt(summary['ratio'])} (target <= 1.3; per run "
              f"{' '.join(fmt(x) for x in per_run)})")
        print_ratio_interval(per_run)
        print(f"  the same from /proc utime+stime (10 ms ticks, IosflexRouter.cpu_ms): LOCAL {fmt(l_tick, 3)} ms, "
              f"AAA {fmt(a_tick, 3)} ms; AAA/LOCAL = {fmt(summary['tick_ratio'])}")
        print(f"  user / system split (/proc ticks, mean of the runs): LOCAL user {l_us[0]:.3f} + sys {l_us[1]:.3f} "
              f"ms, AAA user {a_us[0]:.3f} + sys {a_us[1]:.3f} ms (system time: sockets; each datagram the router "
              f"sends is carried across the veth/bridge to its receiver on the router's time)")
        summary.update(local_user_sys=l_us, aaa_user_sys=a_us)
        print(f"  set-up rate (first initiation to last session up): LOCAL {fmt(l_rate, 1)} SA/s, AAA "
              f"{fmt(a_rate, 1)} SA/s (AAA/LOCAL {fmt(ratio(a_rate, l_rate))}); to 95 % of the sessions: LOCAL "
              f"{fmt(l_r95, 1)}, AAA {fmt(a_r95, 1)} SA/s")
        print(f"  latency median LOCAL {fmt(summary['local_lat_med'])} s, "
              f"AAA {fmt(summary['aaa_lat_med'])} s")
        print(f"  FreeRADIUS CPU per AAA session (3 transactions: PSK lookup, group authorization, accounting "
              f"Start): {fmt(summary['radius_ms_per_sa'], 3)} ms", flush=True)

    @staticmethod
    def print_extras(r: dict, radius: bool) -> None:
        if radius:
            print(f"     RADIUS during the run: {counters_text(r['radius_run'])}", flush=True)
            print(f"     RADIUS during the clear: {counters_text(r['radius_clear'])}", flush=True)
        if r.get("drops_run") or r.get("drops_clear"):
            print(f"     UDP datagrams dropped, socket receive buffer full (namespace:port): during the run "
                  f"{r['drops_run'] or 'none'}, during the clear {r['drops_clear'] or 'none'}", flush=True)

    # -- phase 2 ----------------------------------------------------------------------------------------
    def mixed_run(self, mode: str, n: int) -> dict:
        """mode "alone": LOCAL only; "together": AAA and LOCAL batches started at the same moment; "parked":
        LOCAL started once all AAA PSK lookups have reached the RADIUS server."""
        rc0, dr0 = radius_counters(self.router), self.drops()
        starts0 = self.acct_count("Start")
        auth0 = self.auth_requests()
        cpu0 = cpu_ms(self.router.pid)
        out: dict = {"mode": mode}
        ab = None
        if mode in ("together", "parked"):
            ab = self.aaa.launch(list(range(n)))
        if mode == "parked":
            t = time.monotonic()
            while self.auth_requests() < auth0 + n and time.monotonic() < t + 20:
                time.sleep(0.01)
            out["aaa_parked"] = self.auth_requests() - auth0
            out["parked_after_s"] = round(time.monotonic() - t, 3)
        lb = self.local.launch(list(range(n)))
        lr = lb.wait(self.a.timeout)
        lr.pop("vips")
        out["local"] = lr
        if ab is not None:
            out["aaa_up_when_local_done"] = len(ab.up_times())
            ar = ab.wait(self.a.timeout + 30)
            ar.pop("vips")
            out["aaa"] = ar
            deadline = time.monotonic() + 15
            while self.acct_count("Start") < starts0 + ar["established"] and time.monotonic() < deadline:
                time.sleep(0.05)
            if ab.issued and lb.issued:
                out["local_started_after_aaa_s"] = round(min(lb.issued.values()) - min(ab.issued.values()), 3)
        out["router_cpu_ms"] = round(cpu_ms(self.router.pid) - cpu0, 1)
        out["acct_starts"] = self.acct_count("Start") - starts0
        self.check_alive()
        rc1, dr1 = radius_counters(self.router), self.drops()
        self.clear(expect_stops=out["acct_starts"], timeout=40)
        rc2, dr2 = radius_counters(self.router), self.drops()
        out.update(radius_run=_delta(rc0, rc1), radius_clear=_delta(rc1, rc2),
                   drops_run=self.drops_delta(dr0, dr1), drops_clear=self.drops_delta(dr1, dr2))
        return out

    def mixed_phase(self, key: str, modes: tuple[str, ...]) -> dict:
        """`--repeats` rounds of `modes` against the RADIUS server running now; rows in results[key]."""
        n = self.n
        w = min(5, n)
        r = self.mixed_run("together", w)     # warm-up against this server
        print(f"  warm-up: LOCAL {r['local']['established']}/{w}, AAA {r['aaa']['established']}/{w} up", flush=True)
        print(f"{'run':<4} {'mode':<9} {'LOCAL up':>8} {'SA/s':>7} {'95% SA/s':>8} {'lat med/p95/max s':>19} "
              f"{'AAA up':>7} {'AAA lat med/max s':>18} {'AAA up at LOCAL end':>19} {'router ms':>9}", flush=True)
        rows = self.results.setdefault(key, [])
        for rep in range(self.a.repeats):
            for mode in modes:
                r = self.mixed_run(mode, n)
                r["run"] = rep + 1
                rows.append(r)
                lo, aa = r["local"], r.get("aaa")
                lat = f"{fmt(lo['lat_med'])}/{fmt(lo['lat_p95'])}/{fmt(lo['lat_max'])}"
                alat = f"{fmt(aa['lat_med'])}/{fmt(aa['lat_max'])}" if aa else "-"
                print(f"{rep + 1:<4} {mode:<9} {lo['established']:>8} {fmt(lo['rate'], 1):>7} "
                      f"{fmt(lo['rate95'], 1):>8} {lat:>19} {(aa['established'] if aa else '-')!s:>7} {alat:>18} "
                      f"{r.get('aaa_up_when_local_done', '-')!s:>19} {r['router_cpu_ms']:>9}", flush=True)
                if lo["failed"] or (aa and aa["failed"]):
                    print(f"     missing LOCAL {lo['missing']} AAA {aa['missing'] if aa else []}", flush=True)
                if mode == "parked":
                    print(f"     {r['aaa_parked']} AAA PSK lookups at the server {r['parked_after_s']} s after "
                          f"the AAA batch began; LOCAL batch began "
                          f"{r.get('local_started_after_aaa_s')} s after it", flush=True)
                self.print_extras(r, aa is not None)
        summ: dict = {}
        for mode in modes:
            rs = [r["local"] for r in rows if r["mode"] == mode]
            summ[mode] = {"rate": med(x["rate"] for x in rs), "rate95": med(x["rate95"] for x in rs),
                          "lat_med": med(x["lat_med"] for x in rs), "lat_p95": med(x["lat_p95"] for x in rs),
                          "router_drops": sum(v for r in rows if r["mode"] == mode
                                              for k, v in r["drops_run"].items() if k.startswith("router:"))}
            if mode != "alone":
                summ[mode]["aaa_lat_med"] = med(r["aaa"]["lat_med"] for r in rows if r["mode"] == mode)
        self.results[key + "_summary"] = summ
        return summ

    def phase_mixed(self):
        n, d = self.n, self.a.delay
        print(f"\n== phase 2a (control): FreeRADIUS answering at once; {n} LOCAL clients alone, and together with "
              f"{n} AAA clients", flush=True)
        fast = self.mixed_phase("mixed_fast", ("alone", "together"))
        print(f"\n== phase 2b: FreeRADIUS replies held {d:g} s (relay); {n} LOCAL clients alone, and with {n} AAA "
              f"clients (together; parked at the server)", flush=True)
        self.start_radius(d)
        slow = self.mixed_phase("mixed_slow", ("alone", "together", "parked"))
        base = slow["alone"]

        def line(label: str, x: dict, ref: dict, ref_name: str) -> None:
            aaa = f"; AAA sessions' latency median {fmt(x['aaa_lat_med'])} s" if "aaa_lat_med" in x else ""
            print(f"  {label + ':':<44}{fmt(x['rate'], 1):>7} SA/s (95 %: {fmt(x['rate95'], 1):>6}), latency "
                  f"median {fmt(x['lat_med'])} s, p95 {fmt(x['lat_p95'])} s; router dropped {x['router_drops']} "
                  f"datagrams{aaa}")
            if ref is not x:
                print(f"  {'':<44}rate / {ref_name}: {fmt(ratio(x['rate'], ref['rate']))} (95 %: "
                      f"{fmt(ratio(x['rate95'], ref['rate95']))}), latency median / {ref_name}: "
                      f"{fmt(ratio(x['lat_med'], ref['lat_med']))}")

        print(f"\nmedians over {self.a.repeats} runs, {n} LOCAL clients:")
        line("alone, RADIUS server slow", base, base, "")
        line(f"{n} AAA parked at the slow server", slow["parked"], base, "alone")
        line(f"{n} AAA started together, slow server", slow["together"], base, "alone")
        line(f"{n} AAA started together, fast server", fast["together"], fast["alone"], "alone (fast)")
        print(f"  {'':<44}slow-server together / fast-server together: rate "
              f"{fmt(ratio(slow['together']['rate'], fast['together']['rate']))} (95 %: "
              f"{fmt(ratio(slow['together']['rate95'], fast['together']['rate95']))}), latency median "
              f"{fmt(ratio(slow['together']['lat_med'], fast['together']['lat_med']))}")
        print("  ('parked': the AAA clients' IKE_SA_INIT and IKE_AUTH are in before the LOCAL batch starts, their "
              "PSK lookups wait at the server meanwhile; 'together': both initiators send at the same moment, the "
              "router does both batches' IKE work at once, whatever the RADIUS server does)", flush=True)


def print_ratio_interval(per_run: list) -> None:
    """The runs' own AAA/LOCAL ratios: their median and its 95 % bootstrap interval (what a run's scatter leaves
    of the figure: on this 2-core machine single runs differ by more than the target's margin)."""
    mi = median_interval(per_run)
    if mi is not None:
        print(f"  the {sum(1 for x in per_run if x is not None)} runs' own ratios: median {mi[0]:.2f}, 95 % bootstrap "
              f"interval {mi[1]:.2f}-{mi[2]:.2f}, runs {min(x for x in per_run if x):.2f}-"
              f"{max(x for x in per_run if x):.2f}")


def combine(paths: list[str]) -> int:
    """`--combine A.json B.json ...`: the phase-1 runs of earlier invocations (their --json files) pooled."""
    per_run: list = []
    for p in paths:
        summary = json.loads(Path(p).read_text()).get("fast_summary") or {}
        per_run += [x for x in summary.get("ratio_per_run", []) if x is not None]
    if not per_run:
        print("no phase-1 runs in those files", file=sys.stderr)
        return 2
    print(f"AAA/LOCAL router CPU per session, {len(paths)} invocations pooled (target <= 1.3):")
    print_ratio_interval(per_run)
    return 0


def _delta(a: dict, b: dict) -> dict:
    out = {}
    for kind, vals in b.items():
        before = a.get(kind, {})
        out[kind] = {k: (v - before.get(k, 0) if k != "time_ms" else v) for k, v in vals.items()}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=200, help="clients per batch (default 200)")
    ap.add_argument("--repeats", type=int, default=5, help="runs per profile / mode (default 5)")
    ap.add_argument("--quick", action="store_true", help="20 clients, 2 runs")
    ap.add_argument("--delay", type=float, default=2.0, help="RADIUS reply delay of phase 2 (s)")
    ap.add_argument("--timeout", type=float, default=90.0, help="seconds to wait for a batch")
    ap.add_argument("--skip-slow", action="store_true", help="phase 1 only")
    ap.add_argument("--skip-fast", action="store_true", help="phase 2 only")
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--combine", nargs="+", metavar="JSON",
                    help="print the phase-1 ratios of earlier --json files pooled, run nothing")
    a = ap.parse_args(argv)
    if a.combine:
        return combine(a.combine)
    if a.quick:
        a.clients, a.repeats = 20, 2
    if os.geteuid() != 0:
        print("bench_aaa needs root (network namespaces)", file=sys.stderr)
        return 2
    S.require_strongswan()
    require_freeradius()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))      # so that the namespaces are removed
    tmp = Path(tempfile.mkdtemp(prefix="bench-aaa-"))
    b = Bench(a, tmp)
    print(f"bench_aaa: {a.clients} clients per batch, {a.repeats} runs; work files in {tmp}", flush=True)
    try:
        b.up()
        if not a.skip_fast:
            b.phase_fast()
        if not a.skip_slow:
            b.phase_mixed()
    except Exception:
        if b.router is not None:
            print(f"--- iosflex log tail ---\n{b.router.tail(40)}", file=sys.stderr)
        raise
    finally:
        b.down()
    if a.json:
        Path(a.json).write_text(json.dumps(b.results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""EAP-MSCHAPv2 session set-up through FreeRADIUS, many clients at once: iosflex against the strongSwan NAS
(charon with eap-radius) in the same run, same FreeRADIUS, same clients, same router certificate.

Namespaces are made here (tests/interop/netns.py) and removed at the end: client 172.16.1.1 (one charon with
N connections cI, IKE and EAP identity uI, EAP-MSCHAPv2, the router authenticated by its RSA certificate),
router 172.16.1.2 (in turn iosflex, tests/interop/router.py `eap_startup_config`, debug off, and the
strongSwan NAS, tests/interop/strongswan.py `nas_strongswan_conf` / `nas_responder_conf`, log level 0), and
FreeRADIUS on 172.16.1.3 (multi-threaded, users u0..uN-1, accounting to a detail file).  No default route,
nothing leaves the machine.  Both NASes relay EAP to FreeRADIUS (EAP-Identity asked by the NAS, MD5
proposed by FreeRADIUS, NAK to MSCHAPv2: 4 RADIUS round trips a session), send an accounting Start per
session and hand out a virtual IP from a local pool.

Per run, for one NAS: it is started, the N initiations are handed to the client's charon at once (VICI
`initiate` without waiting), the CHILD_SA-up events give each session's set-up time; the run ends when every
session is up (or the timeout) and FreeRADIUS has the accounting Starts.  Printed: the NAS process's CPU
(utime+stime from /proc/<pid>/stat, 10 ms ticks, and its POSIX CPU clock, ns resolution) from the first
initiation to the end, per established session; the set-up rate (sessions / (last up - first initiation));
latency median and p95.  The clients drop their SAs by force and the NAS is stopped between runs; the two
NASes alternate, which goes first alternating too (interleaved runs).  Summary: medians per NAS and the
ratio iosflex / strongSwan of the CPU per session (target <= 1.0) and of the rates.

    sudo python bench/bench_eap.py [--clients 50] [--repeats 3] [--timeout 60] [--json FILE]

If iosflex cannot set up the sessions (its EAP relay missing or broken), its runs print FAILED with the
reason and the strongSwan half's figures are still printed.  Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from interop import strongswan as S  # noqa: E402
from interop.benchlib import Clients, cpu_ms, fmt, med, pct, ratio  # noqa: E402
from interop.freeradius import FreeRadius, require_freeradius, user_entry  # noqa: E402
from interop.netns import Lab  # noqa: E402
from interop.router import IosflexRouter, eap_startup_config, pki_import_lines  # noqa: E402

SECRET = "radius_key"
PROPOSAL = "aes256-sha256-ecp256"
NAS_POOL = "10.33.0.0/16"          # the strongSwan NAS's pool; iosflex: the `bench` policy's benchpool


def password(i: int) -> str:
    return f"eap-pw-{i:04d}"


def users_file(n: int) -> str:
    return "".join(user_entry(f"u{i}", password(i)) for i in range(n))


def eap_clients(host, work: Path, n: int, ca_pem: bytes) -> Clients:
    """N EAP-MSCHAPv2 connections cI (IKE and EAP identity uI); the RSA CA loaded as trusted."""

    def setup(v, i):
        if i == 0:
            v._check("load-cert", v.request("load-cert", {"type": "x509", "flag": "CA", "data": ca_pem})[0])
        v.load_shared(password(i), [f"u{i}"], kind="EAP", sid=f"e{i}")
        v.load_conn(f"c{i}", {
            "version": "2", "remote_addrs": ["172.16.1.2"], "proposals": [PROPOSAL], "vips": ["0.0.0.0"],
            "mobike": "no", "rekey_time": "0", "dpd_delay": "0", "unique": "never",
            "local": {"auth": "eap-mschapv2", "id": f"u{i}", "eap_id": f"u{i}"},
            "remote": {"auth": "pubkey", "id": S.ROUTER_FQDN},
            "children": {"net": {"remote_ts": [S.INSIDE_NET], "esp_proposals": ["aes256-sha256"],
                                 "rekey_time": "0", "start_action": "none"}},
        })

    return Clients(host, work, n, setup, load=S.EAP_CLIENT_PLUGINS)


class IosflexNas:
    name = "iosflex"

    def __init__(self, lab, pki, work: Path):
        self.router = IosflexRouter(lab.router, work, eap_startup_config(policy="bench"), pki_import_lines(pki),
                                    debug=False, listen=[lab.router.ip])

    def start(self):
        self.router.start()

    def stop(self):
        self.router.stop()

    @property
    def pid(self):
        return self.router.pid

    def tail(self) -> str:
        lines = [ln for ln in self.router.tail(80).splitlines() if not ln.startswith("setup: ")]
        return "\n".join(lines[-25:])


class StrongswanNas:
    name = "strongswan"

    def __init__(self, lab, pki, work: Path):
        self.charon = S.Charon(lab.router, work, "responder", S.nas_strongswan_conf(log_level=0),
                               S.nas_responder_conf(pool=NAS_POOL))
        pki.install(self.charon.swanctl_dir, [pki.router["rsa"]])

    def start(self):
        self.charon.start()

    def stop(self):
        self.charon.stop()

    @property
    def pid(self):
        return self.charon.pid

    def tail(self) -> str:
        return self.charon.tail(30)


def proc_ticks_ms(pid) -> float:
    """utime+stime from /proc/<pid>/stat in ms (10 ms ticks)."""
    return S.proc_cpu_ms(pid)


class Bench:
    def __init__(self, args, tmp: Path):
        self.a = args
        self.tmp = tmp
        self.n = args.clients
        self.lab = self.radius = self.clients = None
        self.pki = S.Pki()
        self.results: dict = {"clients": self.n, "repeats": args.repeats, "runs": []}

    def up(self):
        self.lab = Lab(clients=1, radius=True).up()
        self.lab.add_address(self.lab.router, "10.0.0.1/32")
        self.radius = FreeRadius(self.lab.radius_host, self.tmp / "radius", secret=SECRET,
                                 users=users_file(self.n), ports=((1645, 1646),), debug=False,
                                 linelog=False).start()
        self.clients = eap_clients(self.lab.client_hosts[0], self.tmp / "clients", self.n,
                                   self.pki.ca["rsa"].cert_pem)

    def down(self):
        if self.clients is not None:
            self.clients.stop()
        if self.radius is not None:
            self.radius.stop()
        if self.lab is not None:
            self.lab.down()

    def starts(self) -> int:
        return sum(1 for r in self.radius.detail_records() if r.get("Acct-Status-Type") == "Start")

    def one_run(self, nas_cls, rep: int) -> dict:
        n = self.n
        nas = nas_cls(self.lab, self.pki, self.tmp / f"{nas_cls.name}-{rep}")
        row: dict = {"nas": nas_cls.name, "run": rep + 1}
        try:
            nas.start()
        except Exception as exc:  # noqa: BLE001  reported, the other half goes on
            row["error"] = f"did not start: {exc}"[:600]
            nas.stop()
            return row
        try:
            starts0 = self.starts()
            tick0, cpu0 = proc_ticks_ms(nas.pid), cpu_ms(nas.pid)
            batch = self.clients.launch(list(range(n)))
            r = batch.wait(self.a.timeout)
            deadline = time.monotonic() + 10
            while self.starts() - starts0 < r["established"] and time.monotonic() < deadline:
                time.sleep(0.05)
            tick1, cpu1 = proc_ticks_ms(nas.pid), cpu_ms(nas.pid)
            est = r["established"]
            row.update({k: r[k] for k in ("established", "failed", "seconds", "rate", "rate95", "lat_med",
                                          "lat_p95", "missing")})
            row["acct_starts"] = self.starts() - starts0
            row["cpu_ms"] = round(cpu1 - cpu0, 1)
            row["tick_ms"] = round(tick1 - tick0, 1)
            row["ms_per_sa"] = (cpu1 - cpu0) / est if est else None
            row["tick_ms_per_sa"] = (tick1 - tick0) / est if est else None
            if not est:
                row["error"] = f"no session established ({r['issue_errors'] or 'no CHILD_SA up'})"
                row["tail"] = nas.tail()
        finally:
            self.clients.flush()
            nas.stop()
        return row

    def run(self) -> int:
        order = [IosflexNas, StrongswanNas]
        print(f"== {self.n} EAP-MSCHAPv2 clients at once per run ({PROPOSAL}, RSA router certificate, CHILD_SA + "
              f"virtual IP + accounting Start each), {self.a.repeats} interleaved runs per NAS", flush=True)
        print(f"{'run':<4} {'NAS':<11} {'estab':>5} {'fail':>5} {'wall s':>7} {'SA/s':>7} {'95% SA/s':>8} "
              f"{'CPU ms/SA':>10} {'ticks ms/SA':>11} {'lat med/p95 s':>14} {'acct':>5}", flush=True)
        for rep in range(self.a.repeats):
            for cls in (order if rep % 2 == 0 else order[::-1]):
                row = self.one_run(cls, rep)
                self.results["runs"].append(row)
                if "established" in row:
                    print(f"{rep + 1:<4} {row['nas']:<11} {row['established']:>5} {row['failed']:>5} "
                          f"{fmt(row['seconds']):>7} {fmt(row['rate'], 1):>7} {fmt(row['rate95'], 1):>8} "
                          f"{fmt(row['ms_per_sa'], 3):>10} {fmt(row['tick_ms_per_sa'], 3):>11} "
                          f"{fmt(row['lat_med']) + '/' + fmt(row['lat_p95']):>14} {row['acct_starts']:>5}",
                          flush=True)
                if row.get("error"):
                    print(f"{rep + 1:<4} {row['nas']:<11} FAILED: {row['error']}", flush=True)
                    if row.get("tail"):
                        print("     " + row["tail"].strip().replace("\n", "\n     "), flush=True)
        return self.summary()

    def summary(self) -> int:
        by = {name: [r for r in self.results["runs"] if r["nas"] == name and r.get("established")]
              for name in ("iosflex", "strongswan")}
        summ = {}
        print(f"\nmedians over the runs of {self.n} sessions:")
        for name, rows in by.items():
            s = {"runs_ok": len(rows), "ms_per_sa": med(r["ms_per_sa"] for r in rows),
                 "tick_ms_per_sa": med(r["tick_ms_per_sa"] for r in rows), "rate": med(r["rate"] for r in rows),
                 "rate95": med(r["rate95"] for r in rows), "lat_med": med(r["lat_med"] for r in rows),
                 "lat_p95": pct([r["lat_p95"] for r in rows if r["lat_p95"] is not None], 50),
                 "established": med(r["established"] for r in rows)}
            summ[name] = s
            if not rows:
                errs = [r.get("error", "") for r in self.results["runs"] if r["nas"] == name]
                print(f"  {name:<11}: FAILED, no run set up a session ({errs[0] if errs else 'not run'})")
                continue
            print(f"  {name:<11}: CPU per established session {fmt(s['ms_per_sa'], 3)} ms (/proc ticks "
                  f"{fmt(s['tick_ms_per_sa'], 3)} ms), set-up rate {fmt(s['rate'], 1)} SA/s (95 %: "
                  f"{fmt(s['rate95'], 1)}), latency median {fmt(s['lat_med'])} s, sessions up "
                  f"{fmt(s['established'], 0)}/{self.n}")
        i, w = summ["iosflex"], summ["strongswan"]
        pairs = [(a, b) for a in self.results["runs"] for b in self.results["runs"]
                 if a["nas"] == "iosflex" and b["nas"] == "strongswan" and a["run"] == b["run"]
                 and a.get("ms_per_sa") and b.get("ms_per_sa")]
        per_run = [ratio(a["ms_per_sa"], b["ms_per_sa"]) for a, b in pairs]
        summ["ratio_cpu"] = ratio(i["ms_per_sa"], w["ms_per_sa"])
        summ["ratio_tick"] = ratio(i["tick_ms_per_sa"], w["tick_ms_per_sa"])
        summ["ratio_rate"] = ratio(i["rate"], w["rate"])
        if summ["ratio_cpu"] is None:
            print("  iosflex / strongSwan: n/a (the iosflex half FAILED: see its runs above)")
        else:
            print(f"  iosflex / strongSwan CPU per session = {fmt(summ['ratio_cpu'])} (target <= 1.0; per run "
                  f"{' '.join(fmt(x) for x in per_run)}; from /proc ticks {fmt(summ['ratio_tick'])}); set-up "
                  f"rate iosflex / strongSwan = {fmt(summ['ratio_rate'])}")
        self.results["summary"] = summ
        return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50, help="sessions set up at once per run (default 50)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per NAS, interleaved (default 3)")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds a run waits for its sessions")
    ap.add_argument("--json", help="write the figures here")
    a = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("bench_eap needs root (network namespaces)", file=sys.stderr)
        return 2
    S.require_strongswan()
    require_freeradius()
    tmp = Path(tempfile.mkdtemp(prefix="bench-eap-"))
    print(f"bench_eap: {a.clients} clients per batch, {a.repeats} runs per NAS; work files in {tmp}", flush=True)
    b = Bench(a, tmp)
    try:
        b.up()
        rc = b.run()
    finally:
        b.down()
    if a.json:
        Path(a.json).write_text(json.dumps(b.results, indent=2, default=str))
    return rc


if __name__ == "__main__":
    sys.exit(main())

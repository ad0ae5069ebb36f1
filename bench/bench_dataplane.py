"""Data-plane throughput through the tunnel (issue 10, item 6): iosflex `--dataplane tun` against a strongSwan
responder with kernel-libipsec (both userspace ESP over a TUN device) on the same path, in the same run.

Namespaces are made here (tests/interop/netns.py): the strongSwan client (kernel-libipsec) in client1
(172.16.1.1), the responder in the router namespace (172.16.1.2), 10.0.0.1/32 on the router namespace's lo as
the address behind it; everything is removed at the end.  For each round, each responder in turn (the order
alternates): start it, connect the client (PSK, a virtual IP, the chosen ESP transform), then Debian's iperf3
from the client's virtual IP to 10.0.0.1 through the tunnel: TCP client->router, TCP router->client (-R) and
UDP with 64-octet payloads, unlimited rate (packets per second received).  Printed: medians per responder and
the ratio iosflex / strongSwan (target >= 1.0), and the responder's CPU time per test.  Then, for the cost of a
packet apart from how the two cores were shared: UDP at a fixed rate (--rate, 1300-octet payloads) each way,
the responder's CPU time per packet received (microseconds; lower is better, so the ratio is inverted:
strongSwan / iosflex, >= 1.0 when iosflex spends less).

The client's own kernel-libipsec is on the path of both responders: the figures are of the whole path, the
ratio is what compares the responders.  Figures only, nothing asserted.

    sudo python bench/bench_dataplane.py [--rounds 3] [--seconds 3] [--cipher aes-gcm|aes-cbc] [--rate 100M] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from interop import strongswan as S  # noqa: E402
from interop.benchlib import fmt, med, ratio  # noqa: E402
from interop.netns import Lab, popen_in_ns, stop_process  # noqa: E402
from interop.router import IosflexRouter, ios_startup_config  # noqa: E402

INSIDE = "10.0.0.1"
ME = "c1.psk.flex.lab"
TESTS = ("tcp_up_mbps", "tcp_down_mbps", "udp64_kpps")
COSTS = ("cpu_us_per_pkt_up", "cpu_us_per_pkt_down")  # fixed-rate UDP: the responder's CPU per packet


def iperf(lab, server_host, client_host, args: list[str], seconds: int) -> dict:
    srv = popen_in_ns(server_host.ns, ["iperf3", "-s", "-1", "-B", INSIDE, "-p", "5201"],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        cp = lab.run(client_host, ["iperf3", "-c", INSIDE, "-p", "5201", "-t", str(seconds), "-J", *args],
                     check=False, timeout=seconds + 30)
        try:
            return json.loads(cp.stdout)
        except ValueError:
            return {"error": cp.stdout[-300:] + cp.stderr[-300:]}
    finally:
        stop_process(srv, grace=2)


def measure(lab, seconds: int, resp, rate: str) -> dict:
    out = {}
    cpu0 = resp.cpu_ms()
    r = iperf(lab, lab.router, lab.client_hosts[0], [], seconds)
    out["tcp_up_mbps"] = r["end"]["sum_received"]["bits_per_second"] / 1e6 if "end" in r else None
    r = iperf(lab, lab.router, lab.client_hosts[0], ["-R"], seconds)
    out["tcp_down_mbps"] = r["end"]["sum_received"]["bits_per_second"] / 1e6 if "end" in r else None
    r = iperf(lab, lab.router, lab.client_hosts[0], ["-u", "-b", "0", "-l", "64"], seconds)
    if "end" in r:
        s = r["end"]["sum"]
        out["udp64_kpps"] = (s["packets"] - s["lost_packets"]) / s["seconds"] / 1e3
        out["udp64_loss_pct"] = s.get("lost_percent")
    else:
        out["udp64_kpps"] = None
    out["cpu_ms_per_test"] = (resp.cpu_ms() - cpu0) / len(TESTS)
    for key, extra in zip(COSTS, ([], ["-R"])):
        cpu0 = resp.cpu_ms()
        r = iperf(lab, lab.router, lab.client_hosts[0], ["-u", "-b", rate, "-l", "1300", *extra], seconds)
        cpu = resp.cpu_ms() - cpu0
        s = r.get("end", {}).get("sum", {})
        got = s.get("packets", 0) - s.get("lost_packets", 0)
        out[key] = cpu * 1000 / got if got > 0 else None
    return out


class Iosflex:
    name = "iosflex"

    def __init__(self, lab, work):
        self.r = IosflexRouter(lab.router, work, ios_startup_config(), [], debug=False, dataplane="tun")

    def start(self):
        self.r.start()

    def stop(self):
        self.r.stop()

    def cpu_ms(self):
        return self.r.cpu_ms()


class Strongswan:
    name = "strongswan"

    def __init__(self, lab, work):
        conf = S.strongswan_conf("responder", log_level=0, extra={"install_routes": "yes"})
        sw = S.responder_conf()
        sw["connections"] = {"psk": sw["connections"]["psk"]}  # no certificates here
        self.c = S.Charon(lab.router, work, "responder", conf, sw)

    def start(self):
        self.c.start()

    def stop(self):
        self.c.stop()

    def cpu_ms(self):
        return self.c.cpu_ms()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--cipher", default="aes-gcm", choices=sorted(S.CIPHERS))
    ap.add_argument("--rate", default="100M", help="iperf3 -b of the fixed-rate UDP tests (default 100M)")
    ap.add_argument("--json")
    args = ap.parse_args()
    S.require_strongswan()
    if shutil.which("iperf3") is None:
        print("iperf3 missing: run .ci/install-peers", file=sys.stderr)
        return 2
    results: dict[str, list[dict]] = {"iosflex": [], "strongswan": []}
    tmp = Path(tempfile.mkdtemp(prefix="bench-dp-"))
    with Lab(clients=1) as lab:
        lab.add_address(lab.router, f"{INSIDE}/32")
        conn = S.client_conn("psk", ME, group=19, cipher=args.cipher)
        sw = {"connections": {"psk": conn},
              "secrets": {"ike-me": {"id-a": ME, "id-b": S.ROUTER_FQDN, "secret": f'"{S.PSK}"'}}}
        client = S.Charon(lab.client_hosts[0], tmp / "client", "client", S.strongswan_conf("client", log_level=0), sw)
        client.start()
        try:
            for rnd in range(args.rounds):
                order = (Iosflex, Strongswan) if rnd % 2 == 0 else (Strongswan, Iosflex)
                for cls in order:
                    resp = cls(lab, tmp / f"{cls.name}-{rnd}")
                    resp.start()
                    try:
                        ok, _, err = client.vici.initiate("psk", "net")
                        if not ok:
                            print(f"{cls.name}: initiate failed: {err}", file=sys.stderr)
                            continue
                        time.sleep(0.3)
                        m = measure(lab, args.seconds, resp, args.rate)
                        results[cls.name].append(m)
                        print(f"round {rnd + 1} {cls.name:10s} " + "  ".join(
                            f"{k} {fmt(v, 1)}" for k, v in m.items()), flush=True)
                    finally:
                        try:
                            client.vici.terminate("psk", timeout_ms=3000)
                        except Exception:  # noqa: BLE001
                            pass
                        resp.stop()
        finally:
            client.stop()
    print(f"\nmedians over {args.rounds} rounds, {args.seconds} s each, ESP {S.CIPHERS[args.cipher][1]}:")
    print(f"{'':20s}{'iosflex':>12s}{'strongswan':>12s}{'ratio':>8s}")
    summary = {}
    for k in (*TESTS, "cpu_ms_per_test", *COSTS):
        a = med([m.get(k) for m in results["iosflex"]])
        b = med([m.get(k) for m in results["strongswan"]])
        r = ratio(b, a) if k in COSTS else ratio(a, b)  # a cost: strongSwan / iosflex
        summary[k] = {"iosflex": a, "strongswan": b, "ratio": r}
        print(f"{k:20s}{fmt(a, 1):>12s}{fmt(b, 1):>12s}{fmt(r):>8s}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rounds": results, "summary": summary}, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Helpers shared by the benches that drive many strongSwan clients at once (bench/bench_aaa.py,
bench/bench_eap.py): statistics (pct, med, fmt, ratio), `Clients` / `Batch` (N connections in one charon,
initiated without waiting, followed through child-updown events), a process's CPU time and the UDP
receive-buffer drops of a namespace.  Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time
from pathlib import Path
from typing import Callable

from . import strongswan as S
from .netns import sh


# ---------------------------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    k = min(len(v) - 1, max(0, round(p / 100 * (len(v) - 1))))
    return v[k]


def med(values) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def median_interval(values, draws: int = 10000, seed: int = 1) -> tuple[float, float, float] | None:
    """The median of `values` and its 95 % bootstrap interval (resampled with replacement, a fixed seed so
    that the same figures print the same interval)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    rnd = random.Random(seed)
    meds = sorted(statistics.median(rnd.choices(vals, k=len(vals))) for _ in range(draws))
    return statistics.median(vals), meds[int(0.025 * draws)], meds[int(0.975 * draws) - 1]


def fmt(v, nd: int = 2) -> str:
    return "n/a" if v is None else f"{v:.{nd}f}"


def ratio(a, b) -> float | None:
    return a / b if a is not None and b else None


# ---------------------------------------------------------------------------------------------------------
# the clients: one charon per client namespace, one connection per client
# ---------------------------------------------------------------------------------------------------------

class Clients:
    """N connections cI (I = 0..n-1) in one charon; batches are initiated without waiting and followed through
    charon's child-updown events.  `setup(vici, i)` loads connection "cI" and whatever secret it needs (see
    bench/bench_aaa.py: PSK, bench/bench_eap.py: EAP-MSCHAPv2); `load`: charon's plugin list (default
    strongswan.PLUGINS)."""

    def __init__(self, host, work: Path, n: int, setup: Callable, load: str | None = None):
        self.host, self.n = host, n
        conf = S.strongswan_conf("client", log_level=int(os.environ.get("BENCH_LOG", "0")), extra={
            "install_routes": "no", "threads": 32,
            "retransmit_tries": 4, "retransmit_timeout": 4.0,
            "ikesa_table_size": 4096})
        if load:
            conf["charon"]["load"] = load
        self.charon = S.Charon(host, work, "client", conf, {})
        self.charon.start()
        v = self.charon.vici
        for i in range(n):
            setup(v, i)
        self.events = S.Events(self.charon.vici_path, names=("child-updown",))

    def launch(self, indices: list[int]) -> "Batch":
        return Batch(self, indices)

    def count_sas(self) -> int:
        return len(self.charon.vici.list_sa_list())

    def flush(self) -> int:
        """Drop every IKE SA charon still holds, by force and without waiting for the peer (whose SA is
        gone already); returns how many there were."""
        v = self.charon.vici
        left = v.list_sa_list()
        for _, sa in left:
            v.request("terminate", {"ike-id": str(sa.get("uniqueid")), "force": "yes", "timeout": "-1"})
        deadline = time.monotonic() + 10
        while self.count_sas() and time.monotonic() < deadline:
            time.sleep(0.1)
        return len(left)

    def stop(self):
        try:
            self.events.close()
        except Exception:  # noqa: BLE001
            pass
        self.charon.stop()


class Batch:
    """One batch of initiations: issued from a thread of its own (so two batches can start together)."""

    def __init__(self, clients: Clients, indices: list[int]):
        self.clients = clients
        self.indices = list(indices)
        self.mark = clients.events.mark()
        self.issued: dict[str, float] = {}
        self.vips: dict[str, str | None] = {}
        self.errors: list[str] = []
        self.issuing = threading.Thread(target=self._issue, daemon=True)
        self.t0 = time.monotonic()
        self.issuing.start()

    def _issue(self):
        v = S.Vici(self.clients.charon.vici_path, timeout=20)
        for i in self.indices:
            name = f"c{i}"
            self.issued[name] = time.monotonic()
            try:
                body, _ = v.request("initiate", {"ike": name, "child": "net", "timeout": "-1",
                                                 "init-limits": "no"})
                if body.get("success") == "no":
                    self.errors.append(f"{name}: {body.get('errmsg')}")
            except Exception as exc:  # noqa: BLE001  counted as a failure
                self.errors.append(f"{name}: {exc!r}")

    def up_times(self) -> dict[str, float]:
        """conn name -> monotonic time its CHILD_SA came up (events after this batch started)."""
        ev = self.clients.events
        want = {f"c{i}" for i in self.indices}
        out: dict[str, float] = {}
        with ev.cond:
            items = list(ev.events[self.mark:])
        for t, name, body in items:
            if name != "child-updown" or body.get("up") != "yes":
                continue
            for k, sa in body.items():
                if k in want and isinstance(sa, dict) and k not in out:
                    out[k] = t
                    vips = sa.get("local-vips") or []
                    self.vips[k] = vips[0] if vips else None
        return out

    def wait(self, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        self.issuing.join(timeout)
        ev = self.clients.events
        while True:
            ups = self.up_times()
            if len(ups) >= len(self.indices) or time.monotonic() > deadline:
                break
            with ev.cond:
                ev.cond.wait(0.2)
        ups = self.up_times()
        lat = [ups[k] - self.issued[k] for k in ups if k in self.issued]
        first = min(self.issued.values()) if self.issued else self.t0
        last = max(ups.values()) if ups else None
        wall = (last - first) if last else None
        ts = sorted(ups.values())
        k95 = -(-len(self.indices) * 95 // 100)
        rate95 = round(k95 / (ts[k95 - 1] - first), 1) if len(ts) >= k95 and ts[k95 - 1] > first else None
        missing = sorted((f"c{i}" for i in self.indices if f"c{i}" not in ups), key=lambda s: int(s[1:]))
        return {"established": len(ups), "failed": len(self.indices) - len(ups), "missing": missing[:10],
                "issue_errors": self.errors[:3], "first": first, "last": last,
                "seconds": round(wall, 3) if wall else None,
                "rate": round(len(ups) / wall, 1) if wall else None, "rate95": rate95,
                "lat_med": med(lat), "lat_p95": pct(lat, 95), "lat_max": max(lat) if lat else None,
                "vips": dict(self.vips)}


# ---------------------------------------------------------------------------------------------------------
# processes and sockets
# ---------------------------------------------------------------------------------------------------------

def cpu_ms(pid: int | None) -> float:
    """A process's CPU time (all threads, user + system) in ms with nanosecond resolution: its POSIX CPU clock
    (clock_getcpuclockid's value, MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)); /proc's utime+stime (10 ms
    ticks) where that clock is not available."""
    if not pid:
        return 0.0
    try:
        return time.clock_gettime(((~pid) << 3) | 2) * 1000.0
    except OSError:
        return S.proc_cpu_ms(pid)


def user_sys_ms(pid: int | None) -> tuple[float, float]:
    """(utime, stime) in ms (/proc, 10 ms ticks): the process's own work and what the kernel does for it (a
    datagram sent over the veth/bridge path is carried to the receiving socket in the sender's time)."""
    if not pid:
        return 0.0, 0.0
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(f[11]) * 1000.0 / tick, int(f[12]) * 1000.0 / tick


def udp_drops(host) -> dict[int, int]:
    """Datagrams each UDP socket of the namespace dropped because its receive buffer was full, by local port
    (the `drops` column of /proc/net/udp; sockets on the same port added up)."""
    text = sh(["ip", "netns", "exec", host.ns, "cat", "/proc/net/udp"], check=False).stdout
    out: dict[int, int] = {}
    for line in text.splitlines()[1:]:
        f = line.split()
        if len(f) < 13 or ":" not in f[1]:
            continue
        port = int(f[1].rsplit(":", 1)[1], 16)
        out[port] = out.get(port, 0) + int(f[-1])
    return out

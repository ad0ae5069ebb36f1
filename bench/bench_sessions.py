"""Many SSH sessions at once: N concurrent asyncssh clients (default 50) each run M show commands (default 100)
against a headless iosflex on loopback; prints session set-up time and per-command latency percentiles.

Targets (issue 3): set-up under 200 ms, p99 command latency under 50 ms at 50 sessions.  This prints figures;
it asserts nothing about time (tests/test_remote.py checks that such a load completes without error).

Set-up is measured twice: for the 50 load sessions, which all connect at the same instant (a burst of 50 key
exchanges on one router process), and for new sessions that arrive one at a time while the 50 run their
commands, from a process of their own (as a user's ssh client would be).

    python bench/bench_sessions.py [--sessions 50] [--commands 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from iosflex.router import default_config_text  # noqa: E402

COMMANDS = ["show clock", "show version", "show users", "show ip interface brief", "show running-config",
            "show line vty 0", "show ssh", "show terminal"]
PROMPT = "\r\nRouter#"


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    k = min(len(v) - 1, max(0, round(p / 100 * (len(v) - 1))))
    return v[k]


async def one_session(port: int, n_cmds: int, setups: list, lats: list):
    t0 = time.perf_counter()
    async with asyncssh.connect("127.0.0.1", port, username="cisco", password="cisco", known_hosts=None,
                                client_keys=None) as conn:
        proc = await conn.create_process(term_type="vt100", term_size=(511, 1000))
        await proc.stdout.readuntil("Router#")
        setups.append(time.perf_counter() - t0)
        proc.stdin.write("terminal length 0\n")
        await proc.stdout.readuntil(PROMPT)
        for i in range(n_cmds):
            cmd = COMMANDS[i % len(COMMANDS)]
            t = time.perf_counter()
            proc.stdin.write(cmd + "\n")
            out = await proc.stdout.readuntil(PROMPT)
            lats.append(time.perf_counter() - t)
            if "% Invalid" in out or "% Incomplete" in out:
                raise RuntimeError(f"{cmd}: {out}")
        proc.stdin.write("exit\n")
        await proc.wait_closed()


async def probe(port: int) -> float:
    """Set-up time of one new session (connect, auth, first prompt), which then leaves."""
    t0 = time.perf_counter()
    async with asyncssh.connect("127.0.0.1", port, username="cisco", password="cisco", known_hosts=None,
                                client_keys=None) as conn:
        proc = await conn.create_process(term_type="vt100", term_size=(511, 1000))
        await proc.stdout.readuntil("Router#")
        took = time.perf_counter() - t0
        proc.stdin.write("exit\n")
        await proc.wait_closed()
    return took


async def load(port: int, sessions: int, n_cmds: int, probes: int = 0) -> tuple[list[float], list[float], float,
                                                                               list[float]]:
    """`sessions` sessions start at once (the burst: their set-up times); once all are up and running
    commands, `probes` more sessions arrive one after another (set-up time under that load).  The newcomers
    come from a process of their own, as a user's ssh client would: what they measure is the router's
    delay, not the wait in this process's event loop behind the 50 load clients."""
    setups: list[float] = []
    lats: list[float] = []
    under_load: list[float] = []
    prober = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--probe-port", str(port), "--probes", str(probes),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    await prober.stdout.readline()      # "ready": its start-up is over before the burst begins
    t0 = time.perf_counter()
    tasks = [asyncio.ensure_future(one_session(port, n_cmds, setups, lats)) for _ in range(sessions)]

    async def newcomers():
        while len(setups) < sessions:
            await asyncio.sleep(0.005)
        prober.stdin.write(b"go\n")
        await prober.stdin.drain()
        while True:                 # one line per new session: its set-up time, or "end"
            line = (await prober.stdout.readline()).decode().strip()
            if not line or line == "end":
                break
            if all(t.done() for t in tasks):
                break               # the load is over: later figures would not be "under load"
            under_load.append(float(line))
        prober.stdin.close()
        await prober.wait()

    await asyncio.gather(newcomers(), *tasks)
    return setups, lats, time.perf_counter() - t0, under_load


async def probe_main(port: int, probes: int) -> None:
    """The newcomers' process: waits for "go", then opens `probes` sessions one after another."""
    loop = asyncio.get_running_loop()
    print("ready", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    for _ in range(probes):
        try:
            took = await probe(port)
        except (OSError, asyncssh.Error):
            break
        print(took, flush=True)
        await asyncio.sleep(0.05)
    print("end", flush=True)


def start_router(home: Path, sessions: int) -> tuple[subprocess.Popen, int]:
    startup = home / "startup-config"
    extra = f"line vty 5 {max(5, sessions + 8)}\n login local\n transport input ssh telnet\n"
    startup.write_text(default_config_text().replace("\nend", "\n" + extra + "end"))
    proc = subprocess.Popen([sys.executable, "-m", "iosflex", "--startup-config", str(startup), "--no-console",
                             "--ssh", "127.0.0.1:0"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, IOSFLEX_HOME=str(home)))
    for line in proc.stderr:
        m = re.match(r"% SSH server listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    raise RuntimeError("iosflex did not start")


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--commands", type=int, default=100)
    ap.add_argument("--probes", type=int, default=10, help="new sessions opened while the load runs")
    ap.add_argument("--probe-port", type=int, help=argparse.SUPPRESS)  # internal: the newcomers' process
    args = ap.parse_args()
    if args.probe_port:
        asyncio.run(probe_main(args.probe_port, args.probes))
        return
    with tempfile.TemporaryDirectory() as d:
        proc, port = start_router(Path(d), args.sessions)
        try:
            cpu0 = _cpu(proc.pid)
            setups, lats, wall, under = asyncio.run(load(port, args.sessions, args.commands, args.probes))
            cpu = _cpu(proc.pid) - cpu0
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
    ms = 1000.0
    print(f"{args.sessions} concurrent SSH sessions x {args.commands} commands: {len(lats)} commands in {wall:.2f} s "
          f"({len(lats) / wall:.0f} commands/s)")
    print(f"router process CPU: {cpu:.2f} s ({cpu / len(lats) * ms:.2f} ms per command incl. session set-up); "
          f"the clients run in this process on the same {os.cpu_count()} CPUs")
    print(f"session set-up under load, {len(under)} new sessions while the {args.sessions} run commands: "
          f"median {statistics.median(under) * ms:.1f} ms, max {max(under) * ms:.1f} ms   (target < 200 ms)"
          if under else "session set-up under load: no probe ran (the load ended first)")
    print(f"session set-up in the burst ({args.sessions} connecting at the same instant): median "
          f"{statistics.median(setups) * ms:.1f} ms, p90 {pct(setups, 90) * ms:.1f} ms, max {max(setups) * ms:.1f} ms")
    print(f"command latency: median {statistics.median(lats) * ms:.2f} ms, p90 {pct(lats, 90) * ms:.2f} ms, "
          f"p99 {pct(lats, 99) * ms:.2f} ms, max {max(lats) * ms:.2f} ms   (target p99 < 50 ms)")


if __name__ == "__main__":
    main()

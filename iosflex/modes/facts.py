"""`show hosts`, `show memory statistics`, `show processes cpu [sorted]`, `show inventory`: IOS's layouts
(ntc-templates' cisco_ios_show_processes_cpu / show_inventory and NAPALM's ios driver read them), with the
figures of the iosflex process itself: its resident memory and its CPU time, not invented ones."""

from __future__ import annotations

import os
import resource
import time

from ..config.render import MODEL, PROCESSOR_BYTES, IO_BYTES, serial_number
from . import handler


@handler("show_hosts")
def show_hosts(ctx):
    d = ctx.cfg.ip_domain
    ctx.write(f"Default domain is {d.name}" if d.name else "Default domain is not set",
              "Name/address lookup uses domain service",
              "Name servers are " + (", ".join(d.name_servers) if d.name_servers else "255.255.255.255"),
              "",
              "Codes: UN - unknown, EX - expired, OK - OK, ?? - revalidate",
              "       temp - temporary, perm - permanent",
              "       NA - Not Applicable None - Not defined",
              "",
              "Host                      Port  Flags      Age Type   Address(es)")


def _rss() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@handler("show_memory_statistics")
def show_memory_statistics(ctx):
    used = min(_rss(), PROCESSOR_BYTES - 1)
    io_used = IO_BYTES // 8
    ctx.write("                Head    Total(b)     Used(b)     Free(b)   Lowest(b)  Largest(b)",
              f"Processor  {0x7F0000000010:>10X} {PROCESSOR_BYTES:>11} {used:>11} {PROCESSOR_BYTES - used:>11} "
              f"{PROCESSOR_BYTES - used:>11} {PROCESSOR_BYTES - used:>11}",
              f"      I/O  {0x7F0004000000:>10X} {IO_BYTES:>11} {io_used:>11} {IO_BYTES - io_used:>11} "
              f"{IO_BYTES - io_used:>11} {IO_BYTES - io_used:>11}")


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


_CPU_AT_LOAD = _cpu_seconds()  # the handlers load with the grammar, as the router starts


def _busy(samples: list, now: float, cpu: float, window: float, booted: float) -> int:
    """Per cent of one CPU used over the last `window` seconds, from the samples taken at earlier calls (the
    average since start when none is that old)."""
    older = [s for s in samples if now - s[0] >= window * 0.5]
    t0, c0 = older[-1] if older else (booted, _CPU_AT_LOAD)
    span = max(now - t0, 1e-6)
    return max(0, min(100, round((cpu - c0) / span * 100)))


@handler("show_processes_cpu")
def show_processes_cpu(ctx):
    router = ctx.router
    samples = getattr(router, "cpu_samples", None)
    if samples is None:
        samples = router.cpu_samples = []
    now, cpu = time.monotonic(), _cpu_seconds()
    b5, b60, b300 = (_busy(samples, now, cpu, w, router.booted) for w in (5, 60, 300))
    samples.append((now, cpu))
    del samples[:-64]
    ms = int(cpu * 1000)
    ctx.write(f"CPU utilization for five seconds: {b5}%/0%; one minute: {b60}%; five minutes: {b300}%",
              " PID Runtime(ms)     Invoked      uSecs   5Sec   1Min   5Min TTY Process ",
              f"{1:>4} {ms:>11} {1:>11} {ms * 1000:>10} {b5:>5.2f}% {b60:>5.2f}% {b300:>5.2f}%   0 iosflex ")


@handler("show_inventory")
def show_inventory(ctx):
    ctx.write('NAME: "Chassis", DESCR: "iosflex emulated router (not Cisco hardware)"',
              f"PID: {MODEL}       , VID: V01  , SN: {serial_number()}", "")


@handler("show_banner")
def show_banner(ctx):
    from ..banners import banner_text  # noqa: PLC0415

    kind = ctx.args.path[-1][0].tok.text
    text = banner_text(ctx.cfg, kind)
    if text is not None:
        ctx.write(*text.split("\n"))

"""Logging and clock handlers (issue 13 item 2): service timestamps / sequence-numbers, logging
buffered|console|monitor, clock timezone, clock set, show logging, show clock.  State: config/logging.py;
runtime: logbus.py, clock.py."""

from __future__ import annotations

import calendar

from ..clock import MONTHS
from ..config.logging import BUFFER_DEFAULT, DEBUGGING, Stamp, level_of
from . import CommandError, handler


@handler("service_timestamps")
def service_timestamps(ctx):
    log = ctx.cfg.logging
    which = [w for w in ("debug", "log") if ctx.args.has(w)]
    if ctx.no:
        for w in which or ["debug", "log"]:
            log.stamps.pop(w, None)
        return
    if ctx.args.has("datetime"):
        st = Stamp("datetime", msec=ctx.args.has("msec"), localtime=ctx.args.has("localtime"),
                   show_timezone=ctx.args.has("show-timezone"), year=ctx.args.has("year"))
    else:
        st = Stamp("uptime")
    log.stamps[(which or ["debug"])[0]] = st


@handler("service_sequence_numbers")
def service_sequence_numbers(ctx):
    ctx.cfg.logging.sequence_numbers = not ctx.no


@handler("logging_buffered")
def logging_buffered(ctx):
    log = ctx.cfg.logging
    if ctx.negate == "default":
        log.buffered, log.buffer_size, log.buffer_level = True, BUFFER_DEFAULT, DEBUGGING
    elif ctx.no:
        log.buffered = False
    else:
        size = ctx.args.int("size")
        level = level_of(ctx.args)
        log.buffered = True
        if size is not None:
            log.buffer_size = size
        if level is not None:
            log.buffer_level = level
        if size is None and level is None:  # `logging buffered`: IOS's defaults again
            log.buffer_size, log.buffer_level = BUFFER_DEFAULT, DEBUGGING
    ctx.router.logbus.clear() if not log.buffered else None


def _destination(ctx, name: str):
    log = ctx.cfg.logging
    if ctx.no and ctx.negate != "default":
        setattr(log, name, False)
        return
    level = level_of(ctx.args)
    setattr(log, name, True)
    setattr(log, name + "_level", DEBUGGING if level is None or ctx.no else level)


@handler("logging_console")
def logging_console(ctx):
    _destination(ctx, "console")


@handler("logging_monitor")
def logging_monitor(ctx):
    _destination(ctx, "monitor")


@handler("clock_timezone")
def clock_timezone(ctx):
    tz = ctx.cfg.clock
    if ctx.no:
        tz.zone, tz.hours, tz.minutes, tz.configured = "UTC", 0, 0, False
        return
    tz.zone, tz.hours, tz.minutes, tz.configured = ctx.args.get("zone"), ctx.args.int("hours"), \
        ctx.args.int("minutes", 0), True


@handler("exec_clock_set")
def exec_clock_set(ctx):
    text = ctx.args.get("time")
    parts = text.split(":")
    try:
        h, m, s = (int(p) for p in parts) if len(parts) == 3 else (None, None, None)
    except ValueError:
        h = None
    if h is None or not (0 <= h <= 23 and 0 <= m <= 59 and 0 <= s <= 59):
        raise CommandError("% Invalid input detected at '^' marker.")
    word = ctx.args.get("month").lower()
    month = next((i for i, name in enumerate(MONTHS, 1) if len(word) >= 3 and
                  ("january february march april may june july august september october november december"
                   .split()[i - 1]).startswith(word)), None)
    day, year = ctx.args.int("day"), ctx.args.int("year")
    if month is None or day > calendar.monthrange(year, month)[1]:
        raise CommandError("% Invalid input detected at '^' marker.")
    tz = ctx.cfg.clock  # the time typed is local time (`clock timezone`)
    ctx.router.clock.set(calendar.timegm((year, month, day, h, m, s, 0, 0, 0)) - tz.offset)


@handler("show_logging")
def show_logging(ctx):
    ctx.write(*ctx.router.logbus.show())

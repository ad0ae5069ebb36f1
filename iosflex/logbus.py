"""Router-wide log bus: `log(router, text)` copies a log or debug line to the console and to every vty whose
session ran `terminal monitor` (IOS's `logging console` is on by default, `logging monitor` needs the
terminal to ask for it).

Front ends attach a sink per terminal; the bus never blocks and never fails because one sink did.
Later issues send `debug ...` output through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass
class Sink:
    write: Callable[[str], None]  # one log line, without line end
    wants: Callable[[], bool]  # e.g. lambda: session.monitor for a vty; always True for the console


class LogBus:
    def __init__(self):
        self.sinks: dict[object, Sink] = {}
        self.history: list[str] = []  # the last lines, for `show logging` later
        self.keep = 200

    def attach(self, key: object, write: Callable[[str], None], wants: Callable[[], bool] = lambda: True):
        self.sinks[key] = Sink(write, wants)

    def detach(self, key: object):
        self.sinks.pop(key, None)

    def log(self, text: str):
        lines = text.split("\n")
        self.history.extend(lines)
        del self.history[: -self.keep]
        for sink in list(self.sinks.values()):
            try:
                if sink.wants():
                    for ln in lines:
                        sink.write(ln)
            except Exception:  # noqa: BLE001  a broken terminal must not stop the others
                pass


def bus(router) -> LogBus:
    """The router's bus (`router.logbus`)."""
    return router.logbus


def timestamp(now: float | None = None) -> str:
    """IOS's `service timestamps log datetime msec` prefix; `*`: the clock is not NTP-synchronised."""
    import time  # noqa: PLC0415

    t = time.time() if now is None else now
    lt = time.gmtime(t)
    return "*" + time.strftime("%b ", lt) + f"{lt.tm_mday:2d} " + time.strftime("%H:%M:%S", lt) + f".{int(t % 1 * 1000):03d}: "


def log(router, text: str, stamp: bool = False):
    """Send `text` (one or more lines) to the console and every monitoring vty; `stamp` prefixes IOS's
    timestamp to each line."""
    if stamp:
        ts = timestamp()
        text = "\n".join(ts + ln for ln in text.split("\n"))
    bus(router).log(text)

"""Router-wide log bus: `log(router, text)` sends log and debug lines to the console, to every vty whose
session ran `terminal monitor` and to the logging buffer, shaped and filtered as IOS does (issue 13 item 2).

* One call carries one or more messages: a line that starts a message (`%FAC-SEV-MNEMONIC: ...` is a log
  message of severity SEV, anything else a debug message, level 7) and the lines that continue it (empty,
  indented, or the rest of an IKEv2 packet block: `Initiator SPI : ...`, `IKEv2 ... Exchange ...`, `Payload
  contents:`), which IOS prints without a stamp of their own.
* `service sequence-numbers` prefixes `000042: `, `service timestamps debug|log ...` the time (`*Dec  1
  21:08:19.123: ` or uptime `00:01:23: `), from the router's clock (iosflex/clock.py: the driver's clock).
  Without `service timestamps` lines print bare, as the chapter shows them.
* `logging console|monitor|buffered LEVEL` filter by severity (`no logging console` silences the console);
  the buffer keeps the last messages within its size for `show logging`.

Front ends attach a sink per terminal (kind "console" or "monitor"); the bus never blocks and never fails
because one sink did.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Callable

from .clock import datetime_stamp, uptime_stamp
from .config.logging import LEVELS

_LOG = re.compile(r"%[A-Z0-9_]+-([0-7])-[A-Z0-9_]+:")
_CONTINUATION = re.compile(r"(\s|$|Initiator SPI :|IKEv2 \S+ Exchange |Payload contents:)")


@dataclass
class Sink:
    write: Callable[[str], None]  # one log line, without line end
    wants: Callable[[], bool]  # e.g. lambda: session.monitor for a vty; always True for the console
    kind: str = "console"  # "console": `logging console` applies; "monitor": `logging monitor`


class LogBus:
    def __init__(self, router=None):
        self.router = router
        self.sinks: dict[object, Sink] = {}
        self.buffer: deque[str] = deque()  # messages (lines joined by "\n"), oldest first
        self.buffer_bytes = 0
        self._buffer_size = None
        self.sequence = 0
        self.counts = {"console": 0, "monitor": 0, "buffer": 0, "trap": 0}

    @property
    def history(self) -> list[str]:
        """The buffered lines, oldest first."""
        return [ln for msg in self.buffer for ln in msg.split("\n")]

    def attach(self, key: object, write: Callable[[str], None], wants: Callable[[], bool] = lambda: True,
               kind: str = "console"):
        self.sinks[key] = Sink(write, wants, kind)

    def detach(self, key: object):
        self.sinks.pop(key, None)

    # -- shaping ----------------------------------------------------------------------------------------------
    def _settings(self):
        cfg = getattr(self.router, "config", None)
        return getattr(cfg, "logging", None)

    def _prefix(self, st, debug: bool) -> str:
        pre = ""
        if st is None:
            return pre
        if st.sequence_numbers:
            self.sequence += 1
            pre = f"{self.sequence:06d}: "
        stamp = st.stamps.get("debug" if debug else "log")
        if stamp is not None:
            clock = self.router.clock
            if stamp.kind == "uptime":
                pre += uptime_stamp(clock.uptime()) + ": "
            else:
                pre += datetime_stamp(clock, stamp, clock.epoch()) + ": "
        return pre

    @staticmethod
    def messages(lines: list[str]) -> list[list[str]]:
        out: list[list[str]] = []
        for ln in lines:
            if out and _CONTINUATION.match(ln):
                out[-1].append(ln)
            else:
                out.append([ln])
        return out

    def log(self, text: str):
        st = self._settings()
        for msg in self.messages(text.split("\n")):
            m = _LOG.match(msg[0])
            sev = int(m.group(1)) if m else 7
            shaped = [self._prefix(st, m is None) + msg[0], *msg[1:]]
            self._deliver(st, sev, shaped)

    def _deliver(self, st, sev: int, lines: list[str]):
        console_on = st is None or (st.console and sev <= st.console_level)
        monitor_on = st is None or (st.monitor and sev <= st.monitor_level)
        self.counts["console"] += console_on
        self.counts["monitor"] += monitor_on
        if sev <= 6:
            self.counts["trap"] += 1
        if st is not None and st.buffered and sev <= st.buffer_level:
            self._buffer(st.buffer_size, "\n".join(lines))
        for sink in list(self.sinks.values()):
            if not (console_on if sink.kind == "console" else monitor_on):
                continue
            try:
                if sink.wants():
                    for ln in lines:
                        sink.write(ln)
            except Exception:  # noqa: BLE001  a broken terminal must not stop the others
                pass

    def _buffer(self, size: int, msg: str):
        if size != self._buffer_size:  # IOS empties the buffer when its size changes
            self.clear()
            self._buffer_size = size
        self.counts["buffer"] += 1
        self.buffer.append(msg)
        self.buffer_bytes += len(msg) + 1
        while self.buffer_bytes > size and self.buffer:
            self.buffer_bytes -= len(self.buffer.popleft()) + 1

    def clear(self):
        self.buffer.clear()
        self.buffer_bytes = 0

    # -- show logging -------------------------------------------------------------------------------------------
    def show(self) -> list[str]:
        st = self._settings()
        c = self.counts

        def dest(name: str, on: bool, level: int, count: int, pad: str) -> list[str]:
            if not on:
                return [f"    {name} disabled, xml disabled,", f"{pad}filtering disabled"]
            return [f"    {name} level {LEVELS[level]}, {count} messages logged, xml disabled,", f"{pad}filtering disabled"]

        out = ["Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, "
               "xml disabled, filtering disabled)", "", "No Active Message Discriminator.", "", "", "",
               "No Inactive Message Discriminator.", "", ""]
        out += (["    Console logging: disabled"] if not st.console else
                dest("Console logging:", True, st.console_level, c["console"], " " * 21))
        out += dest("Monitor logging:", st.monitor, st.monitor_level, c["monitor"], " " * 21)
        out += dest("Buffer logging: ", st.buffered, st.buffer_level, c["buffer"], " " * 20)
        out += ["    Exception Logging: size (4096 bytes)", "    Count and timestamp logging messages: disabled",
                "    Persistent logging: disabled", "", "No active filter modules.", "",
                f"    Trap logging: level informational, {c['trap']} message lines logged",
                "        Logging Source-Interface:       VRF Name:"]
        if st.buffered:
            out += ["", f"Log Buffer ({st.buffer_size} bytes):", ""]
            out += self.history
        return out


def bus(router) -> LogBus:
    """The router's bus (`router.logbus`)."""
    return router.logbus


def log(router, text: str, stamp: bool = False):  # noqa: ARG001  `stamp` is the configuration's now
    """Send `text` (one or more lines) to the console, every monitoring vty and the buffer, each message
    shaped by `service timestamps` / `service sequence-numbers`."""
    bus(router).log(text)

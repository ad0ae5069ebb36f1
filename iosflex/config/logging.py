"""Logging and the clock's configuration (issue 13 item 2): `service timestamps`, `service sequence-numbers`,
`logging buffered|console|monitor`, `clock timezone`.  The runtime (stamping, levels, the buffer, `show
logging`) is iosflex/logbus.py; the calendar is iosflex/clock.py.

Defaults are this router's, not IOS's: no `service timestamps` line means no timestamps (so the chapter's log
and debug lines print as the book shows them); IOS's factory default prints `service timestamps debug|log
datetime msec`.  Buffer, console and monitor logging default to level debugging as on IOS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import feature

LEVELS = ["emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging"]
DEBUGGING = 7
BUFFER_DEFAULT = 4096


def level_of(args) -> int | None:
    """The severity typed as `<0-7>` or a level keyword (None when none was typed)."""
    n = args.get("level")
    if n is not None:
        return int(n)
    for i, name in enumerate(LEVELS):
        if args.has(name):
            return i
    return None


@dataclass
class Stamp:
    """One `service timestamps debug|log ...` setting."""

    kind: str  # "uptime" or "datetime"
    msec: bool = False
    localtime: bool = False
    show_timezone: bool = False
    year: bool = False

    def words(self) -> str:
        if self.kind == "uptime":
            return "uptime"
        return " ".join(["datetime"] + [w for w, on in (("msec", self.msec), ("localtime", self.localtime),
                                                       ("show-timezone", self.show_timezone),
                                                       ("year", self.year)) if on])


@feature("logging")
@dataclass
class Logging:
    stamps: dict = field(default_factory=dict)  # "debug" / "log" -> Stamp (absent: no timestamps)
    sequence_numbers: bool = False
    buffered: bool = True
    buffer_size: int = BUFFER_DEFAULT
    buffer_level: int = DEBUGGING
    console: bool = True
    console_level: int = DEBUGGING
    monitor: bool = True
    monitor_level: int = DEBUGGING

    def service_lines(self) -> list[str]:
        """`service timestamps` lines: printed in the `version` block (config/system.py) before
        `service password-encryption`."""
        return [f"service timestamps {k} {self.stamps[k].words()}" for k in ("debug", "log") if k in self.stamps]

    def render(self, cfg):
        out = []
        if not self.buffered:
            out.append("no logging buffered")
        elif self.buffer_size != BUFFER_DEFAULT or self.buffer_level != DEBUGGING:
            words = ([str(self.buffer_size)] if self.buffer_size != BUFFER_DEFAULT else []) + (
                [LEVELS[self.buffer_level]] if self.buffer_level != DEBUGGING else [])
            out.append("logging buffered " + " ".join(words))
        for name in ("console", "monitor"):
            if not getattr(self, name):
                out.append(f"no logging {name}")
            elif getattr(self, name + "_level") != DEBUGGING:
                out.append(f"logging {name} {LEVELS[getattr(self, name + '_level')]}")
        return [out] if out else []


@feature("clock")
@dataclass
class Clock:
    zone: str = "UTC"
    hours: int = 0
    minutes: int = 0
    configured: bool = False
    kept: list = field(default_factory=list)  # `clock summer-time ...`, `clock calendar-valid`: kept, not emulated

    @property
    def offset(self) -> int:
        """Seconds east of UTC."""
        sign = -1 if self.hours < 0 else 1
        return sign * (abs(self.hours) * 3600 + self.minutes * 60)

    def render(self, cfg):
        lines = [f"clock timezone {self.zone} {self.hours} {self.minutes}"] if self.configured else []
        lines += self.kept
        return [lines] if lines else []

"""The router's calendar and uptime, from the driver's clock (issue 13 item 2).

Cores never read a clock (docs/HACKING.md); the log bus, `show clock` and `clock set` ask this object, which
reads the driver's clock (`router.services.clock`: the asyncio driver's monotonic clock, or a simulated
network's fake clock in transcripts and tests) and falls back on the host's before a driver runs.

The calendar follows the host's time until `clock set`; from then on it is the time set plus the driver's
time since.  IOS prints `*` before a time that is not authoritative: here until `clock set` (this router has
no NTP or hardware calendar).
"""

from __future__ import annotations

import time

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class RouterClock:
    def __init__(self, router):
        self.router = router
        self._set: tuple[float, float] | None = None  # (epoch set, driver clock then) after `clock set`

    def mono(self) -> float:
        s = self.router.services
        return s.clock() if s is not None else time.monotonic()

    def _boot(self) -> float:
        s = self.router.services
        boot = getattr(s, "boot", None) if s is not None else None
        return boot if boot is not None else self.router.booted

    @property
    def authoritative(self) -> bool:
        return self._set is not None

    def epoch(self) -> float:
        """Seconds since 1970 (UTC) now."""
        if self._set is not None:
            return self._set[0] + (self.mono() - self._set[1])
        s = self.router.services
        off = getattr(s, "epoch_offset", None) if s is not None else None
        return off + s.clock() if off is not None else time.time()

    def set(self, epoch: float):
        """`clock set`: the calendar from now on."""
        self._set = (epoch, self.mono())

    def uptime(self) -> float:
        return max(0.0, self.mono() - self._boot())

    # -- formats ------------------------------------------------------------------------------------------
    def local(self, epoch: float, localtime: bool = True):
        """(struct_time, zone name) in the configured time zone (UTC when not `localtime`)."""
        tz = self.router.config.clock
        if not localtime:
            return time.gmtime(epoch), "UTC"
        return time.gmtime(epoch + tz.offset), tz.zone

    def show_clock(self, epoch: float | None = None) -> str:
        """`show clock`: `*21:08:19.123 UTC Tue Dec 1 2026`."""
        t = _ms(self.epoch() if epoch is None else epoch)
        lt, zone = self.local(t)
        star = "" if self.authoritative else "*"
        return (f"{star}{lt.tm_hour:02d}:{lt.tm_min:02d}:{lt.tm_sec:02d}.{round(t % 1 * 1000) % 1000:03d} {zone} "
                f"{DAYS[lt.tm_wday]} {MONTHS[lt.tm_mon - 1]} {lt.tm_mday} {lt.tm_year}")


def _ms(epoch: float) -> float:
    """The time rounded to the millisecond (binary fractions: 0.123 must print .123)."""
    return round(epoch * 1000) / 1000


def uptime_stamp(secs: float) -> str:
    """IOS's `service timestamps ... uptime`: `00:01:23` under a day, `1d02h` under a week, then `1w2d`."""
    s = int(secs)
    d, rem = divmod(s, 86400)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    if d == 0:
        return f"{h:02d}:{m:02d}:{sec:02d}"
    if d < 7:
        return f"{d}d{h:02d}h"
    return f"{d // 7}w{d % 7}d"


def datetime_stamp(clock: RouterClock, st, epoch: float) -> str:
    """IOS's `service timestamps ... datetime [msec] [localtime] [show-timezone] [year]`:
    `*Dec  1 2026 21:08:19.123 UTC`."""
    epoch = _ms(epoch)
    lt, zone = clock.local(epoch, st.localtime)
    text = f"{MONTHS[lt.tm_mon - 1]} {lt.tm_mday:2d} "
    if st.year:
        text += f"{lt.tm_year} "
    text += f"{lt.tm_hour:02d}:{lt.tm_min:02d}:{lt.tm_sec:02d}"
    if st.msec:
        text += f".{round(epoch % 1 * 1000) % 1000:03d}"
    if st.show_timezone:
        text += f" {zone}"
    return ("" if clock.authoritative else "*") + text

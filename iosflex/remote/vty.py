"""The router's terminal lines in use: which vty each remote session holds, who is logged in, since when.

IOS numbers its lines absolutely (`show line`): con 0 is line 0, aux 0 line 1, vty N line 2+N.  A new
connection takes the lowest configured vty whose `transport input` allows its protocol; when none is free the
connection is refused, as IOS does.  One table per router, shared by every front end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

VTY_BASE = 2  # absolute line number of vty 0 (after con 0 and aux 0)


@dataclass
class Entry:
    kind: str  # "con" or "vty"
    number: int  # relative: vty 3 -> 3
    protocol: str  # "console", "ssh", "telnet"
    peer: str = ""  # the client's address (Location)
    user: str = ""
    session: object = None  # the CLI Session once logged in
    disconnect: Callable[[], None] = lambda: None
    since: float = field(default_factory=time.monotonic)
    last_input: float = field(default_factory=time.monotonic)
    ssh: dict = field(default_factory=dict)  # version, cipher, mac, compression, state

    @property
    def tty(self) -> int:
        return 0 if self.kind == "con" else VTY_BASE + self.number

    @property
    def name(self) -> str:
        return f"{self.kind} {self.number}"

    def touch(self):
        self.last_input = time.monotonic()


class LineTable:
    def __init__(self):
        self.vty: dict[int, Entry] = {}
        self.console: Entry | None = None
        self.uses: dict[int, int] = {}  # tty -> connections so far (show line "Uses")
        self.ssh_enabled = False  # an SSH server runs (show ip ssh)
        self.ssh_key_name = ""
        self.ssh_public_key = ""  # base64 of the host key, for show ip ssh

    def allocate(self, cfg, protocol: str, peer: str = "") -> Entry | None:
        for n in configured_vtys(cfg):
            if n in self.vty:
                continue
            if protocol not in allowed_transports(line_for(cfg, n)):
                continue
            e = Entry("vty", n, protocol, peer)
            self.vty[n] = e
            self.uses[e.tty] = self.uses.get(e.tty, 0) + 1
            return e
        return None

    def release(self, entry: Entry):
        if self.vty.get(entry.number) is entry:
            del self.vty[entry.number]

    def set_console(self, entry: Entry | None):
        self.console = entry

    def all(self) -> list[Entry]:
        out = [self.console] if self.console else []
        return out + [self.vty[n] for n in sorted(self.vty)]

    def find_tty(self, tty: int) -> Entry | None:
        if tty == 0:
            return self.console
        return self.vty.get(tty - VTY_BASE)

    def entry_of(self, session) -> Entry | None:
        for e in self.all():
            if e.session is session:
                return e
        return None


def table(router) -> LineTable:
    """The router's line table (`router.lines`)."""
    return router.lines


def vty_lines(cfg):
    return [ln for ln in cfg.line.lines if ln.kind == "vty"]


def configured_vtys(cfg) -> list[int]:
    nums: set[int] = set()
    for ln in vty_lines(cfg):
        last = ln.last if ln.last is not None else ln.first
        nums.update(range(ln.first, last + 1))
    return sorted(nums)


def line_for(cfg, n: int):
    """The `line vty` block that configures vty n (the last one covering it wins)."""
    found = None
    for ln in vty_lines(cfg):
        last = ln.last if ln.last is not None else ln.first
        if ln.first <= n <= last:
            found = ln
    return found


def allowed_transports(line) -> set[str]:
    """`transport input`: unset means every protocol (older IOS's default, friendlier to a lab)."""
    if line is None:
        return set()
    ti = line.transport_input
    if ti is None:
        return {"ssh", "telnet"}
    words = set(ti.split())
    if "none" in words:
        return set()
    if "all" in words:
        return {"ssh", "telnet"}
    return words & {"ssh", "telnet"}


def exec_timeout_seconds(line) -> float | None:
    """Idle time before the session is closed: `exec-timeout M S`, IOS's default 10 minutes, 0 0 = never."""
    m, s = (10, 0) if line is None or line.exec_timeout is None else line.exec_timeout
    total = m * 60 + s
    return None if total == 0 else float(total)

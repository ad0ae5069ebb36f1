"""One vty connection, transport-neutral: the line discipline, login/CLI shell, timers and log bus sink.

Telnet and SSH both hand text in (`data`) and take text out (the `send` callable); this class owns the rest:
greeting, idle timeouts (login 30 s, then the line's `exec-timeout`), authentication that has to wait for a
server, `terminal monitor` output, `clear line`, and freeing the vty when either side closes.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from typing import Callable

from .. import logbus
from .line import NL, LineDiscipline
from .login import VtyShell
from .vty import Entry, exec_timeout_seconds, table

LOGIN_TIMEOUT = 30.0
SLICE = 0.002  # seconds of typed input handled per event-loop turn before sockets are read again
log = logging.getLogger("iosflex.remote")


class InputQueue:
    """What the vtys type is handled in arrival order, a slice of at most `SLICE` seconds per turn of the event
    loop.  Commands run on the loop that also does every SSH and telnet handshake and IKE exchange: when many
    sessions each send a command at once, running them all inside one turn would keep a newcomer's key exchange
    waiting for every one of them at each of its round trips.  In slices, the loop reads its sockets again
    between them, so a set-up waits for one slice, not for the whole backlog; each session's input keeps its
    order (one queue, first in, first out)."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.items: deque[tuple["VtyConnection", str]] = deque()
        self.scheduled = False

    def put(self, conn: "VtyConnection", text: str):
        self.items.append((conn, text))
        if not self.scheduled:
            self.scheduled = True
            self.loop.call_soon(self._run)

    def _run(self):
        end = time.perf_counter() + SLICE
        items = self.items
        while items:
            conn, text = items.popleft()
            try:
                conn._handle(text)
            except Exception:  # noqa: BLE001  one session's fault must not stall the others
                log.exception("vty input")
            if time.perf_counter() >= end:
                break
        if items:
            self.loop.call_soon(self._run)
        else:
            self.scheduled = False


_EOF = "\x00eof"    # queued after the input that came before the client's end of data: close then
_LOST = "\x00lost"  # queued after the input that came before the connection went away: free the vty then

_queues: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, InputQueue]" = weakref.WeakKeyDictionary()


def input_queue(loop: asyncio.AbstractEventLoop) -> InputQueue:
    q = _queues.get(loop)
    if q is None:
        q = _queues[loop] = InputQueue(loop)
    return q


class VtyConnection:
    def __init__(self, router, entry: Entry, send: Callable[[str], None], close: Callable[[], None],
                 width: int = 80, length: int = 24, preauth: tuple[str, int] | None = None):
        self.router = router
        self.entry = entry
        self._send = send
        self._close_transport = close
        self.shell = VtyShell(router, entry, width=width, length=length, preauth=preauth)
        self.ld = LineDiscipline(self.shell)
        self.closed = False
        self._task: asyncio.Task | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._loop = asyncio.get_running_loop()
        self._queue = input_queue(self._loop)
        self._gone = False  # the transport is gone; queued input still runs, its output goes nowhere
        self._closed_event = asyncio.Event()
        self._last = self._loop.time()
        entry.disconnect = self.close
        self._pending_log: list[str] = []  # monitor lines of this turn of the loop, written together
        logbus.bus(router).attach(self, self._monitor_line, self._monitoring, kind="monitor")

    # -- life cycle -------------------------------------------------------------------------------------------
    def start(self):
        text = "".join(ln + NL for ln in self.shell.greeting)
        if self.shell.closed:
            self.send(text)
            self.close()
            return
        self.send(text + self.ld.start())
        self._rearm()

    def data(self, text: str):
        """Input from the client: queued, handled in its turn (InputQueue)."""
        if not self.closed:
            self._queue.put(self, text)

    def eof(self):
        """The client sent all it will send (`printf 'show clock\n' | ssh router`): what it typed runs, its
        output goes out, then the session closes."""
        if not self.closed:
            self._queue.put(self, _EOF)

    def _handle(self, text: str):
        if self.closed:
            return
        if text is _EOF:
            self.close()
            return
        if text is _LOST:
            self._teardown()
            return
        self._last = self._loop.time()
        self.entry.touch()
        self.send(self.ld.feed(text))
        self._check()

    def close(self):
        """Close from our side (exit, logout, failed login, timeout, clear line)."""
        if self.closed:
            return
        self._teardown()
        try:
            self._close_transport()
        except Exception:  # noqa: BLE001
            pass

    def connection_lost(self):
        """The client went away.  What it sent before runs (output is dropped), then the vty is freed; a
        half-typed line is dropped; nothing half-applied remains because each command runs whole, on one line
        end."""
        if not self.closed and not self._gone:
            self._gone = True
            self._queue.put(self, _LOST)

    def _teardown(self):
        self.closed = True
        self._closed_event.set()
        logbus.bus(self.router).detach(self)
        table(self.router).release(self.entry)
        if self._timer:
            self._timer.cancel()
        if self._task and not self._task.done():
            self._task.cancel()

    async def wait_closed(self):
        await self._closed_event.wait()

    def send(self, text: str):
        if text and not self.closed and not self._gone:
            try:
                self._send(text)
            except Exception:  # noqa: BLE001  a transport closing under us
                self.connection_lost()

    # -- input results ---------------------------------------------------------------------------------------
    def _check(self):
        if self.ld.waiting is not None and self._task is None:
            self._task = self._loop.create_task(self._wait())
        if self.ld.closed or self.shell.closed and self.ld.waiting is None:
            self.close()
            return
        self._rearm()

    async def _wait(self):
        try:
            result = await self.ld.waiting
        except Exception:  # noqa: BLE001  the server did not answer: the attempt fails
            log.exception("authentication error")
            result = []
        self._task = None
        if not self.closed:
            self.send(self.ld.resume(result))
            self._check()

    # -- timers ------------------------------------------------------------------------------------------------
    def _timeout(self) -> float | None:
        if not self.shell.logged_in:
            return LOGIN_TIMEOUT
        return exec_timeout_seconds(self.shell.line)

    def _rearm(self):
        """Arm the idle timer (at connect), or bring it forward when the timeout has become shorter (the login is
        done: the line's `exec-timeout` now; or it was changed): it fires no later than the last input plus the
        timeout.  (A later deadline is left alone: the tick sees the idle time and waits on.)"""
        t = self._timeout()
        if t is None or self.closed:
            return
        due = self._last + t
        if self._timer is None or self._timer.when() > due + 0.01:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self._loop.call_at(due, self._tick)

    def _tick(self):
        self._timer = None
        if self.closed:
            return
        t = self._timeout()
        if t is None:  # `exec-timeout 0 0`: no timer until input brings a timeout back
            return
        idle = self._loop.time() - self._last
        if idle + 0.01 < t:
            self._timer = self._loop.call_later(t - idle, self._tick)
            return
        if not self.shell.logged_in:
            what = "Username" if self.shell.stage == "user" else "Password"
            self.send(f"{NL}% {what}:  timeout expired!{NL}")
        self.close()

    # -- terminal monitor -------------------------------------------------------------------------------------
    def _monitoring(self) -> bool:
        s = self.shell.session
        return s is not None and s.monitor and not self.closed

    def _monitor_line(self, text: str):
        """Lines that arrive in one turn of the loop go out together: with `logging synchronous` the prompt
        and the line typed so far are drawn again once after them, without it not at all (IOS)."""
        if not self._pending_log:
            self._loop.call_soon(self._flush_log)
        self._pending_log.append(text)

    def _flush_log(self):
        lines, self._pending_log = self._pending_log, []
        if lines and not self.closed:
            self.send(self.ld.notice(lines, redraw=self._synchronous()))

    def _synchronous(self) -> bool:
        """`logging synchronous` on this vty's `line vty` block (kept in the line's settings, config/system.py)."""
        for ln in self.router.config.line.lines:
            last = ln.last if ln.last is not None else ln.first
            if ln.kind == self.entry.kind and ln.first <= self.entry.number <= last:
                return any(k == "logging synchronous" or k.startswith("logging synchronous ") for k in ln.kept)
        return False

"""The router's runtime services and the one place where the cores' events are carried out.

`Services(router, rng)` builds the per-router cores, each a field here and on the router (DESIGN.md: "Per-
router services ... are fields of the router, never module globals"):

* `crypto`   the IKEv2 responder (crypto/responder.py)            router.crypto
* `radius`   the RADIUS client (radius/client.py)                  router.radius
* `aaa`      method lists, authorization, accounting (aaa/service.py)  router.aaa
* `sessions` one record per peer session (sessions.py)             router.sessions
* `dynauth`  the RADIUS dynamic-author server (radius/dynauth.py)   services.dynauth
* the log bus (logbus.py)                                          router.logbus

A driver owns sockets and a clock (crypto/driver.py over asyncio, simnet.py in-process with a fake clock) and
calls `receive`, `tick` and `run`; each returns the datagrams to put on the wire.  In between, `dispatch`
carries out every other event depth-first, the way IOS's own call chains run: a `Log` goes to the bus, an
`AaaRequest` to the AAA service, its `AaaAnswer` back to the engine's `resume`, a RADIUS result to the AAA
service, a `SessionEvent` to the session table and accounting.  The CLI reaches the same path through
`run(events)` (e.g. `clear crypto session`), whose datagrams go out through `send`, the driver's callback.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import deque
from typing import Callable

from .aaa.authorization import method_key
from .aaa.service import AaaService, flag_on
from .crypto.responder import Responder
from .events import AaaAnswer, AaaRequest, Datagram, Log, SessionEvent
from .radius.client import RadiusClient, RadiusResult
from .radius.dynauth import DynAuthServer


class Services:
    def __init__(self, router, rng=os.urandom, clock: Callable[[], float] | None = None,
                 send: Callable[[list], None] | None = None, port_map: dict[int, int] | None = None,
                 epoch_offset: float | None = None):
        self.router = router
        self.clock = clock or (lambda: 0.0)
        self.send = send
        self.sessions = router.sessions
        self.radius = RadiusClient(rng, debug=lambda flag: flag_on(router.debug, flag))
        self.aaa = AaaService(router, self.sessions, self.radius)
        if epoch_offset is None:  # the cores' `now` is the driver's clock; certificates need the calendar
            epoch_offset = time.time() - self.clock()
        self.epoch_offset = epoch_offset  # the calendar, for the log bus and `show clock` (iosflex/clock.py)
        self.boot = self.clock() - (time.monotonic() - router.booted)  # the router's boot on the driver's clock
        self.crypto = Responder(router, rng=rng, port_map=port_map, epoch_offset=epoch_offset)
        # `aaa server radius dynamic-author`: Disconnect/CoA requests on the configured port (RFC 5176)
        self.dynauth = DynAuthServer(router, self.sessions, self.crypto, epoch_offset=epoch_offset)
        router.crypto, router.radius, router.aaa, router.services = self.crypto, self.radius, self.aaa, self
        self.dataplane = None  # interfaces/tun.py TunDataplane with `--dataplane tun` (follows SessionEvents)
        self._waiters: dict = {}  # token -> callback, for answers asked from outside the engines
        self._cli_tokens = itertools.count(1)

    # -- driver entry points ---------------------------------------------------------------------------------
    def receive(self, data: bytes, src, dst, now: float) -> list[Datagram]:
        if self.radius.owns(dst):
            events = self.radius.receive(data, src, dst, now)
        elif dst[1] != 500 and dst[1] != 4500 and self.dynauth.owns(dst):
            events = self.dynauth.receive(data, src, dst, now)
        else:
            events = self.crypto.receive(data, src, dst, now)
        return self.dispatch(events, now)

    def tick(self, now: float) -> list[Datagram]:
        events = self.crypto.tick(now) + self.radius.tick(now) + self.aaa.tick(now)
        return self.dispatch(events, now)

    def run(self, events: list) -> list[Datagram]:
        """Events made outside a driver call (a CLI command): carried out now, datagrams sent by the driver."""
        out = self.dispatch(events, self.clock())
        if out and self.send is not None:
            self.send(out)
        return out

    def clear_crypto(self, remote: str | None = None) -> list[Datagram]:
        return self.run(self.crypto.clear(remote=remote, now=self.clock()))

    def ask(self, question):
        """An AAA question from outside the engines (a vty login with a `group` method, `test aaa group`):
        the answer itself when it is there by the end of this call (local methods, the simulated network),
        else an asyncio future the caller awaits."""
        token = ("cli", next(self._cli_tokens))
        box: list = []
        self._waiters[token] = box.append
        self.run([AaaRequest(token, type(question).__name__, question)])
        if box:
            self._waiters.pop(token, None)
            return box[0]
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self._waiters[token] = lambda result: fut.done() or fut.set_result(result)
        return fut

    # -- carrying events out ------------------------------------------------------------------------------------
    def dispatch(self, events: list, now: float) -> list[Datagram]:
        out: list[Datagram] = []
        queue = deque(events)
        bus = self.router.logbus
        while queue:
            ev = queue.popleft()
            kind = ev.__class__  # the event classes are final: compared by identity, the cheapest test
            if kind is Datagram:
                out.append(ev)
                continue
            if kind is Log:
                bus.log("\n".join(ev.lines))
                continue
            if kind is AaaRequest:
                more = self.aaa.handle(ev, now)
            elif kind is AaaAnswer:
                waiter = self._waiters.pop(ev.token, None)
                if waiter is not None:
                    waiter(ev.result)
                    more = []
                else:
                    more = self.crypto.resume(ev.token, ev.result, now)
            elif kind is RadiusResult:
                more = self.aaa.on_radius(ev, now)
            elif kind is SessionEvent:
                more = self._session_event(ev, now)
                if self.dataplane is not None:
                    self.dataplane.session_event(ev)
            else:
                raise TypeError(f"no one carries out {ev!r}")
            queue.extendleft(reversed(more))  # depth-first: what an event causes happens before its siblings
        return out

    def _session_event(self, ev: SessionEvent, now: float) -> list:
        st = ev.session
        table = self.sessions
        if ev.what == "up":
            s = table.ensure(st.session_id, st.local, st.remote, now)
            s.ike_sa, s.up, s.status = st, True, "UP-ACTIVE"
            s.profile, s.interface = st.profile, st.virtual_access
            s.phase1_id = st.remote_id.text if st.remote_id else ""
            s.eap_id = st.remote_eap_id
            s.created = st.established if st.established is not None else now
            s.auth_method = method_key(st.acct_method or st.auth_verify or "PSK")  # a reconnect: the initial one's
            res = s.authorization
            s.username = (res.username if res is not None and res.username else None) or s.eap_id or s.phase1_id
            return self.aaa.session_up(s, now)
        if ev.what == "update":
            s = table.get(st.session_id)
            if s is not None:
                s.ike_sa = st
            return []
        if ev.what == "gone":
            s = table.remove(st.session_id)
            out = self.aaa.session_down(s, now) if s is not None and s.up else []
            self.aaa.session_gone(st.session_id, s)
            return out
        return []


"""The router's RADIUS client, sans-I/O: requests in, datagrams / log lines / results out.

One `RadiusClient` per router.  The AAA service calls `submit` with the server list of a method list's
group (servers.py reads it from the running-config); the driver sends the Datagram events from the source
port (1645 authentication, 1646 accounting, as IOS), feeds replies to `receive`, and calls `tick` at
`next_due()`.  The client never reads a clock or draws randomness itself: `now` comes with every call and
Request Authenticators from the `rng(n) -> bytes` given at construction, so transcripts replay exactly.

Behaviour (IOS's):
- identifiers are allocated per source port, 0..255, skipping those in flight, starting at 1;
- a request waits `timeout` seconds, is retransmitted `retransmit` times to the same server with the same
  identifier and bytes (an Accounting-Request gets its Acct-Delay-Time brought up to date, hence a new
  authenticator), then fails over to the next server of the list with the same identifier;
- a server that exhausted its retries is declared dead (%RADIUS-4-RADIUS_DEAD) and skipped for `deadtime`
  minutes; with deadtime 0 IOS marks it alive again at once (the RADIUS_ALIVE line follows);
- a reply is matched by (our port, identifier), must come from the server's address and port, and must
  verify (Response Authenticator, Message-Authenticator, BlastRADIUS rule); anything else is dropped and
  counted, and the request stays in flight;
- counters per server feed `show aaa servers` (show.py).

Debug lines (built only when `debug radius` is on for the request's kind): the Send block with its
attributes, `Sending a IPv4 Radius Packet`, `Started 5 sec timeout`, then per timer expiry `Request timed
out!` and `Retransmit to` / `No response from` + `Fail-over to`, and the Received block.  The
`RADIUS/ENCODE: Best Local IP-Address` line before a Send belongs to the AAA layer's block (the chapter
prints it after the `AAA SRV` lines); the client prints it only after a fail-over, where it re-encodes.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Callable

from ..events import Datagram, Log
from . import debug as D
from .dictionary import load as load_dictionary
from .packet import (ACCESS_ACCEPT, ACCESS_CHALLENGE, ACCESS_REJECT, ACCESS_REQUEST, ACCOUNTING_REQUEST,
                     ACCOUNTING_RESPONSE, BadPacket, Packet, _decode_value, encode_request_ma, salt_decrypt,
                     verify_reply)

AUTH_PORT = 1645  # IOS's source ports
ACCT_PORT = 1646
KINDS = ("auth", "author", "acct")  # author: an Access-Request made for authorization (AAA-based PSK)
STATUS = {ACCESS_ACCEPT: "accept", ACCESS_REJECT: "reject", ACCESS_CHALLENGE: "challenge",
          ACCOUNTING_RESPONSE: "response"}
AUTH_FAILURES = ("bad authenticator", "bad Message-Authenticator", "missing Message-Authenticator")
ACCT_STATUS = {1: "start", 2: "stop", 3: "interim", "Start": "start", "Stop": "stop", "Interim-Update": "interim"}
_REQ_COUNTER = {w: f"req_{w}" for w in ("start", "stop", "interim")}  # KindStats fields by ACCT_STATUS word
_RESP_COUNTER = {w: f"resp_{w}" for w in ("start", "stop", "interim")}
_NAME = itemgetter(0)  # an attribute pair's name
ACCT_DELAY = "Acct-Delay-Time"


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """One RADIUS server as a request uses it (resolved from the config at the moment of use)."""

    name: str  # the `radius server` name, or the address of a `server-private`
    address: str
    auth_port: int = 1812
    acct_port: int = 1813
    key: bytes = field(default=b"", repr=False)
    timeout: float = 5
    retransmit: int = 3
    deadtime: int = 0  # minutes
    dead_time: int | None = None  # `radius-server dead-criteria time T`: seconds without any answer ...
    dead_tries: int | None = None  # ... and `tries N` consecutive unanswered transmissions before "dead"
    source: str | None = None  # best local address; None: the `src_ip` given to submit
    private: bool = False

    @property
    def id(self) -> tuple[str, int, int]:
        """What identifies a server for counters and dead state: IOS's (address, auth-port, acct-port)."""
        return (self.address, self.auth_port, self.acct_port)

    def port(self, kind: str) -> int:
        return self.acct_port if kind == "acct" else self.auth_port

    def with_source(self, source: str | None) -> "ServerSpec":
        return dataclasses.replace(self, source=source)


@dataclass(slots=True)
class RadiusResult:
    """The end of a request: `status` accept / reject / challenge (Access-Request), response
    (Accounting-Request) or timeout (every server tried, or none alive); `reply` the verified packet."""

    token: object
    status: str
    reply: Packet | None
    server: ServerSpec | None
    request: bytes


# ---- counters ----------------------------------------------------------------------------------------

@dataclass(slots=True)
class KindStats:
    """The counters of one `Authen:` / `Author:` / `Account:` block of `show aaa servers`."""

    request: int = 0  # every transmission, retransmissions included
    timeouts: int = 0  # every timer expiry
    failover: int = 0
    retransmission: int = 0
    accept: int = 0
    reject: int = 0
    challenge: int = 0
    unexpected: int = 0  # replies for no request in flight
    server_error: int = 0
    incorrect: int = 0
    success: int = 0  # transactions answered
    failure: int = 0  # transactions this server never answered
    malformed: int = 0
    bad_authenticators: int = 0
    rtt_total: float = 0.0  # seconds, over `success` answers
    req_start: int = 0
    req_interim: int = 0
    req_stop: int = 0
    resp_start: int = 0
    resp_interim: int = 0
    resp_stop: int = 0

    @property
    def time_ms(self) -> int:
        return round(self.rtt_total * 1000 / self.success) if self.success else 0


@dataclass(slots=True)
class ServerStats:
    spec: ServerSpec
    since: float  # counters started (the client first saw the server)
    auth: KindStats = field(default_factory=KindStats)
    author: KindStats = field(default_factory=KindStats)
    acct: KindStats = field(default_factory=KindStats)
    dead_until: float | None = None
    state_since: float = 0.0
    previous_duration: float = 0.0
    dead_total: float = 0.0
    dead_count: int = 0
    per_minute: dict[int, int] = field(default_factory=dict)  # minute since `since` -> transmissions
    last_answer: float | None = None  # when the server last answered anything (dead-criteria)
    unanswered: int = 0  # transmissions since that answer (dead-criteria)

    def kind(self, kind: str) -> KindStats:
        return getattr(self, kind)

    @property
    def dead(self) -> bool:
        return self.dead_until is not None


# ---- requests in flight ------------------------------------------------------------------------------

@dataclass(slots=True)
class _Request:
    seq: int
    token: object
    aaa_id: int
    kind: str
    code: int
    servers: list[ServerSpec]
    index: int
    attrs: list[tuple[str, object]]
    src_ip: str | None
    port: int
    ident: int
    authenticator: bytes | None
    ma: bool
    submitted: float
    acct: str | None = None  # an Accounting-Request's status: start, stop, interim (its counters)
    data: bytes = b""
    sent_at: float = 0.0
    due: float = 0.0
    tries: int = 0
    st: "ServerStats | None" = None  # the current server's counters (set at each first transmission to it)
    has_ma: bool = False  # the encoded request carries a Message-Authenticator (its reply must, BlastRADIUS)
    src: tuple = ()  # the datagram's source and destination for the current server (set with `st`); a reply
    dst: tuple = ()  # must come from `dst`

    @property
    def server(self) -> ServerSpec:
        return self.servers[self.index]


class RadiusClient:
    """See the module docstring.  `debug(flag)` says whether a `debug` flag is on ("radius",
    "radius authentication", "radius accounting"); the debug text is only built when it is."""

    def __init__(self, rng: Callable[[int], bytes], debug: Callable[[str], bool] = lambda flag: False):
        self.rng = rng
        self.debug = debug
        self.pending: dict[tuple[int, int], _Request] = {}
        self.next_ident: dict[int, int] = {}
        self.waiting: deque[tuple] = deque()  # submissions waiting for a free identifier
        self.servers: dict[tuple[str, int, int], ServerStats] = {}
        self._dead = 0  # servers marked dead now (none: nothing to revive on the hot path)
        self.stats: dict[str, int] = {k: 0 for k in (
            "requests", "retransmissions", "timeouts", "responses", "dropped", "unknown_id", "wrong_source",
            "bad_authenticator", "malformed")}
        self.started: float | None = None
        self.last_now: float = 0.0
        self._seq = 0
        # Optional: an object whose `debug` is the set of debug flags `debug` reads (the router); when that set
        # is empty no flag is on, which is then known without asking `debug` (asked twice a datagram).
        self.debug_source = None

    # -- public entry points ---------------------------------------------------------------------------
    def submit(self, now: float, token: object, aaa_id: int, kind: str, servers: list[ServerSpec],
               attrs: list[tuple[str, object]], src_ip: str | None = None,
               message_authenticator: bool | None = None, acct_status: str | None = None) -> list:
        """Start a request.  `kind` "auth" (Access-Request, counted as authentication), "author"
        (Access-Request counted as authorization) or "acct" (Accounting-Request).  An Access-Request gets a
        Message-Authenticator when `message_authenticator` is True, or by default when it carries an
        EAP-Message (RFC 3579 §3.3); an attribute ("Message-Authenticator", None) places it.  `src_ip` is the
        source for servers whose spec has none.  `acct_status`: an Accounting-Request's Acct-Status-Type
        (Start, Stop, Interim-Update) when the caller knows it, else read from `attrs`."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        if self.started is None:  # (self._clock(now), inline: this is every request's path)
            self.started = now
        if now > self.last_now:
            self.last_now = now
        out: list = []
        if self._dead:
            self._revive(now, out)
        acct = kind == "acct"
        code = ACCOUNTING_REQUEST if acct else ACCESS_REQUEST
        if message_authenticator is None:
            message_authenticator = not acct and "EAP-Message" in map(_NAME, attrs)
        index = first = None  # the first server alive (every server of the list gets its counters on the way)
        for j, s in enumerate(servers):
            st = self._stats(s, now)
            if st.dead_until is None and index is None:
                index, first = j, st
        if index is None:
            out.append(RadiusResult(token, "timeout", None, None, b""))
            return out
        port = ACCT_PORT if acct else AUTH_PORT
        ident = self._alloc(port)
        if ident is None:
            self.waiting.append((token, aaa_id, kind, list(servers), list(attrs), src_ip, message_authenticator))
            return out
        self._seq += 1
        if acct:
            status = ACCT_STATUS.get(acct_status) if acct_status is not None else self._acct_status(attrs)
        else:
            status = None
        req = _Request(self._seq, token, aaa_id, kind, code, list(servers), index, list(attrs), src_ip, port,
                       ident, None if acct else self.rng(16), message_authenticator, now, status)
        self.pending[(port, ident)] = req
        self._send(req, now, out, None, first)
        return out

    def receive(self, data: bytes, src: tuple[str, int], dst: tuple[str, int], now: float) -> list:
        """A datagram that arrived on one of our RADIUS ports."""
        if self.started is None:  # (self._clock(now), inline)
            self.started = now
        if now > self.last_now:
            self.last_now = now
        out: list = []
        req = self.pending.get((dst[1], data[1])) if len(data) >= 2 else None
        if req is None:
            self._drop("unknown_id" if len(data) >= 20 else "malformed")
            known = self._known(src)
            if known is not None:
                (known.kind("acct" if dst[1] == ACCT_PORT else "auth")).unexpected += 1
            return out
        expect = req.dst
        if src[1] != expect[1] or src[0] != expect[0]:
            self._drop("wrong_source")
            return out
        server = req.servers[req.index]
        st = req.st
        k = getattr(st, req.kind)
        try:
            reply = verify_reply(data, req.data, server.key, req.has_ma)
        except BadPacket as e:
            if e.reason in AUTH_FAILURES:
                k.bad_authenticators += 1
                self._drop("bad_authenticator")
                if self._debug_on(req.kind):
                    out.append(Log((D.failed_decrypt(req.ident),)))
            else:
                k.malformed += 1
                self._drop("malformed")
            return out
        status = STATUS.get(reply.code, "response")
        if status in ("accept", "reject", "challenge"):
            setattr(k, status, getattr(k, status) + 1)
        elif req.acct:
            field_ = _RESP_COUNTER[req.acct]
            setattr(k, field_, getattr(k, field_) + 1)
        k.success += 1
        if now > req.sent_at:
            k.rtt_total += now - req.sent_at
        st.last_answer, st.unanswered = now, 0
        self.stats["responses"] += 1
        if self._debug_on(req.kind):
            out.append(Log(tuple(D.received_block(req.aaa_id, data, (src[0], src[1]), req.port))))
        self._finish(req, now, out, RadiusResult(req.token, status, reply, server, req.data))
        return out

    def tick(self, now: float) -> list:
        """Timers: retransmissions, fail-overs, final timeouts, and dead servers coming back."""
        self._clock(now)
        out: list = []
        self._revive(now, out)
        for req in sorted((r for r in self.pending.values() if r.due <= now), key=lambda r: (r.due, r.seq)):
            if self.pending.get((req.port, req.ident)) is req:
                self._expire(req, now, out)
        return out

    def next_due(self) -> float | None:
        dues = [r.due for r in self.pending.values()]
        dues += [s.dead_until for s in self.servers.values() if s.dead_until is not None]
        return min(dues) if dues else None

    def cancel(self, token: object) -> None:
        """Forget the requests of `token` (their session went away); late replies are then dropped."""
        for key, req in list(self.pending.items()):
            if req.token == token:
                del self.pending[key]
        self.waiting = deque(w for w in self.waiting if w[0] != token)

    def owns(self, dst: tuple[str, int]) -> bool:
        """Whether a datagram to `dst` is for us (it arrived on one of our RADIUS source ports)."""
        return dst[1] in (AUTH_PORT, ACCT_PORT)

    def server_stats(self, spec: ServerSpec) -> ServerStats | None:
        return self.servers.get(spec.id)

    def outstanding(self, spec: ServerSpec, kind: str) -> int:
        """Requests in flight to `spec`: kind "access" (auth and author) or "acct"."""
        kinds = ("acct",) if kind == "acct" else ("auth", "author")
        return sum(1 for r in self.pending.values() if r.server.id == spec.id and r.kind in kinds)

    # -- internals -------------------------------------------------------------------------------------
    def _clock(self, now: float) -> None:
        if self.started is None:
            self.started = now
        if now > self.last_now:
            self.last_now = now

    def _debug_on(self, kind: str) -> bool:
        source = self.debug_source
        if source is not None and not source.debug:
            return False
        debug = self.debug
        return debug("radius") or debug("radius accounting" if kind == "acct" else "radius authentication")

    def _drop(self, why: str) -> None:
        self.stats["dropped"] += 1
        self.stats[why] += 1

    def _stats(self, spec: ServerSpec, now: float) -> ServerStats:
        st = self.servers.get(spec.id)
        if st is None:
            st = self.servers[spec.id] = ServerStats(spec, now, state_since=now)
        else:
            st.spec = spec  # the latest config (key, timeout...) for show
        return st

    def _known(self, src: tuple[str, int]) -> ServerStats | None:
        for st in self.servers.values():
            if st.spec.address == src[0] and src[1] in (st.spec.auth_port, st.spec.acct_port):
                return st
        return None

    def _alloc(self, port: int) -> int | None:
        start = self.next_ident.get(port, 1)
        if (port, start) not in self.pending:  # the usual case
            self.next_ident[port] = (start + 1) % 256
            return start
        for i in range(256):
            ident = (start + i) % 256
            if (port, ident) not in self.pending:
                self.next_ident[port] = (ident + 1) % 256
                return ident
        return None

    def _next_alive(self, servers: list[ServerSpec], after: int) -> int | None:
        for j in range(after + 1, len(servers)):
            st = self.servers.get(servers[j].id)
            if st is None or not st.dead:
                return j
        return None

    def _acct_status(self, attrs) -> str | None:
        for name, value in attrs:
            if name == "Acct-Status-Type":
                return ACCT_STATUS.get(value)
        return None

    def _encode(self, req: _Request, now: float) -> bytes:
        server = req.servers[req.index]
        attrs = req.attrs
        delay = int(now - req.submitted) if req.port == ACCT_PORT else 0
        if delay:  # every Acct-Delay-Time says how long the record has waited (within its first second: as given)
            names = list(map(_NAME, attrs))
            count = names.count(ACCT_DELAY)
            if count:
                attrs = list(attrs)
                i = -1
                for _ in range(count):
                    i = names.index(ACCT_DELAY, i + 1)
                    attrs[i] = (ACCT_DELAY, delay)
        req.data, req.has_ma = encode_request_ma(req.code, req.ident, server.key, attrs, req.authenticator, req.ma)
        return req.data

    def _count_send(self, req: _Request, now: float) -> KindStats:
        st = req.st
        k = getattr(st, req.kind)
        k.request += 1
        minute = int((now - st.since) // 60)
        st.per_minute[minute] = st.per_minute.get(minute, 0) + 1
        self.stats["requests"] += 1
        return k

    def _send(self, req: _Request, now: float, out: list, lead: list[str] | None,
              st: ServerStats | None = None) -> None:
        """First transmission to the current server (initial, or after a fail-over: `lead` lines first);
        `st` its counters when the caller has them."""
        server = req.servers[req.index]
        self._encode(req, now)
        req.st = st if st is not None else self._stats(server, now)
        req.src = (server.source or req.src_ip or "0.0.0.0", req.port)
        req.dst = (server.address, server.acct_port if req.port == ACCT_PORT else server.auth_port)
        req.sent_at, req.due, req.tries = now, now + server.timeout, 0
        k = self._count_send(req, now)
        if req.acct:
            field_ = _REQ_COUNTER[req.acct]
            setattr(k, field_, getattr(k, field_) + 1)
        dgram = Datagram(req.data, req.src, req.dst)
        if self._debug_on(req.kind):
            if lead:  # a fail-over: the packet was encoded again, for the new server's key
                lines = [*lead, D.best_local(dgram.src[0], server.address),
                         D.started_timeout(req.aaa_id, server.timeout)]
            else:  # the AAA layer printed its `RADIUS/ENCODE: Best Local IP-Address` line before this
                lines = [*D.send_block(req.aaa_id, req.data, dgram.dst, req.port),
                         *D.sending(req.aaa_id, server.address, server.timeout)]
            out.append(Log(tuple(lines)))
        out.append(dgram)

    def _expire(self, req: _Request, now: float, out: list) -> None:
        server = req.server
        st = self._stats(server, now)
        k = st.kind(req.kind)
        k.timeouts += 1
        self.stats["timeouts"] += 1
        debug = self._debug_on(req.kind)
        lines = [D.timed_out(req.aaa_id)] if debug else []
        addr = (server.address, server.auth_port, server.acct_port)
        if req.tries < server.retransmit:
            req.tries += 1
            k.retransmission += 1
            self.stats["retransmissions"] += 1
            if req.kind == "acct":
                req.data = self._encode(req, now)  # Acct-Delay-Time moves on
            self._count_send(req, now)
            req.sent_at, req.due = now, now + server.timeout
            if debug:
                lines += [D.retransmit(*addr, req.port, req.ident), D.started_timeout(req.aaa_id, server.timeout)]
                out.append(Log(tuple(lines)))
            out.append(Datagram(req.data, req.src, req.dst))
            return
        k.failure += 1
        st.unanswered += 1 + server.retransmit
        if debug:
            lines.append(D.no_response(*addr, req.port, req.ident))
        if self._meets_dead_criteria(st, now):
            self._mark_dead(st, now, out if not debug else None, lines)
        nxt = self._next_alive(req.servers, req.index)
        if nxt is not None:
            k.failover += 1
            req.index = nxt
            new = req.server
            lead = [*lines, D.failover(new.address, new.auth_port, new.acct_port, req.port, req.ident)] if debug else None
            self._send(req, now, out, lead)
            return
        if debug:
            out.append(Log(tuple(lines)))
        self._finish(req, now, out, RadiusResult(req.token, "timeout", None, None, req.data))

    @staticmethod
    def _meets_dead_criteria(st: ServerStats, now: float) -> bool:
        """Without `radius-server dead-criteria` a server that exhausted its retries is dead; with it, only once
        it has left `tries` transmissions unanswered and not answered for `time` seconds."""
        spec = st.spec
        if spec.dead_tries is not None and st.unanswered < spec.dead_tries:
            return False
        if spec.dead_time is not None:
            quiet_since = st.last_answer if st.last_answer is not None else st.since
            if now - quiet_since < spec.dead_time:
                return False
        return True

    def _mark_dead(self, st: ServerStats, now: float, out: list | None, lines: list[str]) -> None:
        """The server exhausted its retries: RADIUS_DEAD, and with deadtime 0 RADIUS_ALIVE at once (IOS)."""
        spec = st.spec
        addr = (spec.address, spec.auth_port, spec.acct_port)
        msgs = [D.server_dead(*addr)]
        st.dead_count += 1
        if spec.deadtime > 0:
            st.previous_duration = now - st.state_since
            st.state_since = now
            st.dead_until = now + spec.deadtime * 60
            self._dead += 1
        else:
            msgs.append(D.server_alive(*addr))
        if out is not None:
            out.append(Log(tuple(msgs)))
        else:
            lines.extend(msgs)

    def _revive(self, now: float, out: list) -> None:
        if not self._dead:
            return
        for st in self.servers.values():
            if st.dead_until is not None and st.dead_until <= now:
                st.dead_total += st.dead_until - st.state_since
                st.previous_duration = st.dead_until - st.state_since
                st.state_since = st.dead_until
                st.dead_until = None
                self._dead -= 1
                spec = st.spec
                out.append(Log((D.server_alive(spec.address, spec.auth_port, spec.acct_port),)))

    def _finish(self, req: _Request, now: float, out: list, result: RadiusResult) -> None:
        self.pending.pop((req.port, req.ident), None)
        out.append(result)
        while self.waiting:  # submissions that waited for an identifier
            port = ACCT_PORT if self.waiting[0][2] == "acct" else AUTH_PORT
            if self._alloc_peek(port) is None:
                break
            token, aaa_id, kind, servers, attrs, src_ip, ma = self.waiting.popleft()
            out.extend(self.submit(now, token, aaa_id, kind, servers, attrs, src_ip, ma))

    def _alloc_peek(self, port: int) -> int | None:
        return next((i for i in range(256) if (port, i) not in self.pending), None)


# ---- helpers for the AAA layer ------------------------------------------------------------------------

# Transport attributes, not authorization: left out of `reply_pairs`.
_TRANSPORT = {"Message-Authenticator", "Proxy-State"}


@lru_cache(maxsize=None)
def _attr_info(key):
    """(name, dictionary attribute) of an attribute code or (vendor, code); None when the dictionary does not
    know it.  Looked up once per key: the dictionary never changes after loading."""
    d = load_dictionary()
    if not d.attrindex.HasBackward(key):
        return None
    name = d.attrindex.GetBackward(key)
    return name, d.attributes[name]


def reply_pairs(result: RadiusResult) -> list[tuple[str, object]]:
    """A verified reply's attributes as (dictionary name, value) pairs in packet order, for the AAA layer:
    values decoded by type (see Packet.get_all), Tunnel-Password and MS-MPPE keys decrypted to bytes (a
    Tunnel-Password with a tag other than 0 is named `Tunnel-Password:<tag>`), unknown attributes as
    (str(code), bytes).  Message-Authenticator and Proxy-State are left out."""
    pkt = result.reply
    if pkt is None:
        return []
    out: list[tuple[str, object]] = []
    for a in pkt.attributes:
        if a.vendor is not None and a.subs:  # (a vendor is only set on a Vendor-Specific attribute)
            items = [((a.vendor, t), v) for t, v in a.subs]
        else:
            items = ((a.type, a.value),)
        for key, value in items:
            info = _INFO.get(key)
            if info is None:
                info = _INFO[key] = _reply_info(key)
            name, how, da = info
            if how is _TEXT:
                try:
                    value = value.decode()
                except UnicodeDecodeError:
                    pass  # kept raw
            elif how is _SKIP:
                continue
            elif how is _SALTED:
                tag = 0
                if da.has_tag and len(value) % 16 != 2:
                    tag, value = value[0], value[1:]
                try:
                    value = salt_decrypt(value, result.server.key if result.server is not None else b"",
                                         bytes(result.request[4:20]))
                except BadPacket:
                    continue  # does not decrypt: nothing usable
                if tag:
                    name = f"{name}:{tag}"
            elif how is _VALUE:
                try:
                    value = _decode_value(da, value)
                except BadPacket:
                    pass  # a value its type cannot read: raw, for the AAA layer to refuse
            out.append((name, value))
    return out


# How reply_pairs treats an attribute, found once per code or (vendor, code): the dictionary never changes.
_TEXT, _RAW, _SKIP, _SALTED, _VALUE = "text", "raw", "skip", "salted", "value"


def _reply_info(key) -> tuple:
    """(name, how, dictionary attribute) for reply_pairs: a string in UTF-8 (raw when it is not), octets as
    they are, transport attributes left out, salt-encrypted ones decrypted, anything else by its type."""
    info = _attr_info(key)
    if info is None:
        return str(key), _RAW, None
    name, da = info
    if name in _TRANSPORT:
        return name, _SKIP, da
    if da.encrypt == 2:
        return name, _SALTED, da
    if not da.has_tag and not da.encrypt and da.type == "string":
        return name, _TEXT, da
    if not da.has_tag and (da.encrypt or da.type in ("octets", "abinary", "tlv")):
        return name, _RAW, da
    return name, _VALUE, da


_INFO: dict = {}  # attribute code or (vendor, code) -> _reply_info(key), one dict lookup per attribute

"""The AAA service: answers the IKEv2 engine's AAA requests and keeps accounting, sans-I/O.

    events = aaa.handle(AaaRequest, now)         # a PSK lookup or an authorization
    events = aaa.on_radius(RadiusResult, now)    # a RADIUS answer (or time-out) for one of ours
    events = aaa.session_up(session, now) / session_down(session, now) / tick(now)   # accounting

Each request runs as a job: a generator of steps (aaa/authorization.py's method-list walk) that yields a
`RadiusAuthor` whenever a method is `group G`; the job is then parked under a token until the RADIUS client's
result comes back, exactly like the IKE_AUTH that asked.  Local methods answer at once, so a router with local
keys and policy answers in the same call (`AaaAnswer` comes back in the returned events).

What goes out is only events: RADIUS datagrams (through the RADIUS client), `Log` lines (debug aaa, debug
radius and the IKEv2 lines IOS prints around AAA, through the builders in crypto/debug.py), and `AaaAnswer`s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..crypto import debug as IK
from ..config.secrets import verify_secret
from ..crypto.state import Identity
from ..events import AaaAnswer, Log
from . import authorization as Z
from . import debug as AD
from ..radius import servers as RS
from ..radius.client import reply_pairs
from ..sessions import Accounting
from .attrs import Attrs, attrs_from_radius

# `debug` flags (router.debug)
RADIUS_AUTH, RADIUS_ACCT = "radius authentication", "radius accounting"
AAA_AUTHOR, AAA_ACCT = "aaa authorization", "aaa accounting"


def flag_on(debug: set, flag: str) -> bool:
    """`debug radius` turns on both radius flags."""
    if not debug:  # the usual case, asked several times per AAA transaction
        return False
    return flag in debug or (flag.startswith("radius") and "radius" in debug)


# ---- what the engine asks ------------------------------------------------------------------------------------


@dataclass(slots=True)
class PskLookup:
    """`keyring aaa LIST [name-mangler M] [password P]`: the peer's keys from AAA."""

    session_id: int
    local: tuple[str, int]
    remote: tuple[str, int]
    username: str
    method_list: str
    password: str | None = None


@dataclass(slots=True)
class PskAnswer:
    ok: bool
    local_key: bytes | None = None
    remote_key: bytes | None = None
    symmetric: bool = True
    attrs: Attrs | None = None  # the reply's other attributes (implicit authorization with `... cached`)
    error: str = ""


@dataclass(slots=True)
class Authorize:
    """Chapter step 1 and 2: group, implicit and user authorization merged, then the address."""

    session_id: int
    local: tuple[str, int]
    remote: tuple[str, int]
    profile: str
    identity: Identity | None
    auth_method: str
    request_attrs: tuple = ()
    eap_id: str | None = None
    implicit: Attrs | None = None
    sa_state: object = None  # for the IKEv2 debug prefix


@dataclass(slots=True)
class LoginAuth:
    """RADIUS authentication of a user through server group `group` (a vty login's `group` method,
    `test aaa group`): Access-Request with User-Name, User-Password, Service-Type Login."""

    group: str
    username: str
    password: str


@dataclass(slots=True)
class PasswordAuth:
    """AnyConnect-EAP's user credentials (chapter, "User Authentication, Using AnyConnect-EAP"): the methods of
    the `aaa authentication login` list the profile's `aaa authentication anyconnect-eap LIST` names, in order:
    `local` checks `username ... password|secret`, `group G` sends an Access-Request with User-Password; a
    list nobody defined means the local users.  Answered with a PasswordAnswer."""

    session_id: int
    local: tuple[str, int]
    remote: tuple[str, int]
    method_list: str
    username: str
    password: str
    sa_state: object = None  # for the IKEv2 debug prefix


@dataclass(slots=True)
class PasswordAnswer:
    status: str  # PASS, FAIL (wrong credentials, Access-Reject), ERROR (no method could answer)
    attrs: Attrs | None = None  # the Access-Accept's attributes (implicit authorization: `... cached`)
    source: str = ""  # local | group G


@dataclass(slots=True)
class LoginAnswer:
    status: str  # PASS (Access-Accept), FAIL (Access-Reject), ERROR (no server answered / no server)
    attributes: list = field(default_factory=list)  # the Access-Accept's (name, value) pairs


@dataclass(slots=True)
class EapRelay:
    """One round of an EAP conversation relayed to RADIUS (chapter, "EAP Authentication"): the client's
    EAP-Response in an Access-Request through `aaa authentication eap LIST` (an `aaa authentication login`
    list).  `state` is the last Access-Challenge's State, `server` the server that sent it (the rest of the
    conversation stays with it: State means nothing to another server)."""

    session_id: int
    local: tuple[str, int]
    remote: tuple[str, int]
    method_list: str
    username: str  # the EAP identity
    phase1_id: str  # the peer's IKE identity (isakmp-phase1-id)
    eap: bytes  # the EAP packet
    state: bytes | None = None
    server: object = None  # ServerSpec of the conversation, None for its first round
    sa_state: object = None  # for the IKEv2 debug prefix


@dataclass(slots=True)
class EapAnswer:
    """An EAP round's outcome: `status` challenge / accept / reject / error (no server answered or none
    configured).  `eap` the EAP packet of the reply (EAP-Message), `msk` MS-MPPE-Recv-Key || Send-Key when
    the method made keys, `username` the Access-Accept's User-Name, `attrs` its authorization attributes
    (implicit authorization: `aaa authorization user eap cached`)."""

    status: str
    eap: bytes | None = None
    state: bytes | None = None
    server: object = None
    msk: bytes | None = None
    username: str | None = None
    attrs: Attrs | None = None
    error: str = ""


# Access-Accept attributes that belong to the EAP conversation, not to the session's authorization.
EAP_TRANSPORT = frozenset({"EAP-Message", "State", "MS-MPPE-Recv-Key", "MS-MPPE-Send-Key", "User-Name",
                           "Service-Type"})


@dataclass(slots=True)
class _Job:
    token: object  # the engine's token, answered with AaaAnswer
    steps: object  # generator
    request: object
    aaa_id: int = 0


@dataclass(slots=True)
class EapRound:
    """A step of an EAP relay job: send the round to server group `group` (None: to `relay.server`)."""

    group: str | None
    relay: EapRelay


_ACCOUNTING = object()  # the job of an Accounting-Request: its answer only ends the transaction


DEFAULT_PASSWORD = "cisco"  # IOS's User-Password for PSK and authorization lookups without `password`


class AaaService:
    def __init__(self, router, sessions, radius):
        self.router = router
        self.sessions = sessions
        self.radius = radius
        self._jobs: dict[int, object] = {}
        self._next = 0
        self._groups: dict[str, tuple] = {}  # group -> (config generation, servers, source address)
        radius.debug_source = router  # an empty router.debug: no RADIUS debug line to build, known at once

    # -- plumbing ------------------------------------------------------------------------------------------
    def _log(self, out: list, flag: str, build, *args) -> None:
        """Debug lines of `flag`, built (`build(*args)`) only when the flag is on: this runs for every
        RADIUS transaction."""
        debug = self.router.debug
        if debug and flag_on(debug, flag):
            lines = build(*args)
            if lines:
                out.append(Log(tuple(lines)))

    def _ike_log(self, out: list, build, *args) -> None:
        """The IKEv2 lines IOS prints around AAA (`debug crypto ikev2`), built only when it is on."""
        dbg = self.router.debug
        if dbg and IK.enabled(self.router):
            keep = IK.filter_lines(build(*args), dbg)
            if keep:
                out.append(Log(tuple(keep)))

    def _token(self, job) -> int:
        self._next += 1
        self._jobs[self._next] = job
        return self._next

    def _group(self, group: str) -> tuple[list, str | None]:
        """The servers of `group G` and the address the requests leave from, derived from the running-config
        again only when it changed (radius/servers.py reads it)."""
        cfg = self.router.config
        hit = self._groups.get(group)
        if hit is not None and hit[0] == cfg.generation:
            return hit[1], hit[2]
        servers = RS.group_servers(cfg, group)
        src = servers[0].source if servers else None  # group_servers gave each its best local address
        self._groups[group] = (cfg.generation, servers, src)
        return servers, src

    # -- requests ------------------------------------------------------------------------------------------
    def handle(self, req, now: float) -> list:
        data = req.data
        if isinstance(data, PskLookup):
            job = _Job(req.token, self._psk_steps(data), data)
        elif isinstance(data, Authorize):
            job = _Job(req.token, self._author_steps(data), data)
        elif isinstance(data, LoginAuth):
            job = _Job(req.token, self._login_steps(data), data)
        elif isinstance(data, EapRelay):
            job = _Job(req.token, self._eap_steps(data), data)
        elif isinstance(data, PasswordAuth):
            job = _Job(req.token, self._password_steps(data), data)
        else:
            return [AaaAnswer(req.token, None)]
        return self._step(job, None, now)

    def _session(self, data, now):
        return self.sessions.ensure(data.session_id, data.local, data.remote, now)

    def _keep(self, req, value, now: float) -> None:
        """The session record keeps what AAA decided: the merged authorization (and its address lease).  The
        attributes of an AAA PSK lookup go to the engine in the PskAnswer (implicit authorization merges them
        into that authorization) and are not kept here: nothing reads them after IKE_AUTH, and a reply's
        Attrs is a dozen objects more for the collector to walk per session."""
        if isinstance(req, (LoginAuth, EapRelay, PasswordAuth)):
            return
        session = self._session(req, now)  # (a PSK lookup answered locally makes the record here, as before)
        if isinstance(req, Authorize):
            session.authorization = value

    def session_gone(self, session_id: int, session=None) -> None:
        """The engine dropped the session: its AAA transactions in flight are abandoned (a late RADIUS answer
        is then dropped by the client and never resurrects the session), and its address goes back to the
        pool."""
        for token, job in list(self._jobs.items()):
            if isinstance(job, _Job) and getattr(job.request, "session_id", None) == session_id:
                del self._jobs[token]
                self.radius.cancel(token)
        if session is not None and session.authorization is not None:
            Z.release_result(self.router, session.authorization)

    def _psk_steps(self, req: PskLookup):
        attrs, why = yield from Z.run_list(self.router.config, req.method_list, req.username,
                                           req.password or DEFAULT_PASSWORD, "psk")
        if attrs is None:
            return PskAnswer(False, error=why)
        local = attrs.psk_local or attrs.psk
        remote = attrs.psk_remote or attrs.psk
        if local is None or remote is None:
            return PskAnswer(False, error="no pre-shared key in the AAA reply")
        return PskAnswer(True, _b(local), _b(remote), symmetric=attrs.psk_local is None and attrs.psk_remote is None,
                         attrs=attrs)

    def _login_steps(self, req: LoginAuth):
        answer = yield Z.RadiusAuthor(req.group, req.username, req.password, "login", "")
        if answer is Z.NO_ANSWER:
            return LoginAnswer("ERROR")
        if answer is None:
            return LoginAnswer("FAIL")
        return LoginAnswer("PASS", answer)

    def _password_steps(self, req: PasswordAuth):
        cfg = self.router.config
        ml = cfg.aaa_methods.get("authentication login", req.method_list)
        methods = list(ml.methods) if ml is not None and ml.methods else ["local"]
        for method in methods:
            if method in ("local", "local-case"):
                user = cfg.username.users.get(req.username)
                ok = user is not None and (verify_secret(user.secret, req.password) if user.secret is not None
                                           else req.password == "")
                return PasswordAnswer("PASS" if ok else "FAIL", source="local")
            if method.startswith("group "):
                group = method.split(None, 1)[1]
                answer = yield Z.RadiusAuthor(group, req.username, req.password, "login", req.method_list)
                if answer is Z.NO_ANSWER:
                    continue
                if answer is None:
                    return PasswordAnswer("FAIL", source=method)
                return PasswordAnswer("PASS", attrs=answer, source=method)
            if method == "none":
                return PasswordAnswer("PASS", source="none")
        return PasswordAnswer("ERROR")

    def _eap_steps(self, req: EapRelay):
        """The methods of the `aaa authentication login` list the profile's `aaa authentication eap` names:
        the first `group G` with a server carries the round (EAP needs a RADIUS server: `local` cannot)."""
        if req.server is not None:
            answer = yield EapRound(None, req)
            if answer is Z.NO_ANSWER:
                return EapAnswer("error", error="the RADIUS server of the EAP conversation did not answer")
            return answer
        ml = self.router.config.aaa_methods.get("authentication login", req.method_list)
        if ml is None:
            return EapAnswer("error", error=f"method list {req.method_list} not defined")
        for method in ml.methods:
            if method.startswith("group "):
                answer = yield EapRound(method.split(None, 1)[1], req)
                if answer is not Z.NO_ANSWER:
                    return answer
        return EapAnswer("error", error=f"no RADIUS server of list {req.method_list} answered")

    def _author_steps(self, req: Authorize):
        cfg = self.router.config
        profile = cfg.ikev2_profile.items.get(req.profile)
        res = yield from Z.authorize_steps(cfg, profile, req.identity, req.auth_method, req.request_attrs,
                                           req.eap_id, req.implicit, leases=self.router.pools)
        return res

    def _step(self, job: _Job, value, now: float) -> list:
        out: list = []
        while True:
            try:
                ask = job.steps.send(value)
            except StopIteration as stop:
                self._keep(job.request, stop.value, now)
                out.append(AaaAnswer(job.token, stop.value))
                return out
            sent = self._radius_author(job, ask, now, out)
            if sent:
                return out
            value = Z.NO_ANSWER  # no server in that group: the next method

    def _radius_author(self, job: _Job, ask, now: float, out: list) -> bool:
        if isinstance(ask, EapRound):
            return self._radius_eap(job, ask, now, out)
        servers, src = self._group(ask.group)
        if not servers:
            return False
        req = job.request
        if isinstance(req, LoginAuth):
            return self._radius_login(job, ask, servers, src, now, out)
        if isinstance(req, PasswordAuth):
            return self._radius_password(job, ask, servers, src, now, out)
        session = self._session(req, now)
        if not session.aaa_id:
            session.aaa_id = self.sessions.next_aaa_id()
        job.aaa_id = session.aaa_id
        if self.router.debug:  # (the usual case, no debug at all, known without a call)
            if ask.kind == "user":
                self._ike_log(out, lambda: IK.user_author_request(ask.method_list, ask.username)
                              + IK.aaa_request(getattr(req, "sa_state", None), "Authorization"))
            self._log(out, RADIUS_AUTH, AD.author_request, session.aaa_id, ask.group, src, servers[0].address)
        attrs = [("User-Name", ask.username), ("User-Password", ask.password or DEFAULT_PASSWORD),
                 ("Calling-Station-Id", req.remote[0]),
                 ("Cisco-AVPair", f"audit-session-id={session.audit_session_id}"),
                 ("Service-Type", 5),  # Outbound
                 ("NAS-IP-Address", src)]
        token = self._token(job)
        out.extend(self.radius.submit(now, token, session.aaa_id, "author", servers, attrs, src, False))
        return True

    def _radius_eap(self, job: _Job, ask: "EapRound", now: float, out: list) -> bool:
        """An Access-Request carrying the client's EAP-Response, with the attributes (and in the order) of the
        chapter's EAP example; State echoes the last Access-Challenge (RFC 2865 §5.24), and the
        Message-Authenticator is always there (RFC 3579 §3.3)."""
        req = ask.relay
        if ask.group is None:
            servers, src = [req.server], req.server.source  # a spec of group_servers: its source is set
        else:
            servers, src = self._group(ask.group)
            if not servers:
                return False
        session = self._session(req, now)
        if not session.aaa_id:
            session.aaa_id = self.sessions.next_aaa_id()
        job.aaa_id = session.aaa_id
        attrs: list = [("Service-Type", 1),  # Login
                       ("Cisco-AVPair", "service-type=Login"),
                       ("Cisco-AVPair", f"isakmp-phase1-id={req.phase1_id}"),
                       ("Calling-Station-Id", req.remote[0]),
                       ("Cisco-AVPair", f"audit-session-id={session.audit_session_id}"),
                       ("User-Name", req.username)]
        attrs += [("EAP-Message", req.eap[i:i + 253]) for i in range(0, max(len(req.eap), 1), 253)]
        if req.state is not None:
            attrs.append(("State", req.state))
        attrs += [("Message-Authenticator", b""), ("NAS-IP-Address", src)]
        token = self._token(job)
        out.extend(self.radius.submit(now, token, session.aaa_id, "auth", servers, attrs, src, True))
        return True

    def _radius_login(self, job: _Job, ask, servers, src, now: float, out: list) -> bool:
        job.aaa_id = self.sessions.next_aaa_id()
        attrs = [("User-Name", ask.username), ("User-Password", ask.password), ("Service-Type", 1),  # Login
                 ("NAS-IP-Address", src)]
        token = self._token(job)
        out.extend(self.radius.submit(now, token, job.aaa_id, "auth", servers, attrs, src, False))
        return True

    def _radius_password(self, job: _Job, ask, servers, src, now: float, out: list) -> bool:
        """AnyConnect-EAP credentials: User-Name, User-Password (RFC 2865 hidden), Service-Type Login, the
        session's Calling-Station-Id and audit-session-id (as its other requests), NAS-IP-Address."""
        req = job.request
        session = self._session(req, now)
        if not session.aaa_id:
            session.aaa_id = self.sessions.next_aaa_id()
        job.aaa_id = session.aaa_id
        attrs = [("User-Name", ask.username), ("User-Password", ask.password), ("Service-Type", 1),  # Login
                 ("Calling-Station-Id", req.remote[0]),
                 ("Cisco-AVPair", f"audit-session-id={session.audit_session_id}"),
                 ("NAS-IP-Address", src)]
        token = self._token(job)
        out.extend(self.radius.submit(now, token, session.aaa_id, "auth", servers, attrs, src, False))
        return True

    # -- RADIUS answers ------------------------------------------------------------------------------------
    def on_radius(self, result, now: float) -> list:
        job = self._jobs.pop(result.token, None)
        if job is None:
            return []
        if job is _ACCOUNTING:
            return []  # the client counted it
        out: list = []
        status = result.status
        if isinstance(job.request, EapRelay):
            out.extend(self._step(job, self._eap_answer(result), now))
            return out
        if status == "accept" and isinstance(job.request, LoginAuth):
            value, verdict = reply_pairs(result), "PASS"
        elif status == "accept":
            value, verdict = attrs_from_radius(reply_pairs(result), self.router.config), "PASS"
        elif status == "reject":
            value, verdict = None, "FAIL"
        else:
            value, verdict = Z.NO_ANSWER, "ERROR"
        if self.router.debug:
            if not isinstance(job.request, (LoginAuth, PasswordAuth)):
                self._log(out, RADIUS_AUTH, AD.author_reply, job.aaa_id, verdict)
            if isinstance(value, Attrs) and value.ignored:
                self._log(out, AAA_AUTHOR, AD.ignored_attributes, value.ignored)
        out.extend(self._step(job, value, now))
        return out

    def _eap_answer(self, result):
        """What an EAP round's RADIUS result means for the conversation."""
        status = result.status
        if status not in ("accept", "reject", "challenge"):
            return Z.NO_ANSWER
        pkt = result.reply
        ans = EapAnswer(status, eap=pkt.eap_message(), state=pkt.state(), server=result.server)
        if status == "accept":
            pairs = reply_pairs(result)  # (the MS-MPPE keys decrypted there; one that does not decrypt is left out)
            recv = next((v for n, v in pairs if n == "MS-MPPE-Recv-Key"), None)
            send = next((v for n, v in pairs if n == "MS-MPPE-Send-Key"), None)
            ans.msk = recv + send if recv and send else None  # none: the final AUTH then fails, as it must
            ans.username = next((v for n, v in pairs if n == "User-Name" and isinstance(v, str)), None)
            ans.attrs = attrs_from_radius([(n, v) for n, v in pairs if n not in EAP_TRANSPORT], self.router.config)
        return ans

    # -- accounting --------------------------------------------------------------------------------------------
    def _acct_list(self, session):
        cfg = self.router.config
        prof = cfg.ikev2_profile.items.get(session.profile or "")
        if prof is None:
            return None, None
        name = prof.aaa_accounting.get(session.auth_method or "") or prof.aaa_accounting.get("any")
        if not name:
            return None, None
        ml = cfg.aaa_methods.get("accounting network", name)
        return name, ml

    def session_up(self, session, now: float) -> list:
        name, ml = self._acct_list(session)
        if ml is None or ml.action in ("none",):
            return []
        acct = Accounting(name, self.sessions.next_aaa_id(), self.sessions.next_acct_session_id(), started=now,
                          stop_only=ml.action == "stop-only")
        session.accounting = acct
        upd = self.router.config.aaa_methods.update
        if upd is not None and upd.periodic:
            acct.next_interim = now + 60 * upd.periodic
        out: list = []
        debug = self.router.debug
        if debug:
            self._log(out, AAA_ACCT, AD.acct_start_events, acct.aaa_id)
        if ml.action != "stop-only":
            if debug:
                self._ike_log(out, IK.accounting, session.ike_sa, True)
            out.extend(self._acct_send(session, ml, "Start", now))
            acct.start_sent = True
        return out

    def session_down(self, session, now: float) -> list:
        acct = session.accounting
        if acct is None or acct.stop_sent:
            return []
        name, ml = self._acct_list(session)
        if ml is None:
            return []
        out: list = []
        inp, outp, pin, pout = _counters(session)
        self._log(out, AAA_ACCT, AD.acct_tunnel_down, acct.aaa_id)
        self._ike_log(out, lambda: IK.accounting_counters(inp, outp, pin, pout) + IK.accounting(session.ike_sa, False))
        self._log(out, AAA_ACCT, AD.acct_stop_events, acct.aaa_id)
        out.extend(self._acct_send(session, ml, "Stop", now))
        acct.stop_sent = True
        return out

    def tick(self, now: float) -> list:
        out: list = []
        upd = self.router.config.aaa_methods.update
        for session in list(self.sessions.by_id.values()):
            acct = session.accounting
            if acct is None or acct.stop_sent or acct.next_interim is None or now < acct.next_interim:
                continue
            name, ml = self._acct_list(session)
            if ml is None or upd is None or not upd.periodic:
                acct.next_interim = None
                continue
            acct.next_interim = now + 60 * upd.periodic
            out.extend(self._acct_send(session, ml, "Interim-Update", now))
        return out

    def next_due(self) -> float | None:
        dues = [s.accounting.next_interim for s in self.sessions.by_id.values()
                if s.accounting is not None and s.accounting.next_interim is not None]
        return min(dues) if dues else None

    def _acct_send(self, session, ml, status: str, now: float) -> list:
        out: list = []
        for method in ml.methods:
            if not method.startswith("group "):
                continue
            group = method.split(None, 1)[1]
            servers, src = self._group(group)
            if not servers:
                continue
            attrs = accounting_attributes(session, status, now, src)
            token = self._token(_ACCOUNTING)
            out.extend(self.radius.submit(now, token, session.accounting.aaa_id, "acct", servers, attrs, src,
                                          acct_status=status))
            break  # start-stop goes to the first group that has servers (`broadcast` is not emulated)
        return out


def _b(v) -> bytes:
    return v if isinstance(v, bytes) else str(v).encode()


def _counters(session) -> tuple[int, int, int, int]:
    st = session.ike_sa
    children = getattr(st, "children", None) or []
    return (sum(c.bytes_in for c in children), sum(c.bytes_out for c in children),
            sum(c.pkts_in for c in children), sum(c.pkts_out for c in children))


def accounting_attributes(session, status: str, now: float, nas_ip: str) -> list:
    """An IPsec tunnel's Accounting-Request attributes, in the order the chapter's logs show them.  The Stop
    always says Acct-Terminate-Cause none and disc-cause-ext No Reason, as the chapter's does: which causes IOS
    sends for a clear or a DPD failure is not in any capture we have."""
    acct = session.accounting
    phase1 = session.phase1_id
    user = session.accounted_user
    attrs: list = [("Acct-Session-Id", f"{acct.acct_session_id:08X}"),
                   ("Calling-Station-Id", session.peer[0]),
                   ("Cisco-AVPair", f"audit-session-id={session.audit_session_id}"),
                   ("Cisco-AVPair", f"isakmp-phase1-id={phase1}"),
                   ("Cisco-AVPair", f"isakmp-initator-ip={session.peer[0]}"),
                   ("User-Name", user)]
    if status == "Start":
        attrs += [("Cisco-AVPair", "connect-progress=No Progress"), ("Acct-Authentic", 2)]
    else:
        attrs += [("Acct-Authentic", 2), ("Cisco-AVPair", "connect-progress=No Progress")]
        inp, outp, pin, pout = _counters(session)
        attrs += [("Acct-Session-Time", max(0, int(now - acct.started))),
                  ("Acct-Input-Octets", inp), ("Acct-Output-Octets", outp),
                  ("Acct-Input-Packets", pin), ("Acct-Output-Packets", pout)]
        if status == "Stop":
            attrs += [("Acct-Terminate-Cause", 0), ("Cisco-AVPair", "disc-cause-ext=No Reason")]
    attrs += [("Acct-Status-Type", {"Start": 1, "Stop": 2, "Interim-Update": 3}[status]),
              ("NAS-IP-Address", nas_ip), ("Acct-Delay-Time", 0)]
    return attrs

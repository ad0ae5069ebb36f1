"""IOS login on a vty, and the vty shell the line discipline drives (login first, then the CLI session).

Which check a vty asks for (read from the running-config at connection time, as IOS does):

- `aaa new-model`: the line's `login authentication LIST` (or the `default` list) gives the methods; a list
  nobody defined falls back to the local users;
- otherwise `login local` -> the local users (`Username: ` / `Password: `), `login` -> the line password
  (`Password: ` only; none set -> `Password required, but none set` and the line closes), no `login` -> no
  check at all.

Methods are tried in order; a method that *errors* (a RADIUS server that does not answer, a line with no
password) hands over to the next, one that *fails* ends the attempt.  `group NAME` methods ask RADIUS through
the router's AAA service (`group_auth`); with no services running they error.  Three failed attempts close the line.
Passwords and secrets are compared here and never written to any log.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable

from ..banners import banner_lines
from ..config.secrets import verify_secret
from .vty import Entry, line_for

PASS, FAIL, ERROR = "pass", "fail", "error"
TRIES = 3

BANNER = ["", "User Access Verification", ""]


@dataclass
class AuthResult:
    status: str  # PASS, FAIL or ERROR
    privilege: int | None = None


def group_auth(router, group: str, username: str, password: str):
    """A `group NAME` login method: RADIUS authentication through the router's AAA service (an Access-Request
    with Service-Type Login); AuthResult, or an awaitable of one while the server is asked.  No running
    services (batch mode) or no server in the group: ERROR, the next method is tried."""
    from ..aaa.service import LoginAuth  # noqa: PLC0415

    services = getattr(router, "services", None)
    if services is None:
        return AuthResult(ERROR)
    answer = services.ask(LoginAuth(group, username, password))
    if inspect.isawaitable(answer):
        return _login_answer_later(answer)
    return _login_result(answer)


async def _login_answer_later(pending) -> "AuthResult":
    return _login_result(await pending)


def _login_result(answer) -> "AuthResult":
    status = {"PASS": PASS, "FAIL": FAIL}.get(answer.status, ERROR)
    if status != PASS:
        return AuthResult(status)
    privilege = None
    for name, value in answer.attributes:  # `shell:priv-lvl=15` as IOS reads it
        if name == "Cisco-AVPair" and str(value).startswith("shell:priv-lvl="):
            try:
                privilege = int(str(value).split("=", 1)[1])
            except ValueError:
                pass
    return AuthResult(PASS, privilege)


# -- methods ----------------------------------------------------------------------------------------------

def aaa_enabled(cfg) -> bool:
    model = getattr(cfg, "aaa_new_model", None)
    return bool(model and model.enabled)


def login_methods(cfg, line) -> list[str]:
    """The login methods for a vty line, in order."""
    if aaa_enabled(cfg):
        name = "default"
        if line is not None and line.login and line.login.startswith("authentication "):
            name = line.login.split(None, 1)[1]
        methods = getattr(cfg, "aaa_methods", None)
        ml = methods.get("authentication login", name) if methods is not None else None
        if ml is not None and ml.methods:
            return list(ml.methods)
        return ["local"]
    if line is None or line.login is None:
        return ["none"]
    if line.login == "login":
        return ["line"]
    return ["local"]  # `login local`, or `login authentication` without aaa new-model


def needs_username(methods: list[str]) -> bool:
    return any(m == "local" or m.startswith("group") or m.startswith("local") for m in methods)


def authenticate(router, methods: list[str], line, username: str, password: str):
    """AuthResult, or an awaitable of one when a `group` method has to ask a server."""
    cfg = router.config
    for i, m in enumerate(methods):
        res = _one_method(router, cfg, m, line, username, password)
        if inspect.isawaitable(res):
            return _finish_async(router, res, methods[i + 1 :], line, username, password)
        if res.status != ERROR:
            return res
    return AuthResult(FAIL)


async def _finish_async(router, pending, rest, line, username, password) -> AuthResult:
    res = await pending
    if res.status != ERROR:
        return res
    more = authenticate(router, rest, line, username, password)
    return await more if inspect.isawaitable(more) else more


def _one_method(router, cfg, method: str, line, username: str, password: str):
    if method in ("local", "local-case"):
        user = cfg.username.users.get(username)
        if user is None:
            return AuthResult(FAIL)
        if user.secret is None:
            return AuthResult(PASS if password == "" else FAIL, user.privilege)
        return AuthResult(PASS if verify_secret(user.secret, password) else FAIL, user.privilege)
    if method == "line":
        if line is None or line.password is None:
            return AuthResult(ERROR)
        return AuthResult(PASS if verify_secret(line.password, password) else FAIL)
    if method == "enable":
        en = cfg.enable
        sec = en.secret or en.password
        if sec is None:
            return AuthResult(ERROR)
        return AuthResult(PASS if verify_secret(sec, password) else FAIL, 15)
    if method == "none":
        return AuthResult(PASS)
    if method.startswith("group "):
        return group_auth(router, method.split(None, 1)[1], username, password)
    return AuthResult(ERROR)


# -- the vty shell --------------------------------------------------------------------------------------

class VtyShell:
    """What the line discipline drives on a vty: the login dialogue, then the router's CLI session.

    `preauth` is an SSH login already done by the SSH layer: (username, privilege)."""

    def __init__(self, router, entry: Entry, width: int = 80, length: int = 24,
                 preauth: tuple[str, int] | None = None, on_login: Callable[[], None] | None = None):
        self.router = router
        self.entry = entry
        self.width, self._length = width, length
        self.session = None
        self.closed = False
        self.on_login = on_login
        line = line_for(router.config, entry.number)
        self.line = line
        self.methods = login_methods(router.config, line)
        self.tries = 0
        self.username = ""
        self.stage = "user"  # "user", "password", "shell"
        self.greeting: list[str] = []
        if preauth is not None:
            self._start_session(*preauth)
            self.greeting = banner_lines(router.config, "motd", "exec")  # SSH: the login banner came pre-auth
        elif self.methods == ["none"]:
            self._start_session("", None)
        elif self.methods == ["line"] and (line is None or line.password is None):
            self.greeting = ["", "Password required, but none set", ""]
            self.closed = True
        else:
            self.greeting = banner_lines(router.config, "motd", "login") + list(BANNER)
            self.stage = "user" if needs_username(self.methods) else "password"

    # -- Shell interface ----------------------------------------------------------------------------------
    @property
    def prompt(self) -> str:
        if self.session is not None:
            return self.session.prompt
        return "Username: " if self.stage == "user" else "Password: "

    @property
    def echo(self) -> bool:
        if self.session is not None:
            return self.session.echo
        return self.stage == "user"

    @property
    def length(self) -> int:
        return self.session.length if self.session is not None else 0

    @property
    def logged_in(self) -> bool:
        return self.session is not None

    def run(self, line: str):
        if self.session is not None:
            was_config = self.session.in_config
            out = self.session.run(line)
            if self.session.closed:
                self.closed = True
            elif was_config and not self.session.in_config:
                self._configured()
            return out
        if self.stage == "user":
            self.username = line.strip()
            if not self.username:
                return []
            self.stage = "password"
            return []
        res = authenticate(self.router, self.methods, self.line, self.username, line)
        if inspect.isawaitable(res):
            return self._await_auth(res)
        return self._auth_done(res)

    async def _await_auth(self, pending) -> list[str]:
        return self._auth_done(await pending)

    def _auth_done(self, res: AuthResult) -> list[str]:
        if res.status == PASS:
            self._start_session(self.username, res.privilege)
            return banner_lines(self.router.config, "exec")
        self.tries += 1
        uses_user = needs_username(self.methods)
        self.stage = "user" if uses_user else "password"
        if self.tries >= TRIES:
            self.closed = True
            if not uses_user:
                return ["% Bad passwords", ""]
            return [self._failed_text(), ""]
        return [self._failed_text(), ""] if uses_user else []

    def _failed_text(self) -> str:
        return "% Authentication failed" if aaa_enabled(self.router.config) else "% Login invalid"

    def help(self, text: str) -> list[str] | None:
        return self.session.help(text) if self.session is not None else None

    def complete(self, text: str) -> str | None:
        return self.session.complete(text) if self.session is not None else None

    def ctrl_z(self) -> list[str]:
        if self.session is not None and self.session.in_config and not self.session.pending:
            self.session.end()
            self._configured()
        return []

    def ctrl_c(self) -> list[str]:
        if self.session is not None:
            self.session.pending = None
            return self.ctrl_z()
        return []

    # -- helpers --------------------------------------------------------------------------------------------
    def _start_session(self, username: str, privilege: int | None):
        if privilege is None:
            privilege = self.line.privilege if self.line is not None and self.line.privilege is not None else 1
        self.session = self.router.session(privileged=privilege >= 15, width=self.width,
                                           length=self._length, name=f"vty{self.entry.number}")
        self.entry.user = username
        self.entry.session = self.session
        self.stage = "shell"
        if self.on_login:
            self.on_login()

    def _configured(self):
        from ..logbus import log  # noqa: PLC0415

        who = self.entry.user or "vty"
        log(self.router, f"%SYS-5-CONFIG_I: Configured from console by {who} on vty{self.entry.number} "
                         f"({self.entry.peer})", stamp=True)

    def set_size(self, width: int | None, length: int | None):
        """Terminal size from the client (SSH pty, telnet NAWS)."""
        if width:
            self.width = width
        if length is not None:
            self._length = length
        if self.session is not None:
            if width:
                self.session.width = width
            if length is not None:
                self.session.length = length

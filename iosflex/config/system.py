"""System-level running-config: version/service lines, hostname, boot markers, enable secret, usernames,
and line con/vty blocks."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import feature
from .secrets import type7_encode

IOS_VERSION = "17.12"


@feature("system")
@dataclass
class System:
    password_encryption: bool = False

    def render(self, cfg):
        svc = "service password-encryption" if self.password_encryption else "no service password-encryption"
        kept = cfg.kept_system  # kept, not emulated (config/kept.py)
        log = cfg.logging  # service timestamps / sequence-numbers (config/logging.py)
        seq = ["service sequence-numbers"] if log.sequence_numbers else []
        return [[f"version {IOS_VERSION}", *kept.service, *log.service_lines(), svc, *seq, *kept.platform]]


@feature("hostname")
@dataclass
class Hostname:
    name: str = "Router"

    def render(self, cfg):
        return [[f"hostname {self.name}"]]


@feature("boot")
@dataclass
class Boot:
    def render(self, cfg):
        return [["boot-start-marker", "boot-end-marker"]]


@dataclass
class Secret:
    """A password as IOS keeps it: type 0 (clear), 7 (reversible) or a hash (5, 8, 9)."""

    kind: str  # "password" or "secret"
    enc: int
    value: str

    def show(self, cfg, bare_clear: bool = False) -> str:
        """As the running-config prints it; `bare_clear`: a clear-text password without its `0` (IOS prints
        `enable password X` and a line's `password X` so, and `username U password 0 X` with it)."""
        if self.kind == "password" and self.enc == 0 and cfg.system.password_encryption:
            return f"password 7 {type7_encode(self.value)}"
        if bare_clear and self.kind == "password" and self.enc == 0:
            return f"password {self.value}"
        return f"{self.kind} {self.enc} {self.value}"


@feature("enable")
@dataclass
class Enable:
    secret: Secret | None = None
    password: Secret | None = None

    def render(self, cfg):
        lines = []
        if self.secret:
            lines.append(f"enable {self.secret.show(cfg)}")
        if self.password:
            lines.append(f"enable {self.password.show(cfg, bare_clear=True)}")
        return [lines] if lines else []


@dataclass
class User:
    name: str
    privilege: int | None = None
    secret: Secret | None = None


@feature("username")
@dataclass
class Usernames:
    users: dict[str, User] = field(default_factory=dict)

    def render(self, cfg):
        lines = []
        for u in self.users.values():
            text = f"username {u.name}"
            if u.privilege is not None:
                text += f" privilege {u.privilege}"
            if u.secret:
                text += " " + u.secret.show(cfg)
            lines.append(text)
        return [lines] if lines else []


@dataclass
class Line:
    kind: str  # con, aux, vty
    first: int
    last: int | None = None
    login: str | None = None  # None, "login", "local", or "authentication LIST"
    password: Secret | None = None
    transport_input: str | None = None
    exec_timeout: tuple[int, int] | None = None
    privilege: int | None = None
    kept: list[str] = field(default_factory=list)  # kept, not emulated: logging synchronous, stopbits 1...

    @property
    def header(self) -> str:
        rng = f"{self.first} {self.last}" if self.last is not None and self.last != self.first else f"{self.first}"
        return f"line {self.kind} {rng}"

    def body(self, cfg) -> list[str]:
        out = []
        if self.exec_timeout is not None:
            out.append(f" exec-timeout {self.exec_timeout[0]} {self.exec_timeout[1]}")
        if self.privilege is not None:
            out.append(f" privilege level {self.privilege}")
        if self.password:
            out.append(f" {self.password.show(cfg, bare_clear=True)}")
        if self.login == "login":
            out.append(" login")
        elif self.login:
            out.append(f" login {self.login}")
        if self.transport_input:
            out.append(f" transport input {self.transport_input}")
        out.extend(" " + k for k in self.kept)
        return out


@feature("line")
@dataclass
class Lines:
    lines: list[Line] = field(default_factory=lambda: [Line("con", 0), Line("aux", 0), Line("vty", 0, 4, login="login")])

    def find(self, kind: str, first: int, last: int | None) -> Line:
        for ln in self.lines:
            if ln.kind == kind and ln.first == first and (ln.last or ln.first) == (last if last is not None else first):
                return ln
        ln = Line(kind, first, last)
        self.lines.append(ln)
        order = {"con": 0, "aux": 1, "vty": 2}
        self.lines.sort(key=lambda x: (order[x.kind], x.first))
        return ln

    def render(self, cfg):
        out = []
        for ln in self.lines:
            out.append(ln.header)
            out.extend(ln.body(cfg))
        return [out]

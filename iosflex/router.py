"""The router: grammar, running-config, startup-config file, and applying configuration text."""

from __future__ import annotations

import hashlib
import os
import pickle
import time
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from . import __version__, modes
from .config.model import RunningConfig
from .aaa.pools import AddressPools
from .clock import RouterClock
from .logbus import LogBus
from .remote.vty import LineTable
from .parser.graph import Grammar
from .parser.matcher import Matcher
from .session import Session
from .sessions import SessionTable
from .interfaces.vaccess import VaccessRegistry

GRAMMAR_DIR = Path(__file__).parent / "grammars"
DEFAULT_CONFIG = "default-startup.cfg"

# A prompt left in pasted text: `R1(config-ikev2-profile)#`
# The header `show running-config` prints before the configuration: a capture loaded as a startup-config
# starts with it (pasted at `(config)#`, IOS rejects these lines, and so do we).
_SHOW_HEADER = re.compile(r"^(Building configuration\.\.\.|Current configuration : \d+ bytes)$")
_PROMPT = re.compile(r"^[\w.\-@/:]{1,63}(\([\w.\-@/:+]{0,32}\))?[#>]")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iosflex"


@lru_cache(maxsize=1)
def load_grammar() -> tuple[Grammar, Matcher, dict]:
    """The compiled grammar.  Compiling takes about a second, so the result is kept in a cache file keyed
    by the grammar files and the compiler's own source; any mismatch or error just compiles again."""
    handlers = modes.load_all()
    files = sorted(GRAMMAR_DIR.glob("*.gram"))
    digest = hashlib.sha256(__version__.encode())
    for f in files + sorted((Path(__file__).parent / "parser").glob("*.py")):
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    cache = _cache_dir() / f"grammar-{digest.hexdigest()[:24]}.pickle"
    grammar = None
    try:
        with open(cache, "rb") as fh:
            grammar, names = pickle.load(fh)
        if not names <= handlers.keys():
            grammar = None
    except Exception:  # no cache yet, or an unreadable one: compile
        grammar = None
    if grammar is None:
        grammar = Grammar.load(files, handlers)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache.parent, prefix=".grammar-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((grammar, grammar.handler_names()), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache)
        except OSError:
            pass
    return grammar, Matcher(grammar), handlers


def default_config_text() -> str:
    return resources.files("iosflex").joinpath("data", DEFAULT_CONFIG).read_text()


def escape_controls(text: str) -> str:
    """Control characters as IOS users see them in a report: `^C` for the banner delimiter ETX, `\\xNN` for
    the others (a tab stays a tab)."""
    out = []
    for ch in text:
        o = ord(ch)
        if ch == "\t" or (o >= 32 and o != 127 and not 0x80 <= o < 0xA0):
            out.append(ch)
        elif o < 32:
            out.append("^" + chr(o + 64))
        else:
            out.append(f"\\x{o:02x}")
    return "".join(out)


@dataclass
class Rejected:
    lineno: int
    line: str
    error: list[str]
    caret: int | None = None  # index in `line` of the character the parser stopped at (`% Invalid input`)

    def report(self, source: str = "startup-config") -> list[str]:
        """`% startup-config line N: LINE`, the caret under the failing character of LINE as printed (control
        characters escaped), then IOS's message."""
        lead = len(self.line) - len(self.line.lstrip())
        head = f"% {source} line {self.lineno}: "
        out = [head + escape_controls(self.line.strip())]
        errors = [ln for ln in self.error if ln]
        if self.caret is not None:
            col = len(head) + len(escape_controls(self.line[lead:max(lead, self.caret)]))
            out.append(" " * col + "^")
            errors = [ln for ln in errors if ln.strip() != "^"]
        return out + errors


class Router:
    def __init__(self, startup_path: str | Path | None = None, default_if_missing: bool = False):
        """`startup_path` is where `write memory` saves and start-up reads; when it does not exist the
        router starts blank, or on the embedded default config with `default_if_missing`."""
        self.grammar, self.matcher, self.handlers = load_grammar()
        self.config = RunningConfig()
        self.startup_path = Path(startup_path) if startup_path else None
        self.default_if_missing = default_if_missing
        self.booted = time.monotonic()
        self.debug: set[str] = set()  # enabled debug flags, e.g. {"crypto ikev2", "crypto ikev2 internal"}
        # per-router services (iosflex/services.py fills the engines in when a driver starts)
        self.logbus = LogBus(self)
        self.clock = RouterClock(self)  # calendar and uptime from the driver's clock (iosflex/clock.py)
        self.sessions = SessionTable()
        self.pools = AddressPools()  # `ip local pool` leases
        self.vaccess = VaccessRegistry(self)  # per-session virtual-access interfaces (interfaces/vaccess.py)
        self.lines = LineTable()  # console and vty lines in use (show users, show line, clear line)
        self.pki_keys: dict = {}  # key-pair label -> private key (config/pki.py; kept beside the startup-config)
        self.services = None
        self.startup_problem: str | None = None  # why the startup-config could not be read (as is)
        self.crypto = None
        self.radius = None
        self.aaa = None

    def uptime_text(self) -> str:
        secs = int(time.monotonic() - self.booted)
        d, rem = divmod(secs, 86400)
        h, rem = divmod(rem, 3600)
        m = rem // 60
        parts = ([f"{d} day{'s' if d != 1 else ''}"] if d else []) + ([f"{h} hour{'s' if h != 1 else ''}"] if h else [])
        parts.append(f"{m} minute{'s' if m != 1 else ''}")
        return ", ".join(parts)

    # -- configuration text -------------------------------------------------------------------------
    def apply_config(self, text: str, strip_prompts: bool = True) -> list[Rejected]:
        """Apply a whole configuration as if pasted at `(config)#`; returns the rejected lines."""
        s = Session(self, privileged=True, width=0, length=0, name="startup")
        s.push("config")
        rejected = []
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.rstrip("\r")
            if strip_prompts:
                m = _PROMPT.match(line.strip())
                if m and not line.strip().startswith("!"):
                    line = line.strip()[m.end() :]
            if line.strip() == "end":
                break
            if strip_prompts and _SHOW_HEADER.match(line.strip()):
                continue
            s.last_caret = None
            out = s.run(line)
            if s.last_error:
                rejected.append(Rejected(n, line, out, getattr(s, "last_caret", None)))
            if not s.in_config:  # an `exit` too many: stay in configuration mode
                s.end()
                s.push("config")
                s.closed = False
        return rejected

    def running_config_text(self) -> str:
        return "\n".join(self.config.lines()) + "\n"

    # -- startup-config -----------------------------------------------------------------------------
    def load_startup(self) -> list[Rejected]:
        text = self.startup_text()
        rejected = self.apply_config(text) if text else []
        self.saved_text = self.running_config_text()
        return rejected

    def config_modified(self) -> bool:
        """The running-config differs from what start-up or the last `write memory` left (reload's `Save?`)."""
        return self.running_config_text() != getattr(self, "saved_text", None)

    def startup_text(self) -> str | None:
        """The startup-config's text; None when there is none (or it was erased, or it cannot be read:
        `startup_problem` then says why in one line).  A file that is not UTF-8 (a Windows-1252 banner) is read
        as Windows-1252, with a note in `startup_problem`."""
        self.startup_problem = None
        path = self.startup_path
        if path is not None and (path.exists() or path.is_symlink()):
            try:
                data = path.read_bytes()
            except IsADirectoryError:
                self.startup_problem = f"% Cannot read startup-config {path}: it is a directory; starting blank"
                return None
            except OSError as e:
                reason = (e.strerror or str(e)).lower()
                self.startup_problem = f"% Cannot read startup-config {path}: {reason}; starting blank"
                return None
            if data.startswith(b"\xef\xbb\xbf"):
                data = data[3:]
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as e:
                lineno = data.count(b"\n", 0, e.start) + 1
                text = data.decode("cp1252", errors="replace")
                self.startup_problem = (f"% startup-config {path} is not UTF-8 (byte 0x{data[e.start]:02X} on line "
                                        f"{lineno}): read as Windows-1252")
            return text if text.strip() else None
        if self.default_if_missing:
            return default_config_text()
        return None

    def erase_startup(self) -> None:
        """`write erase`: the startup-config becomes empty (an empty file: the next start is blank, not the
        embedded default)."""
        if self.startup_path is None:
            self.startup_path = Path(os.environ.get("IOSFLEX_HOME", Path.home() / ".iosflex")) / "startup-config"
        self.save("")

    def reload(self, by=None) -> list[Rejected]:
        """`reload`: the IKE SAs go (DELETEs to the peers), every remote session drops, the console session
        ends (`Press RETURN to get started.`), and the router starts again on its startup-config."""
        if self.services is not None and getattr(self.services, "crypto", None) is not None:
            try:
                self.services.clear_crypto(remote=None)
            except Exception:  # noqa: BLE001  the restart goes on whatever the engine says
                pass
        for e in list(self.lines.vty.values()):
            if e.session is not None:
                e.session.closed = True
            if e.session is not by:
                e.disconnect()
        con = self.lines.console
        for s in {id(x): x for x in [by, con.session if con else None] if x is not None}.values():
            s.closed = True
            s.reloaded = True
        self.config.__init__()
        self.debug.clear()
        self.booted = time.monotonic()
        rejected = self.load_startup()
        self.reloads = getattr(self, "reloads", 0) + 1
        return rejected

    def save(self, text: str | None = None) -> Path:
        """write memory (or `copy FILE startup-config` with `text`): write to a temporary file, fsync, rename
        over the startup-config."""
        if self.startup_path is None:
            self.startup_path = Path(os.environ.get("IOSFLEX_HOME", Path.home() / ".iosflex")) / "startup-config"
        path = self.startup_path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".startup-", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(self.running_config_text() if text is None else text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            if text is None:
                self.saved_text = self.running_config_text()
            dfd = os.open(path.parent, os.O_DIRECTORY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    def session(self, **kw) -> Session:
        return Session(self, **kw)

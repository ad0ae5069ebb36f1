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


@dataclass
class Rejected:
    lineno: int
    line: str
    error: list[str]


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
            out = s.run(line)
            if s.last_error:
                rejected.append(Rejected(n, line, out))
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
        return self.apply_config(text) if text else []

    def startup_text(self) -> str | None:
        if self.startup_path is not None and self.startup_path.exists():
            return self.startup_path.read_text()
        if self.default_if_missing:
            return default_config_text()
        return None

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

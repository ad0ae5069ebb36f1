"""One CLI session (console, and later telnet/SSH): mode stack, prompt, errors, walk-up, filters.

Sans-I/O: a front end feeds lines (``run``), ``?`` requests (``help``) and TAB (``complete``) and writes
what comes back; paging is the front end's job (``pager.py``) because it needs key presses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from .modes import CommandError
from .parser.graph import Mode
from .parser.matcher import Args, Result, format_help

INVALID = "% Invalid input detected at '^' marker."
INCOMPLETE = "% Incomplete command."
AMBIGUOUS = '% Ambiguous command:  "{}"'
UNRECOGNIZED = "% Unrecognized command"


@dataclass
class Frame:
    mode: Mode
    obj: object = None


@dataclass
class Ctx:
    """What a handler sees."""

    session: "Session"
    args: Args
    negate: str | None  # None, "no" or "default"
    obj: object
    out: list[str] = field(default_factory=list)
    deferred: object = None

    @property
    def router(self):
        return self.session.router

    @property
    def cfg(self):
        return self.session.router.config

    @property
    def no(self) -> bool:
        return self.negate is not None

    def write(self, *lines: str):
        for text in lines:
            self.out.extend(text.split("\n"))

    def enter(self, mode: str, obj: object = None):
        self.session.push(mode, obj)

    def ask(self, prompt: str, then: Callable[[str], list[str] | None], echo: bool = False):
        """Ask for one more line (a password, a confirmation) before the command completes."""
        self.session.pending = (prompt, then, echo)

    def defer(self, awaitable) -> None:
        """The command's output comes when `awaitable` (its lines) is done: a command that waits for the
        network (`test aaa group`).  The session's `run` then returns an awaitable; the console and the vtys
        wait for it before the next prompt."""
        self.deferred = awaitable


class Session:
    def __init__(self, router, privileged: bool = False, width: int = 80, length: int = 24, name: str = "console"):
        self.router = router
        self.stack: list[Frame] = [Frame(router.grammar.modes["exec"])]
        self.privileged = privileged
        self.width = width
        self.length = length
        self.name = name
        self.pending: tuple[str, Callable, bool] | None = None
        self.closed = False
        self.monitor = False
        self.last_error = False  # the last line run was rejected
        self.last_caret: int | None = None  # where the last `% Invalid input` caret pointed, in the line
        self.history: dict[str, list[str]] = {"exec": [], "config": []}  # `show history`, per mode as IOS
        self.history_size = 10  # IOS's default `history size`
        self.reloaded = False  # closed by `reload` (the console shows `Press RETURN to get started.`)

    # -- state --------------------------------------------------------------------------------------
    @property
    def mode(self) -> Mode:
        return self.stack[-1].mode

    @property
    def in_config(self) -> bool:
        return self.mode.level == "config"

    @property
    def user_level(self) -> bool:
        return not self.privileged and not self.in_config

    @property
    def prompt(self) -> str:
        if self.pending:
            return self.pending[0]
        host = self.router.config.hostname.name
        if self.mode.level == "exec":
            return host + ("#" if self.privileged else ">")
        return host + self.mode.prompt + "#"

    @property
    def echo(self) -> bool:
        return self.pending[2] if self.pending else True

    def remember(self, line: str) -> None:
        """A typed command line, into the history of the mode it was typed in (EXEC or configuration)."""
        hist = self.history["config" if self.in_config else "exec"]
        hist.append(line.strip())
        del hist[: -self.history_size]

    def history_of_mode(self) -> list[str]:
        return list(self.history["config" if self.in_config else "exec"])

    def push(self, mode: str, obj: object = None):
        self.stack.append(Frame(self.router.grammar.modes[mode], obj))

    def pop(self):
        if len(self.stack) > 1:
            self.stack.pop()
        else:
            self.closed = True

    def end(self):
        del self.stack[1:]

    def _chain(self):
        """Frames to try for walk-up: the current one, then each parent up to global config."""
        for i in range(len(self.stack) - 1, 0, -1):
            yield i
            if self.stack[i].mode.name == "config":
                break

    # -- commands -----------------------------------------------------------------------------------
    def feed(self, line: str) -> list[str]:
        """A whole typed line as the console takes it: ending in `?` asks for help and runs nothing."""
        if self.echo and not self.pending and line.endswith("?"):
            return self.help(line[:-1])
        return self.run(line)

    def run(self, line: str) -> list[str]:
        self.last_error = False
        if self.pending:
            _, then, _ = self.pending
            self.pending = None
            return then(line) or []
        stripped = line.strip()
        if not stripped:
            return []
        self.remember(line)
        if self.in_config and stripped.startswith("!"):
            return []
        res, depth = self._match(line)
        if res.status != "ok":
            self.last_error = True
            return self.error_lines(line, res)
        del self.stack[depth + 1 :]
        out = self._execute(res)
        if not isinstance(out, list):  # a deferred command: its lines come later
            return self._later(out, res.filter)
        if res.filter:
            out = apply_filter(out, *res.filter)
        return out

    async def _later(self, pending, filt) -> list[str]:
        out = await pending
        return apply_filter(out, *filt) if filt else out

    def _match(self, line: str) -> tuple[Result, int]:
        matcher = self.router.matcher
        top = len(self.stack) - 1
        first = matcher.match(line, self.mode, self.user_level)
        if first.status != "invalid" or not self.in_config:
            return first, top
        for i in list(self._chain())[1:]:
            res = matcher.match(line, self.stack[i].mode)
            if res.status == "ok":
                return res, i
            if res.status in ("incomplete", "ambiguous"):
                return res, i
        return first, top

    def _execute(self, res: Result) -> list[str]:
        fn = self.router.handlers[res.node.handler]
        ctx = Ctx(self, res.args, res.negate, self.stack[-1].obj)
        try:
            fn(ctx)
        except CommandError as e:
            self.last_error = True
            ctx.out.extend(str(e).split("\n"))
        finally:
            self.router.config.changed()  # any command may have written the configuration
        if ctx.deferred is not None:
            return self._deferred(ctx)
        return ctx.out

    async def _deferred(self, ctx: Ctx) -> list[str]:
        return ctx.out + list(await ctx.deferred)

    def error_lines(self, line: str, res: Result) -> list[str]:
        if res.status == "invalid":
            self.last_caret = res.caret
            return [" " * (len(self.prompt) + res.caret) + "^", INVALID, ""]
        if res.status == "incomplete":
            return [INCOMPLETE, ""]
        if res.status == "ambiguous":
            return [AMBIGUOUS.format(line.strip())]
        if res.status == "unrecognized":
            return [UNRECOGNIZED]
        return []

    # -- help and completion ------------------------------------------------------------------------
    def help(self, line: str) -> list[str]:
        """What `?` typed after `line` prints (the front end redraws the prompt and line afterwards)."""
        matcher = self.router.matcher
        kind, payload = matcher.help(line, self.mode, self.user_level)
        if kind == "error" and self.in_config and payload.status in ("invalid", "unrecognized"):
            for i in list(self._chain())[1:]:
                k2, p2 = matcher.help(line, self.stack[i].mode)
                if k2 != "error":
                    kind, payload = k2, p2
                    break
        if kind == "error":
            words = line.split()
            if payload.status == "invalid" and (not words or payload.caret < len(line) - len(line.lstrip()) + len(words[0])):
                return [UNRECOGNIZED]  # the first word is unknown: IOS does not draw a caret for `?`
            return self.error_lines(line, payload)
        if kind == "words":
            return ["".join(w + "  " for w in payload), ""]
        lines = []
        if not line.strip() and self.mode.header:
            lines.append(self.mode.header)
        lines.extend(format_help(payload, self.width))
        lines.append("")
        return lines

    def complete(self, line: str) -> str | None:
        matcher = self.router.matcher
        done = matcher.complete(line, self.mode, self.user_level)
        if done is None and self.in_config:
            for i in list(self._chain())[1:]:
                done = matcher.complete(line, self.stack[i].mode)
                if done:
                    break
        return done


# -- output modifiers ---------------------------------------------------------------------------------

def apply_filter(lines: list[str], kind: str, regex: str) -> list[str]:
    try:
        rx = re.compile(regex)
    except re.error:
        rx = re.compile(re.escape(regex))
    if kind == "filter_include":
        return [ln for ln in lines if rx.search(ln)]
    if kind == "filter_exclude":
        return [ln for ln in lines if not rx.search(ln)]
    if kind == "filter_begin":
        for i, ln in enumerate(lines):
            if rx.search(ln):
                return lines[i:]
        return []
    if kind == "filter_count":
        return [f"Number of lines which match regexp = {sum(1 for ln in lines if rx.search(ln))}"]
    if kind == "filter_section":
        # A section is a top-level line and the indented lines under it; print those where any line matches.
        out: list[str] = []
        section: list[str] = []
        for ln in lines + [""]:
            if not ln or not ln[0].isspace():
                if any(rx.search(x) for x in section):
                    out.extend(section)
                section = [ln] if ln else []
            else:
                section.append(ln)
        return out
    return lines

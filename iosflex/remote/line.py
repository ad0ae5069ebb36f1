"""Sans-I/O line discipline of a vty: characters in, terminal text out, as an IOS vty draws it.

Why our own and not prompt_toolkit's: automation clients (netmiko, scrapli) read the raw byte stream and need
every typed character echoed as it arrives, no ANSI escape sequence, no cursor-position request, and the prompt
written last with no trailing space (ios-cli-facts §5.5).  This class does exactly that and nothing more:

- printable characters are echoed at once (not while a password is asked: `shell.echo` is False);
- BS / DEL erase with ``"\\b \\b"``; Ctrl-U / Ctrl-X erase the line, Ctrl-W the last word;
- CR, LF, CRLF and CR NUL are one line end; the line goes to ``shell.run`` and its output follows;
- ``?`` prints ``?``, a newline, the help lines, then the prompt and the line typed so far;
- TAB completes the current word (echoing only the added characters);
- Ctrl-Z prints ``^Z`` and leaves configuration mode; Ctrl-C prints ``^C`` and drops the line (and leaves
  configuration mode, as IOS does);
- output longer than ``shell.length`` lines pauses at `` --More-- `` (Space: a page, Return: a line, any
  other key: stop);
- escape sequences (arrow keys) are swallowed, other control characters ignored.

Every output line ends with ``"\\r\\n"``; after a command the prompt is the last thing written.

The *shell* is anything with ``prompt``, ``echo``, ``closed``, ``length``, ``run(line)``, ``help(text)``
(``None``: ``?`` is an ordinary character), ``complete(text)`` and ``ctrl_z()``; the vty shell (login, then the
CLI session) is in ``login.py``.  ``run`` may return an awaitable (an authentication that asks a RADIUS
server); the discipline then holds the input that follows until the driver calls ``resume`` with the result.
"""

from __future__ import annotations

import inspect
from typing import Any, Protocol

from ..pager import ERASE as ERASE_MORE
from ..pager import MORE  # noqa: F401  (re-exported for the tests)
from ..pager import pages

NL = "\r\n"


class Shell(Protocol):
    prompt: str
    echo: bool
    closed: bool
    length: int

    def run(self, line: str) -> Any: ...
    def help(self, text: str) -> list[str] | None: ...
    def complete(self, text: str) -> str | None: ...
    def ctrl_z(self) -> list[str]: ...
    def ctrl_c(self) -> list[str]: ...


class LineDiscipline:
    def __init__(self, shell: Shell):
        self.shell = shell
        self.buf = ""
        self._after_cr = False  # the previous character was CR: a following LF or NUL belongs to it
        self._esc = 0  # 0: normal; 1: after ESC; 2: inside ESC [ ... (CSI)
        self._paging = None  # the pager (pager.pages) while output waits at ` --More-- `
        self._held = ""  # input that arrived while `run` was waiting on an awaitable
        self._notices: list[str] = []  # log lines that arrived while paging or waiting
        self._at_line_start = False  # the last output was log lines without a prompt after them
        self.waiting: Any = None  # the awaitable `run` returned, for the driver
        self.closed = False

    # -- what the driver calls --------------------------------------------------------------------------
    def start(self) -> str:
        """The first prompt."""
        return self.shell.prompt

    def feed(self, data: str) -> str:
        """Characters from the terminal; returns what to write back."""
        self._at_line_start = False
        if self.waiting is not None or self.closed:
            self._held += data
            return ""
        out: list[str] = []
        for i, ch in enumerate(data):
            self._key(ch, out)
            if self.closed:
                break
            if self.waiting is not None:
                self._held += data[i + 1 :]
                break
        return "".join(out)

    def resume(self, result: Any) -> str:
        """The awaited result of `run` (its output lines); processes the input held meanwhile."""
        self._at_line_start = False
        self.waiting = None
        out: list[str] = []
        self._finish_command(result or [], out)
        held, self._held = self._held, ""
        text = "".join(out)
        if held and not self.closed:
            text += self.feed(held)
        return text

    def notice(self, lines: list[str], redraw: bool = True) -> str:
        """Log lines for a terminal (terminal monitor): printed on their own lines; with `redraw` (`logging
        synchronous`) the prompt and the line typed so far are drawn again after them, else the cursor stays
        at the start of the next line, as IOS leaves it.  Held back while paging or waiting."""
        if self.closed:
            return ""
        if self._paging is not None or self.waiting is not None:
            self._notices.extend(lines)
            return ""
        text = ("" if self._at_line_start else NL) + "".join(ln + NL for ln in lines)
        if redraw:
            self._at_line_start = False
            return text + self._prompt_and_buffer()
        self._at_line_start = True
        return text

    # -- keys ---------------------------------------------------------------------------------------------
    def _key(self, ch: str, out: list[str]):
        after_cr, self._after_cr = self._after_cr, False
        if self._esc:
            self._escape(ch)
            return
        if self._paging is not None:
            if after_cr and ch in ("\n", "\0"):
                return
            self._more_key(ch, out)
            return
        if ch == "\r":
            self._after_cr = True
            self._line_end(out)
        elif ch == "\n":
            if not after_cr:
                self._line_end(out)
        elif ch == "\0":
            pass
        elif ch in ("\b", "\x7f"):
            if self.buf:
                self.buf = self.buf[:-1]
                if self.shell.echo:
                    out.append("\b \b")
        elif ch in ("\x15", "\x18"):  # Ctrl-U, Ctrl-X
            if self.shell.echo:
                out.append("\b \b" * len(self.buf))
            self.buf = ""
        elif ch == "\x17":  # Ctrl-W: the last word and the blanks after it
            keep = self.buf.rstrip(" ")
            keep = keep[: len(keep) - len(keep.split(" ")[-1])] if keep else ""
            if self.shell.echo:
                out.append("\b \b" * (len(self.buf) - len(keep)))
            self.buf = keep
        elif ch == "\x1a":  # Ctrl-Z
            self.buf = ""
            out.append("^Z" + NL)
            self._finish_command(self.shell.ctrl_z() or [], out)
        elif ch == "\x03":  # Ctrl-C
            self.buf = ""
            out.append("^C" + NL)
            self._finish_command(self.shell.ctrl_c() or [], out)
        elif ch == "\x1b":
            self._esc = 1
        elif ch == "\t":
            self._tab(out)
        elif ch == "?" and self.shell.echo:
            lines = self.shell.help(self.buf)
            if lines is None:
                self._insert(ch, out)
            else:
                out.append("?" + NL + "".join(ln + NL for ln in lines) + self._prompt_and_buffer())
        elif ch >= " ":
            self._insert(ch, out)
        # other control characters are ignored

    def _escape(self, ch: str):
        if self._esc == 1:
            self._esc = 2 if ch in "[O" else 0
        elif "@" <= ch <= "~":  # the final byte of a CSI / SS3 sequence
            self._esc = 0

    def _insert(self, ch: str, out: list[str]):
        self.buf += ch
        if self.shell.echo:
            out.append(ch)

    def _tab(self, out: list[str]):
        if not self.shell.echo:
            return
        done = self.shell.complete(self.buf)
        if done is None or done == self.buf:
            return
        if done.startswith(self.buf):
            out.append(done[len(self.buf) :])
        else:  # the completion changed what was typed: draw the line again
            out.append(NL + self.shell.prompt + done)
        self.buf = done

    def _prompt_and_buffer(self) -> str:
        return self.shell.prompt + (self.buf if self.shell.echo else "")

    # -- a whole line ------------------------------------------------------------------------------------
    def _line_end(self, out: list[str]):
        line, self.buf = self.buf, ""
        out.append(NL)
        result = self.shell.run(line)
        if inspect.isawaitable(result):
            self.waiting = result
            return
        self._finish_command(result or [], out)

    def _finish_command(self, lines: list[str], out: list[str]):
        self._write_lines(lines, out)  # ends with the prompt once the pager is done

    def _after_output(self, out: list[str]):
        """The command's output is all written: close, or log lines held back, then the prompt."""
        if self.shell.closed:
            self.closed = True
            return
        if self._notices:
            notes, self._notices = self._notices, []
            out.append("".join(ln + NL for ln in notes))
        out.append(self._prompt_and_buffer())

    def _write_lines(self, lines: list[str], out: list[str]):
        self._paging = pages(lines, self.shell.length, ERASE_MORE, NL)
        self._drive(None, out)

    def _drive(self, key: str | None, out: list[str]):
        """Run the pager (pager.pages) until it wants a key or is done."""
        assert self._paging is not None
        try:
            text, wants = self._paging.send(key) if key is not None else next(self._paging)
            while True:
                out.append(text)
                if wants:
                    return
                text, wants = next(self._paging)
        except StopIteration:
            self._paging = None
            self._after_output(out)

    def _more_key(self, ch: str, out: list[str]):
        if ch == "\r":
            self._after_cr = True
        self._drive(ch, out)

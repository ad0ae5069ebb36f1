"""The local console: prompt_toolkit line editing with IOS keys (`?` help at once, TAB completion, Ctrl-Z).

The same key handling will serve the telnet and SSH front ends (prompt_toolkit runs one application per
connection); everything else is in the sans-I/O Session.
"""

from __future__ import annotations

import os
import sys

from prompt_toolkit import PromptSession
from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.output import DummyOutput  # noqa: F401  (kept for tests that run headless)

from .pager import page

CTRL_Z = "\x1a"


def key_bindings(session) -> KeyBindings:
    kb = KeyBindings()

    @kb.add("?")
    def _help(event):
        buf = event.app.current_buffer
        if not session.echo:
            buf.insert_text("?")
            return
        text = buf.document.text_before_cursor
        lines = session.help(text)
        prompt = session.prompt

        def show():
            print(prompt + text + "?")
            for ln in lines:
                print(ln)

        run_in_terminal(show)

    @kb.add("tab")
    def _tab(event):
        buf = event.app.current_buffer
        done = session.complete(buf.document.text_before_cursor)
        if done is not None:
            buf.text = done + buf.document.text_after_cursor
            buf.cursor_position = len(done)

    @kb.add("c-z")
    def _ctrl_z(event):
        event.app.current_buffer.text = "^Z"
        event.app.exit(result=CTRL_Z)

    return kb


def _read_key() -> str:
    """One key press from the terminal, for ` --More-- `."""
    import termios
    import tty

    fd = sys.stdin.fileno()
    old = termios.tcgetattr(fd)
    try:
        tty.setraw(fd)
        return os.read(fd, 1).decode(errors="replace")
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def run_console(router) -> int:
    session = router.session()
    ps = PromptSession(key_bindings=key_bindings(session))
    while not session.closed:
        try:
            line = ps.prompt(session.prompt, is_password=not session.echo)
        except EOFError:
            break
        except KeyboardInterrupt:
            continue
        if line == CTRL_Z:
            if session.in_config:
                session.end()
            continue
        out = session.run(line)
        page(out, session.length, lambda s: (sys.stdout.write(s), sys.stdout.flush()), _read_key)
    return 0

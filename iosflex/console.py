"""The local console's keys for prompt_toolkit: `?` help at once, TAB completion, Ctrl-Z; and one raw key read
for ` --More-- `.  The console itself runs on the router's event loop (iosflex/remote/server.py), beside
telnet and SSH; everything else is in the sans-I/O Session.
"""

from __future__ import annotations

import os
import sys

from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.key_binding import KeyBindings


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

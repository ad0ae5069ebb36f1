"""` --More-- ` paging: IOS pauses after `terminal length - 1` lines; Space shows the next page, Return the
next line, any other key ends the output."""

from __future__ import annotations

from typing import Callable

MORE = " --More-- "


def page(lines: list[str], length: int, write: Callable[[str], None], read_key: Callable[[], str],
         erase: str = "\b" * len(MORE) + " " * len(MORE) + "\b" * len(MORE)) -> None:
    """Write `lines` (each with a newline), pausing as IOS does; `read_key` returns one key ("" at EOF)."""
    if length <= 0 or len(lines) < length:
        for ln in lines:
            write(ln + "\n")
        return
    budget = length - 1
    i = 0
    while i < len(lines):
        write(lines[i] + "\n")
        i += 1
        budget -= 1
        if budget == 0 and i < len(lines):
            write(MORE)
            key = read_key()
            write(erase)
            if key == " ":
                budget = length - 1
            elif key in ("\r", "\n"):
                budget = 1
            else:
                return

"""` --More-- ` paging: IOS pauses after `terminal length - 1` lines; Space shows the next page, Return the
next line, any other key ends the output.  One generator holds the rules; `page` (blocking key reads) and
`apage` (awaited key reads) drive it."""

from __future__ import annotations

from typing import Awaitable, Callable, Generator

MORE = " --More-- "
ERASE = "\b" * len(MORE) + " " * len(MORE) + "\b" * len(MORE)


def pages(lines: list[str], length: int, erase: str = ERASE, nl: str = "\n") -> Generator[tuple[str, bool], str, None]:
    """Yields (text to write, wants a key); the key pressed is sent back after each ` --More-- `."""
    if length <= 0 or len(lines) < length:
        yield "".join(ln + nl for ln in lines), False
        return
    budget = length - 1
    i = 0
    while i < len(lines):
        yield lines[i] + nl, False
        i += 1
        budget -= 1
        if budget == 0 and i < len(lines):
            key = yield MORE, True
            yield erase, False
            if key == " ":
                budget = length - 1
            elif key in ("\r", "\n"):
                budget = 1
            else:
                return


def page(lines: list[str], length: int, write: Callable[[str], None], read_key: Callable[[], str],
         erase: str = ERASE) -> None:
    """Write `lines` (each with a newline), pausing as IOS does; `read_key` returns one key ("" at EOF)."""
    gen = pages(lines, length, erase)
    try:
        text, wants = next(gen)
        while True:
            write(text)
            text, wants = gen.send(read_key()) if wants else next(gen)
    except StopIteration:
        pass


async def apage(lines: list[str], length: int, write: Callable[[str], None],
                read_key: Callable[[], Awaitable[str]], erase: str = ERASE) -> None:
    """`page` for an event loop: the key is awaited."""
    gen = pages(lines, length, erase)
    try:
        text, wants = next(gen)
        while True:
            write(text)
            text, wants = gen.send(await read_key()) if wants else next(gen)
    except StopIteration:
        pass

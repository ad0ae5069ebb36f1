"""Typed tokens of the command-definition language.

A typed token is written in capitals (``WORD``, ``A.B.C.D``) or as a range (``<1-200>``) in a grammar file.
Each type knows how it is shown in ``?`` help, whether a word is a full match, and its priority when a word
matches several tokens at one position (specific types beat the catch-all ``WORD``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

# Match priorities, lower wins (see matcher.select): exact keyword 0, specific typed token 1,
# keyword prefix 2, catch-all typed token 3.
PRIO_EXACT = 0
PRIO_TYPED = 1
PRIO_PREFIX = 2
PRIO_CATCHALL = 3


def _ipv4(word: str) -> bool:
    parts = word.split(".")
    if len(parts) != 4:
        return False
    return all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts)


def _ipv4_prefix(word: str) -> bool:
    addr, sep, plen = word.partition("/")
    return bool(sep) and _ipv4(addr) and plen.isdigit() and int(plen) <= 32


def _ipv6(word: str) -> bool:
    if ":" not in word:
        return False
    try:
        ipaddress.IPv6Address(word)
    except ValueError:
        return False
    return True


def _ipv6_prefix(word: str) -> bool:
    if "/" not in word or ":" not in word:
        return False
    try:
        ipaddress.IPv6Network(word, strict=False)
    except ValueError:
        return False
    return True


_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")
_IFNUM = re.compile(r"^\d+(/\d+){0,3}(\.\d+)?$")
_HEX = re.compile(r"^[0-9A-Fa-f]+$")


@dataclass(frozen=True)
class TokenType:
    name: str
    label: str  # what `?` shows
    check: Callable[[str], bool]
    priority: int
    rest_of_line: bool = False

    def __reduce__(self):
        # pickled by name (the compiled-grammar cache): checks are functions, found again on load
        return (lookup, (self.name,))


TYPES: dict[str, TokenType] = {
    "WORD": TokenType("WORD", "WORD", lambda w: True, PRIO_CATCHALL),
    "LINE": TokenType("LINE", "LINE", lambda w: True, PRIO_CATCHALL, rest_of_line=True),
    "A.B.C.D": TokenType("A.B.C.D", "A.B.C.D", _ipv4, PRIO_TYPED),
    "A.B.C.D/M": TokenType("A.B.C.D/M", "A.B.C.D/nn", _ipv4_prefix, PRIO_TYPED),
    "X:X:X:X::X": TokenType("X:X:X:X::X", "X:X:X:X::X", _ipv6, PRIO_TYPED),
    "X:X:X:X::X/M": TokenType("X:X:X:X::X/M", "X:X:X:X::X/<0-128>", _ipv6_prefix, PRIO_TYPED),
    # A host name or IPv4 address, shown as IOS shows it for RADIUS clients.
    "HOST": TokenType("HOST", "Hostname or A.B.C.D", lambda w: bool(_HOST.match(w)), PRIO_CATCHALL),
    # Interface number after an interface-type keyword: 0, 0/0, 0/0/0, 0/0.100
    "IFNUM": TokenType("IFNUM", "<0-15>", lambda w: bool(_IFNUM.match(w)), PRIO_TYPED),
    "HEX": TokenType("HEX", "WORD", lambda w: bool(_HEX.match(w)), PRIO_TYPED),
}

RANGE_RE = re.compile(r"^<(-?\d+)-(-?\d+)>$")  # <-23-23>: a signed range (clock timezone)


@lru_cache(maxsize=None)
def range_type(text: str) -> TokenType:
    m = RANGE_RE.match(text)
    if not m:
        raise ValueError(f"bad range {text}")
    lo, hi = int(m.group(1)), int(m.group(2))

    def check(word: str, lo: int = lo, hi: int = hi) -> bool:
        return (word.isdigit() or (word[:1] == "-" and word[1:].isdigit())) and lo <= int(word) <= hi

    return TokenType(text, f"<{lo} - {hi}>" if lo < 0 else text, check, PRIO_TYPED)


def lookup(text: str) -> TokenType | None:
    """The typed token written as `text`, or None when `text` is a keyword."""
    if text in TYPES:
        return TYPES[text]
    if RANGE_RE.match(text):
        return range_type(text)
    return None

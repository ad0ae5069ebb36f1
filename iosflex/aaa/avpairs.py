"""Cisco AV pairs: the `protocol:attribute=value` strings carried in the Cisco-AVPair VSA (vendor 9, type 1)
and, without the protocol, in `aaa attribute list` entries.

Syntax (Cisco's RADIUS VSA rules, as IOS accepts them):
- `protocol:attribute=value`: a mandatory attribute (`ipsec:route-set=prefix 10.0.0.0/8`);
- `protocol:attribute*value`: an optional one (`*` instead of `=`: a NAS that does not know it may ignore it);
- `attribute#n` numbers repeated attributes (`ip:interface-config#1=tunnel key 1`); the number is kept
  (`index`) but does not change the order of application, which is the order of receipt;
- `attribute=value` without a protocol (`audit-session-id=...`).

The separator is the first `=` or `*`; the protocol is what precedes the first `:` when that `:` comes
before the separator (values may contain `:`, `=` and `*`: `ipv6-addr=2001:db8::1`).  The value is kept
as sent, less surrounding blanks and trailing NULs (some servers send C strings).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class AvPairError(ValueError):
    """Not a `protocol:attribute=value` string."""


@dataclass(frozen=True, slots=True)
class AvPair:
    protocol: str | None  # "ipsec", "ip", ...; None when the pair has no protocol
    name: str  # the attribute name, without any `#n`
    value: str
    mandatory: bool = True  # False for `*`
    index: int | None = None  # the n of `name#n`

    @property
    def key(self) -> str:
        """`protocol:name` in lower case (just `name` without a protocol): what handlers are looked up by."""
        return f"{self.protocol}:{self.name}".lower() if self.protocol else self.name.lower()

    def format(self) -> str:
        attr = self.name if self.index is None else f"{self.name}#{self.index}"
        head = f"{self.protocol}:{attr}" if self.protocol else attr
        return head + ("=" if self.mandatory else "*") + self.value

    def __str__(self) -> str:
        return self.format()


def parse(text: str | bytes) -> AvPair:
    """Parse one AV pair; raises AvPairError when `text` is not one."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            raise AvPairError(f"not UTF-8: {bytes(text)!r}") from e
    if not isinstance(text, str):
        raise AvPairError(f"not a string: {text!r}")
    return _parse_text(text)


@lru_cache(maxsize=1024)
def _parse_text(text: str) -> AvPair:
    """`parse` of a str, cached (an AvPair is immutable): a server sends every session the same group
    attributes."""
    text = text.rstrip("\x00")
    cut = [i for i in (text.find("="), text.find("*")) if i >= 0]
    if not cut:
        raise AvPairError(f"no '=' or '*': {text!r}")
    sep = min(cut)
    head, value = text[:sep].strip(), text[sep + 1:].strip()
    protocol = None
    colon = head.find(":")
    if colon >= 0:
        protocol, head = head[:colon].strip(), head[colon + 1:].strip()
        if not _TOKEN.match(protocol):
            raise AvPairError(f"bad protocol {protocol!r}: {text!r}")
    index = None
    if "#" in head:
        head, _, num = head.partition("#")
        if not num.isdigit():
            raise AvPairError(f"bad attribute number {num!r}: {text!r}")
        index = int(num)
    if not _TOKEN.match(head):
        raise AvPairError(f"bad attribute name {head!r}: {text!r}")
    return AvPair(protocol, head, value, text[sep] == "=", index)


def try_parse(text) -> AvPair | None:
    """`parse`, or None for a malformed pair."""
    try:
        return parse(text)
    except AvPairError:
        return None

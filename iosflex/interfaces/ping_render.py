"""IOS's texts of the EXEC `ping` (renderer only; the echoes are sent by iosflex/modes/ping.py)."""

from __future__ import annotations

MARKS_PER_LINE = 70


def ping_head(target: str, repeat: int, size: int, timeout: int, source: str | None = None) -> list[str]:
    out = ["Type escape sequence to abort.",
           f"Sending {repeat}, {size}-byte ICMP Echos to {target}, timeout is {timeout} seconds:"]
    if source:
        out.append(f"Packet sent with a source address of {source} ")
    return out


def ping_tail(marks: str, rtts_ms: list[int]) -> list[str]:
    out = [marks[i:i + MARKS_PER_LINE] for i in range(0, len(marks), MARKS_PER_LINE)] or [""]
    n, ok = len(marks), len(rtts_ms)
    pct = ok * 100 // n if n else 0
    line = f"Success rate is {pct} percent ({ok}/{n})"
    if ok:
        line += f", round-trip min/avg/max = {min(rtts_ms)}/{sum(rtts_ms) // ok}/{max(rtts_ms)} ms"
    out.append(line)
    return out


def bad_source(name: str) -> str:
    return f"% Invalid source interface - {name}"

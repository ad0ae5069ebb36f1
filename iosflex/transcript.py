"""Golden transcripts: replay a console capture against a fresh router and compare every line.

Format (docs/HACKING.md): the console text exactly as printed; lines starting with `;;` are comments or
directives: `;;@config default|FILE` picks the startup-config (blank router otherwise), `;;@type TEXT` gives
the text typed at the next prompt that does not echo (a password), `;;@seed N` seeds the simulated network,
and `;;@ikev2 ...` / `;;@clock ...` drive simulated peers on it (iosflex/simnet.py) at that point of the
session; what the router logs then (debug output) is expected on the lines that follow.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from . import logbus
from .router import Router, default_config_text


def replay(text: str, base: Path | None = None) -> tuple[list[str], list[str]]:
    """(expected lines, actual lines); equal when the transcript passes."""
    router = Router(None)
    hidden: list[str] = []
    expected: list[str] = []
    events: dict[int, list[str]] = {}  # directives to run once the output reaches that many lines
    seed = 1
    for line in text.splitlines():
        if line.startswith(";;@config "):
            what = line.split(None, 1)[1].strip()
            cfg = default_config_text() if what == "default" else (base / what).read_text()
            for rej in router.apply_config(cfg):
                raise ValueError(f"startup-config line {rej.lineno} rejected: {rej.line!r} {rej.error}")
        elif line.startswith(";;@type "):
            hidden.append(line[len(";;@type ") :])
        elif line.startswith(";;@seed "):
            seed = int(line.split()[1])
        elif line.startswith((";;@ikev2 ", ";;@clock ", ";;@radius ")):
            events.setdefault(len(expected), []).append(line[3:])
        elif not line.startswith(";;"):
            expected.append(line)
    net = None
    actual: list[str] = []
    if events:
        from .simnet import SimNet

        net = SimNet(router, seed=seed)
        net.base_dir = str(base) if base is not None else "."  # cert=/key= files of the directives
        logbus.bus(router).attach("transcript", actual.append)
    session = router.session(length=0)
    while not session.closed:
        if len(actual) in events:
            for directive in events.pop(len(actual)):
                net.directive(directive)
            continue
        if len(actual) >= len(expected):
            break
        line = expected[len(actual)]
        prompt = session.prompt
        if not line.startswith(prompt):
            actual.append(f"{prompt}<expected this prompt here>")
            break
        if session.echo:
            typed = line[len(prompt) :]
            actual.append(prompt + typed)
        else:
            typed = hidden.pop(0) if hidden else ""
            actual.append(prompt)
        actual.extend(session.feed(typed))
    return expected, actual


def diff(path: Path) -> list[str]:
    expected, actual = replay(path.read_text(), path.parent)
    if expected == actual:
        return []
    return list(difflib.unified_diff(expected, actual, "transcript", "router", lineterm="", n=2))


def main(argv=None) -> int:
    bad = 0
    for name in argv if argv is not None else sys.argv[1:]:
        d = diff(Path(name))
        print(f"{name}: {'ok' if not d else 'DIFFERS'}")
        for ln in d:
            print(ln)
        bad += bool(d)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

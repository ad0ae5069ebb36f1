"""Pastes every corpus config (real routers' `show running-config`) into a fresh router and reports the
rejected lines per file, grouped by their leading words, and whether render -> paste -> render is identical.

    python bench/corpus_paste.py [DIR] [--groups N] [--show WORDS]

DIR defaults to the repository's copy, tests/data/corpus.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from iosflex.router import Router  # noqa: E402


def corpus_dir() -> Path:
    d = Path(__file__).resolve().parent.parent / "tests" / "data" / "corpus"
    if not d.is_dir():
        raise SystemExit(f"no corpus directory at {d}")
    return d


def check(text: str):
    """(rejected lines, round-trip ok) for one config text."""
    r = Router(None)
    rejected = r.apply_config(text)
    first = r.running_config_text()
    r2 = Router(None)
    rej2 = r2.apply_config(first)
    second = r2.running_config_text()
    return rejected, (first == second and not rej2), first, second, rej2


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", nargs="?")
    ap.add_argument("--groups", type=int, default=40)
    ap.add_argument("--show", default="")
    ap.add_argument("--words", type=int, default=2)
    a = ap.parse_args()
    d = Path(a.dir) if a.dir else corpus_dir()
    groups = collections.Counter()
    examples = {}
    total = 0
    bad_rt = []
    for f in sorted(d.glob("*.cfg")):
        rejected, rt_ok, first, second, rej2 = check(f.read_text(errors="replace"))
        total += len(rejected)
        print(f"{f.name:60s} rejected {len(rejected):4d}  roundtrip {'ok' if rt_ok else 'DIFFERS'}")
        if not rt_ok:
            bad_rt.append((f.name, first, second, rej2))
        for x in rejected:
            key = " ".join(x.line.split()[: a.words])
            groups[key] += 1
            examples.setdefault(key, (f.name, x.lineno, x.line))
            if a.show and x.line.strip().startswith(a.show):
                print("   ", x.lineno, repr(x.line), x.error)
    print(f"\ntotal rejected: {total}; round trip differs in {len(bad_rt)} files")
    for k, n in groups.most_common(a.groups):
        print(f"{n:5d}  {k:40s}  e.g. {examples[k]}")
    for name, first, second, rej2 in bad_rt[:3]:
        import difflib
        print("---", name, [(x.lineno, x.line) for x in rej2[:5]])
        print("\n".join(list(difflib.unified_diff(first.splitlines(), second.splitlines(), lineterm=""))[:30]))
    return 1 if total or bad_rt else 0


if __name__ == "__main__":
    sys.exit(main())

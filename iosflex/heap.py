"""The garbage collector's setting for the long-running router process (docs/ARCHITECTURE.md, "Memory").

`settle()` is called once, when the router is up (the startup-config loaded, the drivers listening): by the
`iosflex` program (main.py hands it to remote/server.py `serve` as `ready`) and by the interop launcher
(tests/interop/router.py `_serve`).  Never from library code that one process runs many times (the tests call
`serve` in-process): a frozen object is never collected, and the thresholds are the whole process's.

* `gc.collect()` + `gc.freeze()`: what the start made (the compiled grammar, the running-config, the modules,
  ~48,000 tracked objects) lives as long as the process; frozen, the collector no longer walks it, so a full
  collection costs what the sessions hold (12.7 ms -> 0.003 ms for a router with no session).
* `gc.set_threshold(GEN0, 10, 10)`: the session path makes no reference cycles (every object of a session dies
  by reference counting when the session goes: tests/test_sessions.py), so the collector only finds garbage
  in rare paths; a larger young generation makes the collections (and the full ones, which walk every
  session) rarer.  Measured in-process (1,000 standing LOCAL sessions, then 2,000 arriving as many leave; the
  clients' objects are in that process too): GC 0.093 ms/session with Python's defaults (biggest pause 131
  ms), 0.069 frozen with 700 (79 ms), 0.047 with 2,000 (19 ms), 0.023 with 10,000 (7 ms), 0.024 with
  50,000 (one 48 ms pause).
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (10000, 10, 10)  # Python's default: (700, 10, 10)


def settle(thresholds: tuple[int, int, int] = GC_THRESHOLDS) -> None:
    """Collect once, freeze what is left (the startup state) and set the collector's thresholds.  What an
    earlier call froze is thawed first (an in-process bench that builds a router per repeat: the previous one,
    garbage now, is collected rather than kept)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)

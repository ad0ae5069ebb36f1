"""The RADIUS dictionary (attribute names, codes, data types, named values) as a pyrad Dictionary.

The file `dictionary` beside this module is in pyrad's (FreeRADIUS) format, so it can be read by pyrad,
radclient and FreeRADIUS alike.  It is parsed once per process and shared: a Dictionary is only ever read
after loading, so the cache holds no state that changes.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.resources import files

from pyrad.dictionary import Dictionary

DICTIONARY_FILE = "dictionary"


@cache
def load() -> Dictionary:
    """The package's dictionary, parsed on first use.  Treat it as read-only."""
    with files(__package__).joinpath(DICTIONARY_FILE).open(encoding="utf-8") as f:
        d = Dictionary(f)
    if d.skipped_attributes:  # pragma: no cover - a dictionary edit pyrad cannot read
        logging.getLogger(__name__).warning("pyrad skipped %s", sorted(d.skipped_attributes))
    return d

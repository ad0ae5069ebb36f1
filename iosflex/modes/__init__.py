"""Command handlers, one module per mode or feature, bound by name from the grammar files.

A handler is ``fn(ctx)``; it reads ``ctx.args``, checks, and only then changes the running-config, so a
rejected line (``raise CommandError(text)``) changes nothing.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

HANDLERS: dict[str, Callable] = {}


class CommandError(Exception):
    """A rejected command; the text is what IOS prints."""


def confirmed(answer: str) -> bool:
    """The answer to a `[confirm]` prompt: Return, y or yes goes ahead."""
    return answer.strip().lower() in ("", "y", "yes")


def handler(*names: str):
    def deco(fn):
        for name in names or (fn.__name__,):
            if name in HANDLERS and HANDLERS[name] is not fn:
                raise RuntimeError(f"handler {name} registered twice")
            HANDLERS[name] = fn
        return fn

    return deco


def named_block(ctx, items: dict, mode: str, factory: Callable, name: str | None = None,
                smart_default: bool = False):
    """A named configuration block (`radius server NAME`, `crypto ikev2 keyring NAME`, ...): the `no` form
    deletes it; otherwise it is created if new and its sub-mode entered.  Returns the block (None when deleted).
    With `smart_default`, IOS's built-in block `default` is never deleted: `no` puts its defaults back."""
    name = ctx.args.get("name") if name is None else name
    if ctx.no:
        if smart_default and name == "default":
            items["default"] = factory("default")
        else:
            items.pop(name, None)
        return None
    block = items.get(name)
    if block is None:
        block = items[name] = factory(name)
    ctx.enter(mode, block)
    return block


def load_all() -> dict[str, Callable]:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return HANDLERS

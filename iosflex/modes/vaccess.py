"""EXEC handlers of virtual-access interfaces (grammars/vaccess.gram): show derived-config and the debug flags
of cloning (`debug vtemplate cloning`, `debug aaa per-user`, `debug crypto ipsec`).  The interfaces themselves
live in `router.vaccess` (iosflex/interfaces/vaccess.py)."""

from __future__ import annotations

from ..config.interfaces import canonical_type
from ..interfaces import vaccess as V
from . import handler
from .interface import caret_error

DEBUG_IPSEC = "crypto ipsec"

# flag -> what `debug ...` answers (IOS 15 from memory, unverified) and its `show debugging` section
FLAGS = {
    V.DEBUG_CLONING: ("Virtual Template cloning debugging is on", "Virtual Template:"),
    V.DEBUG_PER_USER: ("AAA Per-user attributes debugging is on", "General OS:"),
    DEBUG_IPSEC: ("Crypto IPSEC debugging is on", "Cryptographic Subsystem:"),
}


def _flag(ctx) -> str:
    a = ctx.args
    if a.has("cloning"):
        return V.DEBUG_CLONING
    if a.has("per-user"):
        return V.DEBUG_PER_USER
    return DEBUG_IPSEC


@handler("debug_vaccess")
def debug_vaccess(ctx):
    f = _flag(ctx)
    ctx.router.debug.add(f)
    ctx.write(FLAGS[f][0])


@handler("undebug_vaccess")
def undebug_vaccess(ctx):
    f = _flag(ctx)
    ctx.router.debug.discard(f)
    ctx.write(FLAGS[f][0][: -len("on")] + "off")


def debugging_lines(dbg) -> list[tuple[str, str]]:
    """(section, line) of `show debugging` for the flags of this module that are on."""
    return [(sect, text) for f, (text, sect) in FLAGS.items() if f in dbg]


@handler("show_derived_config")
def show_derived_config(ctx):
    cfg = ctx.cfg
    found = ctx.args.ifname("interface")
    kind = canonical_type(found[0])
    va = ctx.router.vaccess.get(int(found[1])) if kind == "Virtual-Access" and found[1].isdigit() else None
    if va is not None:
        block = V.derived_config_lines(cfg, va)
    else:
        i = cfg.interfaces.get(kind, found[1])
        if i is None:
            idx = next(k for k, (n, _) in enumerate(ctx.args.path) if n.tok.is_keyword and n.tok.split) + 1
            raise caret_error(ctx, idx)
        block = i.lines(cfg) + ["end"]
    # the chapter's layout: a blank line where IOS's buffer has its `!` (counted: derived_config_size)
    ctx.write("Building configuration...", "", f"Derived configuration : {V.derived_config_size(block)} bytes", "",
              *block)

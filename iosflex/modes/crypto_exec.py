"""EXEC handlers of the IKEv2 responder: show crypto ikev2 sa|stats|profile, show crypto session, show crypto
ipsec sa, clear crypto session / ikev2 sa, debug crypto ikev2, undebug, show debugging (grammars/crypto-exec.gram).

The engine is `router.crypto` (the Responder; None or absent when no engine runs: the tables print empty, as
IOS prints them with no SA).  What these handlers use of it is listed in docs/IKEV2.md, "Responder interface
used by the CLI".
"""

from __future__ import annotations

import dataclasses
import time

from ..crypto import debug as dbg
from ..crypto import policy, show
from ..crypto.stats import IkeStats
from . import CommandError, handler


def _engine(ctx):
    return getattr(ctx.router, "crypto", None)


def _now(engine_or_ctx) -> float:
    """The driver's clock (a simulated network's fake clock in transcripts), else the host's."""
    router = getattr(engine_or_ctx, "router", None)
    services = getattr(router, "services", None)
    if services is not None:
        return services.clock()
    clock = getattr(engine_or_ctx, "now", None)
    return clock() if callable(clock) else time.monotonic()


def _call(engine, *names) -> list:
    """The first of `names` the engine has as a method, called (docs/IKEV2.md: `sa_states`, `ike_sas`)."""
    for name in names:
        fn = getattr(engine, name, None)
        if callable(fn):
            return list(fn())
    return []


def _sas(engine) -> list:
    """The SA states, our endpoint with the UDP port really in use: the driver may listen elsewhere than on
    500/4500 (`--ike-ports`), the engine's own port numbers stay 500/4500."""
    sas = _call(engine, "sa_states", "ike_sas")
    pm = getattr(engine, "port_map", None) or {}
    if any(k != v for k, v in pm.items()):
        sas = [dataclasses.replace(s, local=(s.local[0], pm.get(s.local[1], s.local[1]))) for s in sas]
    return sas


def _sessions(ctx) -> list:
    """The session records that are up (iosflex/sessions.py): `show crypto session` is a view of them."""
    return ctx.router.sessions.active()


@handler("show_crypto_ikev2_sa")
def show_crypto_ikev2_sa(ctx):
    e = _engine(ctx)
    ctx.write(*show.ikev2_sa(_sas(e), _now(e), detail=ctx.args.has("detailed")))


@handler("show_crypto_session")
def show_crypto_session(ctx):
    e = _engine(ctx)
    sessions = _sessions(ctx)
    pm = getattr(e, "port_map", None) or {}
    if any(k != v for k, v in pm.items()):  # our endpoint with the port really in use (`--ike-ports`)
        sessions = [dataclasses.replace(s, ike_sa=dataclasses.replace(
            s.ike_sa, local=(s.ike_sa.local[0], pm.get(s.ike_sa.local[1], s.ike_sa.local[1]))))
            if getattr(s, "ike_sa", None) is not None else s for s in sessions]
    ctx.write(*show.crypto_session(sessions, _now(e), detail=ctx.args.has("detail")))


@handler("show_crypto_ipsec_sa")
def show_crypto_ipsec_sa(ctx):
    e = _engine(ctx)
    ctx.write(*show.ipsec_sa(_sessions(ctx), _now(e), ctx.cfg))


@handler("show_crypto_ikev2_stats")
def show_crypto_ikev2_stats(ctx):
    e = _engine(ctx)
    stats = getattr(e, "stats", None) or IkeStats()
    if ctx.args.has("reconnect"):
        counts = getattr(e, "reconnect_counts", None)
        active, inactive = counts() if callable(counts) else (0, 0)
        ctx.write(*show.ikev2_stats_reconnect(stats, active, inactive))
        return
    ctx.write(*show.ikev2_stats(stats, _sas(e), ctx.cfg.ikev2_global.limit_max_sa, policy.max_in_nego(ctx.cfg)))


@handler("show_crypto_ikev2_profile")
def show_crypto_ikev2_profile(ctx):
    name = ctx.args.get("profile")
    if name is not None and name not in ctx.cfg.ikev2_profile.items:
        raise CommandError(f"IKEv2 profile {name} not found")  # TODO(issue 4): IOS's exact text unverified
    refs: dict[str, int] = {}
    for sa in _sas(_engine(ctx)):
        if sa.profile:
            refs[sa.profile] = refs.get(sa.profile, 0) + 1
    ctx.write(*show.ikev2_profile(ctx.cfg, name, refs))


@handler("clear_crypto_session")
def clear_crypto_session(ctx):
    services = ctx.router.services
    if services is not None:  # the DELETEs really go to the peers, through the driver
        services.clear_crypto(remote=ctx.args.get("remote"))


@handler("clear_crypto_ikev2_sa")
def clear_crypto_ikev2_sa(ctx):
    clear_crypto_session(ctx)


def _flags(ctx) -> list[str]:
    if ctx.args.has("internal"):
        return [dbg.INTERNAL]
    if ctx.args.has("packet"):
        return [dbg.PACKET]
    return [dbg.BASIC]


@handler("debug_crypto_ikev2")
def debug_crypto_ikev2(ctx):
    ctx.router.debug.update(_flags(ctx))


@handler("undebug_crypto_ikev2")
def undebug_crypto_ikev2(ctx):
    for f in _flags(ctx):
        ctx.router.debug.discard(f)


@handler("undebug_all")
def undebug_all(ctx):
    ctx.router.debug.clear()
    ctx.write("All possible debugging has been turned off")


DEBUG_TEXT = {dbg.BASIC: "Crypto IKEv2 debugging is on", dbg.INTERNAL: "Crypto IKEv2 internal debugging is on",
              dbg.PACKET: "Crypto IKEv2 packet debugging is on"}


@handler("show_debugging")
def show_debugging(ctx):
    from ..aaa.show import debugging_lines  # noqa: PLC0415

    from .vaccess import debugging_lines as vaccess_lines  # noqa: PLC0415

    more = vaccess_lines(ctx.router.debug)  # (section, line): per-user, vtemplate cloning, crypto ipsec
    lines = debugging_lines(ctx.router.debug)
    extra = [f"  {t}" for sect, t in more if sect == "General OS:"]
    if extra and "General OS:" in lines:
        at = lines.index("General OS:") + 1
        while at < len(lines) and lines[at].startswith("  "):
            at += 1
        lines[at:at] = extra
    elif extra:
        lines = ["General OS:", *extra, *(lines or [""])]
    ctx.write(*lines)
    on = [f"  {DEBUG_TEXT[f]}" for f in dbg.FLAGS if f in ctx.router.debug]
    on += [f"  {t}" for sect, t in more if sect == "Cryptographic Subsystem:"]
    if on:
        ctx.write("Cryptographic Subsystem:", *on, "")
    vt = [f"  {t}" for sect, t in more if sect == "Virtual Template:"]
    if vt:
        ctx.write("Virtual Template:", *vt, "")

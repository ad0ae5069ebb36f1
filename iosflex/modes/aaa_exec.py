"""EXEC handlers of AAA and RADIUS (grammars/aaa-exec.gram): show aaa user all, show aaa servers, show aaa
clients, debug radius, debug aaa.  The state shown lives in the router's services (router.sessions, router.radius)."""

from __future__ import annotations

from ..aaa import show as aaa_show
from . import handler

RADIUS_FLAGS = aaa_show.RADIUS_FLAGS


def _radius_flags(ctx) -> list[str]:
    if ctx.args.has("authentication"):
        return ["radius authentication"]
    if ctx.args.has("accounting"):
        return ["radius accounting"]
    return list(RADIUS_FLAGS)


@handler("debug_radius")
def debug_radius(ctx):
    ctx.router.debug.update(_radius_flags(ctx))
    ctx.write(*aaa_show.radius_debug_state(ctx.router.debug))


@handler("undebug_radius")
def undebug_radius(ctx):
    for f in _radius_flags(ctx):
        ctx.router.debug.discard(f)
    ctx.write(*aaa_show.radius_debug_state(ctx.router.debug))


def _aaa_flag(ctx) -> str:
    for word in ("accounting", "pod", "coa"):
        if ctx.args.has(word):
            return f"aaa {word}"
    return "aaa authorization"


@handler("debug_aaa")
def debug_aaa(ctx):
    f = _aaa_flag(ctx)
    ctx.router.debug.add(f)
    ctx.write(aaa_show.aaa_debug_state(f, True))


@handler("undebug_aaa")
def undebug_aaa(ctx):
    f = _aaa_flag(ctx)
    ctx.router.debug.discard(f)
    ctx.write(aaa_show.aaa_debug_state(f, False))


@handler("show_aaa_user_all")
def show_aaa_user_all(ctx):
    sessions = [s for _k, s in sorted(ctx.router.sessions.by_id.items())]
    ctx.write(*aaa_show.user_all(sessions, ctx.cfg))


@handler("show_aaa_servers")
def show_aaa_servers(ctx):
    from ..radius.client import RadiusClient  # noqa: PLC0415
    from ..radius.show import show_aaa_servers as render  # noqa: PLC0415

    client = ctx.router.radius
    services = ctx.router.services
    if client is None:  # no driver runs (batch mode): the configured servers with no traffic yet
        client = RadiusClient(rng=lambda n: bytes(n))
    ctx.write(*render(client, ctx.cfg, services.clock() if services is not None else 0.0))


@handler("show_aaa_clients")
def show_aaa_clients(ctx):
    """The dynamic-author server's counters (radius/dynauth.py); none yet when no driver runs (batch mode)."""
    from ..radius.dynauth import DynAuthStats  # noqa: PLC0415
    from ..radius.show import show_aaa_clients as render  # noqa: PLC0415

    services = ctx.router.services
    stats = services.dynauth.stats if services is not None else DynAuthStats()
    ctx.write(*render(stats, ctx.cfg.aaa_dynamic_author, ctx.args.has("detailed")))


@handler("test_aaa_group")
def test_aaa_group(ctx):
    """Ask RADIUS through the AAA service; the answer may come later (the command waits, as on IOS)."""
    import inspect  # noqa: PLC0415

    from ..aaa.service import LoginAuth  # noqa: PLC0415

    services = ctx.router.services
    if services is None:
        ctx.write(aaa_show.NO_AAA_SERVICE)
        return
    answer = services.ask(LoginAuth(ctx.args.get("group"), ctx.args.get("username"), ctx.args.get("password")))
    if inspect.isawaitable(answer):
        async def later():
            return aaa_show.test_aaa_result(await answer)

        ctx.defer(later())
        return
    ctx.write(*aaa_show.test_aaa_result(answer))

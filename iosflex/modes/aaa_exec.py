"""EXEC handlers of AAA and RADIUS (grammars/aaa-exec.gram): show aaa user all, show aaa servers, debug radius,
debug aaa.  The state shown lives in the router's services (router.sessions, router.radius)."""

from __future__ import annotations

from ..aaa import show as aaa_show
from . import handler

RADIUS_FLAGS = ("radius authentication", "radius accounting")


def _radius_flags(ctx) -> list[str]:
    if ctx.args.has("authentication"):
        return ["radius authentication"]
    if ctx.args.has("accounting"):
        return ["radius accounting"]
    return list(RADIUS_FLAGS)


def _radius_state(dbg: set) -> list[str]:
    """What IOS prints after `debug radius ...` (from memory of IOS 15; unverified)."""
    on = lambda f: "on" if f in dbg else "off"  # noqa: E731
    proto = "on" if any(f in dbg for f in RADIUS_FLAGS) else "off"
    return [f"Radius protocol debugging is {proto}",
            "Radius protocol brief debugging is off",
            "Radius protocol verbose debugging is off",
            "Radius packet hex dump debugging is off",
            f"Radius packet protocol (authentication) debugging is {on('radius authentication')}",
            f"Radius packet protocol (accounting) debugging is {on('radius accounting')}",
            "Radius packet retransmission debugging is off",
            "Radius server fail-over debugging is off",
            "Radius elog debugging debugging is off"]


@handler("debug_radius")
def debug_radius(ctx):
    ctx.router.debug.update(_radius_flags(ctx))
    ctx.write(*_radius_state(ctx.router.debug))


@handler("undebug_radius")
def undebug_radius(ctx):
    for f in _radius_flags(ctx):
        ctx.router.debug.discard(f)
    ctx.write(*_radius_state(ctx.router.debug))


AAA_TEXT = {"aaa accounting": "AAA Accounting", "aaa authorization": "AAA Authorization"}


def _aaa_flag(ctx) -> str:
    return "aaa accounting" if ctx.args.has("accounting") else "aaa authorization"


@handler("debug_aaa")
def debug_aaa(ctx):
    f = _aaa_flag(ctx)
    ctx.router.debug.add(f)
    ctx.write(f"{AAA_TEXT[f]} debugging is on")


@handler("undebug_aaa")
def undebug_aaa(ctx):
    f = _aaa_flag(ctx)
    ctx.router.debug.discard(f)
    ctx.write(f"{AAA_TEXT[f]} debugging is off")


def debugging_lines(dbg: set) -> list[str]:
    """The AAA and RADIUS part of `show debugging` (layout from memory of IOS 15; unverified)."""
    out: list[str] = []
    aaa = [AAA_TEXT[f] for f in ("aaa accounting", "aaa authorization") if f in dbg]
    if aaa:
        out += ["General OS:", *(f"  {t} debugging is on" for t in aaa)]
    if any(f in dbg for f in RADIUS_FLAGS):
        out += [ln for ln in _radius_state(dbg) if ln.endswith(" on")]
    return out + ([""] if out else [])


@handler("show_aaa_user_all")
def show_aaa_user_all(ctx):
    sessions = [s for _k, s in sorted(ctx.router.sessions.by_id.items())]
    ctx.write(*aaa_show.user_all(sessions))


@handler("show_aaa_servers")
def show_aaa_servers(ctx):
    from ..radius.client import RadiusClient  # noqa: PLC0415
    from ..radius.show import show_aaa_servers as render  # noqa: PLC0415

    client = ctx.router.radius
    services = ctx.router.services
    if client is None:  # no driver runs (batch mode): the configured servers with no traffic yet
        client = RadiusClient(rng=lambda n: bytes(n))
    ctx.write(*render(client, ctx.cfg, services.clock() if services is not None else 0.0))


def _test_result(answer) -> list[str]:
    """`test aaa group ... new-code` output (IOS 15 layout from memory, unverified: the result line, then the
    Access-Accept's attributes as `name  0  "value"`)."""
    if answer.status == "PASS":
        out = ["User successfully authenticated", "", "USER ATTRIBUTES", ""]
        for name, value in answer.attributes:
            if isinstance(value, bytes):
                value = value.decode(errors="replace")
            text = f'"{value}"' if isinstance(value, str) else str(value)
            out.append(f"{name.lower():<20} 0   {text}")
        return out
    if answer.status == "FAIL":
        return ["User rejected"]
    return ["User authentication request was rejected by server"]  # nothing answered: IOS's text unverified


@handler("test_aaa_group")
def test_aaa_group(ctx):
    """Ask RADIUS through the AAA service; the answer may come later (the command waits, as on IOS)."""
    import inspect  # noqa: PLC0415

    from ..aaa.service import LoginAuth  # noqa: PLC0415

    services = ctx.router.services
    if services is None:
        ctx.write("% No AAA service is running (batch mode: start iosflex with a console, --ssh, --telnet or --ike)")
        return
    answer = services.ask(LoginAuth(ctx.args.get("group"), ctx.args.get("username"), ctx.args.get("password")))
    if inspect.isawaitable(answer):
        async def later():
            return _test_result(await answer)

        ctx.defer(later())
        return
    ctx.write(*_test_result(answer))

"""EXEC-mode handlers: enable/disable, configure, terminal, copy/write, show running/startup/version."""

from __future__ import annotations


from ..config import render
from ..config.secrets import verify_secret
from . import CommandError, handler

CONFIG_BANNER = "Enter configuration commands, one per line.  End with CNTL/Z."


@handler("exec_enable")
def exec_enable(ctx):
    s = ctx.session
    enable = ctx.cfg.enable
    if s.privileged:
        return
    if enable.secret is None and enable.password is None:
        if s.name.startswith("vty"):  # IOS: without an enable password only the console may enable
            raise CommandError("% No password set")
        s.privileged = True
        return
    tries = [0]

    def check(pw: str):
        ok = False
        if enable.secret is not None:  # (type 0 as typed, 5, 8 or 9)
            ok = verify_secret(enable.secret, pw)
        elif enable.password is not None:  # (type 0 or 7)
            ok = verify_secret(enable.password, pw)
        if ok:
            s.privileged = True
            return []
        tries[0] += 1
        if tries[0] < 3:
            ctx.ask("Password: ", check)
            return []
        return ["% Bad secrets", ""]

    ctx.ask("Password: ", check)


@handler("exec_disable")
def exec_disable(ctx):
    ctx.session.privileged = False


@handler("exec_exit")
def exec_exit(ctx):
    ctx.session.closed = True


@handler("exec_configure")
def exec_configure(ctx):
    ctx.write(CONFIG_BANNER)
    ctx.enter("config")


@handler("exec_terminal_length")
def exec_terminal_length(ctx):
    ctx.session.length = ctx.args.int("length")


@handler("exec_terminal_width")
def exec_terminal_width(ctx):
    ctx.session.width = ctx.args.int("width")


@handler("exec_terminal_monitor")
def exec_terminal_monitor(ctx):
    ctx.session.monitor = True


@handler("exec_terminal_no_monitor")
def exec_terminal_no_monitor(ctx):
    ctx.session.monitor = False


def _save(ctx):
    try:
        ctx.router.save()
    except OSError as e:
        raise CommandError(f"%Error opening nvram:startup-config ({e.strerror})") from None
    from .. import archive  # noqa: PLC0415

    conf = archive.settings(ctx.cfg)
    if conf and conf["path"] and conf["write_memory"]:
        try:
            archive.archive_now(ctx.router)
        except Exception:  # noqa: BLE001  the startup-config is saved; a full flash only loses the archive copy
            pass


@handler("exec_write_memory")
def exec_write_memory(ctx):
    ctx.write("Building configuration...")
    _save(ctx)
    ctx.write("[OK]")


@handler("show_running_config")
def show_running_config(ctx):
    ifname = ctx.args.ifname("interface")
    if ifname:
        lines = render.interface_config(ctx.cfg, *ifname)
        if lines is None:
            raise CommandError("                               ^\n% Invalid input detected at '^' marker.\n")
        ctx.write(*lines)
        return
    ctx.write(*render.running_config(ctx.cfg))


@handler("show_startup_config")
def show_startup_config(ctx):
    text = ctx.router.startup_text()
    if text is None:
        ctx.write("startup-config is not present")
        return
    ctx.write(f"Using {len(text)} out of 262144 bytes")
    ctx.write(*text.rstrip("\n").split("\n"))


@handler("show_version")
def show_version(ctx):
    ctx.write(*render.show_version(ctx.router, ctx.cfg))


@handler("show_clock")
def show_clock(ctx):
    ctx.write(ctx.router.clock.show_clock())  # iosflex/clock.py: the driver's clock, `clock set`, `clock timezone`


@handler("show_terminal")
def show_terminal(ctx):
    s = ctx.session
    ctx.write('Line 0, Location: "", Type: ""', f"Length: {s.length} lines, Width: {s.width} columns")


@handler("filter_begin", "filter_count", "filter_exclude", "filter_include", "filter_section")
def filter_marker(ctx):
    """Output modifiers are applied by the session, never run as commands."""
    raise CommandError("% Output modifier used as a command")

"""Global configuration handlers for system commands: exit/end, hostname, service, enable, username, line."""

from __future__ import annotations

from ..config.secrets import type7_decode, type9_hash
from ..config.system import Secret, User
from . import CommandError, handler


@handler("config_exit")
def config_exit(ctx):
    ctx.session.end()


@handler("config_end")
def config_end(ctx):
    ctx.session.end()


@handler("mode_exit")
def mode_exit(ctx):
    """`exit` from a configuration sub-mode: up one level."""
    ctx.session.pop()


@handler("config_hostname")
def config_hostname(ctx):
    if ctx.no:
        ctx.cfg.hostname.name = "Router"
        return
    name = ctx.args.get("hostname")
    if not name[0].isalpha() or not all(c.isalnum() or c in "-_." for c in name) or len(name) > 63:
        raise CommandError("% Hostname contains one or more illegal characters.")
    ctx.cfg.hostname.name = name


@handler("config_service_password_encryption")
def config_service_password_encryption(ctx):
    ctx.cfg.system.password_encryption = not ctx.no


def make_secret(args, kind: str, value_name: str) -> Secret:
    """A password/secret from the typed form: encryption keyword, algorithm-type, or clear text."""
    value = args.get(value_name)
    if kind == "secret":
        for enc in ("5", "8", "9"):
            if args.has(enc):
                if not value.startswith(f"${enc}$") and enc != "5" or enc == "5" and not value.startswith("$1$"):
                    raise CommandError("ERROR: The secret you entered is not a valid encrypted secret.\n"
                                       "To enter an UNENCRYPTED secret, do not specify type 5/8/9 encryption.")
                return Secret("secret", int(enc), value)
        return Secret("secret", 9, type9_hash(value))
    if args.has("7"):
        if type7_decode(value) is None:
            raise CommandError("Invalid encrypted password: " + value)
        return Secret("password", 7, value)
    return Secret("password", 0, value)


@handler("config_enable_secret")
def config_enable_secret(ctx):
    if ctx.no:
        ctx.cfg.enable.secret = None
        return
    ctx.cfg.enable.secret = make_secret(ctx.args, "secret", "secret")


@handler("config_enable_password")
def config_enable_password(ctx):
    ctx.cfg.enable.password = None if ctx.no else make_secret(ctx.args, "password", "password")


@handler("config_username")
def config_username(ctx):
    a = ctx.args
    name = a.get("name")
    users = ctx.cfg.username.users
    if ctx.no:
        users.pop(name, None)
        return
    secret = None
    if a.has("secret"):
        secret = make_secret(a, "secret", "secret")
    elif a.has("password"):
        secret = make_secret(a, "password", "password")
    old = users.get(name)
    user = User(name, a.int("privilege") if a.has("privilege") else (old.privilege if old else None),
                secret or (old.secret if old else None))
    users[name] = user


@handler("config_line")
def config_line(ctx):
    a = ctx.args
    kind = "con" if a.has("con") else "aux" if a.has("aux") else "vty"
    first = a.int("first")
    last = a.int("last")
    if last is not None and last < first:
        raise CommandError("%Can't have last line less than first line")
    if ctx.no:
        return
    line = ctx.cfg.line.find(kind, first, last)
    ctx.enter("line", line)


@handler("line_exec_timeout")
def line_exec_timeout(ctx):
    ctx.obj.exec_timeout = None if ctx.no else (ctx.args.int("minutes"), ctx.args.int("seconds", 0))


@handler("line_login")
def line_login(ctx):
    a = ctx.args
    if ctx.no:
        ctx.obj.login = None
    elif a.has("authentication"):
        ctx.obj.login = "authentication " + (a.get("list") or "default")
    elif a.has("local"):
        ctx.obj.login = "local"
    else:
        ctx.obj.login = "login"


@handler("line_password")
def line_password(ctx):
    ctx.obj.password = None if ctx.no else make_secret(ctx.args, "password", "password")


@handler("line_privilege")
def line_privilege(ctx):
    ctx.obj.privilege = None if ctx.no else ctx.args.int("level")


@handler("line_transport_input")
def line_transport_input(ctx):
    if ctx.no:
        ctx.obj.transport_input = None
        return
    names = [node.tok.text for node, _ in ctx.args.path[2:]]
    ctx.obj.transport_input = " ".join(dict.fromkeys(names))


@handler("config_noop")
def config_noop(ctx):
    """Lines IOS prints in every config (version, boot markers) and takes back without effect."""

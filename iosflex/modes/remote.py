"""Handlers for remote terminals: `show users`, `show line`, `clear line`, `show ssh`, `show ip ssh`, and
`ip ssh version` / `ip ssh pubkey-chain` configuration.  Line state comes from remote/vty.py."""

from __future__ import annotations

import time

from ..config.ssh import PubkeyUser, key_string_hash
from ..remote.vty import VTY_BASE, Entry, allowed_transports, configured_vtys, exec_timeout_seconds, line_for, table
from . import CommandError, confirmed, handler


def _hms(secs: float) -> str:
    s = int(secs)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _entries(ctx) -> tuple[list[Entry], Entry | None]:
    """Lines in use, and the one this session is on (a console session not registered counts as con 0)."""
    t = table(ctx.router)
    entries = t.all()
    mine = t.entry_of(ctx.session)
    if mine is None:
        mine = Entry("con", 0, "console", session=ctx.session)
        entries = [mine] + [e for e in entries if e.kind != "con"]
    return entries, mine


@handler("show_users")
def show_users(ctx):
    entries, mine = _entries(ctx)
    now = time.monotonic()
    ctx.write("    Line       User       Host(s)              Idle       Location")
    for e in entries:
        mark = "*" if e is mine else " "
        idle = "00:00:00" if e is mine else _hms(now - e.last_input)
        ctx.write(f"{mark}{e.tty:>3} {e.name:<10}{e.user:<11}{'idle':<20} {idle:>8} {e.peer}".rstrip())
    ctx.write("", "  Interface    User               Mode         Idle     Peer Address", "")


_LINE_HEAD = "   Tty Typ     Tx/Rx    A Modem  Roty AccO AccI   Uses   Noise  Overruns   Int"


def _line_row(tty: int, typ: str, active: bool, uses: int) -> str:
    txrx = "9600/9600" if typ == "AUX" else ""
    return f"{'*' if active else ' '}{tty:>5} {typ:<3} {txrx:>11}  -    -      -    -    -  {uses:>5}       0     0/0       -"


@handler("show_line")
def show_line(ctx):
    a = ctx.args
    t = table(ctx.router)
    cfg = ctx.cfg
    entries, mine = _entries(ctx)
    in_use = {e.tty for e in entries}
    rows = [(0, "CTY"), (1, "AUX")] + [(VTY_BASE + n, "VTY") for n in configured_vtys(cfg)]
    tty = None
    if a.has("vty"):
        tty = VTY_BASE + a.int("rel")
    elif a.has("console"):
        tty = 0
    elif a.get("tty") is not None:
        tty = a.int("tty")
    if tty is None:
        ctx.write(_LINE_HEAD)
        for n, typ in rows:
            ctx.write(_line_row(n, typ, n in in_use, t.uses.get(n, 0)))
        ctx.write("")
        return
    if tty not in {n for n, _ in rows}:
        raise CommandError("% Invalid line number")
    typ = dict(rows)[tty]
    ctx.write(_LINE_HEAD, _line_row(tty, typ, tty in in_use, t.uses.get(tty, 0)), "")
    e = next((x for x in entries if x.tty == tty), None)
    s = e.session if e else None
    line = line_for(cfg, tty - VTY_BASE) if typ == "VTY" else None
    timeout = exec_timeout_seconds(line) if typ == "VTY" else 600.0
    transports = " ".join(sorted(allowed_transports(line))) if typ == "VTY" else "none"
    ctx.write(
        f'Line {tty}, Location: "{e.peer if e else ""}", Type: "{"vt100" if e else ""}"',
        f"Length: {s.length if s else 24} lines, Width: {s.width if s else 80} columns",
        "Baud rate (TX/RX) is 9600/9600",
        f"Status: {'Ready, Active' if e else 'Ready'}",
        "Capabilities: none",
        "Modem state: Ready",
        "Timeouts:      Idle EXEC    Idle Session   Modem Answer  Session   Dispatch",
        f"               {_hms(timeout) if timeout else 'never':>8}        never                        none     not set",
        "Modem type is unknown.",
        "Session limit is not set.",
    )
    if e:
        ctx.write(f"Time since activation: {_hms(time.monotonic() - e.since)}")
    ctx.write(
        "Editing is enabled.",
        f"Allowed input transports are {transports or 'none'}.",
        "Allowed output transports are telnet ssh.",
        "Preferred transport is telnet.",
        "No output characters are padded",
        "No special data dispatching characters",
        "",
    )


@handler("clear_line")
def clear_line(ctx):
    a = ctx.args
    if a.has("vty"):
        tty = VTY_BASE + a.int("rel")
    elif a.has("console"):
        tty = 0
    else:
        tty = a.int("tty")
    valid = {0, 1} | {VTY_BASE + n for n in configured_vtys(ctx.cfg)}
    if tty not in valid:
        raise CommandError("% Invalid line number")
    router = ctx.router

    def confirm(answer: str):
        if not confirmed(answer):
            return []
        e = table(router).find_tty(tty)
        if e is not None and e.kind == "vty":
            e.disconnect()
        return [" [OK]"]

    ctx.ask("[confirm]", confirm, echo=True)


@handler("show_ssh")
def show_ssh(ctx):
    rows = [e for e in table(ctx.router).vty.values() if e.protocol == "ssh" and e.session is not None]
    if not rows:
        ctx.write("%No SSHv2 server connections running.", "%No SSHv1 server connections running.")
        return
    ctx.write("Connection Version Mode Encryption  Hmac         Compression    State           Username")
    for e in sorted(rows, key=lambda x: x.number):
        info = e.ssh
        for mode, sfx in (("IN", ""), ("OUT", "_out")):
            cipher = info.get("cipher" + sfx, "none")
            mac = info.get("mac" + sfx, "none")
            if mac == cipher:  # an AEAD cipher carries its own integrity
                mac = "implicit"
            ctx.write(f"{e.number:<11}{info.get('version', '2.0'):<8}{mode:<5}{cipher:<11} {mac:<12} "
                      f"{info.get('compression' + sfx, 'none'):<14} {info.get('state', 'Session started'):<15} {e.user}")
    ctx.write("%No SSHv1 server connections running.")


@handler("show_ip_ssh")
def show_ip_ssh(ctx):
    t = table(ctx.router)
    if not t.ssh_enabled:
        ctx.write("SSH Disabled - version 2.0", "%Please create RSA keys to enable SSH (and of atleast 768 bits for SSH v2).")
        return
    ctx.write(
        "SSH Enabled - version 2.0",
        "Authentication methods:publickey,keyboard-interactive,password",
        "Authentication Publickey Algorithms:ssh-rsa,rsa-sha2-256,rsa-sha2-512,ssh-ed25519,ecdsa-sha2-nistp256",
        "Hostkey Algorithms:rsa-sha2-512,rsa-sha2-256,ssh-rsa",
        "Encryption Algorithms:aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
        "MAC Algorithms:hmac-sha2-256,hmac-sha2-512,hmac-sha1",
        "Authentication timeout: 30 secs; Authentication retries: 3",
        "Minimum expected Diffie Hellman key size : 2048 bits",
        f"IOS Keys in SECSH format(ssh-rsa, base64 encoded): {t.ssh_key_name or ''}".rstrip(),
    )
    if t.ssh_public_key:
        text = t.ssh_public_key
        ctx.write(*[text[i : i + 64] for i in range(0, len(text), 64)])


# -- configuration ---------------------------------------------------------------------------------------

@handler("config_ip_ssh_version")
def config_ip_ssh_version(ctx):
    ctx.cfg.ip_ssh.version = None if ctx.no else ctx.args.int("version")


@handler("config_ip_ssh_pubkey_chain")
def config_ip_ssh_pubkey_chain(ctx):
    if ctx.no:
        ctx.cfg.ip_ssh.users.clear()
        return
    ctx.enter("ssh-pubkey", ctx.cfg.ip_ssh)


@handler("ssh_pubkey_username")
def ssh_pubkey_username(ctx):
    name = ctx.args.get("name")
    users = ctx.cfg.ip_ssh.users
    if ctx.no:
        users.pop(name, None)
        return
    user = users.setdefault(name, PubkeyUser(name))
    ctx.enter("ssh-pubkey-user", user)


@handler("ssh_pubkey_key_string")
def ssh_pubkey_key_string(ctx):
    ctx.obj.pending = []
    ctx.enter("ssh-pubkey-data", ctx.obj)


@handler("ssh_pubkey_key_hash")
def ssh_pubkey_key_hash(ctx):
    h = ctx.args.get("hash").upper()
    if len(h) != 32 or any(c not in "0123456789ABCDEF" for c in h):
        raise CommandError("%SSH: Invalid hash value")
    entry = ("ssh-rsa", h)
    if ctx.no:
        if entry in ctx.obj.hashes:
            ctx.obj.hashes.remove(entry)
        return
    if entry not in ctx.obj.hashes:
        ctx.obj.hashes.append(entry)


@handler("ssh_pubkey_data")
def ssh_pubkey_data(ctx):
    ctx.obj.pending.append(ctx.args.get("data").strip())


@handler("ssh_pubkey_data_exit")
def ssh_pubkey_data_exit(ctx):
    user = ctx.obj
    text, user.pending = "".join(user.pending), []  # IOS joins the lines as typed
    ctx.session.pop()
    if not text:
        return
    got = key_string_hash(text)
    if got is None:
        raise CommandError("%SSH: Failed to decode the key value")
    if got not in user.hashes:
        user.hashes.append(got)

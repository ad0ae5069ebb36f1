"""Remote terminals without a network: the vty line discipline, the telnet option codec, IOS login, and the
telnet/SSH servers on loopback with a raw socket and asyncssh."""

from __future__ import annotations

import asyncio
import re
import socket
import time

import pytest

from iosflex.config.secrets import verify_secret
from iosflex.config.system import Line, Secret
from iosflex.remote.line import ERASE_MORE, MORE, LineDiscipline
from iosflex.remote.login import FAIL, PASS, VtyShell, authenticate, login_methods
from iosflex.remote.telnet import DO, DONT, ECHO, IAC, NAWS, SB, SE, SGA, WILL, WONT, TelnetCodec
from iosflex.remote.vty import Entry, LineTable, allowed_transports, table
from iosflex.router import Router
from vty_client import read_until, telnet_login, telnet_router

ANSI = re.compile(r"\x1b")


def router(default=True) -> Router:
    r = Router(default_if_missing=default)
    r.load_startup()
    return r


def cli(priv=True, length=0):
    """A line discipline on a logged-in CLI session of a fresh default router."""
    r = router()
    entry = Entry("vty", 0, "telnet", "127.0.0.1")
    sh = VtyShell(r, entry, length=length, preauth=("cisco", 15 if priv else 1))
    return r, sh, LineDiscipline(sh)


# -- line discipline ---------------------------------------------------------------------------------------

def test_echo_each_character_before_the_line_end():
    _, _, ld = cli()
    assert ld.start() == "Router#"
    assert ld.feed("s") == "s"
    assert ld.feed("how clock") == "how clock"
    out = ld.feed("\r")
    assert out.startswith("\r\n*") and out.endswith("\r\nRouter#")


@pytest.mark.parametrize("end", ["\r", "\n", "\r\n", "\r\0"])
def test_every_line_end_is_one_line(end):
    _, _, ld = cli()
    out = ld.feed("terminal length 0" + end + "terminal width 511" + end)
    assert out == "terminal length 0\r\nRouter#terminal width 511\r\nRouter#"


def test_empty_line_reprints_prompt_and_no_trailing_space():
    _, _, ld = cli()
    assert ld.feed("\r\n") == "\r\nRouter#"
    assert ld.feed("\n") == "\r\nRouter#"


def test_backspace_and_delete_erase():
    _, _, ld = cli()
    assert ld.feed("shx\b") == "shx\b \b"
    assert ld.feed("\x7f") == "\b \b"
    assert ld.feed("\x7f\x7f\x7f") == "\b \b"  # only what there is
    assert ld.buf == ""


def test_ctrl_u_and_ctrl_w():
    _, _, ld = cli()
    ld.feed("show ver")
    assert ld.feed("\x17") == "\b \b" * 3
    assert ld.buf == "show "
    assert ld.feed("\x15") == "\b \b" * 5
    assert ld.buf == ""


def test_question_mark_prints_help_then_redraws():
    _, _, ld = cli()
    out = ld.feed("show cl?")
    assert out.startswith("show cl?\r\n")
    assert "clock" in out
    assert out.endswith("\r\nRouter#show cl")
    assert ld.buf == "show cl"


def test_tab_completes_with_only_the_added_characters():
    _, _, ld = cli()
    ld.feed("conf")
    assert ld.feed("\t") == "igure "
    assert ld.buf == "configure "


def test_ctrl_z_leaves_config_mode():
    _, sh, ld = cli()
    ld.feed("conf t\r")
    assert ld.feed("hostname R2\r").endswith("R2(config)#")
    ld.feed("host")
    assert ld.feed("\x1a") == "^Z\r\nR2#"
    assert not sh.session.in_config


def test_ctrl_c_drops_the_line():
    _, sh, ld = cli()
    ld.feed("conf t\r")
    ld.feed("hostn")
    assert ld.feed("\x03") == "^C\r\nRouter#"
    assert ld.buf == ""


def test_arrow_keys_are_swallowed():
    _, _, ld = cli()
    assert ld.feed("sh\x1b[A\x1b[Dow") == "show"
    assert ld.buf == "show"


def test_errors_have_ios_texts_and_caret():
    _, _, ld = cli()
    out = ld.feed("show foo\r")
    assert "% Invalid input detected at '^' marker." in out
    assert out.endswith("Router#")
    assert "% Incomplete command." in ld.feed("terminal length\r")


def test_no_escape_codes_anywhere():
    _, _, ld = cli(length=5)
    out = ld.feed("show running-config\r") + ld.feed(" ") + ld.feed("q")
    assert not ANSI.search(out)


def test_more_pager_space_return_and_quit():
    _, _, ld = cli(length=5)
    out = ld.feed("show running-config\r")
    assert out.endswith(MORE)
    assert out.count("\r\n") == 5  # the echoed line end and 4 lines
    out = ld.feed("\r")  # one more line (the LF of a CRLF is not a second key)
    assert out.startswith(ERASE_MORE) and out.endswith(MORE) and out.count("\r\n") == 1
    out = ld.feed("\r\n")
    assert out.count("\r\n") == 1 and out.endswith(MORE)
    out = ld.feed(" ")
    assert out.count("\r\n") == 4 and out.endswith(MORE)
    out = ld.feed("q")
    assert out == ERASE_MORE + "Router#"
    assert ld.feed("\r") == "\r\nRouter#"


def test_terminal_length_zero_turns_paging_off():
    _, _, ld = cli(length=5)
    ld.feed("term len 0\r")
    out = ld.feed("show running-config\r")
    assert MORE not in out and out.endswith("\r\nRouter#")


def test_password_prompt_is_not_echoed():
    r, sh, ld = cli(priv=False)
    r.config.enable.secret = Secret("secret", 0, "s3cret")
    assert ld.feed("enable\r") == "enable\r\nPassword: "
    assert ld.feed("s3cr") == ""  # nothing echoed
    assert ld.feed("?") == ""  # `?` is part of a password
    assert ld.feed("\x7f\x7f") == ""
    assert ld.feed("ret\r") == "\r\nRouter#"
    assert sh.session.privileged


@pytest.mark.parametrize("typed, shown, password", [
    ("enable password cisco", "enable password cisco", "cisco"),  # IOS prints a clear one without its 0
    ("enable password 0 cisco", "enable password cisco", "cisco"),
    ("enable password 7 0822455D0A16", "enable password 7 0822455D0A16", "cisco"),
])
def test_enable_password_from_a_capture(typed, shown, password):
    r, sh, ld = cli(priv=False)
    s = r.session(privileged=True)
    s.run("configure terminal")
    assert s.run(typed) == [] and not s.last_error
    assert f"\n{shown}\n" in r.running_config_text()
    assert ld.feed("enable\r") == "enable\r\nPassword: "
    assert ld.feed("wrong\r") == "\r\nPassword: "
    assert ld.feed(password + "\r") == "\r\nRouter#"
    s.run("no enable password")
    assert "enable password" not in r.running_config_text()


def test_enable_secret_5_from_a_capture_is_checked():
    r, sh, ld = cli(priv=False)
    s = r.session(privileged=True)
    s.run("configure terminal")
    assert s.run("enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0") == []  # md5-crypt of "cisco"
    ld.feed("enable\r")
    assert ld.feed("cisco\r") == "\r\nRouter#"


def test_line_and_user_passwords_print_as_ios_prints_them():
    r = Router(None)
    s = r.session(privileged=True)
    s.run("configure terminal")
    for line in ("line vty 0 4", "password vtypw", "exit", "username u password 0 upw"):
        assert s.run(line) == [], line
    text = r.running_config_text()
    assert "\n password vtypw\n" in text and "username u password 0 upw" in text
    s.run("service password-encryption")
    text = r.running_config_text()
    assert "\n password 7 " in text and "\n password vtypw\n" not in text
    r2 = Router(None)
    assert r2.apply_config(text) == [] and r2.running_config_text() == text


def test_enable_on_a_vty_without_an_enable_password_is_refused():
    r, sh, ld = cli(priv=False)
    assert ld.feed("enable\r") == "enable\r\n% No password set\r\nRouter>"
    assert not sh.session.privileged
    console = r.session()  # the console may
    console.run("enable")
    assert console.privileged


def test_exit_closes():
    _, sh, ld = cli()
    ld.feed("exit\r")
    assert ld.closed and sh.closed


def test_notice_redraws_prompt_and_typed_text():
    _, _, ld = cli()
    ld.feed("show ver")
    assert ld.notice(["%LINK-3-UPDOWN: x"]) == "\r\n%LINK-3-UPDOWN: x\r\nRouter#show ver"


# -- telnet codec ------------------------------------------------------------------------------------------

def test_telnet_greeting_and_refusals():
    c = TelnetCodec()
    assert c.greeting().startswith(bytes([IAC, WILL, ECHO, IAC, WILL, SGA]))
    # netmiko refuses everything: no reply to refusals of our offers, data passes through
    data, reply = c.receive(bytes([IAC, DONT, ECHO, IAC, DONT, SGA, IAC, WONT, NAWS]) + b"cisco\r\n")
    assert data == b"cisco\r\n" and reply == b""
    # a client asking for options we do not do is refused once
    data, reply = c.receive(bytes([IAC, DO, 24, IAC, WILL, 32, IAC, DO, 24]))
    assert reply == bytes([IAC, WONT, 24, IAC, DONT, 32])
    # IAC IAC is a data byte; split sequences across reads work
    data, _ = c.receive(bytes([IAC]))
    data2, _ = c.receive(bytes([IAC, 65]))
    assert data + data2 == bytes([255, 65])


def test_telnet_accepting_client_and_naws():
    c = TelnetCodec()
    c.greeting()
    _, reply = c.receive(bytes([IAC, DO, ECHO, IAC, DO, SGA, IAC, WILL, NAWS]))
    assert reply == b""  # what we offered, accepted: no loop
    c.receive(bytes([IAC, SB, NAWS, 0, 132, 0, 50, IAC, SE]))
    assert c.size == (132, 50)


# -- login -------------------------------------------------------------------------------------------------

def test_login_local_prompts_and_privilege():
    r = router()
    sh = VtyShell(r, Entry("vty", 0, "telnet"))
    ld = LineDiscipline(sh)
    assert "User Access Verification" in "\n".join(sh.greeting)
    assert ld.start() == "Username: "
    assert ld.feed("cisco\r") == "cisco\r\nPassword: "
    assert ld.feed("cisco\r") == "\r\nRouter#"
    assert sh.session.privileged


def test_login_three_failures_disconnect():
    r = router()
    sh = VtyShell(r, Entry("vty", 0, "telnet"))
    ld = LineDiscipline(sh)
    for i in range(3):
        out = ld.feed("cisco\r") + ld.feed("wrong\r")
        assert "% Authentication failed" in out  # aaa new-model's text
        assert ("Username: " in out) == (i < 2)
    assert ld.closed and sh.closed and sh.session is None


def test_login_invalid_without_aaa_and_lower_privilege():
    r = router(default=False)
    r.apply_config("username bob password 0 pw\nline vty 0 4\n login local\n")
    sh = VtyShell(r, Entry("vty", 0, "telnet"))
    ld = LineDiscipline(sh)
    out = ld.feed("bob\rnope\r")
    assert "% Login invalid" in out and out.endswith("Username: ")
    assert ld.feed("bob\rpw\r").endswith("Router>")
    assert not sh.session.privileged


def test_login_line_password_only():
    r = router(default=False)
    r.apply_config("line vty 0 4\n password 0 vtypw\n login\n")
    sh = VtyShell(r, Entry("vty", 0, "telnet"))
    ld = LineDiscipline(sh)
    assert ld.start() == "Password: "
    assert ld.feed("bad\r") == "\r\nPassword: "
    assert ld.feed("vtypw\r") == "\r\nRouter>"


def test_login_without_password_set_refuses():
    r = router(default=False)
    r.apply_config("line vty 0 4\n login\n")
    sh = VtyShell(r, Entry("vty", 0, "telnet"))
    assert sh.closed and "Password required, but none set" in sh.greeting


def test_no_login_goes_straight_in_at_line_privilege():
    r = router(default=False)
    r.apply_config("line vty 0 4\n no login\n privilege level 15\n")
    sh = VtyShell(r, Entry("vty", 0, "telnet"))
    assert sh.logged_in and sh.prompt == "Router#"


def test_secret_types():
    from iosflex.config.secrets import type7_encode, type9_hash

    assert verify_secret(Secret("password", 0, "a"), "a")
    assert verify_secret(Secret("password", 7, type7_encode("abc")), "abc")
    assert verify_secret(Secret("secret", 9, type9_hash("xyz")), "xyz")
    assert not verify_secret(Secret("secret", 9, type9_hash("xyz")), "xy")


def test_method_lists_and_group_login_over_radius():
    from iosflex.simnet import SimNet

    r = router()
    line = Line("vty", 0, 4, login="authentication authen_list_radius")
    assert login_methods(r.config, line) == ["group radius_group1"]
    assert authenticate(r, ["group radius_group1"], line, "u", "p").status == FAIL  # no services: error -> fail
    assert authenticate(r, ["group radius_group1", "local"], line, "cisco", "cisco").status == PASS
    net = SimNet(r)  # the router's services on a simulated network with a RADIUS server at 172.16.1.3
    net.directive("radius server 172.16.1.3 key=radius_key")
    net.directive('radius user any password=thing "Cisco-AVPair=shell:priv-lvl=15"')
    res = authenticate(r, ["group radius_group1"], line, "any", "thing")
    assert (res.status, res.privilege) == (PASS, 15)
    assert authenticate(r, ["group radius_group1", "local"], line, "any", "wrong").status == FAIL  # a reject ends it
    assert net.radius[0].requests[0]["Service-Type"] in (["Login"], [1])
    net.directive("radius down 172.16.1.3")


def test_vty_allocation_and_transport_input():
    r = router(default=False)
    r.apply_config("line vty 0 1\n transport input ssh\nline vty 2 3\n transport input telnet\n")
    t = LineTable()
    a = t.allocate(r.config, "telnet")
    b = t.allocate(r.config, "ssh")
    assert (a.number, b.number) == (2, 0)
    # vty 4 is left from the built-in `line vty 0 4` with no transport input (every protocol)
    assert [t.allocate(r.config, "telnet").number, t.allocate(r.config, "telnet").number] == [3, 4]
    assert t.allocate(r.config, "telnet") is None
    t.release(a)
    assert t.allocate(r.config, "telnet").number == 2
    assert allowed_transports(Line("vty", 0, 4, transport_input="none")) == set()


# -- servers on loopback ------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]






def test_telnet_server_session_monitor_and_clear_line(tmp_path):
    from iosflex import logbus
    from iosflex.remote.server import RemoteServer

    async def main():
        r = Router(tmp_path / "startup-config", default_if_missing=True)
        r.load_startup()
        srv = RemoteServer(r)
        host, port = await srv.start_telnet("127.0.0.1", 0)
        try:
            rd, wr = await asyncio.open_connection(host, port)
            first = await read_until(rd, b"Username: ")
            assert first.startswith(bytes([IAC, WILL, ECHO, IAC, WILL, SGA]))
            wr.write(bytes([IAC, DONT, ECHO]) + b"cisco\r\n")
            await read_until(rd, b"Password: ")
            wr.write(b"cisco\r\n")
            assert (await read_until(rd, b"Router#")).endswith(b"Router#")
            wr.write(b"terminal monitor\r\n")
            await read_until(rd, b"Router#")
            logbus.log(r, "%TEST-5-HELLO: monitor works")
            # no `logging synchronous` on the line: the prompt is not drawn again (tests/test_logging.py)
            assert b"\r\n%TEST-5-HELLO: monitor works\r\n" in await read_until(rd, b"works\r\n")
            wr.write(b"show users\r\n")
            out = (await read_until(rd, b"Router#")).decode()
            assert re.search(r"^\*  2 vty 0     cisco      idle\s+00:00:00 127\.0\.0\.1\r?$", out, re.M), out
            assert table(r).vty[0].user == "cisco"
            # a second session clears the first
            rd2, wr2 = await asyncio.open_connection(host, port)
            await read_until(rd2, b"Username: ")
            wr2.write(b"cisco\r\ncisco\r\nclear line vty 0\r\n")
            assert b"[confirm]" in await read_until(rd2, b"[confirm]")
            wr2.write(b"\r\n")
            assert b" [OK]" in await read_until(rd2, b"Router#")
            rest = await asyncio.wait_for(rd.read(), 5)  # the first connection is closed
            assert rest == b"" or b"Router#" not in rest
            assert 0 not in table(r).vty
            wr2.write(b"exit\r\n")
            assert await asyncio.wait_for(rd2.read(), 5) == b"exit\r\n"
            assert table(r).vty == {}
        finally:
            await srv.stop()

    asyncio.run(main())


def test_exec_timeout_shorter_than_the_login_timeout_closes_in_time(tmp_path):
    """`exec-timeout 0 1`: an idle session is closed about a second after its last input, not when the 30-s
    login timer armed at connect fires."""
    async def main():
        async with telnet_router(tmp_path, "line vty 0 4\n exec-timeout 0 1\n") as (_, host, port):
            rd, _ = await telnet_login(host, port)
            t0 = time.monotonic()
            while await asyncio.wait_for(rd.read(4096), 10):  # until the router closes
                pass
            assert time.monotonic() - t0 < 5

    asyncio.run(main())


def test_ssh_server_password_exec_and_shell(tmp_path):
    import asyncssh
    from iosflex.remote.server import RemoteServer

    async def main():
        r = Router(tmp_path / "startup-config", default_if_missing=True)
        r.load_startup()
        srv = RemoteServer(r)
        host, port = await srv.start_ssh("127.0.0.1", 0)
        assert (tmp_path / "ssh_host_rsa_key").exists()
        try:
            opts = dict(username="cisco", password="cisco", known_hosts=None, client_keys=None)
            with pytest.raises(asyncssh.PermissionDenied):
                async with asyncssh.connect(host, port, username="cisco", password="bad", known_hosts=None,
                                            client_keys=None):
                    pass
            async with asyncssh.connect(host, port, **opts) as conn:
                res = await conn.run("show clock", check=False)
                assert res.stdout.startswith("*")
            async with asyncssh.connect(host, port, **opts) as conn:
                proc = await conn.create_process(term_type="vt100", term_size=(80, 24))
                out = await asyncio.wait_for(proc.stdout.readuntil("Router#"), 5)
                assert out == "Router#"
                proc.stdin.write("show ssh\n")
                out = await asyncio.wait_for(proc.stdout.readuntil("\r\nRouter#"), 5)
                assert out.startswith("show ssh\r\nConnection Version Mode")
                assert re.search(r"^0 +2\.0 +IN +\S+ +\S+ +\S+ +Session started +cisco", out, re.M), out
                proc.stdin.write("exit\n")
                await asyncio.wait_for(proc.wait_closed(), 5)
            await asyncio.sleep(0.1)
            assert table(r).vty == {}
        finally:
            await srv.stop()

    asyncio.run(main())


def test_ssh_public_key_from_pubkey_chain(tmp_path):
    import asyncssh

    from iosflex.remote.server import RemoteServer

    key = asyncssh.generate_private_key("ssh-rsa", key_size=1024)
    pub = key.export_public_key("openssh").decode().split()[1]

    async def main():
        r = Router(tmp_path / "startup-config", default_if_missing=True)
        r.load_startup()
        chunks = "\n".join(pub[i : i + 70] for i in range(0, len(pub), 70))
        assert r.apply_config(f"ip ssh pubkey-chain\n username cisco\n  key-string\n{chunks}\n  exit\n") == []
        assert "   key-hash ssh-rsa " in r.running_config_text()
        srv = RemoteServer(r)
        host, port = await srv.start_ssh("127.0.0.1", 0)
        try:
            async with asyncssh.connect(host, port, username="cisco", client_keys=[key], known_hosts=None,
                                        password=None) as conn:
                res = await conn.run("show users", check=False)
                assert "cisco" in res.stdout
        finally:
            await srv.stop()

    asyncio.run(main())


def test_fifty_concurrent_ssh_sessions_share_one_router(tmp_path):
    """50 SSH sessions at once, each running a few commands (one configures): all complete, every change is
    seen by all, and every vty is free afterwards.  Not timed: bench/bench_sessions.py prints the figures."""
    import asyncssh

    from iosflex.remote.server import RemoteServer

    n = 50

    async def one(host, port, i):
        async with asyncssh.connect(host, port, username="cisco", password="cisco", known_hosts=None,
                                    client_keys=None) as conn:
            proc = await conn.create_process(term_type="vt100", term_size=(511, 1000))
            await asyncio.wait_for(proc.stdout.readuntil("Router#"), 30)
            outs = []
            for cmd in ("terminal length 0", "show version", "show users",
                        f"configure terminal\nusername load{i} password 0 p{i}\nend", "show running-config"):
                proc.stdin.write(cmd + "\n")  # a configuration goes as three lines at once, as pasted
                outs.append(await asyncio.wait_for(proc.stdout.readuntil("\r\nRouter#"), 30))
            proc.stdin.write("exit\n")
            await asyncio.wait_for(proc.wait_closed(), 30)
            return outs

    async def main():
        r = Router(tmp_path / "startup-config", default_if_missing=True)
        r.load_startup()
        assert r.apply_config(f"line vty 5 {n + 9}\n login local\n transport input ssh\n") == []
        srv = RemoteServer(r)
        host, port = await srv.start_ssh("127.0.0.1", 0)
        try:
            results = await asyncio.gather(*(one(host, port, i) for i in range(n)))
        finally:
            await srv.stop()
        for outs in results:
            assert "Cisco IOS Software" in outs[1]
            assert "vty" in outs[2]
            assert not any("% Invalid" in o or "% Incomplete" in o for o in outs)
        assert all(f"username load{i} " in r.running_config_text() for i in range(n))
        await asyncio.sleep(0.2)
        assert table(r).vty == {}

    asyncio.run(main())


def test_typed_input_runs_in_slices_so_other_events_are_not_kept_waiting(monkeypatch):
    """Input from the vtys is handled a slice at a time: a callback that became ready (a newcomer's key
    exchange, say) runs between two commands, not after the whole backlog; each session keeps its order."""
    from iosflex.remote import conn as C

    class FakeConn:
        def __init__(self, name, log):
            self.name, self.log = name, log

        def _handle(self, text):
            self.log.append((self.name, text))

    async def scenario(slice_s):
        monkeypatch.setattr(C, "SLICE", slice_s)
        loop = asyncio.get_running_loop()
        q = C.InputQueue(loop)
        log: list = []
        a, b = FakeConn("a", log), FakeConn("b", log)
        for i in range(3):
            q.put(a, f"a{i}")
            q.put(b, f"b{i}")
        loop.call_soon(log.append, ("other", "event"))
        while q.items or q.scheduled:
            await asyncio.sleep(0)
        return log

    sliced = asyncio.run(scenario(0.0))
    assert sliced.index(("other", "event")) == 1          # after one command, not after six
    assert [t for n, t in sliced if n == "a"] == ["a0", "a1", "a2"]
    assert [t for n, t in sliced if n == "b"] == ["b0", "b1", "b2"]
    whole = asyncio.run(scenario(10.0))
    assert whole.index(("other", "event")) == 6


def test_a_port_in_use_is_one_clear_line_and_nothing_starts():
    from iosflex.remote.server import serve

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    said: list[str] = []
    try:
        rc = asyncio.run(serve(Router(None), telnet=("127.0.0.1", port), console=False, announce=said.append))
    finally:
        taken.close()
    assert rc == 1
    assert said == [f"% Cannot listen for telnet on 127.0.0.1:{port}: address already in use"]


def test_ike_ports_refused_to_an_unprivileged_user_suggest_other_ports(monkeypatch):
    import errno as E

    from iosflex.crypto import driver
    from iosflex.remote.server import serve

    async def refuse(router, **kw):
        e = PermissionError(E.EACCES, "Permission denied")
        e.filename = "172.16.1.2:500"
        raise e

    monkeypatch.setattr(driver, "start", refuse)
    said: list[str] = []
    rc = asyncio.run(serve(Router(None), console=False, announce=said.append, ike={}))
    assert rc == 1
    assert said == ["% Cannot listen for IKEv2 on 172.16.1.2:500: permission denied "
                    "(unprivileged: --ike-ports 1500,14500)"]


def test_input_sent_before_the_end_of_data_runs_and_its_output_comes_back(tmp_path):
    """`printf 'conf t\\nhostname X\\n...' | ssh router` (and the same over telnet): the client sends its lines
    and its end of data at once; every line runs, in order, its output reaches the client, then the session
    closes."""
    import asyncssh

    from iosflex.remote.server import RemoteServer

    async def main():
        r = Router(tmp_path / "startup-config", default_if_missing=True)
        r.load_startup()
        srv = RemoteServer(r)
        _, sport = await srv.start_ssh("127.0.0.1", 0)
        _, tport = await srv.start_telnet("127.0.0.1", 0)
        try:
            async with asyncssh.connect("127.0.0.1", sport, username="cisco", password="cisco", known_hosts=None,
                                        client_keys=None) as conn:
                proc = await conn.create_process()          # no pty, as `ssh` with a pipe on stdin
                proc.stdin.write("configure terminal\nhostname PIPED\nend\nshow running-config | include ^hostname\n")
                proc.stdin.write_eof()
                out = await asyncio.wait_for(proc.stdout.read(), 5)
            assert r.config.hostname.name == "PIPED"
            assert "PIPED#show running-config | include ^hostname\r\nhostname PIPED\r\nPIPED#" in out, out
            rd, wr = await asyncio.open_connection("127.0.0.1", tport)
            wr.write(b"cisco\r\ncisco\r\nconfigure terminal\r\nhostname TELNET\r\nend\r\nshow clock\r\n")
            wr.write_eof()
            out = (await asyncio.wait_for(rd.read(), 5)).decode(errors="replace")
            assert r.config.hostname.name == "TELNET"
            assert re.search(r"TELNET#show clock\r\n\*\d\d:\d\d:\d\d\.\d{3} UTC .*\r\nTELNET#$", out), out
            await asyncio.sleep(0.05)
            assert table(r).vty == {}
        finally:
            await srv.stop()

    asyncio.run(main())


def test_a_dropped_connection_still_runs_what_arrived_before_the_drop_then_frees_the_vty():
    """Input that reached the router before the connection dropped runs whole (its output goes nowhere);
    then the line is free.  A half-typed line is dropped."""
    from iosflex.remote.conn import VtyConnection

    async def main():
        r = Router(None, default_if_missing=True)
        r.load_startup()
        entry = table(r).allocate(r.config, "ssh", "192.0.2.9")
        sent: list[str] = []
        conn = VtyConnection(r, entry, sent.append, lambda: None, preauth=("cisco", 15))
        conn.start()
        conn.data("configure terminal\rhostname DROPPED\rend\rhostname HALF")
        conn.connection_lost()
        n = len(sent)
        await conn.wait_closed()
        assert r.config.hostname.name == "DROPPED"
        assert len(sent) == n                     # nothing written after the drop
        assert table(r).vty == {}

    asyncio.run(main())

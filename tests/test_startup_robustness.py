"""Start-up robustness (issue 13 item 4): unreadable / non-UTF-8 startup-configs, caret reports, console exit."""

import os
import subprocess
import sys
from pathlib import Path

from iosflex.main import build_router
from iosflex.router import Rejected, Router

ROOT = Path(__file__).resolve().parent.parent


class Args:
    def __init__(self, path):
        self.startup_config = str(path)


def test_windows_1252_banner_loads_every_good_line(tmp_path, capsys):
    p = tmp_path / "startup-config"
    p.write_bytes(b"hostname R7\nbanner motd ^C Caf\xe9 \x96 welcome ^C\nip bogus line\ninterface Loopback0\n"
                  b" ip address 10.9.9.9 255.255.255.255\nend\n")
    r = build_router(Args(p))
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"% startup-config {p} is not UTF-8 (byte 0xE9 on line 2): read as Windows-1252"
    assert r.config.hostname.name == "R7"
    run = r.running_config_text()
    assert "Café – welcome" in run and "10.9.9.9 255.255.255.255" in run
    assert err[1] == "% startup-config line 3: ip bogus line"
    s = Router(None).session(privileged=True)
    s.run("configure terminal")
    console_col = s.run("ip bogus line")[0].index("^") - len("Router(config)#")  # where the console puts it
    assert err[2] == " " * (len("% startup-config line 3: ") + console_col) + "^"


def test_directory_and_unreadable_file(tmp_path, capsys):
    d = tmp_path / "dir"
    d.mkdir()
    r = build_router(Args(d))
    assert capsys.readouterr().err.splitlines() == [f"% Cannot read startup-config {d}: it is a directory; starting blank"]
    assert r.config.hostname.name == "Router"
    if os.geteuid() != 0:
        f = tmp_path / "locked"
        f.write_text("hostname X\n")
        f.chmod(0)
        build_router(Args(f))
        assert capsys.readouterr().err.splitlines() == [
            f"% Cannot read startup-config {f}: permission denied; starting blank"]


def test_caret_under_failing_character_with_controls_escaped():
    rej = Rejected(4, "  ip\x01 address zz", ["   ^", "% Invalid input detected at '^' marker.", ""], caret=14)
    out = rej.report()
    assert out[0] == "% startup-config line 4: ip^A address zz"
    assert out[1].index("^") == len("% startup-config line 4: ip^A address ")
    assert out[2] == "% Invalid input detected at '^' marker."


def test_caret_from_a_real_load(tmp_path):
    r = Router(tmp_path / "none")
    rej = r.apply_config("interface Loopback0\n ip address 10.0.0.1 255.255.255.0 extra\n")
    out = rej[0].report("config")
    line = out[0]
    assert out[1].index("^") == line.index("extra")


def test_batch_exit_and_option():
    res = subprocess.run([sys.executable, "-m", "iosflex", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert "--exit-on-logout" in res.stdout


def test_console_exit_restarts_the_exec_session(monkeypatch):
    """`exit` at the console: `Router con0 is now available`, `Press RETURN to get started.`, a new session;
    the console task ends on end of file."""
    import asyncio

    from iosflex.remote import server

    r = Router(None)
    typed = iter(["enable", "exit", "", "show privilege", None])
    shown = []

    class FakePS:
        def __init__(self, **kw):
            pass

        async def prompt_async(self, prompt, **kw):
            shown.append(prompt)
            nxt = next(typed)
            if nxt is None:
                raise EOFError
            return nxt

    import prompt_toolkit

    monkeypatch.setattr(prompt_toolkit, "PromptSession", FakePS)
    out = []
    monkeypatch.setattr(server.sys, "stdout", type("W", (), {"write": lambda self, s: out.append(s),
                                                             "flush": lambda self: None})())
    asyncio.run(server.run_console_async(r))
    text = "".join(out)
    assert "Router con0 is now available" in text and "Press RETURN to get started." in text
    assert "Current privilege level is 1" in text  # the new session starts at Router>
    assert shown == ["Router>", "Router#", "", "Router>", "Router>"]

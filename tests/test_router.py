"""Start-up, persistence, paste, batch mode and the no-change-on-reject rule."""

import subprocess
import sys

from iosflex.main import run_batch
from iosflex.router import Router, default_config_text


def test_default_config_applies_cleanly():
    r = Router(None)
    assert r.apply_config(default_config_text()) == []
    text = r.running_config_text()
    assert "hostname Router" in text


def test_write_memory_and_restart_restore_same_config(tmp_path):
    path = tmp_path / "startup-config"
    r = Router(path)
    s = r.session(privileged=True)
    for line in ["configure terminal", "hostname SAVED", "username bob privilege 15 password 0 x", "end"]:
        s.run(line)
    assert s.run("write memory") == ["Building configuration...", "[OK]"]
    assert not list(tmp_path.glob(".startup-*"))  # the temporary file was renamed
    r2 = Router(path)
    assert r2.load_startup() == []
    assert r2.running_config_text() == r.running_config_text()


def test_copy_running_config_asks_for_destination(tmp_path):
    r = Router(tmp_path / "cfg")
    s = r.session(privileged=True)
    s.run("copy running-config startup-config")
    assert s.prompt == "Destination filename [startup-config]? "
    assert s.run("") == ["Building configuration...", "[OK]"]
    assert (tmp_path / "cfg").exists()


def test_empty_startup_gives_blank_router(tmp_path):
    f = tmp_path / "empty.cfg"
    f.write_text("")
    r = Router(f)
    assert r.load_startup() == []
    assert r.running_config_text() == Router(None).running_config_text()


def test_startup_config_reports_rejected_lines(tmp_path):
    f = tmp_path / "bad.cfg"
    f.write_text("hostname OK\nhostnme X\nfrobnicate on\n")
    p = subprocess.run([sys.executable, "-m", "iosflex", "--startup-config", str(f)], input="enable\nshow running-config | include hostname\n",
                       capture_output=True, text=True, timeout=60)
    assert "% startup-config line 2: hostnme X" in p.stderr
    assert "% startup-config line 3: frobnicate on" in p.stderr
    assert "% Invalid input detected at '^' marker." in p.stderr
    assert "hostname OK" in p.stdout


def test_paste_with_noise():
    text = """!
! a comment
Router(config)#hostname PASTED
line vty 0 4
 login local
 exit
line con 0
exec-timeout 0 0
!

end
"""
    r = Router(None)
    assert r.apply_config(text) == []
    out = r.running_config_text()
    assert "hostname PASTED" in out and " exec-timeout 0 0" in out and " login local" in out


def test_rejected_lines_change_nothing():
    r = Router(None)
    r.apply_config(default_config_text())
    before = r.running_config_text()
    s = r.session(privileged=True)
    s.run("configure terminal")
    for bad in ["hostname", "hostname 1bad", "username", "line vty 5 1", "enable secret 9 notahash",
                "username u secret 9 nothash", "no", "line vty 0 4 9"]:
        s.run(bad)
        assert s.last_error, bad
        assert r.running_config_text() == before, bad


def test_batch_mode_prints_prompt_line_and_output():
    import io

    r = Router(None)
    out = io.StringIO()
    run_batch(r, io.StringIO("enable\nconfigure terminal\nhostname ?\n"), out)
    assert out.getvalue().splitlines() == [
        "Router>enable",
        "Router#configure terminal",
        "Enter configuration commands, one per line.  End with CNTL/Z.",
        "Router(config)#hostname ?",
        "  WORD  This system's network name",
        "",
    ]


def test_pager_more_prompt():
    from iosflex.pager import MORE, page

    out = []
    keys = iter([" ", "q"])
    page([str(i) for i in range(10)], 4, out.append, lambda: next(keys), erase="")
    text = "".join(out)
    assert text == "0\n1\n2\n" + MORE + "3\n4\n5\n" + MORE

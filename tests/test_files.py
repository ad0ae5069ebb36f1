"""flash: file system (dir, show file systems, more, delete, copy, verify /md5), names confined to the folder,
the archive and configuration replace (diff, apply order, rollback on a bad line, timed rollback)."""

import hashlib
import os

import pytest

from iosflex import archive
from iosflex.router import Router, default_config_text


@pytest.fixture
def router(tmp_path):
    path = tmp_path / "startup-config"
    path.write_text(default_config_text())
    r = Router(path)
    assert r.load_startup() == []
    return r


def sess(r):
    s = r.session(privileged=True, length=0)
    return s


def run(s, *lines):
    out = []
    for ln in lines:
        out += s.run(ln)
    return out


def test_flash_beside_startup_config(router, tmp_path):
    s = sess(router)
    assert s.run("copy running-config flash:a.cfg")[:0] == [] and s.prompt == "Destination filename [a.cfg]? "
    out = s.run("")
    assert out[0].endswith("bytes/sec)") and out[0].split()[0] == str(len(router.running_config_text()))
    assert (tmp_path / "flash" / "a.cfg").read_text() == router.running_config_text()
    d = s.run("dir")
    assert d[0] == "Directory of flash:/" and any(ln.endswith("  a.cfg") for ln in d)
    assert d[-1].startswith("7613747200 bytes total (") and d[-1].endswith(" bytes free)")
    assert s.run("dir flash:/a.cfg")[0] == "Directory of flash:/a.cfg"
    assert s.run("dir flash:/nope") == ["%Error opening flash:/nope (No such file or directory)"]
    md5 = hashlib.md5(router.running_config_text().encode()).hexdigest()
    assert s.run("verify /md5 flash:/a.cfg")[-1] == f"verify /md5 (flash:/a.cfg) = {md5}"
    assert s.run(f"verify /md5 flash:/a.cfg {md5}")[-1] == f"Verified (flash:/a.cfg) = {md5}"
    assert s.run("more flash:a.cfg") == router.running_config_text().rstrip("\n").split("\n")
    fs = s.run("show file systems")
    assert any("bootflash: flash:" in ln and ln.startswith("*") for ln in fs)


def test_genie_and_ntc_parse_dir(router):
    from genie.conf.base import Device
    from ntc_templates.parse import parse_output

    s = sess(router)
    run(s, "copy running-config flash:a.cfg", "")
    out = "\n".join(s.run("dir"))
    dev = Device("r", os="iosxe")
    dev.custom.setdefault("abstraction", {})["order"] = ["os"]
    parsed = dev.parse("dir", output=out)
    files = parsed["dir"]["flash:/"]["files"]
    assert int(files["a.cfg"]["size"]) == len(router.running_config_text())
    rows = parse_output(platform="cisco_ios", command="dir", data=out)
    assert rows[0]["name"] == "a.cfg" and rows[0]["total_size"] == "7613747200"


@pytest.mark.parametrize("name", ["flash:../startup-config", "flash:/../x", "flash:a/../../x", "flash:/./x",
                                  "flash:..\\x", "flash:x//../../y", "bootflash:../../etc/passwd"])
def test_names_confined_to_flash(router, tmp_path, name):
    s = sess(router)
    before = sorted(os.listdir(tmp_path))
    run(s, "configure terminal", "file prompt quiet", "end")
    for cmd in (f"copy running-config {name}", f"more {name}", f"delete {name}", f"dir {name}",
                f"verify /md5 {name}", f"copy {name} flash:y", f"configure replace {name} force"):
        out = s.run(cmd)
        assert out and ("%Error" in out[0]), (cmd, out)
    assert sorted(set(os.listdir(tmp_path)) - {"flash"}) == before
    assert os.listdir(tmp_path / "flash") == []


def test_symlink_out_of_flash_refused(router, tmp_path):
    s = sess(router)
    (tmp_path / "flash").mkdir(exist_ok=True)
    (tmp_path / "secret").write_text("secret\n")
    os.symlink(tmp_path / "secret", tmp_path / "flash" / "link")
    assert s.run("more flash:link") == ["%Error opening flash:link (Permission denied)"]


def test_copy_prompts_overwrite_and_quiet(router):
    s = sess(router)
    run(s, "copy running-config flash:a.cfg", "")
    s.run("copy running-config flash:a.cfg")
    s.run("")
    assert s.prompt.startswith("%Warning:There is a file already existing with this name")
    assert s.run("n") == []
    run(s, "configure terminal", "file prompt quiet", "end")
    out = s.run("copy running-config flash:a.cfg")
    assert out[0].endswith("bytes/sec)") and s.prompt == "Router#"
    assert s.run("delete flash:a.cfg") == [] and s.run("dir flash:a.cfg")[0].startswith("%Error opening")
    assert s.run("copy null: flash:empty")[0].startswith("0 bytes copied")
    assert s.run("more flash:empty") == [""]


def test_delete_asks(router):
    s = sess(router)
    run(s, "copy running-config flash:a.cfg", "")
    s.run("delete flash:a.cfg")
    assert s.prompt == "Delete filename [a.cfg]? "
    s.run("")
    assert s.prompt == "Delete flash:/a.cfg? [confirm]"
    s.run("")
    assert s.run("dir flash:a.cfg")[0].startswith("%Error opening")


def test_copy_file_to_running_config_merges(router):
    s = sess(router)
    from iosflex.flash import flash_of

    flash_of(router).write("merge.txt", b"interface Loopback7\n description seven\nhostname MERGED\nend\n")
    run(s, "configure terminal", "file prompt quiet", "end")
    out = s.run("copy flash:merge.txt running-config")
    assert out[-1].endswith("bytes/sec)")
    assert "hostname MERGED" in router.running_config_text() and " description seven" in router.running_config_text()


def _quiet_archive(s):
    run(s, "configure terminal", "file prompt quiet", "archive", "path flash:arch", "write-memory", "end")


def test_archive_and_write_memory(router):
    s = sess(router)
    assert s.run("show archive") == ["Archive feature not enabled"]
    _quiet_archive(s)
    run(s, "write memory")
    out = s.run("show archive")
    assert out[1] == "The next archive file will be named flash:arch-2"
    assert "flash:arch-1 <- Most Recent" in out[3]
    assert s.run("more flash:arch-1")[0] == router.running_config_text().split("\n")[0]


def test_configure_replace_diff_and_back(router):
    s = sess(router)
    _quiet_archive(s)
    orig = router.running_config_text()
    run(s, "copy running-config flash:orig.cfg")
    run(s, "configure terminal", "hostname R2", "interface Loopback5", "ip address 10.5.5.5 255.255.255.255",
        "description five", "exit", "no crypto ikev2 profile default", "end")
    changed = router.running_config_text()
    run(s, "copy running-config flash:new.cfg")
    diff = s.run("show archive config differences system:running-config flash:orig.cfg")
    assert diff[0] == "!Contextual Config Diffs:" and "+hostname Router" in diff and "-hostname R2" in diff
    assert "-interface Loopback5" in diff and " -description five" in diff
    assert "+crypto ikev2 profile default" in diff
    out = s.run("configure replace flash:orig.cfg list force")
    assert out[-2:] == ["Total number of passes: 1", "Rollback Done"] and out[0] == "!Pass 1"
    assert router.running_config_text() == orig
    assert s.run("show archive config differences system:running-config flash:orig.cfg") == ["!No changes were found"]
    assert s.run("configure replace flash:new.cfg force")[-1] == "Rollback Done"
    assert router.running_config_text() == changed


def test_configure_replace_bad_line_changes_nothing(router):
    s = sess(router)
    _quiet_archive(s)
    orig = router.running_config_text()
    bad = orig.replace("hostname Router", "hostname BAD\ninterface Loopback9\n description x\n frobnicate now")
    from iosflex.flash import flash_of

    flash_of(router).write("bad.cfg", bad.encode())
    out = s.run("configure replace flash:bad.cfg force revert trigger error")
    assert out[-1] == "%The original configuration has been successfully restored."
    assert "frobnicate now" in out
    assert router.running_config_text() == orig


def test_configure_replace_asks_without_force(router):
    s = sess(router)
    run(s, "copy running-config flash:orig.cfg", "")
    run(s, "configure terminal", "hostname R3", "end")
    s.run("configure replace flash:orig.cfg")
    assert s.prompt.endswith("Enter Y if you are sure you want to proceed. ? [no]: ")
    assert s.run("") == [] and "hostname R3" in router.running_config_text()
    s.run("configure replace flash:orig.cfg")
    assert s.run("Y")[-1] == "Rollback Done" and "hostname Router" in router.running_config_text()


def test_timed_replace_reverts_unless_confirmed(router):
    s = sess(router)
    run(s, "copy running-config flash:orig.cfg", "")
    assert s.run("configure replace flash:orig.cfg force time 5") == ["%Please turn config archive on"]
    _quiet_archive(s)
    before = router.running_config_text()
    run(s, "copy running-config flash:orig.cfg")
    run(s, "configure terminal", "hostname R4", "end")
    run(s, "copy running-config flash:r4.cfg")
    run(s, "configure replace flash:orig.cfg force")
    assert s.run("show archive config rollback timer") == ["%No Rollback Confirmed Change pending"]
    assert s.run("configure replace flash:r4.cfg force time 5")[-1] == "Rollback Done"
    t = s.run("show archive config rollback timer")
    assert t[1:] == ["Timer type: absolute", "Timer value: 5 min", "User: console"]
    archive.expire(router)  # what the timer does when it runs out
    assert router.running_config_text() == before
    run(s, "configure replace flash:r4.cfg force time 5")
    s.run("configure confirm")
    assert s.run("show archive config rollback timer") == ["%No Rollback Confirmed Change pending"]
    assert "hostname R4" in router.running_config_text()


def test_incremental_diffs(router):
    s = sess(router)
    from iosflex.flash import flash_of

    flash_of(router).write("m.cfg", b"hostname Router\ninterface Loopback3\n description three\nend\n")
    assert s.run("show archive config incremental-diffs flash:m.cfg ignorecase") == [
        "!List of Commands:", "interface Loopback3", " description three", "end"]
    flash_of(router).write("same.cfg", b"hostname Router\nend\n")
    assert s.run("show archive config incremental-diffs flash:same.cfg")[-1] == "!No changes were found"


def test_cdp_lldp_not_enabled(router):
    s = sess(router)
    assert s.run("show cdp neighbors detail") == ["% CDP is not enabled"]
    assert s.run("show lldp neighbors") == ["% LLDP is not enabled"]

"""Real automation clients against a real iosflex process: netmiko (SSH and telnet), scrapli 1.x IOS-XE driver
(system OpenSSH, asyncssh and telnet transports), genie and ntc-templates parsing live output.

iosflex runs headless as a user would start it (`iosflex --no-console --ssh ... --telnet ...`) on loopback
ports picked by the kernel, on a copy of the default startup-config, and is stopped afterwards.  Every client
logs in with the default credentials (cisco / cisco, privilege 15).  A client that cannot be imported or
started fails its test: these are requirements, not options.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iosflex.router import default_config_text

USER, PASSWORD = "cisco", "cisco"


@pytest.fixture(scope="module")
def router_proc(tmp_path_factory):
    home = tmp_path_factory.mktemp("iosflex")
    startup = home / "startup-config"
    startup.write_text(default_config_text())
    env = dict(os.environ, IOSFLEX_HOME=str(home))
    proc = subprocess.Popen(
        [sys.executable, "-m", "iosflex", "--startup-config", str(startup), "--no-console",
         "--ssh", "127.0.0.1:0", "--telnet", "127.0.0.1:0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    ports: dict[str, int] = {}
    deadline = time.monotonic() + 60
    while len(ports) < 2 and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.match(r"% (SSH|Telnet) server listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            ports[m.group(1).lower()] = int(m.group(2))
    if len(ports) < 2:
        proc.kill()
        pytest.fail(f"iosflex did not start its servers: {proc.stderr.read()}")
    yield {"ssh": ports["ssh"], "telnet": ports["telnet"], "startup": startup, "home": home}
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, proc.stderr.read()


def _check_running_config(text: str):
    assert "Building configuration..." in text and "hostname Router" in text and text.rstrip().endswith("end")


def _check_version(text: str):
    assert "Cisco IOS Software" in text and "uptime is" in text and "Configuration register is" in text


# -- netmiko -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("device_type,port_key", [("cisco_ios", "ssh"), ("cisco_ios_telnet", "telnet")])
def test_netmiko(router_proc, device_type, port_key):
    from netmiko import ConnectHandler

    user = f"nm_{port_key}"
    with ConnectHandler(device_type=device_type, host="127.0.0.1", port=router_proc[port_key],
                        username=USER, password=PASSWORD, timeout=20) as conn:
        assert conn.find_prompt() == "Router#"
        _check_running_config(conn.send_command("show running-config"))
        _check_version(conn.send_command("show version"))
        out = conn.send_config_set(["ip ssh version 2", f"username {user} privilege 1 password 0 pw1"],
                                   error_pattern=r"% (Invalid|Incomplete|Ambiguous)")
        assert "Router(config)#" in out and "%" not in out
        assert "[OK]" in conn.save_config()
        assert f"username {user} privilege 1 password 0 pw1" in conn.send_command(
            "show running-config | include username")
    saved = router_proc["startup"].read_text()
    assert f"username {user} privilege 1 password 0 pw1" in saved and "ip ssh version 2" in saved


# -- scrapli 1.x ---------------------------------------------------------------------------------------------

def _scrapli_args(router_proc, transport: str) -> dict:
    return dict(host="127.0.0.1", port=router_proc["telnet" if transport == "telnet" else "ssh"],
                auth_username=USER, auth_password=PASSWORD, auth_strict_key=False, transport=transport,
                timeout_socket=15, timeout_transport=15, timeout_ops=20)


def _scrapli_checks(router_proc, transport, conn_results):
    show_run, show_ver, configs, save = conn_results
    assert not show_run.failed and not show_ver.failed
    _check_running_config(show_run.result)
    _check_version(show_ver.result)
    assert not configs.failed, configs.result
    assert "[OK]" in save.result
    assert f"username sc_{transport} privilege 1 password 0 pw2" in router_proc["startup"].read_text()


@pytest.mark.parametrize("transport", ["system", "telnet"])
def test_scrapli_sync(router_proc, transport):
    from scrapli.driver.core import IOSXEDriver

    if transport == "system" and shutil.which("ssh") is None:
        pytest.fail("the system transport needs the OpenSSH client: apt-get install openssh-client")
    with IOSXEDriver(**_scrapli_args(router_proc, transport)) as conn:
        assert conn.get_prompt() == "Router#"
        results = (
            conn.send_command("show running-config"),
            conn.send_command("show version"),
            conn.send_configs(["ip ssh version 2", f"username sc_{transport} privilege 1 password 0 pw2"]),
            conn.send_command("write memory"),
        )
        bad = conn.send_configs(["ip ssh version 3"])
        assert bad.failed  # IOS's error text is what scrapli keys on
    _scrapli_checks(router_proc, transport, results)


def test_scrapli_asyncssh(router_proc):
    import asyncio

    from scrapli.driver.core import AsyncIOSXEDriver

    async def main():
        async with AsyncIOSXEDriver(**_scrapli_args(router_proc, "asyncssh")) as conn:
            assert await conn.get_prompt() == "Router#"
            return (
                await conn.send_command("show running-config"),
                await conn.send_command("show version"),
                await conn.send_configs(["ip ssh version 2", "username sc_asyncssh privilege 1 password 0 pw2"]),
                await conn.send_command("write memory"),
            )

    _scrapli_checks(router_proc, "asyncssh", asyncio.run(main()))


# -- parsers on live output ----------------------------------------------------------------------------------

def _live(router_proc, *commands) -> dict[str, str]:
    from netmiko import ConnectHandler

    with ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=router_proc["ssh"],
                        username=USER, password=PASSWORD, timeout=20) as conn:
        return {c: conn.send_command(c) for c in commands}


def test_genie_parses_live_output(router_proc):
    from genie.conf.base import Device

    out = _live(router_proc, "show version", "show ip interface brief")
    dev = Device("iosflex", os="iosxe")
    dev.custom.setdefault("abstraction", {})["order"] = ["os"]
    ver = dev.parse("show version", output=out["show version"])["version"]
    assert ver["hostname"] == "Router" and ver["version"].startswith("17.")
    assert ver["curr_config_register"] == "0x2102"
    brief = dev.parse("show ip interface brief", output=out["show ip interface brief"])["interface"]
    assert brief["Ethernet0/0"]["ip_address"] == "172.16.1.2"
    assert brief["Ethernet0/0"]["status"] == "up"


def test_ntc_templates_parse_live_output(router_proc):
    from ntc_templates.parse import parse_output

    out = _live(router_proc, "show version", "show ip interface brief")
    ver = parse_output(platform="cisco_ios", command="show version", data=out["show version"])
    assert ver and ver[0]["hostname"] == "Router" and ver[0]["version"].startswith("17.")
    brief = parse_output(platform="cisco_ios", command="show ip interface brief", data=out["show ip interface brief"])
    rows = {r["interface"]: r for r in brief}
    assert rows["Ethernet0/0"]["ip_address"] == "172.16.1.2" and rows["Ethernet0/0"]["status"] == "up"


def test_netmiko_textfsm_and_genie_flags(router_proc):
    """netmiko's own use_textfsm / use_genie switches on a live session."""
    from netmiko import ConnectHandler

    with ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=router_proc["ssh"],
                        username=USER, password=PASSWORD, timeout=20) as conn:
        parsed = conn.send_command("show ip interface brief", use_textfsm=True)
        assert isinstance(parsed, list) and any(r["interface"] == "Ethernet0/0" for r in parsed)
        parsed = conn.send_command("show version", use_genie=True)
        assert isinstance(parsed, dict) and parsed["version"]["hostname"] == "Router"


def test_host_key_kept_beside_startup_config(router_proc):
    key = Path(router_proc["startup"]).parent / "ssh_host_rsa_key"
    assert key.exists() and (key.stat().st_mode & 0o077) == 0


# -- SCP server, exec exit status ------------------------------------------------------------------------------

def test_scp_netmiko_file_transfer_and_privilege(router_proc, tmp_path):
    """netmiko's file_transfer (paramiko + the scp package) puts and gets a file on flash: once `ip scp server
    enable` is set; a privilege-1 user is refused, as IOS refuses it."""
    import paramiko
    import scp
    from netmiko import ConnectHandler, file_transfer

    src = tmp_path / "up.txt"
    src.write_bytes(b"hello flash\n" * 100 + bytes(range(256)))
    with ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=router_proc["ssh"],
                        username=USER, password=PASSWORD, timeout=20) as conn:
        conn.send_config_set(["no ip scp server enable"])
        with pytest.raises(scp.SCPException, match="not enabled"):
            file_transfer(conn, source_file=str(src), dest_file="up.bin", direction="put")
        conn.send_config_set(["ip scp server enable", "username lowpriv privilege 1 password 0 low"])
        res = file_transfer(conn, source_file=str(src), dest_file="up.bin", direction="put")
        assert res == {"file_exists": True, "file_transferred": True, "file_verified": True}
        assert (Path(router_proc["home"]) / "flash" / "up.bin").read_bytes() == src.read_bytes()
        back = tmp_path / "down.bin"
        res = file_transfer(conn, source_file="up.bin", dest_file=str(back), direction="get")
        assert res["file_verified"] and back.read_bytes() == src.read_bytes()
        assert "up.bin" in conn.send_command("dir flash:")
    def put_as(user, password, dest):
        client = paramiko.SSHClient()  # one session per connection, as IOS
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect("127.0.0.1", port=router_proc["ssh"], username=user, password=password,
                       look_for_keys=False, allow_agent=False)
        try:
            scp.SCPClient(client.get_transport()).put(str(src), dest)
        finally:
            client.close()

    with pytest.raises(scp.SCPException, match="privilege level 15"):
        put_as("lowpriv", "low", "flash:/low.bin")
    with pytest.raises(scp.SCPException, match="Invalid argument"):
        put_as(USER, PASSWORD, "flash:/../escape.bin")
    put_as(USER, PASSWORD, "flash:")  # a directory: the file keeps its name
    assert (Path(router_proc["home"]) / "flash" / "up.txt").read_bytes() == src.read_bytes()
    assert not (Path(router_proc["home"]) / "flash" / "low.bin").exists()
    assert not (Path(router_proc["home"]) / "escape.bin").exists()


def test_exec_channel_exit_status(router_proc):
    import asyncio

    import asyncssh

    async def run(command):
        async with asyncssh.connect("127.0.0.1", port=router_proc["ssh"], username=USER, password=PASSWORD,
                                    known_hosts=None) as conn:  # one session per connection, as IOS
            return await conn.run(command)

    async def main():
        return [await run(c) for c in ("show clock", "show nonsense", "more flash:/does-not-exist")]

    ok, bad, missing = asyncio.run(main())
    assert ok.exit_status == 0 and "UTC" in ok.stdout
    assert bad.exit_status == 1 and "% Invalid input detected" in bad.stdout
    assert missing.exit_status == 1 and "%Error opening" in missing.stdout


# -- NAPALM's ios driver -------------------------------------------------------------------------------------

def test_napalm_ios_driver(router_proc):
    """NAPALM's `ios` driver, unchanged, over SSH: getters, then merge, replace, diff, commit, discard and
    rollback through SCP uploads to flash:, `show archive config ...` and `configure replace`; a candidate with
    a line the router rejects fails the commit and changes nothing."""
    from napalm import get_network_driver
    from napalm.base.exceptions import ReplaceConfigException

    drv = get_network_driver("ios")("127.0.0.1", USER, PASSWORD, timeout=30,
                                    optional_args={"port": router_proc["ssh"]})
    drv.open()

    def running():  # NAPALM adds `file prompt quiet` for its file operations (and removes it on close)
        return re.sub(r"!\nfile prompt quiet\n", "", drv.get_config()["running"])

    try:
        assert drv.is_alive()["is_alive"]
        facts = drv.get_facts()
        assert facts["hostname"] == "Router" and facts["model"] == "IOSFLEX-EMU"
        assert facts["serial_number"] == "IOSFLEX0001" and "Ethernet0/0" in facts["interface_list"]
        ifs = drv.get_interfaces()
        macs = {v["mac_address"] for k, v in ifs.items() if k.startswith("Ethernet")}
        assert len(macs) == 4  # one per port
        assert drv.get_interfaces_ip()["Ethernet0/0"]["ipv4"] == {"172.16.1.2": {"prefix_length": 24}}
        env = drv.get_environment()
        assert env["memory"]["available_ram"] > env["memory"]["used_ram"] > 0
        assert 0.0 <= env["cpu"][0]["%usage"] <= 100.0
        assert "cisco" in drv.get_users()
        cfg = drv.get_config()
        assert "hostname Router" in cfg["running"] and cfg["startup"]

        drv.device.send_config_set(["archive", "path flash:archive", "write-memory", "exit", "ip scp server enable"])
        drv.device.save_config()
        original = running()

        drv.load_merge_candidate(config="interface Loopback10\n description napalm merge\n"
                                        " ip address 10.10.10.10 255.255.255.255\nend\n")
        diff = drv.compare_config()
        assert "+interface Loopback10" in diff and "+ description napalm merge" in diff
        drv.commit_config()
        assert "description napalm merge" in drv.get_config()["running"]
        assert "description napalm merge" in router_proc["startup"].read_text()  # commit saves
        assert drv.compare_config() == ""

        drv.rollback()
        assert running() == original

        merged = drv.get_config()["running"]
        candidate = merged.replace("hostname Router", "hostname NAPALM")
        drv.load_replace_candidate(config=candidate)
        assert drv.compare_config().splitlines() == ["+hostname NAPALM", "-hostname Router"]
        drv.discard_config()
        assert drv.compare_config() == ""
        drv.load_replace_candidate(config=candidate)
        drv.commit_config()
        assert drv.device.find_prompt() == "NAPALM#"
        drv.rollback()
        assert drv.device.find_prompt() == "Router#"
        assert drv.get_config()["running"] == merged

        bad = merged.replace("hostname Router", "hostname BAD\ninterface Loopback11\n no such command here")
        drv.load_replace_candidate(config=bad)
        with pytest.raises(ReplaceConfigException, match="original configuration has been successfully restored"):
            drv.commit_config()
        assert drv.get_config()["running"] == merged
    finally:
        drv.close()


# -- banners at login ------------------------------------------------------------------------------------------

def test_banners_at_login(router_proc):
    """MOTD and login banners before `User Access Verification` on telnet, the exec banner after the login;
    over SSH the login banner is the authentication banner and MOTD + exec follow the login."""
    import socket

    import paramiko
    from netmiko import ConnectHandler

    with ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=router_proc["ssh"],
                        username=USER, password=PASSWORD, timeout=20) as conn:
        conn.send_config_set(["banner motd ^C\nMOTD line one\nMOTD line two\n^C", "banner login #LOGIN text#",
                              "banner exec %EXEC text%"], cmd_verify=False)
        assert conn.send_command("show banner motd").strip().splitlines() == ["MOTD line one", "MOTD line two"]

    def read_until(sock, token: bytes) -> bytes:
        buf = b""
        while token not in buf:
            data = sock.recv(4096)
            if not data:
                break
            buf += data
        return buf

    with socket.create_connection(("127.0.0.1", router_proc["telnet"]), timeout=10) as sock:
        head = read_until(sock, b"Username: ")
        assert b"MOTD line two" in head and b"LOGIN text" in head and head.index(b"MOTD") < head.index(b"LOGIN")
        sock.sendall(USER.encode() + b"\r")
        read_until(sock, b"Password: ")
        sock.sendall(PASSWORD.encode() + b"\r")
        after = read_until(sock, b"Router#")
        assert b"EXEC text" in after

    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", port=router_proc["ssh"], username=USER, password=PASSWORD,
                   look_for_keys=False, allow_agent=False)
    try:
        assert "LOGIN text" in client.get_transport().get_banner().decode()
        chan = client.invoke_shell()
        buf = b""
        while b"Router#" not in buf:
            buf += chan.recv(4096)
        assert b"MOTD line one" in buf and b"EXEC text" in buf
    finally:
        client.close()
    with ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=router_proc["ssh"],
                        username=USER, password=PASSWORD, timeout=20) as conn:
        conn.send_config_set(["no banner motd", "no banner login", "no banner exec"])

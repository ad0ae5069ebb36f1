"""Ansible's cisco.ios collection (from PyPI's `ansible` package, a test dependency) against a real iosflex
process over SSH, with both network_cli SSH types (paramiko and libssh): tests/data/ansible/site.yml runs
facts, ios_config with parents, ios_banner, the interfaces / l3_interfaces / static_routes resource modules
(merged, replaced, gathered) and ios_user, asserting each change is made once (idempotence)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from iosflex.router import default_config_text

PLAYBOOK = Path(__file__).parent / "data" / "ansible" / "site.yml"


@pytest.fixture
def router_ssh(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    startup = home / "startup-config"
    startup.write_text(default_config_text())
    proc = subprocess.Popen(
        [sys.executable, "-m", "iosflex", "--startup-config", str(startup), "--no-console", "--ssh", "127.0.0.1:0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, IOSFLEX_HOME=str(home)))
    port = None
    deadline = time.monotonic() + 60
    while port is None and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.match(r"% SSH server listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
    if port is None:
        proc.kill()
        pytest.fail("iosflex did not start its SSH server")
    yield port, startup
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("ssh_type", ["paramiko", "libssh"])
def test_ansible_cisco_ios_playbook(router_ssh, tmp_path, ssh_type):
    port, startup = router_ssh
    playbook_bin = Path(sys.executable).parent / "ansible-playbook"
    assert playbook_bin.exists(), "ansible is a test dependency: pip install -e '.[test]'"
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "[routers]\n"
        f"r1 ansible_host=127.0.0.1 ansible_port={port}\n\n"
        "[routers:vars]\n"
        "ansible_user=cisco\nansible_password=cisco\n"
        "ansible_connection=ansible.netcommon.network_cli\nansible_network_os=cisco.ios.ios\n"
        f"ansible_network_cli_ssh_type={ssh_type}\n")
    env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_HOME=str(tmp_path / "ansible"),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_PERSISTENT_COMMAND_TIMEOUT="60", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    res = subprocess.run([str(playbook_bin), "-i", str(inventory), str(PLAYBOOK)], env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-3000:]
    assert re.search(r"r1\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0", res.stdout)
    saved = startup.read_text()  # save_when: modified wrote the startup-config
    assert "description rm lo21" in saved and "ip route 198.51.100.0 255.255.255.0 172.16.1.1" in saved
    assert "banner motd ^C" in saved and "username ansuser privilege 15" in saved

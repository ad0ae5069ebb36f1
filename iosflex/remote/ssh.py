"""SSH front end (asyncssh): SSH-2 with password, keyboard-interactive and public-key authentication against the
router's own login configuration, one vty per connection, and the same vty code as telnet.

asyncssh's line editor is off: the router's line discipline echoes and edits, exactly as on telnet, so that
netmiko and scrapli see IOS's byte stream.  `ssh router "show version"` (an exec request) runs that one command.
The host key is an RSA key made on first start and kept beside the startup-config (`ssh_host_rsa_key`).
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import os
from pathlib import Path

import asyncssh

from .. import __version__
from .conn import VtyConnection
from .login import PASS, TRIES, authenticate, login_methods
from .vty import Entry, line_for, table

log = logging.getLogger("iosflex.remote")
HOST_KEY_NAME = "ssh_host_rsa_key"


def host_key_path(router) -> Path:
    base = router.startup_path.parent if router.startup_path else Path(
        os.environ.get("IOSFLEX_HOME", Path.home() / ".iosflex"))
    return base / HOST_KEY_NAME


def load_or_make_host_key(path: Path) -> asyncssh.SSHKey:
    """The router's RSA host key; generated (2048 bits, as `crypto key generate rsa modulus 2048`) the first
    time and kept, so clients see the same key across restarts."""
    if path.exists():
        return asyncssh.read_private_key(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-rsa", key_size=2048)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.export_private_key())
    os.replace(tmp, path)
    return key


def key_hash(key: asyncssh.SSHKey) -> str:
    """IOS's `key-hash` of a public key: MD5 of the key blob, upper-case hex."""
    return hashlib.md5(key.public_data).hexdigest().upper()


class _Server(asyncssh.SSHServer):
    def __init__(self, router):
        self.router = router
        self.conn: asyncssh.SSHServerConnection | None = None
        self.entry: Entry | None = None
        self.username = ""
        self.privilege: int | None = None
        self.failures = 0
        self.session: _Session | None = None

    # -- connection ------------------------------------------------------------------------------------------
    def connection_made(self, conn):
        self.conn = conn
        peer = (conn.get_extra_info("peername") or ("", 0))[0]
        self.entry = table(self.router).allocate(self.router.config, "ssh", peer)
        if self.entry is None:  # no free vty allows ssh
            conn.close()
            return
        self.entry.ssh = {"version": "2.0", "state": "Session started"}
        self.entry.disconnect = conn.close

    def connection_lost(self, exc):
        if self.session and self.session.vty:
            self.session.vty.connection_lost()
        if self.entry is not None:
            table(self.router).release(self.entry)

    # -- authentication --------------------------------------------------------------------------------------
    def begin_auth(self, username):
        from ..banners import banner_text  # noqa: PLC0415

        text = banner_text(self.router.config, "login")
        if text is not None and self.conn is not None:
            self.conn.send_auth_banner(text.replace("\n", "\r\n") + "\r\n")
        return True

    def password_auth_supported(self):
        return True

    # keyboard-interactive: asyncssh's default asks `Password:` and passes the answer to validate_password

    def _line(self):
        return line_for(self.router.config, self.entry.number) if self.entry else None

    def validate_password(self, username, password):
        if self.entry is None:
            return False
        line = self._line()
        methods = login_methods(self.router.config, line)
        if methods == ["none"]:
            return self._done(username, None)
        res = authenticate(self.router, methods, line, username, password)
        if inspect.isawaitable(res):
            return self._await(username, res)
        return self._result(username, res)

    async def _await(self, username, pending):
        return self._result(username, await pending)

    def _result(self, username, res) -> bool:
        if res.status == PASS:
            return self._done(username, res.privilege)
        self.failures += 1
        if self.failures >= TRIES and self.conn is not None:
            asyncio.get_running_loop().call_soon(self.conn.close)
        return False

    def _done(self, username, privilege) -> bool:
        self.username = username
        self.privilege = privilege
        return True

    def public_key_auth_supported(self):
        chain = getattr(self.router.config, "ip_ssh", None)
        return bool(chain and chain.has_keys())

    def validate_public_key(self, username, key):
        chain = getattr(self.router.config, "ip_ssh", None)
        if chain is None or self.entry is None or not chain.allows(username, key_hash(key)):
            return False
        user = self.router.config.username.users.get(username)
        return self._done(username, user.privilege if user else None)

    def session_requested(self):
        if self.session is not None or self.entry is None:
            return False  # one session per connection, as IOS
        self.session = _Session(self)
        return self.session


class _Session(asyncssh.SSHServerSession):
    def __init__(self, server: _Server):
        self.server = server
        self.chan = None
        self.size = (80, 24)
        self.command: str | None = None
        self.vty: VtyConnection | None = None
        self.scp = None  # an `scp -t|-f` exec request (remote/scp.py)

    def connection_made(self, chan):
        self.chan = chan
        self.server.entry.ssh.update(_algorithms(self.server.conn))

    def pty_requested(self, term_type, term_size, term_modes):
        w, h = term_size[0], term_size[1]
        self.size = (w or 80, h if h else 24)
        return True

    def shell_requested(self):
        return True

    def exec_requested(self, command):
        self.command = command
        return True

    def session_started(self):
        srv = self.server
        if self.command is not None and self.command.startswith("scp "):
            from .scp import ScpSession  # noqa: PLC0415

            self.chan.set_encoding(None)  # file contents are bytes
            srv.entry.user = srv.username
            self.scp = ScpSession(srv.router, self.command, _privilege(srv), self._write_bytes, self._close)
            self.scp.start()
            return
        if self.command is not None:
            self._run_exec(self.command)
            return
        self.vty = VtyConnection(srv.router, srv.entry, self._write, self._close, width=self.size[0],
                                 length=self.size[1], preauth=(srv.username, _privilege(srv)))
        self.vty.start()

    def _run_exec(self, command: str):
        """`ssh router show version`: one command, its output, then the channel closes."""
        srv = self.server
        session = srv.router.session(privileged=_privilege(srv) >= 15, length=0, name=f"vty{srv.entry.number}")
        srv.entry.user, srv.entry.session = srv.username, session
        out = session.run(command)
        self._write("".join(ln + "\r\n" for ln in out))
        # a rejected command (IOS's error text above) gives the client a non-zero exit status
        self._close(1 if session.last_error else 0)

    def _write(self, text: str):
        if self.chan is not None:
            self.chan.write(text)

    def _write_bytes(self, data: bytes):
        if self.chan is not None:
            self.chan.write(data)

    def _close(self, status: int = 0):
        if self.chan is not None:
            try:
                self.chan.exit(status)
            except Exception:  # noqa: BLE001
                pass
        conn = self.server.conn
        if conn is not None:  # IOS drops the connection too; give the client a moment to read the rest
            asyncio.get_running_loop().call_later(1.0, conn.close)

    def data_received(self, data, datatype):
        if self.scp is not None:
            self.scp.data(data)
        elif self.vty is not None:
            self.vty.data(data)

    def eof_received(self):
        """The client's end of data (`printf '...' | ssh router`): the channel stays half open until what it
        sent has run and its output is out; then the vty closes it."""
        if self.scp is not None:
            self.scp.eof()
            return True
        if self.vty is not None:
            self.vty.eof()
            return True
        return False

    def terminal_size_changed(self, width, height, pixwidth, pixheight):
        if self.vty is not None:
            self.vty.shell.set_size(width or None, height if height else None)

    def connection_lost(self, exc):
        if self.vty is not None:
            self.vty.connection_lost()


def _privilege(srv: _Server) -> int:
    if srv.privilege is not None:
        return srv.privilege
    line = srv._line()
    return line.privilege if line is not None and line.privilege is not None else 1


def _algorithms(conn) -> dict:
    def name(attr):
        v = getattr(conn, attr, None)
        return v.decode() if isinstance(v, bytes) else (v or "none")

    return {"cipher": name("_enc_alg_cs"), "cipher_out": name("_enc_alg_sc"), "mac": name("_mac_alg_cs"),
            "mac_out": name("_mac_alg_sc"), "compression": name("_cmp_alg_cs"), "compression_out": name("_cmp_alg_sc")}


async def start_ssh(router, host: str = "127.0.0.1", port: int = 2222, host_key: Path | None = None):
    key = load_or_make_host_key(host_key or host_key_path(router))
    t = table(router)
    t.ssh_enabled = True
    t.ssh_key_name = router.config.hostname.name
    t.ssh_public_key = key.export_public_key("openssh").split()[1].decode()
    return await asyncssh.create_server(
        lambda: _Server(router), host, port,
        server_host_keys=[key],
        line_editor=False,
        encoding="utf-8",
        server_version=f"iosflex_{__version__}",
        login_timeout=30,
        allow_scp=False,
        agent_forwarding=False,
        x11_forwarding=False,
        reuse_address=True,
        # IOS's ciphers (AES-GCM/CTR) first: they are also the cheapest per packet here
        encryption_algs=["aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes192-ctr",
                         "aes256-ctr"],
    )

"""FreeRADIUS 3.2 (Debian's package) as the RADIUS server of the interop tests and the benchmark.

    srv = FreeRadius(lab.radius_host, tmp_path / "rad", users=user_entry("router1", tunnel_password="pre_shared_key",
                                                                           avpairs=["ipsec:route-set=interface"]))
    srv.start()                     # or `with FreeRadius(...) as srv:`
    reply = radclient(lab.router, "172.16.1.3", "auth", {"User-Name": "router1", "User-Password": "cisco",
                                                         "Service-Type": "Outbound-User"})
    reply.code == "Access-Accept"; reply.get("Tunnel-Password") == "pre_shared_key"
    srv.detail_records()            # accounting requests received, one dict per packet
    srv.stop()

* Private configuration: `/etc/freeradius/3.0` is copied to WORKDIR/raddb (raddbdir, logdir and run_dir point
  into WORKDIR; it runs as root, the `user/group = freerad` lines are commented out).  The only virtual server
  is ours: auth and acct `listen` sections on the server's own address (`address`, default the host's) for every
  (auth, acct) port pair, 1645/1646 and 1812/1813 by default.  clients.conf: the given subnets (172.16.1.0/24)
  and 127.0.0.0/8 (the delay proxy, radclient on the RADIUS host itself), all with `secret`.  Debian's `eap`
  module wants TLS certificates the package does not make: it is replaced by EAP-MD5 + EAP-MSCHAPv2, plus
  EAP-TLS when `eap_tls=EapTls(...)` is given (the server certificate, its key and the CA that issued the
  clients' certificates, e.g. `EapTls.from_pki(pki)` with tests/interop/strongswan.py's Pki; the files go to
  WORKDIR/eap-tls, nothing under /etc; no DH file: TLS 1.2 with ECDHE only, no session cache).  The default
  EAP type is MD5: a peer that wants another method NAKs to it (RFC 3748).  MS-MPPE-Send/Recv-Key (the MSK)
  go out in the Access-Accept of EAP-MSCHAPv2 and EAP-TLS, EAP-Message and Message-Authenticator in every EAP
  reply (FreeRADIUS's defaults).  EAP users: `user_entry(name, password, framed_ip=..., framed_pool=...)`;
  an EAP-TLS user needs an entry too (its password is not used), or the final `DEFAULT Auth-Type := Reject`
  refuses it.
* Access-Reject goes out at once: `reject_delay` (FreeRADIUS's default 1 s) is 0 unless given.
* `users`: the `files` module's authorize file, as written (see `user_entry()`), followed by a final
  `DEFAULT Auth-Type := Reject` (Reply-Message "unknown user") unless `reject_unknown=False`.
* Records: every Accounting-Request goes to WORKDIR/radacct/detail (one file per server directory; kept over a
  restart), every Access-Request to WORKDIR/radacct/auth-detail; `detail_records()` / `auth_records()` parse
  them.  `linelog=True` (default) also writes one line per accounting packet to WORKDIR/acct.log.
* `reply_delay` > 0: FreeRADIUS listens on 127.A.B.C (A.B.C = the last three octets of its address, same port
  numbers) and a small asyncio UDP relay (this file run as a script, in the same namespace) listens on the real
  address and ports: requests pass through at once, replies leave `reply_delay` seconds after FreeRADIUS
  answered.  One upstream socket per RADIUS client (address, port), so FreeRADIUS's duplicate detection still
  works; FreeRADIUS then sees the relay's 127.A.B.C as the packet source (Packet-Src-IP-Address), the
  attributes (NAS-IP-Address, ...) are untouched.
* Two servers: `FreeRadius(host, dir2, address="172.16.1.6", ...)`: the address is added to `host.dev`
  (`ip -n NS addr add 172.16.1.6/24 dev eth0`) when missing; each instance listens on its own address only, so
  several can share a namespace.  Making one "down": `stop()` (process gone: the host answers ICMP port
  unreachable), or `pause()` / `resume()` (SIGSTOP / SIGCONT: silent, requests queue in the socket and are
  answered, late, after resume); `start()` again after a stop.
* `radclient()`: run freeradius-utils' radclient inside a namespace and parse what it received.

Processes are started and stopped by PID (`popen_in_ns`); nothing is ever sent outside the lab's namespaces.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__:
    from .netns import Host, popen_in_ns, sh, stop_process
    from .strongswan import PeerMissing

FREERADIUS = "/usr/sbin/freeradius"
RADCLIENT = "/usr/bin/radclient"
RADDB_SRC = Path("/etc/freeradius/3.0")
SECRET = "radius_key"
DEFAULT_PORTS = ((1645, 1646), (1812, 1813))
READY = "Ready to process requests"


def require_freeradius() -> None:
    """Raise PeerMissing (tests must fail, never skip) unless FreeRADIUS and radclient are installed."""
    missing = [p for p in (FREERADIUS, RADCLIENT, str(RADDB_SRC / "radiusd.conf")) if not os.path.exists(p)]
    if missing:
        raise PeerMissing(f"FreeRADIUS not installed ({', '.join(missing)} missing): "
                          "run .ci/install-peers (packages freeradius, freeradius-utils)")


# ---------------------------------------------------------------------------------------------------------
# users file
# ---------------------------------------------------------------------------------------------------------

def _q(value: str) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def user_entry(name: str, password: str = "cisco", *, tunnel_password: str | None = None,
               framed_pool: str | None = None, avpairs: list[str] | tuple[str, ...] = (),
               reply: list[tuple[str, str]] | tuple = (), framed_ip: str | None = None) -> str:
    """One `files` users entry: accepts `name` with password `password` (Cleartext-Password: PAP, CHAP,
    MS-CHAP, EAP-MD5 and EAP-MSCHAPv2 all check it; IOS authorizes with User-Password "cisco", Service-Type
    Outbound-User) and replies with Tunnel-Password, Framed-IP-Address, Framed-Pool, one Cisco-AVPair per item
    of `avpairs` (in order) and the raw (attribute, value) pairs of `reply` (values quoted here; use an `op`
    by giving the attribute as "Name +=")."""
    items: list[str] = []
    if tunnel_password is not None:
        items.append(f"Tunnel-Password = {_q(tunnel_password)}")
    if framed_ip is not None:
        items.append(f"Framed-IP-Address = {framed_ip}")
    if framed_pool is not None:
        items.append(f"Framed-Pool = {_q(framed_pool)}")
    items += [f"Cisco-AVPair += {_q(av)}" for av in avpairs]
    for attr, value in reply:
        op = "" if attr.rstrip().endswith(("=", "+=", ":=")) else " ="
        items.append(f"{attr}{op} {_q(value)}")
    label = name if re.fullmatch(r"[\w.@+-]+", name) else _q(name)
    head = f"{label}\tCleartext-Password := {_q(password)}"
    if not items:
        return head + "\n"
    return head + "\n" + ",\n".join(f"\t{it}" for it in items) + "\n"


# ---------------------------------------------------------------------------------------------------------
# detail files
# ---------------------------------------------------------------------------------------------------------

class Record(dict):
    """One packet of a detail file: attribute name -> value (quotes removed).  An attribute that appears more
    than once (Cisco-AVPair, usually) maps to all its values joined with "\\n", in packet order; `all(name)`
    gives them as a list and `avpairs()` splits the Cisco-AVPairs "key=value" into a dict (a repeated key keeps
    its last value; `avpair_list()` keeps them all).  `header` is the record's first line (the time written)."""

    header: str = ""

    def all(self, name: str) -> list[str]:
        v = self.get(name)
        return [] if v is None else v.split("\n")

    def avpair_list(self) -> list[tuple[str, str]]:
        out = []
        for av in self.all("Cisco-AVPair"):
            k, _, v = av.partition("=")
            out.append((k, v))
        return out

    def avpairs(self) -> dict[str, str]:
        return dict(self.avpair_list())


_ATTR = re.compile(r"^\s+([A-Za-z0-9][\w.:-]*)\s*=\s?(.*)$")


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        v = v[1:-1]
        v = re.sub(r'\\(["\\])', r"\1", v)
    return v


def parse_detail(text: str) -> list[Record]:
    """Parse a FreeRADIUS detail file: a header line (the time) at column 0, then one TAB-indented
    `Attribute = value` line per attribute, a blank line after each packet."""
    records: list[Record] = []
    cur: Record | None = None
    for line in text.splitlines():
        if not line.strip():
            cur = None
            continue
        if not line[0].isspace():
            cur = Record()
            cur.header = line.strip()
            records.append(cur)
            continue
        m = _ATTR.match(line)
        if not m or cur is None:
            continue
        name, value = m.group(1), _unquote(m.group(2))
        cur[name] = f"{cur[name]}\n{value}" if name in cur else value
    return records


# ---------------------------------------------------------------------------------------------------------
# the server
# ---------------------------------------------------------------------------------------------------------

def backend_address(address: str) -> str:
    """Where FreeRADIUS listens when the delay relay owns `address`: 127 + the address's last three octets."""
    o = ipaddress.IPv4Address(address).packed
    return f"127.{o[1]}.{o[2]}.{o[3]}"


EAP_MODULE = """# EAP-MD5 and EAP-MSCHAPv2 only (Debian's default eap module wants TLS certificates the package does not make)
eap {
    default_eap_type = md5
    timer_expire = 60
    ignore_unknown_eap_types = no
    cisco_accounting_username_bug = no
    max_sessions = ${max_requests}
    md5 {
    }
    mschapv2 {
        send_error = no
    }
}
"""


@dataclass
class EapTls:
    """What EAP-TLS needs: FreeRADIUS's own certificate and key (PEM) and the CA (PEM) its peers' certificates
    chain to."""
    cert_pem: bytes
    key_pem: bytes
    ca_pem: bytes

    @classmethod
    def from_pki(cls, pki, kind: str = "rsa", name: str = "radius.flex.lab") -> "EapTls":
        """A server certificate for `name` (SAN DNS, EKU serverAuth) from the tests' Pki, and its CA."""
        cert = pki.client(kind, name)
        return cls(cert.cert_pem, cert.key_pem, pki.ca[kind].cert_pem)


def eap_module(tls_dir: Path | None = None) -> str:
    """The `eap` module: MD5 and MSCHAPv2, and TLS with the files in tls_dir (server.pem, server.key,
    ca.pem).  TLS 1.2, ECDHE ciphers (no DH parameter file), no session cache, no OCSP/CRL."""
    if tls_dir is None:
        return EAP_MODULE
    return f"""# EAP-MD5, EAP-MSCHAPv2 and EAP-TLS (tests/interop/freeradius.py; certificates in {tls_dir})
eap {{
    default_eap_type = md5
    timer_expire = 60
    ignore_unknown_eap_types = no
    cisco_accounting_username_bug = no
    max_sessions = ${{max_requests}}
    md5 {{
    }}
    mschapv2 {{
        send_error = no
    }}
    tls-config tls-common {{
        private_key_file = {tls_dir}/server.key
        certificate_file = {tls_dir}/server.pem
        ca_file = {tls_dir}/ca.pem
        ca_path = {tls_dir}
        cipher_list = "HIGH"
        cipher_server_preference = yes
        tls_min_version = "1.2"
        tls_max_version = "1.2"
        ecdh_curve = "prime256v1"
        fragment_size = 1024
        include_length = yes
        cache {{
            enable = no
        }}
        verify {{
        }}
        ocsp {{
            enable = no
        }}
    }}
    tls {{
        tls = tls-common
    }}
}}
"""


class FreeRadius:
    """One FreeRADIUS in `host.ns` listening on `address` (default host.ip), its files under `workdir`."""

    def __init__(self, host: "Host", workdir: str | Path, *, secret: str = SECRET, users: str,
                 ports=DEFAULT_PORTS, reply_delay: float = 0.0, address: str | None = None,
                 clients: tuple[str, ...] | list[str] = ("172.16.1.0/24",), reject_unknown: bool = True,
                 linelog: bool = True, debug: bool = True, prefixlen: int = 24, reject_delay: float = 0.0,
                 eap_tls: EapTls | None = None):
        self.host = host
        self.eap_tls = eap_tls
        self.workdir = Path(workdir)
        self.secret = secret
        self.users = users
        self.ports = tuple((int(a), int(b)) for a, b in ports)
        self.reply_delay = float(reply_delay)
        self.address = address or host.ip
        self.clients = tuple(clients)
        self.reject_unknown = reject_unknown
        self.linelog = linelog
        self.debug = debug
        self.prefixlen = prefixlen
        self.reject_delay = float(reject_delay)
        self.proc: subprocess.Popen | None = None
        self.relay: subprocess.Popen | None = None
        self.paused = False
        self.start_seconds: float | None = None     # last start(): spawn -> "Ready to process requests"

    # -- paths ---------------------------------------------------------------------------------------------
    @property
    def raddb(self) -> Path:
        return self.workdir / "raddb"

    @property
    def log_path(self) -> Path:
        return self.workdir / "radiusd.log"

    @property
    def detail_path(self) -> Path:
        return self.workdir / "radacct" / "detail"

    @property
    def auth_detail_path(self) -> Path:
        return self.workdir / "radacct" / "auth-detail"

    @property
    def linelog_path(self) -> Path:
        return self.workdir / "acct.log"

    @property
    def relay_log_path(self) -> Path:
        return self.workdir / "relay.log"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def auth_port(self) -> int:
        return self.ports[0][0]

    @property
    def acct_port(self) -> int:
        return self.ports[0][1]

    @property
    def listen_address(self) -> str:
        """Where FreeRADIUS itself binds (the relay's backend with reply_delay > 0)."""
        return backend_address(self.address) if self.reply_delay > 0 else self.address

    # -- configuration -------------------------------------------------------------------------------------
    def _site(self) -> str:
        listens = []
        for auth, acct in self.ports:
            for kind, port in (("auth", auth), ("acct", acct)):
                listens.append(f"    listen {{\n        type = {kind}\n        ipaddr = {self.listen_address}\n"
                               f"        port = {port}\n    }}\n")
        acct_log = "        iosflex_linelog\n" if self.linelog else ""
        return ("# the only virtual server of this copy (tests/interop/freeradius.py)\n"
                "server iosflex {\n" + "".join(listens) +
                """    authorize {
        iosflex_authdetail
        filter_username
        preprocess
        eap {
            ok = return
        }
        files
        pap
        chap
        mschap
    }
    authenticate {
        Auth-Type PAP {
            pap
        }
        Auth-Type CHAP {
            chap
        }
        Auth-Type MS-CHAP {
            mschap
        }
        eap
    }
    preacct {
        preprocess
        acct_unique
    }
    accounting {
        iosflex_detail
""" + acct_log + """        ok
    }
    post-auth {
        Post-Auth-Type REJECT {
            attr_filter.access_reject
        }
    }
}
""")

    def _modules(self) -> str:
        text = f"""# accounting and Access-Request records (tests/interop/freeradius.py)
detail iosflex_detail {{
    filename = {self.detail_path}
    escape_filenames = no
    permissions = 0600
    header = "%t"
    log_packet_header = yes
}}
detail iosflex_authdetail {{
    filename = {self.auth_detail_path}
    escape_filenames = no
    permissions = 0600
    header = "%t"
    log_packet_header = yes
}}
"""
        if self.linelog:
            text += f"""linelog iosflex_linelog {{
    filename = {self.linelog_path}
    permissions = 0644
    format = ""
    reference = "messages.%{{%{{Acct-Status-Type}}:-unknown}}"
    messages {{
        Start = "Start user=%{{User-Name}} session=%{{Acct-Session-Id}} nas=%{{NAS-IP-Address}} framed=%{{Framed-IP-Address}}"
        Stop = "Stop user=%{{User-Name}} session=%{{Acct-Session-Id}} nas=%{{NAS-IP-Address}} framed=%{{Framed-IP-Address}} in=%{{Acct-Input-Octets}} out=%{{Acct-Output-Octets}} time=%{{Acct-Session-Time}} cause=%{{Acct-Terminate-Cause}}"
        Interim-Update = "Interim user=%{{User-Name}} session=%{{Acct-Session-Id}}"
        Accounting-On = "Accounting-On nas=%{{NAS-IP-Address}}"
        Accounting-Off = "Accounting-Off nas=%{{NAS-IP-Address}}"
        unknown = "unknown user=%{{User-Name}}"
    }}
}}
"""
        return text

    def _clients_conf(self) -> str:
        out = ["# clients.conf (tests/interop/freeradius.py)\n"]
        for n, net in enumerate([*self.clients, "127.0.0.0/8"]):
            out.append(f"client c{n} {{\n    ipaddr = {net}\n    secret = {self.secret}\n    shortname = c{n}\n"
                       f"    nas_type = other\n    require_message_authenticator = no\n}}\n")
        return "".join(out)

    def _users_file(self) -> str:
        text = self.users.rstrip("\n") + "\n"
        if self.reject_unknown:
            text += '\n# everything else (tests/interop/freeradius.py)\nDEFAULT\tAuth-Type := Reject\n' \
                    '\tReply-Message = "unknown user"\n'
        return text

    def build(self) -> Path:
        """Write the private raddb copy (done by start(); callable alone to inspect or `check()` it)."""
        require_freeradius()
        if self.raddb.exists():
            shutil.rmtree(self.raddb)
        shutil.copytree(RADDB_SRC, self.raddb, symlinks=True)
        for sub in ("log", "run", "radacct"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        conf = (self.raddb / "radiusd.conf").read_text()
        subs = [(r"^raddbdir = .*$", f"raddbdir = {self.raddb}"),
                (r"^logdir = .*$", f"logdir = {self.workdir / 'log'}"),
                (r"^run_dir = .*$", f"run_dir = {self.workdir / 'run'}"),
                (r"^(\s*)user = freerad\s*$", r"\1#user = freerad"),
                (r"^(\s*)group = freerad\s*$", r"\1#group = freerad"),
                (r"^(\s*)reject_delay = .*$", rf"\g<1>reject_delay = {self.reject_delay:g}")]
        for pat, rep in subs:
            conf, n = re.subn(pat, rep, conf, flags=re.M)
            if n != 1:
                raise RuntimeError(f"{RADDB_SRC}/radiusd.conf: expected one line matching {pat!r}, found {n}")
        (self.raddb / "radiusd.conf").write_text(conf)
        for f in (self.raddb / "sites-enabled").iterdir():
            f.unlink()
        (self.raddb / "sites-enabled" / "iosflex").write_text(self._site())
        tls_dir = None
        if self.eap_tls is not None:
            tls_dir = self.workdir / "eap-tls"
            tls_dir.mkdir(parents=True, exist_ok=True)
            (tls_dir / "server.pem").write_bytes(self.eap_tls.cert_pem)
            (tls_dir / "server.key").write_bytes(self.eap_tls.key_pem)
            (tls_dir / "server.key").chmod(0o600)
            (tls_dir / "ca.pem").write_bytes(self.eap_tls.ca_pem)
        (self.raddb / "mods-enabled" / "eap").unlink(missing_ok=True)
        (self.raddb / "mods-enabled" / "eap").write_text(eap_module(tls_dir))
        (self.raddb / "mods-enabled" / "iosflex").write_text(self._modules())
        (self.raddb / "clients.conf").write_text(self._clients_conf())
        authorize = self.raddb / "mods-config" / "files" / "authorize"
        authorize.unlink(missing_ok=True)         # a symlink to ../../users in Debian's tree
        authorize.write_text(self._users_file())
        return self.raddb

    def check(self) -> str:
        """`freeradius -C` on the copy (config check, no start); raises with the output on failure."""
        self.build()
        cp = subprocess.run([FREERADIUS, "-C", "-d", str(self.raddb), "-lstdout"], capture_output=True,
                            text=True, timeout=30)
        if cp.returncode != 0:
            raise RuntimeError(f"freeradius -C failed:\n{cp.stdout[-3000:]}{cp.stderr[-2000:]}")
        return cp.stdout

    # -- life cycle ----------------------------------------------------------------------------------------
    def _ensure_address(self) -> None:
        have = sh(["ip", "-n", self.host.ns, "-4", "-o", "addr", "show"], check=False).stdout
        if not re.search(rf"\binet {re.escape(self.address)}/", have):
            sh(["ip", "-n", self.host.ns, "addr", "add", f"{self.address}/{self.prefixlen}", "dev", self.host.dev])

    def start(self, timeout: float = 15.0) -> "FreeRadius":
        """Build the copy, start `freeradius -X` (or -f with debug=False) in the namespace, wait until it is
        ready (and the relay with reply_delay > 0).  Raises with the log tail if it does not come up."""
        if self.alive():
            return self
        self.build()
        self._ensure_address()
        if self.reply_delay > 0:
            sh(["ip", "-n", self.host.ns, "link", "set", "lo", "up"], check=False)
        self.log_path.write_text("")
        args = [FREERADIUS, "-d", str(self.raddb)]
        args += ["-X"] if self.debug else ["-f", "-l", "stdout"]
        t0 = time.monotonic()
        out = open(self.log_path, "ab")
        self.proc = popen_in_ns(self.host.ns, args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()
        self.paused = False
        deadline = t0 + timeout
        while READY not in self.log_text():
            if self.proc.poll() is not None:
                raise RuntimeError(f"freeradius in {self.host.ns} exited {self.proc.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"freeradius in {self.host.ns} not ready within {timeout}s:\n{self.tail()}")
            time.sleep(0.01)
        if self.reply_delay > 0:
            self._start_relay(deadline)
        self.start_seconds = time.monotonic() - t0
        return self

    def _start_relay(self, deadline: float) -> None:
        ready = self.workdir / "relay.ready"
        ready.unlink(missing_ok=True)
        back = backend_address(self.address)
        args = [sys.executable, str(Path(__file__).resolve()), "relay", "--delay", str(self.reply_delay),
                "--ready", str(ready)]
        for pair in self.ports:
            for port in pair:
                args += ["--map", f"{self.address}:{port}={back}:{port}"]
        log = open(self.relay_log_path, "ab")
        self.relay = popen_in_ns(self.host.ns, args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        while not ready.exists():
            if self.relay.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"delay relay in {self.host.ns} did not start:\n"
                                   f"{self.relay_log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop the relay and FreeRADIUS by PID (SIGTERM, then SIGKILL); the server's address stays, so the
        host now answers ICMP port unreachable.  Records and logs stay; start() again to bring it back."""
        for p in (self.relay, self.proc):
            if p is not None and p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGCONT)      # a paused process would not act on SIGTERM
                except ProcessLookupError:
                    pass
                stop_process(p)
        self.paused = False

    def pause(self) -> None:
        """A silent server: SIGSTOP FreeRADIUS (and the relay).  Requests queue in the kernel, nothing answers."""
        for p in (self.relay, self.proc):
            if p is not None and p.poll() is None:
                os.kill(p.pid, signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """SIGCONT: it answers again (the queued requests too, late)."""
        for p in (self.proc, self.relay):
            if p is not None and p.poll() is None:
                os.kill(p.pid, signal.SIGCONT)
        self.paused = False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> "FreeRadius":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what it saw ---------------------------------------------------------------------------------------
    def log_text(self) -> str:
        """FreeRADIUS's own output (the -X debug log: every request, the reply, module results)."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, n: int = 40) -> str:
        return "".join(self.log_text().splitlines(True)[-n:])

    def detail_records(self) -> list[Record]:
        """The Accounting-Requests received (all runs of this workdir), one Record per packet, in order."""
        try:
            return parse_detail(self.detail_path.read_text(errors="replace"))
        except FileNotFoundError:
            return []

    def auth_records(self) -> list[Record]:
        """The Access-Requests received (before authentication; User-Password as decoded by the server)."""
        try:
            return parse_detail(self.auth_detail_path.read_text(errors="replace"))
        except FileNotFoundError:
            return []

    def linelog_lines(self) -> list[str]:
        try:
            return self.linelog_path.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return []

    def wait_records(self, n: int, timeout: float = 5.0, auth: bool = False) -> list[Record]:
        """Wait until at least `n` accounting (or, with auth=True, access) records are there; return them all."""
        deadline = time.monotonic() + timeout
        while True:
            recs = self.auth_records() if auth else self.detail_records()
            if len(recs) >= n or time.monotonic() > deadline:
                return recs
            time.sleep(0.02)


# ---------------------------------------------------------------------------------------------------------
# radclient
# ---------------------------------------------------------------------------------------------------------

@dataclass
class RadReply:
    code: str | None                      # "Access-Accept", "Access-Reject", "Accounting-Response"; None: no reply
    attrs: list[tuple[str, str]] = field(default_factory=list)   # reply attributes, in order, tag kept (":0")
    returncode: int = 0
    output: str = ""                      # radclient's stdout + stderr
    elapsed: float = 0.0                  # wall time of the whole radclient run (process start included)

    def all(self, name: str) -> list[str]:
        """Values of `name` (a tagged attribute matches with or without its ":N")."""
        return [v for k, v in self.attrs if k == name or k.split(":")[0] == name]

    def get(self, name: str) -> str | None:
        vals = self.all(name)
        return vals[0] if vals else None

    def avpairs(self) -> list[str]:
        return self.all("Cisco-AVPair")


def radclient(host: "Host", server: str, kind: str, attrs: dict | list | tuple, *, secret: str = SECRET,
              port: int | None = None, timeout: float = 2.0, retries: int = 1) -> RadReply:
    """Send one request with freeradius-utils' radclient from inside `host.ns` to server:port and parse the
    reply.  kind: "auth" (port 1645 by default), "acct" (1646), "status", "coa", "disconnect".  attrs: dict or
    (name, value) pairs; values are sent quoted (radclient takes enumerated names such as Outbound-User and
    addresses in quotes too).  No reply -> code None."""
    require_freeradius()
    if port is None:
        port = {"auth": 1645, "acct": 1646, "status": 1645, "coa": 3799, "disconnect": 3799}[kind]
    items = attrs.items() if isinstance(attrs, dict) else attrs
    body = "\n".join(f"{k} = {_q(v)}" for k, v in items) + "\n"
    args = ["ip", "netns", "exec", host.ns, RADCLIENT, "-x", "-r", str(retries), "-t", f"{timeout:g}",
            f"{server}:{port}", kind, secret]
    t0 = time.monotonic()
    cp = subprocess.run(args, input=body, capture_output=True, text=True, timeout=timeout * (retries + 1) + 10)
    elapsed = time.monotonic() - t0
    code = None
    got: list[tuple[str, str]] = []
    inside = False
    for line in cp.stdout.splitlines():
        m = re.match(r"^Received (\S+) Id ", line)
        if m:
            code, inside, got = m.group(1), True, []
            continue
        if line.startswith("Sent "):
            inside = False
            continue
        if inside:
            am = _ATTR.match(line)
            if am:
                got.append((am.group(1), _unquote(am.group(2))))
    return RadReply(code, got, cp.returncode, cp.stdout + cp.stderr, elapsed)


# ---------------------------------------------------------------------------------------------------------
# the delay relay (this file run as a script inside the RADIUS namespace)
# ---------------------------------------------------------------------------------------------------------

def _relay_main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="freeradius.py relay")
    ap.add_argument("--delay", type=float, required=True)
    ap.add_argument("--map", action="append", required=True, help="LISTEN_IP:PORT=BACKEND_IP:PORT")
    ap.add_argument("--ready")
    args = ap.parse_args(argv)

    def hp(s: str) -> tuple[str, int]:
        h, _, p = s.rpartition(":")
        return h, int(p)

    async def run() -> int:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        socks: list[socket.socket] = []

        def front_readable(front: socket.socket, backend: tuple[str, int], ups: dict) -> None:
            while True:
                try:
                    data, client = front.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:
                    return
                up = ups.get(client)
                if up is None:
                    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    up.setblocking(False)
                    up.bind((backend[0], 0))
                    up.connect(backend)
                    ups[client] = up
                    socks.append(up)
                    loop.add_reader(up, up_readable, up, front, client)
                try:
                    up.send(data)
                except OSError as exc:
                    print(f"relay: to {backend}: {exc}", file=sys.stderr, flush=True)

        def send_back(front: socket.socket, data: bytes, client) -> None:
            try:
                front.sendto(data, client)
            except OSError as exc:
                print(f"relay: to {client}: {exc}", file=sys.stderr, flush=True)

        def up_readable(up: socket.socket, front: socket.socket, client) -> None:
            while True:
                try:
                    data = up.recv(65535)
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:              # e.g. ECONNREFUSED: FreeRADIUS not there; the client will retry
                    return
                loop.call_later(args.delay, send_back, front, data, client)

        for m in args.map:
            listen, _, back = m.partition("=")
            front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            front.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            front.setblocking(False)
            front.bind(hp(listen))
            socks.append(front)
            loop.add_reader(front, front_readable, front, hp(back), {})
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if args.ready:
            Path(args.ready).write_text(str(os.getpid()))
        print(f"relay: {args.map} delay {args.delay}s", file=sys.stderr, flush=True)
        await stop.wait()
        for s in socks:
            s.close()
        return 0

    return asyncio.run(run())


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "relay":
        sys.exit(_relay_main(sys.argv[2:]))
    print("usage: freeradius.py relay --delay S --map IP:PORT=IP:PORT ... [--ready FILE]", file=sys.stderr)
    sys.exit(2)

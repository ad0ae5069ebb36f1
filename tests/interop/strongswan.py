"""strongSwan peers for the interop tests and the benchmark.

* `Pki`: an in-test PKI made with `cryptography`: an RSA CA and an ECDSA CA, the router's certificates (SAN
  FQDN router.flex.lab and IP 172.16.1.2, one RSA and one ECDSA) and client certificates of either kind.
* `Charon`: one Debian charon per namespace, isolated as in ../shared/lab (its own /run via a bind mount inside
  `ip netns exec`'s private mount namespace, so pid file, vici socket and log never clash), with its own
  strongswan.conf and swanctl dir, kernel-libipsec (this kernel has no ESP), `swanctl --load-all`.
* `Vici`: a small client for charon's VICI protocol (no extra package): initiate / terminate / rekey /
  list-sas / stats, and `Events` to wait for ike-updown, child-updown, ike-rekey, child-rekey instead of
  sleeping.
* `client_conf()` / `responder_conf()`: the swanctl.conf connections the scenarios use (PSK with FQDN
  identities, RSA and ECDSA certificates, virtual IP request, proposals, rekey times, DPD).
* EAP: `eap_client_conn()` (eap-md5 / eap-mschapv2 / eap-tls with an `eap_id`, the server authenticated by
  its certificate from the tests' CA; `windows_like=True`: IKE identity = the client's IP address and any
  server identity, as the Windows built-in client does), `eap_secret()`, `EAP_CLIENT_PLUGINS`; and the
  strongSwan NAS, `nas_strongswan_conf()` + `nas_responder_conf()`: a charon responder with `eap-radius`
  to FreeRADIUS (it asks the EAP identity itself, `eap_start = no`, then relays every EAP message to RADIUS;
  accounting on), the reference the iosflex EAP relay is compared with.
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .netns import Host, popen_in_ns, stop_process

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "/usr/sbin/swanctl"
ROUTER_FQDN = "router.flex.lab"
PSK = "cisco123"
WRONG_PSK = "not-the-key"
POOL = "10.10.10.0/24"
INSIDE_NET = "10.0.0.0/24"          # what the responder offers behind it (10.0.0.1 on its lo)

# IANA DH group -> strongSwan keyword
DH_GROUPS = {14: "modp2048", 19: "ecp256", 20: "ecp384", 21: "ecp521", 31: "curve25519"}
# scenario name -> (IKE encryption+integrity/prf part, ESP proposal)
CIPHERS = {
    "aes-cbc": ("aes256-sha256", "aes256-sha256"),
    "aes-gcm": ("aes256gcm16-prfsha256", "aes256gcm16"),
}


class PeerMissing(RuntimeError):
    """A peer program or plugin is not installed: tests must fail (not skip) on it."""


def require_strongswan() -> None:
    missing = [p for p in (CHARON, SWANCTL, "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so")
               if not os.path.exists(p)]
    if missing:
        raise PeerMissing(f"strongSwan not installed ({', '.join(missing)} missing): run .ci/install-peers")


# ---------------------------------------------------------------------------------------------------------
# PKI
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Cert:
    name: str
    key_pem: bytes
    cert_pem: bytes
    kind: str                      # "rsa" | "ecdsa"
    key: object = None
    cert: object = None

    def key_pem_encrypted(self, password: str) -> bytes:
        """Traditional OpenSSL PEM, encrypted (what IOS `crypto pki import ... pem terminal password` wants)."""
        from cryptography.hazmat.primitives import serialization

        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.BestAvailableEncryption(password.encode()))


class Pki:
    """RSA CA + ECDSA CA, router certificates and client certificates, all in memory (written on demand)."""

    def __init__(self, rsa_bits: int = 2048):
        self.rsa_bits = rsa_bits
        self.ca = {"rsa": self._make_ca("rsa"), "ecdsa": self._make_ca("ecdsa")}
        self.router = {k: self.issue(k, ROUTER_FQDN, ip="172.16.1.2", server=True) for k in ("rsa", "ecdsa")}
        self._clients: dict[tuple[str, str], Cert] = {}

    def _key(self, kind: str):
        from cryptography.hazmat.primitives.asymmetric import ec, rsa

        if kind == "rsa":
            return rsa.generate_private_key(public_exponent=65537, key_size=self.rsa_bits)
        return ec.generate_private_key(ec.SECP256R1())

    @staticmethod
    def _pem(key, cert) -> tuple[bytes, bytes]:
        from cryptography.hazmat.primitives import serialization

        return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
                cert.public_bytes(serialization.Encoding.PEM))

    def _make_ca(self, kind: str) -> Cert:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import NameOID

        key = self._key(kind)
        name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FlexLab"),
                          x509.NameAttribute(NameOID.COMMON_NAME, f"FlexLab {kind.upper()} CA")])
        now = _dt.datetime.now(_dt.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                             key_encipherment=False, data_encipherment=False, key_agreement=False,
                                             key_cert_sign=True, crl_sign=True, encipher_only=False,
                                             decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256()))
        return Cert(f"{kind}-ca", *self._pem(key, cert), kind=kind, key=key, cert=cert)

    def issue(self, kind: str, fqdn: str, ip: str | None = None, server: bool = False) -> Cert:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

        ca = self.ca[kind]
        key = self._key(kind)
        san: list = [x509.DNSName(fqdn)]
        if ip:
            san.append(x509.IPAddress(ipaddress.ip_address(ip)))
        now = _dt.datetime.now(_dt.timezone.utc)
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FlexLab"),
                                         x509.NameAttribute(NameOID.COMMON_NAME, fqdn)]))
                .issuer_name(ca.cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - _dt.timedelta(days=1)).not_valid_after(now + _dt.timedelta(days=825))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                             key_encipherment=kind == "rsa", data_encipherment=False,
                                             key_agreement=False, key_cert_sign=False, crl_sign=False,
                                             encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectAlternativeName(san), critical=False)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH,
                                                      ObjectIdentifier("1.3.6.1.5.5.8.2.2")]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                               critical=False)
                .sign(ca.key, hashes.SHA256()))
        return Cert(fqdn, *self._pem(key, cert), kind=kind, key=key, cert=cert)

    def client(self, kind: str, fqdn: str) -> Cert:
        if (kind, fqdn) not in self._clients:
            self._clients[(kind, fqdn)] = self.issue(kind, fqdn)
        return self._clients[(kind, fqdn)]

    def install(self, swanctl_dir: Path, certs: list[Cert]) -> None:
        """Both CA certificates into x509ca/, `certs` into x509/ (NAME.crt) and their keys into private/."""
        for sub in ("x509ca", "x509", "private"):
            (swanctl_dir / sub).mkdir(parents=True, exist_ok=True)
        for kind, ca in self.ca.items():
            (swanctl_dir / "x509ca" / f"{kind}-ca.crt").write_bytes(ca.cert_pem)
        for c in certs:
            (swanctl_dir / "x509" / f"{c.name}-{c.kind}.crt").write_bytes(c.cert_pem)
            keyfile = swanctl_dir / "private" / f"{c.name}-{c.kind}.key"
            keyfile.write_bytes(c.key_pem)
            keyfile.chmod(0o600)


# ---------------------------------------------------------------------------------------------------------
# VICI
# ---------------------------------------------------------------------------------------------------------

_CMD_REQUEST, _CMD_RESPONSE, _CMD_UNKNOWN, _EVENT_REGISTER, _EVENT_UNREGISTER, _EVENT_CONFIRM, \
    _EVENT_UNKNOWN, _EVENT = range(8)
_SECTION_START, _SECTION_END, _KEY_VALUE, _LIST_START, _LIST_ITEM, _LIST_END = range(1, 7)


class ViciError(RuntimeError):
    pass


def _enc_msg(msg: dict) -> bytes:
    out = bytearray()

    def name(n: str) -> bytes:
        b = n.encode()
        return bytes([len(b)]) + b

    def val(v) -> bytes:
        b = v if isinstance(v, bytes) else str(v).encode()
        return struct.pack("!H", len(b)) + b

    def walk(d: dict):
        for k, v in d.items():
            if isinstance(v, dict):
                out.extend(bytes([_SECTION_START]) + name(k))
                walk(v)
                out.append(_SECTION_END)
            elif isinstance(v, (list, tuple)):
                out.extend(bytes([_LIST_START]) + name(k))
                for item in v:
                    out.extend(bytes([_LIST_ITEM]) + val(item))
                out.append(_LIST_END)
            else:
                out.extend(bytes([_KEY_VALUE]) + name(k) + val(v))

    walk(msg)
    return bytes(out)


def _dec_msg(data: bytes) -> dict:
    root: dict = {}
    stack = [root]
    lst = None
    i = 0
    while i < len(data):
        t = data[i]
        i += 1
        if t in (_SECTION_START, _KEY_VALUE, _LIST_START):
            n = data[i]
            key = data[i + 1:i + 1 + n].decode()
            i += 1 + n
        if t == _SECTION_START:
            sub: dict = {}
            stack[-1][key] = sub
            stack.append(sub)
        elif t == _SECTION_END:
            stack.pop()
        elif t == _KEY_VALUE:
            (ln,) = struct.unpack_from("!H", data, i)
            stack[-1][key] = data[i + 2:i + 2 + ln].decode(errors="replace")
            i += 2 + ln
        elif t == _LIST_START:
            lst = []
            stack[-1][key] = lst
        elif t == _LIST_ITEM:
            (ln,) = struct.unpack_from("!H", data, i)
            lst.append(data[i + 2:i + 2 + ln].decode(errors="replace"))
            i += 2 + ln
        elif t == _LIST_END:
            lst = None
        else:
            raise ViciError(f"bad vici element type {t}")
    return root


class _Conn:
    def __init__(self, path: str, timeout: float):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        deadline = time.monotonic() + timeout
        while True:                 # a full listen backlog gives EAGAIN on a socket with a timeout: retry
            try:
                self.sock.connect(path)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self.sock.close()
                    raise
                time.sleep(0.005)

    def send(self, ptype: int, name: str | None = None, msg: dict | None = None) -> None:
        body = bytes([ptype])
        if name is not None:
            body += bytes([len(name)]) + name.encode()
        if msg is not None:
            body += _enc_msg(msg)
        self.sock.sendall(struct.pack("!I", len(body)) + body)

    def _exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ViciError("vici connection closed")
            buf.extend(chunk)
        return bytes(buf)

    def recv(self) -> tuple[int, str | None, dict]:
        (ln,) = struct.unpack("!I", self._exact(4))
        body = self._exact(ln)
        ptype = body[0]
        name = None
        pos = 1
        if ptype in (_EVENT, _CMD_REQUEST, _EVENT_REGISTER, _EVENT_UNREGISTER):
            n = body[1]
            name = body[2:2 + n].decode()
            pos = 2 + n
        return ptype, name, _dec_msg(body[pos:]) if pos < len(body) else {}

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Vici:
    """Request/response over one connection per call (simple, thread-safe)."""

    def __init__(self, path: str | Path, timeout: float = 30.0):
        self.path = str(path)
        self.timeout = timeout

    def request(self, cmd: str, msg: dict | None = None, stream: str | None = None,
                timeout: float | None = None) -> tuple[dict, list[dict]]:
        """Send `cmd`; with `stream`, register that event first and collect it until the response."""
        c = _Conn(self.path, timeout or self.timeout)
        try:
            events: list[dict] = []
            if stream:
                c.send(_EVENT_REGISTER, stream)
                ptype, _, _ = c.recv()
                if ptype != _EVENT_CONFIRM:
                    raise ViciError(f"cannot register vici event {stream}")
            c.send(_CMD_REQUEST, cmd, msg or {})
            while True:
                ptype, name, body = c.recv()
                if ptype == _EVENT:
                    events.append(body)
                    continue
                if ptype == _CMD_UNKNOWN:
                    raise ViciError(f"unknown vici command {cmd}")
                if ptype == _CMD_RESPONSE:
                    return body, events
        finally:
            c.close()

    def _check(self, cmd: str, body: dict) -> dict:
        if body.get("success") == "no":
            raise ViciError(f"{cmd}: {body.get('errmsg', 'failed')}")
        return body

    # -- commands ------------------------------------------------------------------------------------------
    def version(self) -> dict:
        return self.request("version")[0]

    def stats(self) -> dict:
        return self.request("stats")[0]

    def initiate(self, ike: str, child: str | None = None, timeout_ms: int = 15000) -> tuple[bool, list[str], str]:
        """Blocking initiate: (success, control-log lines, errmsg)."""
        msg = {"ike": ike, "timeout": timeout_ms, "init-limits": "no"}
        if child:
            msg["child"] = child
        body, logs = self.request("initiate", msg, stream="control-log", timeout=timeout_ms / 1000 + 10)
        lines = [e.get("msg", "") for e in logs]
        return body.get("success") == "yes", lines, body.get("errmsg", "")

    def terminate(self, ike: str | None = None, ike_id: str | int | None = None, child: str | None = None,
                  timeout_ms: int = 10000, force: bool = False) -> tuple[bool, list[str]]:
        msg: dict = {"timeout": timeout_ms}
        if ike:
            msg["ike"] = ike
        if ike_id is not None:
            msg["ike-id"] = str(ike_id)
        if child:
            msg["child"] = child
        if force:
            msg["force"] = "yes"
        body, logs = self.request("terminate", msg, stream="control-log", timeout=timeout_ms / 1000 + 10)
        return body.get("success") == "yes", [e.get("msg", "") for e in logs]

    def rekey(self, ike: str | None = None, child: str | None = None, ike_id=None, child_id=None) -> int:
        msg: dict = {}
        for k, v in (("ike", ike), ("child", child), ("ike-id", ike_id), ("child-id", child_id)):
            if v is not None:
                msg[k] = str(v)
        return int(self._check("rekey", self.request("rekey", msg)[0]).get("matches", "0"))

    def list_sas(self, ike: str | None = None) -> dict[str, dict]:
        """{ike_name: sa_dict} (several SAs of one name: the last one wins; use list_sa_list for all)."""
        out: dict[str, dict] = {}
        for name, sa in self.list_sa_list(ike):
            out[name] = sa
        return out

    def list_sa_list(self, ike: str | None = None) -> list[tuple[str, dict]]:
        msg = {"ike": ike} if ike else {}
        _, events = self.request("list-sas", msg, stream="list-sa")
        return [(name, sa) for ev in events for name, sa in ev.items()]

    def terminate_all(self, timeout_ms: int = 3000) -> None:
        for name, sa in self.list_sa_list():
            self.terminate(ike_id=sa.get("uniqueid"), timeout_ms=timeout_ms, force=True)

    def load_conn(self, name: str, conn: dict) -> None:
        self._check("load-conn", self.request("load-conn", {name: conn})[0])

    def load_shared(self, secret: str, owners: list[str], kind: str = "IKE", sid: str | None = None) -> None:
        msg = {"type": kind, "data": secret, "owners": owners}
        if sid:
            msg["id"] = sid
        self._check("load-shared", self.request("load-shared", msg)[0])


class Events:
    """A registered vici event stream, read by a background thread; `wait()` replaces sleeps."""

    def __init__(self, path: str | Path, names=("ike-updown", "child-updown", "ike-rekey", "child-rekey")):
        self.conn = _Conn(str(path), 10.0)
        for n in names:
            self.conn.send(_EVENT_REGISTER, n)
            ptype, _, _ = self.conn.recv()
            if ptype != _EVENT_CONFIRM:
                raise ViciError(f"cannot register vici event {n}")
        self.conn.sock.settimeout(None)
        self.events: list[tuple[float, str, dict]] = []
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()

    def _reader(self):
        try:
            while True:
                ptype, name, body = self.conn.recv()
                if ptype == _EVENT:
                    with self.cond:
                        self.events.append((time.monotonic(), name, body))
                        self.cond.notify_all()
        except (ViciError, OSError):
            with self.cond:
                self.closed = True
                self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.events)

    def wait(self, name: str, pred=lambda body: True, timeout: float = 10.0, since: int = 0) -> dict:
        """First event `name` at index >= since whose body satisfies pred; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self.cond:
            idx = since
            while True:
                while idx < len(self.events):
                    _, n, body = self.events[idx]
                    idx += 1
                    if n == name and pred(body):
                        return body
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    seen = [n for _, n, _ in self.events[since:]]
                    raise TimeoutError(f"no vici event {name} within {timeout}s (saw {seen})")
                self.cond.wait(left)

    def close(self):
        self.closed = True
        self.conn.close()


def ike_up(conn_name: str | None = None):
    """Predicate for ike-updown/child-updown bodies: an SA (of conn_name) went up."""
    def pred(body):
        return body.get("up") == "yes" and any(isinstance(sa, dict) and (conn_name is None or n == conn_name)
                                               for n, sa in body.items())
    return pred


def ike_down(conn_name: str | None = None):
    def pred(body):
        return body.get("up") != "yes" and any(isinstance(sa, dict) and (conn_name is None or n == conn_name)
                                               for n, sa in body.items())
    return pred


# ---------------------------------------------------------------------------------------------------------
# configuration text
# ---------------------------------------------------------------------------------------------------------

def render(tree: dict, indent: int = 0) -> str:
    """Nested dict -> strongswan.conf / swanctl.conf syntax."""
    pad = "    " * indent
    out = []
    for k, v in tree.items():
        if isinstance(v, dict):
            out.append(f"{pad}{k} {{")
            out.append(render(v, indent + 1))
            out.append(f"{pad}}}")
        else:
            if isinstance(v, bool):
                v = "yes" if v else "no"
            elif isinstance(v, (list, tuple)):
                v = ", ".join(str(x) for x in v)
            out.append(f"{pad}{k} = {v}")
    return "\n".join(x for x in out if x != "")


PLUGINS = ("random nonce openssl kdf pem pkcs1 pkcs8 x509 pubkey revocation constraints "
           "kernel-libipsec kernel-netlink socket-default vici attr updown")


def strongswan_conf(role: str, log_level: int = 1, extra: dict | None = None) -> dict:
    """charon settings for a client (role "client") or a responder (role "responder"); /run is per instance."""
    charon: dict = {
        "load": PLUGINS,
        "port": 500,
        "port_nat_t": 4500,
        "install_routes": "yes" if role == "client" else "no",
        "install_virtual_ip": "yes" if role == "client" else "no",
        "retransmit_tries": 2,
        "retransmit_timeout": 1.0,
        "retransmit_base": 1.4,
        "block_threshold": 100000,
        "cookie_threshold": 100000,
        "cookie_threshold_ip": 100000,
        "init_limit_half_open": 0,
        "threads": 16,
        "ikesa_table_size": 1024,
        "ikesa_table_segments": 16,
        "filelog": {"log": {"path": "/run/charon.log", "time_format": "%H:%M:%S", "flush_line": "yes",
                            "default": log_level, "ike": log_level + 1 if log_level > 0 else 0,
                            "cfg": log_level, "knl": log_level}},
        "syslog": {"daemon": {"default": -1}},
        "plugins": {
            "vici": {"socket": "unix:///run/charon.vici"},
            "kernel-netlink": {"roam_events": "no"},
            "kernel-libipsec": {"allow_peer_ts": "yes"},
        },
    }
    if extra:
        _merge(charon, extra)
    return {"charon": charon}


def _merge(a: dict, b: dict) -> None:
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(a.get(k), dict):
            _merge(a[k], v)
        else:
            a[k] = v


# ---------------------------------------------------------------------------------------------------------
# EAP: clients and the strongSwan NAS (eap-radius)
# ---------------------------------------------------------------------------------------------------------

EAP_PLUGINS = "eap-identity eap-md5 eap-mschapv2 eap-tls"
EAP_CLIENT_PLUGINS = f"{PLUGINS} {EAP_PLUGINS}"
NAS_PLUGINS = f"{PLUGINS} {EAP_PLUGINS} eap-radius"
RADIUS_FQDN = "radius.flex.lab"       # FreeRADIUS's EAP-TLS server certificate (freeradius.EapTls.from_pki)
EAP_METHODS = ("md5", "mschapv2", "tls")


def eap_client_conf(log_level: int = 1, extra: dict | None = None) -> dict:
    """strongswan.conf of a client that can do EAP (the eap-* peer plugins loaded)."""
    conf = strongswan_conf("client", log_level, extra)
    conf["charon"]["load"] = EAP_CLIENT_PLUGINS
    return conf


def eap_client_conn(method: str, eap_id: str, *, ike_id: str | None = None, cert: str | None = None,
                    windows_like: bool = False, client_ip: str = "172.16.1.1", group: int = 14,
                    cipher: str = "aes-cbc", vip: bool = True, remote: str = "172.16.1.2",
                    server_id: str = ROUTER_FQDN, aaa_id: str = RADIUS_FQDN, kind: str = "rsa") -> dict:
    """One initiator connection authenticating itself with EAP (`method`: md5 | mschapv2 | tls) as `eap_id`
    (the answer to the server's EAP-Identity request and the method's user name), the server by its
    certificate (pubkey, the tests' `kind` CA) with identity `server_id`.

    * ike_id: the IKE identity (IDi), default `eap_id`;  windows_like=True: IDi = `client_ip` (an
      IPv4_ADDR identity, as Windows sends) and any server identity (Windows checks the certificate only);
    * eap-tls: `cert` is this client's certificate file name in x509/ (Pki.install names it
      "<fqdn>-<kind>.crt"), and the EAP server (FreeRADIUS) must show a certificate for `aaa_id`.
    """
    if method not in EAP_METHODS:
        raise ValueError(f"EAP method {method!r}: one of {EAP_METHODS}")
    ike, esp = CIPHERS[cipher]
    local: dict = {"auth": f"eap-{method}", "id": client_ip if windows_like else (ike_id or eap_id),
                   "eap_id": eap_id}
    if method == "tls":
        if not cert:
            raise ValueError("eap-tls needs the client's certificate file (cert=...)")
        local["certs"] = cert
    conn: dict = {
        "version": 2,
        "remote_addrs": remote,
        "proposals": f"{ike}-{DH_GROUPS[group]}",
        "rekey_time": "0",
        "dpd_delay": "0",
        "mobike": "no",
        "send_certreq": "yes",
        "local": local,
        "remote": {"auth": "pubkey", "cacerts": f"{kind}-ca.crt", "id": "%any" if windows_like else server_id},
        "children": {"net": {"remote_ts": INSIDE_NET, "esp_proposals": esp, "rekey_time": "0",
                             "start_action": "none"}},
    }
    if method == "tls":
        conn["local"]["aaa_id"] = aaa_id
    if vip:
        conn["vips"] = "0.0.0.0"
    return conn


def eap_secret(eap_id: str, password: str) -> dict:
    """A swanctl.conf `secrets` entry for EAP-MD5 / EAP-MSCHAPv2 (key it as "eap-<something>")."""
    return {"id": eap_id, "secret": f'"{password}"'}


def nas_strongswan_conf(radius: str = "172.16.1.3", secret: str = "radius_key", auth_port: int = 1645,
                        acct_port: int = 1646, accounting: bool = True, log_level: int = 1,
                        extra: dict | None = None) -> dict:
    """strongswan.conf of the strongSwan NAS: a responder with eap-radius to `radius` (the book's ports),
    charon asking the EAP identity itself (eap_start = no: like IOS `authentication remote eap
    query-identity`) and RADIUS accounting (Start/Stop with the EAP identity as User-Name)."""
    conf = strongswan_conf("responder", log_level, extra)
    ch = conf["charon"]
    ch["load"] = NAS_PLUGINS
    ch["plugins"]["eap-radius"] = {
        "servers": {"freeradius": {"address": radius, "secret": secret, "auth_port": auth_port,
                                   "acct_port": acct_port, "nas_identifier": "strongswan-nas"}},
        "accounting": "yes" if accounting else "no",
        "eap_start": "no",
        "retransmit_tries": 3,
        "retransmit_timeout": 2.0,
        "class_group": "no",
    }
    return conf


def nas_responder_conf(pool: str = POOL, kind: str = "rsa") -> dict:
    """swanctl.conf of the strongSwan NAS: the router's certificate (`kind`) for itself, every peer
    authenticated by EAP through RADIUS (eap-radius, any IKE identity, any EAP identity); connection "eap"
    gives addresses from `pool` and "eapip" (peers whose IKE identity is in *.ip.flex.lab) the
    Framed-IP-Address of the Access-Accept (`pools = radius`)."""
    groups = "-".join(DH_GROUPS[g] for g in (14, 19, 20, 21, 31))
    proposals = [f"aes256-aes128-sha256-sha384-sha1-{groups}", f"aes256gcm16-aes128gcm16-prfsha256-prfsha384-{groups}"]
    esp = ["aes256-aes128-sha256-sha1", "aes256gcm16-aes128gcm16"]

    def conn(pools: str, remote_id: str | None = None) -> dict:
        remote: dict = {"auth": "eap-radius", "eap_id": "%any"}
        if remote_id:
            remote["id"] = remote_id
        return {
            "version": 2, "local_addrs": "172.16.1.2", "proposals": proposals, "pools": pools,
            "unique": "never", "rekey_time": "0", "dpd_delay": "0", "send_certreq": "no",
            "local": {"auth": "pubkey", "certs": f"{ROUTER_FQDN}-{kind}.crt", "id": ROUTER_FQDN},
            "remote": remote,
            "children": {"net": {"local_ts": INSIDE_NET, "esp_proposals": esp, "rekey_time": "0"}},
        }

    return {
        "connections": {"eapip": conn("radius", "*.ip.flex.lab"), "eap": conn("eappool")},
        "pools": {"eappool": {"addrs": pool, "dns": "10.0.0.53"}},
    }


def ike_proposal(group: int = 14, cipher: str = "aes-cbc") -> str:
    return f"{CIPHERS[cipher][0]}-{DH_GROUPS[group]}"


def client_conn(kind: str, local_id: str, *, group: int = 14, cipher: str = "aes-cbc",
                ike_rekey: str = "0", child_rekey: str = "0", dpd: str = "0", vip: bool = True,
                remote: str = "172.16.1.2") -> dict:
    """One initiator connection: kind psk|rsa|ecdsa, FQDN identity, `vips = 0.0.0.0` (virtual IP request)."""
    ike, esp = CIPHERS[cipher]
    conn: dict = {
        "version": 2,
        "remote_addrs": remote,
        "proposals": f"{ike}-{DH_GROUPS[group]}",
        "rekey_time": ike_rekey,
        "dpd_delay": dpd,
        "mobike": "no",                            # IOS has no MOBIKE: DPD is a plain empty INFORMATIONAL
        "local": {"auth": "psk", "id": local_id},
        "remote": {"auth": "psk", "id": ROUTER_FQDN},
        "children": {"net": {"remote_ts": INSIDE_NET, "esp_proposals": esp, "rekey_time": child_rekey,
                             "start_action": "none", "dpd_action": "clear"}},
    }
    if ike_rekey != "0":
        conn["rand_time"] = "0"
        conn["over_time"] = "30s"              # the default (10 % of rekey_time) would close it at once
    if child_rekey != "0":
        conn["children"]["net"]["rand_time"] = "0"
        conn["children"]["net"]["life_time"] = "30s"   # soft expiry = rekey, never the hard one in a test
    if vip:
        conn["vips"] = "0.0.0.0"
    if kind in ("rsa", "ecdsa"):
        conn["send_certreq"] = "yes"
        conn["local"] = {"auth": "pubkey", "certs": f"{local_id}-{kind}.crt", "id": local_id}
        conn["remote"] = {"auth": "pubkey", "cacerts": f"{kind}-ca.crt", "id": ROUTER_FQDN}
    return conn


def psk_client(host, work: Path, local_id: str, *, name: str = "c1", group: int = 19) -> "Charon":
    """A client charon (not started) with one PSK connection `name` (client_conn) and its key for the router's
    identity; `with psk_client(...) as ch:` starts and stops it."""
    swanctl = {"connections": {name: client_conn("psk", local_id, group=group)},
               "secrets": {f"ike-{name}": {"id-a": local_id, "id-b": ROUTER_FQDN, "secret": f'"{PSK}"'}}}
    return Charon(host, work, "client", strongswan_conf("client"), swanctl)


def responder_conf(pool: str = POOL, bench_pool: str = "10.32.0.0/16") -> dict:
    """The strongSwan responder standing in for the router (baseline): same identities, pool and proposals
    as the iosflex startup-config the tests use."""
    groups = "-".join(DH_GROUPS[g] for g in (14, 19, 20, 21, 31))
    proposals = [f"aes256-aes128-sha256-sha384-sha1-{groups}", f"aes256gcm16-aes128gcm16-prfsha256-prfsha384-{groups}"]
    esp = ["aes256-aes128-sha256-sha1", "aes256gcm16-aes128gcm16"]

    def conn(kind: str, domain: str, pools: str = "flexpool") -> dict:
        c = {
            "version": 2, "local_addrs": "172.16.1.2", "proposals": proposals, "pools": pools,
            "unique": "never", "rekey_time": "0", "dpd_delay": "0",
            "local": {"auth": "psk", "id": ROUTER_FQDN},
            "remote": {"auth": "psk", "id": f"*.{domain}"},
            "children": {"net": {"local_ts": INSIDE_NET, "esp_proposals": esp, "rekey_time": "0"}},
        }
        if kind != "psk":
            c["send_certreq"] = "no"
            c["local"] = {"auth": "pubkey", "certs": f"{ROUTER_FQDN}-{kind}.crt", "id": ROUTER_FQDN}
            c["remote"] = {"auth": "pubkey", "cacerts": f"{kind}-ca.crt", "id": f"*.{domain}"}
        return c

    return {
        "connections": {
            "psk": conn("psk", "psk.flex.lab"),
            "rsa": conn("rsa", "rsa.flex.lab"),
            "ecdsa": conn("ecdsa", "ecdsa.flex.lab"),
            "bench": conn("psk", "bench.flex.lab", "benchpool"),
        },
        "pools": {"flexpool": {"addrs": pool, "dns": "10.0.0.53"}, "benchpool": {"addrs": bench_pool}},
        "secrets": {"ike-router": {"id": ROUTER_FQDN, "secret": f'"{PSK}"'}},
    }


# ---------------------------------------------------------------------------------------------------------
# charon process
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Charon:
    """One charon in `host.ns`, files under `workdir` (run/ bind-mounted over /run inside the namespace)."""
    host: Host
    workdir: Path
    role: str = "client"                       # "client" | "responder"
    conf: dict = field(default_factory=dict)   # strongswan.conf tree
    swanctl: dict = field(default_factory=dict)
    proc: subprocess.Popen | None = None

    @property
    def run_dir(self) -> Path:
        return self.workdir / "run"

    @property
    def swanctl_dir(self) -> Path:
        return self.workdir / "swanctl"

    @property
    def vici_path(self) -> Path:
        return self.run_dir / "charon.vici"

    @property
    def log_path(self) -> Path:
        return self.run_dir / "charon.log"

    @property
    def pid(self) -> int | None:
        try:
            return int((self.run_dir / "charon.pid").read_text().strip())
        except (OSError, ValueError):
            return self.proc.pid if self.proc else None

    def start(self, timeout: float = 10.0) -> "Charon":
        require_strongswan()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.swanctl_dir.mkdir(parents=True, exist_ok=True)
        for f in ("charon.pid", "charon.vici", "charon.ctl"):
            (self.run_dir / f).unlink(missing_ok=True)
        self.log_path.write_text("")
        conf_file = self.workdir / "strongswan.conf"
        conf_file.write_text(render(self.conf or strongswan_conf(self.role)) + "\n")
        self.write_swanctl()
        env = dict(os.environ, STRONGSWAN_CONF=str(conf_file))
        out = open(self.workdir / "charon.stdout", "wb")
        self.proc = popen_in_ns(self.host.ns, ["sh", "-c", 'mount --bind "$0" /run && cd /run && exec "$1"',
                                               str(self.run_dir), CHARON],
                                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self.vici_path.exists():
                try:
                    Vici(self.vici_path, 2).version()
                    break
                except (OSError, ViciError):
                    pass
            time.sleep(0.02)
        else:
            self.stop()
            raise RuntimeError(f"charon in {self.host.ns} did not come up: {self.tail()}")
        if self.proc.poll() is not None:
            raise RuntimeError(f"charon in {self.host.ns} exited {self.proc.returncode}: {self.tail()}")
        self.load_all()
        return self

    def write_swanctl(self) -> None:
        (self.swanctl_dir / "swanctl.conf").write_text(render(self.swanctl) + "\n")

    def load_all(self) -> str:
        cp = subprocess.run([SWANCTL, "--load-all", "--noprompt", "--uri", f"unix://{self.vici_path}"],
                            env=dict(os.environ, SWANCTL_DIR=str(self.swanctl_dir)),
                            capture_output=True, text=True, timeout=30)
        if cp.returncode != 0:
            raise RuntimeError(f"swanctl --load-all failed in {self.host.ns}: {cp.stdout}{cp.stderr}")
        return cp.stdout

    def reload(self) -> str:
        self.write_swanctl()
        return self.load_all()

    def swanctl_cmd(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([SWANCTL, *args, "--uri", f"unix://{self.vici_path}"],
                              env=dict(os.environ, SWANCTL_DIR=str(self.swanctl_dir)),
                              capture_output=True, text=True, timeout=30)

    @property
    def vici(self) -> Vici:
        return Vici(self.vici_path)

    def events(self) -> Events:
        return Events(self.vici_path)

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)

    def __enter__(self) -> "Charon":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n: int = 40) -> str:
        parts = []
        for f in (self.workdir / "charon.stdout", self.log_path):
            try:
                parts.append("".join(f.read_text(errors="replace").splitlines(True)[-n:]))
            except OSError:
                pass
        return "\n".join(parts)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_log(self, needle: str, timeout: float = 10.0, start: int = 0) -> int:
        """Wait until `needle` appears in the log after byte offset `start`; returns the offset after it."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.log_text()
            i = text.find(needle, start)
            if i >= 0:
                return i + len(needle)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{needle!r} not in {self.log_path} within {timeout}s")
            time.sleep(0.05)

    def log_size(self) -> int:
        return len(self.log_text())

    def cpu_ms(self) -> float:
        return proc_cpu_ms(self.pid)

    def rss_kb(self) -> int:
        return proc_rss_kb(self.pid)


def proc_cpu_ms(pid: int | None) -> float:
    """utime+stime of a process (all threads) in milliseconds."""
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def proc_rss_kb(pid: int | None) -> int:
    if not pid:
        return 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def clean_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)

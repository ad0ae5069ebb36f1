"""iosflex as the router under test, running as a real host inside the router namespace.

`IosflexRouter(host, workdir, startup, setup).start()` starts this file as a script inside `host.ns`
(`ip netns exec NS python router.py ...`).  The script builds the router from the startup-config, types the
`setup` lines at a privileged session (the IOS `crypto pki import ... pem terminal` flows for the
certificates: IOS keeps keys out of the running-config, so they are entered as a user would), starts the
IKEv2 driver on Ethernet0/0 bound to the namespace's eth0 (`iosflex.crypto.driver.start`), and serves a
small control socket (one exec command per line, answer ends with a NUL line) so the tests can run `show
crypto ikev2 sa` or `clear crypto session` on the live router.  Debug/log lines go to stderr (a file).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__:
    from .netns import Host, popen_in_ns, stop_process
    from .strongswan import PSK, ROUTER_FQDN, proc_cpu_ms, proc_rss_kb

END = "\x00"

# ---------------------------------------------------------------------------------------------------------
# the router's configuration for the interop scenarios (same identities, pool and proposals as the
# strongSwan responder in strongswan.responder_conf)
# ---------------------------------------------------------------------------------------------------------


def ios_startup_config() -> str:
    return f"""!
hostname Router
!
aaa new-model
aaa authorization network local_list local
!
username cisco privilege 15 password 0 cisco
!
crypto ikev2 proposal PROP-CBC
 encryption aes-cbc-256 aes-cbc-128
 integrity sha256 sha384 sha1
 group 14 19 20 21 31
!
crypto ikev2 proposal PROP-GCM
 encryption aes-gcm-256 aes-gcm-128
 prf sha256 sha384
 group 14 19 20 21 31
!
crypto ikev2 policy POLICY
 proposal PROP-CBC
 proposal PROP-GCM
!
crypto ikev2 authorization policy default
 pool flexpool
 dns 10.0.0.53
 route set interface
!
crypto ikev2 authorization policy bench
 pool benchpool
!
crypto pki trustpoint TP-RSA
 enrollment terminal pem
 revocation-check none
!
crypto pki trustpoint TP-ECDSA
 enrollment terminal pem
 revocation-check none
!
crypto ikev2 profile PSK
 match identity remote fqdn domain psk.flex.lab
 identity local fqdn {ROUTER_FQDN}
 authentication remote pre-share key {PSK}
 authentication local pre-share key {PSK}
 aaa authorization group psk list local_list default
 virtual-template 1
!
crypto ikev2 profile RSA
 match identity remote fqdn domain rsa.flex.lab
 identity local fqdn {ROUTER_FQDN}
 authentication remote rsa-sig
 authentication local rsa-sig
 pki trustpoint TP-RSA
 aaa authorization group cert list local_list default
 virtual-template 1
!
crypto ikev2 profile ECDSA
 match identity remote fqdn domain ecdsa.flex.lab
 identity local fqdn {ROUTER_FQDN}
 authentication remote ecdsa-sig
 authentication local ecdsa-sig
 pki trustpoint TP-ECDSA
 aaa authorization group cert list local_list default
 virtual-template 1
!
crypto ikev2 profile BENCH
 match identity remote fqdn domain bench.flex.lab
 identity local fqdn {ROUTER_FQDN}
 authentication remote pre-share key {PSK}
 authentication local pre-share key {PSK}
 aaa authorization group psk list local_list bench
 virtual-template 1
!
crypto ipsec transform-set TS-CBC esp-aes 256 esp-sha256-hmac
 mode tunnel
crypto ipsec transform-set TS-GCM esp-gcm 256
 mode tunnel
!
crypto ipsec profile FLEX
 set transform-set TS-CBC TS-GCM
!
interface Loopback0
 ip address 10.0.0.1 255.255.255.255
!
interface Ethernet0/0
 ip address 172.16.1.2 255.255.255.0
 no shutdown
!
interface Virtual-Template1 type tunnel
 ip unnumbered Loopback0
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile FLEX
!
ip local pool flexpool 10.10.10.1 10.10.10.254
ip local pool benchpool 10.32.0.1 10.32.255.254
!
line vty 0 4
 login local
!
end
"""


EAP_POOL = ("eappool", "10.30.0.1", "10.30.0.254")     # a second pool, named by FreeRADIUS's Framed-Pool


def ios_eap_config(secret: str = "radius_key", timeout: int = 45, policy: str = "default",
                   radius: str = "172.16.1.3") -> str:
    """The chapter's FlexVPN EAP server: profile `ikev2_profile` matching any remote identity, the router
    authenticated by its RSA certificate (TP-RSA), the peer by EAP relayed to RADIUS (query-identity, the
    given EAP timeout), the user's Access-Accept attributes cached for authorization, the local policy
    `policy` for the group, accounting start-stop to the same RADIUS group; plus `ip local pool eappool`."""
    return f"""
aaa authentication login authen_list_radius group radius_group
aaa accounting network acct_list start-stop group radius_group
!
aaa group server radius radius_group
 server name radius_server
!
radius server radius_server
 address ipv4 {radius} auth-port 1645 acct-port 1646
 key {secret}
!
crypto ikev2 profile ikev2_profile
 match identity remote any
 identity local fqdn {ROUTER_FQDN}
 authentication local rsa-sig
 authentication remote eap query-identity
 authentication remote eap timeout {timeout}
 pki trustpoint TP-RSA
 aaa authentication eap authen_list_radius
 aaa authorization group eap list local_list {policy}
 aaa authorization user eap cached
 aaa accounting eap acct_list
 virtual-template 1
!
ip local pool {EAP_POOL[0]} {EAP_POOL[1]} {EAP_POOL[2]}
!
"""


def eap_startup_config(**kw) -> str:
    """ios_startup_config() without its IKEv2 profiles (the EAP profile matches any identity: no other
    profile may compete), plus ios_eap_config(**kw).  The certificates come with pki_import_lines()."""
    import re

    base = re.sub(r"^crypto ikev2 profile \S+\n(?: .*\n)*!\n", "", ios_startup_config(), flags=re.M)
    return base.replace("\nend\n", ios_eap_config(**kw) + "end\n")


def pki_import_lines(pki, password: str = "cisco123") -> list[str]:
    """IOS's own flow, as typed at the console: `crypto pki import TP pem terminal password PW`, then the CA
    certificate, the encrypted private key and the router certificate, each ended by `quit`."""
    lines = ["configure terminal"]
    for kind, tp in (("rsa", "TP-RSA"), ("ecdsa", "TP-ECDSA")):
        cert = pki.router[kind]
        lines.append(f"crypto pki import {tp} pem terminal password {password}")
        for pem in (pki.ca[kind].cert_pem, cert.key_pem_encrypted(password), cert.cert_pem):
            lines += pem.decode().strip().splitlines()
            lines.append("quit")
    lines.append("end")
    return lines


# ---------------------------------------------------------------------------------------------------------
# the test side
# ---------------------------------------------------------------------------------------------------------

@dataclass
class IosflexRouter:
    host: "Host"
    workdir: Path
    startup: str = field(default_factory=ios_startup_config)
    setup: list[str] = field(default_factory=list)
    debug: bool = True
    listen: list[str] = field(default_factory=list)     # empty: the driver resolves --bind (pyroute2)
    dataplane: str | None = None                         # "tun": iosflex --dataplane tun (docs/DATAPLANE.md)
    smart_dpd: tuple[int, int, int, int] | None = None   # (client dpd-interval, quiet, retry, tries): see main()
    proc: subprocess.Popen | None = None

    @property
    def control_path(self) -> Path:
        return self.workdir / "control.sock"

    @property
    def log_path(self) -> Path:
        return self.workdir / "iosflex.log"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self, timeout: float = 30.0) -> "IosflexRouter":
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "startup-config").write_text(self.startup)
        (self.workdir / "setup.txt").write_text("\n".join(self.setup) + "\n")
        self.control_path.unlink(missing_ok=True)
        (self.workdir / "ready").unlink(missing_ok=True)
        log = open(self.log_path, "wb")
        repo = str(Path(__file__).resolve().parents[2])  # the checkout under test, installed or not
        env = dict(os.environ, IOSFLEX_HOME=str(self.workdir), PYTHONUNBUFFERED="1",
                   PYTHONPATH=os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")])))
        args = [sys.executable, str(Path(__file__).resolve()), "--workdir", str(self.workdir),
                "--bind", f"Ethernet0/0={self.host.dev}"]
        if self.debug:
            args.append("--debug")
        for addr in self.listen:
            args += ["--listen", addr]
        if self.dataplane:
            args += ["--dataplane", self.dataplane]
        if self.smart_dpd:
            args += ["--smart-dpd", ",".join(str(int(v)) for v in self.smart_dpd)]
        self.proc = popen_in_ns(self.host.ns, args, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + timeout
        while not (self.workdir / "ready").exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"iosflex exited {self.proc.returncode} before listening:\n{self.tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"iosflex did not start listening within {timeout}s:\n{self.tail()}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)

    def __enter__(self) -> "IosflexRouter":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, n: int = 60) -> str:
        try:
            return "".join(self.log_path.read_text(errors="replace").splitlines(True)[-n:])
        except OSError:
            return ""

    def exec(self, command: str, timeout: float = 20.0) -> str:
        """Run one exec-mode command on the live router (privileged) and return what it prints."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(str(self.control_path))
            s.sendall(command.encode() + b"\n")
            buf = b""
            while not buf.endswith(END.encode() + b"\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk
            return buf.decode(errors="replace").rstrip("\n").rstrip(END)
        finally:
            s.close()

    def exec_many(self, commands: list[str], timeout: float = 20.0) -> list[str]:
        """Several commands on one control session (so `configure terminal` carries over); each one's output."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        outs = []
        try:
            s.connect(str(self.control_path))
            buf = b""
            for command in commands:
                s.sendall(command.encode() + b"\n")
                while (END.encode() + b"\n") not in buf:
                    chunk = s.recv(65536)
                    if not chunk:
                        return outs
                    buf += chunk
                one, _, buf = buf.partition(END.encode() + b"\n")
                outs.append(one.decode(errors="replace").rstrip("\n"))
            return outs
        finally:
            s.close()

    def exec_config(self, lines: list[str]) -> list[str]:
        """Configuration lines typed at `(config)#`; returns the outputs (an error line starts with %)."""
        return self.exec_many(["configure terminal", *lines, "end"])

    def cpu_ms(self) -> float:
        return proc_cpu_ms(self.pid)

    def rss_kb(self) -> int:
        return proc_rss_kb(self.pid)


# ---------------------------------------------------------------------------------------------------------
# the launcher, running inside the router namespace
# ---------------------------------------------------------------------------------------------------------

async def _serve(args) -> int:
    from iosflex import heap, logbus
    from iosflex.crypto import driver
    from iosflex.router import Router

    work = Path(args.workdir)
    if args.smart_dpd:
        _scale_smart_dpd(args.smart_dpd)
    router = Router(work / "startup-config")
    for rej in router.load_startup():
        print(f"% startup-config line {rej.lineno}: {rej.line.strip()} {' '.join(rej.error)}", file=sys.stderr)
    logbus.bus(router).attach("launcher", lambda line: print(line, file=sys.stderr, flush=True))
    session = router.session(length=0, privileged=True, name="launcher")
    setup = (work / "setup.txt").read_text().splitlines() if (work / "setup.txt").exists() else []
    for line in setup:
        for out in session.feed(line):
            if out.startswith("%"):
                print(f"setup: {line[:60]!r}: {out}", file=sys.stderr)
    if args.debug:
        for cmd in ("debug crypto ikev2", "terminal monitor"):
            session.feed(cmd)
    binds = driver.parse_binds(args.bind)
    ports = driver.parse_ports(args.ike_ports)
    dp = {"dataplane": args.dataplane} if args.dataplane else {}
    if args.listen:                     # explicit addresses: no pyroute2 look-up of the bound device
        drv = await driver.start(router, binds, ports, host_addresses=args.listen, **dp)
    else:
        drv = await driver.start(router, binds, ports, **dp)
    print(f"% IKE listening on {sorted(drv.endpoints)}", file=sys.stderr, flush=True)

    async def control(reader, writer):
        ctl = router.session(length=0, privileged=True, name="control")
        try:
            while line := await reader.readline():
                try:
                    out = ctl.feed(line.decode().rstrip("\r\n"))
                    if inspect.isawaitable(out):  # a command that waits for the network (test aaa group)
                        out = await out
                except Exception as exc:  # noqa: BLE001  report, keep serving
                    out = [f"% launcher: {exc!r}"]
                writer.write(("\n".join(out) + "\n" + END + "\n").encode())
                await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_unix_server(control, path=str(work / "control.sock"))
    heap.settle()  # as `iosflex` does once up (iosflex/heap.py): the start-up state frozen, GC thresholds
    (work / "ready").write_text(str(os.getpid()))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    drv.close()
    return 0


def _scale_smart_dpd(spec: str) -> None:
    """--smart-dpd INTERVAL,QUIET,RETRY,TRIES: shorter timers for auto-reconnect's smart DPD (the dpd-interval
    pushed to the client, the silence before the router probes, the seconds between its probes, the unanswered
    probes before the session turns inactive), so that an interop test sees a session go inactive in seconds
    rather than in the 90 s of crypto/reconnect.py's values.  Those values are ours (docs/ANYCONNECT.md); only
    the numbers change here, the code path is the router's own."""
    from iosflex.crypto import reconnect as rc

    names = ("CLIENT_DPD_INTERVAL", "SMART_QUIET", "SMART_RETRY", "SMART_TRIES")
    values = [int(v) for v in spec.split(",")]
    if len(values) != len(names) or not all(hasattr(rc, n) for n in names):
        raise SystemExit(f"--smart-dpd {spec}: crypto/reconnect.py must have {', '.join(names)} (4 values)")
    for name, value in zip(names, values):
        setattr(rc, name, value)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--bind", action="append")
    ap.add_argument("--ike-ports")
    ap.add_argument("--listen", action="append", help="listen on this address instead of resolving --bind")
    ap.add_argument("--debug", action="store_true")
    ap.add_argument("--dataplane")
    ap.add_argument("--smart-dpd", help="INTERVAL,QUIET,RETRY,TRIES: auto-reconnect's smart DPD timers, shortened")
    return asyncio.run(_serve(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())

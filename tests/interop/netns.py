"""Network namespaces for the interop tests: a router, one or more clients and (optionally) a RADIUS host on the
chapter's subnet 172.16.1.0/24, joined by veth pairs to a Linux bridge that lives in a namespace of its own.

    with Lab(clients=2) as lab:                 # or lab = Lab(...).up(); ...; lab.down()
        lab.router.ns      -> "ifx1234a9-r"     172.16.1.2 on eth0
        lab.clients[0].ip  -> "172.16.1.1"      (second client 172.16.1.4, third .5, ...)
        lab.radius.ip      -> "172.16.1.3"      (only with radius=True)
        lab.run(lab.router, ["ip", "addr"])     run a command inside a namespace

Nothing is ever added to the root namespace (the veth pairs are created inside the bridge namespace and one
end is moved into the host namespace), no namespace gets a default route, and IPv6 is off so nothing chatters.
Names carry the creating process id plus a random tag, so parallel runs never clash; `down()` stops every
process still inside the namespaces (by PID, from `ip netns pids`) and deletes them, and it also runs from
atexit and for namespaces left over by a run whose process is gone (`sweep_stale()`).
"""

from __future__ import annotations

import atexit
import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field

SUBNET = "172.16.1"
ROUTER_IP = f"{SUBNET}.2"
RADIUS_IP = f"{SUBNET}.3"
PREFIX = "ifxt"            # every namespace made here starts with this, then the owner pid
_live: list["Lab"] = []


class NetnsError(RuntimeError):
    pass


def client_ip(index: int) -> str:
    """Client 0 is the chapter's 172.16.1.1; further clients take .4, .5, ... (.2 router, .3 RADIUS)."""
    return f"{SUBNET}.1" if index == 0 else f"{SUBNET}.{index + 3}"


def sh(args: list[str], check: bool = True, timeout: float = 20, **kw) -> subprocess.CompletedProcess:
    cp = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and cp.returncode != 0:
        raise NetnsError(f"{' '.join(args)} -> {cp.returncode}: {cp.stderr.strip() or cp.stdout.strip()}")
    return cp


def list_netns() -> list[str]:
    out = sh(["ip", "netns", "list"], check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def ns_pids(ns: str) -> list[int]:
    out = sh(["ip", "netns", "pids", ns], check=False).stdout
    return [int(p) for p in out.split() if p.isdigit()]


def kill_ns_processes(ns: str, grace: float = 3.0) -> None:
    """TERM every process inside `ns`, then KILL what is left after `grace` seconds (by PID only)."""
    pids = ns_pids(ns)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while pids and time.monotonic() < deadline:
        time.sleep(0.05)
        pids = ns_pids(ns)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def delete_netns(ns: str) -> None:
    if ns in list_netns():
        kill_ns_processes(ns)
        sh(["ip", "netns", "del", ns], check=False)


def sweep_stale() -> list[str]:
    """Delete namespaces made by earlier runs whose process no longer exists (e.g. a killed pytest)."""
    gone = []
    for ns in list_netns():
        if not ns.startswith(PREFIX):
            continue
        digits = ns[len(PREFIX):].split("x", 1)[0]
        if digits.isdigit() and not os.path.exists(f"/proc/{digits}"):
            delete_netns(ns)
            gone.append(ns)
    return gone


@dataclass
class Host:
    role: str            # "router", "client1", "client2", "radius"
    ns: str
    ip: str
    dev: str = "eth0"
    switch_port: str = ""

    def __str__(self) -> str:
        return f"{self.role}({self.ns} {self.ip})"


@dataclass
class Lab:
    clients: int = 1
    radius: bool = False
    tag: str = field(default_factory=lambda: f"{PREFIX}{os.getpid()}x{secrets.token_hex(2)}")
    router: Host | None = None
    client_hosts: list[Host] = field(default_factory=list)
    radius_host: Host | None = None
    switch: str = ""
    _made: list[str] = field(default_factory=list)

    # -- life cycle ----------------------------------------------------------------------------------------
    def up(self) -> "Lab":
        sweep_stale()
        _live.append(self)
        try:
            self._build()
        except BaseException:
            self.down()
            raise
        return self

    def _build(self) -> None:
        self.switch = f"{self.tag}-sw"
        self._add_ns(self.switch)
        sh(["ip", "-n", self.switch, "link", "add", "br0", "type", "bridge", "stp_state", "0",
            "forward_delay", "0"])
        sh(["ip", "-n", self.switch, "link", "set", "br0", "up"])
        hosts = [Host("router", f"{self.tag}-r", ROUTER_IP)]
        hosts += [Host(f"client{i + 1}", f"{self.tag}-c{i + 1}", client_ip(i)) for i in range(self.clients)]
        if self.radius:
            hosts.append(Host("radius", f"{self.tag}-rad", RADIUS_IP))
        for n, host in enumerate(hosts):
            host.switch_port = f"p{n}"
            self._add_ns(host.ns)
            # made inside the switch namespace, one end moved: the root namespace never sees either end
            sh(["ip", "-n", self.switch, "link", "add", host.switch_port, "type", "veth", "peer", "name",
                host.dev, "netns", host.ns])
            sh(["ip", "-n", self.switch, "link", "set", host.switch_port, "master", "br0", "up"])
            sh(["ip", "-n", host.ns, "addr", "add", f"{host.ip}/24", "dev", host.dev])
            sh(["ip", "-n", host.ns, "link", "set", host.dev, "up"])
        self.router = hosts[0]
        self.client_hosts = [h for h in hosts if h.role.startswith("client")]
        self.radius_host = hosts[-1] if self.radius else None
        for host in hosts:
            routes = sh(["ip", "-n", host.ns, "route", "show", "default"]).stdout.strip()
            if routes:
                raise NetnsError(f"{host}: unexpected default route {routes!r}")

    def _add_ns(self, ns: str) -> None:
        sh(["ip", "netns", "add", ns])
        self._made.append(ns)
        sh(["ip", "-n", ns, "link", "set", "lo", "up"])
        sh(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1"], check=False)

    def down(self) -> None:
        """Stop everything inside, delete every namespace made; safe to call twice and after a failed up()."""
        for ns in reversed(self._made):
            try:
                delete_netns(ns)
            except Exception:            # keep going: the other namespaces must go too
                pass
        self._made.clear()
        if self in _live:
            _live.remove(self)

    def __enter__(self) -> "Lab":
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()

    # -- helpers -------------------------------------------------------------------------------------------
    @property
    def namespaces(self) -> list[str]:
        return list(self._made)

    def hosts(self) -> list[Host]:
        return [h for h in [self.router, *self.client_hosts, self.radius_host] if h]

    def run(self, host: Host, args: list[str], check: bool = True, timeout: float = 20) -> subprocess.CompletedProcess:
        return sh(["ip", "netns", "exec", host.ns, *args], check=check, timeout=timeout)

    def ping(self, src: Host, dst_ip: str, timeout: float = 2) -> bool:
        return self.run(src, ["ping", "-c1", "-W", str(int(max(1, timeout))), dst_ip], check=False).returncode == 0

    def add_address(self, host: Host, cidr: str, dev: str = "lo") -> None:
        sh(["ip", "-n", host.ns, "addr", "replace", cidr, "dev", dev])

    def udp_listening(self, host: Host, port: int) -> bool:
        out = self.run(host, ["ss", "-Hnlu", f"sport = :{port}"], check=False).stdout
        return bool(out.strip())


@atexit.register
def _cleanup_all() -> None:
    for lab in list(_live):
        lab.down()


def popen_in_ns(ns: str, args: list[str], **kw) -> subprocess.Popen:
    """Start a process inside `ns`; it gets SIGTERM if the starting thread dies (PR_SET_PDEATHSIG)."""

    def _child_setup():
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
        except Exception:
            pass

    return subprocess.Popen(["ip", "netns", "exec", ns, *args], preexec_fn=_child_setup, **kw)


def stop_process(proc: subprocess.Popen, grace: float = 5.0) -> int | None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    return proc.returncode

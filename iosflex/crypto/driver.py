"""The router's network driver: asyncio UDP sockets on IKE's two ports for each listening address, the
RADIUS client's sockets (source ports 1645 and 1646 on the address it sends from, opened on first use), and
the timer; everything they receive goes to `Services` (iosflex/services.py), which returns what to send.

Addresses: the primary `ip address` of every IOS interface that has one and is not shut down (the router
answers IKE on all of them, as IOS does), or the addresses given explicitly (`host_addresses`).  `--bind
IOSNAME=LINUXDEV` maps an IOS interface onto a Linux device: pyroute2 reads the device's IPv4 address and the
IOS interface listens there (and, with `set_address`, the IOS interface's configured address is put on the
device first).  Unprivileged users pass other ports, e.g. `ports=(1500, 14500)`; the engine still thinks of
them as "500" and "4500" (the second port is the NAT-T port with the non-ESP marker).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time

from ..events import Datagram
from ..services import Services

log = logging.getLogger(__name__)

TICK = 0.5  # seconds between timer runs (retransmissions, DPD, lifetimes, half-open expiry)


def interface_addresses(router) -> list[str]:
    """Primary IPv4 addresses of the router's interfaces that are up (not `shutdown`)."""
    out = []
    for iface in router.config.interfaces.ordered():
        if iface.ip_address and not iface.shutdown and iface.type != "Virtual-Access":
            out.append(iface.ip_address[0])
    return out


def linux_device_address(dev: str) -> str | None:
    """The first IPv4 address of Linux device `dev` (pyroute2)."""
    from pyroute2 import IPRoute  # noqa: PLC0415  only needed with --bind

    with IPRoute() as ipr:
        idx = ipr.link_lookup(ifname=dev)
        if not idx:
            raise OSError(f"no such Linux device {dev!r}")
        for msg in ipr.get_addr(index=idx[0], family=socket.AF_INET):
            return msg.get_attr("IFA_ADDRESS")
    return None


def set_linux_device_address(dev: str, address: str, mask: str) -> None:
    """Put the IOS interface's address on the Linux device (needs CAP_NET_ADMIN)."""
    import ipaddress  # noqa: PLC0415

    from pyroute2 import IPRoute  # noqa: PLC0415

    plen = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    with IPRoute() as ipr:
        idx = ipr.link_lookup(ifname=dev)
        if not idx:
            raise OSError(f"no such Linux device {dev!r}")
        existing = [m.get_attr("IFA_ADDRESS") for m in ipr.get_addr(index=idx[0], family=socket.AF_INET)]
        if address not in existing:
            ipr.addr("add", index=idx[0], address=address, prefixlen=plen)
        ipr.link("set", index=idx[0], state="up")


def resolve_binds(router, binds: dict[str, str], set_address: bool = False) -> list[str]:
    """`{"Ethernet0/0": "veth1"}` -> the addresses to listen on.  Without `set_address` the Linux device's
    address wins and is written into the IOS interface when that has none (so `show` agrees with reality);
    with it, the IOS interface's address is configured on the device."""
    out = []
    for ios_name, dev in binds.items():
        iface = router.config.interfaces.by_name(ios_name)
        if iface is None:
            raise ValueError(f"% Invalid interface {ios_name}")
        if set_address and iface.ip_address:
            set_linux_device_address(dev, *iface.ip_address)
            out.append(iface.ip_address[0])
            continue
        addr = linux_device_address(dev)
        if addr is None:
            raise OSError(f"Linux device {dev} has no IPv4 address")
        if iface.ip_address is None:
            iface.ip_address = (addr, "255.255.255.0")
            router.config.interfaces.note_address(iface)
            router.config.changed()
        out.append(addr)
    return out


class _Proto(asyncio.DatagramProtocol):
    def __init__(self, driver: "IkeDriver", local: tuple[str, int]):
        self.driver = driver
        self.local = local  # (address, engine port: 500 or 4500; or a RADIUS source port)
        self.transport: asyncio.DatagramTransport | None = None
        self.backlog: list = []

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.driver._received(data, (addr[0], addr[1]), self.local)
        if self.driver.dataplane is not None and self.local[1] == 4500:
            self.driver._drain(self)

    def error_received(self, exc):  # ICMP unreachable and the like: IKE retransmits, nothing to do
        log.debug("ike socket %s: %s", self.local, exc)


class IkeDriver:
    """Owns the sockets and the timer; `services` holds the sans-I/O cores (`services.crypto` is the IKEv2
    responder, also `router.crypto`)."""

    def __init__(self, router, services: Services, ports: tuple[int, int]):
        self.router = router
        self.services = services
        self.responder = services.crypto
        self.ports = ports  # real (ike, natt) ports
        self.endpoints: dict[tuple[str, int], _Proto] = {}  # (addr, engine port) -> protocol
        self._timer: asyncio.Task | None = None
        self._pending_other: list = []
        self._unbindable: set = set()
        self.sent = 0
        self.received = 0
        self.dataplane = None  # --dataplane tun: interfaces/tun.py TunDataplane, gets the ESP datagrams
        self.listen_addresses: list[str] = []  # where IKE listens; the dynamic-author port opens there too
        self._da_gen = None  # configuration generation the dynamic-author sockets were last matched to
        self._da_endpoints: dict[tuple[str, int], _Proto] = {}

    def _engine_port(self, real: int) -> int:
        return 500 if real == self.ports[0] else 4500

    def _real_port(self, engine: int) -> int:
        return self.ports[0] if engine == 500 else self.ports[1]

    def _received(self, data: bytes, src, local):
        self.received += 1
        if self.dataplane is not None and local[1] == 4500 and len(data) >= 8 and data[:4] != b"\0\0\0\0":
            try:  # ESP (RFC 3948: not the non-ESP marker, not a keepalive): the data plane, not the engine
                self.send(self.dataplane.esp_received(data, src, local, time.monotonic()))
            except Exception:  # noqa: BLE001
                log.exception("data plane raised")
            return
        try:
            out = self.services.receive(data, src, local, time.monotonic())
        except Exception:  # noqa: BLE001  the engine promises not to raise; never let the loop die anyway
            log.exception("engine raised")
            return
        self.send(out)

    DRAIN = 64  # datagrams read per wake-up on port 4500 with a data plane

    def _drain(self, proto: "_Proto") -> None:
        """With a data plane, port 4500 carries the traffic: read what else the socket holds now instead of one
        datagram per turn of the loop (asyncio's datagram transport reads one per wake-up)."""
        sock = getattr(proto.transport, "_sock", None)  # asyncio's own socket; absent: nothing to drain
        if sock is None:
            return
        for _ in range(self.DRAIN):
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ICMP errors and the like: the transport's next read reports them
                return
            self._received(data, (addr[0], addr[1]), proto.local)

    def send(self, datagrams: list[Datagram]):
        for d in datagrams:
            if d.src[1] not in (500, 4500):
                self._send_other(d)
                continue
            proto = self.endpoints.get((d.src[0], d.src[1]))
            if proto is None:  # the engine answered from an address we do not own: use any socket on that port
                proto = next((p for (a, port), p in self.endpoints.items() if port == d.src[1]), None)
            if proto is None or proto.transport is None:
                continue
            proto.transport.sendto(d.data, (d.dst[0], d.dst[1]))
            self.sent += 1

    def _send_other(self, d: Datagram) -> None:
        """A datagram from another local port (the RADIUS client's 1645/1646): its socket is opened on first
        use, bound to the source address and port the core chose, so replies come back to it."""
        proto = self.endpoints.get((d.src[0], d.src[1]))
        if proto is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((d.src[0], d.src[1]))
            except OSError as e:
                sock.close()
                if (d.src[0], d.src[1]) not in self._unbindable:  # once: the RADIUS client will retransmit
                    self._unbindable.add((d.src[0], d.src[1]))
                    log.warning("cannot bind %s:%s for RADIUS: %s (the router's RADIUS requests from that address "
                                "are dropped)", d.src[0], d.src[1], e)
                return
            loop = asyncio.get_running_loop()
            proto = _Proto(self, (d.src[0], d.src[1]))
            self.endpoints[(d.src[0], d.src[1])] = proto
            self._pending_other.append(loop.create_task(self._open(sock, proto, d)))
            return
        if proto.transport is None:
            proto.backlog.append(d)
            return
        proto.transport.sendto(d.data, (d.dst[0], d.dst[1]))
        self.sent += 1

    async def _open(self, sock, proto, first: Datagram):
        proto.backlog = [first]
        await asyncio.get_running_loop().create_datagram_endpoint(lambda: proto, sock=sock)
        _big_buffer(proto.transport)
        for d in proto.backlog:
            proto.transport.sendto(d.data, (d.dst[0], d.dst[1]))
            self.sent += 1
        proto.backlog = []

    def sync_dynauth(self) -> None:
        """`aaa server radius dynamic-author`: a UDP socket on its port at each listening address while it is
        configured; opened, moved and closed as the configuration changes (checked on every timer run, when
        the configuration generation moved)."""
        gen = self.router.config.generation
        if gen == self._da_gen:
            return
        self._da_gen = gen
        port = self.services.dynauth.port()
        addrs = self.listen_addresses or interface_addresses(self.router)
        want = {(a, port) for a in addrs} if port else set()
        for key in [k for k in self._da_endpoints if k not in want]:
            proto = self._da_endpoints.pop(key)
            if self.endpoints.get(key) is proto:
                del self.endpoints[key]
            if proto.transport is not None:
                proto.transport.close()
        loop = asyncio.get_running_loop()
        for key in want - set(self._da_endpoints):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(key)
            except OSError as e:
                sock.close()
                log.warning("cannot bind %s:%s for RADIUS dynamic-author: %s", key[0], key[1], e)
                continue
            proto = _Proto(self, key)
            self._da_endpoints[key] = self.endpoints[key] = proto
            self._pending_other.append(loop.create_task(self._listen(sock, proto)))

    async def _listen(self, sock, proto):
        await asyncio.get_running_loop().create_datagram_endpoint(lambda: proto, sock=sock)
        _big_buffer(proto.transport)

    async def _tick_loop(self):
        while True:
            await asyncio.sleep(TICK)
            try:
                self.sync_dynauth()
                self.send(self.services.tick(time.monotonic()))
            except Exception:  # noqa: BLE001
                log.exception("timer raised")

    def close(self):
        if self.dataplane is not None:
            self.dataplane.close()
            if self.services.dataplane is self.dataplane:
                self.services.dataplane = None
            self.dataplane = None
        if self._timer:
            self._timer.cancel()
            self._timer = None
        for proto in self.endpoints.values():
            if proto.transport:
                proto.transport.close()
        self.endpoints.clear()
        self._da_endpoints.clear()
        if self.services.send == self.send:
            self.services.send = None


async def start(router, binds: dict[str, str] | None = None, ports=(500, 4500), host_addresses=None,
                set_address: bool = False, services: Services | None = None, ike: bool = True,
                dataplane: str | None = None) -> IkeDriver:
    """Listen for IKE on every address of the router (or `host_addresses`, or the `binds`' devices) on
    `ports` (IKE, NAT-T); `router.crypto` becomes the engine so the CLI can show and clear it.  With
    `ike=False` no IKE socket is opened: the router's services still run (RADIUS for vty logins and `test aaa
    group`, its sockets opened on first use, and the timer).  `dataplane="tun"`: ESP is decrypted to a TUN
    device per session (interfaces/tun.py, docs/DATAPLANE.md); without it ESP is counted and dropped."""
    binds = binds or {}
    if not ike:
        addrs = []
    elif host_addresses:
        addrs = list(host_addresses)
    elif binds:
        # pyroute2's synchronous IPRoute refuses to run inside an event loop: look the devices up in a thread
        addrs = await asyncio.get_running_loop().run_in_executor(None, resolve_binds, router, binds, set_address)
    else:
        addrs = interface_addresses(router)
    if ike and not addrs:
        raise OSError("no interface address to listen on for IKE (configure `ip address` or use --bind)")
    if services is None:
        services = router.services or Services(router, rng=os.urandom, clock=time.monotonic,
                                               port_map={500: ports[0], 4500: ports[1]})
    drv = IkeDriver(router, services, tuple(ports))
    services.send = drv.send
    loop = asyncio.get_running_loop()
    try:
        for addr in dict.fromkeys(addrs):
            for real in ports:
                local = (addr, drv._engine_port(real))
                try:
                    _, proto = await loop.create_datagram_endpoint(
                        lambda local=local: _Proto(drv, local), local_addr=(addr, real), reuse_port=False
                    )
                except OSError as e:
                    e.filename = f"{addr}:{real}"  # which endpoint failed, for the error message
                    raise
                _big_buffer(proto.transport)
                drv.endpoints[local] = proto
    except OSError:
        drv.close()
        raise
    if dataplane == "tun":
        from ..interfaces.tun import TunDataplane  # noqa: PLC0415

        drv.dataplane = services.dataplane = TunDataplane(router, services.crypto, drv.send)
    elif dataplane not in (None, "none"):
        drv.close()
        raise ValueError(f"unknown data plane {dataplane!r}")
    drv.listen_addresses = list(dict.fromkeys(addrs))
    drv.sync_dynauth()
    drv._timer = asyncio.ensure_future(drv._tick_loop())
    return drv


RCVBUF = 4 << 20  # bytes


def _big_buffer(transport) -> None:
    """A 4 MiB receive buffer: when hundreds of peers start at once, the default (about 208 KiB) overflows
    while the loop is busy with key exchanges, and each datagram lost costs its peer a retransmission
    (bench/bench_aaa.py saw 45-161 drops a run with two initiators).  The kernel caps it at rmem_max unless
    we are privileged enough for SO_RCVBUFFORCE."""
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return
    for opt in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
        if opt is None:
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, opt, RCVBUF)
            return
        except OSError:
            continue


def parse_binds(values: list[str] | None) -> dict[str, str]:
    """`["Ethernet0/0=veth1", ...]` (the `--bind` option) -> dict."""
    out = {}
    for v in values or ():
        name, sep, dev = v.partition("=")
        if not sep or not name or not dev:
            raise ValueError(f"--bind wants IOSNAME=LINUXDEV, got {v!r}")
        out[name] = dev
    return out


def parse_ports(value: str | None) -> tuple[int, int]:
    """`--ike-ports 1500,14500`."""
    if not value:
        return (500, 4500)
    a, _, b = value.partition(",")
    return (int(a), int(b or 4500))

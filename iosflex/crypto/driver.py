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
import errno
import logging
import os
import select
import socket
import sys
import time
from collections import deque

from ..events import ESP_PORT, Datagram
from ..services import Services

log = logging.getLogger(__name__)

TICK = 0.5  # seconds between timer runs (retransmissions, DPD, lifetimes, half-open expiry)


def interface_addresses(router) -> list[str]:
    """Primary IPv4 addresses and global IPv6 addresses of the router's interfaces that are up (not
    `shutdown`): IKE listens on both families."""
    out = []
    cfg = router.config
    for iface in cfg.interfaces.ordered():
        if iface.shutdown or iface.type == "Virtual-Access":
            continue
        if iface.ip_address:
            out.append(iface.ip_address[0])
        if not iface.ipv6_unnumbered:
            out += [a for a, _ in iface.ipv6_global(cfg)]
    return out


def linux_device_addresses6(dev: str) -> list[tuple[str, int]]:
    """The global IPv6 addresses (address, prefix length) of Linux device `dev` (pyroute2)."""
    from pyroute2 import IPRoute  # noqa: PLC0415

    with IPRoute() as ipr:
        idx = ipr.link_lookup(ifname=dev)
        if not idx:
            raise OSError(f"no such Linux device {dev!r}")
        return [(m.get_attr("IFA_ADDRESS"), m["prefixlen"]) for m in ipr.get_addr(index=idx[0], family=socket.AF_INET6)
                if m["scope"] == 0]


def set_linux_device_address6(dev: str, address: str, plen: int) -> None:
    """Put an IOS interface's IPv6 address on the Linux device, without duplicate address detection (so that
    it can be bound at once)."""
    from pyroute2 import IPRoute  # noqa: PLC0415

    IFA_F_NODAD = 0x02
    with IPRoute() as ipr:
        idx = ipr.link_lookup(ifname=dev)
        if not idx:
            raise OSError(f"no such Linux device {dev!r}")
        ipr.addr("add", index=idx[0], address=address, prefixlen=plen, family=socket.AF_INET6, flags=IFA_F_NODAD)
        ipr.link("set", index=idx[0], state="up")


def _bind_ipv6(router, iface, dev: str) -> list[str]:
    """--bind, IPv6: the interface's global addresses the device lacks are set on it; a device address the
    configuration lacks is written into it (`show` agrees with reality).  Returns the addresses to listen on."""
    import ipaddress  # noqa: PLC0415

    cfg = router.config
    have = {ipaddress.IPv6Address(a): p for a, p in linux_device_addresses6(dev)}
    want = iface.ipv6_global(cfg) if not iface.ipv6_unnumbered else []
    for a, plen in want:
        if ipaddress.IPv6Address(a) not in have:
            set_linux_device_address6(dev, a, plen)
    if not want and have and not iface.ipv6_unnumbered:
        from ..config.ipv6 import v6text  # noqa: PLC0415

        iface.ipv6_addresses = [v6text(f"{a}/{p}") for a, p in have.items()] + iface.ipv6_addresses
        cfg.changed()
        want = iface.ipv6_global(cfg)
    return [a for a, _ in want]


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
        six = _bind_ipv6(router, iface, dev)
        if set_address and iface.ip_address:
            set_linux_device_address(dev, *iface.ip_address)
            out.append(iface.ip_address[0])
            out += six
            continue
        addr = linux_device_address(dev)
        if addr is None and not six:
            raise OSError(f"Linux device {dev} has no IPv4 address")
        if addr is not None and iface.ip_address is None:
            iface.ip_address = (addr, "255.255.255.0")
            router.config.interfaces.note_address(iface)
            router.config.changed()
        if addr is not None:
            out.append(addr)
        out += six
    return out


BURST = 64  # datagrams read from one socket per wakeup, at most (the others get their turn, then it goes on)
MAX_DATAGRAM = 65535  # bytes asked of recvfrom: any UDP payload fits.  Not asyncio's 256 KiB: a buffer over
# glibc's mmap threshold (128 KiB) costs an mmap, mremap and munmap per datagram (20 us against 2.5 us)


UDP_SEGMENT = 103  # linux/udp.h (Python's socket module lacks it): a sendmsg's payload cut into datagrams
GSO = sys.platform.startswith("linux")
GSO_SEGMENTS = 64  # datagrams per sendmsg at most (UDP_MAX_SEGMENTS is 64 on older kernels, 128 since 5.x)
GSO_BYTES = 65000  # octets per sendmsg at most (a UDP payload's limit less the headers)


def epoll_of(fd: int):
    """An epoll of `fd` alone (readable), or None when none can be had (then reads go on until EAGAIN)."""
    try:
        ep = select.epoll()
    except (OSError, AttributeError):  # out of descriptors; not Linux
        return None
    try:
        ep.register(fd, select.EPOLLIN)
    except OSError:
        ep.close()
        return None
    return ep


class _Endpoint:
    """One non-blocking UDP socket, read straight from the event loop's selector: each wakeup drains what is
    queued (up to BURST datagrams), so hundreds of peers arriving at once cost one poll, not one each; sends
    go straight to `sendto`, and only when the kernel's buffer is full do they wait for the socket to become
    writable (in order).  What asyncio's datagram transport did, without its per-datagram layers."""

    def __init__(self, driver: "IkeDriver", local: tuple[str, int], sock: socket.socket):
        self.driver = driver
        self.local = local  # (address, engine port: 500 or 4500; or a RADIUS source port)
        self.sock = sock
        self.backlog: deque = deque()  # (data, addr) waiting for the socket to be writable
        self.gso = GSO  # UDP_SEGMENT for runs of datagrams (sendmany), until the kernel refuses it
        sock.setblocking(False)
        _big_buffer(sock)
        # this socket alone: after the first datagram of a wake-up, `poll(0)` says whether more are queued, so
        # that one datagram per wake-up (a light load) costs no recvfrom raising EAGAIN (0.3 against 1.3 us)
        self._pending = epoll_of(sock.fileno())
        driver.loop.add_reader(sock.fileno(), self._readable)

    def _readable(self):
        driver = self.driver
        recvfrom, received, local = self.sock.recvfrom, driver._received, self.local
        dp = driver.dataplane
        esp_in = dp.esp_in if dp is not None and local[1] == 4500 else None
        first = True
        for _ in range(BURST):
            try:
                data, addr = recvfrom(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # ICMP unreachable and the like: IKE retransmits, nothing to do
                log.debug("ike socket %s: %s", self.local, exc)
                continue
            if esp_in is not None and len(data) >= 8 and data[:4] != b"\0\0\0\0":
                driver.received += 1  # ESP (RFC 3948: not the non-ESP marker, not a keepalive): the data plane
                try:
                    esp_in(data)
                except Exception:  # noqa: BLE001
                    log.exception("data plane raised")
            else:
                received(data, (addr[0], addr[1]), local)
            if first:
                if self._pending is not None and not self._pending.poll(0):
                    return
                first = False

    def sendto(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.backlog:
            try:
                self.sock.sendto(data, addr)
                return
            except (BlockingIOError, InterruptedError):
                self.driver.loop.add_writer(self.sock.fileno(), self._writable)
            except OSError as exc:
                log.debug("ike socket %s: %s", self.local, exc)
                return
        self.backlog.append((data, addr))

    def sendmany(self, datas: list, addr: tuple[str, int]) -> None:
        """`sendto` of each of `datas`, in order, to the same address.  On Linux runs of datagrams of one size
        (the last may be shorter) go in one sendmsg with UDP_SEGMENT: the kernel cuts them into the same
        datagrams, and the stack is walked once per run instead of once per datagram."""
        if self.backlog:
            self.backlog.extend((d, addr) for d in datas)
            return
        if len(datas) == 1:  # the usual case at a light load: `sendto`, inline
            try:
                self.sock.sendto(datas[0], addr)
            except (BlockingIOError, InterruptedError):
                self.driver.loop.add_writer(self.sock.fileno(), self._writable)
                self.backlog.append((datas[0], addr))
            except OSError as exc:
                log.debug("ike socket %s: %s", self.local, exc)
            return
        if self.gso:
            self._send_segmented(datas, addr)
            return
        self._send_each(datas, addr)

    def _send_segmented(self, datas: list, addr: tuple[str, int]) -> None:
        sendmsg, n, i = self.sock.sendmsg, len(datas), 0
        while i < n:
            size = len(datas[i])
            limit = min(GSO_SEGMENTS, GSO_BYTES // size) if size else 1
            j = i + 1
            while j < n and j - i < limit and len(datas[j]) == size:
                j += 1
            if j < n and j - i < limit and 0 < len(datas[j]) < size:
                j += 1  # a shorter one may end the run
            if j - i == 1:
                self._send_each(datas[i:j], addr)
                if self.backlog:
                    self.backlog.extend((d, addr) for d in datas[j:])
                    return
                i = j
                continue
            try:
                sendmsg([b"".join(datas[i:j])], [(socket.SOL_UDP, UDP_SEGMENT, size.to_bytes(2, sys.byteorder))],
                        0, addr)
            except (BlockingIOError, InterruptedError):
                self.driver.loop.add_writer(self.sock.fileno(), self._writable)
                self.backlog.extend((d, addr) for d in datas[i:])
                return
            except OSError as exc:
                if exc.errno in (errno.EINVAL, errno.EIO, errno.EOPNOTSUPP, errno.ENOPROTOOPT, errno.EMSGSIZE):
                    self.gso = False  # not here (device, kernel, path): one sendto each from now on
                    log.debug("ike socket %s: no UDP segmentation (%s)", self.local, exc)
                # the run one by one, as without segmentation (each error logged where it happens)
                self._send_each(datas[i:j], addr)
                if self.backlog:
                    self.backlog.extend((d, addr) for d in datas[j:])
                    return
            i = j

    def _send_each(self, datas: list, addr: tuple[str, int]) -> None:
        sendto = self.sock.sendto
        for i, data in enumerate(datas):
            try:
                sendto(data, addr)
            except (BlockingIOError, InterruptedError):
                self.driver.loop.add_writer(self.sock.fileno(), self._writable)
                self.backlog.extend((d, addr) for d in datas[i:])
                return
            except OSError as exc:
                log.debug("ike socket %s: %s", self.local, exc)

    def _writable(self):
        while self.backlog:
            data, addr = self.backlog[0]
            try:
                self.sock.sendto(data, addr)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.debug("ike socket %s: %s", self.local, exc)
            self.backlog.popleft()
        self.driver.loop.remove_writer(self.sock.fileno())

    def close(self):
        fd = self.sock.fileno()
        if fd >= 0:
            self.driver.loop.remove_reader(fd)
            self.driver.loop.remove_writer(fd)
        if self._pending is not None:
            self._pending.close()
            self._pending = None
        self.sock.close()
        self.backlog.clear()


class _EspEndpoint(_Endpoint):
    """Plain ESP (IP protocol 50, RFC 4303 without UDP: no NAT between the router and the peer, RFC 7296 §2.23)
    on one local IPv4 address: a raw socket, in `IkeDriver.endpoints` under (address, ESP_PORT).  What it reads
    carries the IPv4 header, which is dropped before the data plane; what it sends gets its header from the
    kernel (protocol 50).  The kernel hands a raw socket a copy of every protocol-50 packet to its address."""

    def __init__(self, driver: "IkeDriver", addr: str, sock: socket.socket):
        super().__init__(driver, (addr, ESP_PORT), sock)
        self.gso = False  # UDP segmentation is UDP's

    def _readable(self):
        driver = self.driver
        recvfrom, dp = self.sock.recvfrom, driver.dataplane
        for _ in range(BURST):
            try:
                data, _addr = recvfrom(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.debug("esp socket %s: %s", self.local, exc)
                continue
            head = (data[0] & 0x0F) * 4 if data else 0
            if dp is None or head < 20 or len(data) < head + 8:
                driver.esp_malformed += 1  # no data plane, or no SPI and sequence number after the header
                continue
            driver.received += 1
            try:
                dp.esp_in(data[head:])
            except Exception:  # noqa: BLE001
                log.exception("data plane raised")


def _esp_socket(addr: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ESP)
    try:
        sock.bind((addr, 0))
    except OSError:
        sock.close()
        raise
    return sock


class IkeDriver:
    """Owns the sockets and the timer; `services` holds the sans-I/O cores (`services.crypto` is the IKEv2
    responder, also `router.crypto`)."""

    def __init__(self, router, services: Services, ports: tuple[int, int]):
        self.router = router
        self.services = services
        self.responder = services.crypto
        self.ports = ports  # real (ike, natt) ports
        self.loop = asyncio.get_running_loop()
        self.endpoints: dict[tuple[str, int], _Endpoint] = {}  # (addr, engine port) -> socket
        self._timer: asyncio.Task | None = None
        self._unbindable: set = set()
        self.sent = 0
        self.received = 0
        self.esp_malformed = 0  # plain ESP datagrams dropped before the data plane (too short)
        self.dataplane = None  # --dataplane tun: interfaces/tun.py TunDataplane, gets the ESP datagrams
        self.listen_addresses: list[str] = []  # where IKE listens; the dynamic-author port opens there too
        self._da_gen = None  # configuration generation the dynamic-author sockets were last matched to
        self._da_endpoints: dict[tuple[str, int], _Endpoint] = {}
        self._da_unbindable: set = set()  # wanted dynamic-author addresses that would not bind (reported once)

    def _engine_port(self, real: int) -> int:
        return 500 if real == self.ports[0] else 4500

    def _real_port(self, engine: int) -> int:
        return self.ports[0] if engine == 500 else self.ports[1]

    def _received(self, data: bytes, src, local):
        self.received += 1  # (ESP never comes here: the endpoint's reader hands it to the data plane)
        try:
            out = self.services.receive(data, src, local, time.monotonic())
        except Exception:  # noqa: BLE001  the engine promises not to raise; never let the loop die anyway
            log.exception("engine raised")
            return
        self.send(out)

    def send(self, datagrams: list[Datagram]):
        endpoints = self.endpoints
        for d in datagrams:
            src = d.src
            ep = endpoints.get((src[0], src[1])) or self._endpoint_for(src)
            if ep is None:
                continue
            ep.sendto(d.data, (d.dst[0], d.dst[1]))
            self.sent += 1

    def send_burst(self, datas: list[bytes], src, dst) -> None:
        """`send` of datagrams that all go from `src` to `dst` (the data plane's ESP from one device)."""
        ep = self.endpoints.get((src[0], src[1])) or self._endpoint_for(src)
        if ep is None:
            return
        ep.sendmany(datas, (dst[0], dst[1]))
        self.sent += len(datas)

    def _endpoint_for(self, src) -> _Endpoint | None:
        if src[1] == ESP_PORT:  # plain ESP from an address without a raw socket: nothing can send it
            return None
        if src[1] not in (500, 4500):
            return self._open_other(src)
        # the engine answered from an address we do not own: use any socket on that port
        return next((e for (a, port), e in self.endpoints.items() if port == src[1]), None)

    def _open_other(self, src) -> _Endpoint | None:
        """The socket of another local port (the RADIUS client's 1645/1646), opened on first use, bound to the
        source address and port the core chose, so replies come back to it."""
        sock = socket.socket(socket.AF_INET6 if ":" in src[0] else socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((src[0], src[1]))
        except OSError as e:
            sock.close()
            if (src[0], src[1]) not in self._unbindable:  # once: the RADIUS client will retransmit
                self._unbindable.add((src[0], src[1]))
                log.warning("cannot bind %s:%s for RADIUS: %s (the router's RADIUS requests from that address "
                            "are dropped)", src[0], src[1], e)
            return None
        ep = self.endpoints[(src[0], src[1])] = _Endpoint(self, (src[0], src[1]), sock)
        return ep

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
        self._da_unbindable &= want  # one no longer wanted is reported again if it is wanted again
        for key in [k for k in self._da_endpoints if k not in want]:
            ep = self._da_endpoints.pop(key)
            if self.endpoints.get(key) is ep:
                del self.endpoints[key]
            ep.close()
        for key in want - set(self._da_endpoints):
            sock = socket.socket(socket.AF_INET6 if ":" in key[0] else socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(key)
            except OSError as e:
                sock.close()
                if key not in self._da_unbindable:  # once, not after every command: tried again on each one
                    self._da_unbindable.add(key)
                    log.warning("cannot bind %s:%s for RADIUS dynamic-author: %s (CoA and Disconnect requests to "
                                "that address are not received)", key[0], key[1], e)
                continue
            self._da_unbindable.discard(key)
            self._da_endpoints[key] = self.endpoints[key] = _Endpoint(self, key, sock)

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
        for ep in self.endpoints.values():
            ep.close()
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
    try:
        for addr in dict.fromkeys(addrs):
            for real in ports:
                local = (addr, drv._engine_port(real))
                try:
                    sock = _bound_socket(addr, real)
                except OSError as e:
                    e.filename = f"{addr}:{real}"  # which endpoint failed, for the error message
                    raise
                drv.endpoints[local] = _Endpoint(drv, local, sock)
    except OSError:
        drv.close()
        raise
    if dataplane == "tun":
        from ..interfaces.tun import TunDataplane  # noqa: PLC0415

        drv.dataplane = services.dataplane = TunDataplane(router, services.crypto, drv.send, sendto=drv.send_burst)
        for addr in dict.fromkeys(a for a in addrs if ":" not in a):  # plain ESP, where the kernel gives raw sockets
            try:
                drv.endpoints[(addr, ESP_PORT)] = _EspEndpoint(drv, addr, _esp_socket(addr))
            except OSError as e:
                log.warning("no plain ESP on %s (%s): only peers behind a NAT (ESP in UDP %s) carry traffic",
                            addr, e, ports[1])
    elif dataplane not in (None, "none"):
        drv.close()
        raise ValueError(f"unknown data plane {dataplane!r}")
    drv.listen_addresses = list(dict.fromkeys(addrs))
    drv.sync_dynauth()
    drv._timer = asyncio.ensure_future(drv._tick_loop())
    return drv


RCVBUF = 4 << 20  # bytes


def _bound_socket(addr: str, port: int) -> socket.socket:
    """A UDP socket bound to (addr, port), the family the address resolves to (what asyncio's
    create_datagram_endpoint did: the first address that binds, else the first error)."""
    errors = []
    for family, kind, proto, _, sockaddr in socket.getaddrinfo(addr, port, type=socket.SOCK_DGRAM):
        sock = socket.socket(family, kind, proto)
        try:
            sock.bind(sockaddr)
            return sock
        except OSError as e:
            sock.close()
            errors.append(e)
    raise errors[0] if errors else OSError(f"cannot resolve {addr}")


def _big_buffer(sock) -> None:
    """A 4 MiB receive buffer: when hundreds of peers start at once, the default (about 208 KiB) overflows
    while the loop is busy with key exchanges, and each datagram lost costs its peer a retransmission
    (bench/bench_aaa.py saw 45-161 drops a run with two initiators).  The kernel caps it at rmem_max unless
    we are privileged enough for SO_RCVBUFFORCE."""
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

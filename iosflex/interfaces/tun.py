"""The TUN data plane (`iosflex --dataplane tun`): each established session gets a Linux TUN device in the
router's namespace, ESP from its peer is decrypted (interfaces/esp.py) and written to the device, and what the
kernel routes into the device is encrypted with the session's newest child SA and sent to the peer.

    peer --UDP 4500 ESP--> IkeDriver._received --> TunDataplane.esp_received --> EspSa.decrypt --> write(viN)
    kernel route --> viN --> TunDataplane._readable --> EspSa.encrypt --> Datagram --> IkeDriver.send

* The device: opened with TUNSETIFF on /dev/net/tun (no persist flag: closing the descriptor removes it and
  its routes), configured with pyroute2 in a worker thread (pyroute2's IPRoute will not run inside the event
  loop): up, MTU 1400, the address the template borrows with `ip unnumbered` as a /32, a route to the
  session's pushed address and to each of the peer's traffic selectors (never a default route).  Its name
  comes from the session's virtual-access (`Virtual-Access3` -> `vi3`), `ipsecN` (session id) without one.
* The SPI table is the engine's own (`Responder.children`: spi_in -> (IKE SA, ChildSa)), kept by its
  child_added / child_removed / remove_sa; the ESP state (keys' cipher objects, replay window) is made on
  first use per ChildSa and forgotten with it.  Counters go into the ChildSa (`show crypto ipsec sa`,
  accounting), drops by reason into `EspSa.drops`, unknown SPIs into `wrong_spi`.
* Tunnel mode carries IPv4 packets (next header 4); transport mode with GRE (next header 47, the selectors'
  protocol 47) is decapsulated to the inner IPv4 packet and encapsulated again on the way out; transport
  mode with another protocol gets an IPv4 header (peer -> us) rebuilt before the TUN write.
* ICMP echo replies for the router's own `ping` through a tunnel are taken here (`ping()`), not written.
* Threads (`start_threads`, called by the driver: the real router): the thread `esp-in` reads the driver's UDP
  4500 sockets itself (RFC 3948 demultiplexing: ESP is decrypted and written to the device there; IKE and
  keepalives go to the engine in the event loop with call_soon_threadsafe), the thread `esp-out` polls every
  device, encrypts and sends on the driver's socket.  The system calls (recvfrom, TUN write and read, sendto:
  the kernel's TCP/IP work happens inside them) release the GIL, so the two directions overlap, as
  strongSwan's libipsec does with its threads.  What keeps this consistent: each SA's inbound state (replay
  window, `*_in` counters) is only touched by `esp-in`, its outbound state (sequence number, `*_out`
  counters) only by `esp-out` (the router's own `ping` is queued to it); the ESP state is made under a lock
  and forgotten only by `esp-out`; each thread has its own duplicate of a device's descriptor and closes it
  itself when told the session went, so a descriptor number is never reused under a thread; ping replies go
  back to the loop with call_soon_threadsafe.  The engine is untouched (sans-I/O): the threads only read its
  SPI table, as the loop did.
"""

from __future__ import annotations

import asyncio
import fcntl
import ipaddress
import logging
import os
import select
import struct
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from ..events import Datagram
from .filter import Filter
from .esp import WRONG_SPI, EspSa, EspUnsupported

log = logging.getLogger(__name__)

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
MTU = 1400
READ_BATCH = 64  # packets read from one device per loop turn
READ_SIZE = 16384  # > the MTU: a TUN read returns one packet
RECV_SIZE = 65535  # bytes asked of recvfrom by esp-in: any UDP payload (crypto/driver.py's MAX_DATAGRAM)


def inet_checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_header(src: str, dst: str, proto: int, payload_len: int, ident: int = 0, ttl: int = 255) -> bytes:
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident & 0xFFFF, 0, ttl, proto, 0,
                    ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    return h[:10] + inet_checksum(h).to_bytes(2, "big") + h[12:]


def gre_decap(gre: bytes) -> bytes | None:
    """RFC 2784/2890: the IPv4 packet inside a GRE packet, or None."""
    if len(gre) < 4:
        return None
    flags, proto = struct.unpack("!HH", gre[:4])
    if proto != 0x0800 or flags & 0x0007:  # IPv4 only, version 0
        return None
    off = 4 + (4 if flags & 0x8000 else 0) + (4 if flags & 0x2000 else 0) + (4 if flags & 0x1000 else 0)
    return gre[off:] if len(gre) > off else None


GRE_IPV4 = b"\x00\x00\x08\x00"


def ts_networks(ts) -> list[ipaddress.IPv4Network]:
    """An IPv4 range traffic selector as networks (summarised)."""
    try:
        a, b = ipaddress.IPv4Address(ts.start), ipaddress.IPv4Address(ts.end)
    except ValueError:
        return []
    if b < a:
        return []
    return list(ipaddress.summarize_address_range(a, b))


def device_name(st) -> str:
    va = st.virtual_access or ""
    if va.startswith("Virtual-Access"):
        return "vi" + va[len("Virtual-Access"):]
    return f"ipsec{st.session_id}"


class TunSession:
    __slots__ = ("st", "name", "fd", "rfd", "routes", "address", "ready", "va")

    def __init__(self, st, name: str, fd: int, va=None):
        self.st, self.name, self.fd = st, name, fd  # fd: written (inbound packets); threads: esp-in's own
        self.rfd = fd  # read (outbound packets); threads: esp-out's own duplicate
        self.va = va  # the session's VirtualAccess (interfaces/vaccess.py): its counters are ours to fill
        self.routes: list[str] = []
        self.address: str | None = None
        self.ready = False


class TunDataplane:
    def __init__(self, router, responder, send, rng=os.urandom):
        self.router = router
        self.responder = responder
        self.send = send  # the driver's send(list[Datagram])
        self.rng = rng
        self.esp: dict[int, tuple[object, EspSa]] = {}  # spi_in -> (ChildSa, EspSa)
        self.sessions: dict[int, TunSession] = {}  # session id -> device
        self.wrong_spi = 0
        self.unsupported = 0
        self.soft_expiries = 0
        self.not_ip = 0  # decrypted payloads that are not IPv4 / GRE(IPv4)
        self.tx_no_sa = 0
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tun-netlink")
        self._pings: dict[tuple[int, int], asyncio.Future] = {}  # (ident, seq) -> reply future
        self.filter = Filter()  # the virtual-access's access lists (interfaces/filter.py)
        self.acl_denied = {"in": 0, "out": 0}
        self.tx_dropped = 0  # datagrams esp-out could not send (socket buffer still full after waiting)
        self._esp_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._threads: list[threading.Thread] = []
        self._socks: dict[str, object] = {}  # local address -> the driver's UDP 4500 socket (threads)
        self._in_ctl: deque = deque()  # esp-in's orders: ("close", sess), None (stop)
        self._out_ctl: deque = deque()  # esp-out's: ("open", sess), ("close", sess, SPIs), ("send", st, packet), None
        self._wake = {}  # deque -> (read end, write end) of the pipe that wakes its thread

    # -- ESP state per child SA --------------------------------------------------------------------------
    def _esp_for(self, child, tidy: bool = True) -> EspSa | None:
        """The child's ESP state, made on first use.  `tidy`: also forget the state of children that went; only
        the thread that encrypts (esp-out, or the loop without threads) does, so that the state a packet is
        about to be encrypted with is never dropped and made again under it (a sequence number, so an AES-GCM
        nonce, used twice)."""
        hit = self.esp.get(child.spi_in)
        if hit is not None and hit[0] is child:
            return hit[1]
        with self._esp_lock:  # both threads may meet a new child at once: one EspSa (one sequence number)
            hit = self.esp.get(child.spi_in)
            if hit is not None and hit[0] is child:
                return hit[1]
            try:
                sa = EspSa.from_child(child, rng=self.rng)
            except EspUnsupported:
                self.unsupported += 1
                return None
            self.esp[child.spi_in] = (child, sa)
            if tidy and len(self.esp) > 2 * len(self.responder.children) + 16:  # children went: forget them
                live = self.responder.children
                for spi in [s for s in list(self.esp) if s not in live]:
                    self.esp.pop(spi, None)
            return sa

    def drops(self, child) -> int:
        hit = self.esp.get(child.spi_in)
        return hit[1].dropped if hit is not None and hit[0] is child else 0

    # -- access lists ------------------------------------------------------------------------------------
    def _acl_permits(self, va, direction: str, packet: bytes) -> bool:
        """`ip access-group NAME in|out` on the session's virtual-access (a CoA's per-session list when it is
        the one named, else the configured list of that name; a name with no list permits everything, as on
        IOS)."""
        if va is None:
            return True
        name = va.iface.access_group_in if direction == "in" else va.iface.access_group_out
        if not name:
            return True
        acl = (va.acls or {}).get(direction)
        cfg = self.router.config
        if acl is None or acl.name != name:
            acl = cfg.ip_access_list.lists.get(name)
            if acl is None:
                return True
        if self.filter.permits(acl, packet, cfg.generation):
            return True
        self.acl_denied[direction] += 1
        return False

    # -- inbound -----------------------------------------------------------------------------------------
    def esp_received(self, data: bytes, src, local, now: float) -> list[Datagram]:
        """An ESP datagram from the driver, without threads (with them, esp-in reads the sockets); the answer
        is always empty (ESP is never answered)."""
        self._inbound(data)
        return []

    def _inbound(self, data: bytes) -> None:
        hit = self.responder.children.get(int.from_bytes(data[:4], "big"))
        if hit is None:
            self.wrong_spi += 1
            return
        ike, child = hit
        esp = self._esp_for(child, tidy=not self._threads)
        if esp is None:
            return
        res = esp.decrypt(data)
        if res is None:
            return
        if esp.soft_expired and not getattr(esp, "_soft_counted", False):
            esp._soft_counted = True
            self.soft_expiries += 1
        nh, payload = res
        if nh == 4:
            inner = payload
        elif nh == 47:
            inner = gre_decap(payload)
        elif child.mode == "transport" and nh not in (59,):
            st = ike.st
            inner = ipv4_header(st.remote[0], st.local[0], nh, len(payload)) + payload
        else:
            inner = None  # 59 = dummy packet (RFC 4303 §2.6): dropped silently
        if not inner or inner[0] >> 4 != 4 or len(inner) < 20:
            if nh != 59:
                self.not_ip += 1
            return
        if inner[9] == 1 and self._pings and self._ping_reply(inner):
            return
        sess = self.sessions.get(ike.st.session_id)
        if sess is None or sess.fd < 0:
            return
        if not self._acl_permits(sess.va, "in", inner):
            return
        try:
            os.write(sess.fd, inner)
        except OSError as e:
            log.debug("tun %s write: %s", sess.name, e)
            return
        va = sess.va
        if va is not None:  # `show interfaces virtual-access N`: what came out of the tunnel
            va.in_packets += 1
            va.in_bytes += len(inner)
        return

    # -- outbound ----------------------------------------------------------------------------------------
    def _out_child(self, st):
        for child in reversed(st.children):
            if child.spi_in in self.responder.children:
                return child
        return None

    def encapsulate(self, st, packet: bytes) -> list[Datagram]:
        """An IPv4 packet for the session's peer -> the ESP-in-UDP datagram."""
        child = self._out_child(st)
        if child is None:
            self.tx_no_sa += 1
            return []
        sess = self.sessions.get(st.session_id)
        if sess is not None and not self._acl_permits(sess.va, "out", packet):
            return []
        esp = self._esp_for(child)
        if esp is None:
            return []
        gre = child.mode == "transport" and any(ts.protocol == 47 for ts in child.ts_local)
        pkt = esp.encrypt(GRE_IPV4 + packet, 47) if gre else esp.encrypt(packet, 4)
        if esp.soft_expired and not getattr(esp, "_soft_counted", False):
            esp._soft_counted = True
            self.soft_expiries += 1
        if pkt is None:
            return []
        if sess is not None and sess.va is not None:  # what went into the tunnel
            sess.va.out_packets += 1
            sess.va.out_bytes += len(packet)
        return [Datagram(pkt, (st.local[0], 4500), (st.remote[0], st.remote[1]))]

    def _read_device(self, sess: TunSession) -> list[Datagram]:
        """Up to READ_BATCH packets the kernel routed into the device, encrypted."""
        out: list[Datagram] = []
        read, fd = os.read, sess.rfd
        for _ in range(READ_BATCH):
            try:
                pkt = read(fd, READ_SIZE)
            except OSError:  # BlockingIOError: drained
                break
            if not pkt or pkt[0] >> 4 != 4:
                continue  # IPv6 and the like: no IPv6 selectors here
            out += self.encapsulate(sess.st, pkt)
        return out

    def _readable(self, sess: TunSession) -> None:
        out = self._read_device(sess)
        if out:
            self.send(out)

    # -- threads ---------------------------------------------------------------------------------------------
    def start_threads(self, sockets: dict, to_engine) -> None:
        """Run esp-in and esp-out (in the event loop): `sockets` {(address, 4500): socket} are the driver's, no
        longer read by the loop; what is not ESP on them goes to `to_engine(data, src, local)` in the loop."""
        self._loop = asyncio.get_running_loop()
        self._socks = {local[0]: sock for local, sock in sockets.items()}
        for ctl in (self._in_ctl, self._out_ctl):
            self._wake[id(ctl)] = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._threads = [threading.Thread(target=self._in_thread, args=(sockets, to_engine), name="esp-in",
                                          daemon=True),
                         threading.Thread(target=self._out_thread, name="esp-out", daemon=True)]
        for t in self._threads:
            t.start()

    def _order(self, ctl: deque, cmd) -> None:
        ctl.append(cmd)
        try:
            os.write(self._wake[id(ctl)][1], b"\0")
        except BlockingIOError:
            pass  # a wake-up is pending anyway

    def _out_command(self, *cmd) -> None:
        self._order(self._out_ctl, cmd if cmd != (None,) else None)

    def _orders(self, ctl: deque):
        """The orders waiting for this thread (its wake-up pipe drained)."""
        try:
            while os.read(self._wake[id(ctl)][0], 512):
                pass
        except OSError:
            pass
        while ctl:
            yield ctl.popleft()

    def _in_thread(self, sockets: dict, to_engine) -> None:
        poller = select.poll()
        wake = self._wake[id(self._in_ctl)][0]
        poller.register(wake, select.POLLIN)
        by_fd = {}
        for local, sock in sockets.items():
            poller.register(sock.fileno(), select.POLLIN)
            by_fd[sock.fileno()] = (sock.recvfrom, local)
        inbound, call = self._inbound, self._loop.call_soon_threadsafe
        while True:
            for fd, ev in poller.poll():
                if ev & select.POLLNVAL:  # closed under us (the driver closes its sockets after close()): forget it
                    poller.unregister(fd)
                    continue
                if fd == wake:
                    for cmd in self._orders(self._in_ctl):
                        if cmd is None:
                            return
                        sess = cmd[1]  # ("close", sess)
                        _close(sess.fd)
                        sess.fd = -1
                    continue
                recvfrom, local = by_fd[fd]
                for _ in range(READ_BATCH):
                    try:
                        data, addr = recvfrom(RECV_SIZE)
                    except BlockingIOError:
                        break
                    except OSError as exc:  # ICMP unreachable and the like
                        log.debug("esp-in socket %s: %s", local, exc)
                        continue
                    if len(data) >= 8 and data[:4] != b"\0\0\0\0":  # ESP (RFC 3948)
                        try:
                            inbound(data)
                        except Exception:  # noqa: BLE001  never let the thread die
                            log.exception("data plane (esp-in) raised")
                    else:  # IKE (non-ESP marker) or a NAT-T keepalive: the engine's, in the loop
                        try:
                            call(to_engine, data, (addr[0], addr[1]), local)
                        except RuntimeError:  # the loop is closed: shutting down
                            return

    def _out_thread(self) -> None:
        poller = select.poll()
        wake = self._wake[id(self._out_ctl)][0]
        poller.register(wake, select.POLLIN)
        devices: dict[int, TunSession] = {}  # esp-out's descriptor -> session
        while True:
            for fd, _ in poller.poll():
                if fd == wake:
                    for cmd in self._orders(self._out_ctl):
                        if cmd is None:
                            for sess in devices.values():
                                _close(sess.rfd)
                            return
                        try:
                            self._out_control(cmd, poller, devices)
                        except Exception:  # noqa: BLE001
                            log.exception("data plane (esp-out) raised")
                    continue
                sess = devices.get(fd)
                if sess is None:
                    continue
                try:
                    out = self._read_device(sess)
                    if out:
                        self._send_now(out)
                except Exception:  # noqa: BLE001
                    log.exception("data plane (esp-out) raised")

    def _out_control(self, cmd, poller, devices) -> None:
        what, sess = cmd[0], cmd[1]
        if what == "open":
            devices[sess.rfd] = sess
            poller.register(sess.rfd, select.POLLIN)
        elif what == "close":  # ("close", session or None, SPIs)
            if sess is not None:
                if devices.pop(sess.rfd, None) is not None:
                    poller.unregister(sess.rfd)
                _close(sess.rfd)
            self._forget(cmd[2])
        elif what == "send":  # ("send", IkeSaState, packet): the router's own ping, encrypted here (this
            self._send_now(self.encapsulate(cmd[1], cmd[2]))  # thread owns the sequence numbers)

    def _send_now(self, datagrams: list[Datagram]) -> None:
        """From esp-out: straight on the driver's socket; when its buffer is full, wait for it a little (this
        thread only), then drop (counted)."""
        for d in datagrams:
            sock = self._socks.get(d.src[0])
            if sock is None:  # not ours exactly: the driver picks a socket, in the loop
                self._loop.call_soon_threadsafe(self.send, [d])
                continue
            for attempt in range(2):
                try:
                    sock.sendto(d.data, d.dst)
                    break
                except BlockingIOError:
                    if attempt:
                        self.tx_dropped += 1
                    else:
                        select.select([], [sock], [], 0.1)
                except OSError as e:
                    log.debug("esp-out sendto %s: %s", d.dst, e)
                    break

    # -- sessions ------------------------------------------------------------------------------------------
    def session_event(self, ev) -> None:
        st = ev.session
        if ev.what == "up":
            self._up(st)
        elif ev.what == "update":
            sess = self.sessions.get(st.session_id)
            if sess is not None:
                sess.st = st
        elif ev.what == "gone":
            self._down(st)

    def borrowed_address(self, st) -> str | None:
        """The address of the interface the profile's virtual-template borrows with `ip unnumbered`."""
        cfg = self.router.config
        prof = cfg.ikev2_profile.items.get(st.profile) if st.profile else None
        if prof is None or prof.virtual_template is None:
            return None
        tmpl = cfg.interfaces.by_name(f"Virtual-Template{prof.virtual_template}")
        addr = tmpl.address(cfg) if tmpl is not None else None
        return addr[0] if addr else None

    def _up(self, st) -> None:
        if st.session_id in self.sessions:
            self.sessions[st.session_id].st = st
            return
        name = device_name(st)
        try:
            fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
            fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
        except OSError as e:
            log.warning("data plane: cannot create TUN %s: %s", name, e)
            return
        sess = TunSession(st, name, fd, self.router.vaccess.for_session(st.session_id))
        sess.address = self.borrowed_address(st)
        nets: list[str] = []
        if st.pushed_ip:
            nets.append(f"{st.pushed_ip}/32")
        for child in st.children:
            for ts in child.ts_remote:
                nets += [str(n) for n in ts_networks(ts) if n.prefixlen > 0]
        for net, mask in st.remote_subnets:
            try:
                n = ipaddress.IPv4Network(f"{net}/{mask}", strict=False)
            except ValueError:
                continue
            if n.prefixlen > 0:
                nets.append(str(n))
        sess.routes = list(dict.fromkeys(nets))
        loop = asyncio.get_running_loop()
        if self._threads:
            sess.rfd = os.dup(fd)  # O_CLOEXEC as dup makes it; non-blocking is the open file's, shared
            self.sessions[st.session_id] = sess
            self._out_command("open", sess)
        else:
            self.sessions[st.session_id] = sess
            loop.add_reader(fd, self._readable, sess)
        fut = loop.run_in_executor(self._pool, _configure, name, sess.address, sess.routes)
        fut.add_done_callback(lambda f, s=sess: self._configured(s, f))

    def _configured(self, sess, fut) -> None:
        exc = fut.exception()
        if exc is not None:
            log.warning("data plane: configuring %s: %s", sess.name, exc)
        sess.ready = True

    def _forget(self, spis) -> None:
        with self._esp_lock:
            for spi in spis:
                self.esp.pop(spi, None)

    def _down(self, st) -> None:
        sess = self.sessions.pop(st.session_id, None)
        spis = [child.spi_in for child in st.children]
        if self._threads:  # each thread closes its own descriptor, after what it has in hand (the device and
            if sess is not None:  # its routes go with the last one); esp-out forgets the ESP state after
                self._order(self._in_ctl, ("close", sess))  # its last packet (see _esp_for)
            self._out_command("close", sess, spis)
            return
        self._forget(spis)
        if sess is None:
            return
        try:
            asyncio.get_running_loop().remove_reader(sess.fd)
        except RuntimeError:
            pass
        _close(sess.fd)  # the device and its routes go with the last descriptor
        sess.fd = sess.rfd = -1

    def close(self) -> None:
        for sid in list(self.sessions):
            self._down(self.sessions[sid].st)
        if self._threads:
            self._order(self._in_ctl, None)
            self._out_command(None)
            for t in self._threads:
                t.join(timeout=2)
            self._threads = []
            for r, w in self._wake.values():
                _close(r)
                _close(w)
            self._wake.clear()
        self._pool.shutdown(wait=False)

    # -- the router's own ping through a tunnel --------------------------------------------------------------
    def session_for(self, address: str):
        """The session whose pushed address or remote selectors cover `address`."""
        try:
            a = ipaddress.IPv4Address(address)
        except ValueError:
            return None
        for sess in self.sessions.values():
            if sess.st.pushed_ip == address:
                return sess
        for sess in self.sessions.values():
            for r in sess.routes:
                if a in ipaddress.IPv4Network(r):
                    return sess
        return None

    def echo(self, sess: TunSession, dst: str, src: str | None, ident: int, seq: int, size: int):
        """Send one ICMP echo request of `size` octets (IP header included, as IOS counts) to `dst` through
        the session's tunnel; returns a future for the reply."""
        src = src or sess.address or sess.st.local[0]
        data = bytes((0xAB + i) & 0xFF for i in range(max(0, size - 28)))
        icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
        icmp = icmp[:2] + inet_checksum(icmp).to_bytes(2, "big") + icmp[4:]
        pkt = ipv4_header(src, dst, 1, len(icmp), ident=seq) + icmp
        fut = asyncio.get_running_loop().create_future()
        self._pings[(ident, seq)] = fut
        if self._threads:
            self._out_command("send", sess.st, pkt)
        else:
            self.send(self.encapsulate(sess.st, pkt))
        return fut

    def forget_ping(self, ident: int, seq: int) -> None:
        self._pings.pop((ident, seq), None)

    def _ping_reply(self, inner: bytes) -> bool:
        ihl = (inner[0] & 0x0F) * 4
        if len(inner) < ihl + 8 or inner[ihl] != 0:
            return False
        ident, seq = struct.unpack("!HH", inner[ihl + 4:ihl + 8])
        fut = self._pings.pop((ident, seq), None)
        if fut is None:
            return False
        if self._threads:
            self._loop.call_soon_threadsafe(_resolve, fut)
        else:
            _resolve(fut)
        return True


def _resolve(fut) -> None:
    if not fut.done():
        fut.set_result(True)


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _configure(name: str, address: str | None, routes: list[str]) -> None:
    """In the worker thread: the device up, its MTU, the borrowed address and the routes (pyroute2)."""
    from pyroute2 import IPRoute  # noqa: PLC0415

    with IPRoute() as ipr:
        idx = ipr.link_lookup(ifname=name)
        if not idx:
            raise OSError(f"no device {name}")
        ipr.link("set", index=idx[0], mtu=MTU, state="up")
        if address:
            try:
                ipr.addr("add", index=idx[0], address=address, prefixlen=32)
            except Exception as e:  # noqa: BLE001  already there: fine
                log.debug("addr %s on %s: %s", address, name, e)
        for net in routes:
            try:
                ipr.route("replace", dst=net, oif=idx[0], scope="link")
            except Exception as e:  # noqa: BLE001  one bad route must not keep the others out
                log.warning("data plane: route %s via %s: %s", net, name, e)


__all__ = ["TunDataplane", "WRONG_SPI", "gre_decap", "inet_checksum", "ipv4_header", "device_name"]

"""The TUN data plane (`iosflex --dataplane tun`): each established session gets a Linux TUN device in the
router's namespace, ESP from its peer is decrypted (interfaces/esp.py) and written to the device, and what the
kernel routes into the device is encrypted with the session's newest child SA and sent to the peer.

    peer --ESP (UDP 4500 or IP 50)--> driver endpoint's reader --> TunDataplane.esp_in --> EspSa.decrypt --> write(viN)
    kernel route --> viN --> TunDataplane._readable --> EspSa.encrypt --> IkeDriver.send_burst (esp_path)

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
"""

from __future__ import annotations

import asyncio
import fcntl
import ipaddress
import logging
import os
import struct
from concurrent.futures import ThreadPoolExecutor

from ..crypto.driver import epoll_of
from ..events import ESP_PORT, Datagram
from .filter import Filter
from .esp import WRONG_SPI, EspSa, EspUnsupported

log = logging.getLogger(__name__)

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
MTU = 1400
READ_BATCH = 64  # packets read from one device per loop turn
READ_SIZE = 16384  # > the MTU: a TUN read returns one packet


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


def gre_mode(selectors, transport: bool) -> str | None:
    """How a child SA carries GRE (RFC 2784): "transport" (ESP next header 47, the GRE packet its payload) or
    "tunnel" (ESP next header 4, an IPv4 header of protocol 47 between the two peers before the GRE packet)
    when its (local) selectors are GRE's (protocol 47), else None."""
    if not any(ts.protocol == 47 for ts in selectors):
        return None
    return "transport" if transport else "tunnel"


def gre_child(child) -> str | None:
    """`gre_mode` of one of the router's child SAs."""
    return gre_mode(child.ts_local, child.mode == "transport")


def gre_encap(mode: str, local: str, remote: str, packet: bytes) -> tuple[bytes, int]:
    """(ESP payload, next header) of an IPv4 packet sent into a GRE child SA of `mode` ("transport" or "tunnel",
    `gre_child`) whose GRE endpoints are `local` and `remote`."""
    gre = GRE_IPV4 + packet
    if mode == "transport":
        return gre, 47
    return ipv4_header(local, remote, 47, len(gre)) + gre, 4


def gre_tunnel_decap(packet: bytes) -> bytes | None:
    """The inner IPv4 packet of an IPv4 packet of protocol 47 (GRE in ESP tunnel mode), else None."""
    ihl = (packet[0] & 0x0F) * 4
    return gre_decap(packet[ihl:]) if len(packet) > ihl and packet[9] == 47 else None


def echo_request(src: str, dst: str, ident: int, seq: int, size: int) -> bytes:
    """An IPv4 ICMP echo request of `size` octets in all (the IP header included, as IOS counts)."""
    data = bytes((0xAB + i) & 0xFF for i in range(max(0, size - 28)))
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    icmp = icmp[:2] + inet_checksum(icmp).to_bytes(2, "big") + icmp[4:]
    return ipv4_header(src, dst, 1, len(icmp), ident=seq) + icmp


def echo_reply_id(packet: bytes | None) -> tuple[int, int] | None:
    """(identifier, sequence number) of an IPv4 ICMP echo reply, else None."""
    if not packet or len(packet) < 20 or packet[0] >> 4 != 4 or packet[9] != 1:
        return None
    ihl = (packet[0] & 0x0F) * 4
    if len(packet) < ihl + 8 or packet[ihl] != 0:
        return None
    return struct.unpack("!HH", packet[ihl + 4:ihl + 8])


def ts_networks(ts) -> list[ipaddress.IPv4Network]:
    """An IPv4 range traffic selector as networks (summarised)."""
    try:
        a, b = ipaddress.IPv4Address(ts.start), ipaddress.IPv4Address(ts.end)
    except ValueError:
        return []
    if b < a:
        return []
    return list(ipaddress.summarize_address_range(a, b))


def esp_path(st) -> tuple[tuple[str, int], tuple[str, int]]:
    """(source, destination) of the session's ESP: in UDP from our NAT-T port to the peer's IKE port when a NAT
    was detected (RFC 3948), else plain ESP, IP protocol 50 (RFC 7296 §2.23: no NAT, no UDP encapsulation)."""
    if st.nat_t == "not detected" and ":" not in st.local[0]:
        return (st.local[0], ESP_PORT), (st.remote[0], ESP_PORT)
    return (st.local[0], 4500), (st.remote[0], st.remote[1])


def device_name(st) -> str:
    va = st.virtual_access or ""
    if va.startswith("Virtual-Access"):
        return "vi" + va[len("Virtual-Access"):]
    return f"ipsec{st.session_id}"


class TunSession:
    __slots__ = ("st", "name", "fd", "routes", "address", "ready", "va", "pending")

    def __init__(self, st, name: str, fd: int, va=None, pending=None):
        self.st, self.name, self.fd = st, name, fd
        # an epoll of the device alone (or None): after a wake-up's first packet, `pending.poll(0)` says whether
        # more are queued, so that one packet per wake-up costs no read raising EAGAIN
        self.pending = pending
        self.va = va  # the session's VirtualAccess (interfaces/vaccess.py): its counters are ours to fill
        self.routes: list[str] = []
        self.address: str | None = None
        self.ready = False


class TunDataplane:
    def __init__(self, router, responder, send, rng=os.urandom, sendto=None):
        self.router = router
        self.responder = responder
        self.send = send  # the driver's send(list[Datagram])
        self.sendto = sendto  # the driver's send_burst(list[bytes], src, dst), if it has one: ESP read from a device
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

    # -- ESP state per child SA --------------------------------------------------------------------------
    def _esp_for(self, child) -> EspSa | None:
        hit = self.esp.get(child.spi_in)
        if hit is not None and hit[0] is child:
            return hit[1]
        try:
            sa = EspSa.from_child(child, rng=self.rng)
        except EspUnsupported:
            self.unsupported += 1
            return None
        self.esp[child.spi_in] = (child, sa)
        if len(self.esp) > 2 * len(self.responder.children) + 16:  # children went: forget their state
            live = self.responder.children
            for spi in [s for s in self.esp if s not in live]:
                del self.esp[spi]
        return sa

    def _soft_expired(self, esp: EspSa, child) -> None:
        """`child` reached its soft lifetime in kilobytes or packets: counted, and the engine rekeys it (once)."""
        esp.soft_reported = True
        self.soft_expiries += 1
        self.responder.child_soft_expired(child.spi_in)

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
    def esp_in(self, data: bytes) -> None:
        """One ESP packet from a peer (the driver calls this straight from its socket reader): decrypted,
        checked and written to the session's device, or counted where it was dropped."""
        spi = int.from_bytes(data[:4], "big")
        hit = self.responder.children.get(spi)
        if hit is None:
            self.wrong_spi += 1
            return
        ike, child = hit
        known = self.esp.get(spi)
        if known is not None and known[0] is child:
            esp = known[1]
        else:
            esp = self._esp_for(child)
            if esp is None:
                return
        res = esp.decrypt(data)
        if res is None:
            return
        if esp.soft_expired and not esp.soft_reported:
            self._soft_expired(esp, child)
        nh, inner = res
        if nh != 4:
            inner = self._decap(ike, child, nh, inner)
        elif len(inner) >= 20 and inner[9] == 47 and gre_child(child) == "tunnel":  # GRE in tunnel mode
            inner = gre_tunnel_decap(inner)
        if not inner or inner[0] >> 4 != 4 or len(inner) < 20:
            if nh != 59:
                self.not_ip += 1
            return
        if inner[9] == 1 and self._pings and self._ping_reply(inner):
            return
        sess = self.sessions.get(ike.st.session_id)
        if sess is None or sess.fd < 0:
            return
        va = sess.va
        if va is not None and va.iface.access_group_in and not self._acl_permits(va, "in", inner):
            return
        try:
            os.write(sess.fd, inner)
        except OSError as e:
            log.debug("tun %s write: %s", sess.name, e)
            return
        if va is not None:  # `show interfaces virtual-access N`: what came out of the tunnel
            va.in_packets += 1
            va.in_bytes += len(inner)

    @staticmethod
    def _decap(ike, child, nh: int, payload: bytes) -> bytes | None:
        """The IPv4 packet a payload of next header `nh` carries (GRE, transport mode), or None."""
        if nh == 47:
            return gre_decap(payload)
        if child.mode == "transport" and nh not in (59,):
            st = ike.st
            return ipv4_header(st.remote[0], st.local[0], nh, len(payload)) + payload
        return None  # 59 = dummy packet (RFC 4303 §2.6): dropped silently

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
        gre = gre_child(child)
        pkt = esp.encrypt(*gre_encap(gre, child.ts_local[0].start, child.ts_remote[0].start, packet)) if gre \
            else esp.encrypt(packet, 4)
        if esp.soft_expired and not esp.soft_reported:
            self._soft_expired(esp, child)
        if pkt is None:
            return []
        if sess is not None and sess.va is not None:  # what went into the tunnel
            sess.va.out_packets += 1
            sess.va.out_bytes += len(packet)
        src, dst = esp_path(st)
        return [Datagram(pkt, src, dst)]

    def _encapsulate_burst(self, st, packets: list[bytes]) -> list[bytes]:
        """`encapsulate` for packets read from one device in one go, the ESP packets only (they all go from
        and to the same addresses): the child SA, its ESP state and the access-group are looked up once (nothing
        else runs while the burst is handled), each packet is checked, encrypted and counted as
        `encapsulate` does."""
        children = st.children
        child = children[-1] if children else None  # `_out_child`: the newest child, when it is still there
        if child is None or child.spi_in not in self.responder.children:
            child = self._out_child(st)
            if child is None:
                self.tx_no_sa += len(packets)
                return []
        known = self.esp.get(child.spi_in)
        esp = known[1] if known is not None and known[0] is child else None
        if esp is None:  # first packet of this SA, or a transform without ESP: one at a time
            return [d.data for p in packets for d in self.encapsulate(st, p)]
        sess = self.sessions.get(st.session_id)
        va = sess.va if sess is not None else None
        acl = va is not None and va.iface.access_group_out
        gre = gre_child(child)
        ends = (child.ts_local[0].start, child.ts_remote[0].start) if gre else None
        encrypt = esp.encrypt
        out = []
        for packet in packets:
            if acl and not self._acl_permits(va, "out", packet):
                continue
            pkt = encrypt(*gre_encap(gre, *ends, packet)) if gre else encrypt(packet, 4)
            if pkt is None:
                continue
            out.append(pkt)
            if va is not None:  # what went into the tunnel
                va.out_packets += 1
                va.out_bytes += len(packet)
        if esp.soft_expired and not esp.soft_reported:
            self._soft_expired(esp, child)
        return out

    def _readable(self, sess: TunSession) -> None:
        fd, read = sess.fd, os.read
        pkts = []
        try:
            pkt = read(fd, READ_SIZE)
        except OSError:  # BlockingIOError: nothing after all
            return
        if pkt and pkt[0] >> 4 == 4:  # IPv6 and the like: no IPv6 selectors here
            pkts.append(pkt)
        if sess.pending is None or sess.pending.poll(0):
            for _ in range(READ_BATCH - 1):
                try:
                    pkt = read(fd, READ_SIZE)
                except OSError:  # BlockingIOError: all read
                    break
                if pkt and pkt[0] >> 4 == 4:
                    pkts.append(pkt)
        if not pkts:
            return
        st = sess.st
        out = self._encapsulate_burst(st, pkts)
        if not out:
            return
        src, dst = esp_path(st)
        if self.sendto is not None:
            self.sendto(out, src, dst)
        else:
            self.send([Datagram(p, src, dst) for p in out])

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
        sess = TunSession(st, name, fd, self.router.vaccess.for_session(st.session_id), epoll_of(fd))
        sess.address = self.borrowed_address(st)
        nets: list[str] = []
        if st.pushed_ip:
            nets.append(f"{st.pushed_ip}/32")
        for child in st.children:
            if child.mode == "transport" or gre_child(child):  # its selectors are the peer's own address (GRE
                continue  # over IPsec): the route to it stays the underlay's, or the ESP itself would enter the device
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
        self.sessions[st.session_id] = sess
        loop = asyncio.get_running_loop()
        loop.add_reader(fd, self._readable, sess)
        fut = loop.run_in_executor(self._pool, _configure, name, sess.address, sess.routes)
        fut.add_done_callback(lambda f, s=sess: self._configured(s, f))

    def _configured(self, sess, fut) -> None:
        exc = fut.exception()
        if exc is not None:
            log.warning("data plane: configuring %s: %s", sess.name, exc)
        sess.ready = True

    def _down(self, st) -> None:
        sess = self.sessions.pop(st.session_id, None)
        for child in st.children:
            self.esp.pop(child.spi_in, None)
        if sess is None:
            return
        try:
            asyncio.get_running_loop().remove_reader(sess.fd)
        except RuntimeError:
            pass
        if sess.pending is not None:
            sess.pending.close()
            sess.pending = None
        try:
            os.close(sess.fd)  # the device and its routes go with the last descriptor
        except OSError:
            pass
        sess.fd = -1

    def close(self) -> None:
        for sid in list(self.sessions):
            self._down(self.sessions[sid].st)
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
        pkt = echo_request(src or sess.address or sess.st.local[0], dst, ident, seq, size)
        fut = asyncio.get_running_loop().create_future()
        self._pings[(ident, seq)] = fut
        self.send(self.encapsulate(sess.st, pkt))
        return fut

    def forget_ping(self, ident: int, seq: int) -> None:
        self._pings.pop((ident, seq), None)

    def _ping_reply(self, inner: bytes) -> bool:
        got = echo_reply_id(inner)
        if got is None:
            return False
        fut = self._pings.pop(got, None)
        if fut is None:
            return False
        if not fut.done():
            fut.set_result(True)
        return True


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

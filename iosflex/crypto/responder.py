"""The IKEv2 responder engine: datagrams in, datagrams out (sans-I/O; the clock and RNG are passed in).

`Responder(router, rng)`; `receive(data, src, dst, now)`, `tick(now)`, `resume(token, result, now)` and
`clear(remote, now)` return events (iosflex/events.py): datagrams, `Log` lines, `AaaRequest`s (an IKE_AUTH that
waits for AAA: the driver answers with `resume`) and `SessionEvent`s, in the order they happened.  The engine
holds no driver and reads no clock.  `router.crypto` is this object, so the CLI reads `sa_states()` and
`stats`; the session table (`router.sessions`, iosflex/sessions.py) follows the `SessionEvent`s.

Tables:
* `sas`: our SPI (the responder SPI) -> IkeSa; an SA whose IKE_SA_INIT was answered is in it at once so the
  IKE_AUTH finds it.
* `half_open`: (peer address, peer port, SPIi) -> IkeSa, so that a retransmitted IKE_SA_INIT gets the very same
  response (same SPIr, same nonce) and never a second SA.  Its size is the "half-open" count compared with
  `crypto ikev2 cookie-challenge N`.
* `children`: our inbound ESP SPI -> (IkeSa, ChildSa), for the data plane's lookup of ESP-in-UDP on 4500.
* `waiting`: token -> IkeSa whose IKE_AUTH waits for an AAA answer.

Unknown SPIs: a *request* with a non-zero responder SPI we do not know gets an unprotected INFORMATIONAL with
INVALID_IKE_SPI (RFC 7296 §2.21.4 allows it), at most `invalid_spi_rate` per second overall; responses and
everything over the rate are dropped silently.  Every malformed input is counted in `stats` and dropped, or
answered as RFC 7296 says; `receive` never raises (unless `raise_errors` is set: the test mode that lets
internal errors out instead of counting them as malformed packets).
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import os

from . import algorithms as A
from ..aaa.attrs import cfg_reply_attributes
from . import certs
from . import codec as C
from . import debug as D
from . import policy
from .ikesa import (
    CISCO_VIDS,
    DEAD,
    DELETE_REASON_CLEAR,
    INIT,
    READY,
    Datagram,
    IkeSa,
    SaError,
    frame,
    ike_choice_proposal,
    offered_proposals,
)
from ..aaa.authorization import release_result
from ..events import AaaRequest, Log, SessionEvent
from .anyconnect import VID_ANYCONNECT_EAP
from .reconnect import ReconnectTable
from .state import IkeSaState
from .stats import IkeStats

__all__ = ["Datagram", "Responder"]

COOKIE_ROTATE = 120.0  # seconds between cookie secrets (strongSwan's value); the previous one stays valid
HALF_OPEN_TIMEOUT = 30.0


class Responder:
    def __init__(self, router, rng=os.urandom, port_map: dict[int, int] | None = None, epoch_offset: float = 0.0):
        self.router = router
        # wall-clock epoch = `now` + epoch_offset (certificate validity): the driver measures it once, the engine
        # never reads a clock
        self.epoch_offset = epoch_offset
        self.rng = rng
        self.port_map = port_map or {}  # our engine port (500/4500) -> the real UDP port (`--ike-ports`)
        self.raise_errors = False  # test mode: internal errors propagate instead of counting as malformed
        self._out: list = []  # events of the call in progress, in order
        self._after_send: list = []  # announcements due once the current response has gone out
        self.waiting: dict[int, IkeSa] = {}
        self._clock = 0.0
        self._tokens = itertools.count(1)
        self.sas: dict[bytes, IkeSa] = {}
        self.half_open: dict[tuple[str, int, bytes], IkeSa] = {}
        self.children: dict[int, tuple[IkeSa, object]] = {}
        self.stats = IkeStats()
        self.half_open_timeout = HALF_OPEN_TIMEOUT
        self.invalid_spi_rate = 10  # INVALID_IKE_SPI answers per second
        self._spi_budget = (0.0, 0)
        self._next_session = 1
        # `CE id` of show crypto ikev2 sa detail: the crypto engine's connection of each IKE SA, new or rekeyed.
        # The chapter shows four-digit ones (1007, 1028, 1057); a count from 1001 here (inferred, docs/IKEV2.md)
        self._ce_ids = itertools.count(1001)
        self._free_tunnel: list[int] = []
        self._next_tunnel = 1
        self._cookie = [(0, rng(32), 0.0)]  # (version, secret, created) newest first
        self.esp_dropped = 0
        self.keepalives = 0
        # auto-reconnect: the kept state of reconnect-capable sessions (crypto/reconnect.py)
        self.reconnect = ReconnectTable(rng, lambda res: release_result(router, res))
        self.by_peer: dict[tuple, set] = {}  # (peer address, ID type, ID data) -> established SAs (INITIAL_CONTACT)

    # ------------------------------------------------------------------------------------------------------
    # CLI interface
    # ------------------------------------------------------------------------------------------------------
    def sa_states(self) -> list[IkeSaState]:
        """Every IKE SA's state for `show crypto ikev2 sa`, by tunnel id."""
        return sorted((sa.st for sa in self.sas.values() if sa.phase != DEAD), key=lambda s: s.tunnel_id)

    def clear(self, remote: str | None = None, now: float = 0.0) -> list:
        """`clear crypto session [remote A]` / `clear crypto ikev2 sa`: our DELETE (with Cisco's reason) for
        each established SA, then the SA goes at once (IOS does not wait for the answer either)."""
        out: list = []
        for sa in list(self.sas.values()):
            if remote is not None and sa.st.remote[0] != remote:
                continue
            if sa.phase == READY:
                out += sa.delete(now, DELETE_REASON_CLEAR)
            self.remove_sa(sa, now, reason="cleared", notify_peer=False)
        if remote is None:
            self.reconnect.clear()  # the preserved (inactive) sessions go with a clear of everything
        return self._collect(out)

    def reconnect_counts(self) -> tuple[int, int]:
        """(active, inactive) reconnect-capable sessions (`show crypto ikev2 stats reconnect`)."""
        return self.reconnect.counts()

    def session_sa(self, session_id: int):
        """The live IKE SA of IKE session `session_id`, or None."""
        return next((sa for sa in self.sas.values() if sa.st.session_id == session_id and sa.phase != DEAD
                     and sa.old_of is None), None)

    def disconnect(self, session_id: int, now: float = 0.0) -> list:
        """A RADIUS Disconnect-Request for one session (radius/dynauth.py): what `clear crypto session` does,
        for that session's SAs only (the chapter's PoD log is the clear's: DELETE with DELETE_REASON, "Delete
        all IKE SAs", accounting Stop)."""
        out: list = []
        for sa in list(self.sas.values()):
            if sa.st.session_id != session_id or sa.phase == DEAD:
                continue
            if sa.phase == READY:
                out += sa.delete(now, DELETE_REASON_CLEAR)
            self.remove_sa(sa, now, reason="disconnected", notify_peer=False)
        return self._collect(out)

    def _collect(self, datagrams: list) -> list:
        """The events of one call: what was logged and asked while processing, the datagrams, then what is
        announced once they are sent."""
        out = self._out
        self._out = []
        out.extend(datagrams)
        self._flush_after_send()
        if self._out:
            out.extend(self._out)
            self._out = []
        return out

    # ------------------------------------------------------------------------------------------------------
    # waiting for AAA
    # ------------------------------------------------------------------------------------------------------
    def ask(self, sa: IkeSa, question) -> int:
        """An IKE_AUTH step needs AAA: the request goes out as an event; `resume` brings the answer."""
        token = next(self._tokens)
        self.waiting[token] = sa
        self._out.append(AaaRequest(token, type(question).__name__, question))
        return token

    def resume(self, token, result, now: float) -> list:
        sa = self.waiting.pop(token, None)
        if sa is None or sa.task is None or sa.task.token != token:
            return []  # the SA went meanwhile (timed out, cleared): a late answer is dropped
        try:
            return self._collect(sa.resume(result, now))
        except Exception:  # noqa: BLE001  same promise as receive
            if self.raise_errors:
                raise
            self.stats.malformed += 1
            self.remove_sa(sa, now, reason="internal error")
            return self._collect([])

    # ------------------------------------------------------------------------------------------------------
    # input
    # ------------------------------------------------------------------------------------------------------
    def receive(self, data: bytes, src: tuple[str, int], dst: tuple[str, int], now: float) -> list:
        try:
            dg = self._receive(bytes(data), tuple(src), tuple(dst), now)
        except Exception:  # noqa: BLE001  hostile input must never take the engine down
            if self.raise_errors:
                raise
            self.stats.malformed += 1
            self.debug_raw(f"IKEv2-ERROR:Dropping malformed packet from {src[0]}:{src[1]}")
            dg = []
        return self._collect(dg)

    def _wire_port(self, port: int) -> int:
        """Our UDP port as the peer sees it: the driver may listen on other ports than 500/4500
        (`--ike-ports`), and NAT detection hashes the real one."""
        return self.port_map.get(port, port)

    def _flush_after_send(self) -> None:
        """Lines IOS logs once the response is on its way (SA created, line protocol up): the chapter prints
        them after the `Sending Packet` block of the last IKE_AUTH response."""
        while self._after_send:
            self._after_send.pop(0)()

    def _receive(self, data, src, dst, now) -> list[Datagram]:
        self._clock = now  # the time of the call in progress (given, never read from a clock)
        if dst[1] == 4500:
            kind, payload = C.classify_udp4500(data)
            if kind == "keepalive":
                self.keepalives += 1
                return []
            if kind == "esp":
                self._esp(payload, src, dst)
                return []
            if kind != "ike":
                self.stats.malformed += 1
                return []
            data = payload
        if len(data) < C.HEADER_LEN:
            self.stats.malformed += 1
            return []
        try:
            msg = C.parse_header(data)
        except C.CodecError as e:
            if e.notify == A.INVALID_MAJOR_VERSION:
                return self._invalid_major(data, src, dst)
            self.stats.malformed += 1
            return []
        if msg.spi_r == bytes(8):
            if msg.exchange != A.IKE_SA_INIT or msg.is_response or msg.message_id != 0:
                self.stats.malformed += 1
                return []
            return self._sa_init(data, src, dst, now, msg)
        # our SPI is the responder SPI, or the initiator SPI of an SA we made by rekeying (the peer's messages
        # on it lack the I flag)
        sa = self.sas.get(msg.spi_r if msg.from_initiator else msg.spi_i)
        if sa is None or sa.st.spi_i != msg.spi_i or sa.st.spi_r != msg.spi_r or sa.st.initiator == msg.from_initiator:
            return self._unknown_spi(msg, src, dst, now)
        try:
            msg = C.parse_message(data, msg)
        except C.CodecError as e:
            if e.notify == A.UNSUPPORTED_CRITICAL_PAYLOAD:
                self.stats.unsupported_critical += 1
            else:
                self.stats.malformed += 1
            return []
        try:
            return sa.handle(msg, src, dst, now)
        except SaError as e:
            self.stats.dropped_other += 1
            self.debug_error(sa, str(e))
            return []

    def _esp(self, data: bytes, src, dst) -> None:
        """ESP-in-UDP: the data plane is a later issue; find the child SA (counted) and drop."""
        spi = int.from_bytes(data[:4], "big")
        hit = self.children.get(spi)
        if hit is not None:
            hit[1].pkts_in += 1
            hit[1].bytes_in += len(data)
        self.esp_dropped += 1

    def _invalid_major(self, data, src, dst) -> list[Datagram]:
        """RFC 7296 §2.5: an unprotected INVALID_MAJOR_VERSION for a request with a higher major version."""
        self.stats.malformed += 1
        if (len(data) < C.HEADER_LEN or data[17] >> 4 <= 2 or data[:8] == bytes(8) or data[19] & A.FLAG_RESPONSE
                or not self._rate_ok(self._clock)):
            return []
        spi_i, spi_r = data[:8], data[8:16]
        m = C.Message(spi_i, spi_r, data[18], A.FLAG_RESPONSE, int.from_bytes(data[20:24], "big"),
                      [C.Notify(A.INVALID_MAJOR_VERSION, bytes((A.IKE_VERSION,)))])
        return [Datagram(frame(m.encode(), dst[1]), dst, src)]

    def _rate_ok(self, now: float) -> bool:
        t, n = self._spi_budget
        if now - t >= 1.0:
            self._spi_budget = (now, 1)
            return True
        if n < self.invalid_spi_rate:
            self._spi_budget = (t, n + 1)
            return True
        return False

    def _unknown_spi(self, msg, src, dst, now) -> list[Datagram]:
        self.stats.invalid_spi += 1
        if msg.is_response or not self._rate_ok(now):
            return []
        m = C.Message(msg.spi_i, msg.spi_r, A.INFORMATIONAL, A.FLAG_RESPONSE | (0 if msg.from_initiator else A.FLAG_INITIATOR),
                      msg.message_id, [C.Notify(A.INVALID_IKE_SPI)])
        return [Datagram(frame(m.encode(), dst[1]), dst, src)]

    # ------------------------------------------------------------------------------------------------------
    # IKE_SA_INIT
    # ------------------------------------------------------------------------------------------------------
    def _plain_reply(self, req, payloads, src, dst, spi_r=bytes(8)) -> list[Datagram]:
        m = C.Message(req.spi_i, spi_r, A.IKE_SA_INIT, A.FLAG_RESPONSE, 0, payloads)
        data = m.encode()
        self.debug_packet(None, "send", A.IKE_SA_INIT, 0, True, payloads, [data], spi=(req.spi_i, spi_r),
                          src=dst, dst=src)
        return [Datagram(frame(data, dst[1]), dst, src)]

    def _cookie_value(self, version: int, secret: bytes, ni: bytes, ip: str, spi_i: bytes) -> bytes:
        return bytes((version,)) + hashlib.sha256(ni + ip.encode() + spi_i + secret).digest()[:16]

    def _rotate_cookie(self, now: float) -> None:
        v, _, created = self._cookie[0]
        if now - created >= COOKIE_ROTATE:
            self._cookie = [((v + 1) & 0xFF, self.rng(32), now), self._cookie[0]]

    def _cookie_ok(self, cookie: bytes, ni: bytes, ip: str, spi_i: bytes) -> bool:
        if not cookie:
            return False
        for v, secret, _ in self._cookie:
            if cookie[0] == v and hmac.compare_digest(cookie, self._cookie_value(v, secret, ni, ip, spi_i)):
                return True
        return False

    def _sa_init(self, data, src, dst, now, header=None) -> list[Datagram]:
        """`header`: the message as `C.parse_header(data)` gave it (payloads not parsed yet)."""
        key = (src[0], src[1], data[:8])
        old = self.half_open.get(key)
        if old is not None:  # retransmitted IKE_SA_INIT: the very same answer (no reprocessing)
            return self._init_again(old, data, src, dst)
        try:
            req = C.parse_message(data, header)
        except C.CodecError as e:
            if e.notify == A.UNSUPPORTED_CRITICAL_PAYLOAD:
                self.stats.unsupported_critical += 1
                hdr = C.parse_header(data)
                return self._plain_reply(hdr, [C.Notify(A.UNSUPPORTED_CRITICAL_PAYLOAD, e.data)], src, dst)
            self.stats.malformed += 1
            return []
        self.debug_packet(None, "recv", A.IKE_SA_INIT, 0, True, req.payloads, None, spi=(req.spi_i, bytes(8)),
                          src=src, dst=dst)
        sa_p, ke, nonce = req.get(C.SA), req.get(C.KE), req.get(C.Nonce)
        if sa_p is None or ke is None or nonce is None or not 16 <= len(nonce.data) <= 256:
            self.stats.malformed += 1
            return self._plain_reply(req, [C.Notify(A.INVALID_SYNTAX)], src, dst)
        cfg = self.router.config
        settings = policy.sa_settings(cfg)
        self.stats.incoming_requests += 1
        # limits, then the stateless COOKIE (before any state is allocated)
        if settings.max_sa is not None and len(self.sas) >= settings.max_sa:
            self.stats.rejected_sa_limit += 1
            return []
        if settings.max_in_negotiation is not None and len(self.half_open) >= settings.max_in_negotiation:
            self.stats.rejected_rsrc_low += 1
            return []
        if settings.cookie_challenge is not None and len(self.half_open) >= settings.cookie_challenge:
            self._rotate_cookie(now)
            first = req.payloads[0] if req.payloads else None
            if isinstance(first, C.Notify) and first.type == A.COOKIE:
                if not self._cookie_ok(first.data, nonce.data, src[0], req.spi_i):
                    self.stats.cookie_rejected += 1
                    return []
                self.stats.cookie_accepted += 1
            else:
                self.stats.cookie_challenged += 1
                if req.notify(A.COOKIE) is not None:
                    self.stats.cookie_rejected += 1
                else:
                    self.stats.cookie_rejected_no_cookie += 1
                v, secret, _ = self._cookie[0]
                return self._plain_reply(
                    req, [C.Notify(A.COOKIE, self._cookie_value(v, secret, nonce.data, src[0], req.spi_i))], src, dst)
        # proposal
        ours = policy.ike_proposals(cfg, dst[0], None)
        choice = policy.select_ike_proposal(offered_proposals(sa_p, A.PROTO_IKE), ours, ke.group)
        if choice is None or not A.dh_supported(choice.dh) or not A.encr_supported(*choice.encr):
            self.stats.rejected_other += 1
            self.debug(lambda: D.no_proposal_chosen(None) + D.sending_no_proposal_chosen(None))
            return self._plain_reply(req, [C.Notify(A.NO_PROPOSAL_CHOSEN)], src, dst)
        if choice.dh != ke.group:
            return self._plain_reply(req, [C.Notify(A.INVALID_KE_PAYLOAD, choice.dh.to_bytes(2, "big"))], src, dst)
        # DH and keys
        try:
            priv, pub = A.generate(choice.dh, self.rng)
            g_ir = A.shared(choice.dh, priv, ke.data)
        except A.InvalidKeyExchange:
            self.stats.malformed += 1
            return self._plain_reply(req, [C.Notify(A.INVALID_SYNTAX)], src, dst)
        spi_r = self.new_ike_spi()
        nr = self.rng(32)
        keys = A.ike_keys(A.get_prf(choice.prf), A.get_encr(*choice.encr), choice.integ, nonce.data, nr,
                          req.spi_i, spi_r, g_ir)
        sa = self._new_sa(req.spi_i, spi_r, src, dst, now)
        sa.set_keys(choice, keys)
        sa.settings = settings
        sa.ni, sa.nr = nonce.data, nr
        sa.init_req = data
        sa.peer_next = 1  # IKE_SA_INIT was message 0
        sa.st.remote_next_msgid = 1
        sa.frag_peer = req.notify(A.IKEV2_FRAGMENTATION_SUPPORTED) is not None
        sa.peer_hashes = certs.signature_hash_algorithms(req)
        vids = {p.data for p in req.payloads if isinstance(p, C.VendorID)}
        sa.cisco_peer = CISCO_VIDS[0] in vids
        # NAT detection
        nat_src = [n.data for n in req.notifies() if n.type == A.NAT_DETECTION_SOURCE_IP]
        nat_dst = req.notify(A.NAT_DETECTION_DESTINATION_IP)
        if nat_src:
            sa.peer_addr_nat = C.nat_detection_hash(req.spi_i, bytes(8), src[0], src[1]) not in nat_src
        if nat_dst is not None:
            sa.local_nat = nat_dst.data != C.nat_detection_hash(req.spi_i, bytes(8), dst[0], self._wire_port(dst[1]))
        sa.st.nat_t = "detected outside" if sa.peer_addr_nat else ("detected inside" if sa.local_nat else "not detected")
        # response: SA KE N VID VID VID VID NOTIFY(NAT_DETECTION_SOURCE_IP) NOTIFY(NAT_DETECTION_DESTINATION_IP) ...
        payloads = [C.SA([ike_choice_proposal(C, choice)]), C.KE(choice.dh, pub), C.Nonce(nr)]
        payloads += [C.VendorID(v) for v in CISCO_VIDS]
        if VID_ANYCONNECT_EAP in vids:
            payloads.append(C.VendorID(VID_ANYCONNECT_EAP))  # AnyConnect-EAP capability (chapter step 1)
        payloads += [C.Notify(A.NAT_DETECTION_SOURCE_IP,
                              C.nat_detection_hash(req.spi_i, spi_r, dst[0], self._wire_port(dst[1]))),
                     C.Notify(A.NAT_DETECTION_DESTINATION_IP, C.nat_detection_hash(req.spi_i, spi_r, src[0], src[1]))]
        certreq = self.certreq_payload()
        if certreq is not None:
            payloads.append(certreq)
            if cfg.ikev2_global.http_url_cert:
                payloads.append(C.Notify(A.HTTP_CERT_LOOKUP_SUPPORTED))
        if settings.fragmentation:
            payloads.append(C.Notify(A.IKEV2_FRAGMENTATION_SUPPORTED))
        payloads.append(C.Notify(A.SIGNATURE_HASH_ALGORITHMS, b"\x00\x02\x00\x03\x00\x04"))
        resp = C.Message(req.spi_i, spi_r, A.IKE_SA_INIT, A.FLAG_RESPONSE, 0, payloads).encode()
        sa.init_resp = resp
        sa.init_digest = hashlib.sha1(data).digest()[:8]
        sa.half_key = key
        self.half_open[key] = sa
        self.debug_packet(sa, "send", A.IKE_SA_INIT, 0, True, payloads, [resp])
        if sa.peer_addr_nat or sa.local_nat:
            self.debug_line(sa, "NAT detected float to init port 4500" if dst[1] == 500 else "NAT detected")
        else:
            self.debug_line(sa, "NAT not found")
        return [Datagram(frame(resp, dst[1]), dst, src)]

    def _init_again(self, sa, data, src, dst) -> list[Datagram]:
        if hashlib.sha1(data).digest()[:8] == sa.init_digest and sa.init_resp:
            return [Datagram(frame(sa.init_resp, dst[1]), dst, src)]
        self.stats.dropped_other += 1
        return []

    # ------------------------------------------------------------------------------------------------------
    # tables
    # ------------------------------------------------------------------------------------------------------
    def new_ike_spi(self) -> bytes:
        while True:
            spi = self.rng(8)
            if spi != bytes(8) and spi not in self.sas:
                return spi

    def new_child_spi(self) -> int:
        while True:
            spi = int.from_bytes(self.rng(4), "big")
            if spi >= 256 and spi not in self.children:
                return spi

    def _tunnel_id(self) -> int:
        """IOS's Tunnel-id / SA ID: the lowest free number (so `SA ID = 1` for one peer)."""
        if self._free_tunnel:
            return heapq.heappop(self._free_tunnel)
        n = self._next_tunnel
        self._next_tunnel += 1
        return n

    def _new_sa(self, spi_i, spi_r, src, dst, now) -> IkeSa:
        st = IkeSaState(tunnel_id=self._tunnel_id(), session_id=self._next_session, spi_i=spi_i, spi_r=spi_r,
                        local=dst, remote=src, created=now, ce_id=next(self._ce_ids))
        self._next_session += 1
        sa = IkeSa(self, st)
        sa.last_rx = now
        self.sas[spi_r] = sa
        return sa

    def rekeyed_sa(self, old: IkeSa, peer_spi: bytes, our_spi: bytes | None = None) -> IkeSa:
        """The new IKE SA of an IKE rekey: same session and children, new SPIs, a new SA ID (IOS's `Tunnel-id`
        and debug `SA ID`) and its own creation time (`Life/Active Time` counts from the rekey).  `our_spi`:
        we initiated the rekey, so we are the new SA's original initiator (RFC 7296 §2.18)."""
        import dataclasses  # noqa: PLC0415

        now = self._clock
        if our_spi is None:
            spi_i, spi_r, initiator = peer_spi, self.new_ike_spi(), False
        else:
            spi_i, spi_r, initiator = our_spi, peer_spi, True
        st = dataclasses.replace(old.st, spi_i=spi_i, spi_r=spi_r, children=old.st.children, initiator=initiator,
                                 tunnel_id=self._tunnel_id(), ce_id=next(self._ce_ids), created=now, established=now,
                                 local_next_msgid=0, remote_next_msgid=0, local_req_msgid=0, remote_req_msgid=0)
        new = IkeSa(self, st)
        new.profile, new.settings, new.cisco_peer = old.profile, old.settings, old.cisco_peer
        new.frag_peer, new.peer_addr_nat, new.local_nat = old.frag_peer, old.peer_addr_nat, old.local_nat
        new.last_rx = old.last_rx
        new.rc = old.rc
        new.child_rekey, old.child_rekey = old.child_rekey, {}
        old.st = dataclasses.replace(old.st, children=[])
        old.old_of = new
        for spi, (owner, ch) in list(self.children.items()):
            if owner is old:
                self.children[spi] = (new, ch)
        self.sas[new.our_spi] = new
        peers = self.by_peer.get(self._peer_key(old))
        if peers is not None:
            peers.discard(old)
            peers.add(new)
        self._out.append(SessionEvent("update", st))
        new.expires = None if not new.settings or not new.settings.lifetime else now + new.settings.lifetime
        new.schedule_ike_rekey(now)
        return new

    def move_session(self, src: IkeSa, dst: IkeSa) -> None:
        """Simultaneous IKE rekeys (RFC 7296 §2.8.1): `dst` won, `src` (the peer's redundant SA) hands it the
        children and the session and goes quietly when the peer deletes it."""
        dst.st.children.extend(src.st.children)
        src.st.children = []
        dst.child_rekey.update(src.child_rekey)
        src.child_rekey = {}
        src.old_of = dst
        for spi, (owner, ch) in list(self.children.items()):
            if owner is src:
                self.children[spi] = (dst, ch)
        peers = self.by_peer.get(self._peer_key(src))
        if peers is not None:
            peers.discard(src)
            peers.add(dst)
        self.session_update(dst)

    def session_update(self, sa: IkeSa) -> None:
        self._out.append(SessionEvent("update", sa.st))

    def established(self, sa: IkeSa, now: float) -> None:
        st = sa.st
        st.status = "READY"
        st.status_description = "Negotiation done"
        st.established = now
        s = sa.settings
        st.lifetime = s.lifetime
        st.dpd_interval, st.dpd_retry = s.dpd_interval, s.dpd_retry
        st.fragmentation = s.fragmentation
        st.window_local = s.window
        sa.expires = now + s.lifetime if s.lifetime else None
        sa.schedule_ike_rekey(now)
        self.half_open.pop(sa.half_key, None)
        sa.half_key = None
        sa.drop_init_material()
        self.stats.incoming_accepted += 1
        self.by_peer.setdefault(self._peer_key(sa), set()).add(sa)
        self._after_send.append(lambda: self._announce_up(sa))

    def _announce_up(self, sa: IkeSa) -> None:
        st, s = sa.st, sa.settings
        debug = self._debug_on()  # the debug texts are only built when they are printed
        if debug:
            self.debug_line(sa, f"IKEV2 SA created; inserting SA into database. SA lifetime timer ({s.lifetime} sec) started")
            if sa.st.children:
                self.debug_raw(f"IKEv2:(SA ID = {st.tunnel_id}):[IPsec -> IKEv2] Creation of IPsec SA into IPsec database PASSED")
        if st.virtual_access:
            self._out.append(Log(tuple(D.vaccess_updown(st.virtual_access))))
        if debug:
            self.debug_line(sa, f"Session with IKE ID PAIR ({st.remote_id.text if st.remote_id else ''}, "
                                f"{st.local_id.text if st.local_id else ''}) is UP")
        self._out.append(SessionEvent("up", st))

    def child_added(self, sa, child) -> None:
        self.children[child.spi_in] = (sa, child)

    def child_removed(self, sa, child) -> None:
        self.children.pop(child.spi_in, None)

    def child_soft_expired(self, spi_in: int) -> bool:
        """The data plane saw child SA `spi_in` reach its soft lifetime in kilobytes or packets (interfaces/esp.py
        SOFT): its rekey is due now, started by the next `tick` as the time lifetime's is (IOS rekeys an IPsec SA
        when its volume lifetime nears its end).  False when no live SA has that child."""
        hit = self.children.get(spi_in)
        if hit is None or hit[0].phase == DEAD:
            return False
        sa = hit[0]
        sa.child_rekey[spi_in] = float("-inf")
        sa.due = float("-inf")
        return True

    def remove_sa(self, sa: IkeSa, now: float, reason: str = "", notify_peer: bool = False) -> None:
        """Forget an SA (and, unless it was rekeyed into a new one, its session, children and address)."""
        present = self.sas.get(sa.our_spi) is sa
        if present:
            del self.sas[sa.our_spi]
        if sa.half_key is not None:
            self.half_open.pop(sa.half_key, None)
            sa.half_key = None
        was_ready = sa.phase != INIT and sa.st.established is not None
        if was_ready:
            peers = self.by_peer.get(self._peer_key(sa))
            if peers is not None:
                peers.discard(sa)
                if not peers:
                    del self.by_peer[self._peer_key(sa)]
        sa.phase = DEAD
        if sa.old_of is not None:  # rekeyed: the new SA carries on with the session (and a new SA ID)
            if present and not any(s.st.tunnel_id == sa.st.tunnel_id for s in self.sas.values()):
                heapq.heappush(self._free_tunnel, sa.st.tunnel_id)
            return
        if sa.rc is not None:  # auto-reconnect: any end but DPD's (which made it inactive first) discards the state
            self.reconnect.session_ended(sa.st.session_id)
            sa.rc = None
        for ch in sa.st.children:
            self.children.pop(ch.spi_in, None)
        if present and not any(s.st.tunnel_id == sa.st.tunnel_id for s in self.sas.values()):
            heapq.heappush(self._free_tunnel, sa.st.tunnel_id)
        if sa.st.virtual_access:
            self._out.append(Log(tuple(D.vaccess_updown(sa.st.virtual_access, up=False))))
            self.router.vaccess.remove(sa.st.session_id)  # its number is free for the next session at once
        if was_ready:
            self.debug(D.delete_all, sa.st)
        if sa.task is not None:
            self.waiting.pop(sa.task.token, None)
            sa.task = None
        self._out.append(SessionEvent("gone", sa.st))

    def initial_contact(self, sa: IkeSa, now: float) -> None:
        """INITIAL_CONTACT: older SAs between the same identities are stale (the peer rebooted)."""
        for other in list(self.by_peer.get(self._peer_key(sa), ())):
            if other is not sa and other.phase == READY:
                self.remove_sa(other, now, reason="initial contact")

    @staticmethod
    def _peer_key(sa) -> tuple:
        rid = sa.st.remote_id
        return (sa.st.remote[0], rid.id_type if rid else 0, rid.data if rid else b"")

    def new_virtual_access(self, sa, profile, msg) -> str:
        """Chapter step 3: clone the session's virtual-access (interfaces/vaccess.py) from the profile's
        virtual-template, the session's AAA interface-config and the session itself; `msg` (the IKE_AUTH request)
        gives the child SA's traffic selectors for `virtual-template N mode auto`.  Raises SaError when the
        virtual-access cannot be made (the session fails)."""
        from ..interfaces.vaccess import CloneError  # noqa: PLC0415

        st = sa.st
        session = self.router.sessions.get(st.session_id)
        authz = session.authorization if session is not None else None
        gre = False
        if profile.virtual_template_auto:
            c = sa._codec()
            gre = any(ts.protocol == 47 for p in (msg.get(c.TSi), msg.get(c.TSr)) if p is not None
                      for ts in p.selectors)
        try:
            va, lines = self.router.vaccess.clone(profile.virtual_template, st.session_id, st.local[0], st.remote[0],
                                                  authz, auto_mode=profile.virtual_template_auto, gre=gre,
                                                  now=self._clock)
        except CloneError as e:
            self.debug(D.vaccess_failed, sa.st, str(e))
            raise SaError(A.AUTHENTICATION_FAILED, fatal=True, reason=str(e)) from None
        if lines:
            self._out.append(Log(tuple(lines)))
        return va.name

    # ------------------------------------------------------------------------------------------------------
    # authorization (config payload) and authentication hooks
    # ------------------------------------------------------------------------------------------------------
    def authorized(self, sa: IkeSa, res, cp_req):
        """The merged authorization (chapter step 1) and the address for a CFG_REQUEST (step 2), as the AAA
        service answered: (CFG_REPLY payload or None, pushed address).  A failed authorization raises SaError
        with the notify aaa/authorization.py chose (the session is terminated)."""
        if res is None or not res.ok:
            why = res.error if res is not None else "no answer"
            self.debug_error(sa, f"Authorization failed: {why}")
            self.stats.rejected_other += 1
            raise SaError((res.notify if res is not None else None) or A.AUTHENTICATION_FAILED, fatal=True,
                          reason=why or "authorization")
        if cp_req is None:
            return None, None
        attrs = cfg_reply_attributes(res, [a.type for a in cp_req.attrs])
        return C.CP(A.CFG_REPLY, [C.CPAttr(t, v) for t, v in attrs]), res.address

    def certreq_payload(self):
        """CERTREQ naming the trustpoint CAs of the certificate profiles, or None (certs.py)."""
        return certs.certreq_payload(self.router.config)

    # ------------------------------------------------------------------------------------------------------
    # timers
    # ------------------------------------------------------------------------------------------------------
    def tick(self, now: float) -> list:
        self._clock = now
        out: list = []
        self.reconnect.tick(now)
        for sa in list(self.sas.values()):
            if sa.phase == DEAD or sa.due > now:  # nothing of this SA's can fire yet (IkeSa.tick sets `due`)
                continue
            try:
                out += sa.tick(now)
            except Exception:  # noqa: BLE001
                if self.raise_errors:
                    raise
                self.remove_sa(sa, now, reason="internal error")
        return self._collect(out)

    # ------------------------------------------------------------------------------------------------------
    # debug and log
    # ------------------------------------------------------------------------------------------------------
    def _debug_on(self) -> bool:
        return bool(getattr(self.router, "debug", None)) and D.enabled(self.router)

    def log(self, text: str) -> None:
        """A log message (printed whatever the debug flags, like IOS's console log)."""
        self._out.append(Log(tuple(text.split("\n"))))

    def debug(self, build, *args) -> None:
        """Debug lines built by `build(*args)` (a crypto/debug.py builder) only when debugging is on: the
        builders run on every session's path."""
        if self._debug_on():
            self.debug_lines(build(*args))

    def debug_lines(self, lines: list[str]) -> None:
        """Debug lines, kept when their flag is on (crypto/debug.py decides by prefix)."""
        keep = D.filter_lines(lines, getattr(self.router, "debug", None) or ())
        if keep:
            self._out.append(Log(tuple(keep)))

    def debug_raw(self, text: str) -> None:
        if self._debug_on():
            self.debug_lines([text])

    def debug_line(self, sa, text: str) -> None:
        if self._debug_on():
            self.debug_lines([D.prefix(sa.st if sa is not None else None) + text.rstrip()])

    def debug_error(self, sa, text: str) -> None:
        if self._debug_on():
            self.debug_lines([D.prefix(sa.st if sa is not None else None).replace("IKEv2:", "IKEv2-ERROR:", 1) + text])

    def debug_packet(self, sa, direction, exchange, msg_id, request, payloads, packets, spi=None, src=None,
                     dst=None) -> None:
        """The packet block of `debug crypto ikev2` (formats.md §1.2) through debug.py's builders.
        `request`: for "recv" whether the message is a request, for "send" whether it is a response."""
        if not self._debug_on():
            return
        st = sa.st if sa is not None else None
        spi_i, spi_r = spi if spi is not None else (st.spi_i, st.spi_r)
        if src is None:
            src, dst = (st.local, st.remote) if direction == "send" else (st.remote, st.local)
        if direction == "send":  # our side with the port really in use (`--ike-ports`), not the engine's 500/4500
            src = (src[0], self._wire_port(src[1]))
        else:
            dst = (dst[0], self._wire_port(dst[1]))
        names = C.payload_tokens(payloads)
        xname = A.EXCHANGE_NAMES.get(exchange, str(exchange))
        if direction == "recv":
            lines = D.packet_received(st, src, dst, spi_i, spi_r, msg_id, xname, not request, names,
                                      internal=D.internal(self.router))
        else:
            lines = []
            plain = exchange == A.IKE_SA_INIT
            if not plain:
                lines += D.building_packet(st, names)
            lines += D.packet_sent(st, src, dst, spi_i, spi_r, msg_id, xname, bool(request),
                                   names if plain else ["ENCR"])
            lines.append("")  # the chapter leaves an empty line after a sent block, none after a received one
        self.debug_lines(lines)

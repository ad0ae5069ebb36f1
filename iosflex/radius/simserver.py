"""A RADIUS server for the in-process simulated network (golden transcripts and engine tests): users with a
password and reply attributes, accounting records kept in a list; packets through pyrad, as FreeRADIUS would
build them.  It is a test peer, not part of the router: the real server in the interop tests is FreeRADIUS.

    srv = SimRadiusServer("172.16.1.3", b"radius_key", ports=(1645, 1646))
    srv.users["router1"] = SimUser("cisco", [("Tunnel-Password", "pre_shared_key"),
                                             ("Cisco-AVPair", "ipsec:route-set=interface")])
    srv.users["alice"] = SimUser("secret", eap="mschapv2")    # EAP-MSCHAPv2 (or "md5")
    replies = srv.receive(data, src, dst)      # [Datagram] (nothing when `down`)

EAP (RFC 3579): an Access-Request with EAP-Message attributes (their concatenation is one EAP packet) must carry
a valid Message-Authenticator, else it is dropped.  A request without State starts a conversation (an
EAP-Response/Identity, or an empty EAP-Message = EAP-Start, which is answered with EAP-Request/Identity); the
Access-Challenge carries the next EAP-Request, a State that the next request must echo, and a
Message-Authenticator.  The conversation runs `crypto/eap.py`'s EapServer with the user's method; at the end,
Access-Accept with EAP-Success, User-Name (the authenticated identity), the user's reply attributes and, for
MSCHAPv2, MS-MPPE-Recv-Key / MS-MPPE-Send-Key (the MSK's two halves, RFC 2548 salt-encrypted), or Access-Reject
with EAP-Failure.  A retransmitted request (same source, identifier and authenticator) gets the same reply.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field

from ..crypto import eap as EAP
from ..events import Datagram
from . import packet as P


@dataclass
class SimUser:
    password: str = "cisco"
    reply: list[tuple[str, object]] = field(default_factory=list)
    eap: str | None = None  # "md5" | "mschapv2": the EAP method proposed to this user (None: MSCHAPv2)
    challenge: list[tuple[str, object]] = field(default_factory=list)  # attributes of its Access-Challenges too


class SimRadiusServer:
    def __init__(self, address: str, secret: bytes, ports: tuple[int, int] = (1645, 1646), rng=None):
        """`rng(n) -> bytes` draws EAP challenges; default: seeded from the address, so that transcripts are
        the same on every run."""
        self.address = address
        self.secret = secret
        self.auth_port, self.acct_port = ports
        self.users: dict[str, SimUser] = {}
        self.accounting: list[dict[str, list]] = []  # one dict per Accounting-Request: name -> values
        self.requests: list[dict[str, list]] = []
        self.down = False  # a server that answers nothing
        self._salt = 0
        self.rng = rng or random.Random(zlib.crc32(address.encode())).randbytes
        self.eap_sessions: dict[bytes, EAP.EapServer] = {}  # by State
        self.eap_results: list[EAP.EapServer] = []  # finished conversations, in order
        self._states = 0
        self._replies: dict[tuple, bytes] = {}  # retransmission cache of EAP replies

    def owns(self, dst) -> bool:
        return dst[0] == self.address and dst[1] in (self.auth_port, self.acct_port)

    def receive(self, data: bytes, src, dst) -> list[Datagram]:
        if self.down:
            return []
        try:
            if dst[1] == self.acct_port:
                req = P.verify_request(data, self.secret)
            else:
                req = P.decode(data)
        except P.BadPacket:
            return []
        values: dict[str, list] = {}
        for name in ("User-Name", "Calling-Station-Id", "NAS-IP-Address", "Service-Type", "Acct-Status-Type",
                     "Acct-Session-Id", "Acct-Session-Time", "Acct-Input-Octets", "Acct-Output-Octets",
                     "Acct-Input-Packets", "Acct-Output-Packets", "Acct-Terminate-Cause"):
            got = req.get_all(name)
            if got:
                values[name] = list(got)
        values["Cisco-AVPair"] = req.avpairs()
        with_ma = req.message_authenticator() is not None
        if req.code == P.ACCOUNTING_REQUEST:
            self.accounting.append(values)
            reply = P.encode_reply(P.ACCOUNTING_RESPONSE, req.ident, self.secret, req.authenticator, [])
            return [Datagram(reply, dst, src)]
        self.requests.append(values)
        if req.eap_message() is not None:
            reply = self._eap(req, data, src)
            return [Datagram(reply, dst, src)] if reply is not None else []
        user = self.users.get((req.get("User-Name") or ""))
        hidden = req.get("User-Password")
        password = P.unhide_password(hidden, self.secret, req.authenticator) if isinstance(hidden, bytes) else hidden
        if user is None or password != user.password:
            reply = P.encode_reply(P.ACCESS_REJECT, req.ident, self.secret, req.authenticator, [],
                                   message_authenticator=with_ma)
        else:
            attrs = [(k, (0, v) if k == "Tunnel-Password" else v) for k, v in user.reply]
            reply = P.encode_reply(P.ACCESS_ACCEPT, req.ident, self.secret, req.authenticator, attrs,
                                   message_authenticator=with_ma, rng=self._rng)
        return [Datagram(reply, dst, src)]

    # -- EAP -----------------------------------------------------------------------------------------------------
    def _eap(self, req: P.Packet, data: bytes, src) -> bytes | None:
        try:
            P.verify_request(data, self.secret)  # checks the Message-Authenticator when present
        except P.BadPacket:
            return None
        if req.message_authenticator() is None:  # RFC 3579 §3.2: required with EAP-Message
            return None
        key = (src, req.ident, req.authenticator)
        if key in self._replies:
            return self._replies[key]
        reply = self._eap_step(req)
        if reply is not None:
            self._replies[key] = reply
        return reply

    def _eap_step(self, req: P.Packet) -> bytes | None:
        msg = req.eap_message()
        state = req.state()
        if state is not None:
            conv = self.eap_sessions.get(state)
            if conv is None:  # an unknown or finished conversation
                return self._eap_reply(P.ACCESS_REJECT, req, EAP.failure(msg[1] if len(msg) > 1 else 0), None)
        else:
            conv = EAP.EapServer(self._eap_password, self._eap_methods, rng=self.rng)
            state = None
        try:
            out = conv.start() if msg == b"" else conv.receive(msg)
        except EAP.EapError:
            out = None
        if out is None:
            return None  # not the answer to our request: discarded (RFC 3748 §4.1)
        if conv.state == EAP.RUNNING:
            if state is None:
                self._states += 1
                state = self._states.to_bytes(4, "big") + self.rng(12)
                self.eap_sessions[state] = conv
            user = self.users.get(conv.identity) if conv.identity is not None else None
            return self._eap_reply(P.ACCESS_CHALLENGE, req, out, user.challenge if user is not None else None,
                                   [("State", state)])
        if state is not None:
            del self.eap_sessions[state]
        self.eap_results.append(conv)
        if conv.state != EAP.SUCCESS_STATE:
            return self._eap_reply(P.ACCESS_REJECT, req, out, None)
        user = self.users[conv.identity]
        attrs = [(k, (0, v) if k == "Tunnel-Password" else v) for k, v in user.reply]
        if conv.msk:
            attrs += [("MS-MPPE-Recv-Key", conv.msk[:16]), ("MS-MPPE-Send-Key", conv.msk[16:32])]
        return self._eap_reply(P.ACCESS_ACCEPT, req, out, attrs, [("User-Name", conv.identity)])

    def _eap_reply(self, code: int, req: P.Packet, eap_packet: bytes, before, after=()) -> bytes:
        """Attributes as FreeRADIUS orders them: reply attributes (and MPPE keys), EAP-Message (split at 253
        octets), Message-Authenticator, then State / User-Name."""
        attrs = list(before or [])
        attrs += [("EAP-Message", eap_packet[i : i + 253]) for i in range(0, len(eap_packet), 253)]
        attrs.append(("Message-Authenticator", b""))
        attrs += list(after)
        return P.encode_reply(code, req.ident, self.secret, req.authenticator, attrs, rng=self._rng)

    def _eap_password(self, identity: str):
        user = self.users.get(identity)
        return user.password if user is not None else None

    def _eap_methods(self, identity: str) -> list[int]:
        user = self.users.get(identity)
        name = (user.eap if user is not None else None) or "mschapv2"
        return [EAP.METHOD_NAMES[name]]

    def _rng(self, n: int) -> bytes:
        """Salts for Tunnel-Password: a counter, so that transcripts stay the same from run to run."""
        self._salt += 1
        return self._salt.to_bytes(n, "big")

"""A RADIUS server for the in-process simulated network (golden transcripts and engine tests): users with a
password and reply attributes, accounting records kept in a list; packets through pyrad, as FreeRADIUS would
build them.  It is a test peer, not part of the router: the real server in the interop tests is FreeRADIUS.

    srv = SimRadiusServer("172.16.1.3", b"radius_key", ports=(1645, 1646))
    srv.users["router1"] = SimUser("cisco", [("Tunnel-Password", "pre_shared_key"),
                                             ("Cisco-AVPair", "ipsec:route-set=interface")])
    replies = srv.receive(data, src, dst)      # [Datagram] (nothing when `down`)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..events import Datagram
from . import packet as P


@dataclass
class SimUser:
    password: str = "cisco"
    reply: list[tuple[str, object]] = field(default_factory=list)


class SimRadiusServer:
    def __init__(self, address: str, secret: bytes, ports: tuple[int, int] = (1645, 1646)):
        self.address = address
        self.secret = secret
        self.auth_port, self.acct_port = ports
        self.users: dict[str, SimUser] = {}
        self.accounting: list[dict[str, list]] = []  # one dict per Accounting-Request: name -> values
        self.requests: list[dict[str, list]] = []
        self.down = False  # a server that answers nothing
        self._salt = 0

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

    def _rng(self, n: int) -> bytes:
        """Salts for Tunnel-Password: a counter, so that transcripts stay the same from run to run."""
        self._salt += 1
        return self._salt.to_bytes(n, "big")

"""One record per peer session, outside the IKE engine (DESIGN.md, "Sessions").

The IKEv2 engine numbers a session (`Session-id`, `SESSION ID = n` in debug) when its IKE_SA_INIT is
answered; the record is made the first time anything refers to that number (the first AAA request of its
IKE_AUTH, or the session coming up) and lives until the engine says the session is gone.  It outlives IKE and
child rekeys: the engine sends an `update` with the new IKE SA state.  `show crypto session`, `show aaa user
all`, accounting, CoA/PoD and reconnect all read this table.

The identifiers IOS shows:
- `aaa_id`: the AAA unique id, `RADIUS(0000000E)` / `AAA SRV(0000000E)` in debug: one router-wide counter, a
  new value for each AAA transaction kind a session starts (authentication/authorization, accounting).
- `acct_session_id`: Acct-Session-Id (`"00000007"`), its own router-wide counter, given when accounting starts.
- `audit_session_id`: the Cisco AV pair `audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO3`, see
  `audit_session_id()`.
"""

from __future__ import annotations

import functools
import re
import socket
from dataclasses import dataclass


_ZERO_RUNS = re.compile("0{2,}")


def _run_letters(m: re.Match) -> str:
    run = len(m.group())
    out = []
    while run >= 2:
        take = min(run, 21)
        if run - take == 1:  # never leave a lone zero after a letter when it can be avoided
            take -= 1
        out.append(chr(ord("E") + take))
        run -= take
    return "".join(out) + ("0" if run == 1 else "")


_RUNS = {}  # run length -> its letters, for every run an id can hold


def _zero_compress(hexdigits: str) -> str:
    """IOS's compression of a hex string: a run of n >= 2 zeros becomes one letter, G for 2 ... Z for 21 (a
    longer run is split into Z and the rest); a single zero stays.  Inferred from the chapter's ids, whose
    decoding gives exactly the fields of `audit_session_id` (docs/AAA.md)."""
    return _ZERO_RUNS.sub(lambda m: _RUNS.get(len(m.group())) or _run_letters(m), hexdigits)


for _n in range(2, 129):
    _RUNS[_n] = _run_letters(_ZERO_RUNS.match("0" * _n))


@functools.lru_cache(maxsize=4096)
def _addr_field(addr: str) -> str:
    """Address family (4 bytes), length (4 bytes), the address padded to 16 bytes (cached: our own address is
    in every session's id, and a peer's comes back when it reconnects)."""
    try:
        raw = socket.inet_pton(socket.AF_INET, addr)
        fam = 2
    except OSError:
        raw = socket.inet_pton(socket.AF_INET6, addr)
        fam = 10
    return f"{fam:08X}{len(raw):08X}" + (raw + bytes(16 - len(raw))).hex().upper()


def audit_session_id(local: tuple[str, int], remote: tuple[str, int], session_id: int) -> str:
    """`L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO3` for 172.16.1.2:500 <- 172.16.1.1:500, session 3: the local and
    the remote address fields, the two ports (local << 16 | remote) and the session number in 16 bytes, as
    one zero-compressed hex string."""
    hexdigits = (_addr_field(local[0]) + _addr_field(remote[0]) + f"{(local[1] << 16) | remote[1]:08X}"
                 + f"{session_id:032X}")
    return _zero_compress(hexdigits)


@dataclass(slots=True)
class Accounting:
    """What accounting keeps for a session (`show aaa user all`)."""

    method_list: str
    aaa_id: int
    acct_session_id: int
    start_sent: bool = False
    stop_sent: bool = False
    stop_only: bool = False
    started: float = 0.0
    next_interim: float | None = None


@dataclass(slots=True)
class PeerSession:
    session_id: int  # the IKEv2 session number
    local: tuple[str, int]
    peer: tuple[str, int]
    audit_session_id: str
    aaa_id: int = 0  # AAA unique id of authentication/authorization (0: none yet)
    profile: str | None = None
    interface: str | None = None  # the virtual-access
    ike_sa: object = None  # the engine's IkeSaState (show crypto session reads it)
    created: float = 0.0
    status: str = "DOWN-NEGOTIATING"  # UP-ACTIVE once up
    phase1_id: str = ""  # the peer's IKE identity text
    eap_id: str | None = None  # the authenticated EAP identity (the Access-Accept's User-Name, else the EAP-Id)
    username: str | None = None  # the AAA username (user authorization, accounting User-Name)
    auth_method: str | None = None  # psk, cert, eap, anyconnect-eap: which `aaa accounting` list applies
    authorization: object = None  # the merged AuthzResult
    implicit: object = None  # attributes cached from AAA PSK / EAP
    accounting: Accounting | None = None
    up: bool = False

    @property
    def accounted_user(self) -> str:
        """Accounting's User-Name and `show aaa user all`'s Username: the peer's IKE identity, even when
        authorization used a mangled name (the chapter's PoD example); for an EAP session the authenticated EAP
        identity (inferred: the chapter shows no accounting of an EAP session)."""
        return self.eap_id or self.phase1_id


class SessionTable:
    """The per-router table (`router.sessions`)."""

    def __init__(self):
        self.by_id: dict[int, PeerSession] = {}
        self.by_audit: dict[str, PeerSession] = {}
        self._aaa_id = 0
        self._acct_id = 0

    def next_aaa_id(self) -> int:
        self._aaa_id += 1
        return self._aaa_id

    def next_acct_session_id(self) -> int:
        self._acct_id += 1
        return self._acct_id

    def get(self, session_id: int) -> PeerSession | None:
        return self.by_id.get(session_id)

    def ensure(self, session_id: int, local: tuple[str, int], peer: tuple[str, int], now: float = 0.0) -> PeerSession:
        s = self.by_id.get(session_id)
        if s is None:
            s = PeerSession(session_id, tuple(local), tuple(peer), audit_session_id(local, peer, session_id),
                            created=now)
            self.by_id[session_id] = s
            self.by_audit[s.audit_session_id] = s
        return s

    def remove(self, session_id: int) -> PeerSession | None:
        s = self.by_id.pop(session_id, None)
        if s is not None:
            self.by_audit.pop(s.audit_session_id, None)
        return s

    def active(self) -> list[PeerSession]:
        """Sessions that are up, by number (`show crypto session`)."""
        return [s for k, s in sorted(self.by_id.items()) if s.up]

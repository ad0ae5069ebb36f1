"""IKEv2 auto-reconnect (chapter, "IKEv2 Auto-Reconnect"): the state the router keeps for a reconnect-capable
session, the configuration attributes that hand it to the client, smart DPD's timers.

A session of a profile with `reconnect` whose client asked for the reconnect attributes in its CFG_REQUEST gets
a `Kept` entry: a session-id (the client's KEY_ID identity on a reconnect), a session-token (its pre-shared key),
the profile, the identities and the merged authorization.  While the session is up the entry is *active*.  When
DPD (smart or configured) finds the client gone, the SA goes and the entry turns *inactive* for the profile's
reconnect timeout (default 1800 s), keeping the authorization and its address lease.  A reconnect (IKE_AUTH with
PSK, IDi = session-id, key = session-token, from any address and port) moves the entry to the new SA, which reuses
the kept authorization with no AAA round trip and gets a fresh virtual-access.  A client's own DELETE, `clear
crypto session` or any other end of the session discards the entry; so does the timeout.

Designed here (no public source; docs/ANYCONNECT.md): the attribute numbers and formats (ATTRS), the
session-id and session-token formats, the pushed dpd-interval and smart DPD's quiet period, retry and tries,
which attempts count as reconnects in `show crypto ikev2 stats reconnect`, and that a token authenticates one
live session at a time (a reconnect takes the entry over; a reconnect with a token of another entry fails)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

# Table 9-1, reconstructed: private-use numbers (RFC 7296 §3.15.1: 16384-32767), clear of XAUTH 16520-16529,
# Microsoft 23456/23457 and Cisco Unity 28672-28682.  Values: session-id and session-token ASCII,
# dpd-interval and cleanup-interval unsigned 32-bit seconds; the client asks with empty values.
ATTR_SESSION_ID = 28800
ATTR_SESSION_TOKEN = 28801
ATTR_DPD_INTERVAL = 28802
ATTR_CLEANUP_INTERVAL = 28803
ATTRS = {"session-id": ATTR_SESSION_ID, "session-token": ATTR_SESSION_TOKEN,
         "dpd-interval": ATTR_DPD_INTERVAL, "cleanup-interval": ATTR_CLEANUP_INTERVAL}
ATTR_NUMBERS = frozenset(ATTRS.values())

DEFAULT_TIMEOUT = 1800  # `reconnect` without `timeout` (chapter: "The default reconnect-timeout duration is 30 minutes")
CLIENT_DPD_INTERVAL = 30  # the dpd-interval pushed to the client: how often it probes us
SMART_QUIET = 2 * CLIENT_DPD_INTERVAL  # no probe from the client for this long: we probe it
SMART_RETRY = 10  # seconds between our probes
SMART_TRIES = 3  # unanswered probes before the session turns inactive
RETIRED_KEEP = 65536  # session-ids remembered after their entry went (their attempts count as failed reconnects)


@dataclass(slots=True)
class Kept:
    session_id: str  # the reconnect session-id (the client's IDi on a reconnect)
    token: bytes  # the session-token (its pre-shared key); never shown
    profile: str
    remote_id: object  # the initial session's IKE identity (Identity)
    eap_id: str | None
    acct_method: str  # which `aaa accounting` list the reconnected sessions use (the initial method's)
    timeout: int
    session: int | None = None  # the IKE session number that carries it now (None: inactive)
    expires: float | None = None  # inactive: when the kept state is discarded
    authorization: object = None  # the merged AuthzResult of the initial session (address lease included)


class ReconnectTable:
    """The router's kept reconnect state (Responder.reconnect).  `rng(n)` makes ids and tokens."""

    def __init__(self, rng, release):
        self.rng = rng
        self.release = release  # release(AuthzResult): give its address back to the pool
        self.by_id: dict[str, Kept] = {}
        self.by_session: dict[int, Kept] = {}
        self.retired: OrderedDict[str, None] = OrderedDict()
        self.inactive = 0

    def counts(self) -> tuple[int, int]:
        """(active, inactive) reconnect-capable sessions (`show crypto ikev2 stats reconnect`)."""
        return len(self.by_session), self.inactive

    def issue(self, session: int, profile, remote_id, eap_id, acct_method: str) -> Kept:
        while True:
            sid = self.rng(8).hex().upper()
            if sid not in self.by_id and sid not in self.retired:
                break
        token = f"{self.rng(3).hex()}@{session}@{self.rng(2).hex()}@{self.rng(20).hex().upper()}".encode()
        k = Kept(sid, token, profile.name, remote_id, eap_id, acct_method,
                 profile.reconnect_timeout or DEFAULT_TIMEOUT, session=session)
        self.by_id[sid] = k
        self.by_session[session] = k
        return k

    def find(self, session_id: bytes) -> Kept | None:
        try:
            return self.by_id.get(session_id.decode("ascii"))
        except UnicodeDecodeError:
            return None

    def is_retired(self, session_id: bytes) -> bool:
        try:
            return session_id.decode("ascii") in self.retired
        except UnicodeDecodeError:
            return False

    def go_inactive(self, session: int, authorization, now: float) -> Kept | None:
        """DPD found the client gone: keep the entry (and the authorization with its address) until the timeout."""
        k = self.by_session.pop(session, None)
        if k is None:
            return None
        k.session = None
        k.expires = now + k.timeout
        if authorization is not None:
            k.authorization = authorization
        self.inactive += 1
        return k

    def take(self, k: Kept, session: int) -> None:
        """A reconnect authenticated: the entry now belongs to IKE session `session`."""
        if k.session is not None:
            self.by_session.pop(k.session, None)
        else:
            self.inactive -= 1
        k.session = session
        k.expires = None
        self.by_session[session] = k

    def session_ended(self, session: int) -> None:
        """The session went for any other reason than DPD (client DELETE, clear, lifetime, PoD): discard."""
        k = self.by_session.pop(session, None)
        if k is not None:
            self._retire(k)

    def discard(self, k: Kept) -> None:
        if k.session is not None:
            self.by_session.pop(k.session, None)
        else:
            self.inactive -= 1
            if k.authorization is not None:
                self.release(k.authorization)
        self._retire(k)

    def _retire(self, k: Kept) -> None:
        self.by_id.pop(k.session_id, None)
        k.authorization = None
        self.retired[k.session_id] = None
        while len(self.retired) > RETIRED_KEEP:
            self.retired.popitem(last=False)

    def expired(self, k: Kept, now: float) -> bool:
        return k.session is None and k.expires is not None and now >= k.expires

    def tick(self, now: float) -> None:
        if not self.inactive:
            return
        for k in [k for k in self.by_id.values() if self.expired(k, now)]:
            self.discard(k)

    def next_due(self) -> float | None:
        if not self.inactive:
            return None
        return min((k.expires for k in self.by_id.values() if k.session is None and k.expires is not None),
                   default=None)

    def clear(self) -> None:
        """`clear crypto session` (all): the inactive entries go too."""
        for k in [k for k in self.by_id.values() if k.session is None]:
            self.discard(k)


def attr_values(k: Kept) -> dict[int, bytes]:
    return {ATTR_SESSION_ID: k.session_id.encode(), ATTR_SESSION_TOKEN: k.token,
            ATTR_DPD_INTERVAL: CLIENT_DPD_INTERVAL.to_bytes(4, "big"),
            ATTR_CLEANUP_INTERVAL: k.timeout.to_bytes(4, "big")}

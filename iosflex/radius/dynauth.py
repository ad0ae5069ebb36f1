"""The RADIUS dynamic-authorization server (RFC 5176; `aaa server radius dynamic-author`): Disconnect-Request
(the chapter's "RADIUS Packet of Disconnect") and CoA-Request ("RADIUS Change of Authorization") on live
sessions.

A sans-I/O core like the others (docs/HACKING.md): `receive(data, src, dst, now)` takes one datagram that
came to the configured port (`owns(dst)`) and returns events: `Log` lines, the reply `Datagram`, and what the
action causes (a disconnect: the IKEv2 engine's DELETE, the session going, accounting Stop).  The driver opens
the port's sockets on the router's addresses when the configuration enables it (crypto/driver.py); the
in-process network of the transcripts delivers to it directly (simnet.py, `;;@radius disconnect|coa`).

Order of the checks (each failure is counted in `stats` and the packet dropped, no answer):
  the source is a configured `client` (else `unknown_client`); a Disconnect- or CoA-Request (else
  `unknown_type`); a retransmission (same source address and port, identifier and authenticator within
  `CACHE_TTL`) is answered again from the cache and never applied twice (`duplicates`; with `ignore
  retransmission` it is dropped); a shared secret (the client's, else `server-key`; else `no_key`); the
  Request Authenticator and any Message-Authenticator (`bad_authenticator`, unless `ignore server-key`);
  the packet decodes (`malformed`); an Event-Timestamp, when present, within `WINDOW` seconds of our clock
  (`stale`, RFC 5176 §6.3: silently discarded, no NAK nor Error-Cause; a request without one is
  accepted, IOS having no setting that requires it).

Which session a request names (`auth-type`, `ignore session-key`).  IOS's "session key" is the vendor attribute
151 (Session-Svr-Key) of the old `aaa pod server`, which the FlexVPN server never issues; its session key here
is the Cisco AV pair `audit-session-id` (with or without `ip:`), the chapter's only session identifier and the
one the router sends in its Access- and Accounting-Requests (an inference, docs/AAA.md).  The other identifiers
are User-Name, Calling-Station-Id, Acct-Session-Id and Framed-IP-Address (attribute 151 itself is unknown: a
CoA carrying it gets 401).
  `all` (IOS's default): the session key is required and names the session; every other identifier present
  must name it too.  `session-key`: the session key is required and decides alone, the others are not looked
  at.  `any`: no identifier is required; the sessions that any identifier present names (the session key
  included) must be exactly one.  `ignore session-key` drops the requirement: under `all` or `session-key`
  a request without a session key is matched on the identifiers it has, all of which must name the session
  (under `any` it changes nothing).
  Identifiers naming several sessions: NAK with RFC 5176's Error-Cause 508 (Multiple Session Selection
  Unsupported), no Reply-Message.  Event-Timestamp is never required (see the checks above).
No session: NAK with Reply-Message "No Matching Session" and Error-Cause 404, as the chapter shows.  A CoA is
all or nothing: its lines are applied to a copy of the virtual-access's configuration first; one that cannot be
applied gives CoA-NAK 407 (an unknown attribute 401, a session without a virtual-access 407) and nothing
changes.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from dataclasses import dataclass, field

from ..events import Datagram, Log
from . import debug as RD
from . import dynauth_text as T
from .packet import (COA_ACK, COA_NAK, COA_REQUEST, DISCONNECT_ACK, DISCONNECT_NAK, DISCONNECT_REQUEST,
                     VENDOR_SPECIFIC, BadPacket, decode, encode_reply, verify_request)
from .servers import shared_secret

DEBUG_POD = "aaa pod"
DEBUG_COA = "aaa coa"
WINDOW = 300.0  # seconds an Event-Timestamp may be off (RFC 5176 §6.3's default)
CACHE_TTL = WINDOW  # seconds a reply stays cached: §6.3, the duplicate-detection window is the timestamp window
CACHE_MAX = 65536  # replies kept at most (about 200 bytes each); past it the oldest go first

REPLY_MESSAGE = 18
ERROR_CAUSE = 101
PROXY_STATE = 33
NO_MATCHING_SESSION = "No Matching Session"
INVALID_REQUEST = 404
UNSUPPORTED_ATTRIBUTE = 401
INVALID_ATTRIBUTE_VALUE = 407
MULTIPLE_SESSIONS = 508  # Multiple Session Selection Unsupported (RFC 5176, Error-Cause)

# attributes a request may carry besides the Cisco AV pairs, without being an action
_IDENTIFIERS = {1: "User-Name", 31: "Calling-Station-Id", 44: "Acct-Session-Id", 8: "Framed-IP-Address"}
_HARMLESS = {4, 32, 95, 55, 80, 33, 101, 30, 6}  # NAS ids, Event-Timestamp, Message-Authenticator, Proxy-State,
#                                                  Error-Cause, Called-Station-Id, Service-Type


@dataclass
class ClientStats:
    disconnect_requests: int = 0
    disconnect_acks: int = 0
    disconnect_naks: int = 0
    coa_requests: int = 0
    coa_acks: int = 0
    coa_naks: int = 0
    duplicates: int = 0  # retransmissions, answered again from the cache or (ignore retransmission) dropped
    duplicates_dropped: int = 0
    bad_authenticator: int = 0
    malformed: int = 0
    stale: int = 0
    unknown_type: int = 0
    no_key: int = 0


@dataclass
class DynAuthStats:
    unknown_client: int = 0
    clients: dict[str, ClientStats] = field(default_factory=dict)

    def client(self, ip: str) -> ClientStats:
        c = self.clients.get(ip)
        if c is None:
            c = self.clients[ip] = ClientStats()
        return c

    def total(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.clients.values())


DROP_REASONS = ("duplicates_dropped", "bad_authenticator", "malformed", "stale", "unknown_type", "no_key")


def dropped(c: ClientStats) -> int:
    """The client's requests dropped without an answer, every reason."""
    return sum(getattr(c, name) for name in DROP_REASONS)


def _avpair(text: str) -> tuple[str, int, str]:
    """`ip:inacl#3=permit 1.1.1.1` -> ("inacl", 3, "permit 1.1.1.1"); the protocol prefix goes."""
    name, _, value = text.partition("=")
    if ":" in name:
        name = name.split(":", 1)[1]
    tag = 0
    if "#" in name:
        name, _, num = name.partition("#")
        tag = int(num) if num.isascii() and num.isdigit() else 0  # (not int('²'): isdigit says yes)
    return name.strip(), tag, value


def _no_session_message(cause: int) -> str | None:
    """The NAK's Reply-Message when no single session was named: the chapter's text for none; none for several
    (Error-Cause 508 says it)."""
    return NO_MATCHING_SESSION if cause == INVALID_REQUEST else None


def _names(t: int, value: bytes, s) -> bool:
    """Whether one session-identification attribute (User-Name, Calling-Station-Id, Acct-Session-Id,
    Framed-IP-Address) names session `s`."""
    if t == 1:
        return value.decode("utf-8", "replace") in (s.username, s.accounted_user, s.phase1_id)
    if t == 31:
        return value.decode("latin-1") == s.peer[0]
    if t == 44:
        acct = s.accounting
        return acct is not None and value.decode("latin-1") == f"{acct.acct_session_id:08X}"
    if t == 8:
        return len(value) == 4 and ".".join(str(b) for b in value) == getattr(s.ike_sa, "pushed_ip", None)
    return False


class DynAuthServer:
    """One per router (`router.services.dynauth`)."""

    def __init__(self, router, sessions, crypto, epoch_offset: float = 0.0):
        self.router = router
        self.sessions = sessions
        self.crypto = crypto
        self.epoch_offset = epoch_offset
        self.stats = DynAuthStats()
        self._cache: OrderedDict = OrderedDict()  # (src, ident, authenticator) -> (expiry, reply bytes)
        self._acl_sets = 0  # per-session ACL names: Virtual-AccessN#<set><nn>

    # -- the port --------------------------------------------------------------------------------------------
    def port(self) -> int | None:
        da = self.router.config.aaa_dynamic_author
        return da.port if da.enabled else None

    def owns(self, dst) -> bool:
        da = self.router.config.aaa_dynamic_author
        return da.enabled and dst[1] == da.port

    def _client(self, da, ip: str):
        for (host, _vrf), c in da.clients.items():
            if host == ip:
                return c
        return None

    # -- a datagram --------------------------------------------------------------------------------------------
    def receive(self, data: bytes, src, dst, now: float) -> list:
        da = self.router.config.aaa_dynamic_author
        client = self._client(da, src[0])
        if client is None:
            self.stats.unknown_client += 1
            return []
        cs = self.stats.client(src[0])
        if len(data) < 20 or data[0] not in (DISCONNECT_REQUEST, COA_REQUEST):
            if len(data) < 20:
                cs.malformed += 1
            else:
                cs.unknown_type += 1
            return []
        key = (src[0], src[1], data[1], data[4:20])
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            cs.duplicates += 1
            if "retransmission" in da.ignore:
                cs.duplicates_dropped += 1
                return []
            return [Datagram(hit[1], dst, src)]
        keyobj = client.key or da.server_key
        if keyobj is None:
            cs.no_key += 1
            return []
        secret = shared_secret(keyobj)
        try:
            pkt = decode(data) if "server-key" in da.ignore else verify_request(data, secret)
        except BadPacket as e:
            if "authenticator" in e.reason.lower() or "Message-Authenticator" in e.reason:
                cs.bad_authenticator += 1
            else:
                cs.malformed += 1
            return []
        try:
            ts = pkt.get("Event-Timestamp")
        except Exception:  # noqa: BLE001  an undecodable value: malformed
            cs.malformed += 1
            return []
        if ts is not None and abs(int(ts) - (now + self.epoch_offset)) > WINDOW:
            cs.stale += 1
            return []
        pod = pkt.code == DISCONNECT_REQUEST
        if pod:
            cs.disconnect_requests += 1
        else:
            cs.coa_requests += 1
        out = self._disconnect(pkt, data, src, dst, now, cs, secret) if pod else \
            self._coa(pkt, data, src, dst, now, cs, secret)
        reply = next((e for e in out if e.__class__ is Datagram), None)
        if reply is not None:
            self._remember(key, now, reply.data)
        return out

    def _remember(self, key, now: float, reply: bytes) -> None:
        cache = self._cache
        cache[key] = (now + CACHE_TTL, reply)
        cache.move_to_end(key)
        while cache:
            k, (expiry, _r) = next(iter(cache.items()))
            if expiry > now and len(cache) <= CACHE_MAX:
                break
            del cache[k]

    # -- what the request says -------------------------------------------------------------------------------
    def _parse(self, pkt) -> tuple[list[tuple[str, int, str]], list[tuple[str, int, str]], bool, str, str]:
        """(AV pairs as (name, tag, value), the attribute-list rows, any unknown attribute, User-Name,
        Framed-IP-Address)."""
        avs: list[tuple[str, int, str]] = []
        rows: list[tuple[str, int, str]] = []
        unknown = False
        user, framed = "", "0.0.0.0"
        for a in pkt.attributes:
            if a.type == VENDOR_SPECIFIC:
                if a.vendor != 9:
                    unknown = True
                    continue
                for st, sv in a.subs:
                    if st != 1:
                        unknown = True
                        continue
                    av = _avpair(sv.decode("utf-8", "replace"))
                    avs.append(av)
                    rows.append(av)
            elif a.type == 1:
                user = a.value.decode("utf-8", "replace")
                rows.append(("username", 0, user))
            elif a.type == 8 and len(a.value) == 4:
                framed = ".".join(str(b) for b in a.value)
            elif a.type not in _IDENTIFIERS and a.type not in _HARMLESS:
                unknown = True
        return avs, rows, unknown, user, framed

    def _session(self, pkt, avs, da):
        """(the live session the request names, 0), else (None, the NAK's Error-Cause: 404 when none matches,
        508 when its identifiers name more than one).  The rules by `auth-type` and `ignore session-key` are in
        the module's docstring."""
        key = next((v.strip() for n, _t, v in avs if n == "audit-session-id"), None)
        ids = [(a.type, a.value) for a in pkt.attributes if a.type in _IDENTIFIERS]
        auth = da.auth_type or "all"
        if auth == "any":
            named = {}
            s = self.sessions.by_audit.get(key) if key else None
            if s is not None and s.up:
                named[s.session_id] = s
            if ids:
                for s in self.sessions.active():
                    if any(_names(t, v, s) for t, v in ids):
                        named[s.session_id] = s
            found = list(named.values())
        elif key:
            s = self.sessions.by_audit.get(key)
            if s is None or not s.up:
                return None, INVALID_REQUEST
            if auth == "all" and not all(_names(t, v, s) for t, v in ids):
                return None, INVALID_REQUEST
            return s, 0
        elif "session-key" in da.ignore and ids:
            found = [s for s in self.sessions.active() if all(_names(t, v, s) for t, v in ids)]
        else:
            return None, INVALID_REQUEST
        if len(found) == 1:
            return found[0], 0
        return None, (MULTIPLE_SESSIONS if found else INVALID_REQUEST)

    # -- debug helpers ----------------------------------------------------------------------------------------
    def _head(self, kind: str, flag: str, pkt, data, src, rows) -> list[str]:
        dbg = self.router.debug
        lines: list[str] = []
        radius = "radius authentication" in dbg
        if flag in dbg or radius:
            lines.append(T.received(kind, pkt.ident, src, len(data)))
        if flag in dbg:
            lines.append(T.queued(kind, src[0]))
        if radius:
            lines.append(RD.authenticator_line(pkt.authenticator))
            lines.extend(RD.attribute_lines(data))
            lines.append("")
        if flag in dbg:
            lines.extend(T.attribute_list(kind, rows))
        return lines

    def _reply(self, code: int, pkt, secret: bytes, attrs: list[tuple[int, bytes]], src, dst) -> Datagram:
        proxy = [(PROXY_STATE, a.value) for a in pkt.attributes if a.type == PROXY_STATE]
        data = encode_reply(code, pkt.ident, secret, pkt.authenticator, attrs + proxy)
        return Datagram(data, dst, src)

    def _nak(self, kind: str, code: int, pkt, secret, src, dst, cause: int, message: str | None,
             lines: list[str], no_session: bool, user: str, framed: str) -> list:
        dbg = self.router.debug
        flag = DEBUG_POD if kind == "POD" else DEBUG_COA
        attrs: list[tuple[int, bytes]] = []
        if message:
            attrs.append((REPLY_MESSAGE, message.encode()[:253]))
        attrs.append((ERROR_CAUSE, struct.pack("!I", cause)))
        if flag in dbg:
            if no_session:
                lines.extend(T.unsupported_vsa(kind, src[0]) for a in pkt.attributes if a.type == VENDOR_SPECIFIC)
                lines.append(T.dropped(kind, src[0], user, framed))
            if message:
                lines.append(T.reply_message(kind, message))
            lines.append(T.error_cause(kind, cause))
            lines.append(T.sending(kind, False, dst[1], src))
            lines.extend(T.nak_attribute_rows(attrs))
        out: list = [Log(tuple(lines))] if lines else []
        out.append(self._reply(code, pkt, secret, attrs, src, dst))
        return out

    # -- Disconnect-Request -----------------------------------------------------------------------------------
    def _disconnect(self, pkt, data, src, dst, now, cs: ClientStats, secret: bytes) -> list:
        da = self.router.config.aaa_dynamic_author
        avs, rows, _unknown, user, framed = self._parse(pkt)
        lines = self._head("POD", DEBUG_POD, pkt, data, src, rows)
        if DEBUG_POD in self.router.debug:
            lines.append("")
        s, cause = self._session(pkt, avs, da)
        if s is None:
            cs.disconnect_naks += 1
            return self._nak("POD", DISCONNECT_NAK, pkt, secret, src, dst, cause, _no_session_message(cause),
                             lines, True, user, framed)
        cs.disconnect_acks += 1
        if DEBUG_POD in self.router.debug:
            lines.append(T.sending("POD", True, dst[1], src))
        out: list = [Log(tuple(lines))] if lines else []
        out.append(self._reply(DISCONNECT_ACK, pkt, secret, [], src, dst))
        out.extend(self.crypto.disconnect(s.session_id, now))
        return out

    # -- CoA-Request ------------------------------------------------------------------------------------------
    def _coa(self, pkt, data, src, dst, now, cs: ClientStats, secret: bytes) -> list:
        da = self.router.config.aaa_dynamic_author
        avs, rows, unknown, user, framed = self._parse(pkt)
        lines = self._head("COA", DEBUG_COA, pkt, data, src, rows)
        s, cause = self._session(pkt, avs, da)

        def nak(cause, message, no_session=False):
            cs.coa_naks += 1
            return self._nak("COA", COA_NAK, pkt, secret, src, dst, cause, message, lines, no_session, user, framed)

        if s is None:
            return nak(cause, _no_session_message(cause), True)
        actions = [(n, t, v) for n, t, v in avs if n != "audit-session-id"]
        known = {"interface-config", "inacl", "outacl", "sub-policy-in", "sub-qos-policy-in", "sub-policy-out",
                 "sub-qos-policy-out"}
        if unknown or any(n.lower() not in known for n, _t, _v in actions):
            return nak(UNSUPPORTED_ATTRIBUTE, "Unsupported Attribute")
        vaccess = self.router.vaccess
        va = vaccess.for_session(s.session_id)
        if va is None:
            if not actions:
                cs.coa_acks += 1
                return self._ack(lines, pkt, secret, src, dst)
            return nak(INVALID_ATTRIBUTE_VALUE, "No virtual-access interface for the session")
        # 1. the lines, in request order; the ACLs of each direction made from their entries
        text: list[str] = []
        acl_entries: dict[str, list[tuple[int, str]]] = {}
        for n, t, v in actions:
            n = n.lower()
            if n == "interface-config":
                text.append(v.strip())
            elif n in ("sub-policy-in", "sub-qos-policy-in", "sub-policy-out", "sub-qos-policy-out"):
                v = v.strip()
                direction = "input" if n.endswith("in") else "output"
                text.append(v if v.startswith("service-policy") else f"service-policy {direction} {v}")
            else:
                direction = "in" if n == "inacl" else "out"
                if direction not in acl_entries:
                    acl_entries[direction] = []
                    text.append(f"IP access-group {{{direction}}} {direction}")  # named below
                acl_entries[direction].append((t, v.strip()))
        acls = {}
        if acl_entries:
            self._acl_sets += 1
            for k, direction in enumerate(acl_entries, 1):
                name = f"{va.name}#{self._acl_sets}{k:02d}"
                acl, err = vaccess.build_acl(name, [v for _t, v in sorted(acl_entries[direction],
                                                                            key=lambda e: e[0])])
                if acl is None:
                    self._acl_sets -= 1
                    return nak(INVALID_ATTRIBUTE_VALUE, err)
                acls[direction] = acl
            text = [ln.replace("{in}", acls["in"].name) if "{in}" in ln else
                    ln.replace("{out}", acls["out"].name) if "{out}" in ln else ln for ln in text]
        # 2. all of them on a copy of the interface first: applied together or not at all
        err, log = vaccess.reclone(va, text, acls)
        if err is not None:
            if acls:
                self._acl_sets -= 1
            return nak(INVALID_ATTRIBUTE_VALUE, err)
        cs.coa_acks += 1
        out = self._ack(lines, pkt, secret, src, dst)
        if log:
            out.append(Log(tuple(log)))
        return out

    def _ack(self, lines, pkt, secret, src, dst) -> list:
        if DEBUG_COA in self.router.debug:
            lines.append(T.sending("COA", True, dst[1], src))
        out: list = [Log(tuple(lines))] if lines else []
        out.append(self._reply(COA_ACK, pkt, secret, [], src, dst))
        return out


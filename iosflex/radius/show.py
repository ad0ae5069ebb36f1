"""`show aaa servers`, in the layout of IOS-XE routers (public captures of CSR1000v / ISR output and the
genieparser golden files `iosxe/tests/ShowAAServers`; the Catalyst 9800 platform lines (SMD, WNCD, Dot1x
and MAC transactions) are left out, a router has none).  The `Malformed responses` and `Bad
authenticators` lines of 17.x are kept: genie's schema requires them.

Servers are listed from the running-config (every `radius server` with an address, then the
`server-private` entries of the groups), numbered in that order; counters come from the RadiusClient.

`show aaa clients [detailed]` (the dynamic-author server's clients and counters) is at the end of the file.
"""

from __future__ import annotations

from .client import KindStats, RadiusClient, ServerSpec, ServerStats
from .dynauth import DROP_REASONS, ClientStats, dropped
from .servers import group_servers


def elapsed(seconds: float) -> str:
    """IOS's `3w4d1h39m` / `2h9m` / `57m` / `0m`: leading zero units dropped, minutes always shown."""
    m = int(max(0, seconds) // 60)
    w, m = divmod(m, 7 * 24 * 60)
    d, m = divmod(m, 24 * 60)
    h, m = divmod(m, 60)
    out = ""
    if w:
        out += f"{w}w"
    if w or d:
        out += f"{d}d"
    if w or d or h:
        out += f"{h}h"
    return out + f"{m}m"


def configured_servers(cfg) -> list[ServerSpec]:
    """Every server the config defines, in IOS's id order, each once."""
    out: dict[tuple, ServerSpec] = {}
    for spec in group_servers(cfg, "radius"):
        out.setdefault(spec.id, spec)
    for name in cfg.aaa_groups.radius:
        for spec in group_servers(cfg, name):
            if spec.private:
                out.setdefault(spec.id, spec)
    return list(out.values())


def _kind_lines(title: str, k: KindStats, acct: bool) -> list[str]:
    pad = " " * 13
    out = [f"     {title}: request {k.request}, timeouts {k.timeouts}, failover {k.failover}, "
           f"retransmission {k.retransmission}"]
    if acct:
        out.append(f"{pad}Request: start {k.req_start}, interim {k.req_interim}, stop {k.req_stop}")
        out.append(f"{pad}Response: start {k.resp_start}, interim {k.resp_interim}, stop {k.resp_stop}")
    else:
        out.append(f"{pad}Response: accept {k.accept}, reject {k.reject}, challenge {k.challenge}")
    out += [
        f"{pad}Response: unexpected {k.unexpected}, server error {k.server_error}, incorrect {k.incorrect}, "
        f"time {k.time_ms}ms",
        f"{pad}Transaction: success {k.success}, failure {k.failure}",
        f"{pad}Throttled: transaction 0, timeout 0, failure 0",
        f"{pad}Malformed responses: {k.malformed}",
        f"{pad}Bad authenticators: {k.bad_authenticators}",
    ]
    return out


def _per_minute(st: ServerStats | None, since: float, now: float) -> list[str]:
    """`Requests per minute past 24 hours`: the busiest and quietest minute of the window, and the mean."""
    minutes = int((now - since) // 60)
    window = range(max(0, minutes - 1439), minutes + 1)
    counts = [(st.per_minute.get(m, 0) if st else 0, m) for m in window]
    # ties go to the most recent minute
    high = max(counts, key=lambda c: (c[0], c[1]))
    low = min(counts, key=lambda c: (c[0], -c[1]))
    avg = sum(c for c, _ in counts) // len(counts)

    def ago(m: int) -> str:
        h, mm = divmod(minutes - m, 60)
        return f"{h} hours, {mm} minutes ago"

    return ["     Requests per minute past 24 hours:",
            f"             high - {ago(high[1])}: {high[0]}",
            f"             low  - {ago(low[1])}: {low[0]}",
            f"             average: {avg}"]


def server_lines(n: int, spec: ServerSpec, st: ServerStats | None, client: RadiusClient, now: float) -> list[str]:
    start = client.started if client.started is not None else now
    since = st.since if st else start
    head = (f"RADIUS: id {n}, priority {n}, host {spec.address}, auth-port {spec.auth_port}, "
            f"acct-port {spec.acct_port}")
    if not spec.private:
        head += f", hostname {spec.name}"
    dead = bool(st and st.dead)
    state_since = st.state_since if st else start
    previous = st.previous_duration if st else 0
    dead_total = (st.dead_total if st else 0) + (now - state_since if dead else 0)
    empty = KindStats()
    out = [
        head,
        f"     State: current {'DEAD' if dead else 'UP'}, duration {int(now - state_since)}s, "
        f"previous duration {int(previous)}s",
        f"     Dead: total time {int(dead_total)}s, count {st.dead_count if st else 0}",
        "     Quarantined: No",
        *_kind_lines("Authen", st.auth if st else empty, False),
        *_kind_lines("Author", st.author if st else empty, False),
        *_kind_lines("Account", st.acct if st else empty, True),
        f"     Elapsed time since counters last cleared: {elapsed(now - since)}",
        f"     Estimated Outstanding Access Transactions: {client.outstanding(spec, 'access')}",
        f"     Estimated Outstanding Accounting Transactions: {client.outstanding(spec, 'acct')}",
        "     Estimated Throttled Access Transactions: 0",
        "     Estimated Throttled Accounting Transactions: 0",
        "     Maximum Throttled Transactions: access 0, accounting 0",
        *_per_minute(st, since, now),
    ]
    return out


def show_aaa_servers(client: RadiusClient, cfg, now: float | None = None) -> list[str]:
    """The output of `show aaa servers` (an empty line before each server, as IOS prints it)."""
    if now is None:
        now = client.last_now
    out: list[str] = []
    for n, spec in enumerate(configured_servers(cfg), 1):
        out.append("")
        out += server_lines(n, spec, client.server_stats(spec), client, now)
    return out


# ---- show aaa clients [detailed] ----------------------------------------------------------------------------
# The dynamic-authorization server's counters (radius/dynauth.py: DynAuthStats).  Only the line shape
# `CoA: requests: 1, Ack responses: 1` is confirmed (public lab notes of IOS-XE `show aaa clients`); the rest
# of the layout (the Disconnect line made like it, the Nak count, the client and port line, the dropped
# packets and their reasons of `detailed`) is ours: no capture of the command is known.

_DROP_TEXT = {  # one line for each of dynauth.DROP_REASONS
    "duplicates_dropped": "Retransmissions ignored (ignore retransmission)",
    "bad_authenticator": "Bad authenticators",
    "malformed": "Malformed packets",
    "stale": "Event-Timestamp outside the window",
    "unknown_type": "Unknown packet types",
    "no_key": "No server-key",
}


def show_aaa_clients(stats, da, detailed: bool = False) -> list[str]:
    """`show aaa clients [detailed]`: one block per configured dynamic-author client (a client configured in
    two VRFs once: the counters are kept per address), in configuration order; nothing when the
    dynamic-author server is not configured."""
    if not da.enabled:
        return []
    out = [f"Dropped request packets from unknown clients: {stats.unknown_client}"]
    seen: set[str] = set()
    for c in da.clients.values():
        if c.host in seen:
            continue
        seen.add(c.host)
        cs = stats.clients.get(c.host) or ClientStats()
        out += [
            f"Client: {c.host}, port {da.port}",
            f"   Disconnect: requests: {cs.disconnect_requests}, Ack responses: {cs.disconnect_acks}, "
            f"Nak responses: {cs.disconnect_naks}",
            f"   CoA: requests: {cs.coa_requests}, Ack responses: {cs.coa_acks}, Nak responses: {cs.coa_naks}",
            f"   Dropped request packets: {dropped(cs)}",
        ]
        if detailed:
            out += [f"      {_DROP_TEXT[name]}: {getattr(cs, name)}" for name in DROP_REASONS]
            out.append(f"   Retransmissions answered from the cache: {cs.duplicates - cs.duplicates_dropped}")
    return out

"""Counters for `show crypto ikev2 stats [reconnect]`: the engine increments them, show.py prints them.

Plain integer attributes, so incrementing is `stats.incoming_requests += 1`.  The SA counts (`Total incoming
IKEv2 SA Count ... active ... negotiating`) are not kept here: show.py counts the engine's SAs at display time.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class IkeStats:
    # IKE_SA_INIT requests that would create an SA (incoming = peers' requests, outgoing = ours)
    incoming_requests: int = 0
    incoming_accepted: int = 0
    outgoing_requests: int = 0
    outgoing_accepted: int = 0
    outgoing_rejected: int = 0
    # `Rejected IKEv2 Requests: N  rsrc low: N  SA limit: N` (the total is rsrc low + SA limit + other)
    rejected_rsrc_low: int = 0
    rejected_sa_limit: int = 0
    rejected_other: int = 0  # no proposal chosen, no profile, authentication failed, ...
    # packets dropped before reaching an SA: `IKEv2 packets dropped at dispatch` prints their sum
    malformed: int = 0  # did not parse (INVALID_SYNTAX, truncated, bad lengths)
    invalid_spi: int = 0  # no SA for the SPIs (INVALID_IKE_SPI)
    unsupported_critical: int = 0  # UNSUPPORTED_CRITICAL_PAYLOAD
    integrity_failed: int = 0  # ICV / decryption failure
    dropped_other: int = 0  # replays outside the window, wrong exchange for the state, ...
    absorbed: int = 0  # retransmissions of an IKE_AUTH that waits for AAA (answered once the answer is there)
    retransmit_fragments_ignored: int = 0  # fragments 2..n of a retransmitted request (RFC 7383 §2.6.1)
    peer_error_notifies: int = 0  # INFORMATIONAL error notifies from the peer that ended an SA (RFC 7296 §2.21.2)
    rekeys_initiated: int = 0  # CREATE_CHILD_SA rekeys the router started (IKE and child)
    rekey_collisions: int = 0  # simultaneous rekeys resolved by the lowest nonce (RFC 7296 §2.8.1)
    dropped_low_q: int = 0  # `Incoming Requests dropped as LOW Q limit reached`
    # stateless COOKIE (RFC 7296 §2.6)
    cookie_challenged: int = 0
    cookie_accepted: int = 0
    cookie_rejected: int = 0
    cookie_rejected_no_cookie: int = 0
    deleted_cert_revoked: int = 0
    # `show crypto ikev2 stats reconnect`
    reconnect_incoming: int = 0
    reconnect_success: int = 0
    reconnect_failed: int = 0

    @property
    def incoming_rejected(self) -> int:
        """The responder only rejects peers' requests, so every rejection counts as an incoming one."""
        return self.rejected_total

    @property
    def rejected_total(self) -> int:
        return self.rejected_rsrc_low + self.rejected_sa_limit + self.rejected_other

    @property
    def dropped_at_dispatch(self) -> int:
        return self.malformed + self.invalid_spi + self.unsupported_critical + self.integrity_failed + self.dropped_other

    def clear(self) -> None:
        """`clear crypto ikev2 stats`."""
        for f in fields(self):
            setattr(self, f.name, 0)

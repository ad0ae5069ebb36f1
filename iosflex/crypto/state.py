"""What the IKEv2 engine keeps per SA and per session, as plain data: the engine (ikesa.py, responder.py)
writes it, the renderers (show.py, debug.py) and AAA/interfaces read it.  Times are the `now` values the
engine was given (seconds, float)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field


@dataclass(slots=True)
class TrafficSelector:
    ts_type: int  # 7 = TS_IPV4_ADDR_RANGE, 8 = TS_IPV6_ADDR_RANGE
    protocol: int  # 0 = any
    start_port: int
    end_port: int
    start: str  # address text
    end: str


@dataclass(slots=True)
class Identity:
    id_type: int  # 1 IPV4_ADDR, 2 FQDN, 3 RFC822_ADDR, 5 IPV6_ADDR, 9 DER_ASN1_DN, 11 KEY_ID
    data: bytes

    @property
    def text(self) -> str:
        """As IOS prints it (`Remote id: router1.domain1`)."""
        if self.id_type == 2:  # FQDN, the common case
            return self.data.decode(errors="replace")
        if self.id_type == 1 and len(self.data) == 4:
            return str(ipaddress.IPv4Address(self.data))
        if self.id_type == 5 and len(self.data) == 16:
            return str(ipaddress.IPv6Address(self.data))
        if self.id_type == 9:
            from .auth import dn_text

            return dn_text(self.data)
        return self.data.decode(errors="replace")

    @property
    def type_name(self) -> str:
        """IOS's name in `Searching policy based on peer's identity 'x' of type 'FQDN'`."""
        return {1: "IPv4 address", 2: "FQDN", 3: "email", 5: "IPv6 address", 9: "DER ASN1 DN", 11: "key id"}.get(
            self.id_type, str(self.id_type)
        )


@dataclass(slots=True)
class ChildSa:
    spi_in: int  # our inbound SPI (chosen by us)
    spi_out: int  # the peer's SPI
    protocol: str = "ESP"
    encr: tuple[int, int | None] = (12, 256)  # (IANA ENCR id, key bits)
    integ: int | None = 12  # IANA INTEG id, None with AEAD
    dh_group: int | None = None  # PFS group, if any
    mode: str = "tunnel"  # tunnel / transport
    ts_local: list[TrafficSelector] = field(default_factory=list)
    ts_remote: list[TrafficSelector] = field(default_factory=list)
    keys: dict[str, bytes] = field(default_factory=dict)  # enc_in, integ_in, enc_out, integ_out
    created: float = 0.0
    lifetime_s: int = 3600
    lifetime_kb: int = 4608000
    pkts_in: int = 0
    pkts_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    drops_in: int = 0  # ESP the data plane dropped (replay, bad ICV, ...: interfaces/esp.py counts the reasons)
    drops_out: int = 0  # packets it could not send (lifetime or sequence numbers exhausted)


@dataclass(slots=True)
class IkeSaState:
    tunnel_id: int  # `Tunnel-id`, also `SA ID` in debug
    session_id: int  # `Session-id`, `SESSION ID` in debug
    spi_i: bytes
    spi_r: bytes
    local: tuple[str, int]
    remote: tuple[str, int]
    fvrf: str = "none"
    ivrf: str = "none"
    status: str = "IN-NEG"  # IN-NEG, READY, DELETE
    status_description: str = "Negotiation in progress"
    encr: tuple[int, int | None] | None = None  # (IANA id, key bits)
    prf: int | None = None
    integ: int | None = None
    dh_group: int | None = None
    auth_sign: str | None = None  # PSK, RSA, ECDSA
    auth_verify: str | None = None  # PSK, RSA, ECDSA, EAP, AnyConnect-EAP
    lifetime: int = 86400
    created: float = 0.0
    established: float | None = None
    local_id: Identity | None = None
    remote_id: Identity | None = None
    remote_eap_id: str | None = None
    profile: str | None = None
    local_req_msgid: int = 0
    remote_req_msgid: int = 0
    local_next_msgid: int = 0
    remote_next_msgid: int = 0
    window_local: int = 5
    window_remote: int = 1
    dpd_interval: int = 0
    dpd_retry: int = 0
    fragmentation: bool = False
    nat_t: str = "not detected"  # "not detected", "detected inside", "detected outside"
    initiator: bool = False
    pushed_ip: str | None = None
    pushed_ip6: str | None = None  # the INTERNAL_IP6_ADDRESS given (dual stack / IPv6 only)
    remote_subnets: list[tuple[str, str]] | tuple = ()  # `route accept any`: the subnets the peer offered
    virtual_access: str | None = None  # e.g. "Virtual-Access1"
    children: list[ChildSa] = field(default_factory=list)
    ce_id: int = 0
    reconnected: bool = False  # auto-reconnect: this SA is a reconnect (Capabilities R, Auth verify PSK)
    acct_method: str | None = None  # a reconnect: the initial session's method (its `aaa accounting` list)
    smart_dpd: bool = False  # auto-reconnect's smart DPD watches this SA (Capabilities D)

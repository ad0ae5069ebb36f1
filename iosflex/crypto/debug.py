"""`debug crypto ikev2 [internal|packet]` lines, as IOS prints them (the chapter's text; reference §1).

Every builder is pure and returns the lines of one event (IOS prints each as one line: the chapter's wraps at
~80 columns are the book's).  The engine builds them only when `enabled(router)` says a flag is on, so a router
without debugging pays one set lookup per event, and returns them as `Log` events (Responder.debug_lines):

    if debug.enabled(router):
        engine.debug_lines(debug.packet_received(sa, src, dst, spi_i, spi_r, 1, "IKE_AUTH", False, names,
                                                 internal=debug.internal(router)))

Flags live in `router.debug` (a set): `crypto ikev2` (basic lines), `crypto ikev2 internal` (IKEv2-INTERNAL
lines, SM trace), `crypto ikev2 packet` (hex dumps).  `filter_lines` drops the lines whose flag is off, by prefix:
`IKEv2-INTERNAL:` and `SM Trace->` lines need `internal`, `IKEv2-PAK:` lines need `packet`, every other line
needs the basic flag.  Lines carry no trailing spaces (the chapter's text).

Payload names are passed as IOS prints them (`SA`, `KE`, `N`, `VID`, `IDi`, `AUTH`, `CFG`, `TSi`, `ENCR`,
`NOTIFY(SET_WINDOW_SIZE)`, `DELETE` ...; codec.py owns the names).
"""

from __future__ import annotations

from .state import IkeSaState, Identity

BASIC = "crypto ikev2"
INTERNAL = "crypto ikev2 internal"
PACKET = "crypto ikev2 packet"
FLAGS = (BASIC, INTERNAL, PACKET)


# ---- plumbing -------------------------------------------------------------------------------------------


def enabled(router) -> bool:
    dbg = getattr(router, "debug", None)
    return bool(dbg) and any(f in dbg for f in FLAGS)


def internal(router) -> bool:
    return INTERNAL in getattr(router, "debug", ())


def _needs(line: str) -> str | None:
    if line.startswith("%"):
        return None  # a log message (%LINEPROTO-5-UPDOWN): printed whatever the flags
    if line.startswith("IKEv2-INTERNAL:") or line.startswith("SM Trace->"):
        return INTERNAL
    if line.startswith("IKEv2-PAK:"):
        return PACKET
    return BASIC


def filter_lines(lines: list[str], flags) -> list[str]:
    """The lines whose flag is on; a blank line goes with the line before it."""
    out, prev = [], BASIC
    for ln in lines:
        need = prev if ln == "" else _needs(ln)
        if need is None or need in flags:
            out.append(ln)
        prev = need
    return out


# ---- prefixes ---------------------------------------------------------------------------------------------


def prefix(sa: IkeSaState | None) -> str:
    """`IKEv2:(SESSION ID = 69,SA ID = 1):` (no space after the comma); `IKEv2:` without an SA."""
    if sa is None:
        return "IKEv2:"
    return f"IKEv2:(SESSION ID = {sa.session_id},SA ID = {sa.tunnel_id}):"


def sa_prefix(sa: IkeSaState | None) -> str:
    """`IKEv2:(SA ID = 1):` of the AAA / IPsec / crypto-engine lines."""
    return "IKEv2:" if sa is None else f"IKEv2:(SA ID = {sa.tunnel_id}):"


def spi_hex(spi: bytes) -> str:
    return spi.hex().upper().rjust(16, "0")


# ---- packets ------------------------------------------------------------------------------------------------


def _payload_lines(payloads: list[str], internal_on: bool = False, vid_names: list[str] | None = None) -> list[str]:
    """`Payload contents:` and the payload list.  With internal debugging IOS interleaves
    `IKEv2-INTERNAL:Parse Vendor Specific Payload: NAME` before each VID (the chapter's
    `IKEv2-INTERNAL:Parse Vendor Specific Payload: (CUSTOM) VID IDi CERTREQ CFG SA`)."""
    out = ["Payload contents:"]
    cur = ""
    vids = iter(vid_names or [])
    for p in payloads:
        if p == "VID" and internal_on:
            if cur:
                out.append(cur)
            cur = f"IKEv2-INTERNAL:Parse Vendor Specific Payload: {next(vids, '(CUSTOM)')}"
        cur += " " + p
    if cur:
        out.append(cur)
    return out


def _exchange_line(exchange: str, response: bool) -> str:
    return f"IKEv2 {exchange} Exchange {'RESPONSE' if response else 'REQUEST'}"


def _spi_line(spi_i: bytes, spi_r: bytes, msgid: int) -> str:
    return f"Initiator SPI : {spi_hex(spi_i)} - Responder SPI : {spi_hex(spi_r)} Message id: {msgid}"


def _vrf(sa) -> str:
    return "VRF i0:f0"


def packet_received(sa: IkeSaState | None, src: tuple[str, int], dst: tuple[str, int], spi_i: bytes, spi_r: bytes,
                    msgid: int, exchange: str, response: bool, payloads: list[str] | None,
                    internal: bool = False, vid_names: list[str] | None = None) -> list[str]:
    """The block of a received message.  `payloads`: the (decrypted) payload names; None: no list."""
    out = [f"{prefix(sa)}Received Packet [From {src[0]}:{src[1]}/To {dst[0]}:{dst[1]}/{_vrf(sa)}]",
           _spi_line(spi_i, spi_r, msgid), _exchange_line(exchange, response)]
    if payloads is not None:
        out += _payload_lines(payloads, internal, vid_names)
    return out


def packet_sent(sa: IkeSaState | None, src: tuple[str, int], dst: tuple[str, int], spi_i: bytes, spi_r: bytes,
                msgid: int, exchange: str, response: bool, payloads: list[str] | None) -> list[str]:
    """The block of a sent message: `src` is our address, `dst` the peer's.  For encrypted messages pass
    `["ENCR"]` (the inner list goes out earlier with `building_packet`)."""
    out = [f"{prefix(sa)}Sending Packet [To {dst[0]}:{dst[1]}/From {src[0]}:{src[1]}/{_vrf(sa)}]",
           _spi_line(spi_i, spi_r, msgid), _exchange_line(exchange, response)]
    if payloads is not None:
        out += _payload_lines(payloads)
    return out


def building_packet(sa: IkeSaState | None, payloads: list[str]) -> list[str]:
    """`Building packet for encryption.` and the inner payloads of the message about to be sent."""
    return [f"{prefix(sa)}Building packet for encryption."] + _payload_lines(payloads)


def retransmitting(sa: IkeSaState | None) -> list[str]:
    return [f"{prefix(sa)}Retransmitting packet"]


def hexdump(data: bytes) -> list[str]:
    """`debug crypto ikev2 packet`: the message bytes, 16 per line."""
    out = []
    for i in range(0, len(data), 16):
        chunk = data[i:i + 16]
        out.append("IKEv2-PAK:" + " ".join(f"{b:02X}" for b in chunk))
    return out


# ---- IKE_SA_INIT ------------------------------------------------------------------------------------------


def found_policy(name: str) -> list[str]:
    return [f"IKEv2:Found Policy '{name}'"]


def computing_dh(sa: IkeSaState | None, group: int) -> list[str]:
    return [f"{sa_prefix(sa)}[IKEv2 -> Crypto Engine] Computing DH public key, DH Group {group}"]


def nat_not_found(sa: IkeSaState | None) -> list[str]:
    return [f"{prefix(sa)}NAT not found"]


def nat_detected(sa: IkeSaState | None, outside: bool = True) -> list[str]:
    return [f"{prefix(sa)}NAT detected float to init port 4500, peer port {sa.remote[1] if sa else 4500}"
            if outside else f"{prefix(sa)}NAT inside detected"]


def no_proposal_chosen(sa: IkeSaState | None) -> list[str]:
    return [f"IKEv2-ERROR:{prefix(sa)[6:]}Failed to find a matching proposal"]


def invalid_ke(sa: IkeSaState | None, wanted: int) -> list[str]:
    return [f"{prefix(sa)}Sending invalid ke notification, DH group {wanted}"]


def sm_trace(sa: IkeSaState, cur_state: str, event: str, msgid: int) -> list[str]:
    """Internal state-machine trace: `SM Trace-> SA: I_SPI=... R_SPI=... (R) MsgID = 1 CurState: ... Event: ...`."""
    role = "I" if sa.initiator else "R"
    return [f"SM Trace-> SA: I_SPI={spi_hex(sa.spi_i)} R_SPI={spi_hex(sa.spi_r)} ({role}) MsgID = {msgid} "
            f"CurState: {cur_state} Event: {event}"]


# ---- IKE_AUTH -------------------------------------------------------------------------------------------------


def searching_policy(sa: IkeSaState | None, ident: Identity) -> list[str]:
    return [f"{prefix(sa)}Searching policy based on peer's identity '{ident.text}' of type '{ident.type_name}'"]


def auth_method(sa: IkeSaState | None, method: str) -> list[str]:
    """`Peer's authentication method is 'PSK'` (PSK, RSA, ECDSA, EAP)."""
    return [f"{prefix(sa)}Peer's authentication method is '{method}'"]


def get_preshared_key(sa: IkeSaState | None, ident_text: str) -> list[str]:
    return [f"{prefix(sa)}Get peer's preshared key for {ident_text}"]


def use_preshared_key(sa: IkeSaState | None, ident_text: str, key_len: int) -> list[str]:
    return [f"{prefix(sa)}Use preshared key for id {ident_text}, key len {key_len}"]


def verification(sa: IkeSaState | None, passed: bool = True) -> list[str]:
    if passed:
        return [f"{prefix(sa)}Verification of peer's authentication data PASSED"]
    return [f"IKEv2-ERROR:{prefix(sa)[6:]}Verification of peer's authentication data FAILED"]


def auth_failed(sa: IkeSaState | None) -> list[str]:
    return [f"{prefix(sa)}Send AUTHENTICATION_FAILED"]


def generating_eap_request(sa: IkeSaState | None) -> list[str]:
    return [f"{prefix(sa)}Generating EAP request"]


def processing_eap_response(sa: IkeSaState | None) -> list[str]:
    return [f"{prefix(sa)}Processing EAP response"]


def sending_eap_status(sa: IkeSaState | None) -> list[str]:
    return [f"{prefix(sa)}Sending EAP status message"]


def eap_timeout(sa: IkeSaState | None) -> list[str]:
    """The client did not answer an EAP request within `authentication remote eap timeout`.  Inferred [U]: no
    capture of an EAP timeout was found; IOS's message for an IKE_AUTH that never came is this one, and the
    router waits for an IKE_AUTH request here too."""
    return [f"{prefix(sa).replace('IKEv2:', 'IKEv2-ERROR:', 1)}Negotiation aborted due to ERROR: Failed to receive "
            "the AUTH msg before the timer expired"]


def reconnect_preserved(sa: IkeSaState | None) -> list[str]:
    """Smart DPD gave up on an auto-reconnect client: the session goes inactive.  Our text [designed]: no
    capture shows what IOS prints here (docs/ANYCONNECT.md)."""
    return [f"{prefix(sa)}Auto-reconnect: the client does not answer; session state preserved"]


def eap_identity(method_list: str, eap_id: str) -> list[str]:
    """The chapter's lines when the client's EAP identity goes to AAA."""
    return [f"IKEv2:Use authen method list {method_list}", f"IKEv2:pre-AAA: client sent {eap_id} as EAP-Id response",
            f"IKEv2:sending {eap_id} [EAP-Id] as username to AAA"]


def use_authen_list(method_list: str) -> list[str]:
    """AnyConnect-EAP: the credentials go to the profile's `aaa authentication anyconnect-eap` list (the
    chapter's EAP line; the EAP-Id lines have no counterpart: there is no EAP identity round)."""
    return [f"IKEv2:Use authen method list {method_list}"]


def password_request(sa: IkeSaState | None) -> list[str]:
    """`[IKEv2 -> AAA] Password request sent` (AAA-based PSK), followed by a blank line as in the chapter."""
    return aaa_request(sa, "Password") + [""]


def aaa_request(sa: IkeSaState | None, kind: str) -> list[str]:
    """`[IKEv2 -> AAA] Authentication request sent` (kind: Authentication, Authorization, Password)."""
    return [f"{sa_prefix(sa)}[IKEv2 -> AAA] {kind} request sent"]


def aaa_password_response(sa: IkeSaState | None) -> list[str]:
    return [f"{sa_prefix(sa)}[AAA -> IKEv2] Received password response"]


def fetching_secret_from_aaa() -> list[str]:
    return ["IKEv2-INTERNAL:Fetching shared secret from AAA"]


def name_mangler(mangler: str, mangled: str, name_type: int, name: str) -> list[str]:
    """The chapter's IKEv2-INTERNAL lines (a blank line follows, as in the chapter)."""
    return [f"IKEv2-INTERNAL:Name-mangler '{mangler}' returning mangled-name '{mangled}' for name-type {name_type}, "
            f"name-len {len(name)}, name_string {name}", ""]


def using_aaa_list(method_list: str, peer: str) -> list[str]:
    return [f"IKEv2-INTERNAL: Using AAA method list {method_list} for peer {peer}"]


def user_author_request(method_list: str, username: str) -> list[str]:
    return [f"IKEv2:Using mlist {method_list} and username {username} for user author request"]


def received_password(symmetric: bool = True) -> list[str]:
    return [f"IKEv2-INTERNAL:Received {'symmetric' if symmetric else 'asymmetric'} password from radius server"]


def cached_attributes(text: str) -> list[str]:
    """`Received cached attributes:` and the attribute summary (`route-set-interface: 1, ...,`)."""
    return ["IKEv2-INTERNAL:Received cached attributes:", text, ""]


def cfg_payload(config_type: str, attrs: list[tuple[str, int, str | None]]) -> list[str]:
    """Config payload dump: `Config-type: Config-request` / `Attrib type: split-dns, length: 0`."""
    out = [f"Config-type: {config_type}"]
    for name, length, data in attrs:
        text = f"Attrib type: {name}, length: {length}"
        if data is not None:
            text += f", data: {data}"
        out.append(text)
    return out


def sa_created(sa: IkeSaState) -> list[str]:
    return [f"{prefix(sa)}IKEV2 SA created; inserting SA into database. SA lifetime timer ({sa.lifetime} sec) started"]


def session_up(sa: IkeSaState) -> list[str]:
    return [f"{prefix(sa)}Session with IKE ID PAIR ({sa.remote_id.text if sa.remote_id else ''}, "
            f"{sa.local_id.text if sa.local_id else ''}) is UP"]


def ipsec_sa_created(sa: IkeSaState | None) -> list[str]:
    return [f"{sa_prefix(sa)}[IPsec -> IKEv2] Creation of IPsec SA into IPsec database PASSED"]


def lineproto(interface: str, up: bool = True) -> list[str]:
    """`%LINEPROTO-5-UPDOWN` (a log message: printed whatever the debug flags, like IOS's console log); alone for
    an interface that exists before and after (the chapter's accounting log: Tunnel0)."""
    return [f"%LINEPROTO-5-UPDOWN: Line protocol on Interface {interface}, changed state to {'up' if up else 'down'}"]


def vaccess_updown(interface: str, up: bool = True) -> list[str]:
    """A virtual-access made or removed for a session: `%LINK-3-UPDOWN` and `%LINEPROTO-5-UPDOWN`, the link first
    on the way up and last on the way down.  Inferred: the chapter shows neither for the server's
    Virtual-Access; the texts and the order are IOS's for its other virtual-access interfaces (PPPoE's)."""
    link = [f"%LINK-3-UPDOWN: Interface {interface}, changed state to {'up' if up else 'down'}"]
    return link + lineproto(interface, up) if up else lineproto(interface, up) + link


def accounting(sa: IkeSaState | None, start: bool = True) -> list[str]:
    return [f"{sa_prefix(sa)}[IKEv2 -> AAA] Accounting {'start' if start else 'stop'} request sent successfully"]


def accounting_counters(in_octets: int, out_octets: int, in_packets: int, out_packets: int) -> list[str]:
    return [f"IKEv2:in_octets {in_octets}, out_octets {out_octets}",
            f"IKEv2:in_packets {in_packets}, out_packets {out_packets}"]


# ---- INFORMATIONAL / delete ------------------------------------------------------------------------------------


def delete_ike(sa: IkeSaState) -> list[str]:
    return [f"{prefix(sa)}Sending DELETE INFO message for IKEv2 SA [ISPI: 0x{spi_hex(sa.spi_i)} "
            f"RSPI: 0x{spi_hex(sa.spi_r)}]"]


def delete_ipsec(sa: IkeSaState | None, spi: int) -> list[str]:
    return [f"{prefix(sa)}Sending DELETE INFO message for IPsec SA [SPI: 0x{spi:08X}]"]


def peer_error_notify(sa: IkeSaState | None, name: str) -> list[str]:
    """The peer's INFORMATIONAL carried an error notify that ends the SA (RFC 7296 §2.21.2).  Our design [U]: no
    public capture of IOS receiving AUTHENTICATION_FAILED after its own AUTH was found."""
    return [f"{prefix(sa).replace('IKEv2:', 'IKEv2-ERROR:', 1)}Received {name} notify from the peer; "
            "deleting the IKE SA"]


def sending_no_proposal_chosen(sa: IkeSaState | None) -> list[str]:
    """The responder refuses every proposal.  Unverified [U]: as remembered from public IOS captures (the
    reference facts have no example); `Received no proposal chosen notify` is the initiator's line."""
    return [f"{prefix(sa)}Sending no proposal chosen notify"]


def rekey_start(sa: IkeSaState | None, kind: str, spis: str) -> list[str]:
    """The router starts a rekey at its own lifetime.  Our design [U]: no public capture of IOS's line."""
    return [f"{prefix(sa)}Rekeying {kind} SA [{spis}] before its lifetime expires"]


def delete_all(sa: IkeSaState | None) -> list[str]:
    return [f"{prefix(sa)}Delete all IKE SAs"]


def _error(sa: IkeSaState | None, text: str) -> list[str]:
    return [f"{prefix(sa).replace('IKEv2:', 'IKEv2-ERROR:', 1)}{text}"]


def eap_failed(sa: IkeSaState | None) -> list[str]:
    """The EAP method (relayed to RADIUS) failed.  Our design [U]."""
    return _error(sa, "EAP authentication failed")


def anyconnect_user_failed(sa: IkeSaState | None, no_method: bool = False) -> list[str]:
    """AnyConnect-EAP: the router's own check of the user's password failed.  Our design [U]."""
    return _error(sa, "AnyConnect-EAP: user authentication failed" + (" (no AAA method answered)" if no_method else ""))


def rekey_refused(sa: IkeSaState | None, why: str) -> list[str]:
    """The peer answered the router's rekey with an error notify (`why`).  Our design [U]."""
    return _error(sa, f"Rekey refused by the peer: {why}")


def vaccess_failed(sa: IkeSaState | None, why: str) -> list[str]:
    """The virtual-access could not be cloned from the virtual-template.  Our design [U]."""
    return _error(sa, f"Failed to create the virtual-access interface: {why}")


def initial_exchange_failed(sa: IkeSaState | None) -> list[str]:
    return [f"{prefix(sa)}Initial exchange failed: Initial exchange failed"]


# IOS's name-type numbers in the name-mangler line (`for name-type 1, name-len 15`): FQDN is 1 in the chapter;
# the others are not in any public capture (unverified: email 2, DN 3, key-id 4, address 0).
_NAME_TYPES = {2: 1, 3: 2, 9: 3, 11: 4, 1: 0, 5: 0}


def name_type(ident: Identity) -> int:
    return _NAME_TYPES.get(ident.id_type, 0)


# ---- debug crypto ipsec ---------------------------------------------------------------------------------

_ESP_ENCR = {(12, 128): "esp-aes", (12, 192): "esp-aes 192", (12, 256): "esp-aes 256", (20, 128): "esp-gcm",
             (20, 256): "esp-gcm 256", (3, None): "esp-3des", (2, None): "esp-des"}
_ESP_INTEG = {1: "esp-md5-hmac", 2: "esp-sha-hmac", 12: "esp-sha256-hmac", 13: "esp-sha384-hmac",
              14: "esp-sha512-hmac"}


def _proxy(ts) -> str:
    """`172.16.1.2/255.255.255.255/47/0`: address/mask/protocol (256 = any)/port (0 = any) of a selector."""
    import ipaddress  # noqa: PLC0415

    lo, hi = int(ipaddress.ip_address(ts.start)), int(ipaddress.ip_address(ts.end))
    bits = 32 if ts.ts_type == 7 else 128
    span = hi ^ lo
    mask = ((1 << bits) - 1) ^ ((1 << span.bit_length()) - 1)
    mask_text = str(ipaddress.ip_address(mask)) if bits == 32 else f"{(mask).bit_count()}"
    port = ts.start_port if ts.start_port == ts.end_port else 0
    return f"{ipaddress.ip_address(lo & mask)}/{mask_text}/{ts.protocol or 256}/{port}"


def ipsec_proposal_lines(local: str, remote: str, ts_local, ts_remote, encr, integ, transport: bool) -> list[str]:
    """`debug crypto ipsec`: the proposal the peer's IKE_AUTH / CREATE_CHILD_SA request carries, in the layout
    of the chapter's auto-mode example (its five lines; IOS prints more after them)."""
    transform = _ESP_ENCR.get(tuple(encr), _ESP_ENCR.get((encr[0], None), f"esp-{encr[0]}"))
    if integ is not None:
        transform += " " + _ESP_INTEG.get(integ, str(integ))
    return ["IPSEC(validate_proposal_request): proposal part #1,",
            f"  (key eng. msg.) INBOUND local= {local}:0, remote= {remote}:0,",
            f"    local_proxy= {_proxy(ts_local)},",
            f"    remote_proxy= {_proxy(ts_remote)},",
            f"    protocol= ESP, transform= {transform}  ({'Transport' if transport else 'Tunnel'}),"]

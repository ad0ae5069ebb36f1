"""Renderers for the crypto show commands: pure functions of `state.py` objects, counters and the
running-config, returning the output lines.

Layouts: the chapter's (spec/flexvpn-server-chapter.txt) where it shows a command, real IOS-XE otherwise
(reference/ios-debug-show-formats.md §4; genieparser golden outputs).  Where the chapter shows only the first
lines of an output (`show crypto ikev2 sa detail` ends its samples at `Remote id:`), the lines it shows are
printed exactly and the rest follows real IOS.  Where the chapter and real IOS disagree on a line the chapter
prints, the chapter wins (`origin: crypto-map` in `show crypto session`; no trailing spaces); `show crypto
session detail`, which the chapter never shows past `Capabilities`, prints real IOS's `origin: crypto map`.

`now` is the engine's clock (the same clock the engine stamped `created` / `established` with).
"""

from __future__ import annotations

import functools
import ipaddress

from .state import ChildSa, IkeSaState, TrafficSelector
from .stats import IkeStats

# ---- display names (IANA -> IOS) ---------------------------------------------------------------------

ENCR_NAMES = {2: "DES", 3: "3DES", 11: "NULL", 12: "AES-CBC", 20: "AES-GCM", 21: "AES-GMAC"}
PRF_NAMES = {1: "MD5", 2: "SHA1", 5: "SHA256", 6: "SHA384", 7: "SHA512"}
HASH_NAMES = {None: "None", 0: "None", 1: "MD596", 2: "SHA96", 12: "SHA256", 13: "SHA384", 14: "SHA512"}
ESP_INTEG_NAMES = {1: "esp-md5-hmac", 2: "esp-sha-hmac", 12: "esp-sha256-hmac", 13: "esp-sha384-hmac",
                   14: "esp-sha512-hmac"}

IPV4_BANNER = " IPv4 Crypto IKEv2  SA"
IPV6_BANNER = " IPv6 Crypto IKEv2  SA"
SA_HEADER = "Tunnel-id Local                 Remote                fvrf/ivrf            Status"
SA6_HEADER = "Tunnel-id    fvrf/ivrf              Status"
CODE_LEGEND = [
    "Code: C - IKE Configuration mode, D - Dead Peer Detection",
    "K - Keepalives, N - NAT-traversal, T - cTCP encapsulation",
    "X - IKE Extended Authentication, F - IKE Fragmentation",
    "R - IKE Auto Reconnect",
]
EAP_VERIFY = ("EAP", "AnyConnect-EAP")


def esp_transform_name(encr: tuple[int, int | None], integ: int | None) -> str:
    """`transform: esp-256-aes esp-sha256-hmac ,` of `show crypto ipsec sa`."""
    eid, bits = encr
    if eid == 12:
        cipher = "esp-aes" if bits in (None, 128) else f"esp-{bits}-aes"
    elif eid == 20:
        cipher = "esp-gcm" if bits in (None, 128) else f"esp-gcm {bits}"
    elif eid == 21:
        cipher = "esp-gmac" if bits in (None, 128) else f"esp-gmac {bits}"
    else:
        cipher = {3: "esp-3des", 2: "esp-des", 11: "esp-null"}.get(eid, f"esp-{eid}")
    parts = [cipher]
    if integ:
        parts.append(ESP_INTEG_NAMES.get(integ, f"esp-{integ}-hmac"))
    return " ".join(parts)


def _ip6(addr: str) -> bool:
    return ":" in addr


def _a(addr: str) -> str:
    """An address as IOS shows it: IPv6 in upper case (`2001:DB8::1`) in every crypto show, as in `show ipv6
    interface`; IPv4 as is."""
    return addr.upper() if _ip6(addr) else addr


def _ep(ep: tuple[str, int]) -> str:
    return f"{_a(ep[0])}/{ep[1]}"


def _vrf(v: str | None) -> str:
    return v if v else "none"


def _hms(secs: float) -> str:
    secs = max(0, int(secs))
    h, rem = divmod(secs, 3600)
    return f"{h:02d}:{rem // 60:02d}:{rem % 60:02d}"


def uptime(secs: float) -> str:
    """IOS's uptime field: `00:00:38`, `1d02h`, `1w2d`."""
    secs = max(0, int(secs))
    if secs < 86400:
        return _hms(secs)
    days, rem = divmod(secs, 86400)
    if days < 7:
        return f"{days}d{rem // 3600:02d}h"
    return f"{days // 7}w{days % 7}d"


def _active_time(sa: IkeSaState, now: float) -> int:
    start = sa.established if sa.established is not None else sa.created
    return max(0, int(now - start))


def encr_line(sa: IkeSaState) -> str:
    if sa.encr is None:
        return ("Encr: Unknown - 0, PRF: Unknown - 0, Hash: None, DH Grp:0, Auth sign: Unknown - 0, "
                "Auth verify: Unknown - 0")
    eid, bits = sa.encr
    text = f"Encr: {ENCR_NAMES.get(eid, str(eid))}"
    if bits:
        text += f", keysize: {bits}"
    text += f", PRF: {PRF_NAMES.get(sa.prf, str(sa.prf))}, Hash: {HASH_NAMES.get(sa.integ, str(sa.integ))}"
    text += f", DH Grp:{sa.dh_group or 0}, Auth sign: {sa.auth_sign or 'Unknown - 0'}"
    text += f", Auth verify: {sa.auth_verify or 'Unknown - 0'}"
    return text


def _sa_head(sa: IkeSaState) -> list[str]:
    vrfs = f"{_vrf(sa.fvrf)}/{_vrf(sa.ivrf)}"
    if _ip6(sa.local[0]):
        return [SA6_HEADER, f"{sa.tunnel_id:<11}{vrfs:<22}{sa.status}", f"Local  {_ep(sa.local)}",
                f"Remote  {_ep(sa.remote)}"]
    return [SA_HEADER, f"{sa.tunnel_id:<9} {_ep(sa.local):<21} {_ep(sa.remote):<21} {vrfs:<20} {sa.status}"]


def _msg_pair(label_l: str, vl: int, label_r: str, vr: int) -> str:
    return f"      {label_l:<19}{vl:<15}{label_r:<20}{vr}"


def sa_detail_lines(sa: IkeSaState, now: float) -> list[str]:
    """The 6-space-indented lines under one SA's row in `show crypto ikev2 sa detail`."""
    out = [
        "      " + encr_line(sa),
        f"      Life/Active Time: {sa.lifetime}/{_active_time(sa, now)} sec",
        f"      CE id: {sa.ce_id}, Session-id: {sa.session_id}",
        f"      Status Description: {sa.status_description}",
        f"      Local spi: {sa.spi_r.hex().upper() if not sa.initiator else sa.spi_i.hex().upper()}"
        f"       Remote spi: {sa.spi_i.hex().upper() if not sa.initiator else sa.spi_r.hex().upper()}",
        f"      Local id: {sa.local_id.text if sa.local_id else ''}".rstrip(),
        f"      Remote id: {sa.remote_id.text if sa.remote_id else ''}".rstrip(),
    ]
    if sa.remote_eap_id:
        out.append(f"      Remote EAP id: {sa.remote_eap_id}")
    out += [
        _msg_pair("Local req msg id:", sa.local_req_msgid, "Remote req msg id:", sa.remote_req_msgid),
        _msg_pair("Local next msg id:", sa.local_next_msgid, "Remote next msg id:", sa.remote_next_msgid),
        _msg_pair("Local req queued:", sa.local_req_msgid, "Remote req queued:", sa.remote_req_msgid),
        _msg_pair("Local window:", sa.window_local, "Remote window:", sa.window_remote),
        f"      DPD configured for {sa.dpd_interval} seconds, retry {sa.dpd_retry}",
        "      Fragmentation configured." if sa.fragmentation else "      Fragmentation not  configured.",
        "      Dynamic Route Update: enabled",
        "      Extended Authentication configured." if sa.auth_verify in EAP_VERIFY
        else "      Extended Authentication not configured.",
        f"      NAT-T is {sa.nat_t}",
        "      Cisco Trust Security SGT is disabled",
        f"      Initiator of SA : {'Yes' if sa.initiator else 'No'}",
    ]
    if sa.pushed_ip:
        out.append(f"      Pushed IP address: {sa.pushed_ip}")
    if sa.remote_subnets:
        out.append("      Remote subnets:")
        out.extend(f"      {a} {m}" for a, m in sa.remote_subnets)
    return out


def ikev2_sa(sas: list[IkeSaState], now: float, detail: bool = False) -> list[str]:
    """`show crypto ikev2 sa [detailed]`."""
    out: list[str] = []
    for banner, six in ((IPV4_BANNER, False), (IPV6_BANNER, True)):
        out += [banner, ""]
        group = sorted((s for s in sas if _ip6(s.local[0]) == six), key=lambda s: s.tunnel_id)
        for k, sa in enumerate(group):
            if k:
                out.append("")
            out += _sa_head(sa)
            if detail:
                out += sa_detail_lines(sa, now)
            else:
                out += ["      " + encr_line(sa), f"      Life/Active Time: {sa.lifetime}/{_active_time(sa, now)} sec"]
        if group:
            out.append("")
    return out


# ---- show crypto session ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _addr_text(start: str, end: str, host_kw: bool = True) -> str:
    """A traffic selector's range as IOS prints it (cached: most sessions share their ranges, and
    summarize_address_range is the cost of a `show crypto session` of many sessions)."""
    if start == end:
        return f"host {_a(start)}" if host_kw else f"{_a(start)}/255.255.255.255"
    a, b = ipaddress.ip_address(start), ipaddress.ip_address(end)
    nets = list(ipaddress.summarize_address_range(a, b))
    if len(nets) == 1:
        n = nets[0]
        if n.version == 6:
            return f"{_a(str(n.network_address))}/{n.prefixlen}"
        return f"{n.network_address}/{n.netmask}"
    return f"{_a(start)}-{_a(end)}"


def flow_text(local: TrafficSelector, remote: TrafficSelector) -> str:
    """`permit 47 host 172.16.1.2 host 172.16.1.1` / `permit ip 0.0.0.0/0.0.0.0 0.0.0.0/0.0.0.0`."""
    proto = "ip" if local.protocol == 0 else str(local.protocol)
    return f"permit {proto} {_addr_text(local.start, local.end)} {_addr_text(remote.start, remote.end)}"


def _flows(sa: IkeSaState) -> list[tuple[str, list[ChildSa]]]:
    flows: dict[str, list[ChildSa]] = {}
    for ch in sa.children:
        if ch.ts_local and ch.ts_remote:
            flows.setdefault(flow_text(ch.ts_local[0], ch.ts_remote[0]), []).append(ch)
        else:
            flows.setdefault(f"permit ip host {_a(sa.local[0])} host {_a(sa.remote[0])}", []).append(ch)
    return list(flows.items())


def capabilities(sa: IkeSaState) -> str:
    caps = ""
    if sa.dpd_interval or sa.smart_dpd:
        caps += "D"
    if sa.nat_t.startswith("detected"):
        caps += "N"
    if sa.auth_verify in EAP_VERIFY:
        caps += "X"
    if sa.fragmentation:
        caps += "F"
    if sa.reconnected:
        caps += "R"
    return caps or "(none)"


def _child_life(ch: ChildSa, now: float) -> tuple[int, int]:
    secs = max(0, int(ch.lifetime_s - (now - ch.created)))
    kb = max(0, ch.lifetime_kb - (ch.bytes_in + ch.bytes_out) // 1024) if ch.lifetime_kb else 0
    return kb, secs


def crypto_session(sessions: list, now: float, detail: bool = False) -> list[str]:
    """`show crypto session [detail]` from the session records (iosflex/sessions.py: PeerSession)."""
    out = ["Crypto session current status"]
    if detail:
        out += [""] + CODE_LEGEND + [""]
    for k, s in enumerate(sorted(sessions, key=lambda s: s.session_id)):
        sa = s.ike_sa
        if k and not detail:
            out.append("")
        out.append(f"Interface: {s.interface or 'Unknown'}")
        if s.profile:
            out.append(f"Profile: {s.profile}")
        if detail:
            out.append(f"Uptime: {uptime(now - (s.created or sa.created))}")
        out.append(f"Session status: {s.status}")
        if detail:
            out.append(f"Peer: {_a(s.peer[0])} port {s.peer[1]} fvrf: {_pvrf(sa.fvrf)} ivrf: {_pvrf(sa.ivrf)}")
            out.append(f"      Phase1_id: {_phase1_id(s, sa)}")
            out.append("      Desc: (none)")
        else:
            out.append(f"Peer: {_a(s.peer[0])} port {s.peer[1]}")
        out.append(f"  Session ID: {s.session_id}")
        state = "Active" if sa.status == "READY" else "Inactive"
        if _ip6(sa.local[0]):  # IPv6 peers: the line is split (reference formats §4.2)
            out += [f"  IKEv2 SA: local {_ep(sa.local)}", f"          remote {_ep(sa.remote)} {state}"]
        else:
            out.append(f"  IKEv2 SA: local {_ep(sa.local)} remote {_ep(sa.remote)} {state}")
        if detail:
            left = sa.lifetime - ((now - sa.established) if sa.established is not None else 0)
            out.append(f"          Capabilities:{capabilities(sa)} connid:{sa.tunnel_id} lifetime:{_hms(left)}")
        for text, children in _flows(sa):
            out.append(f"  IPSEC FLOW: {text}")
            if detail:
                out.append(f"        Active SAs: {2 * len(children)}, origin: crypto map")
                ch = children[-1]
                kb, secs = _child_life(ch, now)
                pin = sum(c.pkts_in for c in children)
                pout = sum(c.pkts_out for c in children)
                din = sum(c.drops_in for c in children)
                dout = sum(c.drops_out for c in children)
                out.append(f"        Inbound:  #pkts dec'ed {pin} drop {din} life (KB/Sec) {kb}/{secs}")
                out.append(f"        Outbound: #pkts enc'ed {pout} drop {dout} life (KB/Sec) {kb}/{secs}")
            else:
                out.append(f"        Active SAs: {2 * len(children)}, origin: crypto-map")
        if detail:
            out.append("")
    return out


def _phase1_id(s, sa) -> str:
    """The chapter prints `eap` for an EAP session of an AnyConnect client (`Auth verify: EAP`) and for its
    reconnect (`Auth verify: PSK`, the session-id as identity): the method, not an identity.  So here for a
    session whose peer authenticated with EAP or AnyConnect-EAP, and for their reconnects; other sessions show
    the peer's IKE identity."""
    if sa.auth_verify in ("EAP", "AnyConnect-EAP") or sa.acct_method in ("eap", "anyconnect-eap"):
        return "eap"
    return s.phase1_id or (sa.remote_id.text if sa.remote_id else "(none)")


def _pvrf(v: str | None) -> str:
    return "(none)" if not v or v == "none" else v


# ---- show crypto ipsec sa -------------------------------------------------------------------------------


def _ident(ts: TrafficSelector | None, fallback: str) -> str:
    if ts is None:
        return f"({_a(fallback)}/128/0/0)" if _ip6(fallback) else f"({fallback}/255.255.255.255/0/0)"
    if _ip6(ts.start):
        nets = list(ipaddress.summarize_address_range(ipaddress.ip_address(ts.start), ipaddress.ip_address(ts.end)))
        n = nets[0] if len(nets) == 1 else ipaddress.ip_network(f"{ts.start}/128")
        port = ts.start_port if ts.start_port == ts.end_port else 0
        return f"({_a(str(n.network_address))}/{n.prefixlen}/{ts.protocol}/{port})"
    if ts.start == ts.end:
        addr, mask = ts.start, "255.255.255.255"
    else:
        nets = list(ipaddress.summarize_address_range(ipaddress.ip_address(ts.start), ipaddress.ip_address(ts.end)))
        n = nets[0] if len(nets) == 1 else ipaddress.ip_network(f"{ts.start}/32")
        addr, mask = str(n.network_address), str(n.netmask)
    port = ts.start_port if ts.start_port == ts.end_port else 0
    return f"({addr}/{mask}/{ts.protocol}/{port})"


def _sa_block(direction: str, children: list[ChildSa], now: float, tag: str, nat: bool, conn_base: int) -> list[str]:
    out = [f"     {direction} esp sas:"]
    for n, ch in enumerate(children):
        spi = ch.spi_in if direction == "inbound" else ch.spi_out
        kb, secs = _child_life(ch, now)
        iv = 16 if ch.encr[0] == 12 else 8
        mode = "Transport" if ch.mode == "transport" else "Tunnel"
        if nat:
            mode += " UDP-Encaps"
        conn = conn_base + 2 * n + (0 if direction == "inbound" else 1)
        out += [
            f"      spi: 0x{spi:X}({spi})",
            f"        transform: {esp_transform_name(ch.encr, ch.integ)} ,",
            f"        in use settings ={{{mode}, }}",
            f"        conn id: {conn}, flow_id: SW:{conn - 2000}, sibling_flags FFFFFFFF80000048, crypto map: {tag}",
        ]
        if ch.lifetime_kb:
            out.append(f"        sa timing: remaining key lifetime (k/sec): ({kb}/{secs})")
        else:
            out += [f"        sa timing: remaining key lifetime (sec): {secs}",
                    "        Kilobyte Volume Rekey has been disabled"]
        out += [f"        IV size: {iv} bytes", "        replay detection support: Y", "        Status: ACTIVE(ACTIVE)"]
    out += ["", f"     {direction} ah sas:", "", f"     {direction} pcp sas:", ""]
    return out


def _mtu_idb(cfg, local_addr: str) -> str:
    if cfg is not None:
        for i in cfg.interfaces.ordered():
            if i.ip_address and i.ip_address[0] == local_addr:
                return i.name
    return "Unknown"


def ipsec_sa(sessions: list, now: float, cfg=None) -> list[str]:
    """`show crypto ipsec sa`: one `interface:` block per session interface, one ident block per flow."""
    out: list[str] = []
    conn = 2001
    for s in sorted(sessions, key=lambda s: s.session_id):
        sa = s.ike_sa
        ifname = s.interface or "Unknown"
        tag = f"{ifname}-head-0"
        out += [f"interface: {ifname}", f"    Crypto map tag: {tag}, local addr {_a(sa.local[0])}", ""]
        nat = sa.nat_t.startswith("detected")
        for _text, children in _flows(sa):
            ch = children[-1]
            pin = sum(c.pkts_in for c in children)
            pout = sum(c.pkts_out for c in children)
            out += [
                f"   protected vrf: {_pvrf(sa.ivrf)}",
                f"   local  ident (addr/mask/prot/port): {_ident(ch.ts_local[0] if ch.ts_local else None, sa.local[0])}",
                f"   remote ident (addr/mask/prot/port): {_ident(ch.ts_remote[0] if ch.ts_remote else None, sa.remote[0])}",
                f"   current_peer {_a(sa.remote[0])} port {sa.remote[1]}",
                "     PERMIT, flags={origin_is_acl,}",
                f"    #pkts encaps: {pout}, #pkts encrypt: {pout}, #pkts digest: {pout}",
                f"    #pkts decaps: {pin}, #pkts decrypt: {pin}, #pkts verify: {pin}",
                "    #pkts compressed: 0, #pkts decompressed: 0",
                "    #pkts not compressed: 0, #pkts compr. failed: 0",
                "    #pkts not decompressed: 0, #pkts decompress failed: 0",
                f"    #send errors {sum(c.drops_out for c in children)}, "
                f"#recv errors {sum(c.drops_in for c in children)}",
                "",
                f"     local crypto endpt.: {_a(sa.local[0])}, remote crypto endpt.: {_a(sa.remote[0])}",
                f"     plaintext mtu {1430 if nat else 1438}, path mtu 1500, ip mtu 1500, ip mtu idb "
                f"{_mtu_idb(cfg, sa.local[0])}",
                f"     current outbound spi: 0x{ch.spi_out:X}({ch.spi_out})",
                f"     PFS (Y/N): {'Y' if ch.dh_group else 'N'}, DH group: "
                + (f"group{ch.dh_group}" if ch.dh_group else "none"),
                "",
            ]
            out += _sa_block("inbound", children, now, tag, nat, conn)
            out += _sa_block("outbound", children, now, tag, nat, conn)
            conn += 2 * len(children)
    return out


# ---- show crypto ikev2 stats --------------------------------------------------------------------------


def ikev2_stats(stats: IkeStats, sas: list[IkeSaState], max_sa: int | None = None,
                max_in_nego: tuple[int, int] = (40, 400)) -> list[str]:
    """`show crypto ikev2 stats` (IOS-XE layout; reference §4.3)."""
    inc = [s for s in sas if not s.initiator]
    outg = [s for s in sas if s.initiator]

    def count(group, status):
        return sum(1 for s in group if s.status == status)

    rule = "-" * 80
    return [
        rule,
        "                          Crypto IKEv2 SA Statistics",
        rule,
        f"System Resource Limit:   {0:<9}Max IKEv2 SAs: {max_sa or 0:<9}Max in nego(in/out): "
        f"{max_in_nego[0]}/{max_in_nego[1]}",
        f"Total incoming IKEv2 SA Count:    {len(inc):<9}active:        {count(inc, 'READY'):<9}"
        f"negotiating: {count(inc, 'IN-NEG'):<6}",
        f"Total outgoing IKEv2 SA Count:    {len(outg):<9}active:        {count(outg, 'READY'):<9}"
        f"negotiating: {count(outg, 'IN-NEG'):<6}",
        f"Incoming IKEv2 Requests: {stats.incoming_requests:<9}accepted:      {stats.incoming_accepted:<9}"
        f"rejected:    {stats.incoming_rejected:<8}",
        f"Outgoing IKEv2 Requests: {stats.outgoing_requests:<9}accepted:      {stats.outgoing_accepted:<9}"
        f"rejected:    {stats.outgoing_rejected:<8}",
        f"Rejected IKEv2 Requests: {stats.rejected_total:<9}rsrc low:      {stats.rejected_rsrc_low:<9}"
        f"SA limit:    {stats.rejected_sa_limit:<8}",
        f"IKEv2 packets dropped at dispatch: {stats.dropped_at_dispatch:<8}",
        f"Incoming Requests dropped as LOW Q limit reached : {stats.dropped_low_q:<8}",
        f"Incoming IKEV2 Cookie Challenged Requests: {stats.cookie_challenged:<8}",
        f"    accepted: {stats.cookie_accepted:<9}rejected: {stats.cookie_rejected:<9}"
        f"rejected no cookie: {stats.cookie_rejected_no_cookie:<8}",
        f"Total Deleted sessions of Cert Revoked Peers: {stats.deleted_cert_revoked:<8}",
    ]


def ikev2_stats_reconnect(stats: IkeStats, active: int = 0, inactive: int = 0) -> list[str]:
    """`show crypto ikev2 stats reconnect` (the chapter's layout: values in column 45)."""
    rows = [("Total incoming reconnect connection:", stats.reconnect_incoming),
            ("Success reconnect connection:", stats.reconnect_success),
            ("Failed reconnect connection:", stats.reconnect_failed),
            ("Reconnect capable active session count:", active),
            ("Reconnect capable inactive session count:", inactive)]
    return [f"{label:<44}{n}" for label, n in rows]


# ---- show crypto ikev2 profile ------------------------------------------------------------------------


def _author_text(entries: dict) -> str:
    if not entries:
        return "none"
    parts = []
    for method, a in entries.items():
        if a.cached:
            parts.append(f"{method} cached")
            continue
        text = f"{method} list {a.list}"
        if a.name:
            text += f" {a.name}"
        if a.name_mangler:
            text += f" name-mangler {a.name_mangler}"
        parts.append(text)
    return ", ".join(parts)


def ikev2_profile(cfg, name: str | None = None, ref_counts: dict[str, int] | None = None) -> list[str]:
    """`show crypto ikev2 profile [NAME]` (layout of genie's ShowCryptoIkev2Profile fixture)."""
    out: list[str] = []
    profiles = [p for p in cfg.ikev2_profile.items.values() if name is None or p.name == name]
    for k, p in enumerate(profiles):
        if k:
            out.append("")
        idents = [i.text() for i in p.match_identity]
        local_addr = ", ".join(a.replace("interface ", "") for a in p.match_address_local) or "none"
        fvrf = p.match_fvrf or "global"
        eap = p.remote_method("eap")
        eap_opts = []
        if eap is not None:
            if eap.query_identity:
                eap_opts.append("query-identity")
            if eap.timeout is not None:
                eap_opts.append(f"timeout {eap.timeout}")
        out += [
            f"IKEv2 profile: {p.name}",
            f" Shutdown : {'Yes' if p.shutdown else 'No'}",
            f" Ref Count: {(ref_counts or {}).get(p.name, 0)}",
            " Match criteria: ",
            f"  Fvrf: {fvrf}",
            f"  Local address/interface: {local_addr}",
        ]
        if idents:
            out.append("  Identities: ")
            out.extend(f"   {t}" for t in idents)
        else:
            out.append("  Identities: none")
        out += [
            f"  Certificate maps: {', '.join(p.match_certificate) or 'none'}",
            f" Local identity: {p.identity_local.text() if p.identity_local else 'none'}",
            " Remote identity: none",
            f" Local authentication method: {p.auth_local.method if p.auth_local else 'none'}",
            f" Remote authentication method(s): {' '.join(m.method for m in p.auth_remote) or 'none'}",
            f" EAP options: {' '.join(eap_opts) or 'none'}",
            f" Keyring: {p.keyring.name if p.keyring else 'none'}",
            f" Trustpoint(s): {', '.join(t for t, _ in p.trustpoints) or 'none'}",
            f" Lifetime: {p.lifetime or 86400} seconds",
            f" DPD: interval {p.dpd.interval}, retry-interval {p.dpd.retry}, {p.dpd.mode}" if p.dpd else " DPD: disabled",
            f" NAT-keepalive: Interval {p.nat_keepalive} sec" if p.nat_keepalive else " NAT-keepalive: disabled",
            f" Ivrf: {p.ivrf or 'none'}",
            f" Virtual-template: {p.virtual_template if p.virtual_template is not None else 'none'}",
            f" mode auto: {'Yes' if p.virtual_template_auto else 'none'}",
            f" AAA AnyConnect EAP authentication mlist: {p.aaa_authentication.get('anyconnect-eap', 'none')}",
            f" AAA EAP authentication mlist: {p.aaa_authentication.get('eap', 'none')}",
            " AAA Accounting: " + (", ".join(f"{k} {v}" for k, v in p.aaa_accounting.items()) or "none"),
            f" AAA group authorization: {_author_text(p.aaa_author_group)}",
            f" AAA user authorization: {_author_text(p.aaa_author_user)}",
        ]
    return out

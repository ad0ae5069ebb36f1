"""Renderers of the EXEC views of the crypto configuration and of `show crypto ikev2 session`:
`show crypto ikev2 proposal|policy|authorization policy [NAME]`, `show crypto ipsec transform-set|profile
[NAME]`, `show crypto ikev2 session [detailed]`.

Layouts are real IOS-XE's as genieparser's parsers read them (ShowCryptoIkev2Proposal, ShowCryptoIkev2Policy,
ShowCryptoIpsecProfile, ShowCryptoIkev2Session); `show crypto ipsec transform-set` and `show crypto ikev2
authorization policy`, which genie does not parse, follow IOS's published outputs as far as they are known
(docs/EVERYDAY.md names what is inferred).
"""

from __future__ import annotations

from . import show

ENCR = {"aes-cbc-128": "AES-CBC-128", "aes-cbc-192": "AES-CBC-192", "aes-cbc-256": "AES-CBC-256",
        "aes-gcm-128": "AES-GCM-128", "aes-gcm-256": "AES-GCM-256", "3des": "3DES", "des": "DES"}
INTEG = {"md5": "MD596", "sha1": "SHA96", "sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512"}
PRF = {"md5": "MD5", "sha1": "SHA1", "sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512"}
DH = {"1": "DH_GROUP_768_MODP/Group 1", "2": "DH_GROUP_1024_MODP/Group 2", "5": "DH_GROUP_1536_MODP/Group 5",
      "14": "DH_GROUP_2048_MODP/Group 14", "15": "DH_GROUP_3072_MODP/Group 15",
      "16": "DH_GROUP_4096_MODP/Group 16", "19": "DH_GROUP_256_ECP/Group 19", "20": "DH_GROUP_384_ECP/Group 20",
      "21": "DH_GROUP_521_ECP/Group 21", "24": "DH_GROUP_2048_256_MODP/Group 24"}


def _pick(items: dict, name: str | None) -> list:
    return [v for k, v in items.items() if name is None or k == name]


def ikev2_proposal(cfg, name: str | None = None) -> list[str]:
    out: list[str] = []
    for p in _pick(cfg.ikev2_proposal.items, name):
        integ = p.integrity if not all("gcm" in e for e in p.encryption) else []
        out += [
            f" IKEv2 proposal: {p.name} ",
            "     Encryption : " + " ".join(ENCR.get(e, e.upper()) for e in p.encryption),
            "     Integrity  : " + " ".join(INTEG.get(i, i.upper()) for i in integ),
            "     PRF        : " + " ".join(PRF.get(i, i.upper()) for i in (p.prf or integ)),
            "     DH Group   : " + " ".join(DH.get(g, f"Group {g}") for g in p.group),
        ]
    return out


def ikev2_policy(cfg, name: str | None = None) -> list[str]:
    out: list[str] = []
    for p in _pick(cfg.ikev2_policy.items, name):
        if out:
            out.append("")
        out += [f" IKEv2 policy : {p.name}", f"      Match fvrf : {p.match_fvrf or 'global'}"]
        out += [f"      Match address local : {a}" for a in p.match_address_local] or \
               ["      Match address local : any"]
        out += [f"      Proposal    : {pr}" for pr in p.proposals]
    return out


def ikev2_author_policy(cfg, name: str | None = None) -> list[str]:
    out: list[str] = []
    for a in _pick(cfg.ikev2_author_policy.items, name):
        out.append(f"IKEv2 Authorization policy: {a.name}")
        out += ["   " + ln.strip() for ln in a.lines()[1:]]
    return out


def _tset_text(t) -> str:
    """`{ esp-256-aes esp-sha256-hmac  }`: the transforms as `show crypto ipsec sa` names them."""
    if t.cipher == "esp-aes" and t.keysize and t.keysize != "128":
        cipher = f"esp-{t.keysize}-aes"
    else:
        cipher = " ".join(x for x in (t.cipher, t.keysize) if x)
    return "{ " + " ".join(x for x in (cipher, t.hmac) if x) + "  }"


def ipsec_transform_set(cfg, name: str | None = None) -> list[str]:
    out: list[str] = []
    for t in _pick(cfg.ipsec_transform_set.items, name):
        out += [f"Transform set {t.name}: {_tset_text(t)} ",
                f"   will negotiate = {{ {t.mode.capitalize()},  }}, ", "   ", ""]
    return out


def ipsec_profile(cfg, name: str | None = None) -> list[str]:
    out: list[str] = []
    sets = cfg.ipsec_transform_set.items
    for p in _pick(cfg.ipsec_profile.items, name):
        kb = p.lifetime_kilobytes if p.lifetime_kilobytes not in (None, "disable") else 4608000
        out.append(f"IPSEC profile {p.name}")
        if p.ikev2_profile:
            out.append(f"        IKEv2 Profile: {p.ikev2_profile}")
        out += [
            f"        Security association lifetime: {kb} kilobytes/{p.lifetime_seconds or 3600} seconds",
            "        Dualstack (Y/N): N",
            f"        Responder-Only (Y/N): {'Y' if p.responder_only else 'N'}",
            f"        PFS (Y/N): {'N' if p.pfs is None else 'Y'}",
        ]
        if p.pfs:
            out.append(f"        DH group:  {p.pfs}")
        out += ["        Mixed-mode : Disabled", "        Transform sets={"]
        for tname in p.transform_sets or ["default"]:
            t = sets.get(tname)
            out.append(f"                {tname}:  {_tset_text(t) if t else '{  }'} ,")
        out += ["        }", ""]
    return out


def _sel(ts) -> str:
    return f"{show._a(ts.start)}/{ts.start_port} - {show._a(ts.end)}/{ts.end_port}"


def _child_lines(ch, detail: bool) -> list[str]:
    out = []
    for k, (lo, re_) in enumerate(zip(ch.ts_local or [None], ch.ts_remote or [None])):
        head = "Child sa: " if k == 0 else "          "
        if lo is not None:
            out.append(f"{head}local selector  {_sel(lo)}")
        if re_ is not None:
            out.append(f"          remote selector {_sel(re_)}")
    out.append(f"          ESP spi in/out: 0x{ch.spi_in:X}/0x{ch.spi_out:X}  ")
    if detail:
        eid, bits = ch.encr
        encr = f"Encr: {show.ENCR_NAMES.get(eid, str(eid))}" + (f", keysize: {bits}" if bits else "")
        hmac = {1: "MD596", 2: "SHA96", 12: "SHA256", 13: "SHA384", 14: "SHA512"}.get(ch.integ, "None")
        out += ["          AH spi in/out: 0x0/0x0  ", "          CPI in/out: 0x0/0x0  ",
                f"          {encr}, esp_hmac: {hmac}",
                f"          ah_hmac: None, comp: IPCOMP_NONE, mode {ch.mode}"]
    return out


def ikev2_session(sas: list, now: float, detail: bool = False) -> list[str]:
    """`show crypto ikev2 session [detailed]`: the SAs grouped by session id, each with its child SAs."""
    out: list[str] = []
    for banner, six in ((" IPv4 Crypto IKEv2 Session ", False), (" IPv6 Crypto IKEv2 Session ", True)):
        out += [banner, ""]
        group = sorted((s for s in sas if show._ip6(s.local[0]) == six), key=lambda s: (s.session_id, s.tunnel_id))
        sessions: dict[int, list] = {}
        for sa in group:
            sessions.setdefault(sa.session_id, []).append(sa)
        for sid, members in sessions.items():
            up = any(s.status == "READY" for s in members)
            nchild = sum(len(s.children) for s in members)
            out += [f"Session-id:{sid}, Status:{'UP-ACTIVE' if up else 'UP-IDLE'}, IKE count:{len(members)}, "
                    f"CHILD count:{nchild}", ""]
            for sa in members:
                out += show._sa_head(sa)
                if detail:
                    out += show.sa_detail_lines(sa, now)
                else:
                    out += ["      " + show.encr_line(sa),
                            f"      Life/Active Time: {sa.lifetime}/{show._active_time(sa, now)} sec"]
                for ch in sa.children:
                    out += _child_lines(ch, detail)
                out.append("")
    return out

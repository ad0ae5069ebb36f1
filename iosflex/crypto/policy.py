"""What the running-config says about one negotiation, read at the moment of use (issue 4).

Pure functions over a `RunningConfig` (`router.config`): nothing here keeps state, so a configuration change
applies to the next negotiation.  The engine (ikesa.py / responder.py) calls:

* `ike_proposals(cfg, local_addr, fvrf)` -> the `Proposal`s of the `crypto ikev2 policy` that matches the local
  address and front-door VRF (else IOS's smart default policy/proposal), and `ike_policy(...)` for its name
  (debug `Found Policy 'default'`);
* `select_ike_proposal(offered, ours, ke_group)` -> `IkeChoice | None`;
* `select_profile(cfg, peer_identity, local_addr, fvrf, cert=None)` -> `Profile | None`;
* `psk_for(cfg, profile, peer_identity, peer_addr)` -> `(local_key, remote_key)` as bytes (None when absent);
* `local_identity(cfg, profile, local_addr)` -> `state.Identity`;
* `child_policy(cfg, profile)` -> `ChildPolicy` (ESP proposals from the virtual-template's
  `tunnel protection ipsec profile`, else `crypto ipsec profile default`; PFS; lifetimes; mode);
* `select_child_proposal(offered, ours, ke_group=None, in_ike_auth=True)` -> `ChildChoice | None`;
* `sa_settings(cfg, profile)` -> `SaSettings` (IKE lifetime, DPD, NAT keepalive, fragmentation, window,
  cookie threshold, config-exchange, limits).

Proposals are IANA numbers (RFC 7296 / IANA "IKEv2 parameters"): ENCR as `(id, key bits | None)`, PRF, INTEG
and DH as ints.  A `Proposal` carries the *lists* of acceptable transforms of each type (one IKEv2 proposal
substructure); the engine converts the initiator's SA payload into the same `Proposal` class.

Selection rule (decided here, see `select_ike_proposal`): IOS walks *its own* proposals in policy order and,
for each, the initiator's proposals in the initiator's order; within a matching pair every transform type
takes the first of *our* configured algorithms that the initiator offered, except the DH group, which is the
group of the initiator's KE payload whenever that group is acceptable (so no INVALID_KE_PAYLOAD round trip);
otherwise the first of our groups the initiator offered (the group INVALID_KE_PAYLOAD then asks for).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from .state import Identity as PeerId

# ---- IANA numbers -----------------------------------------------------------------------------------

ENCR_DES, ENCR_3DES, ENCR_NULL, ENCR_AES_CBC, ENCR_AES_GCM_16, ENCR_NULL_AUTH_AES_GMAC = 2, 3, 11, 12, 20, 21
AEAD = {ENCR_AES_GCM_16, ENCR_NULL_AUTH_AES_GMAC}  # (GMAC is integrity-only but takes no INTEG transform)
PRF_HMAC_MD5, PRF_HMAC_SHA1, PRF_HMAC_SHA2_256, PRF_HMAC_SHA2_384, PRF_HMAC_SHA2_512 = 1, 2, 5, 6, 7
AUTH_NONE, AUTH_HMAC_MD5_96, AUTH_HMAC_SHA1_96 = 0, 1, 2
AUTH_HMAC_SHA2_256_128, AUTH_HMAC_SHA2_384_192, AUTH_HMAC_SHA2_512_256 = 12, 13, 14
DH_GROUPS = (1, 2, 5, 14, 15, 16, 19, 20, 21, 24, 31)

# `crypto ikev2 proposal` keywords -> IANA
IKE_ENCR = {"des": (ENCR_DES, None), "3des": (ENCR_3DES, None), "aes-cbc-128": (ENCR_AES_CBC, 128),
            "aes-cbc-192": (ENCR_AES_CBC, 192), "aes-cbc-256": (ENCR_AES_CBC, 256),
            "aes-gcm-128": (ENCR_AES_GCM_16, 128), "aes-gcm-256": (ENCR_AES_GCM_16, 256)}
IKE_INTEG = {"md5": AUTH_HMAC_MD5_96, "sha1": AUTH_HMAC_SHA1_96, "sha256": AUTH_HMAC_SHA2_256_128,
             "sha384": AUTH_HMAC_SHA2_384_192, "sha512": AUTH_HMAC_SHA2_512_256}
IKE_PRF = {"md5": PRF_HMAC_MD5, "sha1": PRF_HMAC_SHA1, "sha256": PRF_HMAC_SHA2_256, "sha384": PRF_HMAC_SHA2_384,
           "sha512": PRF_HMAC_SHA2_512}

# `crypto ipsec transform-set` keywords -> IANA.  `esp-aes` without a size is AES-128; `esp-gcm` without a
# size is 256 (IOS's default key size for GCM/GMAC).
ESP_CIPHER = {"esp-aes": (ENCR_AES_CBC, 128), "esp-gcm": (ENCR_AES_GCM_16, 256),
              "esp-gmac": (ENCR_NULL_AUTH_AES_GMAC, 256), "esp-3des": (ENCR_3DES, None),
              "esp-des": (ENCR_DES, None), "esp-null": (ENCR_NULL, None)}
ESP_HMAC = {"esp-md5-hmac": AUTH_HMAC_MD5_96, "esp-sha-hmac": AUTH_HMAC_SHA1_96,
            "esp-sha256-hmac": AUTH_HMAC_SHA2_256_128, "esp-sha384-hmac": AUTH_HMAC_SHA2_384_192,
            "esp-sha512-hmac": AUTH_HMAC_SHA2_512_256}

# IKEv2 identity types (RFC 7296 §3.5)
ID_IPV4_ADDR, ID_FQDN, ID_RFC822_ADDR, ID_IPV6_ADDR, ID_DER_ASN1_DN, ID_KEY_ID = 1, 2, 3, 5, 9, 11

# IOS defaults
IKE_LIFETIME = 86400
IPSEC_LIFETIME_S = 3600
IPSEC_LIFETIME_KB = 4608000
WINDOW = 5
FRAGMENT_MTU = 576
MAX_IN_NEGO = (40, 400)  # `show crypto ikev2 stats`: Max in nego(in/out)


# ---- proposals --------------------------------------------------------------------------------------


@dataclass
class Proposal:
    """One proposal substructure: the acceptable transforms of each type, in preference order.

    For ESP proposals `prf` stays empty, `dh` holds the PFS group(s) and `esn` the ESN values (0 = no ESN).
    `num` is the proposal number (the initiator's, echoed in the response); `spi` the sender's SPI.
    """

    encr: list[tuple[int, int | None]] = field(default_factory=list)
    prf: list[int] = field(default_factory=list)
    integ: list[int] = field(default_factory=list)
    dh: list[int] = field(default_factory=list)
    esn: list[int] = field(default_factory=list)
    num: int = 1
    spi: bytes = b""
    name: str = ""  # the configured proposal / transform-set name (ours only)
    mode: str = "tunnel"  # transform-set mode (ours only): tunnel | transport


@dataclass(frozen=True)
class IkeChoice:
    num: int
    encr: tuple[int, int | None]
    prf: int
    integ: int | None  # None with AEAD
    dh: int
    proposal: str = ""  # name of our proposal that matched


@dataclass(frozen=True)
class ChildChoice:
    num: int
    encr: tuple[int, int | None]
    integ: int | None
    esn: int
    dh: int | None  # PFS group, None without PFS (and always None in IKE_AUTH)
    spi: bytes = b""  # the initiator's SPI
    transform_set: str = ""
    mode: str = "tunnel"  # the transform-set's mode: `transport` accepts USE_TRANSPORT_MODE


def proposal_from_config(p) -> Proposal | None:
    """A `config.ikev2.Proposal` as IANA numbers; None when the proposal is incomplete (IOS ignores it)."""
    if not p.complete():
        return None
    encr = [IKE_ENCR[e] for e in p.encryption if e in IKE_ENCR]
    integ = [IKE_INTEG[i] for i in p.integrity if i in IKE_INTEG]
    # Without `prf`, IOS uses the integrity algorithms as PRFs.
    prf = [IKE_PRF[x] for x in (p.prf or p.integrity) if x in IKE_PRF]
    dh = [int(g) for g in p.group if str(g).isdigit()]
    return Proposal(encr=encr, prf=prf, integ=integ, dh=dh, name=p.name)


def _fvrf_matches(configured: str | None, fvrf: str | None) -> bool:
    """`match fvrf NAME|any`; without it only the global table ("none")."""
    fvrf = None if fvrf in (None, "", "none", "global") else fvrf
    if configured == "any":
        return True
    return configured == fvrf


def _local_address_matches(cfg, entries: list[str], local_addr: str | None) -> bool | None:
    """None when there are no `match address local` lines, else whether one names `local_addr`."""
    if not entries:
        return None
    for e in entries:
        if e.startswith("interface "):
            iface = cfg.interfaces.by_name(e.split(None, 1)[1])
            addr = iface.address(cfg) if iface is not None else None
            if addr and addr[0] == local_addr:
                return True
        elif e == local_addr:
            return True
    return False


def ike_policy(cfg, local_addr: str | None, fvrf: str | None = None):
    """The `crypto ikev2 policy` used for a peer reaching `local_addr` in `fvrf`, or None.

    A policy matches when its `match fvrf` (none = the global table) and `match address local` (none = any)
    match.  The most specific one wins: an address match before a policy without addresses, a named fvrf
    before `any`; then configuration order, the smart default policy `default` last.
    """
    best, best_key = None, None
    for order, pol in enumerate(cfg.ikev2_policy.items.values()):
        if not _fvrf_matches(pol.match_fvrf, fvrf):
            continue
        addr = _local_address_matches(cfg, pol.match_address_local, local_addr)
        if addr is False:
            continue
        if not any(proposal_from_config(cfg.ikev2_proposal.items[n]) for n in pol.proposals
                   if n in cfg.ikev2_proposal.items):
            continue
        key = (0 if addr else 1, 1 if pol.match_fvrf == "any" else 0, pol.name == "default", order)
        if best_key is None or key < best_key:
            best, best_key = pol, key
    return best


_IKE_PROPOSALS_MEMO: dict[tuple, list[Proposal]] = {}


def _ike_proposals_key(cfg, local_addr, fvrf) -> tuple | None:
    """Everything `ike_proposals` reads, as a tuple (cheap next to the conversion itself), or None when a
    policy matches on an interface's address (that depends on the interface configuration too)."""
    pols = []
    for pol in cfg.ikev2_policy.items.values():
        for e in pol.match_address_local:
            if e.startswith("interface "):
                return None
        pols.append((pol.name, pol.match_fvrf, tuple(pol.match_address_local), tuple(pol.proposals)))
    props = tuple((p.name, tuple(p.encryption), tuple(p.integrity), tuple(p.prf), tuple(p.group))
                  for p in cfg.ikev2_proposal.items.values())
    return local_addr, fvrf, tuple(pols), props


def ike_proposals(cfg, local_addr: str | None, fvrf: str | None = None) -> list[Proposal]:
    """Our IKE proposals, in preference order, for a peer reaching `local_addr` in `fvrf` (empty: none).

    Memoized on the content of the policies and proposals it reads (per SA this is the costly part of
    IKE_SA_INIT otherwise); a configuration change gives a new key.  The Proposal objects are shared: read only."""
    key = _ike_proposals_key(cfg, local_addr, fvrf)
    if key is not None:
        hit = _IKE_PROPOSALS_MEMO.get(key)
        if hit is None:
            if len(_IKE_PROPOSALS_MEMO) >= 64:
                _IKE_PROPOSALS_MEMO.clear()
            hit = _IKE_PROPOSALS_MEMO[key] = _ike_proposals(cfg, local_addr, fvrf)
        return list(hit)
    return _ike_proposals(cfg, local_addr, fvrf)


def _ike_proposals(cfg, local_addr: str | None, fvrf: str | None) -> list[Proposal]:
    pol = ike_policy(cfg, local_addr, fvrf)
    if pol is None:
        return []
    out = []
    for name in pol.proposals:
        p = cfg.ikev2_proposal.items.get(name)
        conv = proposal_from_config(p) if p is not None else None
        if conv is not None:
            out.append(conv)
    return out


def _first(ours, theirs):
    for x in ours:
        if x in theirs:
            return x
    return None


def _match_ike(off: Proposal, ours: Proposal, ke_group: int | None) -> IkeChoice | None:
    encr = _first(ours.encr, off.encr)
    if encr is None:
        return None
    if encr[0] in AEAD:
        if any(i != AUTH_NONE for i in off.integ):
            return None
        integ = None
    else:
        integ = _first(ours.integ, off.integ)
        if integ is None:
            return None
    prf = _first(ours.prf, off.prf)
    if prf is None:
        return None
    if ke_group is not None and ke_group in ours.dh and ke_group in off.dh:
        dh = ke_group
    else:
        dh = _first(ours.dh, off.dh)
    if dh is None:
        return None
    return IkeChoice(off.num, encr, prf, integ, dh, ours.name)


def select_ike_proposal(offered: list[Proposal], ours: list[Proposal], ke_group: int | None = None) -> IkeChoice | None:
    """The IKE SA transforms to answer with, or None (NO_PROPOSAL_CHOSEN).

    When `choice.dh != ke_group` the engine answers INVALID_KE_PAYLOAD asking for `choice.dh`.
    """
    for mine in ours:
        for off in offered:
            c = _match_ike(off, mine, ke_group)
            if c is not None:
                return c
    return None


# ---- child SA (ESP) ---------------------------------------------------------------------------------


@dataclass
class ChildPolicy:
    proposals: list[Proposal]  # one per transform-set, in `set transform-set` order
    ipsec_profile: str  # the `crypto ipsec profile` used
    pfs: int | None = None  # PFS DH group for CREATE_CHILD_SA; None: no PFS
    pfs_ike_group: bool = False  # bare `set pfs`: the IKE SA's group
    lifetime_s: int = IPSEC_LIFETIME_S
    lifetime_kb: int = IPSEC_LIFETIME_KB  # 0: `lifetime kilobytes disable`
    replay_window: int | None = 64  # None: replay disabled
    responder_only: bool = False


def transform_set_proposal(ts) -> Proposal:
    cipher = ESP_CIPHER.get(ts.cipher, (ENCR_AES_CBC, 128))
    if ts.keysize and cipher[1] is not None:
        cipher = (cipher[0], int(ts.keysize))
    integ = [ESP_HMAC[ts.hmac]] if ts.hmac in ESP_HMAC else []
    return Proposal(encr=[cipher], integ=integ, esn=[0], name=ts.name, mode=ts.mode)


def ipsec_profile_for(cfg, profile) -> str:
    """The IPsec profile protecting this IKEv2 profile's sessions: the virtual-template's
    `tunnel protection ipsec profile`, else the smart default `default`."""
    if profile is not None and profile.virtual_template is not None:
        vt = cfg.interfaces.get("Virtual-Template", str(profile.virtual_template))
        if vt is not None and vt.tunnel_protection and vt.tunnel_protection in cfg.ipsec_profile.items:
            return vt.tunnel_protection
    return "default"


_CHILD_POLICY_MEMO: dict[tuple, ChildPolicy] = {}


def child_policy(cfg, profile) -> ChildPolicy:
    """The IPsec side of `profile`'s sessions.  Memoized on the content of the IPsec profile and transform-sets
    it reads (a configuration change gives a new key); the result is shared: read only."""
    name = ipsec_profile_for(cfg, profile)
    ip = cfg.ipsec_profile.items.get(name)
    sets = (ip.transform_sets if ip is not None else []) or ["default"]
    items = cfg.ipsec_transform_set.items
    key = (name, None if ip is None else (ip.pfs, ip.lifetime_seconds, ip.lifetime_kilobytes, ip.replay_disable,
                                          ip.replay_window, ip.responder_only),
           tuple((ts.name, ts.cipher, ts.keysize, ts.hmac, ts.mode) for ts in (items.get(x) for x in sets) if ts))
    cp = _CHILD_POLICY_MEMO.get(key)
    if cp is None:
        if len(_CHILD_POLICY_MEMO) >= 64:
            _CHILD_POLICY_MEMO.clear()
        cp = _CHILD_POLICY_MEMO[key] = _child_policy(cfg, name, ip, sets)
    return cp


def _child_policy(cfg, name, ip, sets) -> ChildPolicy:
    proposals = [transform_set_proposal(cfg.ipsec_transform_set.items[s]) for s in sets
                 if s in cfg.ipsec_transform_set.items]
    cp = ChildPolicy(proposals, name)
    if ip is None:
        return cp
    if ip.pfs is not None:
        if ip.pfs.startswith("group") and ip.pfs[5:].isdigit():
            cp.pfs = int(ip.pfs[5:])
        else:
            cp.pfs_ike_group = True
    if ip.lifetime_seconds is not None:
        cp.lifetime_s = ip.lifetime_seconds
    if ip.lifetime_kilobytes == "disable":
        cp.lifetime_kb = 0
    elif ip.lifetime_kilobytes is not None:
        cp.lifetime_kb = int(ip.lifetime_kilobytes)
    if ip.replay_disable:
        cp.replay_window = None
    elif ip.replay_window is not None:
        cp.replay_window = ip.replay_window
    cp.responder_only = ip.responder_only
    return cp


def select_child_proposal(offered: list[Proposal], ours: list[Proposal], pfs: int | None = None,
                          ke_group: int | None = None, in_ike_auth: bool = True) -> ChildChoice | None:
    """The ESP transforms to answer with, or None (NO_PROPOSAL_CHOSEN).

    In IKE_AUTH the DH transforms are ignored (RFC 7296 §1.2).  In CREATE_CHILD_SA with `pfs` set, the
    initiator must offer that group (`ke_group` is its KE payload's group; a different acceptable group means
    INVALID_KE_PAYLOAD); without `pfs`, an initiator that proposes PFS is accepted with its KE group.
    """
    for mine in ours:
        for off in offered:
            encr = _first(mine.encr, off.encr)
            if encr is None:
                continue
            if encr[0] in AEAD:
                if any(i != AUTH_NONE for i in off.integ):
                    continue
                integ = None
            else:
                integ = _first(mine.integ, off.integ)
                if integ is None:
                    continue
            esn = 0 if (not off.esn or 0 in off.esn) else None
            if esn is None:
                continue
            dh = None
            if not in_ike_auth:
                groups = [g for g in off.dh if g != 0]
                if pfs is not None:
                    if pfs not in groups:
                        continue
                    dh = pfs
                elif groups:
                    dh = ke_group if ke_group in groups else groups[0]
            return ChildChoice(off.num, encr, integ, esn, dh, off.spi, mine.name, mine.mode)
    return None


# ---- identities and profiles ------------------------------------------------------------------------


def _domain_match(value: str, domain: str) -> bool:
    value, domain = value.lower(), domain.lower().lstrip(".")
    return value == domain or value.endswith("." + domain)


def identity_matches(rule, peer: PeerId) -> int:
    """How well one `match identity remote` rule (config.ikev2.Identity) matches the peer's identity:
    0 = no match; higher = more specific (exact 100, address mask 32+prefix, domain 20, any 1)."""
    kind = rule.kind
    if kind == "any":
        return 1
    text = peer.text
    if kind == "address":
        if peer.id_type != ID_IPV4_ADDR:
            return 0
        if rule.mask is None and rule.value == "0.0.0.0":
            return 2
        mask = rule.mask or "255.255.255.255"
        try:
            net = ipaddress.IPv4Network(f"{rule.value}/{mask}", strict=False)
            if ipaddress.IPv4Address(text) in net:
                return 100 if net.prefixlen == 32 else 32 + net.prefixlen
        except ValueError:
            return 0
        return 0
    if kind == "ipv6":
        if peer.id_type != ID_IPV6_ADDR:
            return 0
        try:
            net = ipaddress.IPv6Network(rule.value, strict=False)
            if ipaddress.IPv6Address(text) in net:
                return 100 if net.prefixlen == 128 else 32 + net.prefixlen // 4
        except ValueError:
            return 0
        return 0
    if kind == "fqdn":
        if peer.id_type != ID_FQDN:
            return 0
        if rule.domain:
            return 20 if _domain_match(text, rule.value) else 0
        return 100 if text.lower() == rule.value.lower() else 0
    if kind == "email":
        if peer.id_type != ID_RFC822_ADDR:
            return 0
        if rule.domain:
            dom = text.rpartition("@")[2]
            return 20 if _domain_match(dom, rule.value) else 0
        return 100 if text.lower() == rule.value.lower() else 0
    if kind == "key-id":
        return 100 if peer.id_type == ID_KEY_ID and peer.data == rule.value.encode() else 0
    return 0


def cert_fields(cert) -> dict[str, str]:
    """The fields a `crypto pki certificate map` compares: subject-name, issuer-name, alt-subject-name,
    as lower-case IOS-style `cn=x,ou=y` text.  `cert` is a cryptography x509 Certificate or a dict of those
    fields already."""
    if cert is None:
        return {}
    if isinstance(cert, dict):
        return {k: str(v).lower() for k, v in cert.items()}
    from cryptography import x509  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    short = {NameOID.COMMON_NAME: "cn", NameOID.ORGANIZATIONAL_UNIT_NAME: "ou", NameOID.ORGANIZATION_NAME: "o",
             NameOID.COUNTRY_NAME: "c", NameOID.STATE_OR_PROVINCE_NAME: "st", NameOID.LOCALITY_NAME: "l",
             NameOID.EMAIL_ADDRESS: "ea", NameOID.DOMAIN_COMPONENT: "dc", NameOID.SERIAL_NUMBER: "serialnumber"}

    def dn(name):
        parts = []
        for rdn in name.rdns:
            for a in rdn:
                parts.append(f"{short.get(a.oid, a.oid.dotted_string)}={a.value}")
        return ",".join(parts).lower()

    out = {"subject-name": dn(cert.subject), "issuer-name": dn(cert.issuer)}
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        out["alt-subject-name"] = ",".join(str(v.value) for v in san).lower()
    except x509.ExtensionNotFound:
        pass
    return out


def _rule_matches(fields: dict[str, str], fld: str, op: str, value: str) -> bool:
    have = fields.get(fld)
    if have is None:
        return op in ("ne", "nc")
    value = value.lower().replace(" = ", "=").replace(" ", "")
    have_n = have.replace(" ", "")
    if op == "eq":
        return have_n == value
    if op == "ne":
        return have_n != value
    if op == "co":
        return value in have_n
    if op == "nc":
        return value not in have_n
    if op == "lt":
        return have_n < value
    if op == "ge":
        return have_n >= value
    return False


def certificate_map_matches(cfg, name: str, cert) -> bool:
    """`crypto pki certificate map NAME SEQ`: any sequence whose rules all match."""
    fields = cert_fields(cert)
    if not fields:
        return False
    for (mname, _seq), cmap in sorted(cfg.pki.certificate_maps.items()):
        if mname != name:
            continue
        if all(_rule_matches(fields, f, op, v) for f, op, v in cmap.rules):
            return True
    return False


def profile_match_score(cfg, profile, peer_identity: PeerId, local_addr: str | None, fvrf: str | None,
                        cert=None) -> int:
    """0 when the profile does not match, else a specificity score.

    IOS's rule: statements of the same type are ORed, of different types ANDed; `match identity` and
    `match certificate` count as one type.  `match fvrf` absent = the global table; `match address local`
    absent = any local address.
    """
    if not _fvrf_matches(profile.match_fvrf, fvrf):
        return 0
    if _local_address_matches(cfg, profile.match_address_local, local_addr) is False:
        return 0
    best = 0
    for rule in profile.match_identity:
        best = max(best, identity_matches(rule, peer_identity))
    for cmap in profile.match_certificate:
        if certificate_map_matches(cfg, cmap, cert):
            best = max(best, 50)
    if not best:
        return 0
    score = best * 4
    if profile.match_address_local:
        score += 2
    if profile.match_fvrf and profile.match_fvrf != "any":
        score += 1
    return score


def select_profile(cfg, peer_identity: PeerId, local_addr: str | None = None, fvrf: str | None = None,
                   cert=None):
    """The `crypto ikev2 profile` for this peer (`config.ikev2.Profile`), or None.

    Only complete profiles (local and remote authentication, a match statement) are candidates.  Of the
    matching ones the most specific wins (exact identity > address prefix/domain > `any`; a `match address
    local` or a named `match fvrf` breaks ties), then configuration order.  A `shutdown` profile is returned
    like any other: the engine refuses the session (`profile.shutdown`).
    """
    best, best_score = None, 0
    for prof in cfg.ikev2_profile.items.values():
        if not prof.complete():
            continue
        s = profile_match_score(cfg, prof, peer_identity, local_addr, fvrf, cert)
        if s > best_score:
            best, best_score = prof, s
    return best


# ---- keys and identities ----------------------------------------------------------------------------


def _key_bytes(key) -> bytes | None:
    """A configured key as the PSK bytes.  Type-6 keys would need the AES master key: kept as typed."""
    if key is None:
        return None
    return key.value.encode()


def keyring_peer(cfg, keyring_name: str, peer_identity: PeerId | None, peer_addr: str | None):
    """The `peer` block of `crypto ikev2 keyring NAME` for a responder: by `identity` first (exact before
    domain), else by `address` (longest prefix; `address A` alone is a host)."""
    kr = cfg.ikev2_keyring.items.get(keyring_name)
    if kr is None:
        return None
    if peer_identity is not None:
        best, best_s = None, 0
        for p in kr.peers.values():
            if p.identity is not None:
                s = identity_matches(p.identity, peer_identity)
                if s > best_s:
                    best, best_s = p, s
        if best is not None:
            return best
    if peer_addr:
        try:
            a = ipaddress.ip_address(peer_addr)
        except ValueError:
            return None
        best, best_len = None, -1
        for p in kr.peers.values():
            nets = []
            if p.address and a.version == 4:
                addr, mask = p.address
                nets.append(ipaddress.IPv4Network(f"{addr}/{mask or '255.255.255.255'}", strict=False))
            if p.address6 and a.version == 6:
                nets.append(ipaddress.IPv6Network(p.address6, strict=False))
            for n in nets:
                if a in n and n.prefixlen > best_len:
                    best, best_len = p, n.prefixlen
        return best
    return None


def psk_for(cfg, profile, peer_identity: PeerId | None, peer_addr: str | None) -> tuple[bytes | None, bytes | None]:
    """(local key, remote key): the key we sign our AUTH with and the key we verify the peer's AUTH with.

    The profile's `authentication local|remote pre-share key K` win; otherwise the `keyring local` peer
    (`pre-shared-key K` for both directions, `pre-shared-key local|remote K` for one).  `keyring aaa` keys come
    from RADIUS (AAA issue): None here.
    """
    local = _key_bytes(profile.auth_local.key) if profile.auth_local and profile.auth_local.method == "pre-share" else None
    rm = profile.remote_method("pre-share")
    remote = _key_bytes(rm.key) if rm is not None else None
    if (local is None or remote is None) and profile.keyring is not None and profile.keyring.kind == "local":
        peer = keyring_peer(cfg, profile.keyring.name, peer_identity, peer_addr)
        if peer is not None:
            if local is None:
                local = _key_bytes(peer.psk_local or peer.psk)
            if remote is None:
                remote = _key_bytes(peer.psk_remote or peer.psk)
    return local, remote


def local_identity(cfg, profile, local_addr: str) -> PeerId:
    """Our IDr: the profile's `identity local`, else the address the peer reached (IOS's default, also with
    certificates).  `identity local dn` returns type DER_ASN1_DN with empty data: the engine puts the
    certificate's subject there."""
    ident = profile.identity_local if profile is not None else None
    if ident is not None:
        if ident.kind == "address":
            a = ipaddress.ip_address(ident.value)
            return PeerId(ID_IPV4_ADDR if a.version == 4 else ID_IPV6_ADDR, a.packed)
        if ident.kind == "ipv6":
            return PeerId(ID_IPV6_ADDR, ipaddress.IPv6Address(ident.value.split("/")[0]).packed)
        if ident.kind == "fqdn":
            return PeerId(ID_FQDN, ident.value.encode())
        if ident.kind == "email":
            return PeerId(ID_RFC822_ADDR, ident.value.encode())
        if ident.kind == "key-id":
            return PeerId(ID_KEY_ID, ident.value.encode())
        if ident.kind == "dn":
            return PeerId(ID_DER_ASN1_DN, b"")
    a = ipaddress.ip_address(local_addr)
    return PeerId(ID_IPV4_ADDR if a.version == 4 else ID_IPV6_ADDR, a.packed)


def auth_methods(profile) -> tuple[str | None, list[str]]:
    """(local method, remote methods) as the profile names them: pre-share, rsa-sig, ecdsa-sig, eap,
    anyconnect-eap."""
    return (profile.auth_local.method if profile.auth_local else None, [m.method for m in profile.auth_remote])


# ---- SA settings --------------------------------------------------------------------------------------


@dataclass
class SaSettings:
    lifetime: int = IKE_LIFETIME
    dpd_interval: int = 0  # 0: no DPD
    dpd_retry: int = 0
    dpd_mode: str | None = None  # on-demand | periodic
    nat_keepalive: int | None = None  # seconds
    nat_force_encap: bool = False
    fragmentation: bool = False
    fragmentation_mtu: int = FRAGMENT_MTU
    window: int = WINDOW
    cookie_challenge: int | None = None  # half-open SAs above which IKE_SA_INIT gets a COOKIE
    config_exchange_request: bool = True  # False: `no config-exchange request`
    max_sa: int | None = None
    max_in_negotiation: int | None = None  # `crypto ikev2 limit max-in-negotation-sa N [incoming]`
    ivrf: str | None = None
    virtual_template: int | None = None


def sa_settings(cfg, profile=None) -> SaSettings:
    g = cfg.ikev2_global
    s = SaSettings()
    dpd = (profile.dpd if profile is not None else None) or g.dpd
    if dpd is not None:
        s.dpd_interval, s.dpd_retry, s.dpd_mode = dpd.interval, dpd.retry, dpd.mode
    ka = profile.nat_keepalive if profile is not None and profile.nat_keepalive is not None else g.nat_keepalive
    s.nat_keepalive = ka
    s.fragmentation = g.fragmentation
    if g.fragmentation_mtu:
        s.fragmentation_mtu = g.fragmentation_mtu
    if g.window is not None:
        s.window = g.window
    s.cookie_challenge = g.cookie_challenge
    s.max_sa = g.limit_max_sa
    lim = g.limit_max_in_negotiation
    s.max_in_negotiation = lim.get("incoming", lim.get(""))
    if profile is not None:
        if profile.lifetime is not None:
            s.lifetime = profile.lifetime
        s.nat_force_encap = profile.nat_force_encap
        s.config_exchange_request = profile.config_exchange_request
        s.ivrf = profile.ivrf
        s.virtual_template = profile.virtual_template
    return s


def max_in_nego(cfg) -> tuple[int, int]:
    """`Max in nego(in/out)` of `show crypto ikev2 stats`."""
    lim = cfg.ikev2_global.limit_max_in_negotiation
    both = lim.get("")
    return (lim.get("incoming", both if both is not None else MAX_IN_NEGO[0]),
            lim.get("outgoing", both if both is not None else MAX_IN_NEGO[1]))

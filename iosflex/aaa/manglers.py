"""`crypto ikev2 name-mangler`: the AAA username derived from a peer's IKE identity or EAP identity."""

from __future__ import annotations

from ..crypto.state import Identity

# ---- name-mangler -----------------------------------------------------------------------------------------

_DN_FIELDS = {"common-name": "cn", "country": "c", "domain": "dc", "locality": "l", "organization": "o",
              "organization-unit": "ou", "state": "st"}


def _dn_field(dn: str, fld: str) -> str | None:
    want = _DN_FIELDS.get(fld, fld)
    for part in dn.replace("/", ",").split(","):
        k, _, v = part.partition("=")
        if k.strip().lower() == want:
            return v.strip()
    return None


def mangle(cfg, mangler_name: str, identity: Identity | None, eap_id: str | None = None) -> str | None:
    """The AAA username a `crypto ikev2 name-mangler` derives, or None when it has no rule for the identity
    (IP-address identities cannot be mangled)."""
    nm = cfg.ikev2_name_mangler.items.get(mangler_name)
    if nm is None:
        return None
    if eap_id is not None:
        rule = nm.rules.get("eap")
        if rule is None:
            return None
        words = rule.split()
        if words[0] == "all":
            return eap_id
        if words[0] == "dn":
            return _dn_field(eap_id, words[1])
        if words[0] in ("prefix", "suffix"):
            delim = words[-1]
            if delim not in eap_id:
                return eap_id
            head, _, tail = eap_id.partition(delim)
            return head if words[0] == "prefix" else tail
        return None
    if identity is None:
        return None
    text = identity.text
    if identity.id_type == 2 and "fqdn" in nm.rules:
        how = nm.rules["fqdn"]
        host, _, dom = text.partition(".")
        return {"all": text, "hostname": host, "domain": dom or text}.get(how)
    if identity.id_type == 3 and "email" in nm.rules:
        how = nm.rules["email"]
        user, _, dom = text.partition("@")
        return {"all": text, "username": user, "domain": dom}.get(how)
    if identity.id_type == 9 and "dn" in nm.rules:
        return _dn_field(text, nm.rules["dn"])
    return None



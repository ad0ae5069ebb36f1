"""PKI configuration handlers: `crypto pki trustpoint` (ca-trustpoint) and `crypto pki certificate map`
(ca-certificate-map)."""

from __future__ import annotations

from ..config import pki as M
from . import handler


def _keywords_after(args, keyword: str) -> list[str]:
    out, seen = [], False
    for node, _ in args.path:
        if not node.tok.is_keyword or node.negate:
            continue
        if seen:
            out.append(node.tok.text)
        elif node.tok.text.lower() == keyword:
            seen = True
    return out


@handler("pki_trustpoint")
def pki_trustpoint(ctx):
    name = ctx.args.get("name")
    items = ctx.cfg.pki.trustpoints
    if ctx.no:
        items.pop(name, None)
        return
    ctx.enter("ca-trustpoint", items.setdefault(name, M.Trustpoint(name)))


@handler("pki_certificate_map")
def pki_certificate_map(ctx):
    name, seq = ctx.args.get("name"), ctx.args.int("seq")
    maps = ctx.cfg.pki.certificate_maps
    if ctx.no:
        for key in [k for k in maps if k[0] == name and (seq is None or k[1] == seq)]:
            del maps[key]
        return
    ctx.enter("ca-certificate-map", maps.setdefault((name, seq), M.CertificateMap(name, seq)))


@handler("trustpoint_enrollment")
def trustpoint_enrollment(ctx):
    tp, a = ctx.obj, ctx.args
    if a.has("ra"):
        tp.enrollment_mode_ra = not ctx.no
    elif ctx.no:
        tp.enrollment = None
        if not (a.has("terminal") or a.has("selfsigned") or a.has("url")):
            tp.enrollment_mode_ra = False
    elif a.has("terminal"):
        tp.enrollment = "terminal pem" if a.has("pem") else "terminal"
    elif a.has("selfsigned"):
        tp.enrollment = "selfsigned"
    else:
        tp.enrollment = f"url {a.get('url')}"


_VALUES = {  # keyword -> (attribute, argument)
    "fqdn": ("fqdn", "fqdn"),
    "subject-name": ("subject_name", "subject"),
    "subject-alt-name": ("subject_alt_name", "alt"),
    "vrf": ("vrf", "vrf"),
    "fingerprint": ("fingerprint", "fingerprint"),
}


@handler("trustpoint_value")
def trustpoint_value(ctx):
    tp, a, no = ctx.obj, ctx.args, ctx.no
    for kw, (attr, arg) in _VALUES.items():
        if a.has(kw):
            setattr(tp, attr, None if no else a.get(arg))
            return
    if a.has("serial-number"):
        tp.serial_number = None if no else ("none" if a.has("none") else "")
    elif a.has("ip-address"):
        tp.ip_address = None if no else (a.get("ip") or "none")
    elif a.has("rsakeypair"):
        tp.rsakeypair = None if no else a.get("keypair")
        tp.rsakeypair_size = None if no else a.int("size")
    elif a.has("auto-enroll"):
        if no:
            tp.auto_enroll = None
        else:
            tp.auto_enroll = " ".join(x for x in (a.get("percent"), "regenerate" if a.has("regenerate") else None) if x)


@handler("trustpoint_revocation")
def trustpoint_revocation(ctx):
    ctx.obj.revocation_check = [] if ctx.no else list(dict.fromkeys(_keywords_after(ctx.args, "revocation-check")))


@handler("trustpoint_eku")
def trustpoint_eku(ctx):
    ctx.obj.eku_request = [] if ctx.no else list(dict.fromkeys(_keywords_after(ctx.args, "request")))


@handler("certmap_rule")
def certmap_rule(ctx):
    words = [node.tok.text if node.tok.is_keyword else w for node, w in ctx.args.path if not node.negate]
    rule = (words[0], words[1], words[2])
    rules = ctx.obj.rules
    if ctx.no:
        if rule in rules:
            rules.remove(rule)
    elif rule not in rules:
        rules.append(rule)

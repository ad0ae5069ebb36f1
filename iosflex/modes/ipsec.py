"""IPsec configuration handlers: `crypto ipsec transform-set` (cfg-crypto-trans) and `crypto ipsec profile`
(ipsec-profile)."""

from __future__ import annotations

from ..config import ipsec as M
from . import handler, named_block

_CIPHERS = ("esp-aes", "esp-gcm", "esp-3des", "esp-des")
_HMACS = ("esp-sha-hmac", "esp-sha256-hmac", "esp-sha384-hmac", "esp-sha512-hmac", "esp-md5-hmac")


def _first(args, *keywords):
    for kw in keywords:
        if args.has(kw):
            return kw
    return None


@handler("ipsec_transform_set")
def ipsec_transform_set(ctx):
    a = ctx.args
    name = a.get("name")
    items = ctx.cfg.ipsec_transform_set.items
    if ctx.no:
        if name == "default":
            items["default"] = M.default_transform_set()
        else:
            items.pop(name, None)
        return
    keysize = _first(a, "128", "192", "256")
    cipher = _first(a, *_CIPHERS)
    hmac = _first(a, *_HMACS)
    ts = items.get(name)
    if ts is None:
        ts = items[name] = M.TransformSet(name, cipher, keysize, hmac)
    else:
        ts.cipher, ts.keysize, ts.hmac = cipher, keysize, hmac
    ctx.enter("ipsec-transform-set", ts)


@handler("transform_set_mode")
def transform_set_mode(ctx):
    ctx.obj.mode = "transport" if (not ctx.no and ctx.args.has("transport")) else "tunnel"


@handler("ipsec_profile")
def ipsec_profile(ctx):
    named_block(ctx, ctx.cfg.ipsec_profile.items, "ipsec-profile", M.IpsecProfile, smart_default=True)


@handler("ipsec_profile_description")
def ipsec_profile_description(ctx):
    ctx.obj.description = None if ctx.no else ctx.args.get("description")


@handler("ipsec_profile_set")
def ipsec_profile_set(ctx):
    prof, a, no = ctx.obj, ctx.args, ctx.no
    if a.has("transform-set"):
        prof.transform_sets = [] if no else list(dict.fromkeys(a.all("ts")))
    elif a.has("ikev2-profile"):
        prof.ikev2_profile = None if no else a.get("profile")
    elif a.has("lifetime"):
        if a.has("seconds"):
            prof.lifetime_seconds = None if no else a.int("seconds")
        else:
            prof.lifetime_kilobytes = None if no else ("disable" if a.has("disable") else a.get("kilobytes"))
    elif a.has("replay"):
        if no:
            prof.replay_window, prof.replay_disable = None, False
        elif a.has("disable"):
            prof.replay_window, prof.replay_disable = None, True
        else:
            size = _first(a, "64", "128", "256", "512", "1024")
            prof.replay_window, prof.replay_disable = int(size), False
    elif a.has("security-policy"):
        prof.policy_limit = None if no else a.int("limit")
    elif a.has("pfs"):
        prof.pfs = None if no else (_first(a, "group1", "group2", "group5", "group14", "group15", "group16",
                                           "group19", "group20", "group21", "group24") or "")


@handler("ipsec_profile_responder_only")
def ipsec_profile_responder_only(ctx):
    ctx.obj.responder_only = not ctx.no

"""QoS handlers: class-map, policy-map, policy-map class actions."""

from __future__ import annotations

from ..config.qos import ClassMap, PolicyMap
from . import CommandError, handler
from .kept import typed_text


@handler("config_class_map")
def config_class_map(ctx):
    a = ctx.args
    name = a.get("name")
    q = ctx.cfg.policy_map
    if ctx.no:
        if any(pm.get_class(name) for pm in q.policies.values()):
            raise CommandError(f"Class-map {name} is being used")
        q.class_maps.pop(name, None)
        return
    cm = q.class_maps.get(name)
    match_any = a.has("match-any")
    if cm is not None and (a.has("match-any") or a.has("match-all")) and cm.match_any != match_any:
        raise CommandError(f"% class-map {name} already exists with a different match type")
    if cm is None:
        cm = ClassMap(name, match_any)
        q.class_maps[name] = cm
    ctx.enter("cmap", cm)


@handler("cmap_match")
def cmap_match(ctx):
    text = "any" if ctx.args.has("any") else f"access-group name {ctx.args.get('name')}"
    cm = ctx.obj
    if ctx.no:
        if text in cm.matches:
            cm.matches.remove(text)
        return
    if text not in cm.matches:
        cm.matches.append(text)


@handler("cmap_match_kept")
def cmap_match_kept(ctx):
    """`match dscp ef` and the other criteria this router keeps without classifying by them."""
    text = typed_text(ctx).split(None, 1)[1]  # without `match`
    _keep(ctx.obj.matches, text, ctx.no)


@handler("pmapc_kept")
def pmapc_kept(ctx):
    """`priority percent 30`, `fair-queue`, `set dscp ef`...: kept as typed, printed after the emulated actions."""
    _keep(ctx.obj.kept, typed_text(ctx), ctx.no)


def _keep(items: list[str], text: str, no: bool) -> None:
    """Keep `text` once; its `no` form removes it, or every line it begins (`no priority`)."""
    if no:
        items[:] = [x for x in items if x != text and not x.startswith(text + " ")]
    elif text not in items:
        items.append(text)


@handler("config_policy_map")
def config_policy_map(ctx):
    name = ctx.args.get("policy-map")
    q = ctx.cfg.policy_map
    if ctx.no:
        for iface in ctx.cfg.interfaces.items.values():
            if name in (iface.service_policy_in, iface.service_policy_out):
                raise CommandError(f"Policy-map {name} is being used")
        q.policies.pop(name, None)
        return
    pm = q.policies.get(name)
    if pm is None:
        pm = PolicyMap(name)
        q.policies[name] = pm
    ctx.enter("pmap", pm)


@handler("pmap_class")
def pmap_class(ctx):
    pm = ctx.obj
    name = "class-default" if ctx.args.has("class-default") else ctx.args.get("class")
    if ctx.no:
        c = pm.get_class(name)
        if c is not None:
            pm.classes.remove(c)
        return
    if name != "class-default" and name not in ctx.cfg.policy_map.class_maps:
        raise CommandError(f"class-map {name} not configured")
    c = pm.get_class(name) or pm.add_class(name)
    ctx.enter("pmap-c", c)


@handler("pmapc_police")
def pmapc_police(ctx):
    ctx.obj.police = None if ctx.no else ctx.args.int("police")


@handler("pmapc_bandwidth")
def pmapc_bandwidth(ctx):
    a = ctx.args
    if ctx.no:
        ctx.obj.bandwidth = None
        return
    if a.has("remaining"):
        ctx.obj.bandwidth = f"remaining percent {a.get('percent')}"
    elif a.has("percent"):
        ctx.obj.bandwidth = f"percent {a.get('percent')}"
    else:
        ctx.obj.bandwidth = a.get("bandwidth")


@handler("pmapc_shape")
def pmapc_shape(ctx):
    ctx.obj.shape = None if ctx.no else ctx.args.int("average")

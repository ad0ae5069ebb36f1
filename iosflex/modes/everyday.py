"""Everyday EXEC commands (grammars/everyday.gram): show history / privilege, the crypto and QoS
configuration views, write erase / erase startup-config, reload."""

from __future__ import annotations

from ..config.interfaces import canonical_type
from ..crypto import show_config
from . import confirmed, handler
from .crypto_exec import _engine, _now, _sas


@handler("show_history")
def show_history(ctx):
    ctx.write(*("  " + ln for ln in ctx.session.history_of_mode()))


@handler("show_privilege")
def show_privilege(ctx):
    ctx.write(f"Current privilege level is {15 if ctx.session.privileged else 1}")


@handler("show_crypto_ikev2_proposal")
def show_crypto_ikev2_proposal(ctx):
    ctx.write(*show_config.ikev2_proposal(ctx.cfg, ctx.args.get("proposal")))


@handler("show_crypto_ikev2_policy")
def show_crypto_ikev2_policy(ctx):
    ctx.write(*show_config.ikev2_policy(ctx.cfg, ctx.args.get("policy")))


@handler("show_crypto_ikev2_authorization_policy")
def show_crypto_ikev2_authorization_policy(ctx):
    ctx.write(*show_config.ikev2_author_policy(ctx.cfg, ctx.args.get("author")))


@handler("show_crypto_ipsec_transform_set")
def show_crypto_ipsec_transform_set(ctx):
    ctx.write(*show_config.ipsec_transform_set(ctx.cfg, ctx.args.get("tset")))


@handler("show_crypto_ipsec_profile")
def show_crypto_ipsec_profile(ctx):
    ctx.write(*show_config.ipsec_profile(ctx.cfg, ctx.args.get("iprof")))


@handler("show_crypto_ikev2_session")
def show_crypto_ikev2_session(ctx):
    e = _engine(ctx)
    ctx.write(*show_config.ikev2_session(_sas(e), _now(e), detail=ctx.args.has("detailed")))


# ---- QoS ----------------------------------------------------------------------------------------------

def _police_bc(c) -> int:
    return max(1500, c.police // 32)  # IOS's default burst: 250 ms of the rate, in bytes


def _police_lines(c, ind: str) -> list[str]:
    bc = _police_bc(c)
    return [f"{ind}police cir {c.police} bc {bc}", f"{ind}  conform-action {c.police_conform} ",
            f"{ind}  exceed-action {c.police_exceed} "]


def _bandwidth_line(c, ind: str) -> str:
    bw = c.bandwidth.split()
    if bw[0] == "remaining":
        return f"{ind}bandwidth remaining {bw[-1]} (%)"
    if bw[0] == "percent":
        return f"{ind}bandwidth {bw[-1]} (%)"
    return f"{ind}bandwidth {bw[0]} (kbps)"


def policy_map_lines(pm) -> list[str]:
    out = [f"  Policy Map {pm.name}"]
    for c in pm.classes:
        out.append(f"    Class {c.name}")
        if c.shape is not None:
            out += ["      Average Rate Traffic Shaping", f"      cir {c.shape} (bps)"]
        if c.bandwidth:
            out.append(_bandwidth_line(c, "      "))
        if c.police is not None:
            out += _police_lines(c, "      ")
    return out


@handler("show_policy_map")
def show_policy_map(ctx):
    name = ctx.args.get("pmap")
    out: list[str] = []
    for pm in ctx.cfg.policy_map.policies.values():
        if name is None or pm.name == name:
            out += policy_map_lines(pm) + [""]
    ctx.write(*out[:-1] if out else [])


def _class_match(ctx, cname: str) -> tuple[str, list[str]]:
    cm = ctx.cfg.policy_map.class_maps.get(cname)
    if cname == "class-default" or cm is None:
        return "match-any", ["any"]
    return ("match-any" if cm.match_any else "match-all"), cm.matches


def _interface_policy(ctx, ifname: str, direction: str, pname: str) -> list[str]:
    pm = ctx.cfg.policy_map.policies.get(pname)
    out = [f"  Service-policy {direction}: {pname}", ""]
    if pm is None:
        return out
    for c in pm.classes:
        kind, matches = _class_match(ctx, c.name)
        out += [f"    Class-map: {c.name} ({kind})  ", "      0 packets, 0 bytes",
                "      5 minute offered rate 0000 bps, drop rate 0000 bps"]
        out += [f"      Match: {m} " for m in matches]
        if c.police is not None:
            bc = _police_bc(c)
            out += ["      police:", f"          cir {c.police} bps, bc {bc} bytes",
                    "        conformed 0 packets, 0 bytes; actions:", f"          {c.police_conform} ",
                    "        exceeded 0 packets, 0 bytes; actions:", f"          {c.police_exceed} ",
                    "        conformed 0000 bps, exceeded 0000 bps"]
        if c.shape is not None:
            out += ["      Queueing", "      queue limit 64 packets",
                    "      (queue depth/total drops/no-buffer drops) 0/0/0",
                    "      (pkts output/bytes output) 0/0",
                    f"      shape (average) cir {c.shape}, bc {c.shape // 250}, be {c.shape // 250}",
                    f"      target shape rate {c.shape}"]
        if c.bandwidth:
            out.append(_bandwidth_line(c, "      "))
        out.append("")
    return out


@handler("show_policy_map_interface")
def show_policy_map_interface(ctx):
    """The policies attached to interfaces (configured, or pushed to a virtual-access by AAA/CoA).  QoS is
    kept, not enforced (docs/KEPT.md): the counters stay at zero."""
    found = ctx.args.ifname("interface")
    ifaces = [(i.name, i) for i in ctx.cfg.interfaces.ordered()]
    ifaces += [(va.name, va.iface) for va in ctx.router.vaccess.ordered()]
    if found:
        want = f"{canonical_type(found[0])}{found[1]}"
        ifaces = [(n, i) for n, i in ifaces if n == want]
    out: list[str] = []
    for name, i in ifaces:
        if not (i.service_policy_in or i.service_policy_out):
            continue
        out += [f" {name} ", ""]
        if i.service_policy_in:
            out += _interface_policy(ctx, name, "input", i.service_policy_in)
        if i.service_policy_out:
            out += _interface_policy(ctx, name, "output", i.service_policy_out)
    ctx.write(*out)


@handler("show_class_map")
def show_class_map(ctx):
    name = ctx.args.get("cmap")
    out: list[str] = []
    maps = [("class-default", "match-any", ["any"])]
    maps += [(c.name, "match-any" if c.match_any else "match-all", c.matches)
             for c in ctx.cfg.policy_map.class_maps.values()]
    for n, (cname, kind, matches) in enumerate(maps):
        if name is not None and cname != name:
            continue
        out.append(f" Class Map {kind} {cname} (id {n})")
        out += [f"   Match {m} " for m in matches] or ["   Match none "]
        out.append("")
    ctx.write(*out)


# ---- write erase / reload -----------------------------------------------------------------------------

ERASE_PROMPT = "Erasing the nvram filesystem will remove all configuration files! Continue? [confirm]"


@handler("exec_write_erase")
def exec_write_erase(ctx):
    router = ctx.router

    def confirm(ans: str):
        if not confirmed(ans):
            return []
        try:
            router.erase_startup()
        except OSError as e:
            return [f"%Error erasing nvram: ({e.strerror})"]
        return ["[OK]", "Erase of nvram: complete"]

    ctx.ask(ERASE_PROMPT, confirm)


SAVE_PROMPT = "System configuration has been modified. Save? [yes/no]: "
RELOAD_PROMPT = "Proceed with reload? [confirm]"


@handler("exec_reload")
def exec_reload(ctx):
    router = ctx.router
    session = ctx.session

    def proceed(ans: str):
        if not confirmed(ans):
            return []
        router.reload(by=session)
        return [""]

    def save(ans: str):
        a = ans.strip().lower()
        if a in ("y", "ye", "yes"):
            try:
                router.save()
            except OSError as e:
                return [f"%Error opening nvram:startup-config ({e.strerror})"]
            ctx_out = ["Building configuration...", "[OK]"]
            session.pending = (RELOAD_PROMPT, proceed, False)
            return ctx_out
        if a in ("n", "no"):
            session.pending = (RELOAD_PROMPT, proceed, False)
            return []
        session.pending = (SAVE_PROMPT, save, True)
        return ["% Please answer 'yes' or 'no'."]

    if router.config_modified():
        ctx.ask(SAVE_PROMPT, save, echo=True)
    else:
        ctx.ask(RELOAD_PROMPT, proceed)

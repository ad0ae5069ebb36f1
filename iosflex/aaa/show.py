"""What the AAA and RADIUS exec commands print: `show aaa user all` (the AAA view of the session records,
iosflex/sessions.py), the `debug radius` / `debug aaa` state lines, `show debugging`'s AAA part and `test aaa
group`'s result.

`show aaa user all`, as IOS prints it.

The chapter shows the IPSEC-TUNNEL block of one session (section "RADIUS Packet of Disconnect"):

      IPSEC-TUNNEL: Username=router1.domain1
        Session Id=000000CE Unique Id=000000D8
        ...
        Attribute list:
          86D5EEF8 0 00000082 formatted-clid(37) 10 172.16.1.1

The hex words are IOS's memory addresses and internal flags.  The method list's address is the list's own, the
same for every session (the chapter prints 8655B740 for acc_list in three examples): 8655B740 for the first
`aaa accounting` list of the configuration, 0x40 on for each further one.  The attribute list's starts at the
chapter's 86D5EEF8 for the first session listed, 0x440 on for each further one (the chapter's second list
sits at 86D5F338), 0x34 between attributes; the flags are the chapter's per attribute.  The lines before the
block (`Unique id N is currently in use.`) follow IOS's layout from memory (unverified).
"""

from __future__ import annotations

from .service import AAA_ACCT, AAA_AUTHOR, RADIUS_ACCT, RADIUS_AUTH

# (name, AAA attribute number, flags) in the chapter's order
_ATTRS = (("formatted-clid", 37, 0x82), ("audit-session-id", 819, 0x8A), ("isakmp-phase1-id", 737, 0x81),
          ("isakmp-initator-ip", 738, 0x02))


def _addr(rank: int, k: int) -> str:
    return f"{(0x86D5EEF8 + 0x440 * rank + 0x34 * k) & 0xFFFFFFFF:08X}"


def _method_list_addr(cfg, name: str) -> str:
    names = [n for kind, n in cfg.aaa_methods.lists if kind.startswith("accounting")]
    k = names.index(name) if name in names else len(names)
    return f"{0x8655B740 + 0x40 * k:08X}"


def user_all(sessions, cfg) -> list[str]:
    out: list[str] = []
    rank = -1
    for s in sessions:
        acct = s.accounting
        if acct is None:
            continue
        rank += 1
        values = (s.peer[0], s.audit_session_id, s.phase1_id, s.peer[0])
        user = s.accounted_user
        lens = (len(s.peer[0]), len(s.audit_session_id), len(s.phase1_id), 4)
        out += ["--------------------------------------------------------",
                f"Unique id {acct.aaa_id} is currently in use.",
                "Accounting:",
                f"  IPSEC-TUNNEL: Username={user}",
                f"    Session Id={acct.acct_session_id:08X} Unique Id={acct.aaa_id:08X}",
                f"    Start Sent={int(acct.start_sent)} Stop Only={'Y' if acct.stop_only else 'N'}",
                f"    stop_has_been_sent={'Y' if acct.stop_sent else 'N'}",
                f"    Method List={_method_list_addr(cfg, acct.method_list)} : Name = {acct.method_list}",
                "    Attribute list:"]
        for k, ((name, num, flags), value, n) in enumerate(zip(_ATTRS, values, lens)):
            out.append(f"      {_addr(rank, k)} 0 {flags:08X} {name}({num}) {n} {value}")
        out.append("")
    return out


RADIUS_FLAGS = (RADIUS_AUTH, RADIUS_ACCT)
AAA_TEXT = {AAA_ACCT: "AAA Accounting", AAA_AUTHOR: "AAA Authorization",
            # `debug aaa pod|coa` (radius/dynauth.py); texts from memory of IOS 15, unverified
            "aaa pod": "AAA POD packet processing", "aaa coa": "AAA CoA packet processing"}
NO_AAA_SERVICE = "% No AAA service is running (batch mode: start iosflex with a console, --ssh, --telnet or --ike)"


def radius_debug_state(dbg: set) -> list[str]:
    """What IOS prints after `debug radius ...` (from memory of IOS 15; unverified)."""
    on = lambda f: "on" if f in dbg else "off"  # noqa: E731
    proto = "on" if any(f in dbg for f in RADIUS_FLAGS) else "off"
    return [f"Radius protocol debugging is {proto}",
            "Radius protocol brief debugging is off",
            "Radius protocol verbose debugging is off",
            "Radius packet hex dump debugging is off",
            f"Radius packet protocol (authentication) debugging is {on('radius authentication')}",
            f"Radius packet protocol (accounting) debugging is {on('radius accounting')}",
            "Radius packet retransmission debugging is off",
            "Radius server fail-over debugging is off",
            "Radius elog debugging debugging is off"]


def aaa_debug_state(flag: str, on: bool) -> str:
    return f"{AAA_TEXT[flag]} debugging is {'on' if on else 'off'}"


def debugging_lines(dbg: set) -> list[str]:
    """The AAA and RADIUS part of `show debugging` (layout from memory of IOS 15; unverified)."""
    out: list[str] = []
    aaa = [AAA_TEXT[f] for f in (AAA_ACCT, AAA_AUTHOR, "aaa pod", "aaa coa") if f in dbg]
    if aaa:
        out += ["General OS:", *(f"  {t} debugging is on" for t in aaa)]
    if any(f in dbg for f in RADIUS_FLAGS):
        out += [ln for ln in radius_debug_state(dbg) if ln.endswith(" on")]
    return out + ([""] if out else [])


def test_aaa_result(answer) -> list[str]:
    """`test aaa group ... new-code` output (IOS 15 layout from memory, unverified: the result line, then the
    Access-Accept's attributes as `name  0  "value"`)."""
    if answer.status == "PASS":
        out = ["User successfully authenticated", "", "USER ATTRIBUTES", ""]
        for name, value in answer.attributes:
            if isinstance(value, bytes):
                value = value.decode(errors="replace")
            text = f'"{value}"' if isinstance(value, str) else str(value)
            out.append(f"{name.lower():<20} 0   {text}")
        return out
    if answer.status == "FAIL":
        return ["User rejected"]
    return ["User authentication request was rejected by server"]  # nothing answered: IOS's text unverified

"""Virtual-access interfaces: one per IKEv2 session whose profile names a virtual-template (the chapter's
"Per-Session Interface").

They are runtime objects, derived from the configuration and never stored in it: `router.vaccess` (a
`VaccessRegistry`, made with the router's other services) is the one place that numbers them (the lowest free
number), counts them per template (`show vtemplate`, the template lock), finds them (`show interfaces
virtual-access N`, `show derived-config`, the data plane) and removes them when their session goes.

Cloning follows the chapter's order (docs/INTERFACES.md):

1. the template's configuration (`interface Virtual-TemplateN type tunnel`), copied;
2. the AAA `interface-config` lines, source by source in the merge order of aaa/authorization.py (group,
   implicit, user; group last with `aaa authorization group override`), each applied through the same grammar
   and handlers as a typed interface command; a line that is rejected is logged and skipped, a later duplicate
   overwrites an earlier one, but a `service-policy` never replaces one already attached;
3. what the session gives: `tunnel destination` (the peer), `tunnel source` (our address) unless the clone has
   one (then it must be our address, else the session fails), and with `virtual-template N mode auto` the
   tunnel mode from the child SA's traffic selectors (protocol 47: GRE, else IPsec) and the address family.

The registry's `clone` returns the log lines (`debug vtemplate cloning`, `debug aaa per-user`) for the engine
to emit: it is a plain object of the router, called by the sans-I/O engine in the middle of an IKE_AUTH.
"""

from __future__ import annotations

import copy
import heapq
from dataclasses import dataclass

from ..config.interfaces import Interface


def _copy_interface(vt: Interface) -> Interface:
    """A copy of `vt` that shares nothing it can change: what copy.deepcopy gives, without its walk of every
    value.  Strings, numbers, None and tuples of them are shared (immutable); a list of them is copied
    (`secondaries`, `ipv6_addresses`, `kept`: handlers append to them); any other value (a kept block under the
    interface) is deep-copied.  A clone must not write into its template's lists (an AAA `ipv6 address` or kept
    line would appear in the template's running-config and every other virtual-access), nor a CoA's trial copy
    into the live interface's."""
    if type(vt) is not Interface or not _PLAIN_INTERFACE:
        return copy.deepcopy(vt)
    new = object.__new__(Interface)
    d = new.__dict__
    d.update(vt.__dict__)
    for k, v in d.items():
        cls = v.__class__
        if cls in _SHARED:
            continue
        if cls is tuple and all(x.__class__ in _SHARED for x in v):
            continue
        if cls is list and all(x.__class__ in _SHARED or (x.__class__ is tuple and all(
                y.__class__ in _SHARED for y in x)) for x in v):
            d[k] = list(v)
        else:
            d[k] = copy.deepcopy(v)
    return new


_SHARED = frozenset((str, int, bool, float, type(None)))

# the shortcut holds while Interface keeps its state in __dict__ and has no copy hooks of its own
_PLAIN_INTERFACE = Interface.__bases__ == (object,) and not any(
    n in vars(Interface) for n in ("__slots__", "__copy__", "__deepcopy__", "__reduce__", "__reduce_ex__",
                                   "__getstate__", "__setstate__"))

# debug flags (router.debug)
DEBUG_CLONING = "vtemplate cloning"
DEBUG_PER_USER = "aaa per-user"

# Template lines IOS does not put in the clone text: `ip unnumbered` is applied when the interface is made
# (the chapter's 45-byte clone of a template with `ip unnumbered Ethernet0/0` lists only its tunnel protection).
_NOT_IN_CLONE_TEXT = ("ip unnumbered ", "ipv6 unnumbered ", "no ip address")


class CloneError(Exception):
    """The virtual-access cannot be made: the session fails."""


@dataclass(slots=True)
class VirtualAccess:
    """One virtual-access interface.  `iface` is its configuration (the running-config's Interface class,
    type Virtual-Access, never in the running-config); the counters are the data plane's to fill
    (`show interfaces virtual-access N`)."""

    number: int
    template: int
    session_id: int
    iface: Interface
    created: float = 0.0
    in_packets: int = 0
    in_bytes: int = 0
    out_packets: int = 0
    out_bytes: int = 0
    skipped: list | None = None  # AAA lines that were rejected: (line, error text)
    acls: dict | None = None  # per-session ACLs from CoA inacl/outacl: "in"/"out" -> config.acl.AccessList

    @property
    def name(self) -> str:
        return f"Virtual-Access{self.number}"

    @property
    def short_name(self) -> str:
        return f"Vi{self.number}"


def clone_text_size(lines: list[str]) -> int:
    """The byte count IOS prints for a clone text: each line and its newline, `end` and its newline, and the
    string's NUL (fits the chapter's 45, 30 and 86 bytes)."""
    return sum(len(x) + 1 for x in lines) + len("end\n") + 1


def derived_config_lines(cfg, va: VirtualAccess) -> list[str]:
    """The interface block of `show derived-config interface virtual-access N` (through `end`)."""
    out = []
    for line in va.iface.lines(cfg):
        out.append(line)
        if line.startswith(" tunnel protection ipsec profile "):
            out.append(" no tunnel protection ipsec initiate")  # a virtual-access never initiates
    out.append("end")
    return out


def derived_config_size(block: list[str]) -> int:
    """`Derived configuration : N bytes`: the block's lines with their newlines, the `!` line IOS keeps before
    it and the NUL (the chapter's 222 bytes; the same counting as the clone texts)."""
    return len("!\n") + sum(len(x) + 1 for x in block) + 1


class VaccessRegistry:
    """The router's virtual-access interfaces (`router.vaccess`)."""

    def __init__(self, router):
        self.router = router
        self.by_number: dict[int, VirtualAccess] = {}
        self.by_session: dict[int, VirtualAccess] = {}
        self._per_template: dict[int, int] = {}
        self._free: list[int] = []  # heap of freed numbers
        self._next = 1
        self.created_total = 0  # `show vtemplate`: Cumulative created / freed
        self.freed_total = 0
        self._cli = None  # the session that applies AAA lines (made on first use)

    # -- lookups -------------------------------------------------------------------------------------------
    def active(self, template: int) -> int:
        """Virtual-access interfaces currently cloned from Virtual-Template `template` (the template lock)."""
        return self._per_template.get(template, 0)

    def get(self, number: int) -> VirtualAccess | None:
        return self.by_number.get(number)

    def by_name(self, name: str) -> VirtualAccess | None:
        if not name or not name.startswith("Virtual-Access"):
            return None
        try:
            return self.by_number.get(int(name[len("Virtual-Access"):]))
        except ValueError:
            return None

    def for_session(self, session_id: int) -> VirtualAccess | None:
        return self.by_session.get(session_id)

    def ordered(self) -> list[VirtualAccess]:
        return [self.by_number[n] for n in sorted(self.by_number)]

    def __len__(self) -> int:
        return len(self.by_number)

    # -- numbering -----------------------------------------------------------------------------------------
    def _take_number(self) -> int:
        if self._free:
            return heapq.heappop(self._free)
        n = self._next
        self._next += 1
        return n

    # -- cloning -------------------------------------------------------------------------------------------
    def clone(self, template: int, session_id: int, local: str, remote: str, authz=None,
              auto_mode: bool = False, gre: bool = False, now: float = 0.0) -> tuple[VirtualAccess, list[str]]:
        """Make the session's virtual-access.  Returns it and the log lines (debug per the router's flags;
        rejected AAA lines always); raises CloneError when the session must fail (nothing is kept then)."""
        cfg = self.router.config
        dbg = self.router.debug
        vt = cfg.interfaces.items.get(("Virtual-Template", str(template)))  # the canonical name: no canonical_type
        if vt is None:
            raise CloneError(f"Virtual-Template{template} does not exist")
        number = self._take_number()
        iface = _copy_interface(vt)
        iface.type, iface.number, iface.vt_type = "Virtual-Access", str(number), None
        va = VirtualAccess(number, template, session_id, iface, created=now)
        tag = f"VT[{va.short_name}]:"
        log: list[str] = []
        try:
            # 1. the template
            if DEBUG_CLONING in dbg:
                text = [ln[1:] for ln in vt.lines(cfg)[1:] if not ln[1:].startswith(_NOT_IN_CLONE_TEXT)]
                log.append(f"{tag}Clone Vaccess from {vt.name} ({clone_text_size(text)} bytes)")
                log.extend(tag + ln for ln in text)
                log.append(tag + "end")
            # 2. AAA interface-config, source by source
            for _source, lines in (getattr(authz, "interface_config_sources", None) or ()):
                if DEBUG_PER_USER in dbg:
                    log.extend("INFO: AAA/AUTHOR: Processing PerUser AV interface-config" for _ in lines)
                if DEBUG_CLONING in dbg:
                    log.append(f"{tag}Clone Vaccess from AAA ({clone_text_size(lines)} bytes)")
                    log.extend(tag + ln for ln in lines)
                    log.append(tag + "end")
                for ln in lines:
                    err = self.apply_line(va, ln)
                    if err is not None:
                        if va.skipped is None:
                            va.skipped = []
                        va.skipped.append((ln, err))
                        log.append(f"{tag}{err} (interface-config \"{ln}\" skipped)")
            # 3. the session
            if iface.tunnel_source:
                have = self._source_address(iface.tunnel_source)
                if have != local:
                    raise CloneError(f"tunnel source {iface.tunnel_source} is not the session's address {local}")
            else:
                iface.tunnel_source = local
            iface.tunnel_destination = remote
            if auto_mode:
                v6 = ":" in local
                iface.tunnel_mode = ("gre ipv6" if v6 else None) if gre else ("ipsec ipv6" if v6 else "ipsec ipv4")
        except CloneError:
            heapq.heappush(self._free, number)
            raise
        self.by_number[number] = va
        self.by_session[session_id] = va
        self._per_template[template] = self._per_template.get(template, 0) + 1
        self.created_total += 1
        return va, log

    def _source_address(self, source: str) -> str | None:
        if source[:1].isdigit() or ":" in source:
            return source
        other = self.router.config.interfaces.by_name(source)
        addr = other.address(self.router.config) if other is not None else None
        return addr[0] if addr else None

    def apply_line(self, va: VirtualAccess, line: str) -> str | None:
        """Apply one interface command to `va` through the interface grammar and its handler, as if typed in
        (config-if) (no walk-up to other modes, no `do`).  Returns None, or the error text (nothing changed)."""
        from ..modes import CommandError  # noqa: PLC0415
        from ..session import Ctx, Session  # noqa: PLC0415

        router = self.router
        s = self._cli
        if s is None:
            s = self._cli = Session(router, privileged=True, width=0, length=0, name="vaccess")
            s.push("config")
            s.push("if")
        s.stack[2:] = s.stack[2:3]
        s.stack[2].obj = va.iface
        text = line.strip()
        if not text or text.split()[0] == "do":
            return "% Invalid input detected at '^' marker."
        res = router.matcher.match(text, s.stack[2].mode, False)
        if res.status != "ok":
            return next((x for x in s.error_lines(text, res) if x.startswith("%")), "% Invalid input")
        if res.node.handler == "if_service_policy" and res.negate is None:
            attr = "service_policy_in" if res.args.has("input") else "service_policy_out"
            have = getattr(va.iface, attr)
            if have is not None:
                return f"% Service policy {have} is already attached"
        ctx = Ctx(s, res.args, res.negate, va.iface)
        try:
            router.handlers[res.node.handler](ctx)
        except CommandError as e:
            return str(e).strip().split("\n")[-1]
        finally:
            del s.stack[3:]  # a handler that entered a sub-mode
        return None

    # -- change of authorization (radius/dynauth.py) ----------------------------------------------------------
    def reclone(self, va: VirtualAccess, lines: list[str], acls: dict | None = None) -> tuple[str | None, list[str]]:
        """A CoA's lines on a live virtual-access, through the same clone path as AAA's at set-up: all of them
        on a copy of its configuration, which replaces the old one only when every line applied (a
        `service-policy` replaces the one attached in its direction; `IP access-group NAME in|out` attaches the
        per-session ACL `acls` holds for that direction, replacing the old one).  Returns (the first error,
        []) with nothing changed, or (None, the `debug vtemplate cloning` / `debug aaa per-user` lines)."""
        trial = VirtualAccess(va.number, va.template, va.session_id, _copy_interface(va.iface))
        for ln in lines:
            words = ln.split()
            if len(words) == 4 and words[0] == "IP" and words[1] == "access-group" and words[3] in ("in", "out"):
                setattr(trial.iface, f"access_group_{words[3]}", words[2])
                continue
            if len(words) >= 3 and words[0] == "service-policy" and words[1] in ("input", "output"):
                setattr(trial.iface, "service_policy_in" if words[1] == "input" else "service_policy_out", None)
            err = self.apply_line(trial, ln)
            if err is not None:
                return err, []
        va.iface = trial.iface
        if acls:
            va.acls = {**(va.acls or {}), **acls}
        dbg = self.router.debug
        log: list[str] = []
        tag = f"VT[{va.short_name}]:"
        if DEBUG_PER_USER in dbg:
            log.extend("INFO: AAA/AUTHOR: Processing PerUser AV interface-config" for _ in lines)
        if DEBUG_CLONING in dbg:
            log.append(f"{tag}Clone Vaccess from AAA ({clone_text_size(lines)} bytes)")
            log.extend(tag + ln for ln in lines)
            log.append(tag + "end")
        return None, log

    def build_acl(self, name: str, entries: list[str]):
        """A per-session ACL from CoA `inacl#N` / `outacl#N` entries (`permit 1.1.1.1`, `deny ip any host
        10.0.0.1`): standard when every entry is a standard entry, else extended; each entry through the
        access-list grammar and handler as if typed.  Returns (AccessList, None) or (None, the error)."""
        from ..config.acl import AccessList  # noqa: PLC0415
        from ..modes import CommandError  # noqa: PLC0415
        from ..session import Ctx, Frame, Session  # noqa: PLC0415

        router = self.router
        s = Session(router, privileged=True, width=0, length=0, name="vaccess-acl")
        err = "% Invalid input detected at '^' marker."
        for kind, mode in (("standard", "std-nacl"), ("extended", "ext-nacl")):
            acl = AccessList(name, kind)
            frame = Frame(router.grammar.modes[mode], acl)
            ok = True
            for text in entries:
                res = router.matcher.match(text, frame.mode, False)
                if res.status != "ok" or res.negate is not None or res.node.handler not in (
                        "acl_standard_entry", "acl_extended_entry"):
                    ok = False
                    break
                try:
                    router.handlers[res.node.handler](Ctx(s, res.args, None, acl))
                except CommandError as e:
                    err = str(e).strip().split("\n")[-1]
                    ok = False
                    break
            if ok and acl.entries:
                return acl, None
        return None, f"{err} (access list entry \"{entries[0] if entries else ''}\")"

    def acl_lists(self) -> list:
        """The per-session ACLs of every virtual-access (`show ip access-lists`)."""
        out = []
        for va in self.ordered():
            if va.acls:
                out.extend(va.acls[d] for d in ("in", "out") if d in va.acls)
        return out

    # -- removal -------------------------------------------------------------------------------------------
    def remove(self, session_id: int) -> VirtualAccess | None:
        """The session is gone: its virtual-access goes, its number is free again."""
        va = self.by_session.pop(session_id, None)
        if va is None:
            return None
        self.by_number.pop(va.number, None)
        left = self._per_template.get(va.template, 1) - 1
        if left:
            self._per_template[va.template] = left
        else:
            self._per_template.pop(va.template, None)
        heapq.heappush(self._free, va.number)
        self.freed_total += 1
        return va

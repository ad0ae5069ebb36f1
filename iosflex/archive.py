"""Configuration archive and configuration replace (`archive`, `show archive ...`, `configure replace`,
`configure confirm`, `configure revert`).

The `archive` block itself is kept as typed (config/kept.py, mode kept-archive); its `path`, `maximum` and
`write-memory` lines are read from there.  A configuration is compared as IOS's contextual diff does: as a
tree of lines by indentation (a line and the indented lines under it), so `interface X` / ` description Y`
differ from `interface Z` / ` description Y`.

Replace (docs/FILES.md): the difference between the running-config and the file is applied in passes (at most
five, as IOS): first every line only in the running-config is removed, deepest first and in reverse order (an
IPsec profile before the IKEv2 profile it names), with its `no` form typed under its parents; then every line
only in the file is added in the file's order, under its parents.  A line of the file that the router rejects
stops the replace and the original configuration is put back the same way (the "revert trigger error"
behaviour; without the option IOS also leaves the configuration as it was, so we always restore).
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field

MAX_PASSES = 5
_HEADER = re.compile(r"^(Building configuration\.\.\.|Current configuration : \d+ bytes|end)$")


# -- configuration trees -----------------------------------------------------------------------------------

@dataclass
class Node:
    line: str
    children: list["Node"] = field(default_factory=list)

    @property
    def key(self) -> str:
        return " ".join(self.line.split())


def parse_tree(text: str) -> list[Node]:
    """Lines by indentation; `!` lines, blank lines and the `show running-config` header are skipped; a banner
    with its text (up to the closing delimiter) is one line."""
    roots: list[Node] = []
    stack: list[tuple[int, Node]] = []
    lines = text.replace("\r", "").split("\n")
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip()
        i += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("!") or _HEADER.match(stripped):
            if stripped == "end":
                break
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        m = re.match(r"^banner\s+\S+\s+(\S)", stripped) if indent == 0 else None
        if m:
            delim = "^C" if stripped.split()[2].startswith("^C") else m.group(1)
            rest = stripped.split(None, 2)[2][len(delim):]
            text_lines = [stripped]
            if delim not in rest:
                while i < len(lines):
                    text_lines.append(lines[i].rstrip("\r"))
                    i += 1
                    if delim in text_lines[-1]:
                        break
            node = Node("\n".join(text_lines))
            roots.append(node)
            stack = [(0, node)]
            continue
        node = Node(raw.lstrip(" "))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if stack:
            stack[-1][1].children.append(node)
        else:
            roots.append(node)
        stack.append((indent, node))
    return roots


def _index(nodes: list[Node], ignorecase: bool = False) -> dict[str, Node]:
    out = {}
    for n in nodes:
        out.setdefault(n.key.lower() if ignorecase else n.key, n)
    return out


def _key(n: Node, ignorecase: bool) -> str:
    return n.key.lower() if ignorecase else n.key


def contextual_diff(old: list[Node], new: list[Node], ignorecase: bool = False, pad: str = "") -> list[str]:
    """`show archive config differences`: `+` lines only in `new`, `-` lines only in `old`, under their
    unchanged parents."""
    out: list[str] = []
    old_ix = _index(old, ignorecase)
    new_ix = _index(new, ignorecase)
    for n in new:
        o = old_ix.get(_key(n, ignorecase))
        if o is None:
            out.extend(_signed(n, "+", pad))
        else:
            sub = contextual_diff(o.children, n.children, ignorecase, pad + " ")
            if sub:
                out.append(pad + n.line)
                out.extend(sub)
    for o in old:
        if _key(o, ignorecase) not in new_ix:
            out.extend(_signed(o, "-", pad))
    return out


def _signed(n: Node, sign: str, pad: str) -> list[str]:
    out = [pad + sign + n.line]
    for c in n.children:
        out.extend(_signed(c, sign, pad + " "))
    return out


def incremental(current: list[Node], file_nodes: list[Node], ignorecase: bool = False, pad: str = "") -> list[str]:
    """`show archive config incremental-diffs FILE`: the lines of FILE that the running-config lacks, with
    the parents they go under."""
    out: list[str] = []
    cur = _index(current, ignorecase)
    for n in file_nodes:
        c = cur.get(_key(n, ignorecase))
        if c is None:
            out.extend(_plain(n, pad))
        else:
            sub = incremental(c.children, n.children, ignorecase, pad + " ")
            if sub:
                out.append(pad + n.line)
                out.extend(sub)
    return out


def _plain(n: Node, pad: str) -> list[str]:
    out = [pad + n.line]
    for c in n.children:
        out.extend(_plain(c, pad + " "))
    return out


def plan(current: list[Node], target: list[Node], parents: tuple[str, ...] = ()) -> tuple[list, list]:
    """(removals, additions), each a list of (parents, line); a removal of a block takes its sub-lines with it,
    an addition of a block is followed by its sub-lines."""
    removals: list = []
    additions: list = []
    cur = _index(current)
    tgt = _index(target)
    for n in target:
        c = cur.get(n.key)
        if c is None:
            additions.extend(_adds(n, parents))
        else:
            r, a = plan(c.children, n.children, parents + (n.line,))
            removals.extend(r)
            additions.extend(a)
    top_removals = [(parents, c.line) for c in current if c.key not in tgt]
    # deeper removals first, then this level's in reverse order of the running-config
    return removals + top_removals[::-1], additions


def _adds(n: Node, parents: tuple[str, ...]) -> list:
    out = [(parents, n.line)]
    for c in n.children:
        out.extend(_adds(c, parents + (n.line,)))
    return out


def negate(line: str) -> str:
    words = line.split()
    if words and words[0] == "no":
        return " ".join(words[1:])
    if words and words[0] == "banner" and len(words) > 1:
        return f"no banner {words[1]}"
    return "no " + line


# -- applying -----------------------------------------------------------------------------------------------

@dataclass
class ReplaceResult:
    ok: bool
    passes: int
    listing: list[str]
    rejected: list[tuple[str, list[str]]]


def _run_under(session, parents: tuple[str, ...], line: str) -> list[str] | None:
    """Run `line` under `parents` from global configuration; None when accepted, else IOS's error lines."""
    session.end()
    session.push("config")
    for p in parents:
        session.run(p)
    out = None
    for i, part in enumerate(line.split("\n")):
        res = session.run(part)
        if session.last_error and i == 0:
            out = [x for x in res if x.strip()] or ["% Invalid input detected"]
    return out


def apply_text(router, text: str, show_list: bool = False) -> ReplaceResult:
    """Make the running-config `text` by difference (see the module docstring); stops at a rejected line."""
    from .session import Session  # noqa: PLC0415

    target = parse_tree(text)
    listing: list[str] = []
    passes = 0
    s = Session(router, privileged=True, width=0, length=0, name="replace")
    for n in range(1, MAX_PASSES + 1):
        before = router.running_config_text()
        removals, additions = plan(parse_tree(before), target)
        if not removals and not additions:
            break
        passes = n
        if show_list:
            listing += [f"!Pass {n}", "!List of Commands:"]
        for parents, line in removals:
            cmd = negate(line)
            if show_list:
                listing += list(parents) + [cmd]
            _run_under(s, parents, cmd)  # a removal IOS refuses (a physical interface) is not an error
        for parents, line in additions:
            if show_list:
                listing += list(parents) + line.split("\n")
            err = _run_under(s, parents, line)
            if err is not None:
                s.end()
                if show_list:
                    listing.append("end")
                return ReplaceResult(False, n, listing, [(line, err)])
        if show_list:
            listing.append("end")
        if router.running_config_text() == before:
            break
    s.end()
    return ReplaceResult(True, max(passes, 1), listing, [])


# -- archive settings and state ----------------------------------------------------------------------------

def _archive_block(cfg):
    from .config.kept import KeptBlock  # noqa: PLC0415

    for it in cfg.kept_post_pki.items:
        if isinstance(it, KeptBlock) and it.header == "archive":
            return it
    return None


def settings(cfg) -> dict | None:
    """{path, maximum, write_memory} of the `archive` block, None without one."""
    block = _archive_block(cfg)
    if block is None:
        return None
    out = {"path": None, "maximum": 10, "write_memory": False}
    for it in block.items:
        if not isinstance(it, str):
            continue
        words = it.split()
        if words[0] == "path" and len(words) > 1:
            out["path"] = words[1]
        elif words[0] == "maximum" and len(words) > 1 and words[1].isdigit():
            out["maximum"] = int(words[1])
        elif words[0] == "write-memory":
            out["write_memory"] = True
    return out


def kept_has(cfg, slot: str, line: str) -> bool:
    return any(isinstance(it, str) and it == line for it in getattr(cfg, slot).items)


def file_prompt_quiet(cfg) -> bool:
    return kept_has(cfg, "kept_post_pki", "file prompt quiet")


def scp_enabled(cfg) -> bool:
    return kept_has(cfg, "kept_ip_post_route", "ip scp server enable")


@dataclass
class Pending:
    """A `configure replace ... time N` (or `revert timer N`) waiting for `configure confirm`."""

    previous: str  # the running-config before the change
    minutes: int
    user: str
    started: float
    handle: object = None


@dataclass
class ArchiveState:
    saved: list[str] = field(default_factory=list)  # archive file URLs, oldest first
    counter: int = 0
    pending: Pending | None = None


def state(router) -> ArchiveState:
    st = getattr(router, "archive_state", None)
    if st is None:
        st = router.archive_state = ArchiveState()
    return st


def archive_now(router) -> str | None:
    """`archive config` / write-memory with `write-memory` set: the running-config to `<path>-<n>`."""
    from .flash import flash_of, parse_url  # noqa: PLC0415

    conf = settings(router.config)
    if not conf or not conf["path"]:
        return None
    st = state(router)
    st.counter += 1
    name = f"{conf['path']}-{st.counter}"
    url = parse_url(name)
    if url.fs != "flash:":
        return None
    flash_of(router).write(url.path, router.running_config_text().encode())
    st.saved.append(name)
    while len(st.saved) > conf["maximum"]:
        old = parse_url(st.saved.pop(0))
        try:
            flash_of(router).delete(old.path)
        except Exception:  # noqa: BLE001  already gone
            pass
    return str(url)


def start_timer(router, previous: str, minutes: int, user: str) -> None:
    st = state(router)
    cancel_timer(router)
    st.pending = Pending(previous, minutes, user, time.time())
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    st.pending.handle = loop.call_later(minutes * 60, expire, router)


def cancel_timer(router) -> None:
    st = state(router)
    if st.pending is not None and st.pending.handle is not None:
        st.pending.handle.cancel()
    st.pending = None


def expire(router) -> None:
    """The timer ran out without `configure confirm`: the previous configuration comes back."""
    from .logbus import log  # noqa: PLC0415

    st = state(router)
    if st.pending is None:
        return
    previous = st.pending.previous
    st.pending = None
    apply_text(router, previous)
    router.config.changed()
    log(router, "%ARCHIVE_DIFF-5-ROLLBK_CNFMD_CHG_ROLLBACK: Start rollback to previous configuration",
        stamp=True)


def timer_lines(router) -> list[str]:
    p = state(router).pending
    if p is None:
        return ["%No Rollback Confirmed Change pending"]
    lt = time.gmtime(p.started)
    stamp = time.strftime("%H:%M:%S UTC %a %b ", lt) + f"{lt.tm_mday} " + time.strftime("%Y", lt)
    return [f"Time configured(or reset): {stamp}", "Timer type: absolute", f"Timer value: {p.minutes} min",
            f"User: {p.user}"]

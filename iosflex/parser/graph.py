"""Compiles grammar declarations into one command graph per mode, and checks them.

Each mode's graph is a tree of Nodes (a trie over token paths; FRRouting's merge of sub-graphs amounts to
this once optional parts are expanded).  ``no`` and ``default`` lead into a second tree holding every
command's negated form plus the explicit ``no`` definitions.  Loading fails loudly on a duplicate command,
a token without help, conflicting help, conflicting argument names, or a handler nobody registered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .grammar import CommandDef, GrammarError, ModeDef, Tok, read_files


@dataclass(eq=False)
class Node:
    tok: Tok | None
    parent: "Node | None" = None
    children: dict[str, "Node"] = field(default_factory=dict)
    help: str | None = None
    handler: str | None = None
    cmd: CommandDef | None = None
    visible: bool = False  # some non-hidden command passes through
    user: bool = False  # some @user command passes through (offered at the `>` prompt)
    filter: bool = False  # terminal that accepts `| include ...`
    goto: str | None = None  # `do`: the rest of the line is matched in this mode
    negate: str | None = None  # "no" or "default" for the two keywords that lead into the negated tree
    repeat: tuple[str, ...] = ()

    repeat_nodes: tuple["Node", ...] = ()  # resolved from `repeat` once the graph is built

    def next_nodes(self):
        yield from self.children.values()
        yield from self.repeat_nodes


@dataclass
class Mode:
    name: str
    prompt: str  # suffix after the hostname, e.g. "(config-if)" or "" for exec
    parent: str | None
    header: str
    root: Node
    no_root: Node | None
    level: str  # "exec" for the exec modes, "config" for configuration modes


class Grammar:
    """All modes, compiled.  `handlers` maps handler names to callables (iosflex.modes registry)."""

    def __init__(self, modes: dict[str, Mode]):
        self.modes = modes

    def handler_names(self) -> set[str]:
        names, seen = set(), set()
        stack = [n for m in self.modes.values() for n in (m.root, m.no_root) if n is not None]
        while stack:
            n = stack.pop()
            if id(n) in seen:
                continue
            seen.add(id(n))
            if n.handler:
                names.add(n.handler)
            stack.extend(n.children.values())
        return names

    @classmethod
    def load(cls, paths: list[Path], handlers: dict[str, Callable]) -> "Grammar":
        defs = read_files(paths)
        modes = {name: _compile(md, handlers) for name, md in defs.items()}
        for md in defs.values():
            for cmd in md.commands:
                cmd.paths = []  # expanded paths are only needed to build the graph
        for m in modes.values():
            if m.parent and m.parent not in modes:
                raise GrammarError(f"mode {m.name}: unknown parent {m.parent}")
        # `do` works in every configuration mode; a mode that does not declare it does not list it
        base = modes.get("config")
        base_do = base.root.children.get("kw:do") if base else None
        for m in modes.values():
            if base_do and m.level == "config" and "kw:do" not in m.root.children:
                m.root.children["kw:do"] = Node(base_do.tok, parent=m.root, help=base_do.help, visible=False,
                                                goto=base_do.goto)
        # `do` targets must exist
        for m in modes.values():
            for n in m.root.children.values():
                if n.goto and n.goto not in modes:
                    raise GrammarError(f"mode {m.name}: `do` into unknown mode {n.goto}")
        return cls(modes)


def _insert(root: Node, path: list[Tok], cmd: CommandDef, handlers, hidden: bool, explicit_no: bool, src: str):
    node = root
    for i, tok in enumerate(path):
        child = node.children.get(tok.key)
        if child is None:
            child = Node(tok, parent=node)
            node.children[tok.key] = child
        elif child.tok.var != tok.var and not child.tok.is_keyword:
            raise GrammarError(f"{src}: token {tok.text} named ${tok.var} here, ${child.tok.var} elsewhere")
        elif tok.repeat and child.repeat != tok.repeat:
            child.repeat = tuple(sorted(set(child.repeat) | set(tok.repeat)))
        if tok.split:
            child.tok.split = True
        if tok.prefer:
            child.tok.prefer = True
        helptext = cmd.helps.get(tok.help_key)
        if helptext is not None:
            if child.help is not None and child.help != helptext:
                raise GrammarError(
                    f"{src}: conflicting help for {tok.help_key!r}: {helptext!r} vs {child.help!r}"
                )
            child.help = helptext
        if tok.repeat:
            child.repeat = tok.repeat
        if not hidden:
            child.visible = True
        if "user" in cmd.flags:
            child.user = True
        node = child
    if node.handler is not None and node.cmd is not cmd:
        if explicit_no and node.cmd is not None and node.cmd.kind != "no":
            pass  # an explicit no-form replaces the derived one
        else:
            raise GrammarError(f"{src}: duplicate command {cmd.spec!r} (also {node.cmd.source})")
    if cmd.handler not in handlers:
        raise GrammarError(f"{src}: handler {cmd.handler!r} is not registered")
    node.handler = cmd.handler
    node.cmd = cmd
    if "filter" in cmd.flags:
        node.filter = True


def _check_help(node: Node, mode: str):
    for child in node.children.values():
        if child.help is None:
            src = child.cmd.source if child.cmd else mode
            raise GrammarError(f"mode {mode}: token {child.tok.text!r} has no help ({src})")
        if child.parent is node:  # shared subtrees (no/default) are checked once
            _check_help(child, mode)


def _compile(md: ModeDef, handlers) -> Mode:
    root = Node(None)
    no_root = Node(None)
    for cmd in md.commands:
        if cmd.kind in ("cmd", "hidden"):
            for p in cmd.paths:
                _insert(root, p, cmd, handlers, cmd.kind == "hidden", False, cmd.source)
    negatable = "negate" in md.props
    if negatable:
        for cmd in md.commands:
            if cmd.kind in ("cmd", "hidden") and "nono" not in cmd.flags:
                for p in cmd.paths:
                    _insert(no_root, p, cmd, handlers, cmd.kind == "hidden", False, cmd.source)
        # Copy help from the positive tree where an explicit no-form omits it.
        for cmd in md.commands:
            if cmd.kind == "no":
                for p in cmd.paths:
                    _insert(no_root, p, cmd, handlers, False, True, cmd.source)
                    _fill_help(root, no_root, p)
        quiet = md.props.get("quiet", "").split()
        for word, prop in (("no", "negate"), ("default", "default")):
            if prop in md.props:
                n = Node(Tok(word, None), parent=root, help=md.props[prop], visible=word not in quiet, negate=word)
                n.children = no_root.children
                n.user = any(c.user for c in no_root.children.values())
                root.children["kw:" + word] = n
    elif any(c.kind == "no" for c in md.commands):
        raise GrammarError(f"mode {md.name}: explicit no-forms in a mode without `negate`")
    if "do" in md.props:
        target, _, text = md.props["do"].partition(" ")
        n = Node(Tok("do", None), parent=root, help=text.strip(), visible="do" not in md.props.get("quiet", "").split(),
                 goto=target)
        root.children["kw:do"] = n
    _check_help(root, md.name)
    _check_help(no_root, md.name)
    _resolve_repeats(root)
    _resolve_repeats(no_root)
    interned: dict = {}
    _intern(root, interned)
    _intern(no_root, interned)
    return Mode(
        name=md.name,
        prompt=md.props.get("prompt", ""),
        parent=md.props.get("parent"),
        header=md.props.get("header", ""),
        root=root,
        no_root=no_root if negatable else None,
        level=md.props.get("level", "config"),
    )


def _resolve_repeats(node: Node):
    for child in list(node.children.values()):
        if child.repeat:
            child.repeat_nodes = tuple(node.children[k] for k in child.repeat if k in node.children)
        if child.parent is node:
            _resolve_repeats(child)


def _intern(node: Node, table: dict) -> tuple:
    """Share identical subtrees (hash-consing): expanded optional parts repeat the same continuation many
    times, e.g. every source form of an ACL entry is followed by the same destination forms.  Nodes that
    repeat, or lead into shared trees, stay unique.  Returns the node's signature."""
    if node.repeat or node.goto or node.negate:
        for child in node.children.values():
            if child.parent is node:
                _intern(child, table)
        return ("unique", id(node))
    kids = []
    for key, child in list(node.children.items()):
        sig = _intern(child, table)
        canon = table.setdefault(sig, child)
        node.children[key] = canon
        kids.append((key, sig))
    tok = node.tok
    tsig = None if tok is None else (tok.key, tok.text, tok.var, tok.split, tok.prefer)
    return (tsig, node.help, node.handler, id(node.cmd), node.visible, node.user, node.filter, tuple(kids))


def _fill_help(root: Node, no_root: Node, path: list[Tok]):
    pos, neg = root, no_root
    for tok in path:
        neg = neg.children[tok.key]
        pos = pos.children.get(tok.key) if pos is not None else None
        if neg.help is None and pos is not None:
            neg.help = pos.help

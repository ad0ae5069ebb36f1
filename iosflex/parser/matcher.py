"""Matching a typed line against a mode's command graph: execution, `?` help, word help and TAB.

Everything a user touches is derived here from the graph: keyword abbreviation by unique prefix (an exact
keyword beats longer siblings, case-insensitive), typed-token checks, the caret column of
``% Invalid input detected at '^' marker.``, ``% Incomplete command.``, ``% Ambiguous command:  "..."``,
``do`` (the rest of the line matched in exec mode), ``no``/``default`` and output modifiers after ``|``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from . import types as T
from .graph import Grammar, Mode, Node

PIPE_MODE = "pipe"


@dataclass
class Word:
    text: str
    start: int


_WORD = re.compile(r'"[^"]*"?\S*|\S+')


def tokenize(line: str) -> list[Word]:
    """Split on blanks; a double-quoted string stays one word, quotes included."""
    return [Word(m.group(), m.start()) for m in _WORD.finditer(line)]


@dataclass
class Args:
    """What a handler receives: keywords seen, typed values by name, and the matched path."""

    keywords: set[str] = field(default_factory=set)
    values: dict[str, list[str]] = field(default_factory=dict)
    path: list[tuple[Node, str]] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # column of each path word in the typed line

    def has(self, keyword: str) -> bool:
        return keyword.lower() in self.keywords

    def get(self, name: str, default=None):
        v = self.values.get(name)
        return v[0] if v else default

    def int(self, name: str, default=None):
        v = self.get(name)
        return default if v is None else int(v)

    def all(self, name: str) -> list[str]:
        return list(self.values.get(name, []))

    def after(self, keyword: str) -> str | None:
        """The word typed right after `keyword` (its argument), whatever the argument is named."""
        for i, (node, _) in enumerate(self.path):
            if node.tok.is_keyword and node.tok.text.lower() == keyword.lower() and i + 1 < len(self.path):
                return self.path[i + 1][1]
        return None

    def keywords_after(self, keyword: str) -> list[str]:
        """Keywords typed after `keyword` (the `X...` lists: proposal algorithms, revocation methods), in
        typed order and as declared; the leading `no`/`default` is not one of them."""
        out, seen = [], False
        for node, _ in self.path:
            if not node.tok.is_keyword or node.negate:
                continue
            if seen:
                out.append(node.tok.text)
            elif node.tok.text.lower() == keyword.lower():
                seen = True
        return out

    def ifname(self, after: str | None = None) -> tuple[str, str] | None:
        """(interface type keyword as declared, number) of the first interface name in the path."""
        start = 0
        if after is not None:
            for i, (node, _) in enumerate(self.path):
                if node.tok.is_keyword and node.tok.text.lower() == after.lower():
                    start = i + 1
                    break
        for i in range(start, len(self.path) - 1):
            node, _ = self.path[i]
            if node.tok.is_keyword and node.tok.split:
                return node.tok.text, self.path[i + 1][1]
        return None

    def rest(self) -> list[str]:
        return [w for _, w in self.path]


@dataclass
class Result:
    status: str  # ok, empty, invalid, incomplete, ambiguous
    node: Node | None = None
    args: Args | None = None
    mode: Mode | None = None  # mode whose command matched (exec for `do`)
    negate: str | None = None  # "no" / "default"
    caret: int = 0  # column in the line
    filter: tuple[str, str] | None = None  # (include|exclude|begin|section|count, regex)


@dataclass
class _State:
    node: Node
    path: list[tuple[Node, str]]
    mode: Mode
    done: bool = False  # a LINE token took the rest of the line
    starts: list[int] = field(default_factory=list)


def _keyword_lcp(word: str, kw: str) -> int:
    n = 0
    for a, b in zip(word.lower(), kw.lower()):
        if a != b:
            break
        n += 1
    return n


_SPLIT = re.compile(r"^([A-Za-z][A-Za-z-]*?)(\d[\d/.:]*)$")


class Matcher:
    def __init__(self, grammar: Grammar):
        self.grammar = grammar

    # -- candidates ---------------------------------------------------------------------------------
    def _next(self, st: _State, user: bool):
        if st.done:
            return
        node = st.node
        if node.goto:
            mode = self.grammar.modes[node.goto]
            for n in mode.root.children.values():
                if not user or n.user:
                    yield n, mode
            return
        for n in node.next_nodes():
            if not user or n.user:
                yield n, st.mode

    def _candidates(self, st: _State, word: str, user: bool):
        """(score, node, mode) for every next token that accepts `word`; keywords found by bisection."""
        if st.done:
            return
        node, mode = st.node, st.mode
        if node.goto:
            mode = self.grammar.modes[node.goto]
            node = mode.root
        idx = node.__dict__.get("_idx")
        if idx is None:
            nxt = list(node.next_nodes())
            kws = sorted(((n.tok.text.lower(), n) for n in nxt if n.tok.is_keyword), key=lambda x: x[0])
            idx = ([k for k, _ in kws], [n for _, n in kws], [n for n in nxt if not n.tok.is_keyword])
            node._idx = idx
        keys, kw_nodes, typed = idx
        wl = word.lower()
        i = bisect_left(keys, wl)
        while i < len(keys) and keys[i].startswith(wl):
            n = kw_nodes[i]
            if not user or n.user:
                yield (T.PRIO_EXACT if keys[i] == wl else T.PRIO_PREFIX), n, mode
            i += 1
        for n in typed:
            if (not user or n.user) and n.tok.ttype.check(word):
                yield n.tok.ttype.priority, n, mode

    @staticmethod
    def _score(node: Node, word: str) -> int | None:
        tok = node.tok
        if tok.is_keyword:
            w, k = word.lower(), tok.text.lower()
            if w == k:
                return T.PRIO_EXACT
            if k.startswith(w):
                return T.PRIO_PREFIX
            return None
        return tok.ttype.priority if tok.ttype.check(word) else None

    def _walk(self, line: str, words: list[Word], mode: Mode, user: bool):
        """Consume words; return (states, error Result or None, words possibly re-split)."""
        states = [_State(mode.root, [], mode)]
        i = 0
        words = list(words)
        while i < len(words):
            w = words[i]
            if w.text == "|" and any(s.node.filter and s.node.handler for s in states if not s.done):
                return states, None, words, i
            if all(s.done for s in states):
                break
            cands = [(sc, st, n, m) for st in states for sc, n, m in self._candidates(st, w.text, user)]
            if not cands:
                split = self._try_split(states, w, user)
                if split:
                    words[i : i + 1] = split
                    continue
                return states, Result("invalid", caret=self._caret(states, w, user)), words, None
            best = min(c[0] for c in cands)
            cands = [c for c in cands if c[0] == best]
            if best in (T.PRIO_EXACT, T.PRIO_PREFIX):
                keys = {c[2].tok.text.lower() for c in cands}
                if len(keys) > 1:
                    preferred = [c for c in cands if c[2].tok.prefer]
                    if len({c[2].tok.text.lower() for c in preferred}) != 1:
                        return states, Result("ambiguous", caret=w.start), words, None
                    cands = preferred
            new = []
            for _, st, n, m in cands:
                if not n.tok.is_keyword and n.tok.ttype.rest_of_line:
                    new.append(_State(n, st.path + [(n, line[w.start :].rstrip())], m, True, st.starts + [w.start]))
                else:
                    new.append(_State(n, st.path + [(n, w.text)], m, False, st.starts + [w.start]))
            # states that already finished with a LINE stay as they are
            states = new + [s for s in states if s.done]
            i += 1
        return states, None, words, None

    def _try_split(self, states, w: Word, user: bool):
        m = _SPLIT.match(w.text)
        if not m:
            return None
        alpha = m.group(1).lower()
        for st in states:
            for n, _ in self._next(st, user):
                if n.tok.is_keyword and n.tok.split and n.tok.text.lower().startswith(alpha):
                    return [Word(m.group(1), w.start), Word(m.group(2), w.start + len(m.group(1)))]
        return None

    def _caret(self, states, w: Word, user: bool) -> int:
        best = 0
        for st in states:
            for n, _ in self._next(st, user):
                if n.tok.is_keyword:
                    best = max(best, _keyword_lcp(w.text, n.tok.text))
        return w.start + min(best, len(w.text) - 1) if best else w.start

    # -- execution ----------------------------------------------------------------------------------
    def match(self, line: str, mode: Mode, user: bool = False) -> Result:
        words = tokenize(line)
        if not words:
            return Result("empty")
        states, err, words, pipe_at = self._walk(line, words, mode, user)
        if err:
            return err
        finals = [s for s in states if s.node.handler]
        if pipe_at is not None:
            finals = [s for s in finals if s.node.filter]
        if not finals:
            return Result("incomplete", caret=len(line))
        st = finals[0]
        args = _args(st.path)
        args.starts = st.starts
        negate = None
        if st.path and st.path[0][0].negate:
            negate = st.path[0][0].negate
        res = Result("ok", node=st.node, args=args, mode=st.mode, negate=negate)
        if pipe_at is not None:
            sub = line[words[pipe_at].start + 1 :]
            offset = words[pipe_at].start + 1
            pres = self.match(sub, self.grammar.modes[PIPE_MODE])
            if pres.status == "empty":
                return Result("incomplete", caret=len(line))
            if pres.status != "ok":
                pres.caret += offset
                return pres
            res.filter = (pres.node.handler, pres.args.get("regex") or "")
        return res

    # -- help ---------------------------------------------------------------------------------------
    def help(self, line: str, mode: Mode, user: bool = False):
        """`?` typed at the end of `line`.  Returns ("list", entries) / ("words", names) / ("error", Result)."""
        word_help = bool(line) and not line[-1].isspace()
        words = tokenize(line)
        partial = words.pop() if word_help else None
        if word_help and partial.start + len(partial.text) != len(line):
            partial = Word(line[partial.start :], partial.start)
        states, err, words, pipe_at = self._walk(line, words, mode, user)
        if err:
            return "error", err
        if pipe_at is not None:
            sub = line[words[pipe_at].start + 1 :]
            return self.help(sub, self.grammar.modes[PIPE_MODE])
        if word_help:
            names = []
            for st in states:
                for n, _ in self._next(st, user):
                    if n.visible and n.tok.is_keyword and n.tok.text.lower().startswith(partial.text.lower()):
                        if n.tok.text not in names:
                            names.append(n.tok.text)
            if not names:
                # a typed token may still accept it: IOS shows the token then
                for st in states:
                    for n, _ in self._next(st, user):
                        if n.visible and not n.tok.is_keyword and n.tok.ttype.check(partial.text):
                            if n.tok.label not in names:
                                names.append(n.tok.label)
            if not names:
                return "error", Result("unrecognized")
            return "words", sorted(names)
        entries: dict[tuple[str, str], None] = {}
        cr = False
        pipe = False
        for st in states:
            if st.node.handler and st.node is not mode.root:
                cr = True
                pipe = pipe or st.node.filter
            for n, _ in self._next(st, user):
                if n.visible:
                    entries[(n.tok.label, n.help or "")] = None
        items = sorted(entries, key=lambda e: e[0])
        if pipe:
            items.append(("|", "Output modifiers"))
        if cr:
            items.append(("<cr>", ""))
        if not items:
            return "error", Result("unrecognized")
        return "list", items

    # -- TAB ----------------------------------------------------------------------------------------
    def complete(self, line: str, mode: Mode, user: bool = False) -> str | None:
        """The line with its last word completed, or None when no single keyword fits."""
        if not line or line[-1].isspace():
            return None
        words = tokenize(line)
        partial = words.pop()
        states, err, _, pipe_at = self._walk(line, words, mode, user)
        if err:
            return None
        if pipe_at is not None:
            return None
        names = set()
        for st in states:
            for n, _ in self._next(st, user):
                if n.visible and n.tok.is_keyword and n.tok.text.lower().startswith(partial.text.lower()):
                    names.add(n.tok.text)
        exact = [x for x in names if x.lower() == partial.text.lower()]
        if exact:
            names = set(exact)
        if len(names) != 1:
            return None
        return line[: partial.start] + names.pop() + " "


def _args(path: list[tuple[Node, str]]) -> Args:
    args = Args(path=path)
    last_kw = None
    for node, word in path:
        tok = node.tok
        if tok.is_keyword:
            args.keywords.add(tok.text.lower())
            last_kw = tok.text.lower()
            continue
        name = tok.var or last_kw or tok.ttype.name.lower()
        args.values.setdefault(name, []).append(word)
    return args


def format_help(items, width: int = 80) -> list[str]:
    """IOS's `?` layout: two-space indent, label column as wide as the longest label, wrapped text."""
    labels = [lab for lab, _ in items if lab != "<cr>"] or [""]
    col = max(len(lab) for lab in labels)
    lines = []
    limit = max(width - 1, col + 20) if width else 10**6
    for label, text in items:
        if label == "<cr>":
            lines.append("  <cr>")
            continue
        prefix = "  " + label.ljust(col) + "  "
        lines.extend(_wrap(prefix, text, limit))
    return lines


def _wrap(prefix: str, text: str, limit: int) -> list[str]:
    out = []
    indent = " " * len(prefix)
    cur = prefix
    first = True
    for word in text.split(" "):
        cand = cur + ("" if first else " ") + word
        if len(cand) > limit and not first:
            out.append(cur)
            cur = indent + word
        else:
            cur = cand
        first = False
    out.append(cur.rstrip() if not text else cur)
    return out

"""The command-definition language: reads grammar files into mode and command declarations.

A grammar file holds, one block each, in this notation::

    # comment
    mode ikev2-profile                    # declares (or re-opens) a mode
      prompt (config-ikev2-profile)
      parent config
      header IKEv2 profile configuration commands:
      negate Negate a command or set its defaults
      default Set a command to its defaults
      quiet no default

    define IFNAME = {Ethernet~ IFNUM | Loopback~ <0-2147483647>}
      Ethernet     IEEE 802.3
      ...

    cmd authentication remote eap [query-identity] [timeout <45-180>] -> profile_auth_remote_eap
      authentication  Set authentication method
      remote          Set remote authentication method
      ...

Mode properties: ``prompt``, ``parent`` (walk-up and ``exit`` target), ``header`` (first line of ``?`` on an
empty line), ``level`` (``exec`` for the EXEC graph), ``negate`` / ``default`` (help of the ``no`` / ``default``
keywords, which lead into the negated forms), ``do MODE help`` (``do`` runs the rest in MODE) and ``quiet``
(those of ``no default do`` that work but are not listed by ``?``).

Command blocks start with ``cmd`` (normal), ``no`` (an explicit negated form, typed after ``no``) or
``hidden`` (accepted, never listed).  ``-> NAME`` binds the handler registered under NAME in
``iosflex.modes``.  Flags after the handler: ``@user`` (also offered at the ``>`` prompt), ``@nono`` (no
``no``/``default`` form), ``@filter`` (takes ``| include ...`` output modifiers).  Help lines are
``TOKEN  text``; a token's help is declared once per graph position (see graph.py).

Spec notation is Cisco's: keywords in lower case (a trailing ``~`` lets a number follow without a space, as
in ``int vi1``), typed tokens in capitals (types.py) or ``<lo-hi>``, ``[opt]``, ``{a|b}`` (exactly one),
``X...`` (one or more, only at the end), ``%MACRO`` (a ``define``), and ``$name`` after a token to name its
argument.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyparsing as pp

from . import types as T


class GrammarError(Exception):
    """A grammar file is wrong; raised at load time so that a bad definition never reaches a user."""


@dataclass
class Tok:
    text: str  # as written: keyword with its display case, or the typed token's name
    ttype: T.TokenType | None  # None for a keyword
    var: str | None = None  # explicit $name
    split: bool = False  # keyword that a number may follow without a space
    prefer: bool = False  # keyword chosen when an abbreviation also fits its siblings (`vi` = Virtual-Access)
    repeat: tuple[str, ...] = ()  # set on the last token of a `X...` group: keys that may repeat

    def __post_init__(self):
        self.is_keyword = self.ttype is None
        # identity of the token at one graph position
        self.key = ("kw:" + self.text.lower()) if self.is_keyword else ("t:" + self.ttype.name)

    @property
    def help_key(self) -> str:
        return self.text + (f"${self.var}" if self.var else "")

    @property
    def label(self) -> str:
        return self.text if self.is_keyword else self.ttype.label


@dataclass
class CommandDef:
    kind: str  # "cmd", "no", "hidden"
    spec: str
    handler: str
    flags: set[str]
    helps: dict[str, str]
    source: str  # file:line, for error messages
    paths: list[list[Tok]] = field(default_factory=list)


@dataclass
class ModeDef:
    name: str
    props: dict[str, str] = field(default_factory=dict)
    commands: list[CommandDef] = field(default_factory=list)


# ---- spec parser (pyparsing) -----------------------------------------------------------------------

def _build_spec_parser() -> pp.ParserElement:
    atom_text = (
        pp.Regex(r"<-?\d+--?\d+>")
        | pp.Regex(r"%[A-Z_0-9]+")
        | pp.Regex(r"[A-Za-z0-9][A-Za-z0-9_.:/+*-]*")
        | pp.Regex(r"[.@\\]")  # one-character punctuation keywords (name-mangler delimiters)
        | pp.Regex(r"/[a-z0-9]+")  # switches of the file commands: `verify /md5`, `delete /force`
    )
    atom = pp.Group(
        atom_text("text")
        + pp.Optional(pp.Literal("~"))("split")
        + pp.Optional(pp.Literal("!"))("prefer")
        + pp.Optional(pp.Regex(r"\$[a-z_0-9]+"))("var")
    )("atom")
    alts = pp.Forward()
    opt = pp.Group(pp.Suppress("[") + alts + pp.Suppress("]"))("opt")
    req = pp.Group(pp.Suppress("{") + alts + pp.Suppress("}"))("req")
    element = pp.Group((opt | req | atom) + pp.Optional(pp.Literal("..."))("rep"))
    seq = pp.Group(pp.OneOrMore(element))
    alts <<= seq + pp.ZeroOrMore(pp.Suppress("|") + seq)
    return seq + pp.StringEnd()


_SPEC = _build_spec_parser()
MAX_PATHS = 20000


def _expand_seq(seq: pp.ParseResults, macros: dict[str, list[list[Tok]]]) -> list[list[Tok]]:
    paths: list[list[Tok]] = [[]]
    for el in seq:
        alts = _expand_element(el, macros)
        paths = [p + a for p in paths for a in alts]
        if len(paths) > MAX_PATHS:
            raise GrammarError("command expands to too many paths")
    return paths


def _expand_element(el: pp.ParseResults, macros: dict[str, list[list[Tok]]]) -> list[list[Tok]]:
    inner = el[0]
    name = inner.get_name()
    if name == "atom":
        text = inner["text"]
        if text.startswith("%"):
            if text[1:] not in macros:
                raise GrammarError(f"unknown macro {text}")
            alts = [list(p) for p in macros[text[1:]]]
        else:
            ttype = T.lookup(text)
            var = inner.get("var")
            alts = [[Tok(text, ttype, var[1:] if var else None, split=bool(inner.get("split")),
                         prefer=bool(inner.get("prefer")))]]
    else:
        alts = []
        for seq in inner:
            alts.extend(_expand_seq(seq, macros))
        if name == "opt":
            alts = [[]] + alts
    if el.get("rep"):
        keys = tuple(a[-1].key for a in alts if a)
        if any(len(a) != 1 for a in alts):
            raise GrammarError("only single tokens may repeat")
        alts = [[Tok(a[0].text, a[0].ttype, a[0].var, a[0].split, a[0].prefer, repeat=keys)] for a in alts]
    return alts


def expand(spec: str, macros: dict[str, list[list[Tok]]] | None = None) -> list[list[Tok]]:
    """All token paths a spec allows, shortest alternatives first."""
    try:
        parsed = _SPEC.parse_string(spec, parse_all=True)
    except pp.ParseException as e:
        raise GrammarError(f"bad spec {spec!r}: {e}") from None
    paths = _expand_seq(parsed[0], macros or {})
    for p in paths:
        for tok in p[:-1]:
            if tok.repeat:
                raise GrammarError(f"'...' only at the end of a command: {spec!r}")
    return paths


# ---- file reader -----------------------------------------------------------------------------------

_HEAD = re.compile(r"^(cmd|no|hidden)\s+(.*?)\s*->\s*([A-Za-z_][A-Za-z0-9_.]*)((?:\s+@[a-z-]+)*)\s*$")
_HELP = re.compile(r"^\s+(\S+)\s{2,}(.*?)\s*$|^\s+(\S+)\s+(.*?)\s*$")


@dataclass
class GrammarFile:
    modes: dict[str, ModeDef]
    macro_helps: dict[str, dict[str, str]]


def read_files(paths: list[Path]) -> dict[str, ModeDef]:
    """Read every grammar file; modes may be declared in one file and extended in others."""
    modes: dict[str, ModeDef] = {}
    macros: dict[str, list[list[Tok]]] = {}
    macro_helps: dict[str, dict[str, str]] = {}
    # Macros first, from all files, so any file may use any macro.
    blocks = []
    for path in paths:
        blocks.extend(_blocks(path))
    for kind, head, body, src in blocks:
        if kind == "define":
            name, _, spec = head.partition("=")
            name = name.strip()
            if name in macros:
                raise GrammarError(f"{src}: macro {name} defined twice")
            macros[name] = expand(spec.strip(), macros)
            macro_helps[name] = {}
            for inner in re.findall(r"%([A-Z_0-9]+)", spec):  # a macro inside a macro brings its help
                macro_helps[name].update(macro_helps.get(inner, {}))
            macro_helps[name].update(_helps(body, src))
    current: ModeDef | None = None
    for kind, head, body, src in blocks:
        if kind == "mode":
            name = head.strip()
            current = modes.setdefault(name, ModeDef(name))
            for line in body:
                key, _, value = line.strip().partition(" ")
                value = value.strip()
                if key in current.props and current.props[key] != value:
                    raise GrammarError(f"{src}: mode {name} property {key} declared twice")
                current.props[key] = value
        elif kind in ("cmd", "no", "hidden"):
            if current is None:
                raise GrammarError(f"{src}: command before any mode")
            m = _HEAD.match(f"{kind} {head}")
            if not m:
                raise GrammarError(f"{src}: bad command line {kind} {head!r}")
            spec, handler, flags = m.group(2), m.group(3), {f[1:] for f in m.group(4).split()}
            unknown = flags - {"user", "nono", "filter"}
            if unknown:
                raise GrammarError(f"{src}: unknown flags {unknown}")
            helps = {}
            for mname in re.findall(r"%([A-Z_0-9]+)", spec):
                helps.update(macro_helps.get(mname, {}))
            helps.update(_helps(body, src))
            cmd = CommandDef(kind, spec, handler, flags, helps, src)
            try:
                cmd.paths = expand(spec, macros)
            except GrammarError as e:
                raise GrammarError(f"{src}: {e}") from None
            used = {t.help_key for p in cmd.paths for t in p}
            extra = set(_helps(body, src)) - used
            if extra:
                raise GrammarError(f"{src}: help for tokens not in the command: {sorted(extra)}")
            current.commands.append(cmd)
    return modes


def _helps(body: list[str], src: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in body:
        m = _HELP.match(line)
        if not m:
            raise GrammarError(f"{src}: bad help line {line!r}")
        key, text = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if key in out:
            raise GrammarError(f"{src}: help for {key} given twice")
        out[key] = text
    return out


def _blocks(path: Path):
    """Split a file into (kind, head, body lines, source) blocks."""
    lines = path.read_text().splitlines()
    block = None
    for n, raw in enumerate(lines, 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw[0] not in " \t":
            if block:
                yield block
            kind, _, head = raw.partition(" ")
            if kind not in ("mode", "define", "cmd", "no", "hidden"):
                raise GrammarError(f"{path.name}:{n}: unknown block {kind!r}")
            block = (kind, head, [], f"{path.name}:{n}")
        else:
            if block is None:
                raise GrammarError(f"{path.name}:{n}: indented line outside a block")
            block[2].append(raw)
    if block:
        yield block

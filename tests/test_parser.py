"""The grammar compiler refuses bad definitions; the matcher behaves as IOS does."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iosflex.parser.grammar import GrammarError
from iosflex.parser.graph import Grammar
from iosflex.parser.matcher import Matcher, format_help, tokenize

HEAD = """mode exec
  level exec
mode config
  prompt (config)
  parent exec
  negate Negate a command or set its defaults
"""
H = {"h": lambda ctx: None, "g": lambda ctx: None}


def load(tmp_path, text, handlers=H):
    p = tmp_path / "t.gram"
    p.write_text(HEAD + text)
    return Grammar.load([p], handlers)


def test_token_without_help_fails(tmp_path):
    with pytest.raises(GrammarError, match="has no help"):
        load(tmp_path, "cmd hostname WORD -> h\n  hostname  Set name\n")


def test_conflicting_help_fails(tmp_path):
    with pytest.raises(GrammarError, match="conflicting help"):
        load(tmp_path, "cmd a b -> h\n  a  one\n  b  two\ncmd a c -> g\n  a  other\n  c  three\n")


def test_duplicate_command_fails(tmp_path):
    with pytest.raises(GrammarError, match="duplicate command"):
        load(tmp_path, "cmd a [b] -> h\n  a  one\n  b  two\ncmd a -> g\n")


def test_unbound_handler_fails(tmp_path):
    with pytest.raises(GrammarError, match="not registered"):
        load(tmp_path, "cmd a -> nothere\n  a  one\n")


def test_help_for_unknown_token_fails(tmp_path):
    with pytest.raises(GrammarError, match="not in the command"):
        load(tmp_path, "cmd a -> h\n  a  one\n  zz  two\n")


def test_help_declared_once_is_shared(tmp_path):
    g = load(tmp_path, "cmd a b -> h\n  a  one\n  b  two\ncmd a c -> g\n  c  three\n")
    assert g.modes["config"].root.children["kw:a"].help == "one"


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    d = tmp_path_factory.mktemp("g")
    p = d / "t.gram"
    p.write_text(HEAD + """
cmd show -> h
  show  Show things
cmd service x -> h
  service  Service
  x        X
cmd set WORD$v [timeout <45-180>] -> h
  set       Set
  WORD$v    Value
  timeout   timeout
  <45-180>  Seconds
cmd group {1|14|2}... -> g
  group  DH groups
  1      one
  14     fourteen
  2      two
""")
    g = Grammar.load([p], H)
    return g, Matcher(g)


def test_prefix_exact_and_ambiguous(mini):
    g, m = mini
    cfg = g.modes["config"]
    assert m.match("sh", cfg).status == "ok"
    assert m.match("s", cfg).status == "ambiguous"
    r = m.match("group 1 14 2", cfg)
    assert r.status == "ok" and r.args.has("14")


def test_caret_and_incomplete(mini):
    g, m = mini
    cfg = g.modes["config"]
    r = m.match("shxw", cfg)
    assert (r.status, r.caret) == ("invalid", 2)
    assert m.match("set", cfg).status == "incomplete"
    r = m.match("set v timeout 200", cfg)
    assert (r.status, r.caret) == ("invalid", 14)
    assert m.match("set v timeout 90", cfg).args.int("timeout") == 90


def test_help_listing_layout(mini):
    g, m = mini
    kind, items = m.help("set v ", g.modes["config"])
    assert kind == "list"
    assert format_help(items) == ["  timeout  timeout", "  <cr>"]


def test_wrapping_keeps_continuation_under_description():
    items = [("anyconnect-eap", "AAA list to use when IKEv2 remote auth method is AnyConnect EAP"),
             ("cert", "AAA list to use when IKEv2 remote auth method is certificate based")]
    assert format_help(items, 80) == [
        "  anyconnect-eap  AAA list to use when IKEv2 remote auth method is AnyConnect",
        "                  EAP",
        "  cert            AAA list to use when IKEv2 remote auth method is certificate",
        "                  based",
    ]


def test_no_form(mini):
    g, m = mini
    r = m.match("no service x", g.modes["config"])
    assert r.status == "ok" and r.negate == "no"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab 1?|\"/.-xyz", max_size=30))
def test_matcher_never_raises(mini, line):
    g, m = mini
    for mode in g.modes.values():
        m.match(line, mode)
        m.help(line, mode)
        m.complete(line, mode)
    assert " ".join(w.text for w in tokenize(line)).replace(" ", "") == "".join(line.split())

"""Handlers of what is kept, not emulated (grammars/kept.gram, config/kept.py): the typed line is kept as
text (keywords written out in full), opaque blocks are entered as sub-modes, banners are read up to their
closing delimiter, and a `show` of such a feature says in one line that it is not emulated."""

from __future__ import annotations

from ..config.kept import NOT_EMULATED, KeptBlock, add_line, items_for, remove_block
from . import handler

# The sub-mode an opaque block opens, by the header's leading words (longest match), and how IOS indents it.
BLOCK_MODES: dict[tuple[str, ...], tuple[str, int, bool]] = {
    ("router",): ("kept-router", 1, True),
    ("route-map",): ("kept-route-map", 1, False),
    ("ip", "vrf"): ("kept-ip-vrf", 1, False),
    ("ip", "sla"): ("kept-ip-sla", 1, False),
    ("ip", "dhcp", "pool"): ("kept-dhcp-pool", 1, False),
    ("control-plane",): ("kept-control-plane", 1, False),
    ("redundancy",): ("kept-redundancy", 1, False),
    ("virtual-service",): ("kept-virtual-service", 1, False),
    ("archive",): ("kept-archive", 1, False),
    ("tacacs", "server"): ("kept-tacacs-server", 1, False),
    ("kron", "policy-list"): ("kept-kron-policy", 1, False),
    ("kron", "occurrence"): ("kept-kron-occurrence", 1, False),
    ("key", "chain"): ("kept-key-chain", 1, False),
    ("track",): ("kept-track", 1, False),
    ("voice",): ("kept-voice", 1, False),
    ("dial-peer",): ("kept-dial-peer", 1, False),
    ("event", "manager"): ("kept-applet", 1, False),
    ("call-home",): ("kept-call-home", 1, False),
    ("ipv6", "access-list"): ("kept-ipv6-acl", 1, False),
    ("crypto", "keyring"): ("kept-crypto-keyring", 2, False),
    ("crypto", "isakmp", "policy"): ("kept-isakmp-policy", 1, False),
    ("crypto", "isakmp", "profile"): ("kept-isakmp-profile", 3, False),
    ("crypto", "isakmp", "client"): ("kept-generic", 1, False),
    ("crypto", "map"): ("kept-crypto-map", 1, False),
}

# Nested blocks: (current mode, first word) -> (mode, indent, bang before nested blocks)
NESTED_MODES: dict[tuple[str, str], tuple[str, int, bool]] = {
    ("kept-router", "address-family"): ("kept-router-af", 1, True),
    ("kept-router", "service-family"): ("kept-router-sf", 1, True),
    ("kept-router-af", "topology"): ("kept-router-af-topology", 1, False),
    ("kept-router-af", "af-interface"): ("kept-router-af-interface", 1, False),
    ("kept-router-sf", "topology"): ("kept-router-sf-topology", 1, False),
    ("kept-key-chain", "key"): ("kept-key", 1, False),
    ("kept-archive", "log"): ("kept-archive-log", 1, False),
}


def typed_text(ctx) -> str:
    """The command as typed, keywords written out in full, without its `no`/`default`."""
    words: list[str] = []
    glue = False
    for node, word in ctx.args.path:
        if getattr(node, "negate", None):
            continue
        text = node.tok.text if node.tok.is_keyword else word
        if glue:
            words[-1] += text  # `Null0`: a keyword a number follows without a space
        else:
            words.append(text)
        glue = node.tok.is_keyword and node.tok.split
    return " ".join(words)


def _block_mode(text: str):
    words = tuple(text.split())
    for n in (3, 2, 1):
        if words[:n] in BLOCK_MODES:
            return BLOCK_MODES[words[:n]]
    return ("kept-generic", 1, False)


@handler("kept_line")
def kept_line(ctx):
    text = typed_text(ctx)
    add_line(items_for(ctx.cfg, text), text, ctx.negate)


@handler("kept_block")
def kept_block(ctx):
    header = typed_text(ctx)
    items = items_for(ctx.cfg, header)
    if ctx.no:
        remove_block(items, header)
        return
    mode, indent, bang = _block_mode(header)
    block = next((it for it in items if isinstance(it, KeptBlock) and it.header == header), None)
    if block is None:
        block = KeptBlock(header, indent=indent, bang=bang)
        items.append(block)
    ctx.enter(mode, block)


def _kept_list(obj) -> list:
    return obj.items if isinstance(obj, KeptBlock) else obj.kept


@handler("kept_sub")
def kept_sub(ctx):
    text = typed_text(ctx)
    nested = NESTED_MODES.get((ctx.session.mode.name, text.split()[0]))
    if nested is not None and isinstance(ctx.obj, KeptBlock):
        return _nested(ctx, text, nested)
    add_line(_kept_list(ctx.obj), text, ctx.negate)


@handler("kept_sub_block")
def kept_sub_block(ctx):
    text = typed_text(ctx)
    nested = NESTED_MODES.get((ctx.session.mode.name, text.split()[0]), ("kept-generic", 1, False))
    _nested(ctx, text, nested)


def _nested(ctx, text, nested):
    parent: KeptBlock = ctx.obj
    if ctx.no:
        remove_block(parent.items, text)
        return
    mode, indent, bang = nested
    block = next((it for it in parent.items if isinstance(it, KeptBlock) and it.header == text), None)
    if block is None:
        block = KeptBlock(text, indent=indent, bang=bang)
        parent.items.append(block)
    ctx.enter(mode, block)


@handler("kept_exit")
def kept_exit(ctx):
    """`exit-address-family` and its kind: IOS prints them at the end of the nested block."""
    ctx.obj.closer = typed_text(ctx)
    ctx.session.pop()


# ---- banners ---------------------------------------------------------------------------------------------

@handler("kept_banner")
def kept_banner(ctx):
    """`banner motd ^C` ... `^C`: the first character (or a typed `^C`) delimits the text, which may span
    lines; the lines up to the closing delimiter are read as the PKI import reads a certificate."""
    kind = typed_text(ctx).split()[1]
    rest = ctx.args.path[-1][1]
    items = ctx.cfg.kept_banner.items
    head = f"banner {kind} "
    if ctx.no:
        items[:] = [it for it in items if not it.startswith(head)]
        return
    delim = "^C" if rest.startswith("^C") else rest[0]
    body = rest[len(delim):]

    def store(text: str):
        new = f"{head}^C{text}^C"
        for i, it in enumerate(items):
            if it.startswith(head):
                items[i] = new
                return
        items.append(new)

    if delim in body:
        store(body[: body.index(delim)])
        return
    collected = [body]
    ctx.write(f"Enter TEXT message.  End with the character '{delim}'.")

    def more(line: str):
        if delim in line:
            collected.append(line[: line.index(delim)])
            store("\n".join(collected))
            return []
        collected.append(line)
        ctx.ask("", more, echo=True)
        return []

    ctx.ask("", more, echo=True)


# ---- show ----------------------------------------------------------------------------------------------------

@handler("show_kept")
def show_kept(ctx):
    """One line instead of invented state: the feature's configuration is kept, nothing runs it (our wording;
    IOS itself has no such message)."""
    words = [node.tok.text for node, _ in ctx.args.path if node.tok.is_keyword][1:]
    ctx.write(NOT_EMULATED.format(what=" ".join(words)))

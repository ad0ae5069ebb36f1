"""Banners as IOS shows them: `banner motd|login|exec|incoming` text (kept by modes/kept.py as
`banner KIND ^C...^C`) at login and by `show banner KIND`.  Telnet: MOTD, then the login banner, before
`User Access Verification`; the exec banner after a successful login.  SSH: the login banner is the SSH
authentication banner (shown by the client before the password), MOTD and exec banners follow the login."""

from __future__ import annotations


def banner_text(cfg, kind: str) -> str | None:
    head = f"banner {kind} ^C"
    for it in cfg.kept_banner.items:
        if isinstance(it, str) and it.startswith(head) and it.endswith("^C"):
            return it[len(head):-2]
    return None


def banner_lines(cfg, *kinds: str) -> list[str]:
    out: list[str] = []
    for kind in kinds:
        text = banner_text(cfg, kind)
        if text is not None:
            out.extend(text.split("\n"))
    return out

"""Pasting whole configurations at the console: a real-world hub config and the default config apply with no
error line, and what they render loads back (as a startup-config) to the same render.

(A render pasted at the console of a blank router differs only where IOS's does too: `show running-config`
never prints `no shutdown`, so ports that a blank router has shut stay shut.)"""

from pathlib import Path

import pytest

from iosflex.router import Router, default_config_text

HUB = (Path(__file__).parent / "data" / "hub-realworld.cfg").read_text()


def paste(router, text):
    """Type every line at the console, from `Router(config)#`, as a terminal paste does."""
    s = router.session(privileged=True)
    s.run("configure terminal")
    errors = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip() == "end":
            break
        line = line.split("#", 1)[1] if line.startswith("HUB-01(config)#") else line
        out = s.run(line)
        if s.last_error:
            errors.append((n, line, out))
    return errors


@pytest.mark.parametrize("text", [HUB, default_config_text()], ids=["hub-realworld", "default"])
def test_paste_without_a_single_error(text):
    r = Router(None)
    assert paste(r, text) == []
    rendered = r.running_config_text()
    r2 = Router(None)
    assert paste(r2, rendered) == []
    r3 = Router(None)
    assert r3.apply_config(rendered) == []
    assert r3.running_config_text() == rendered


def test_startup_load_of_hub_config():
    r = Router(None)
    assert r.apply_config(HUB) == []
    text = r.running_config_text()
    for line in ["crypto ikev2 profile RA-EAP", " authentication remote eap query-identity",
                 "interface Virtual-Template10 type tunnel", " client 10.99.0.10 server-key 7 0235575819551B02436F"]:
        assert line in text.splitlines()

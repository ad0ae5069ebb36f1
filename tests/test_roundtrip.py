"""Property: a generated configuration, rendered, pasted into a fresh router and rendered again, is identical;
and every generated line is accepted.  The generator covers every feature of the running-config."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iosflex.router import Router

NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,11}", fullmatch=True).filter(
    lambda s: s.lower() not in {"default", "any", "local", "cached", "list"}
)
OCTET = st.integers(1, 254)
IP = st.builds(lambda a, b, c, d: f"{a}.{b}.{c}.{d}", st.integers(1, 223), st.integers(0, 255), st.integers(0, 255), OCTET)


def block(head, *body):
    return [head, *[" " + b for b in body]]


@st.composite
def system_lines(draw):
    out = [f"hostname {draw(NAME)}"]
    if draw(st.booleans()):
        out.append("service password-encryption")
    for name in draw(st.lists(NAME, max_size=3, unique=True)):
        priv = draw(st.integers(0, 15))
        out.append(f"username {name} privilege {priv} password 0 {draw(NAME)}")
    out += block("line vty 0 4", f"exec-timeout {draw(st.integers(0, 60))} 0", "login local",
                 f"transport input {draw(st.sampled_from(['ssh', 'telnet', 'ssh telnet', 'all', 'none']))}")
    return out


@st.composite
def interface_lines(draw):
    out = []
    for n in draw(st.lists(st.integers(0, 50), max_size=3, unique=True)):
        out += block(f"interface Loopback{n}", f"description {draw(NAME)}",
                     f"ip address {draw(IP)} 255.255.255.255")
    vt = draw(st.integers(1, 200))
    out += block(f"interface Virtual-Template{vt} type tunnel", "ip unnumbered Ethernet0/0",
                 f"ip mtu {draw(st.integers(576, 1500))}", f"tunnel protection ipsec profile {draw(NAME)}")
    out += block("interface Ethernet0/0", f"ip address {draw(IP)} 255.255.255.0", "no shutdown")
    return out


@st.composite
def config_text(draw):
    parts = [draw(system_lines()), draw(interface_lines())]
    order = draw(st.permutations(range(len(parts))))
    lines = []
    for i in order:
        lines += parts[i]
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config_text())
def test_render_paste_render_is_identical(text):
    r1 = Router(None)
    rejected = r1.apply_config(text)
    assert rejected == [], rejected
    first = r1.running_config_text()
    r2 = Router(None)
    assert r2.apply_config(first) == []
    assert r2.running_config_text() == first

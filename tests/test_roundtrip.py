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
                     f"ip address 10.{n}.{draw(st.integers(0, 255))}.1 255.255.255.255")
    vt = draw(st.integers(1, 200))
    out += block(f"interface Virtual-Template{vt} type tunnel", "ip unnumbered Ethernet0/0",
                 f"ip mtu {draw(st.integers(576, 1500))}", f"tunnel protection ipsec profile {draw(NAME)}")
    out += block("interface Ethernet0/0", f"ip address 192.168.{draw(st.integers(0, 255))}.2 255.255.255.0",
                 "no shutdown")
    return out


@st.composite
def aaa_lines(draw):
    srv, grp, key = draw(NAME), draw(NAME), draw(NAME)
    ports = draw(st.sampled_from([(1645, 1646), (1812, 1813)]))
    out = ["aaa new-model"]
    out += block(f"radius server {srv}", f"address ipv4 {draw(IP)} auth-port {ports[0]} acct-port {ports[1]}",
                 f"key {key}", f"timeout {draw(st.integers(1, 60))}")
    out += block(f"aaa group server radius {grp}", f"server name {srv}")
    out += [f"aaa authentication login {draw(NAME)} group {grp} local",
            f"aaa authorization network AZ{draw(NAME)} local",
            f"aaa accounting network ACC start-stop group {grp}"]
    out += block(f"aaa attribute list AL{draw(NAME)}",
                 f'attribute type interface-config "ip mtu {draw(st.integers(576, 1500))}"')
    out += block("aaa server radius dynamic-author", f"client {draw(IP)} server-key {key}",
                 f"port {draw(st.sampled_from([1700, 3799]))}")
    return out


@st.composite
def author_policy_extras(draw):
    """Any of the other authorization-policy commands (every attribute of the chapter's RADIUS list that has
    one), in any order."""
    n = st.integers
    opts = [f"dhcp server {draw(IP)}", f"dhcp giaddr {draw(IP)}", f"dhcp timeout {draw(n(4, 30))}",
            f"wins {draw(IP)} {draw(IP)}", "netmask 255.255.255.0", f"ipv6 pool V6{draw(NAME)}",
            "ipv6 dns 2001:db8::53 2001:db8::54", f"ipv6 prefix {draw(n(1, 128))}", f"banner Welcome {draw(NAME)}",
            f"def-domain {draw(NAME)}.example", f"split-dns {draw(NAME)}.example", f"backup-gateway {draw(IP)}",
            "include-local-lan", "pfs", "smartcard-removal-disconnect", f"configuration url http://{draw(IP)}/c.cfg",
            f"configuration version {draw(n(1, 32767))}", f"session-lifetime {draw(n(120, 25920000))}",
            f"ipsec flow-limit {draw(n(0, 50000))}", f"route set access-list SPLIT{draw(NAME)}",
            f"route set access-list ipv6 V6ACL{draw(NAME)}", f"route set remote ipv4 {draw(IP)} 255.255.255.0",
            "route set remote ipv6 2001:db8:1::/48",
            f"route set local ipv4 {draw(IP)} 255.255.0.0"
            + draw(st.sampled_from(["", f" next-hop {draw(IP)}"]))
            + draw(st.sampled_from(["", f" tag {draw(n(1, 497777))}"]))
            + draw(st.sampled_from(["", f" distance {draw(n(1, 255))}"])),
            f"route set local ipv6 2001:db8:{draw(n(1, 0xffff)):x}::/48 tag {draw(n(1, 497777))}",
            draw(st.sampled_from(["no route accept", "route accept any", f"route accept any tag {draw(n(1, 497777))}",
                                  f"route accept any distance {draw(n(1, 255))}",
                                  f"route accept any tag {draw(n(1, 497777))} distance {draw(n(1, 255))}"]))]
    return draw(st.lists(st.sampled_from(opts), unique=True))


@st.composite
def crypto_lines(draw):
    prop, kr, nm, ap, prof, ts, ipp = (f"{p}{draw(NAME)}" for p in ("PR", "KR", "NM", "AP", "PF", "TS", "IP"))
    enc = draw(st.sampled_from(["aes-cbc-256", "aes-cbc-128 aes-cbc-256", "3des"]))
    out = block(f"crypto ikev2 proposal {prop}", f"encryption {enc}", "integrity sha256",
                f"group {draw(st.sampled_from(['14', '19', '19 14', '20 21']))}")
    out += block(f"crypto ikev2 policy POL{draw(NAME)}", f"proposal {prop}")
    out += [f"crypto ikev2 keyring {kr}", f" peer {draw(NAME)}", f"  address {draw(IP)}",
            f"  pre-shared-key local {draw(NAME)}", f"  pre-shared-key remote {draw(NAME)}"]
    out += block(f"crypto ikev2 name-mangler {nm}", f"fqdn {draw(st.sampled_from(['hostname', 'domain', 'all']))}")
    out += block(f"crypto ikev2 authorization policy {ap}", "pool POOL1", f"dns {draw(IP)}", "route set interface",
                 *draw(author_policy_extras()))
    body = [f"match identity remote fqdn domain {draw(NAME)}.example", "authentication remote pre-share",
            "authentication local pre-share", f"keyring local {kr}"]
    if draw(st.booleans()):
        body.append(f"dpd {draw(st.integers(10, 3600))} {draw(st.integers(2, 60))} on-demand")
    body += [f"aaa authorization group psk list default {ap}", f"virtual-template {draw(st.integers(1, 200))}"]
    out += block(f"crypto ikev2 profile {prof}", *body)
    out += ["ip local pool POOL1 10.10.10.1 10.10.10.254"]
    out += block(f"crypto ipsec transform-set {ts} esp-aes 256 esp-sha256-hmac", "mode tunnel")
    out += block(f"crypto ipsec profile {ipp}", f"set transform-set {ts}", f"set ikev2-profile {prof}")
    return out


@st.composite
def acl_qos_lines(draw):
    out = block(f"ip access-list standard SPLIT{draw(NAME)}", "permit 10.1.0.0 0.0.255.255", "deny   any")
    out += ["policy-map PM" + draw(NAME), " class class-default",
            f"  police {draw(st.integers(8000, 10_000_000))} conform-action transmit exceed-action drop"]
    return out


@st.composite
def config_text(draw):
    parts = [draw(system_lines()), draw(interface_lines()), draw(aaa_lines()), draw(crypto_lines()),
             draw(acl_qos_lines())]
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

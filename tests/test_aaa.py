"""AAA and RADIUS configuration: round trip, the chapter's help listings, rejected lines, `no` forms."""

from __future__ import annotations

import pytest

from iosflex.config.secrets import type7_encode
from iosflex.router import Router

FULL = """\
aaa new-model
!
aaa group server radius RADIUS-AUTH
 server name RADIUS
 server-private 10.1.1.1 auth-port 1645 acct-port 1646 key 7 0822455D0A16
 ip vrf forwarding CUST-L3VPN
 ip radius source-interface Ethernet0/1
 deadtime 6
!
aaa authentication login default local
aaa authentication login authen_list_radius group radius_group local
aaa authentication enable default group radius enable
aaa authorization exec default local if-authenticated
aaa authorization network default local
aaa authorization network RM-USR group RADIUS-AUTH group radius local
aaa accounting update newinfo periodic 30
aaa accounting network RM-ACCT start-stop group RADIUS-AUTH group radius
aaa accounting network OFF none
!
aaa attribute list RM-GRP
 attribute type interface-config "ip mtu 1400"
 attribute type interface-config "ip tcp adjust-mss 1360" mandatory
 attribute type interface-config "description x" tag 3
!
aaa server radius dynamic-author
 client 172.28.28.10 vrf CUST-L3VPN server-key 0 COASECRET
 client 172.16.1.3 server-key 7 0822455D0A16
 client 2001:db8::1
 server-key coakey
 port 3799
 auth-type any
 ignore session-key
!
aaa session-id unique
!
ip radius source-interface Loopback0
radius-server attribute 44 include-in-access-req all
radius-server attribute 6 on-for-login-auth
radius-server attribute 8 include-in-access-req
radius-server attribute 32 include-in-access-req format hub-01
radius-server attribute 55 access-request include
radius-server dead-criteria time 5 tries 4
radius-server retransmit 2
radius-server source-ports extended
radius-server deadtime 6
radius-server unique-ident 3
radius-server vsa send authentication
!
radius server RADIUS
 address ipv4 172.28.28.10 auth-port 1812 acct-port 1813
 timeout 5
 retransmit 2
 automate-tester username probe ignore-acct-port probe-on
 key 0 SHAREDSECRET
!
radius server R6
 address ipv6 2001:db8::5 auth-port 1812 acct-port 1813
 key secret with spaces
!
"""


def _router(text: str = "") -> Router:
    r = Router(None)
    if text:
        rej = r.apply_config(text)
        assert not rej, [(x.line, x.error) for x in rej]
    return r


def _section(r: Router) -> list[str]:
    """The running-config lines of the AAA/RADIUS features (and nothing else)."""
    out = []
    for name in ("aaa_new_model", "aaa_groups", "aaa_methods", "aaa_attr_lists", "aaa_dynamic_author",
                 "aaa_session_id", "radius_globals", "radius_servers"):
        for block in getattr(r.config, name).render(r.config):
            out.extend(block + ["!"])
    return out


def _config_session(r: Router):
    s = r.session(privileged=True, length=0)
    s.run("configure terminal")
    return s


def test_full_config_round_trips():
    r1 = _router(FULL)
    text1 = r1.running_config_text()
    r2 = _router(text1)
    assert r2.running_config_text() == text1
    # the AAA part is what was typed (already in IOS form and order), authorization lines ending in a space
    expected = FULL.replace("aaa authorization network default local\n", "aaa authorization network default local \n")
    expected = expected.replace("local if-authenticated\n", "local if-authenticated \n")
    expected = expected.replace("group radius local\n", "group radius local \n")
    assert "\n".join(_section(r1)) + "\n" == expected


def test_round_trip_with_password_encryption():
    r1 = _router("service password-encryption\n" + FULL)
    lines = _section(r1)
    assert f" key 7 {type7_encode('SHAREDSECRET')}" in lines
    assert f" client 172.28.28.10 vrf CUST-L3VPN server-key 7 {type7_encode('COASECRET')}" in lines
    assert f" server-key 7 {type7_encode('coakey')}" in lines
    assert " client 172.16.1.3 server-key 7 0822455D0A16" in lines  # typed 7 stays 7
    text1 = r1.running_config_text()
    r2 = _router(text1)
    assert r2.running_config_text() == text1


def test_chapter_accounting_submode_prints_one_line():
    r = _router("aaa new-model\naaa accounting network acc_list\n action-type start-stop\n group radius_group1\n")
    assert "aaa accounting network acc_list start-stop group radius_group1" in _section(r)


def test_incomplete_accounting_list_prints_submode_form_and_round_trips():
    r1 = _router("aaa accounting network half\n group G1\n")
    assert _section(r1)[:3] == ["aaa accounting network half", " group G1", "!"]
    r2 = _router(r1.running_config_text())
    assert _section(r2) == _section(r1)


CHAPTER_AAA_SERVER_RADIUS = ["  dynamic-author  Local server profile for RFC 3576 support", ""]
CHAPTER_DA = [
    "RADIUS Application commands:",
    "  client      Specify a RADIUS client",
    "  port        Specify port on which local radius server listens",
    "  server-key  Encryption key shared with the radius clients",
    "",
]
CHAPTER_CLIENT = [
    "  Hostname or A.B.C.D  IP address of RADIUS client",
    "  X:X:X:X::X           IPv6 address of RADIUS client",
    "",
]
CHAPTER_SERVER_KEY = [
    "  0     Specifies an UNENCRYPTED key will follow",
    "  6     Specifies an ENCRYPTED key will follow",
    "  7     Specifies HIDDEN key will follow",
    "  WORD  The UNENCRYPTED (cleartext) shared key",
    "",
]


def test_chapter_help_listings():
    r = _router()
    s = _config_session(r)
    assert s.help("aaa server radius ") == CHAPTER_AAA_SERVER_RADIUS
    s.run("aaa server radius dynamic-author")
    assert s.prompt == "Router(config-locsvr-da-radius)#"
    assert s.help("") == CHAPTER_DA
    assert s.help("client ") == CHAPTER_CLIENT
    assert s.help("server-key ") == CHAPTER_SERVER_KEY


@pytest.mark.parametrize("enter, prompt", [
    ("aaa group server radius G", "Router(config-sg-radius)#"),
    ("aaa attribute list L", "Router(config-attr-list)#"),
    ("aaa accounting network acc_list", "Router(cfg-acct-mlist)#"),
    ("radius server R", "Router(config-radius-server)#"),
    ("aaa server radius dynamic-author", "Router(config-locsvr-da-radius)#"),
])
def test_submode_prompts_and_exit(enter, prompt):
    r = _router()
    s = _config_session(r)
    assert s.run(enter) == []
    assert s.prompt == prompt
    s.run("exit")
    assert s.prompt == "Router(config)#"


def test_rejected_line_changes_nothing():
    r = _router(FULL)
    before = r.running_config_text()
    s = _config_session(r)
    long_name = "L" * 32
    out = s.run(f"aaa authorization network {long_name} local")
    assert s.last_error and out
    out = s.run(f"no aaa authentication login {long_name}")
    assert s.last_error
    s.run("aaa accounting network acc_list")
    for g in ("G1", "G2", "G3", "G4"):
        assert s.run(f"group {g}") == []
    before_sub = r.running_config_text()
    s.run("group G5")
    assert s.last_error
    assert r.running_config_text() == before_sub
    s.run("exit")
    s.run("no aaa accounting network acc_list")
    # a line that does not parse changes nothing either
    s.run("aaa authentication login default local none local")
    assert s.last_error
    s.run("radius server RADIUS")
    s.run("timeout 0")
    assert s.last_error
    assert r.running_config_text() == before


def test_no_forms_remove_things():
    r = _router(FULL)
    s = _config_session(r)
    for line in [
        "no aaa authentication login authen_list_radius",
        "no aaa authentication enable default",
        "no aaa authorization network RM-USR group RADIUS-AUTH group radius local",
        "no aaa authorization exec default",
        "no aaa accounting network RM-ACCT",
        "no aaa accounting update",
        "aaa group server radius RADIUS-AUTH",
        "no server name RADIUS",
        "no ip vrf forwarding",
        "no deadtime",
        "no server-private 10.1.1.1",
        "exit",
        "aaa attribute list RM-GRP",
        'no attribute type interface-config "ip mtu 1400"',
        "exit",
        "aaa server radius dynamic-author",
        "no client 172.28.28.10 vrf CUST-L3VPN",
        "no client 2001:db8::1",
        "no server-key",
        "no port 3799",
        "no auth-type",
        "no ignore session-key",
        "exit",
        "no aaa session-id",
        "no ip radius source-interface",
        "no radius-server attribute 6 on-for-login-auth",
        "no radius-server dead-criteria",
        "no radius-server deadtime",
        "no radius-server source-ports extended",
        "radius server RADIUS",
        "no timeout",
        "default retransmit",
        "no automate-tester",
        "no key",
        "exit",
        "no radius server R6",
    ]:
        out = s.run(line)
        assert not s.last_error, (line, out)
    sec = _section(r)
    text = "\n".join(sec)
    for gone in ["authen_list_radius", "authentication enable", "RM-USR", "authorization exec", "RM-ACCT",
                 "accounting update", "server name", "ip vrf", "deadtime 6\n", "server-private", "ip mtu 1400",
                 "172.28.28.10 vrf", "2001:db8::1", " server-key coakey", "port 3799", "auth-type", "ignore",
                 "session-id unique", "source-interface Loopback0", "attribute 6", "dead-criteria",
                 "radius-server deadtime", "source-ports", "timeout", "\n retransmit 2", "automate-tester",
                 "SHAREDSECRET", "R6"]:
        assert gone not in text, gone
    assert "aaa session-id common" in sec
    assert "radius server RADIUS" in sec
    assert " client 172.16.1.3 server-key 7 0822455D0A16" in sec
    assert "aaa accounting network OFF none" in sec
    # whole sections
    for line in ["no aaa group server radius RADIUS-AUTH", "no aaa attribute list RM-GRP",
                 "no aaa server radius dynamic-author", "no radius server RADIUS", "no aaa new-model",
                 "no aaa authentication login default", "no aaa authorization network default",
                 "no aaa accounting network OFF", "no radius-server attribute 44 include-in-access-req",
                 "no radius-server attribute 8 include-in-access-req",
                 "no radius-server attribute 32 include-in-access-req", "no radius-server attribute 55 access-request include",
                 "no radius-server retransmit", "no radius-server unique-ident", "no radius-server vsa send authentication"]:
        s.run(line)
        assert not s.last_error, line
    assert _section(r) == []

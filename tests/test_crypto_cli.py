"""Crypto configuration CLI: IKEv2, IPsec and PKI commands, their running-config and the chapter's `?` listings."""

import pytest

from iosflex.router import Router

FULL_CONFIG = """\
crypto pki trustpoint HUB-TP
 enrollment mode ra
 enrollment url http://10.0.0.10:80
 vrf MGMT
 serial-number none
 fqdn vpn.example.com
 ip-address none
 subject-name cn=vpn.example.com,ou=VPN
 subject-alt-name vpn.example.com
 revocation-check crl none
 rsakeypair HUB-TP 2048
 eku request server-auth client-auth
 auto-enroll 70 regenerate
crypto pki trustpoint SELF
 enrollment selfsigned
 serial-number
crypto pki certificate map CMAP 10
 subject-name co ou = vpn
 issuer-name eq cn = root
crypto ikev2 authorization policy default
 route set interface
crypto ikev2 authorization policy RA-POLICY
 pool RA-POOL
 dns 10.0.0.53 10.0.0.54
 wins 10.0.0.60
 netmask 255.255.255.0
 banner Welcome to the hub
 def-domain example.com
 split-dns corp.example.com
 split-dns lab.example.com
 backup-gateway vpn2.example.com
 include-local-lan
 pfs
 session-lifetime 3600
 aaa attribute list ATTR
 ipsec flow-limit 10
 route set interface Loopback0
 route set access-list SPLIT
 route set access-list ipv6 SPLIT6
 route set remote ipv4 10.1.0.0 255.255.0.0
 route set remote ipv6 2001:db8::/32
 route accept any tag 20 distance 5
crypto ikev2 authorization policy NOACCEPT
 no route accept
crypto ikev2 proposal default
 encryption aes-gcm-256
 prf sha512
crypto ikev2 proposal PROP
 encryption aes-cbc-256 aes-cbc-128
 integrity sha256 sha1
 group 14 19
crypto ikev2 policy default
 proposal PROP
crypto ikev2 policy POL
 match fvrf any
 match address local 192.0.2.1
 proposal PROP
 proposal default
crypto ikev2 keyring KR
 peer ANY
  description all peers
  address 0.0.0.0 0.0.0.0
  identity fqdn domain example.com
  pre-shared-key local 0 K1
  pre-shared-key remote K2
 peer V6
  hostname spoke6
  address 2001:db8::/32
  pre-shared-key 6 ENCRYPTED
crypto ikev2 name-mangler NM
 dn organization-unit
 fqdn hostname
 email username
 eap suffix delimiter @
crypto ikev2 profile PSK
 description PSK spokes
 match fvrf any
 match address local interface Ethernet0/0
 match identity remote address 0.0.0.0
 match identity remote address 10.0.0.1
 match identity remote fqdn domain example.com
 match identity remote email user@example.com
 match identity remote key-id KEYID
 identity local fqdn hub.example.com
 authentication remote pre-share
 authentication local pre-share key 0 LOCALKEY
 keyring local KR
 lifetime 86399
 dpd 90 6 on-demand
 nat keepalive 20
 nat force-encap
 aaa authorization group override psk list default RA-POLICY password 0 cisco
 aaa authorization user psk list RADLIST name-mangler NM
 aaa accounting psk ACCT
 virtual-template 1 mode auto
 no config-exchange request
crypto ikev2 profile AAAPSK
 match identity remote any
 authentication remote pre-share
 authentication local pre-share
 keyring aaa RADLIST name-mangler NM password 6 SECRET
 aaa authorization group psk list RADLIST grp password cisco
 aaa authorization user psk cached
 virtual-template 2
crypto ikev2 profile RA
 match certificate CMAP
 match identity remote key-id *$AnyConnectClient$*
 identity local dn
 authentication local rsa-sig
 authentication remote anyconnect-eap aggregate cert-request
 authentication remote eap query-identity timeout 120
 pki trustpoint HUB-TP sign
 aaa authentication anyconnect-eap ACLIST
 aaa authentication eap EAPLIST
 aaa authorization group anyconnect-eap list default RA-POLICY
 aaa authorization user anyconnect-eap list default user1 local
 aaa authorization user cert list CERTLIST name-mangler NM
 aaa accounting anyconnect-eap ACCT
 aaa accounting eap ACCT
 ivrf INSIDE
 virtual-template 3
 anyconnect profile acvpn
 reconnect timeout 900
 shutdown
crypto ikev2 limit max-sa 100
crypto ikev2 limit max-in-negotation-sa 20 incoming
crypto ikev2 window 20
crypto ikev2 dpd 30 3 periodic
crypto ikev2 nat keepalive 30
crypto ikev2 cookie-challenge 100
no crypto ikev2 http-url cert
crypto ikev2 fragmentation mtu 1200
crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac
 mode tunnel
crypto ipsec transform-set TS-GCM esp-gcm 256
 mode transport
crypto ipsec profile default
 set ikev2-profile PSK
crypto ipsec profile IPSEC
 description RA tunnels
 set security-association lifetime kilobytes disable
 set security-association lifetime seconds 28800
 set security-association replay window-size 128
 set security-policy limit 1
 set transform-set TS TS-GCM
 set pfs group14
 set ikev2-profile RA
 responder-only
"""


def crypto_lines(router):
    """The running-config lines of the crypto sections."""
    out, keep = [], False
    for line in router.config.lines():
        if line and not line[0].isspace() and line != "!":
            keep = "crypto" in line
        if keep and line != "!":
            out.append(line)
    return out


def fresh():
    return Router(None)


def configure(router, text):
    rejected = router.apply_config(text)
    assert not rejected, [(r.line, r.error) for r in rejected]
    return router


def console(router, *lines):
    """Type lines at `Router(config)#`; returns the session and everything printed."""
    s = router.session(privileged=True, length=0)
    s.push("config")
    out = []
    for line in lines:
        out.append(s.prompt + line)
        out.extend(s.help(line[:-1]) if line.endswith("?") else s.run(line))
    return s, out


# ---- round trip --------------------------------------------------------------------------------------

def test_round_trip_full_crypto_config():
    first = configure(fresh(), FULL_CONFIG)
    text = first.running_config_text()
    second = configure(fresh(), text)
    assert second.running_config_text() == text
    lines = crypto_lines(first)
    # trailing spaces and smart defaults as IOS prints them (inventory §4.5, §4.8)
    assert "crypto ikev2 proposal PROP " in lines
    assert "crypto ikev2 policy POL " in lines
    assert "crypto ikev2 authorization policy RA-POLICY " in lines
    assert "crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac " in lines
    assert " set transform-set TS TS-GCM " in lines
    assert " match identity remote address 0.0.0.0 " in lines
    assert " match identity remote address 10.0.0.1 255.255.255.255 " in lines
    assert "crypto ikev2 authorization policy default " in lines
    assert "no crypto ikev2 http-url cert" in lines


def test_round_trip_keeps_section_order():
    lines = crypto_lines(configure(fresh(), FULL_CONFIG))
    heads = [ln.split()[0:3] for ln in lines if not ln[0].isspace() and ln.startswith("crypto")]
    order = ["pki", "authorization", "proposal", "policy", "keyring", "name-mangler", "profile"]
    seen = [h[2] if h[1] == "ikev2" else h[1] for h in heads if h[1] in ("pki", "ikev2")]
    ranks = [order.index(x) for x in seen if x in order]
    assert ranks == sorted(ranks)
    assert lines.index("crypto ipsec profile IPSEC") > lines.index("crypto ikev2 fragmentation mtu 1200")


def test_profile_line_order():
    lines = crypto_lines(configure(fresh(), FULL_CONFIG))
    start = lines.index("crypto ikev2 profile PSK")
    body = lines[start + 1 : lines.index("crypto ikev2 profile AAAPSK")]
    assert body == [
        " description PSK spokes",
        " match fvrf any",
        " match address local interface Ethernet0/0",
        " match identity remote address 0.0.0.0 ",
        " match identity remote address 10.0.0.1 255.255.255.255 ",
        " match identity remote fqdn domain example.com",
        " match identity remote email user@example.com",
        " match identity remote key-id KEYID",
        " identity local fqdn hub.example.com",
        " authentication remote pre-share",
        " authentication local pre-share key 0 LOCALKEY",
        " keyring local KR",
        " lifetime 86399",
        " dpd 90 6 on-demand",
        " nat keepalive 20",
        " nat force-encap",
        " aaa authorization group override psk list default RA-POLICY password 0 cisco",
        " aaa authorization user psk list RADLIST name-mangler NM",
        " aaa accounting psk ACCT",
        " virtual-template 1 mode auto",
        " no config-exchange request",
    ]


def test_keyring_nested_render():
    lines = crypto_lines(configure(fresh(), FULL_CONFIG))
    start = lines.index("crypto ikev2 keyring KR")
    assert lines[start : start + 13] == [
        "crypto ikev2 keyring KR",
        " peer ANY",
        "  description all peers",
        "  address 0.0.0.0 0.0.0.0",
        "  identity fqdn domain example.com",
        "  pre-shared-key local 0 K1",
        "  pre-shared-key remote K2",
        " !",
        " peer V6",
        "  hostname spoke6",
        "  address 2001:db8::/32",
        "  pre-shared-key 6 ENCRYPTED",
        " !",
    ]
    text = "\n".join(configure(fresh(), FULL_CONFIG).config.lines())
    assert "  pre-shared-key 6 ENCRYPTED\n !\n!\n" in text


def test_smart_defaults_print_only_when_modified():
    r = fresh()
    assert crypto_lines(r) == []
    console(r, "crypto ikev2 proposal default", "exit", "crypto ipsec profile default", "exit",
            "crypto ikev2 authorization policy default", "exit", "crypto ikev2 policy default")
    assert crypto_lines(r) == []
    console(r, "crypto ikev2 proposal default", "encryption aes-cbc-128")
    assert crypto_lines(r)[:2] == ["crypto ikev2 proposal default ", " encryption aes-cbc-128"]
    console(r, "no crypto ikev2 proposal default")
    assert crypto_lines(r) == []


def test_chapter_blocks_paste():
    r = configure(fresh(), """\
crypto ikev2 name-mangler name_mangler1
 fqdn hostname
crypto ikev2 profile default
 match identity remote any
 authentication local pre-share
 authentication remote pre-share
 keyring aaa aaa_list1 name-mangler name_mangler1
 aaa authorization user psk cached
""")
    assert crypto_lines(r) == [
        "crypto ikev2 name-mangler name_mangler1",
        " fqdn hostname",
        "crypto ikev2 profile default",
        " match identity remote any",
        " authentication remote pre-share",
        " authentication local pre-share",
        " keyring aaa aaa_list1 name-mangler name_mangler1",
        " aaa authorization user psk cached",
    ]


# ---- the chapter's `?` listings ----------------------------------------------------------------------

# (typed line, listing as the chapter prints it); the router adds an empty line after each listing.
CHAPTER_LISTINGS = [
    ("authentication remote eap ?", """\
  query-identity  query EAP identity from peer
  timeout         timeout
  <cr>"""),
    ("authentication remote eap timeout ?", "  <45-180>  EAP authentication timeout in seconds"),
    ("aaa authentication eap ?", "  WORD  AAA list name"),
    ("keyring ?", """\
  aaa    AAA-based keyring
  local  Local keyring"""),
    ("keyring aaa ?", "  WORD  AAA list name"),
    ("keyring aaa aaa_psk_list ?", """\
  name-mangler  Specify the name-mangler to derive username
  password      Specify the AAA password
  <cr>"""),
    ("aaa accounting ?", """\
  anyconnect-eap  AAA list to use when IKEv2 remote auth method is AnyConnect
                  EAP
  cert            AAA list to use when IKEv2 remote auth method is certificate
                  based
  eap             AAA list to use when IKEv2 remote auth method is EAP
  psk             AAA list to use when IKEv2 remote auth method is PSK"""),
    ("aaa accounting psk ?", "  WORD  AAA list name"),
    ("reconnect ?", """\
  timeout  timeout value for session in reconnect state
  <cr>"""),
    ("reconnect timeout ?", "  <600-86400>  reconnect timeout interval in seconds"),
    ("authentication remote ?", """\
  anyconnect-eap  AnyConnect EAP
  eap             Extended Authentication Protocol
  ecdsa-sig       ECDSA Signature
  pre-share       Pre-Shared Key
  rsa-sig         Rivest-Shamir-Adleman Signature"""),
    ("authentication remote anyconnect-eap ?", "  aggregate  use aggregate auth for anyconnect eap"),
    ("authentication remote anyconnect-eap aggregate ?", """\
  cert-request  use double authentication during anyconnect eap
  <cr>"""),
    ("authentication remote anyconnect-eap aggregate cert-request ?", "  <cr>"),
    ("aaa authentication anyconnect-eap ?", "  WORD  AAA list name"),
    ("match identity remote ?", """\
  address  IP Address(es)
  any      match any peer identity
  email    Fully qualified email string [Max. 255 char(s)]
  fqdn     Fully qualified domain name string [Max. 255 char(s)]
  key-id   key-id opaque string"""),
    ("match identity remote key-id ?", "  WORD  Specify the key-id string"),
]


@pytest.mark.parametrize("line,listing", CHAPTER_LISTINGS, ids=[x[0] for x in CHAPTER_LISTINGS])
def test_chapter_listing(line, listing):
    s, _ = console(fresh(), "crypto ikev2 profile default")
    assert s.help(line[:-1]) == listing.split("\n") + [""]


def test_partial_chapter_listings_contain_the_chapter_entry():
    """The chapter shows only the anyconnect-eap entry of these (book-wrapped); the router shows them all."""
    s, _ = console(fresh(), "crypto ikev2 profile default")
    entry = ["  anyconnect-eap  AAA list to use when IKEv2 remote auth method is anyconnect",
             "                  eap based"]
    for line in ("aaa authorization group ", "aaa authorization user "):
        out = s.help(line)
        i = out.index(entry[0])
        assert out[i : i + 2] == entry
    group = [ln.split()[0] for ln in s.help("aaa authorization group ") if ln.startswith("  ") and ln[2] != " "]
    assert group == ["any", "anyconnect-eap", "cert", "eap", "override", "psk"]


# ---- semantic checks ---------------------------------------------------------------------------------

def test_eap_needs_certificate_local_method_and_changes_nothing():
    r = fresh()
    _, out = console(r, "crypto ikev2 profile P", "authentication remote eap query-identity")
    assert out[-1] == "For remote auth method to be EAP, the local auth method must be certificate-based"
    assert crypto_lines(r) == ["crypto ikev2 profile P"]
    _, out = console(r, "crypto ikev2 profile P", "authentication local pre-share",
                     "authentication remote anyconnect-eap aggregate")
    assert out[-1] == "For remote auth method to be EAP, the local auth method must be certificate-based"
    assert crypto_lines(r) == ["crypto ikev2 profile P", " authentication local pre-share"]
    console(r, "crypto ikev2 profile P", "authentication local rsa-sig", "authentication remote eap query-identity",
            "authentication remote eap timeout 120")
    assert crypto_lines(r) == ["crypto ikev2 profile P", " authentication local rsa-sig",
                               " authentication remote eap query-identity timeout 120"]
    # the local method cannot leave certificates while EAP is configured
    s, out = console(r, "crypto ikev2 profile P", "authentication local pre-share")
    assert s.last_error and out[-1].startswith("For remote auth method to be EAP")
    assert " authentication local rsa-sig" in crypto_lines(r)


@pytest.mark.parametrize("setup", [
    ["authentication local pre-share"],
    ["authentication local rsa-sig", "authentication remote pre-share"],
    ["authentication local rsa-sig", "keyring aaa L"],
    ["authentication local rsa-sig", "aaa authorization group psk list L"],
    ["authentication local rsa-sig", "aaa authorization user psk cached"],
])
def test_reconnect_rejected_with_psk(setup):
    r = fresh()
    console(r, "crypto ikev2 profile P", *setup)
    before = r.running_config_text()
    s, out = console(r, "crypto ikev2 profile P", "reconnect timeout 900")
    assert s.last_error
    assert out[-2:] == ["Reconnect can not be configured if either Keyring, PSK  authentication or PSK "
                        "authorization enabled in profile.", ""]
    assert r.running_config_text() == before


def test_profile_entry_banner_only_while_incomplete():
    r = fresh()
    _, out = console(r, "crypto ikev2 profile P")
    assert out[1:] == ["IKEv2 profile MUST have:", "   1. A local and a remote authentication method.",
                       "   2. A match identity or a match certificate or match any statement."]
    console(r, "crypto ikev2 profile P", "authentication local rsa-sig", "authentication remote rsa-sig",
            "match identity remote any")
    _, out = console(r, "crypto ikev2 profile P")
    assert out == ["Router(config)#crypto ikev2 profile P"]


def test_policy_and_proposal_checks():
    r = fresh()
    _, out = console(r, "crypto ikev2 proposal P")
    assert out[1].startswith("IKEv2 proposal MUST either have a set of an encryption algorithm other than aes-gcm")
    _, out = console(r, "crypto ikev2 policy POL", "proposal NOPE")
    assert out[1] == "IKEv2 policy MUST have atleast one complete proposal attached "
    assert out[-1] == "% No Proposal exists with the specified name NOPE"
    assert crypto_lines(r) == ["crypto ikev2 proposal P ", "crypto ikev2 policy POL "]
    console(r, "crypto ikev2 proposal P", "encryption aes-cbc-256", "integrity sha256", "group 14")
    _, out = console(r, "crypto ikev2 policy POL", "proposal P")
    assert out[2:] == ["Router(config-ikev2-policy)#proposal P"]
    _, out = console(r, "crypto ikev2 policy POL")
    assert out == ["Router(config)#crypto ikev2 policy POL"]


def test_references_must_exist():
    r = fresh()
    before = r.running_config_text()
    _, out = console(r, "crypto ikev2 profile P", "keyring local NOPE", "keyring aaa L name-mangler NOPE",
                     "pki trustpoint NOPE")
    assert "% Invalid keyring NOPE" in out
    assert "% name-mangler does not exist" in out
    assert "% No such trustpoint NOPE" in out
    assert crypto_lines(r) == ["crypto ikev2 profile P"]
    assert before != r.running_config_text()  # only the profile itself was created


# ---- no forms ----------------------------------------------------------------------------------------

def test_no_forms_restore_a_blank_profile():
    r = configure(fresh(), "crypto ikev2 name-mangler NM\n fqdn all\ncrypto ikev2 keyring KR\n")
    console(r, "crypto ikev2 profile P", "description D", "match identity remote any", "match fvrf any",
            "identity local dn", "authentication local rsa-sig", "authentication remote eap query-identity timeout 60",
            "authentication remote rsa-sig", "keyring local KR", "lifetime 600", "dpd 10 2 periodic",
            "nat keepalive 5", "nat force-encap", "aaa authentication eap L", "aaa authorization group eap list L",
            "aaa authorization user eap cached", "aaa accounting eap L", "virtual-template 5",
            "no config-exchange request", "anyconnect profile X", "ivrf V", "shutdown")
    s, out = console(r, "crypto ikev2 profile P", "no description", "no match identity remote any",
                     "no match fvrf", "no identity local", "no authentication remote eap query-identity",
                     "no authentication remote eap timeout 60", "no authentication remote eap",
                     "no authentication remote rsa-sig", "no authentication local", "no keyring", "no lifetime",
                     "no dpd", "no nat keepalive", "no nat force-encap", "no aaa authentication eap",
                     "no aaa authorization group eap", "no aaa authorization user eap", "no aaa accounting eap",
                     "no virtual-template", "default config-exchange request", "no anyconnect profile", "no ivrf",
                     "no shutdown")
    assert not [ln for ln in out if ln.startswith("%") or "must" in ln], out
    assert crypto_lines(r)[-1] == "crypto ikev2 profile P"
    console(r, "no crypto ikev2 profile P", "no crypto ikev2 keyring KR", "no crypto ikev2 name-mangler NM")
    assert crypto_lines(r) == []


def test_no_forms_elsewhere():
    r = configure(fresh(), FULL_CONFIG)
    console(r, "crypto ikev2 proposal PROP", "no encryption aes-cbc-128", "no integrity")
    lines = crypto_lines(r)
    i = lines.index("crypto ikev2 proposal PROP ")
    assert lines[i + 1 : i + 3] == [" encryption aes-cbc-256", " group 14 19"]
    console(r, "crypto ikev2 keyring KR", "peer ANY", "no pre-shared-key local", "no description", "exit",
            "no peer V6")
    lines = crypto_lines(r)
    i = lines.index("crypto ikev2 keyring KR")
    assert lines[i : i + 6] == ["crypto ikev2 keyring KR", " peer ANY", "  address 0.0.0.0 0.0.0.0",
                                "  identity fqdn domain example.com", "  pre-shared-key remote K2", " !"]
    console(r, "crypto ikev2 authorization policy NOACCEPT", "default route accept")
    assert "crypto ikev2 authorization policy NOACCEPT " in crypto_lines(r)
    assert " no route accept" not in crypto_lines(r)
    console(r, "crypto ipsec profile IPSEC", "no set pfs", "no set transform-set", "no responder-only",
            "no set security-association lifetime seconds", "no description")
    lines = crypto_lines(r)
    i = lines.index("crypto ipsec profile IPSEC")
    assert lines[i:] == ["crypto ipsec profile IPSEC", " set security-association lifetime kilobytes disable",
                         " set security-association replay window-size 128", " set security-policy limit 1",
                         " set ikev2-profile RA"]
    console(r, "crypto ikev2 http-url cert", "no crypto ikev2 fragmentation", "no crypto ikev2 window",
            "no crypto ikev2 limit max-sa", "no crypto ikev2 limit max-in-negotation-sa incoming",
            "no crypto ikev2 dpd", "no crypto ikev2 nat keepalive", "no crypto ikev2 cookie-challenge")
    assert not [ln for ln in crypto_lines(r) if ln.startswith(("crypto ikev2 ", "no crypto ikev2 "))
                and ln.split()[2] in ("fragmentation", "window", "limit", "dpd", "nat", "cookie-challenge",
                                      "http-url")]
    console(r, "no crypto ipsec transform-set TS-GCM", "no crypto pki certificate map CMAP",
            "crypto pki trustpoint HUB-TP", "no revocation-check", "no eku request", "no enrollment")
    lines = crypto_lines(r)
    assert not any(ln.startswith(("crypto ipsec transform-set TS-GCM", "crypto pki certificate map"))
                   for ln in lines)
    i = lines.index("crypto pki trustpoint HUB-TP")
    assert lines[i + 1] == " vrf MGMT"
    assert " revocation-check crl none" not in lines


def test_name_mangler_delimiters():
    r = fresh()
    _, out = console(r, "crypto ikev2 name-mangler NM", "eap prefix delimiter \\", "eap suffix delimiter x")
    assert out[-2:] == ["% Invalid input detected at '^' marker.", ""]
    assert crypto_lines(r) == ["crypto ikev2 name-mangler NM", " eap prefix delimiter \\"]


def test_walk_up_and_do_stay_in_sub_mode():
    r = fresh()
    s, out = console(r, "crypto ikev2 keyring KR", "peer P", "crypto ikev2 profile X")
    assert s.prompt == "Router(config-ikev2-profile)#"
    s, out = console(r, "crypto ikev2 keyring KR", "peer P", "do show running-config | include keyring")
    assert s.prompt == "Router(config-ikev2-keyring-peer)#"
    assert out[-1] == "crypto ikev2 keyring KR"

"""RADIUS: packets (RFC known answers, pyrad cross-checks), `debug radius` text against the chapter, the
client's retransmit / fail-over / dead / timeout sequences with a fake clock, hostile replies, server groups
from the running-config, `show aaa servers`."""

from __future__ import annotations

import hashlib
import itertools
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyrad import packet as P

from iosflex.events import Datagram, Log
from iosflex.radius import debug as D
from iosflex.radius.client import RadiusClient, RadiusResult, ServerSpec, reply_pairs
from iosflex.radius.show import show_aaa_servers
from iosflex.radius.dictionary import load
from iosflex.radius.packet import (BadPacket, decode, encode_reply, encode_request, salt_decrypt, salt_encrypt,
                                   unhide_password, verify_reply, verify_request)
from iosflex.radius.servers import group_servers, source_address
from iosflex.radius.show import elapsed
from iosflex.router import Router

# The chapter's values
AUTH = bytes.fromhex("11DDF2163C327A9F266EAADA928D998D")
KEY = b"radius_key"
AUDIT = "audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO3"
AUDIT8 = "audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO8"
PSK_REQUEST = [("User-Name", "router1"), ("User-Password", "cisco"), ("Calling-Station-Id", "172.16.1.1"),
               ("Cisco-AVPair", AUDIT), ("Service-Type", "Outbound"), ("NAS-IP-Address", "172.16.1.2")]


def counting_rng():
    c = itertools.count()
    return lambda n: bytes(next(c) % 256 for _ in range(n))


# ---- known answers -------------------------------------------------------------------------------------

RFC2865_REQ = bytes.fromhex(
    "010000380f403f9473978057bd83d5cb98f4227a01066e656d6f02120dbe708d93d413ce3196e43f782a0aee0406c0a80110"
    "0506000000 03".replace(" ", ""))
RFC2865_ACCEPT = bytes.fromhex("0200002686fe220e7624ba2a1005f6bf9b55e0b20606000000010f06000000000e06c0a80103")


def test_rfc2865_7_1_access_request_and_accept():
    """RFC 2865 §7.1: nemo / arctangent, secret xyzzy5461: our encoding is the RFC's packet, byte for byte,
    and the RFC's Access-Accept verifies against it."""
    data = encode_request(1, 0, b"xyzzy5461", [("User-Name", "nemo"), ("User-Password", "arctangent"),
                                               ("NAS-IP-Address", "192.168.1.16"), ("NAS-Port", 3)],
                          RFC2865_REQ[4:20])
    assert data == RFC2865_REQ
    pkt = decode(data)
    assert unhide_password(pkt.get("User-Password"), b"xyzzy5461", pkt.authenticator) == "arctangent"
    reply = verify_reply(RFC2865_ACCEPT, RFC2865_REQ, b"xyzzy5461")
    assert reply.code == P.AccessAccept
    assert reply.get("Service-Type") == 1 and reply.get("Login-IP-Host") == "192.168.1.3"
    with pytest.raises(BadPacket, match="bad authenticator"):
        verify_reply(RFC2865_ACCEPT, RFC2865_REQ, b"xyzzy5462")


def test_chapter_access_request_is_131_octets_in_order():
    data = encode_request(1, 2, KEY, PSK_REQUEST, AUTH)
    assert len(data) == 131
    pkt = decode(data)
    assert [a.type for a in pkt.attributes] == [1, 2, 31, 26, 6, 4]
    assert pkt.avpairs() == [AUDIT] and pkt.get("NAS-IP-Address") == "172.16.1.2"
    assert pkt.authenticator == AUTH


def _pyrad_acct(secret: bytes, ident: int, attrs) -> bytes:
    p = P.AcctPacket(id=ident, secret=secret, dict=load())
    for name, value in attrs:
        p.AddAttribute(name, value)
    return p.RequestPacket()


def test_accounting_request_authenticator_matches_pyrad():
    attrs = [("Acct-Session-Id", "00000007"), ("Calling-Station-Id", "172.16.1.1"), ("Cisco-AVPair", AUDIT8),
             ("User-Name", "router1.domain1"), ("Acct-Authentic", "Local"), ("Acct-Status-Type", "Start"),
             ("NAS-IP-Address", "172.16.1.2"), ("Acct-Delay-Time", 0)]
    ours = encode_request(4, 9, KEY, attrs)
    assert ours == _pyrad_acct(KEY, 9, attrs)
    p = P.AcctPacket(packet=ours, secret=KEY, dict=load())
    assert p.VerifyAcctRequest()
    assert verify_request(ours, KEY).get("Acct-Status-Type") == 1
    with pytest.raises(BadPacket):
        verify_request(ours, b"other")


def test_message_authenticator_where_placed_and_checked_by_pyrad():
    attrs = [("Service-Type", "Login"), ("User-Name", "p1"), ("EAP-Message", bytes.fromhex("023B0007017031")),
             ("Message-Authenticator", None), ("NAS-IP-Address", "10.104.49.17")]
    data = encode_request(1, 36, KEY, attrs, AUTH)
    pkt = decode(data)
    assert [a.type for a in pkt.attributes] == [6, 1, 79, 80, 4]
    pp = P.AuthPacket(packet=data, secret=KEY, dict=load())
    assert pp.verify_message_authenticator()
    # appended when asked and absent
    data2 = encode_request(1, 36, KEY, attrs[:3], AUTH, message_authenticator=True)
    assert decode(data2).attributes[-1].type == 80
    assert P.AuthPacket(packet=data2, secret=KEY, dict=load()).verify_message_authenticator()
    # accounting: computed with a zero authenticator, then the Request Authenticator over it (RFC 5176 §3.3)
    acct = encode_request(4, 1, KEY, [("Acct-Status-Type", "Start"), ("Acct-Session-Id", "1")],
                          message_authenticator=True)
    pa = P.AcctPacket(packet=acct, secret=KEY, dict=load())
    assert pa.VerifyAcctRequest() and pa.verify_message_authenticator()
    verify_request(acct, KEY)


def test_reply_message_authenticator_accepted_by_pyrad_client_side():
    req = encode_request(1, 7, KEY, [("User-Name", "u"), ("EAP-Message", b"\x02\x01\x00\x05\x01")], AUTH,
                         message_authenticator=True)
    rep = encode_reply(11, 7, KEY, AUTH, [("EAP-Message", b"\x01\x02\x00\x04"), ("State", b"st")],
                       message_authenticator=True)
    preq = P.AuthPacket(packet=req, secret=KEY, dict=load())
    prep = preq.CreateReply(packet=rep)
    assert preq.VerifyReply(prep, rep, enforce_ma=True)
    got = verify_reply(rep, req, KEY)
    assert got.eap_message() == b"\x01\x02\x00\x04" and got.state() == b"st"


def test_tunnel_password_decrypts_pyrad_encryption():
    """RFC 2868 §3.5 salt encryption by pyrad (one and several 16-octet blocks), decrypted by ours."""
    for secret_value in (b"pre_shared_key", b"a-much-longer-pre-shared-key-of-45-octets-xyz"):
        req = P.AuthPacket(id=3, secret=KEY, authenticator=AUTH, dict=load())
        reply = req.CreateReply()
        reply["Tunnel-Password"] = secret_value
        raw = reply.ReplyPacket()
        request = encode_request(1, 3, KEY, [("User-Name", "router1")], AUTH)
        pkt = verify_reply(raw, request, KEY)
        assert pkt.tunnel_password(KEY, AUTH) == secret_value
        try:  # a wrong secret: the length octet points past the value (BadPacket), or garbage
            got = pkt.tunnel_password(b"wrong", AUTH)
        except BadPacket:
            got = None
        assert got != secret_value


def test_our_salt_encryption_decrypts_with_pyrad():
    value = b"x" * 40
    enc = salt_encrypt(value, KEY, AUTH, b"\x01\x02")
    assert enc[0] & 0x80  # RFC 2868: the salt's high bit is set
    p = P.Packet(code=2, id=0, secret=KEY, authenticator=AUTH)
    p.request_authenticator = AUTH
    assert p.SaltDecrypt(enc) == value
    assert salt_decrypt(enc, KEY, AUTH) == value
    with pytest.raises(BadPacket):
        salt_decrypt(enc[:-1], KEY, AUTH)


def test_mppe_keys_decrypt_pyrad_encryption():
    recv, send = bytes(range(32)), bytes(range(32, 64))
    req = P.AuthPacket(id=5, secret=KEY, authenticator=AUTH, dict=load())
    reply = req.CreateReply()
    reply["MS-MPPE-Recv-Key"] = recv
    reply["MS-MPPE-Send-Key"] = send
    raw = reply.ReplyPacket()
    pkt = verify_reply(raw, encode_request(1, 5, KEY, [("User-Name", "u")], AUTH), KEY)
    assert pkt.mppe_keys(KEY, AUTH) == (recv, send)
    # and ours through pyrad
    ours = encode_reply(2, 5, KEY, AUTH, [("MS-MPPE-Send-Key", send), ("MS-MPPE-Recv-Key", recv)],
                        rng=lambda n: b"\x81\x02")
    back = P.AuthPacket(id=5, secret=KEY, authenticator=AUTH, dict=load()).CreateReply(packet=ours)
    back.request_authenticator = AUTH
    assert back["MS-MPPE-Recv-Key"] == [recv] and back["MS-MPPE-Send-Key"] == [send]


def test_reply_tunnel_password_tagged_and_reply_pairs():
    request = encode_request(1, 2, KEY, PSK_REQUEST, AUTH)
    rep = encode_reply(2, 2, KEY, AUTH, [("Cisco-AVPair", "ipsec:route-set=interface"),
                                         ("Tunnel-Password", (1, "pre_shared_key")), ("Service-Type", 5)],
                       message_authenticator=True, rng=lambda n: b"\x12\x34")
    pkt = verify_reply(rep, request, KEY)
    assert pkt.tunnel_password(KEY, AUTH) == b"pre_shared_key"
    spec = ServerSpec("rs", "172.16.1.3", 1645, 1646, KEY)
    pairs = reply_pairs(RadiusResult("t", "accept", pkt, spec, request))
    assert pairs == [("Cisco-AVPair", "ipsec:route-set=interface"), ("Tunnel-Password:1", b"pre_shared_key"),
                     ("Service-Type", 5)]


# ---- decode: hostile input ---------------------------------------------------------------------------------

def test_decode_rejects():
    good = encode_request(1, 2, KEY, PSK_REQUEST, AUTH)
    for data, reason in [
        (good[:19], "truncated"),
        (good[:100], "truncated"),  # Length says 131
        (good[:2] + struct.pack("!H", 19) + good[4:], "bad length"),
        (good[:2] + struct.pack("!H", 5000) + good[4:], "bad length"),
        (good[:20] + b"\x01\x01x", "malformed attribute"),  # attribute length 1
        (good[:20] + b"\x01\x09abc", "malformed attribute"),  # overruns the packet
        (good[:20] + b"\x04\x05\x01\x02\x03", "malformed attribute"),  # an address of 3 octets
        (good[:20] + b"\x50\x06abcd", "malformed attribute"),  # Message-Authenticator of 4 octets
        (good[:20] + b"\x1a\x06\x00\x00\x00\x09", "malformed attribute"),  # Cisco VSA without sub-attribute
        (good[:20] + b"\x1a\x09\x00\x00\x00\x09\x01\x05a", "malformed attribute"),  # sub-attribute overruns
    ]:
        fixed = data
        if reason not in ("truncated", "bad length"):
            fixed = fixed[:2] + struct.pack("!H", len(fixed)) + fixed[4:]
        with pytest.raises(BadPacket) as e:
            decode(fixed)
        assert e.value.reason == reason, (data, reason)
    # padding after Length is ignored (RFC 2865 §3)
    assert decode(good + b"\x00\x00").raw == good


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_decode_random_bytes_only_badpacket(data):
    try:
        decode(data)
    except BadPacket:
        pass


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=300))
def test_decode_random_attributes_only_badpacket(code, ident, body):
    """Random attribute octets behind a consistent header reach the attribute parser."""
    data = struct.pack("!BBH", code, ident, 20 + len(body)) + AUTH + body
    try:
        pkt = decode(data)
    except BadPacket:
        return
    for name in ("User-Name", "Service-Type", "NAS-IP-Address", "Cisco-AVPair", "Framed-IPv6-Prefix"):
        try:
            pkt.get_all(name)
        except BadPacket:
            pass
    pkt.eap_message()
    D.attribute_lines(data)  # the renderer copes with whatever decodes


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120), st.sampled_from([("172.16.1.3", 1645), ("172.16.1.3", 1812), ("10.0.0.1", 1645)]))
def test_client_receive_random_bytes_never_raises(data, src):
    """Whatever arrives on port 1645, with a request in flight under identifier 1: dropped or answered."""
    c = RadiusClient(counting_rng(), lambda f: True)
    (d,) = _dgrams(c.submit(0.0, "t", 1, "auth", [S1], [("User-Name", "u")]))
    data = data[:1] + bytes([d.data[1]]) + data[2:] if len(data) >= 2 else data
    ev = c.receive(data, src, d.src, 1.0)
    assert all(isinstance(e, (Log, RadiusResult)) for e in ev)
    try:
        verify_reply(data, d.data, KEY)
    except BadPacket:
        pass


# ---- debug text against the chapter -----------------------------------------------------------------------

CHAPTER_PSK_SEND = """\
RADIUS(0000000E): Send Access-Request to 172.16.1.3:1645 id 1645/2, len 131
RADIUS:  authenticator 11 DD F2 16 3C 32 7A 9F - 26 6E AA DA 92 8D 99 8D
RADIUS:  User-Name           [1]   9   "router1"
RADIUS:  User-Password       [2]   18  *
RADIUS:  Calling-Station-Id  [31]  12  "172.16.1.1"
RADIUS:  Vendor, Cisco       [26]  60
RADIUS:   Cisco AVpair       [1]   54  "audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO3"
RADIUS:  Service-Type        [6]   6   Outbound                  [5]
RADIUS:  NAS-IP-Address      [4]   6   172.16.1.2
RADIUS(0000000E): Sending a IPv4 Radius Packet
RADIUS(0000000E): Started 5 sec timeout"""

CHAPTER_PSK_ACCEPT = """\
RADIUS: Received from id 1645/2 172.16.1.3:1645, Access-Accept, len 172
RADIUS:  authenticator B0 26 56 33 0F 1D 11 07 - A2 BE 8F 63 DD 71 DB B1
RADIUS:  Vendor, Cisco       [26]  33
RADIUS:   Cisco AVpair       [1]   27  "ipsec:route-set=interface"
RADIUS:  Vendor, Cisco       [26]  30
RADIUS:   Cisco AVpair       [1]   24  "ipsec:route-accept=any"
RADIUS:  Vendor, Cisco       [26]  45
RADIUS:   Cisco AVpair       [1]   39  "ipsec:route-set=prefix 192.168.1.1/24"
RADIUS:  Vendor, Cisco       [26]  44
RADIUS:   Cisco AVpair       [1]   38  "ipsec:tunnel-password=pre_shared_key"
RADIUS(0000000E): Received from id 1645/2"""

CHAPTER_ACCT_START = """\
RADIUS(00000011): Send Accounting-Request to 172.16.1.3:1646 id 1646/9, len 256
RADIUS:  authenticator 6A 7A 8F EA 4E 10 E9 CE - 8C C9 EC A8 C4 70 C7 9F
RADIUS:  Acct-Session-Id     [44]  10  "00000007"
RADIUS:  Calling-Station-Id  [31]  12  "172.16.1.1"
RADIUS:  Vendor, Cisco       [26]  60
RADIUS:   Cisco AVpair       [1]   54  "audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO8"
RADIUS:  Vendor, Cisco       [26]  40
RADIUS:   Cisco AVpair       [1]   34  "isakmp-phase1-id=router1.domain1"
RADIUS:  Vendor, Cisco       [26]  37
RADIUS:   Cisco AVpair       [1]   31  "isakmp-initator-ip=172.16.1.1"
RADIUS:  User-Name           [1]   17  "router1.domain1"
RADIUS:  Vendor, Cisco       [26]  36
RADIUS:   Cisco AVpair       [1]   30  "connect-progress=No Progress"
RADIUS:  Acct-Authentic      [45]  6   Local                     [2]
RADIUS:  Acct-Status-Type    [40]  6   Start                     [1]
RADIUS:  NAS-IP-Address      [4]   6   172.16.1.2
RADIUS:  Acct-Delay-Time     [41]  6   0"""

CHAPTER_ACCT_STOP = """\
RADIUS(00000011): Send Accounting-Request to 172.16.1.3:1646 id 1646/10, len 324
RADIUS:  authenticator 6E 18 B4 4F E0 B5 C0 09 - 9F B9 FC 01 5A D4 69 6F
RADIUS:  Acct-Session-Id     [44]  10  "00000007"
RADIUS:  Calling-Station-Id  [31]  12  "172.16.1.1"
RADIUS:  Vendor, Cisco       [26]  60
RADIUS:   Cisco AVpair       [1]   54  "audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO8"
RADIUS:  Vendor, Cisco       [26]  40
RADIUS:   Cisco AVpair       [1]   34  "isakmp-phase1-id=router1.domain1"
RADIUS:  Vendor, Cisco       [26]  37
RADIUS:   Cisco AVpair       [1]   31  "isakmp-initator-ip=172.16.1.1"
RADIUS:  User-Name           [1]   17  "router1.domain1"
RADIUS:  Acct-Authentic      [45]  6   Local                     [2]
RADIUS:  Vendor, Cisco       [26]  36
RADIUS:   Cisco AVpair       [1]   30  "connect-progress=No Progress"
RADIUS:  Acct-Session-Time   [46]  6   34
RADIUS:  Acct-Input-Octets   [42]  6   13020
RADIUS:  Acct-Output-Octets  [43]  6   17640
RADIUS:  Acct-Input-Packets  [47]  6   105
RADIUS:  Acct-Output-Packets [48]  6   105
RADIUS:  Acct-Terminate-Cause[49]  6   none                      [0]
RADIUS:  Vendor, Cisco       [26]  32
RADIUS:   Cisco AVpair       [1]   26  "disc-cause-ext=No Reason"
RADIUS:  Acct-Status-Type    [40]  6   Stop                      [2]
RADIUS:  NAS-IP-Address      [4]   6   172.16.1.2
RADIUS:  Acct-Delay-Time     [41]  6   0"""


def _with_auth(data: bytes, auth: bytes) -> bytes:
    """The chapter's authenticators come from its lab's secret: put them in place to render."""
    return data[:4] + auth + data[20:]


def test_chapter_psk_access_request_block():
    data = encode_request(1, 2, KEY, PSK_REQUEST, AUTH)
    lines = D.send_block(0xE, data, ("172.16.1.3", 1645), 1645) + D.sending(0xE, "172.16.1.3", 5)
    assert "\n".join(lines) == CHAPTER_PSK_SEND


def test_chapter_psk_access_accept_block():
    reply = encode_reply(2, 2, KEY, AUTH, [
        ("Cisco-AVPair", "ipsec:route-set=interface"), ("Cisco-AVPair", "ipsec:route-accept=any"),
        ("Cisco-AVPair", "ipsec:route-set=prefix 192.168.1.1/24"),
        ("Cisco-AVPair", "ipsec:tunnel-password=pre_shared_key")])
    assert len(reply) == 172
    reply = _with_auth(reply, bytes.fromhex("B02656330F1D1107A2BE8F63DD71DBB1"))
    assert "\n".join(D.received_block(0xE, reply, ("172.16.1.3", 1645), 1645)) == CHAPTER_PSK_ACCEPT


def _acct_attrs(stop: bool):
    a = [("Acct-Session-Id", "00000007"), ("Calling-Station-Id", "172.16.1.1"), ("Cisco-AVPair", AUDIT8),
         ("Cisco-AVPair", "isakmp-phase1-id=router1.domain1"), ("Cisco-AVPair", "isakmp-initator-ip=172.16.1.1"),
         ("User-Name", "router1.domain1")]
    if not stop:
        return a + [("Cisco-AVPair", "connect-progress=No Progress"), ("Acct-Authentic", "Local"),
                    ("Acct-Status-Type", "Start"), ("NAS-IP-Address", "172.16.1.2"), ("Acct-Delay-Time", 0)]
    return a + [("Acct-Authentic", "Local"), ("Cisco-AVPair", "connect-progress=No Progress"),
                ("Acct-Session-Time", 34), ("Acct-Input-Octets", 13020), ("Acct-Output-Octets", 17640),
                ("Acct-Input-Packets", 105), ("Acct-Output-Packets", 105), ("Acct-Terminate-Cause", 0),
                ("Cisco-AVPair", "disc-cause-ext=No Reason"), ("Acct-Status-Type", "Stop"),
                ("NAS-IP-Address", "172.16.1.2"), ("Acct-Delay-Time", 0)]


@pytest.mark.parametrize("stop,ident,auth,expect", [
    (False, 9, "6A7A8FEA4E10E9CE8CC9ECA8C470C79F", CHAPTER_ACCT_START),
    (True, 10, "6E18B44FE0B5C0099FB9FC015AD4696F", CHAPTER_ACCT_STOP),
])
def test_chapter_accounting_blocks(stop, ident, auth, expect):
    data = encode_request(4, ident, KEY, _acct_attrs(stop))
    data = _with_auth(data, bytes.fromhex(auth))
    assert "\n".join(D.send_block(0x11, data, ("172.16.1.3", 1646), 1646)) == expect


def test_chapter_eap_lines():
    """The EAP example (chapter lines 239-262) was edited by hand (DESIGN.md): its User-Name length, its
    Calling-Station-Id length, the length of `isakmp-phase1-id=router1` and its EAP-Message ASCII column do
    not fit their values.  What does fit is
    checked: attribute lines, the Message-Authenticator row from its bytes, the row layout of the EAP-Message
    (the ASCII column shows the real identity `p1`)."""
    attrs = [("Service-Type", "Login"), ("Cisco-AVPair", "service-type=Login"),
             ("Cisco-AVPair", "isakmp-phase1-id=router1"), ("Calling-Station-Id", "172.16.1.2"),
             ("Cisco-AVPair", "audit-session-id=L2L40A683111ZO2L40A6869A2ZH1194E6AZO45"),
             ("User-Name", "p1"), ("EAP-Message", bytes.fromhex("023B0007017031")),
             ("Message-Authenticator", None), ("NAS-IP-Address", "10.104.49.17")]
    data = encode_request(1, 36, KEY, attrs, bytes.fromhex("5A04CCCFDA864CD34EB88AF375475281"))
    lines = D.send_block(0x49, data, ("172.16.1.3", 1812), 1645)
    assert lines[1] == "RADIUS:  authenticator 5A 04 CC CF DA 86 4C D3 - 4E B8 8A F3 75 47 52 81"
    assert lines[2:] == [
        "RADIUS:  Service-Type        [6]   6   Login                     [1]",
        "RADIUS:  Vendor, Cisco       [26]  26",
        'RADIUS:   Cisco AVpair       [1]   20  "service-type=Login"',
        "RADIUS:  Vendor, Cisco       [26]  32",  # the chapter says 28
        'RADIUS:   Cisco AVpair       [1]   26  "isakmp-phase1-id=router1"',  # and 22: a 3-letter id
        'RADIUS:  Calling-Station-Id  [31]  12  "172.16.1.2"',  # the chapter says 16
        "RADIUS:  Vendor, Cisco       [26]  63",
        'RADIUS:   Cisco AVpair       [1]   57  "audit-session-id=L2L40A683111ZO2L40A6869A2ZH1194E6AZO45"',
        'RADIUS:  User-Name           [1]   4   "p1"',
        "RADIUS:  EAP-Message         [79]  9",
        "RADIUS:   02 3B 00 07 01 70 31               [ ;p1]",  # the chapter's has the hand-typed "User1"
        "RADIUS:  Message-Authenticato[80]  18",
        lines[14],  # the HMAC of our key
        "RADIUS:  NAS-IP-Address      [4]   6   10.104.49.17",
    ]
    assert lines[14].startswith("RADIUS:   ") and len(lines) == 16
    assert D.hex_rows(bytes.fromhex("41411E2B3BB94A55F01C040AD4606286")) == [
        "RADIUS:   41 41 1E 2B 3B B9 4A 55 F0 1C 04 0A D4 60 62 86          [ AA+;JU`b]"]
    reply = encode_reply(11, 36, KEY, AUTH, [("Service-Type", "NAS-Prompt"), ("EAP-Message", b"x" * 22)])
    assert D.attribute_lines(reply)[:2] == ["RADIUS:  Service-Type        [6]   6   NAS Prompt                [7]",
                                            "RADIUS:  EAP-Message         [79]  24"]


def test_hex_rows_long_values_and_names():
    rows = D.hex_rows(b"ReauthSession:96" + b"4")
    assert rows == ["RADIUS:   52 65 61 75 74 68 53 65 73 73 69 6F 6E 3A 39 36  [ReauthSession:96]",
                    "RADIUS:   34                 [ 4]"]
    assert D.hex_rows(b"ISE/298775023/8")[0].endswith("38   [ ISE/298775023/8]")
    assert not any(line.endswith(" ") for line in D.attribute_lines(encode_request(
        1, 1, KEY, [("State", b"\x00" * 40), ("Framed-IP-Address", "10.0.0.1"), ("Class", b"CACS:1")], AUTH)))


def test_retry_lines():
    assert D.retransmit("172.16.1.3", 1645, 1646, 1645, 2) == \
        "RADIUS: Retransmit to (172.16.1.3:1645,1646) for id 1645/2"
    assert D.failover("10.99.2.2", 1812, 1813, 1645, 124) == \
        "RADIUS: Fail-over to (10.99.2.2:1812,1813) for id 1645/124"
    assert D.no_response("10.99.1.2", 1812, 1813, 1645, 124) == \
        "RADIUS: No response from (10.99.1.2:1812,1813) for id 1645/124"
    assert D.timed_out(0xE) == "RADIUS(0000000E): Request timed out!"
    assert D.best_local("172.16.1.2", "172.16.1.3") == \
        "RADIUS/ENCODE: Best Local IP-Address 172.16.1.2 for Radius-Server 172.16.1.3"


# ---- the client ----------------------------------------------------------------------------------------

S1 = ServerSpec("radius_server", "172.16.1.3", 1645, 1646, KEY, timeout=5, retransmit=3, deadtime=0,
                source="172.16.1.2")
S2 = ServerSpec("radius2", "172.16.1.4", 1812, 1813, b"key2", timeout=2, retransmit=1, deadtime=0,
                source="172.16.1.2")


def _client(flags=("radius",)):
    flags = set(flags)
    return RadiusClient(counting_rng(), lambda f: f in flags)


def _dgrams(events):
    return [e for e in events if isinstance(e, Datagram)]


def _results(events):
    return [e for e in events if isinstance(e, RadiusResult)]


def _log(events):
    return [ln for e in events if isinstance(e, Log) for ln in e.lines]


def _answer(dgram: Datagram, secret: bytes, code=2, attrs=(), ma=False) -> bytes:
    return encode_reply(code, dgram.data[1], secret, dgram.data[4:20], list(attrs), ma)


def test_identifiers_per_port_start_at_1_and_skip_in_flight():
    c = _client(())
    ids = [_dgrams(c.submit(0, i, 1, "auth", [S1], [("User-Name", "u")]))[0].data[1] for i in range(3)]
    assert ids == [1, 2, 3]
    acct = _dgrams(c.submit(0, "a", 1, "acct", [S1], [("Acct-Status-Type", "Start")]))[0]
    assert acct.data[1] == 1 and acct.src == ("172.16.1.2", 1646) and acct.dst == ("172.16.1.3", 1646)
    # wrap-around skips the identifiers still in flight
    c.next_ident[1645] = 255
    got = [_dgrams(c.submit(0, f"w{i}", 1, "auth", [S1], [("User-Name", "u")]))[0].data[1] for i in range(3)]
    assert got == [255, 0, 4]


def test_accept_path_debug_and_result():
    c = _client()
    ev = c.submit(10.0, "tok", 0xE, "auth", [S1], PSK_REQUEST)
    (d,) = _dgrams(ev)
    assert d.src == ("172.16.1.2", 1645) and d.dst == ("172.16.1.3", 1645) and len(d.data) == 131
    assert _log(ev)[0] == "RADIUS(0000000E): Send Access-Request to 172.16.1.3:1645 id 1645/1, len 131"
    assert _log(ev)[-2:] == ["RADIUS(0000000E): Sending a IPv4 Radius Packet",
                             "RADIUS(0000000E): Started 5 sec timeout"]
    assert c.next_due() == 15.0
    rep = _answer(d, KEY, attrs=[("Cisco-AVPair", "ipsec:route-set=interface")])
    ev = c.receive(rep, ("172.16.1.3", 1645), d.src, 10.25)
    (res,) = _results(ev)
    assert res.status == "accept" and res.token == "tok" and res.server == S1 and res.request == d.data
    assert res.reply.avpairs() == ["ipsec:route-set=interface"]
    log = _log(ev)
    assert log[0] == "RADIUS: Received from id 1645/1 172.16.1.3:1645, Access-Accept, len 53"
    assert log[-1] == "RADIUS(0000000E): Received from id 1645/1"
    assert c.next_due() is None
    st = c.server_stats(S1).auth
    assert (st.request, st.accept, st.success, st.time_ms) == (1, 1, 1, 250)
    # a duplicate of the same reply now has no request: dropped
    assert c.receive(rep, ("172.16.1.3", 1645), d.src, 10.3) == []
    assert c.stats["unknown_id"] == 1 and c.server_stats(S1).auth.unexpected == 1


def test_debug_flags_select_lines():
    c = _client(("radius accounting",))
    assert _log(c.submit(0, 1, 1, "auth", [S1], [("User-Name", "u")])) == []
    assert _log(c.submit(0, 2, 1, "acct", [S1], [("Acct-Status-Type", "Start")]))[0].startswith(
        "RADIUS(00000001): Send Accounting-Request")


def test_retransmit_failover_timeout_sequence():
    c = _client()
    ev = c.submit(0.0, "t", 0xE, "auth", [S1, S2], [("User-Name", "router1"), ("User-Password", "x")])
    first = _dgrams(ev)[0]
    sent = []
    for t in (5.0, 10.0, 15.0):
        assert c.next_due() == t
        ev = c.tick(t)
        (d,) = _dgrams(ev)
        assert d.data == first.data  # same identifier, same bytes
        assert _log(ev) == ["RADIUS(0000000E): Request timed out!",
                            "RADIUS: Retransmit to (172.16.1.3:1645,1646) for id 1645/1",
                            "RADIUS(0000000E): Started 5 sec timeout"]
        sent.append(d)
    assert c.tick(19.9) == []
    ev = c.tick(20.0)
    (d,) = _dgrams(ev)
    assert d.dst == ("172.16.1.4", 1812) and d.data[1] == first.data[1] and d.data != first.data
    assert decode(d.data).authenticator == first.data[4:20]
    assert _log(ev) == [
        "RADIUS(0000000E): Request timed out!",
        "RADIUS: No response from (172.16.1.3:1645,1646) for id 1645/1",
        "%RADIUS-4-RADIUS_DEAD: RADIUS server 172.16.1.3:1645,1646 is not responding.",
        "%RADIUS-4-RADIUS_ALIVE: RADIUS server 172.16.1.3:1645,1646 is being marked alive.",
        "RADIUS: Fail-over to (172.16.1.4:1812,1813) for id 1645/1",
        "RADIUS/ENCODE: Best Local IP-Address 172.16.1.2 for Radius-Server 172.16.1.4",
        "RADIUS(0000000E): Started 2 sec timeout"]
    # the new server's key: a reply signed with the old one is refused
    assert _results(c.receive(_answer(d, KEY), ("172.16.1.4", 1812), d.src, 20.5)) == []
    ev = c.tick(22.0)
    assert len(_dgrams(ev)) == 1 and "Retransmit to (172.16.1.4:1812,1813)" in _log(ev)[1]
    ev = c.tick(24.0)
    (res,) = _results(ev)
    assert res.status == "timeout" and res.reply is None and res.request == d.data
    assert _dgrams(ev) == [] and c.next_due() is None
    s1, s2 = c.server_stats(S1).auth, c.server_stats(S2).auth
    assert (s1.request, s1.timeouts, s1.retransmission, s1.failover, s1.failure) == (4, 4, 3, 1, 1)
    assert (s2.request, s2.timeouts, s2.retransmission, s2.failover, s2.failure) == (2, 2, 1, 0, 1)
    assert c.server_stats(S1).dead_count == 1 and not c.server_stats(S1).dead


def test_dead_server_skipped_until_deadtime_passes():
    a = ServerSpec("a", "10.0.0.1", 1812, 1813, b"k", timeout=1, retransmit=0, deadtime=2, source="10.0.0.9")
    b = ServerSpec("b", "10.0.0.2", 1812, 1813, b"k", timeout=1, retransmit=0, deadtime=2, source="10.0.0.9")
    c = _client(())
    c.submit(0.0, 1, 1, "auth", [a, b], [("User-Name", "u")])
    ev = c.tick(1.0)  # a exhausted: dead for 2 minutes, fail-over to b
    assert _log(ev) == ["%RADIUS-4-RADIUS_DEAD: RADIUS server 10.0.0.1:1812,1813 is not responding."]
    (d,) = _dgrams(ev)
    assert d.dst == ("10.0.0.2", 1812) and c.server_stats(a).dead
    assert _results(c.receive(_answer(d, b"k"), ("10.0.0.2", 1812), d.src, 1.5))[0].status == "accept"
    # a new request skips the dead server
    (d,) = _dgrams(c.submit(5.0, 2, 1, "auth", [a, b], [("User-Name", "u")]))
    assert d.dst == ("10.0.0.2", 1812)
    assert c.next_due() == 6.0
    c.tick(6.0)  # b exhausted too: both dead; the request ends, the next one cannot start
    ev = c.submit(7.0, 3, 1, "auth", [a, b], [("User-Name", "u")])
    assert _dgrams(ev) == [] and _results(ev)[0].status == "timeout" and _results(ev)[0].server is None
    assert c.next_due() == 121.0  # a's deadtime (minutes) ends


def test_deadtime_revival():
    a = ServerSpec("a", "10.0.0.1", 1812, 1813, b"k", timeout=1, retransmit=0, deadtime=2, source="10.0.0.9")
    c = _client(())
    c.submit(0.0, 1, 1, "auth", [a], [("User-Name", "u")])
    res = _results(c.tick(1.0))
    assert res[0].status == "timeout"
    assert c.server_stats(a).dead and c.next_due() == 121.0
    assert _results(c.submit(60.0, 2, 1, "auth", [a], [("User-Name", "u")]))[0].status == "timeout"
    ev = c.tick(121.0)
    assert _log(ev) == ["%RADIUS-4-RADIUS_ALIVE: RADIUS server 10.0.0.1:1812,1813 is being marked alive."]
    st_ = c.server_stats(a)
    assert not st_.dead and st_.dead_total == 120.0 and st_.previous_duration == 120.0
    assert _dgrams(c.submit(122.0, 3, 1, "auth", [a], [("User-Name", "u")]))[0].dst == ("10.0.0.1", 1812)


def test_accounting_retransmission_updates_delay_time():
    c = _client(())
    attrs = [("Acct-Session-Id", "00000007"), ("Acct-Status-Type", "Start"), ("Acct-Delay-Time", 0)]
    (d0,) = _dgrams(c.submit(100.0, "a", 0x11, "acct", [S1], attrs))
    (d1,) = _dgrams(c.tick(105.0))
    p0, p1 = decode(d0.data), decode(d1.data)
    assert p0.ident == p1.ident and p0.get("Acct-Delay-Time") == 0 and p1.get("Acct-Delay-Time") == 5
    assert p0.authenticator != p1.authenticator
    verify_request(d1.data, KEY)
    ev = c.receive(encode_reply(5, p1.ident, KEY, p1.authenticator, []), ("172.16.1.3", 1646), d1.src, 105.1)
    assert _results(ev)[0].status == "response"
    k = c.server_stats(S1).acct
    assert (k.req_start, k.resp_start, k.request, k.retransmission) == (1, 1, 2, 1)


def test_hostile_replies_are_dropped_and_counted():
    c = _client()
    attrs = [("User-Name", "p1"), ("EAP-Message", bytes.fromhex("023B0007017031"))]
    ev = c.submit(0.0, "eap", 0x49, "auth", [S1], attrs)
    (d,) = _dgrams(ev)
    assert decode(d.data).message_authenticator() is not None  # RFC 3579: EAP needs it
    src = ("172.16.1.3", 1645)
    good = _answer(d, KEY, code=11, attrs=[("EAP-Message", b"\x01\x3c\x00\x06\x0d\x20")], ma=True)
    hostile = [
        (_answer(d, b"wrong", code=11, ma=True), src, "bad_authenticator"),
        (_answer(d, KEY, code=11, ma=False), src, "bad_authenticator"),  # BlastRADIUS: no Message-Authenticator
        (good[:2] + bytes([good[2], good[3]]) + bytes(16) + good[20:], src, "bad_authenticator"),
        (good[:1] + bytes([(d.data[1] + 1) % 256]) + good[2:], src, "unknown_id"),
        (good, ("172.16.1.3", 1812), "wrong_source"),
        (good, ("172.16.1.99", 1645), "wrong_source"),
        (good[:30], src, "malformed"),  # truncated
        (good[:20] + b"\x01\x01" + good[22:], src, "malformed"),  # bad attribute length
        (encode_reply(5, d.data[1], KEY, d.data[4:20], []), src, "malformed"),  # not a reply to this request
    ]
    # a wrong Message-Authenticator under a right Response Authenticator
    bad_ma = bytearray(good)
    i = 20
    while bad_ma[i] != 80:
        i += bad_ma[i + 1]
    bad_ma[i + 2] ^= 1
    bad_ma[4:20] = hashlib.md5(bytes(bad_ma[:4]) + d.data[4:20] + bytes(bad_ma[20:]) + KEY).digest()
    hostile.append((bytes(bad_ma), src, "bad_authenticator"))
    for data, frm, why in hostile:
        before = dict(c.stats)
        ev = c.receive(data, frm, d.src, 1.0)
        assert _results(ev) == [], why
        assert c.stats[why] == before[why] + 1, why
        assert c.stats["dropped"] == before["dropped"] + 1
    assert c.stats["bad_authenticator"] == 4 and c.stats["malformed"] == 3
    assert c.server_stats(S1).auth.bad_authenticators == 4 and c.server_stats(S1).auth.malformed == 3
    assert c.next_due() == 5.0  # still in flight
    (res,) = _results(c.receive(good, src, d.src, 2.0))
    assert res.status == "challenge" and res.reply.eap_message() == b"\x01\x3c\x00\x06\x0d\x20"


def test_failed_decrypt_line():
    c = _client()
    (d,) = _dgrams(c.submit(0.0, 1, 1, "auth", [S1], [("User-Name", "u")]))
    ev = c.receive(_answer(d, b"wrong"), ("172.16.1.3", 1645), d.src, 1.0)
    assert _log(ev) == [f"RADIUS: Response ({d.data[1]}) failed decrypt"]


def test_identifier_exhaustion_queues():
    c = _client(())
    sent = [_dgrams(c.submit(0.0, i, 1, "auth", [S1], [("User-Name", "u")]))[0] for i in range(256)]
    assert sorted(d.data[1] for d in sent) == list(range(256))
    assert c.submit(0.0, "late", 1, "auth", [S1], [("User-Name", "u")]) == []
    first = sent[0]
    ev = c.receive(_answer(first, KEY), ("172.16.1.3", 1645), first.src, 0.1)
    assert [r.token for r in _results(ev)] == [0]
    (d,) = _dgrams(ev)
    assert d.data[1] == first.data[1]  # the freed identifier, for the waiting request


def test_cancel_forgets_request():
    c = _client(())
    (d,) = _dgrams(c.submit(0.0, "gone", 1, "auth", [S1], [("User-Name", "u")]))
    c.cancel("gone")
    assert c.next_due() is None
    assert c.receive(_answer(d, KEY), ("172.16.1.3", 1645), d.src, 0.1) == []


# ---- servers from the running-config ---------------------------------------------------------------------

CONFIG = """\
interface Loopback0
 ip address 10.255.0.1 255.255.255.255
interface Ethernet0/0
 ip address 172.16.1.2 255.255.255.0
 no shutdown
interface Ethernet0/1
 ip address 192.168.50.1 255.255.255.0
 no shutdown
aaa new-model
radius-server timeout 7
radius-server deadtime 4
radius server radius_server
 address ipv4 172.16.1.3 auth-port 1645 acct-port 1646
 retransmit 2
 key radius_key
radius server second
 address ipv4 192.168.50.9 auth-port 1812 acct-port 1813
 timeout 3
 key 7 {key7}
radius server noaddress
 key x
aaa group server radius radius_group1
 server name second
 server-private 10.9.9.9 auth-port 1645 acct-port 1646 key private_key
 server name radius_server
 server name missing
 deadtime 9
aaa group server radius sourced
 server name radius_server
 ip radius source-interface Loopback0
"""


@pytest.fixture
def cfg():
    from iosflex.config.secrets import type7_encode

    r = Router(None)
    assert r.apply_config(CONFIG.format(key7=type7_encode("second_key"))) == []
    return r.config


def test_group_radius_is_every_server(cfg):
    specs = group_servers(cfg, "radius")
    assert [s.name for s in specs] == ["radius_server", "second"]
    a, b = specs
    assert (a.address, a.auth_port, a.acct_port, a.key, a.timeout, a.retransmit, a.deadtime) == \
        ("172.16.1.3", 1645, 1646, b"radius_key", 7, 2, 4)
    assert (b.key, b.timeout, b.retransmit) == (b"second_key", 3, 3)
    assert a.source == "172.16.1.2" and b.source == "192.168.50.1"  # the interface whose subnet holds it


def test_named_group_in_typed_order(cfg):
    specs = group_servers(cfg, "radius_group1")
    assert [(s.name, s.address, s.private) for s in specs] == [
        ("second", "192.168.50.9", False), ("10.9.9.9", "10.9.9.9", True), ("radius_server", "172.16.1.3", False)]
    assert specs[1].key == b"private_key" and specs[1].timeout == 7 and specs[1].retransmit == 3
    assert all(s.deadtime == 9 for s in specs)
    assert specs[1].source == "10.255.0.1"  # no subnet holds 10.9.9.9: the first interface address
    assert group_servers(cfg, "nosuch") == []


def test_source_interface(cfg):
    assert [s.source for s in group_servers(cfg, "sourced")] == ["10.255.0.1"]
    assert source_address(cfg, "sourced", "172.16.1.3") == "10.255.0.1"
    assert source_address(cfg, None, "172.16.1.3") == "172.16.1.2"
    cfg.radius_globals.source_interface = "Ethernet0/1 vrf X"
    assert source_address(cfg, None, "172.16.1.3") == "192.168.50.1"
    assert source_address(cfg, "sourced", "172.16.1.3") == "10.255.0.1"  # the group's wins


def test_ios_defaults():
    r = Router(None)
    r.apply_config("radius server a\n address ipv4 10.0.0.1\n key k\n")
    (s,) = group_servers(r.config, "radius")
    assert (s.auth_port, s.acct_port, s.timeout, s.retransmit, s.deadtime) == (1812, 1813, 5, 3, 0)


# ---- show aaa servers ------------------------------------------------------------------------------------

def test_elapsed_format():
    assert [elapsed(x) for x in (0, 59, 57 * 60, 129 * 60, (3 * 7 * 24 * 60 + 4 * 24 * 60 + 99) * 60)] == \
        ["0m", "0m", "57m", "2h9m", "3w4d1h39m"]


def test_show_aaa_servers(cfg):
    c = _client(())
    spec = group_servers(cfg, "radius")[0]
    (d,) = _dgrams(c.submit(0.0, 1, 0xE, "author", [spec], PSK_REQUEST))
    c.receive(_answer(d, KEY), ("172.16.1.3", 1645), d.src, 0.04)
    c.submit(1.0, 2, 0x11, "acct", [spec], [("Acct-Status-Type", "Start")])
    c.tick(8.0)  # one retransmission (timeout 7)
    lines = show_aaa_servers(c, cfg, now=200.0)
    text = "\n".join(lines)
    assert lines[0] == "" and lines[1] == ("RADIUS: id 1, priority 1, host 172.16.1.3, auth-port 1645, "
                                           "acct-port 1646, hostname radius_server")
    assert "     State: current UP, duration 200s, previous duration 0s" in lines
    assert "     Author: request 1, timeouts 0, failover 0, retransmission 0" in lines
    assert "             Response: unexpected 0, server error 0, incorrect 0, time 40ms" in lines
    assert "     Account: request 2, timeouts 1, failover 0, retransmission 1" in lines
    assert "             Request: start 1, interim 0, stop 0" in lines
    assert "     Estimated Outstanding Accounting Transactions: 1" in lines
    assert "     Elapsed time since counters last cleared: 3m" in lines
    assert "RADIUS: id 3, priority 3, host 10.9.9.9, auth-port 1645, acct-port 1646" in lines
    assert not any(line.endswith(" ") for line in lines)
    from genie.libs.parser.iosxe import show_aaa as genie  # a test dependency: missing, the test fails
    parsed = genie.ShowAAServers(device=None).cli(output=text)
    srv = parsed["radius_server"]["172.16.1.3"]
    assert srv["hostname"] == "radius_server" and srv["aaatype"]["author"]["request"] == 1
    assert srv["account"]["retransmission"] == 1 and set(parsed["radius_server"]) == {
        "172.16.1.3", "192.168.50.9", "10.9.9.9"}

"""Authorization attributes (iosflex/aaa/attrs.py, avpairs.py): every attribute of the chapter's "RADIUS
Attributes Supported by the FlexVPN Server" from a RADIUS reply and from the local authorization policy gives the
same Attrs; malformed or unknown pairs are skipped and reported; CFG_REPLY bytes; the AAA-PSK cached-attributes
debug line."""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest

from iosflex.aaa import attrs as A
from iosflex.aaa.avpairs import AvPair, AvPairError, parse, try_parse
from iosflex.router import Router

BASE = """
aaa new-model
ip access-list standard SPLIT
 permit 10.10.0.0 0.0.255.255
 permit host 10.20.0.1
 deny any
interface Loopback0
 ip address 10.255.0.1 255.255.255.255
"""


@pytest.fixture(scope="module")
def router():
    r = Router(None)
    assert r.apply_config(BASE) == []
    return r


def local(router, *lines: str, extra: str = "") -> A.Attrs:
    """The Attrs of a fresh authorization policy T with these commands."""
    text = extra + "crypto ikev2 authorization policy T\n" + "".join(f" {ln}\n" for ln in lines)
    assert router.apply_config(text) == []
    try:
        return A.policy_attrs(router.config, router.config.ikev2_author_policy.items["T"])
    finally:
        router.config.ikev2_author_policy.items.pop("T")


def av(*texts: str) -> list[tuple[str, str]]:
    return [("Cisco-AVPair", t) for t in texts]


# ---- AV pairs -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expect", [
    ("ipsec:route-set=prefix 10.0.0.0/8", AvPair("ipsec", "route-set", "prefix 10.0.0.0/8")),
    ("ip:interface-config=tunnel key 1", AvPair("ip", "interface-config", "tunnel key 1")),
    ("ipsec:dns-servers=10.0.0.1 10.0.0.2", AvPair("ipsec", "dns-servers", "10.0.0.1 10.0.0.2")),
    ("audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO3",
     AvPair(None, "audit-session-id", "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO3")),
    ("ipsec:banner*Welcome", AvPair("ipsec", "banner", "Welcome", mandatory=False)),
    ("ip:interface-config#2=ip mtu 1400", AvPair("ip", "interface-config", "ip mtu 1400", index=2)),
    ("ipsec:addrv6=2001:db8::1", AvPair("ipsec", "addrv6", "2001:db8::1")),  # ':' and '=' in the value
    ("ipsec:banner=a=b*c", AvPair("ipsec", "banner", "a=b*c")),
    ("ipsec:pfs=", AvPair("ipsec", "pfs", "")),
])
def test_avpair_parse_and_format(text, expect):
    assert parse(text) == expect
    assert parse(text.encode()) == expect
    assert expect.format() == text and parse(expect.format()) == expect


def test_avpair_key_and_trimming():
    p = parse(b"IPSEC:Route-Set = interface \x00")
    assert (p.protocol, p.name, p.value, p.key) == ("IPSEC", "Route-Set", "interface", "ipsec:route-set")


@pytest.mark.parametrize("bad", ["no separator", "=value", "ipsec:=x", ":x=1", "ipsec:route set=x", "ip:a#b=1",
                                 "ip:a#=1", b"\xff\xfe=1", "ips ec:x=1"])
def test_avpair_malformed(bad):
    with pytest.raises(AvPairError):
        parse(bad)
    assert try_parse(bad) is None


# ---- every chapter attribute: RADIUS == local policy -----------------------------------------------------------------

SAME = [
    # (RADIUS reply attributes, authorization-policy commands)
    ([("Framed-Pool", "POOL1")], ["pool POOL1"]),
    (av("ipsec:group-dhcp-server=10.0.0.9"), ["dhcp server 10.0.0.9"]),
    (av("ipsec:group-dhcp-server=dhcp.example.com"), ["dhcp server dhcp.example.com"]),
    (av("ipsec:dhcp-giaddr=10.0.0.1"), ["dhcp giaddr 10.0.0.1"]),
    (av("ipsec:dhcp-timeout=10"), ["dhcp timeout 10"]),
    (av("ipsec:ipv6-addr-pool=V6POOL"), ["ipv6 pool V6POOL"]),
    (av("ipsec:route-set=local ipv4 10.9.0.0 255.255.0.0 172.16.1.1 tag:5 distance:7"),
     ["route set local ipv4 10.9.0.0 255.255.0.0 next-hop 172.16.1.1 tag 5 distance 7"]),
    (av("ipsec:route-set=local ipv4 10.8.0.0 255.255.0.0 next-hop 172.16.1.1"),
     ["route set local ipv4 10.8.0.0 255.255.0.0 next-hop 172.16.1.1"]),
    (av("ipsec:route-set=local ipv6 2001:DB8:9::/48 tag:3"), ["route set local ipv6 2001:db8:9::/48 tag 3"]),
    (av("ipsec:route-set=local ipv6 2001:db8:7::/48 next-hop FE80::1"),
     ["route set local ipv6 2001:db8:7::/48 next-hop fe80::1"]),
    (av("ipsec:route-accept=any tag:10 distance:20"), ["route accept any tag 10 distance 20"]),
    (av("ipsec:route-accept=any tag:10"), ["route accept any tag 10"]),
    (av("ip:interface-config=ip mtu 1400", "ip:interface-config=tunnel key 1"),
     ["aaa attribute list AL"]),  # the list is defined in `extra` below
    (av("ipsec:ipsec-flow-limit=5"), ["ipsec flow-limit 5"]),
    ([("Framed-IP-Netmask", "255.255.255.0")], ["netmask 255.255.255.0"]),
    (av("ipsec:route-set=interface"), ["route set interface"]),
    (av("ipsec:route-set=interface lo0"), ["route set interface Loopback0"]),
    (av("ipsec:route-set=prefix 192.168.1.0/24"), ["route set remote ipv4 192.168.1.0 255.255.255.0"]),
    (av("ipsec:route-set=remote ipv4 192.168.2.0 255.255.255.0"), ["route set remote ipv4 192.168.2.0 255.255.255.0"]),
    (av("ipsec:route-set=remote ipv6 2001:DB8:1::/48"), ["route set remote ipv6 2001:db8:1::/48"]),
    (av("ipsec:dns-servers=10.0.0.53 10.0.0.54"), ["dns 10.0.0.53 10.0.0.54"]),
    (av("ipsec:wins-servers=10.0.0.55"), ["wins 10.0.0.55"]),
    (av("ipsec:route-set=access-list SPLIT"), ["route set access-list SPLIT"]),
    (av("ipsec:route-set=access-list ipv6 SPLIT6"), ["route set access-list ipv6 SPLIT6"]),
    (av("ipsec:prefix-len=64"), ["ipv6 prefix 64"]),
    (av("ipsec:ipv6-dns-servers-addr=2001:db8::53 2001:db8::54"), ["ipv6 dns 2001:DB8::53 2001:db8::54"]),
    (av("ipsec:banner=Welcome to the VPN"), ["banner Welcome to the VPN"]),
    (av("ipsec:default-domain=example.com"), ["def-domain example.com"]),
    (av("ipsec:split-dns=a.example.com", "ipsec:split-dns=b.example.com"),
     ["split-dns a.example.com", "split-dns b.example.com"]),
    (av("ipsec:ipsec-backup-gateway=gw2.example.com"), ["backup-gateway gw2.example.com"]),
    (av("ipsec:pfs=1"), ["pfs"]),
    (av("ipsec:include-local-lan=true"), ["include-local-lan"]),
    (av("ipsec:smartcard-removal-disconnect=1"), ["smartcard-removal-disconnect"]),
    (av("ipsec:configuration-url=http://10.0.0.1/client.cfg"), ["configuration url http://10.0.0.1/client.cfg"]),
    (av("ipsec:configuration-version=7"), ["configuration version 7"]),
]
ATTR_LIST = 'aaa attribute list AL\n attribute type interface-config "ip mtu 1400"\n' \
            ' attribute type interface-config "tunnel key 1"\n'


@pytest.mark.parametrize("pairs,lines", SAME, ids=[ln[0] for _, ln in SAME])
def test_radius_and_local_policy_give_the_same_attrs(router, pairs, lines):
    from_radius = A.attrs_from_radius(pairs, router.config)
    from_policy = local(router, *lines, extra=ATTR_LIST)
    assert from_radius.ignored == [] and from_policy.ignored == []
    assert from_radius != A.Attrs()
    assert from_radius == from_policy


def test_every_chapter_av_pair_has_a_handler():
    chapter = {"tunnel-password", "ikev2-password-local", "ikev2-password-remote", "group-dhcp-server", "dhcp-giaddr",
               "dhcp-timeout", "ipv6-addr-pool", "route-set", "route-accept", "interface-config", "ipsec-flow-limit",
               "dns-servers", "wins-servers", "addrv6", "prefix-len", "ipv6-dns-servers-addr", "banner",
               "default-domain", "split-dns", "ipsec-backup-gateway", "pfs", "include-local-lan",
               "smartcard-removal-disconnect", "configuration-url", "configuration-version"}
    assert chapter <= set(A.AV_HANDLERS)
    assert {"framed-ip-address", "framed-ip-netmask", "framed-pool", "tunnel-password"} <= set(A.IETF_HANDLERS)


def test_radius_only_attributes(router):
    a = A.attrs_from_radius([("Tunnel-Password", b"pre_shared_key")], router.config)
    assert a.psk == b"pre_shared_key"
    assert A.attrs_from_radius(av("ipsec:tunnel-password=pre_shared_key")) == a
    assert A.attrs_from_radius([("Tunnel-Password:0", "pre_shared_key")]) == a  # pyrad tagged name, str value
    a = A.attrs_from_radius(av("ipsec:ikev2-password-local=mine", "ipsec:ikev2-password-remote=yours"))
    assert (a.psk, a.psk_local, a.psk_remote) == (None, b"mine", b"yours")
    a = A.attrs_from_radius([("Framed-IP-Address", "10.0.0.7"), ("Framed-IP-Address", "255.255.255.254")])
    assert a.address == "10.0.0.7" and len(a.ignored) == 1  # "the NAS chooses" is not an address
    a = A.attrs_from_radius(av("ipsec:addrv6=2001:DB8::5", "ipsec:prefix-len=64"))
    assert (a.address6, a.prefix_len6) == ("2001:db8::5", 64)
    assert A.attrs_from_radius([("Framed-IPv6-Prefix", "2001:db8::5/64")]) == a
    # list values (pyrad packet[name]) and ipaddress objects
    a = A.attrs_from_radius([("Framed-IP-Address", [ipaddress.IPv4Address("10.0.0.8")]),
                             ("Cisco-AVPair", ["ip:interface-config=ip mtu 1300", b"ip:interface-config=tunnel key 5"])])
    assert a.address == "10.0.0.8" and a.interface_config == ["ip mtu 1300", "tunnel key 5"]


def test_interface_config_accumulates_in_order_and_dns_servers_accumulate():
    a = A.attrs_from_radius(av("ip:interface-config#1=tunnel key 1", "ipsec:dns-servers=10.0.0.1",
                               "ip:interface-config#2=ip mtu 1000", "ipsec:dns-servers=10.0.0.2 10.0.0.1",
                               "ip:interface-config#3=ip mtu 1000"))
    assert a.interface_config == ["tunnel key 1", "ip mtu 1000", "ip mtu 1000"]
    assert a.dns == ["10.0.0.1", "10.0.0.2"]


def test_attribute_list_entries_are_av_pairs(router):
    extra = ('aaa attribute list AL2\n attribute type dns-servers "10.1.1.1 10.1.1.2"\n'
             ' attribute type route-set "prefix 10.50.0.0/16"\n attribute type no-such-attr x\n')
    a = local(router, "aaa attribute list AL2", "dns 10.9.9.9", extra=extra)
    assert a.dns == ["10.9.9.9"]  # the policy's own command wins over the list
    assert a.subnets == [("10.50.0.0", "255.255.0.0")]
    assert a.ignored == ["no-such-attr=x (unsupported attribute)"]


# ---- malformed and unknown attributes --------------------------------------------------------------------------------

def test_malformed_and_unknown_pairs_are_skipped_and_reported(router):
    bad = [("Cisco-AVPair", "garbage"), ("Cisco-AVPair", b"\xff\xfe=1"), ("Cisco-AVPair", "ipsec:dns-servers=10.0.0.300"),
           ("Cisco-AVPair", "ipsec:no-such-thing=1"), ("Cisco-AVPair", "ipsec:route-set=bogus 1"),
           ("Cisco-AVPair", "ipsec:route-set=prefix 10.0.0.0"), ("Cisco-AVPair", "ipsec:route-accept=some"),
           ("Cisco-AVPair", "ipsec:route-accept=any tag:0"), ("Cisco-AVPair", "ipsec:prefix-len=200"),
           ("Cisco-AVPair", "ipsec:pfs=maybe"), ("Cisco-AVPair", "ipsec:route-set=interface NoSuchIf1"),
           ("Cisco-AVPair", "ipsec:route-set=remote ipv4 10.0.0.0 255.0.255.0"),
           ("Cisco-AVPair", "ipsec:route-set=local ipv4 10.0.0.0 255.0.0.0 tag:x"),
           ("Cisco-AVPair", "ipsec:ipsec-flow-limit=-1"), ("Cisco-AVPair", "ipsec:banner="),
           ("Cisco-AVPair", "audit-session-id=abc"), ("Framed-IP-Address", "not-an-ip"),
           ("Framed-IP-Netmask", "255.0.255.0"), ("Class", b"\x01\x02"), (26, b"\x00\x00")]
    good = [("Framed-Pool", "POOL1"), ("Cisco-AVPair", "ipsec:dns-servers=10.0.0.53")]
    a = A.attrs_from_radius(bad[:10] + good[:1] + bad[10:] + good[1:], router.config)
    assert a.pool == "POOL1" and a.dns == ["10.0.0.53"]
    assert len(a.ignored) == len(bad) and all(isinstance(x, str) for x in a.ignored)
    assert a.ignored[0].startswith("Cisco-AVPair 'garbage' (malformed AV pair")
    assert "ipsec:no-such-thing=1 (unsupported attribute)" in a.ignored
    assert dataclasses.replace(a, ignored=[]) == A.Attrs(pool="POOL1", dns=["10.0.0.53"])


# ---- the chapter's AAA-PSK reply -------------------------------------------------------------------------------------

CHAPTER_REPLY = av("ipsec:route-set=interface", "ipsec:route-accept=any", "ipsec:route-set=prefix 192.168.1.1/24",
                   "ipsec:tunnel-password=pre_shared_key")


def test_chapter_aaa_psk_reply_and_cached_attributes_line(router):
    a = A.attrs_from_radius(CHAPTER_REPLY, router.config)
    assert a.ignored == []
    assert a.psk == b"pre_shared_key" and a.route_set_interface and a.route_accept
    assert a.subnets == [("192.168.1.1", "255.255.255.0")]
    assert A.cached_attributes_text(a) == "route-set-interface: 1, route-accept any tag:1 distance:1,"


def test_cached_attributes_text_other_cases():
    assert A.cached_attributes_text(A.Attrs()) == ""
    assert A.cached_attributes_text(A.Attrs(psk=b"k", subnets=[("10.0.0.0", "255.0.0.0")])) == ""
    assert A.cached_attributes_text(A.Attrs(route_accept=True, route_accept_tag=20)) == \
        "route-accept any tag:20 distance:1,"
    assert A.cached_attributes_text(A.Attrs(route_set_interface=True, route_accept=False)) == "route-set-interface: 1,"


# ---- CFG_REPLY ---------------------------------------------------------------------------------------------------------

def ip4(a):
    return ipaddress.IPv4Address(a).packed


def ip6(a):
    return ipaddress.IPv6Address(a).packed


def test_cfg_reply_ipv4():
    a = A.Attrs(address="10.0.0.7", netmask="255.255.255.0", dns=["10.0.0.53", "10.0.0.54"], wins=["10.0.0.55"],
                subnets=[("192.168.1.1", "255.255.255.0")])
    reply = A.cfg_reply_attributes(a, [1, 2, 3, 4])
    assert reply == [(1, ip4("10.0.0.7")), (2, ip4("255.255.255.0")), (3, ip4("10.0.0.53")), (3, ip4("10.0.0.54")),
                     (4, ip4("10.0.0.55")), (13, ip4("192.168.1.1") + ip4("255.255.255.0"))]
    assert A.cfg_reply_attributes(a, []) == [(13, ip4("192.168.1.1") + ip4("255.255.255.0"))]


def test_cfg_reply_ipv6():
    a = A.attrs_from_radius(av("ipsec:addrv6=2001:db8::5", "ipsec:prefix-len=64",
                               "ipsec:ipv6-dns-servers-addr=2001:db8::53", "ipsec:route-set=remote ipv6 2001:db8:1::/48"))
    reply = A.cfg_reply_attributes(a, [A.INTERNAL_IP6_ADDRESS, A.INTERNAL_IP6_DNS])
    assert reply == [(8, ip6("2001:db8::5") + bytes([64])), (10, ip6("2001:db8::53")),
                     (15, ip6("2001:db8:1::") + bytes([48]))]
    assert all(len(v) == n for (_, v), n in zip(reply, (17, 16, 17)))
    # no prefix length given: a host address
    assert A.cfg_reply_attributes(A.Attrs(address6="2001:db8::9"), [8]) == [(8, ip6("2001:db8::9") + bytes([128]))]
    assert A.cfg_reply_attributes(a, []) == [(15, ip6("2001:db8:1::") + bytes([48]))]


def test_cfg_reply_unity(router):
    a = local(router, "banner Welcome", "def-domain example.com", "split-dns a.example.com", "split-dns b.example.com",
              "backup-gateway gw2", "backup-gateway gw3", "pfs", "include-local-lan", "smartcard-removal-disconnect",
              "configuration url http://10.0.0.1/c.cfg", "configuration version 7")
    unity = [A.UNITY_BANNER, A.UNITY_DEF_DOMAIN, A.UNITY_SPLITDNS_NAME, A.UNITY_BACKUP_SERVERS, A.UNITY_PFS,
             A.UNITY_LOCAL_LAN, A.UNITY_SMARTCARD_REMOVAL_DISCONNECT, A.UNITY_CONFIG_URL, A.UNITY_CONFIG_VERSION]
    assert A.cfg_reply_attributes(a, unity) == [
        (28672, b"Welcome"), (28674, b"example.com"), (28675, b"a.example.com,b.example.com"), (28681, b"gw2"),
        (28681, b"gw3"), (28679, b"\x00\x01"), (28678, b""), (28683, b"\x00\x01"),
        (28684, b"http://10.0.0.1/c.cfg"), (28685, b"\x00\x07")]
    assert A.cfg_reply_attributes(a, [1, 3]) == []  # the unity attributes only on request


# ---- merging ------------------------------------------------------------------------------------------------------------

def test_merge_tuples_cover_every_field():
    groups = [A._MERGE_SCALARS, A._MERGE_LISTS, A._MERGE_ACCUMULATE, A._MERGE_APPEND]
    named = [f for g in groups for f in g]
    assert len(named) == len(set(named))
    assert set(named) | {"ignored"} == {f.name for f in dataclasses.fields(A.Attrs)}


def test_merge_attribute_by_attribute(router):
    group = local(router, "pool POOL1", "dns 10.0.0.53", "route set remote ipv4 10.1.0.0 255.255.0.0",
                  "route set local ipv4 10.9.0.0 255.255.0.0", "aaa attribute list AL", extra=ATTR_LIST)
    user = A.attrs_from_radius(av("ipsec:dns-servers=10.0.0.99", "ipsec:route-set=prefix 10.2.0.0/16",
                                  "ipsec:route-set=local ipv4 10.9.0.0 255.255.0.0", "ip:interface-config=ip mtu 1000",
                                  "ipsec:ikev2-password-remote=k"))
    res = A.AuthzResult()
    A.merge_attrs(res, group)
    A.merge_attrs(res, user)
    assert res.pool == "POOL1" and res.dns == ["10.0.0.99"] and res.psk_remote == b"k"
    assert res.subnets == [("10.1.0.0", "255.255.0.0"), ("10.2.0.0", "255.255.0.0")]
    assert res.local_routes == [A.LocalRoute("10.9.0.0/16")]
    assert res.interface_config == ["ip mtu 1400", "tunnel key 1", "ip mtu 1000"]


# ---- configuration: no forms, replacement, round trip -------------------------------------------------------------------

def test_author_policy_no_forms_and_route_set_local_replacement():
    r = Router(None)
    s = r.session(privileged=True, length=0)
    s.run("configure terminal")
    for line in ["crypto ikev2 authorization policy P", "dhcp server 10.0.0.9", "dhcp timeout 9",
                 "ipv6 pool V6", "ipv6 dns 2001:db8::53", "ipv6 prefix 64", "configuration url http://x/c",
                 "configuration version 3", "smartcard-removal-disconnect",
                 "route set local ipv4 10.0.0.0 255.0.0.0 tag 4", "route set local ipv6 2001:db8::/32",
                 "route set local ipv4 10.0.0.0 255.0.0.0 distance 9"]:
        assert s.run(line) == [], line
    pol = r.config.ikev2_author_policy.items["P"]
    assert [x.text() for x in pol.route_set_local] == ["ipv4 10.0.0.0 255.0.0.0 distance 9", "ipv6 2001:db8::/32"]
    for line in ["no dhcp server", "default dhcp timeout", "no ipv6 pool", "no ipv6 dns", "no ipv6 prefix 64",
                 "no configuration url", "no configuration version", "no smartcard-removal-disconnect",
                 "no route set local ipv4 10.0.0.0 255.0.0.0", "no route set local ipv6 2001:db8::/32"]:
        assert s.run(line) == [], line
    assert r.config.ikev2_author_policy.items["P"].lines() == ["crypto ikev2 authorization policy P "]

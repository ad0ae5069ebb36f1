"""Policy selection (proposals, profiles, keys, child SAs) and authorization (merge, pool) read from the
running-config: iosflex/crypto/policy.py and iosflex/crypto/authorization.py."""

import ipaddress

import pytest

from iosflex.aaa import authorization as authz
from iosflex.crypto import policy
from iosflex.crypto.policy import Proposal
from iosflex.crypto.state import Identity
from iosflex.router import Router


def router(text=""):
    r = Router(None)
    rejected = r.apply_config(text)
    assert not rejected, [(x.line, x.error) for x in rejected]
    return r


def fqdn(name):
    return Identity(2, name.encode())


def addr_id(a):
    return Identity(1, ipaddress.IPv4Address(a).packed)


# strongSwan's default IKE proposal (aes128/192/256, sha256/384/512, x25519 ecp256 ... modp)
STRONGSWAN = Proposal(encr=[(12, 128), (12, 192), (12, 256)], prf=[5, 6, 7], integ=[12, 13, 14],
                      dh=[31, 19, 20, 21, 14, 15, 16], num=1)


# ---- IKE proposals -------------------------------------------------------------------------------------------

def test_smart_default_proposal():
    cfg = router().config
    assert policy.ike_policy(cfg, "172.16.1.2").name == "default"
    (p,) = policy.ike_proposals(cfg, "172.16.1.2")
    assert p.encr == [(12, 256)] and p.integ == [14, 13] and p.prf == [7, 6] and p.dh == [19, 14, 21, 5]


def test_select_uses_our_order_and_the_ke_group():
    ours = policy.ike_proposals(router().config, "172.16.1.2")
    c = policy.select_ike_proposal([STRONGSWAN], ours, ke_group=19)
    assert (c.encr, c.prf, c.integ, c.dh) == ((12, 256), 7, 14, 19)
    # KEi in x25519, which we do not accept: answer asks for our first common group (INVALID_KE_PAYLOAD)
    c = policy.select_ike_proposal([STRONGSWAN], ours, ke_group=31)
    assert c.dh == 19
    # nothing in common
    assert policy.select_ike_proposal([Proposal(encr=[(3, None)], prf=[2], integ=[2], dh=[2])], ours, 2) is None


def test_user_policy_and_gcm_proposal():
    cfg = router("""
crypto ikev2 proposal GCM
 encryption aes-gcm-256
 prf sha384
 group 20
crypto ikev2 proposal CBC
 encryption aes-cbc-128
 integrity sha1
 group 14
crypto ikev2 policy LOCAL
 match address local 192.0.2.1
 proposal GCM
 proposal CBC
""").config
    assert policy.ike_policy(cfg, "192.0.2.1").name == "LOCAL"
    assert policy.ike_policy(cfg, "172.16.1.2").name == "default"
    ours = policy.ike_proposals(cfg, "192.0.2.1")
    assert [p.name for p in ours] == ["GCM", "CBC"]
    gcm = Proposal(encr=[(20, 256)], prf=[6], integ=[], dh=[20])
    c = policy.select_ike_proposal([STRONGSWAN, gcm], ours, ke_group=20)
    assert (c.encr, c.prf, c.integ, c.dh, c.proposal) == ((20, 256), 6, None, 20, "GCM")
    # our first proposal is preferred even when the initiator lists another one first
    cbc = Proposal(encr=[(12, 128)], prf=[2], integ=[2], dh=[14], num=1)
    gcm.num = 2
    c = policy.select_ike_proposal([cbc, gcm], ours, ke_group=14)
    assert c.num == 2 and c.encr == (20, 256) and c.dh == 20


def test_policy_fvrf():
    cfg = router("""
crypto ikev2 proposal P
 encryption aes-cbc-128
 integrity sha1
 group 14
crypto ikev2 policy V
 match fvrf any
 proposal P
""").config
    # a user policy with `match fvrf any` wins over the smart default for any VRF
    assert policy.ike_policy(cfg, "10.0.0.1", "INTERNET").name == "V"
    assert policy.ike_policy(cfg, "10.0.0.1").name == "V"


# ---- profiles --------------------------------------------------------------------------------------------------

PROFILES = """
crypto pki certificate map CMAP 10
 subject-name co ou = vpn
crypto ikev2 keyring KR
 peer ALL
  address 0.0.0.0 0.0.0.0
  pre-shared-key ALLKEY
 peer NET
  address 10.1.0.0 255.255.0.0
  pre-shared-key local NETLOCAL
  pre-shared-key remote NETREMOTE
 peer ROUTER1
  identity fqdn router1.domain1
  pre-shared-key R1KEY
crypto ikev2 profile ANY
 match identity remote any
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
crypto ikev2 profile DOMAIN
 match identity remote fqdn domain domain1
 authentication remote pre-share key REMOTEKEY
 authentication local pre-share key LOCALKEY
 dpd 60 3 periodic
 lifetime 3600
crypto ikev2 profile EXACT
 match identity remote fqdn router2.domain1
 match identity remote email admin@example.com
 authentication remote pre-share
 authentication local pre-share
crypto ikev2 profile CERT
 match certificate CMAP
 authentication remote rsa-sig
 authentication local rsa-sig
 identity local fqdn hub.example.com
crypto ikev2 profile VRF
 match fvrf INTERNET
 match identity remote fqdn domain domain1
 authentication remote pre-share
 authentication local pre-share
crypto ikev2 profile INCOMPLETE
 match identity remote fqdn router3.domain1
"""


def test_profile_selection_specificity():
    cfg = router(PROFILES).config
    assert policy.select_profile(cfg, fqdn("router1.domain1"), "172.16.1.2").name == "DOMAIN"
    assert policy.select_profile(cfg, fqdn("router2.domain1"), "172.16.1.2").name == "EXACT"
    assert policy.select_profile(cfg, Identity(3, b"admin@example.com"), "172.16.1.2").name == "EXACT"
    assert policy.select_profile(cfg, fqdn("other.example"), "172.16.1.2").name == "ANY"
    # incomplete profiles are never chosen
    assert policy.select_profile(cfg, fqdn("router3.domain1"), "172.16.1.2").name == "DOMAIN"
    # match fvrf: the VRF profile only in its VRF, and there the domain match plus the fvrf wins
    assert policy.select_profile(cfg, fqdn("router1.domain1"), "172.16.1.2", "INTERNET").name == "VRF"


def test_profile_certificate_map_ored_with_identity():
    cfg = router(PROFILES).config
    cert = {"subject-name": "cn=spoke1,ou=vpn,o=example", "issuer-name": "cn=root"}
    assert policy.select_profile(cfg, Identity(9, b"x"), "172.16.1.2", cert=cert).name == "CERT"
    assert policy.select_profile(cfg, Identity(9, b"x"), "172.16.1.2",
                                 cert={"subject-name": "cn=spoke1,ou=lab"}).name == "ANY"


def test_profile_types_anded():
    cfg = router("""
crypto ikev2 profile LOCAL
 match address local 192.0.2.1
 match identity remote any
 authentication remote pre-share key K
 authentication local pre-share key K
""").config
    assert policy.select_profile(cfg, fqdn("a.b"), "192.0.2.1").name == "LOCAL"
    assert policy.select_profile(cfg, fqdn("a.b"), "192.0.2.2") is None


def test_psk_lookup():
    cfg = router(PROFILES).config
    prof = cfg.ikev2_profile.items
    assert policy.psk_for(cfg, prof["DOMAIN"], fqdn("router1.domain1"), "172.16.1.1") == (b"LOCALKEY", b"REMOTEKEY")
    # keyring: identity first, then the longest address match
    assert policy.psk_for(cfg, prof["ANY"], fqdn("router1.domain1"), "10.1.2.3") == (b"R1KEY", b"R1KEY")
    assert policy.psk_for(cfg, prof["ANY"], fqdn("x.y"), "10.1.2.3") == (b"NETLOCAL", b"NETREMOTE")
    assert policy.psk_for(cfg, prof["ANY"], fqdn("x.y"), "192.0.2.9") == (b"ALLKEY", b"ALLKEY")
    assert policy.psk_for(cfg, prof["EXACT"], fqdn("router2.domain1"), "1.1.1.1") == (None, None)


def test_local_identity_and_settings():
    r = router(PROFILES + "crypto ikev2 dpd 30 5 on-demand\ncrypto ikev2 window 20\ncrypto ikev2 cookie-challenge 10\n")
    cfg = r.config
    prof = cfg.ikev2_profile.items
    assert policy.local_identity(cfg, prof["DOMAIN"], "172.16.1.2") == Identity(1, bytes([172, 16, 1, 2]))
    assert policy.local_identity(cfg, prof["CERT"], "172.16.1.2") == Identity(2, b"hub.example.com")
    s = policy.sa_settings(cfg, prof["DOMAIN"])
    assert (s.lifetime, s.dpd_interval, s.dpd_retry, s.dpd_mode) == (3600, 60, 3, "periodic")
    s = policy.sa_settings(cfg, prof["ANY"])
    assert (s.lifetime, s.dpd_interval, s.window, s.cookie_challenge) == (86400, 30, 20, 10)
    assert s.fragmentation is False and s.config_exchange_request is True


# ---- child SAs ---------------------------------------------------------------------------------------------------

def test_child_policy_default_profile():
    r = router("""
crypto ikev2 profile P
 match identity remote any
 authentication remote pre-share key K
 authentication local pre-share key K
""")
    cp = policy.child_policy(r.config, r.config.ikev2_profile.items["P"])
    assert cp.ipsec_profile == "default"
    assert [(p.encr, p.integ) for p in cp.proposals] == [([(12, 128)], [2])]
    assert (cp.lifetime_s, cp.lifetime_kb, cp.pfs) == (3600, 4608000, None)
    sw = Proposal(encr=[(12, 128), (12, 256)], integ=[12, 2], esn=[0, 1], dh=[], num=1, spi=b"\x01\x02\x03\x04")
    c = policy.select_child_proposal([sw], cp.proposals)
    assert (c.encr, c.integ, c.esn, c.dh, c.spi) == ((12, 128), 2, 0, None, b"\x01\x02\x03\x04")
    assert policy.select_child_proposal([Proposal(encr=[(12, 256)], integ=[12], esn=[0])], cp.proposals) is None


def test_child_policy_from_virtual_template():
    r = router("""
crypto ipsec transform-set GCM esp-gcm 256
 mode tunnel
crypto ipsec transform-set CBC esp-aes 256 esp-sha256-hmac
 mode tunnel
crypto ipsec profile VPN
 set transform-set GCM CBC
 set security-association lifetime seconds 28800
 set security-association lifetime kilobytes disable
 set pfs group14
crypto ikev2 profile P
 match identity remote any
 authentication remote pre-share key K
 authentication local pre-share key K
 virtual-template 1
interface Virtual-Template1 type tunnel
 tunnel protection ipsec profile VPN
""")
    cp = policy.child_policy(r.config, r.config.ikev2_profile.items["P"])
    assert cp.ipsec_profile == "VPN" and (cp.lifetime_s, cp.lifetime_kb, cp.pfs) == (28800, 0, 14)
    offer = [Proposal(encr=[(12, 256)], integ=[12], esn=[0], dh=[14], num=1),
             Proposal(encr=[(20, 256)], integ=[], esn=[0], dh=[14], num=2)]
    c = policy.select_child_proposal(offer, cp.proposals, pfs=cp.pfs)
    assert (c.num, c.encr, c.integ, c.dh, c.transform_set) == (2, (20, 256), None, None, "GCM")  # IKE_AUTH: no DH
    c = policy.select_child_proposal(offer[:1], cp.proposals, pfs=cp.pfs, ke_group=14, in_ike_auth=False)
    assert (c.encr, c.dh) == ((12, 256), 14)
    no_pfs = [Proposal(encr=[(12, 256)], integ=[12], esn=[0], dh=[])]
    assert policy.select_child_proposal(no_pfs, cp.proposals, pfs=14, in_ike_auth=False) is None


# ---- authorization -------------------------------------------------------------------------------------------------

AUTHZ = """
aaa new-model
aaa authorization network default local
aaa attribute list attr_list1
 attribute type interface-config "tunnel key 1"
 attribute type interface-config "ip mtu 1000"
aaa attribute list attr_list2
 attribute type interface-config "ip mtu 1200"
 attribute type interface-config "tunnel key 2"
ip access-list standard SPLIT
 permit 10.10.0.0 0.0.255.255
 permit host 10.20.0.1
 deny any
crypto ikev2 authorization policy domain1
 pool POOL
 dns 10.0.0.53 10.0.0.54
 netmask 255.255.255.0
 banner Welcome
 def-domain example.com
 split-dns corp.example.com
 aaa attribute list attr_list1
 route set interface
 route set access-list SPLIT
crypto ikev2 authorization policy router1
 dns 10.9.9.9
 aaa attribute list attr_list2
 route set remote ipv4 192.168.1.0 255.255.255.0
crypto ikev2 name-mangler name_mangler1
 fqdn hostname
crypto ikev2 name-mangler name_mangler2
 fqdn domain
crypto ikev2 profile default
 match identity remote any
 authentication local pre-share key pre_shared_key
 authentication remote pre-share key pre_shared_key
 aaa authorization group psk list default name-mangler name_mangler2
 aaa authorization user psk list default name-mangler name_mangler1
 virtual-template 1
interface Ethernet0/0
 ip address 172.16.1.2 255.255.255.0
 no shutdown
interface Virtual-Template1 type tunnel
 ip unnumbered Ethernet0/0
 tunnel protection ipsec profile default
ip local pool POOL 10.0.0.1 10.0.0.2
"""


def test_authorize_merges_group_then_user_and_allocates():
    r = router(AUTHZ)
    prof = r.config.ikev2_profile.items["default"]
    res = authz.authorize(r, prof, fqdn("router1.domain1"), "PSK", request_attrs=[1, 3])
    assert res.ok, res.error
    assert res.sources == ["group local domain1", "user local router1"] and res.username == "router1"
    assert res.address == "10.0.0.1" and res.pool == "POOL"
    assert res.dns == ["10.9.9.9"]  # the user's dns overrides the group's
    assert res.interface_config == ["tunnel key 1", "ip mtu 1000", "ip mtu 1200", "tunnel key 2"]
    assert res.subnets == [("172.16.1.2", "255.255.255.255"), ("10.10.0.0", "255.255.0.0"),
                           ("10.20.0.1", "255.255.255.255"), ("192.168.1.0", "255.255.255.0")]
    assert r.pools.in_use["POOL"] == {"10.0.0.1"}
    # CFG_REPLY: what was asked for, plus the pushed routes
    reply = authz.cfg_reply_attributes(res, [1, 3, 28672])
    assert reply[:3] == [(1, bytes([10, 0, 0, 1])), (2, bytes([255, 255, 255, 0])), (3, bytes([10, 9, 9, 9]))]
    assert (13, bytes([172, 16, 1, 2, 255, 255, 255, 255])) in reply
    assert (28672, b"Welcome") in reply and not any(t == 28674 for t, _ in reply)
    # the show ip local pool counters follow
    s = r.session(privileged=True, length=0)
    assert any(ln.split()[:5] == ["POOL", "10.0.0.1", "10.0.0.2", "1", "1"] for ln in s.run("show ip local pool"))


def test_group_override_order_and_release():
    r = router(AUTHZ.replace("aaa authorization group psk", "aaa authorization group override psk"))
    prof = r.config.ikev2_profile.items["default"]
    res = authz.authorize(r, prof, fqdn("router1.domain1"), "PSK", request_attrs=[1])
    assert res.sources == ["user local router1", "group local domain1"]
    assert res.dns == ["10.0.0.53", "10.0.0.54"]
    assert res.interface_config[-2:] == ["tunnel key 1", "ip mtu 1000"]
    authz.release_result(r, res)
    assert r.pools.in_use["POOL"] == set()


def test_pool_exhaustion_and_reuse():
    r = router(AUTHZ)
    prof = r.config.ikev2_profile.items["default"]
    got = [authz.authorize(r, prof, fqdn(f"r{i}.domain1"), "PSK", request_attrs=[1]) for i in range(3)]
    assert [g.address for g in got[:2]] == ["10.0.0.1", "10.0.0.2"]
    assert not got[2].ok and got[2].notify == authz.INTERNAL_ADDRESS_FAILURE
    authz.release_result(r, got[0])
    again = authz.authorize(r, prof, fqdn("r9.domain1"), "PSK", request_attrs=[1])
    assert again.address == "10.0.0.1"


def test_unknown_name_uses_default_policy_and_missing_list_fails():
    r = router(AUTHZ + "crypto ikev2 authorization policy default\n pool POOL\n")
    prof = r.config.ikev2_profile.items["default"]
    res = authz.authorize(r, prof, fqdn("nobody.elsewhere"), "PSK", request_attrs=[1])
    assert res.ok and res.sources == ["group local default", "user local default"] and res.address == "10.0.0.1"
    # an address identity cannot be mangled: the authorization fails
    res = authz.authorize(r, prof, addr_id("10.1.1.1"), "PSK")
    assert not res.ok and res.notify == authz.AUTHENTICATION_FAILED
    r2 = router(AUTHZ.replace("aaa authorization network default local", ""))
    res = authz.authorize(r2, r2.config.ikev2_profile.items["default"], fqdn("router1.domain1"), "PSK")
    assert not res.ok and "default" in res.error


def test_radius_source_plugs_into_the_same_merge():
    """The steps ask for RADIUS; an unanswered group goes on to `local`, an answer merges like any source."""
    r = router(AUTHZ.replace("aaa authorization network default local",
                             "aaa authorization network default group radius local"))
    prof = r.config.ikev2_profile.items["default"]
    steps = authz.authorize_steps(r.config, prof, fqdn("router1.domain1"), "PSK")
    asked = []
    answer = None
    while True:
        try:
            q = steps.send(answer)
        except StopIteration as stop:
            res = stop.value
            break
        asked.append((q.group, q.username, q.kind))
        answer = authz.Attrs(dns=["10.7.7.7"]) if q.kind == "user" else authz.NO_ANSWER
    assert asked == [("radius", "domain1", "group"), ("radius", "router1", "user")]
    # group: RADIUS unreachable -> local; user: RADIUS answered
    assert res.sources == ["group local domain1", "user group radius router1"] and res.dns == ["10.7.7.7"]


def test_name_mangler_rules():
    r = router("""
crypto ikev2 name-mangler M
 fqdn domain
 email username
 eap suffix delimiter @
""")
    cfg = r.config
    assert authz.mangle(cfg, "M", fqdn("router1.domain1")) == "domain1"
    assert authz.mangle(cfg, "M", Identity(3, b"joe@example.com")) == "joe"
    assert authz.mangle(cfg, "M", None, eap_id="joe@example.com") == "example.com"
    assert authz.mangle(cfg, "M", addr_id("1.2.3.4")) is None


@pytest.mark.parametrize("requested,types", [((), [13, 13, 13]), ((1,), [1, 2, 13, 13, 13])])
def test_cfg_reply_honours_request(requested, types):
    r = router(AUTHZ)
    res = authz.authorize(r, r.config.ikev2_profile.items["default"], fqdn("a.domain1"), "PSK", request_attrs=requested)
    assert [t for t, _ in authz.cfg_reply_attributes(res, requested)] == types


def test_pool_allocation_lowest_free_reuse_and_exhaustion():
    from iosflex.aaa.pools import AddressPools

    leases = AddressPools()
    allocate, release = (lambda cfg, pool: leases.allocate(cfg, pool)), (lambda cfg, pool, a: leases.release(pool, a))
    from iosflex.router import Router

    r = Router(None)
    r.apply_config("ip local pool P 10.0.0.1 10.0.0.3\nip local pool P 10.0.1.1\n")
    cfg = r.config
    got = [allocate(cfg, "P") for _ in range(4)]
    assert got == ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1"]
    assert allocate(cfg, "P") is None
    release(cfg, "P", "10.0.0.2")
    release(cfg, "P", "10.0.0.1")
    assert allocate(cfg, "P") == "10.0.0.1"
    assert allocate(cfg, "P") == "10.0.0.2"
    leases.in_use["P"].discard("10.0.0.3")  # freed behind the allocator's back: still found
    assert allocate(cfg, "P") == "10.0.0.3"
    assert leases.in_use["P"] == {"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.1"}

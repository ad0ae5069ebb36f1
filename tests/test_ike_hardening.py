"""Issue 15, the protocol fixes, against the package's initiator on the simulated network (test_ike_engine's
Net: fake clock, seeded RNG, `raise_errors` on): the peer's AUTHENTICATION_FAILED ends the SA (RFC 7296
§2.21.2), fragment 1 alone triggers the retransmission of a fragmented response (RFC 7383 §2.6.1), the
trustpoint's intermediate CA goes out after our certificate, an exhausted pool is answered with IDr AUTH
N(INTERNAL_ADDRESS_FAILURE) and a DELETE, the router rekeys IKE and child SAs at its own lifetimes (with the
lowest-nonce rule for simultaneous rekeys, RFC 7296 §2.8.1), and the smaller show/debug items."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from iosflex.crypto import algorithms as A
from iosflex.crypto import codec as C
from iosflex.crypto import show
from iosflex.crypto.client import Initiator
from iosflex.router import Router

from test_ike_certs import Ca, _key, _name, feed, import_lines
from test_ike_engine import ROUTER, Net, seeded


@pytest.fixture
def router():
    r = Router(None, default_if_missing=True)
    r.load_startup()
    return r


def _cfg(router, text):
    s = router.session(privileged=True)
    out = feed(s, ["configure terminal"] + text.strip().splitlines() + ["end"])
    assert not [x for x in out if x.startswith("%")], out
    return s


def _router_msgs(net, since=0):
    """The router's messages to clients since index `since`, decrypted when possible (header only otherwise)."""
    return [C.parse_message(d.data[4:] if d.data[:4] == bytes(4) else d.data) for d in net.from_router[since:]]


# ---------------------------------------------------------------------------------------------------------------
# AUTHENTICATION_FAILED from the initiator
# ---------------------------------------------------------------------------------------------------------------

def test_peer_authentication_failed_ends_sa_session_and_lease(router):
    router.debug = {"crypto ikev2"}
    net = Net(router)
    bad = net.connect(net.client(cfg_request=True, psk_verify=b"not the key", report_auth_failure=True))
    assert bad.failed == "responder AUTH invalid" and not bad.established
    assert net.resp.stats.peer_error_notifies == 1
    assert net.resp.sa_states() == [] and router.sessions.active() == []
    assert not net.resp.children
    # the address went back to the pool: the next client gets the same one
    ok = net.connect(net.client(addr="172.16.1.4", seed=9, cfg_request=True))
    assert ok.established and ok.address == "10.10.10.1"  # what the refused client had been given


def test_peer_invalid_syntax_notify_ends_sa(router):
    net = Net(router)
    ini = net.connect(net.client())
    assert ini.established
    net.run(ini._request(A.INFORMATIONAL, [C.Notify(A.INVALID_SYNTAX)], net.clock.t, "x"))
    assert net.resp.sa_states() == [] and router.sessions.active() == []


def test_status_notify_in_informational_keeps_sa(router):
    net = Net(router)
    ini = net.connect(net.client())
    net.run(ini._request(A.INFORMATIONAL, [C.Notify(A.INITIAL_CONTACT)], net.clock.t, "x"))
    assert len(net.resp.sa_states()) == 1 and ini.pending is None


# ---------------------------------------------------------------------------------------------------------------
# RFC 7383 §2.6.1: fragment 1 alone triggers the retransmission
# ---------------------------------------------------------------------------------------------------------------

def test_retransmitted_fragmented_request_answered_once(router):
    _cfg(router, "crypto ikev2 fragmentation mtu 200")
    net = Net(router)
    ini = net.client(fragmentation=200, cfg_request=True)
    net.connect(ini)
    assert ini.established
    auth_frags = [d for d in net.to_router if C.parse_header(d.data[4:] if d.data[:4] == bytes(4) else d.data)
                  .message_id == 1]
    assert len(auth_frags) >= 3  # the IKE_AUTH request went in fragments
    n = len(net.from_router)
    answered = [m for m in _router_msgs(net, 0) if m.message_id == 1 and m.is_response]
    assert len(answered) >= 2  # and so did the response
    for d in auth_frags:  # the client retransmits every fragment
        out = net.svc.receive(d.data, d.src, d.dst, net.clock.t)
        net.from_router += [x for x in out if hasattr(x, "data")]
    again = _router_msgs(net, n)
    assert len(again) == len(answered)  # the whole response once, not once per fragment
    assert net.resp.stats.retransmit_fragments_ignored == len(auth_frags) - 1


def test_forged_fragment_1_does_not_trigger_retransmission(router):
    _cfg(router, "crypto ikev2 fragmentation mtu 200")
    net = Net(router)
    ini = net.connect(net.client(fragmentation=200))
    first = next(d for d in net.to_router if d.data[4:] and C.parse_header(
        d.data[4:] if d.data[:4] == bytes(4) else d.data).message_id == 1)
    data = bytearray(first.data)
    data[-1] ^= 1  # ICV broken
    n = len(net.from_router)
    assert net.svc.receive(bytes(data), first.src, first.dst, net.clock.t) == []
    assert len(net.from_router) == n and ini.established


# ---------------------------------------------------------------------------------------------------------------
# the trustpoint's intermediate CA goes out with our certificate
# ---------------------------------------------------------------------------------------------------------------

NOW = dt.datetime.now(dt.timezone.utc)
DAY = dt.timedelta(days=1)


def _intermediate(root: Ca):
    key = _key("rsa")
    name = _name("Test Intermediate CA")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(root.name).public_key(key.public_key())
            .serial_number(77).not_valid_before(NOW - DAY).not_valid_after(NOW + 300 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), True)
            .sign(root.key, hashes.SHA256()))
    sub = Ca.__new__(Ca)
    sub.kind, sub.key, sub.name, sub.cert = "rsa", key, name, cert
    return sub


CERT_CONFIG = """crypto pki trustpoint TP-CHAIN
 enrollment terminal pem
 revocation-check none
crypto ikev2 profile CHAIN
 match identity remote fqdn domain cert.test
 authentication remote rsa-sig
 authentication local rsa-sig
 pki trustpoint TP-CHAIN
 aaa authorization group cert list default default
 virtual-template 1
"""


def test_intermediate_ca_sent_after_our_certificate(tmp_path):
    root = Ca("rsa", "Test Root CA")
    sub = _intermediate(root)
    router_cert = sub.issue("router.cert.test", ip="172.16.1.2", server=True)
    client_cert, client_key = sub.issue("c1.cert.test")
    r = Router(tmp_path / "startup-config", default_if_missing=True)
    r.load_startup()
    s = r.session(privileged=True)
    feed(s, ["configure terminal"] + CERT_CONFIG.splitlines())
    lines = import_lines("TP-CHAIN", sub.cert, *router_cert)
    # the CA block holds the chain: intermediate then root
    i = lines.index("quit")
    from test_ike_certs import pem

    lines[i:i] = pem(root.cert)
    out = feed(s, lines)
    assert out[-1] == "% PEM files import succeeded.", out
    feed(s, ["end"])
    net = Net(r)
    # the client trusts the root only: it can check the router only with the intermediate the router sends
    ini = Initiator(("172.16.1.1", 500), ROUTER, (A.ID_FQDN, b"c1.cert.test"), psk=None, rng=seeded(7),
                    cert=client_cert, key=client_key, ca=[root.cert])
    net.clients.append(ini)
    net.connect(ini)
    assert ini.established and ini.failed is None
    assert ini.peer_cert == router_cert[0]
    from iosflex.crypto import auth as AU
    from iosflex.crypto import certs as CE

    auth_resp = [d for d in net.from_router if C.parse_header(d.data).message_id == 1][0]
    m = C.parse_message(auth_resp.data)
    C.open_sk(m, ini.c_in)
    sent = [AU.load_certificate(p.data) for p in m.get_all(C.Cert)]
    assert sent == [router_cert[0], sub.cert]  # ours, then the intermediate; never the root
    assert CE.chain_intermediates(r.config.pki.trustpoints["TP-CHAIN"]) == [sub.cert]


def test_root_only_trustpoint_sends_one_certificate():
    class Tp:
        pass

    root = Ca("rsa", "Only Root")
    tp = Tp()
    tp.cert, _ = root.issue("router.cert.test", server=True)
    tp.ca_certs = [root.cert]
    from iosflex.crypto import certs as CE

    assert CE.chain_intermediates(tp) == []


# ---------------------------------------------------------------------------------------------------------------
# exhausted pool: IDr AUTH N(INTERNAL_ADDRESS_FAILURE), then the session ends
# ---------------------------------------------------------------------------------------------------------------

def test_exhausted_pool_answered_with_idr_auth_and_notify_then_deleted(router):
    _cfg(router, "no ip local pool flexvpn_pool\nip local pool flexvpn_pool 10.10.10.1 10.10.10.1")
    net = Net(router)
    first = net.connect(net.client(cfg_request=True))
    assert first.established and first.address == "10.10.10.1"
    second = net.client(addr="172.16.1.4", seed=11, cfg_request=True)
    n = len(net.from_router)
    net.connect(second)
    assert second.failed == "INTERNAL_ADDRESS_FAILURE"
    # the response was well formed: decrypt it with the second client's keys
    to_second = [d for d in net.from_router[n:] if d.dst[0] == "172.16.1.4"]
    auth_resp = C.parse_message(to_second[1].data[4:] if to_second[1].data[:4] == bytes(4) else to_second[1].data)
    C.open_sk(auth_resp, second.c_in)
    kinds = [type(p).__name__ for p in auth_resp.inner]
    assert "IDr" in kinds and "Auth" in kinds and "CP" not in kinds and "SA" not in kinds
    assert auth_resp.notify(A.INTERNAL_ADDRESS_FAILURE) is not None
    # then the router deletes the IKE SA (the chapter: the session is terminated)
    dels = to_second[2:]
    assert dels, "no DELETE after INTERNAL_ADDRESS_FAILURE"
    m = C.parse_message(dels[0].data[4:] if dels[0].data[:4] == bytes(4) else dels[0].data)
    assert m.exchange == A.INFORMATIONAL and not m.is_response
    net.advance(1)
    assert [st.remote[0] for st in net.resp.sa_states()] == ["172.16.1.1"]
    assert [s.peer[0] for s in router.sessions.active()] == ["172.16.1.1"]


# ---------------------------------------------------------------------------------------------------------------
# router-initiated rekeys
# ---------------------------------------------------------------------------------------------------------------

LIFETIMES = """crypto ipsec profile default
 set security-association lifetime seconds 120
crypto ikev2 profile default
 lifetime 120
"""


def test_router_rekeys_child_and_ike_before_its_lifetimes(router):
    _cfg(router, LIFETIMES)
    net = Net(router)
    ini = net.connect(net.client(cfg_request=True))
    assert ini.established
    st0 = net.resp.sa_states()[0]
    first_child = st0.children[0].spi_in
    net.advance(300)  # five minutes: the client never rekeys
    assert ini.established and not ini.deleted
    assert ini.peer_rekeys >= 4  # both SAs rekeyed at least twice
    sts = net.resp.sa_states()
    assert len(sts) == 1 and sts[0].session_id == st0.session_id
    assert (sts[0].spi_i, sts[0].spi_r) != (st0.spi_i, st0.spi_r)  # a rekeyed SA is a new SA (its SA ID is
    # the lowest free one: 2 while the old SA still lived, 1 again at the next rekey)
    assert len(sts[0].children) == 1 and sts[0].children[0].spi_in != first_child
    assert net.clock.t - sts[0].established < 120  # Life/Active counts from the last rekey
    # the client's view agrees with the router's
    assert ini.spi_i == sts[0].spi_i and ini.spi_r == sts[0].spi_r and not ini.orig_initiator
    assert len(ini.children) == 1 and ini.children[0]["spi_out"] == sts[0].children[0].spi_in.to_bytes(4, "big")
    assert net.resp.stats.rekeys_initiated >= 4
    assert len(router.sessions.active()) == 1
    # the SA still works
    net.run(ini.dpd(net.clock.t))
    assert ini.pending is None


def test_rekey_timer_has_jitter_and_precedes_lifetime(router):
    _cfg(router, LIFETIMES)
    net = Net(router)
    a = net.connect(net.client(cfg_request=True))
    b = net.connect(net.client(addr="172.16.1.4", seed=12, cfg_request=True))
    assert a.established and b.established
    sas = [sa for sa in net.resp.sas.values()]
    ats = [sa.rekey_at - sa.st.established for sa in sas]
    assert all(0.85 * 120 <= x <= 0.9 * 120 for x in ats)
    assert ats[0] != ats[1]


def _collide(net, ini):
    """Make the router's child rekey and the client's cross: the router's request (due at its timer) and the
    client's are both in flight before either is answered."""
    sa = next(iter(net.resp.sas.values()))
    child = sa.st.children[0]
    sa.child_rekey[child.spi_in] = net.clock.t
    sa.due = 0.0
    ours = net.svc.tick(net.clock.t)  # the router's CREATE_CHILD_SA request
    theirs = ini.rekey_child(net.clock.t)
    return sa, child, ours, theirs


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_simultaneous_child_rekeys_lowest_nonce_rule(router, seed, monkeypatch):
    from iosflex.crypto.ikesa import IkeSa

    net = Net(router, seed=seed)
    ini = net.connect(net.client(seed=seed + 20))
    sa, old, ours, theirs = _collide(net, ini)
    seen = {}
    orig = IkeSa._child_rekeyed

    def spy(self, msg, now):
        rk = self.rekeying
        seen.update(ni=rk.ni, nr=msg.get(C.Nonce).data, peer_min=rk.peer_min, spi=rk.spi)
        return orig(self, msg, now)

    monkeypatch.setattr(IkeSa, "_child_rekeyed", spy)
    n = len(net.from_router)
    net.run(theirs + ours)  # the router answers the client's rekey, then the client the router's
    assert net.resp.stats.rekey_collisions == 1 and seen["peer_min"] is not None
    dels = []
    for d in net.from_router[n:]:
        m = C.parse_message(d.data[4:] if d.data[:4] == bytes(4) else d.data)
        if m.exchange == A.INFORMATIONAL and not m.is_response:
            C.open_sk(m, ini.c_in)
            dels += [int.from_bytes(spi, "big") for p in m.get_all(C.Delete) for spi in p.spis]
    assert len(dels) == 1
    if min(seen["ni"], seen["nr"]) < seen["peer_min"]:
        assert dels == [seen["spi"]]  # ours is redundant: we delete the child we made, the peer the old one
    else:
        assert dels == [old.spi_in]  # the peer's is redundant: we delete the old child
    assert sa.rekeying is None and ini.established


def test_rekey_refused_with_temporary_failure_is_retried(router):
    _cfg(router, LIFETIMES)
    net = Net(router)
    ini = net.connect(net.client())
    sa = next(iter(net.resp.sas.values()))
    child = sa.st.children[0]
    sa.child_rekey[child.spi_in] = net.clock.t
    sa.due = 0.0
    req = net.svc.tick(net.clock.t)
    m = C.parse_message(req[0].data)
    C.open_sk(m, ini.c_in)
    resp = C.Message(m.spi_i, m.spi_r, A.CREATE_CHILD_SA, A.FLAG_INITIATOR | A.FLAG_RESPONSE, m.message_id,
                     [C.Notify(A.TEMPORARY_FAILURE)])
    out = []
    for p in C.seal(resp, ini.c_out, seeded(3)):
        out += net.svc.receive(p, req[0].dst, req[0].src, net.clock.t)
    assert sa.rekeying is None and sa.child_rekey[child.spi_in] == net.clock.t + 10
    assert child in sa.st.children


def test_hostile_rekey_responses_never_raise(router):
    """Nonsense answers to our rekey (no SA, wrong KE group, junk KE, no nonce) are refused, counted, never raised
    (the engine runs with raise_errors)."""
    _cfg(router, "crypto ipsec profile default\n set pfs group14")
    net = Net(router)
    ini = net.connect(net.client())
    sa = next(iter(net.resp.sas.values()))
    bodies = [[], [C.Nonce(b"n" * 32)], [C.SA([C.Proposal(1, A.PROTO_ESP, b"\1\2\3\4", [])]), C.Nonce(b"n" * 32)],
              [C.SA([C.Proposal(1, A.PROTO_ESP, b"\1\2\3\4", [])]), C.Nonce(b"n" * 32), C.KE(19, b"\0" * 64)],
              [C.SA([C.Proposal(1, A.PROTO_ESP, b"\1\2\3\4", [])]), C.Nonce(b"n" * 32), C.KE(14, b"\0" * 256)]]
    for body in bodies:
        child = sa.st.children[0]
        sa.child_rekey[child.spi_in] = net.clock.t
        sa.due = 0.0
        req = net.svc.tick(net.clock.t)
        m = C.parse_message(req[0].data)
        C.open_sk(m, ini.c_in)
        ini.peer_next = m.message_id + 1
        resp = C.Message(m.spi_i, m.spi_r, A.CREATE_CHILD_SA, A.FLAG_INITIATOR | A.FLAG_RESPONSE, m.message_id, body)
        for p in C.seal(resp, ini.c_out, seeded(3)):
            net.svc.receive(p, req[0].dst, req[0].src, net.clock.t)
        assert sa.rekeying is None and len(sa.st.children) == 1
    assert ini.established


# ---------------------------------------------------------------------------------------------------------------
# debug: NO_PROPOSAL_CHOSEN we send
# ---------------------------------------------------------------------------------------------------------------

def test_no_proposal_chosen_debug_says_sending(router):
    router.debug = {"crypto ikev2"}
    net = Net(router)
    ini = net.client(encr=((A.ENCR_3DES, None),), integ=(A.AUTH_HMAC_MD5_96,), prf=(A.PRF_HMAC_MD5,), groups=(1,))
    events = net.resp.receive(ini.start(net.clock.t)[0].data, ("172.16.1.1", 500), ROUTER, net.clock.t)
    lines = [line for e in events if hasattr(e, "lines") for line in e.lines]
    assert "IKEv2:Sending no proposal chosen notify" in lines, lines
    assert not any("Received no proposal chosen" in x for x in lines)


# ---------------------------------------------------------------------------------------------------------------
# show: IPv6 addresses as IOS prints them, show ip local pool NAME, show crypto pki trustpoints TP status
# ---------------------------------------------------------------------------------------------------------------

def test_ipv6_addresses_upper_case_in_every_crypto_show():
    from iosflex.crypto.state import ChildSa, IkeSaState, TrafficSelector
    from iosflex.sessions import PeerSession

    st = IkeSaState(tunnel_id=1, session_id=1, spi_i=b"\1" * 8, spi_r=b"\2" * 8, local=("2001:db8:1::2", 500),
                    remote=("2001:db8:1::1", 500), status="READY", established=0.0)
    ts = TrafficSelector(8, 0, 0, 65535, "2001:db8:aa::5", "2001:db8:aa::5")
    anyv6 = TrafficSelector(8, 0, 0, 65535, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
    st.children.append(ChildSa(spi_in=0x1000, spi_out=0x2000, ts_local=[anyv6], ts_remote=[ts], created=0.0))
    sess = PeerSession(1, st.local, st.remote, "x", interface="Virtual-Access1", ike_sa=st, status="UP-ACTIVE")
    sa_text = show.ikev2_sa([st], 10.0)
    assert "Local  2001:DB8:1::2/500" in sa_text and "Remote  2001:DB8:1::1/500" in sa_text
    text = show.crypto_session([sess], 10.0, detail=True)
    assert "Peer: 2001:DB8:1::1 port 500 fvrf: (none) ivrf: (none)" in text
    assert "  IKEv2 SA: local 2001:DB8:1::2/500" in text and "          remote 2001:DB8:1::1/500 Active" in text
    assert "  IPSEC FLOW: permit ip ::/0 host 2001:DB8:AA::5" in text
    ipsec = show.ipsec_sa([sess], 10.0)
    assert "   local  ident (addr/mask/prot/port): (::/0/0/0)" in ipsec
    assert "   remote ident (addr/mask/prot/port): (2001:DB8:AA::5/128/0/0)" in ipsec
    assert "     local crypto endpt.: 2001:DB8:1::2, remote crypto endpt.: 2001:DB8:1::1" in ipsec
    assert not any("2001:db8" in line for line in sa_text + text + ipsec)


def test_show_ip_local_pool_name_lists_available_and_inuse(router):
    _cfg(router, "no ip local pool flexvpn_pool\nip local pool flexvpn_pool 10.10.10.1 10.10.10.3")
    net = Net(router)
    assert net.connect(net.client(cfg_request=True)).address == "10.10.10.1"
    s = router.session(privileged=True)
    out = s.run("show ip local pool flexvpn_pool")
    assert out[-5:] == ["Available addresses:", "        10.10.10.2", "        10.10.10.3", "Inuse addresses:",
                        "        10.10.10.1              Vi1"], out
    assert "Available addresses:" not in s.run("show ip local pool")


def test_show_crypto_pki_trustpoints_name_status(router):
    _cfg(router, "crypto pki trustpoint TP1\n enrollment terminal\ncrypto pki trustpoint TP2\n enrollment terminal")
    s = router.session(privileged=True)
    out = s.run("show crypto pki trustpoints TP2 status")
    assert out[0] == "Trustpoint TP2:" and "Trustpoint TP1:" not in out
    assert "    Issuing CA authenticated ....... No" in out
    assert s.run("show crypto pki trustpoints TP9 status") == ["% Trustpoint TP9 not found"]
    assert [x for x in s.run("show crypto pki trustpoints") if x.startswith("Trustpoint")] == \
        ["Trustpoint TP1:", "Trustpoint TP2:"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_simultaneous_ike_rekeys_lowest_nonce_rule(router, seed, monkeypatch):
    """Both ends rekey the IKE SA at once: the router answers the client's rekey (a new SA P), then gets the
    answer to its own (N); the SA made with the lowest of the four nonces is redundant: when it is ours, we
    delete N and P carries the session; else P's children and session move to N and we delete the old SA."""
    from iosflex.crypto.ikesa import IkeSa

    net = Net(router, seed=seed)
    ini = net.connect(net.client(seed=seed + 40))
    sa = next(iter(net.resp.sas.values()))
    sa.rekey_at = net.clock.t
    sa.due = 0.0
    ours = net.svc.tick(net.clock.t)
    theirs = ini.rekey_ike(net.clock.t)
    seen = {}
    orig = IkeSa._ike_rekeyed

    def spy(self, msg, now):
        rk = self.rekeying
        seen.update(ni=rk.ni, nr=msg.get(C.Nonce).data, peer_min=rk.peer_min, peer=rk.peer, spi=rk.spi)
        return orig(self, msg, now)

    monkeypatch.setattr(IkeSa, "_ike_rekeyed", spy)
    n = len(net.from_router)
    net.run(theirs + ours)
    assert net.resp.stats.rekey_collisions == 1 and seen["peer"] is not None
    ours_redundant = min(seen["ni"], seen["nr"]) < seen["peer_min"]
    mine = sa.old_of  # our new SA (rekeyed_sa points the old one at it)
    assert mine.our_spi == seen["spi"]
    peer_made = seen["peer"]
    # the router's first request after the crossing: a DELETE of the IKE SA it means to end
    dels = [C.parse_message(d.data) for d in net.from_router[n:]]
    dels = [m for m in dels if m.exchange == A.INFORMATIONAL and not m.is_response]
    assert dels, "no DELETE"
    target = (dels[0].spi_i, dels[0].spi_r)
    if ours_redundant:
        assert target == (mine.st.spi_i, mine.st.spi_r) and mine.old_of is peer_made
        survivor = peer_made
    else:
        assert target == (sa.st.spi_i, sa.st.spi_r) and peer_made.old_of is mine
        survivor = mine
    assert len(survivor.st.children) == 1 and survivor.old_of is None
    assert net.resp.session_sa(survivor.st.session_id) is survivor
    assert len(router.sessions.active()) == 1 and router.sessions.active()[0].ike_sa is survivor.st

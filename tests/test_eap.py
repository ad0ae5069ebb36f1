"""iosflex.crypto.eap (EAP codec, MD4, MS-CHAPv2 / RFC 3079 vectors, peer and server state machines) and the
simulated RADIUS server's EAP (radius/simserver.py) driven with real RADIUS packets."""

from __future__ import annotations

import hashlib
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iosflex.crypto import eap as E
from iosflex.crypto.algorithms import PRF_HMAC_SHA1, PRF_HMAC_SHA2_256, PRF_HMAC_SHA2_512
from iosflex.crypto.auth import eap_auth

h = bytes.fromhex


def rng(seed=1):
    return random.Random(seed).randbytes


# ---- codec -----------------------------------------------------------------------------------------------------

packets = st.one_of(
    st.builds(E.EapPacket, st.sampled_from([E.SUCCESS, E.FAILURE]), st.integers(0, 255)),
    st.builds(E.EapPacket, st.sampled_from([E.REQUEST, E.RESPONSE]), st.integers(0, 255), st.integers(1, 255),
              st.binary(max_size=300)),
)


@given(packets)
def test_codec_round_trip(pkt):
    data = pkt.encode()
    assert struct.unpack_from("!H", data, 2)[0] == len(data)
    assert E.parse(data) == pkt


@settings(max_examples=300)
@given(st.binary(max_size=40))
def test_parser_raises_only_eap_error(data):
    try:
        pkt = E.parse(data)
    except E.EapError:
        return
    assert pkt.encode() == data  # what parses is exactly one well-formed packet


@given(packets, st.integers(1, 3))
def test_truncated_and_padded_are_refused(pkt, n):
    data = pkt.encode()
    with pytest.raises(E.EapError, match="truncated"):
        E.parse(data[:-n] if len(data) > 4 else data[:4 - n])
    with pytest.raises(E.EapError, match="length mismatch"):
        E.parse(data + bytes(n))


@pytest.mark.parametrize("data, why", [
    (b"\x01\x01\x00", "truncated EAP header"),
    (b"\x05\x01\x00\x04", "unknown EAP code"),
    (b"\x01\x01\x00\x03\x01", "below the header"),
    (b"\x01\x01\x00\x04", "without a type"),
    (b"\x03\x01\x00\x05\x00", "must be 4"),
    (b"\x02\x01\x00\x08\x01ab", "truncated EAP packet"),
])
def test_malformed(data, why):
    with pytest.raises(E.EapError, match=why):
        E.parse(data)


def test_method_payload_errors():
    with pytest.raises(E.EapError):
        E.md5_decode(b"")
    with pytest.raises(E.EapError):
        E.md5_decode(b"\x10" + bytes(15))
    assert E.md5_decode(b"\x02abname") == (b"ab", b"name")
    with pytest.raises(E.EapError, match="MS-Length"):
        E.mschapv2_decode(b"\x01\x01\x00\x30" + bytes(17), E.REQUEST)
    with pytest.raises(E.EapError, match="Value-Size"):
        E.mschapv2_decode(E.mschapv2_encode(E.MS_CHALLENGE, 1, b"\x08" + bytes(8)), E.REQUEST)
    with pytest.raises(E.EapError, match="OpCode"):
        E.mschapv2_decode(E.mschapv2_encode(9, 1, b""), E.REQUEST)
    assert E.mschapv2_decode(b"\x03", E.RESPONSE).short
    ms = E.mschapv2_decode(E.mschapv2_encode(E.MS_CHALLENGE, 7, b"\x10" + bytes(range(16)) + b"srv"), E.REQUEST)
    assert (ms.ms_id, ms.value, ms.name) == (7, bytes(range(16)), b"srv")


# ---- MD4 (RFC 1320 §A.5), MS-CHAPv2 (RFC 2759 §9.2), MPPE keys (RFC 3079 §3.5.3) ---------------------------------

@pytest.mark.parametrize("msg, digest", [
    (b"", "31d6cfe0d16ae931b73c59d7e0c089c0"),
    (b"a", "bde52cb31de33e46245e05fbdbd6fb24"),
    (b"abc", "a448017aaf21d8525fc10ae87aa6729d"),
    (b"message digest", "d9130a8164549fe818874806e1c7014b"),
    (b"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
    (b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"),
    (b"1234567890" * 8, "e33b4ddc9c38f2199c3e7b164fcc0536"),
])
def test_md4_rfc1320(msg, digest):
    assert E._md4_pure(msg).hex() == digest
    assert E.md4(msg).hex() == digest


AUTH_CHALLENGE = h("5B5D7C7D7B3F2F3E3C2C602132262628")
PEER_CHALLENGE = h("21402324255E262A28295F2B3A337C7E")
NT_RESPONSE = h("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")


def test_mschapv2_rfc2759_vectors():
    assert E.challenge_hash(PEER_CHALLENGE, AUTH_CHALLENGE, "User") == h("D02E4386BCE91226")
    assert E.nt_password_hash("clientPass") == h("44EBBA8D5312B8D611474411F56989AE")
    assert E.md4(E.nt_password_hash("clientPass")) == h("41C00C584BD2D91C4017A2A12FA59F3F")
    assert E.generate_nt_response(AUTH_CHALLENGE, PEER_CHALLENGE, "User", "clientPass") == NT_RESPONSE
    assert E.authenticator_response("clientPass", NT_RESPONSE, PEER_CHALLENGE, AUTH_CHALLENGE, "User") == \
        "S=407A5589115FD0D6209F510FE9C04566932CDA56"
    # a DOMAIN\ prefix is not part of the challenge hash
    assert E.generate_nt_response(AUTH_CHALLENGE, PEER_CHALLENGE, "EXAMPLE\\User", "clientPass") == NT_RESPONSE


def test_mppe_rfc3079_vectors():
    mk = E.master_key(h("41C00C584BD2D91C4017A2A12FA59F3F"), NT_RESPONSE)
    assert mk == h("FDECE3717A8C838CB388E527AE3CDD31")
    # the RFC's SendStartKey128 is the server's send key (= the client's receive key)
    assert E.asymmetric_start_key(mk, 16, is_send=True, is_server=True) == h("8B7CDC149B993A1BA118CB153F56DCCB")
    assert E.asymmetric_start_key(mk, 16, is_send=False, is_server=False) == h("8B7CDC149B993A1BA118CB153F56DCCB")
    msk = E.mschapv2_msk(E.nt_password_hash("clientPass"), NT_RESPONSE)
    # MSK = MasterReceiveKey || MasterSendKey (server side) = MS-MPPE-Recv-Key || MS-MPPE-Send-Key
    assert len(msk) == 32
    assert msk[16:] == h("8B7CDC149B993A1BA118CB153F56DCCB")
    assert msk[:16] == E.asymmetric_start_key(mk, 16, is_send=True, is_server=False)


@pytest.mark.parametrize("prf", [PRF_HMAC_SHA1, PRF_HMAC_SHA2_256, PRF_HMAC_SHA2_512])
def test_strongswan_64_octet_msk_gives_the_same_auth(prf):
    """strongSwan's eap-mschapv2 MSK is Recv || Send || 32 zero octets; HMAC zero-pads its key to the block size,
    so the IKEv2 AUTH is the same as with the 32-octet MSK the router gets from the MPPE keys."""
    msk = E.mschapv2_msk(E.nt_password_hash("clientPass"), NT_RESPONSE)
    octets = b"signed octets"
    assert eap_auth(prf, msk + bytes(32), b"", octets) == eap_auth(prf, msk, b"", octets)


def test_des_expansion_matches_a_known_answer():
    # RFC 2759 §9.2 ChallengeResponse with the password hash above is the NT-Response (three DES blocks)
    assert E.challenge_response(h("D02E4386BCE91226"), h("44EBBA8D5312B8D611474411F56989AE")) == NT_RESPONSE


def test_md5_challenge_value():
    assert E.md5_value(7, b"pw", b"ch") == hashlib.md5(b"\x07pwch").digest()


# ---- peer <-> server -----------------------------------------------------------------------------------------

def run(peer, server, first=None):
    """The conversation; returns the (request, response) pairs."""
    req = first if first is not None else server.start()
    seen = []
    while server.state == E.RUNNING:
        resp = peer.receive(req)
        seen.append((E.parse(req), E.parse(resp) if resp else None))
        if resp is None:
            break
        req = server.receive(resp)
    peer.receive(req)
    seen.append((E.parse(req), None))
    return seen


USERS = {"alice": "secret", "bob": "hunter2"}.get


@pytest.mark.parametrize("method", [E.MSCHAPV2, E.MD5_CHALLENGE])
def test_conversation_right_password(method):
    peer = E.EapPeer("alice", "secret", rng=rng(2))
    server = E.EapServer(USERS, method, rng=rng(3))
    seen = run(peer, server)
    assert server.state == peer.state == E.SUCCESS_STATE
    assert server.identity == "alice" and peer.method == server.method == method
    if method == E.MSCHAPV2:
        assert peer.msk is not None and len(peer.msk) == 32 and peer.msk == server.msk
        kinds = [(str(q), str(r)) for q, r in seen]
        assert kinds == [("EAP-Request/Identity id 1", "EAP-Response/Identity id 1"),
                         ("EAP-Request/MSCHAPv2 id 2", "EAP-Response/MSCHAPv2 id 2"),
                         ("EAP-Request/MSCHAPv2 id 3", "EAP-Response/MSCHAPv2 id 3"),
                         ("EAP-Success id 3", "None")]
    else:
        assert peer.msk is None and server.msk is None
        assert [str(q) for q, _ in seen] == ["EAP-Request/Identity id 1", "EAP-Request/MD5-Challenge id 2",
                                             "EAP-Success id 2"]


@pytest.mark.parametrize("method", [E.MSCHAPV2, E.MD5_CHALLENGE])
@pytest.mark.parametrize("user, password", [("alice", "wrong"), ("nobody", "secret")])
def test_conversation_wrong_password(method, user, password):
    peer = E.EapPeer(user, password, rng=rng(2))
    server = E.EapServer(USERS, method, rng=rng(3))
    seen = run(peer, server)
    assert server.state == peer.state == E.FAILURE_STATE
    assert seen[-1][0].code == E.FAILURE
    assert peer.msk is None and server.msk is None


def test_mschapv2_failure_request_path():
    peer = E.EapPeer("alice", "wrong", rng=rng(2))
    server = E.EapServer(USERS, E.MSCHAPV2, rng=rng(3), send_error=True)
    seen = run(peer, server)
    assert server.state == peer.state == E.FAILURE_STATE
    failure_request = E.mschapv2_decode(seen[2][0].data, E.REQUEST)
    assert failure_request.opcode == E.MS_FAILURE and failure_request.message.startswith(b"E=691 R=0 C=")
    assert seen[2][1].data == bytes([E.MS_FAILURE])  # Failure-Response
    assert "E=691" in peer.error


def test_nak_picks_the_peers_method():
    peer = E.EapPeer("alice", "secret", rng=rng(2), methods=[E.MD5_CHALLENGE])
    server = E.EapServer(USERS, [E.MSCHAPV2, E.MD5_CHALLENGE], rng=rng(3))
    seen = run(peer, server)
    assert seen[1][1].type == E.NAK and seen[1][1].data == bytes([E.MD5_CHALLENGE])
    assert server.state == peer.state == E.SUCCESS_STATE and server.method == E.MD5_CHALLENGE


def test_nak_without_a_common_method_fails():
    peer = E.EapPeer("alice", "secret", rng=rng(2), methods=[E.MD5_CHALLENGE])
    server = E.EapServer(USERS, E.MSCHAPV2, rng=rng(3))
    run(peer, server)
    assert server.state == peer.state == E.FAILURE_STATE


def test_server_starts_from_a_response_identity_and_per_user_method():
    methods = {"alice": [E.MD5_CHALLENGE], "bob": [E.MSCHAPV2]}.get
    for user, pw, want in (("alice", "secret", E.MD5_CHALLENGE), ("bob", "hunter2", E.MSCHAPV2)):
        peer = E.EapPeer(user, pw, rng=rng(2))
        server = E.EapServer(USERS, methods, rng=rng(3))
        first = server.receive(E.response(9, E.IDENTITY, user.encode()))
        assert E.parse(first).identifier == 10 and E.parse(first).type == want
        run(peer, server, first)
        assert server.state == peer.state == E.SUCCESS_STATE


def test_peer_checks_the_authenticator_response():
    peer = E.EapPeer("alice", "secret", rng=rng(2))
    server = E.EapServer(USERS, E.MSCHAPV2, rng=rng(3))
    challenge = server.receive(peer.receive(server.start()))
    success_request = server.receive(peer.receive(challenge))
    pkt = E.parse(success_request)
    ms = E.mschapv2_decode(pkt.data, E.REQUEST)
    forged = ms.message[:-1] + (b"0" if ms.message[-1:] != b"0" else b"1")
    bad = E.request(pkt.identifier, E.MSCHAPV2, E.mschapv2_encode(E.MS_SUCCESS, ms.ms_id, forged))
    assert peer.receive(bad) is None
    assert peer.state == E.FAILURE_STATE and "authenticator" in peer.error and peer.msk is None


def test_peer_refuses_success_before_the_method():
    peer = E.EapPeer("alice", "secret", rng=rng(2))
    peer.receive(E.request(1, E.IDENTITY))
    peer.receive(E.success(1))
    assert peer.state == E.FAILURE_STATE


def test_peer_repeats_its_answer_to_a_retransmitted_request():
    peer = E.EapPeer("alice", "secret", rng=rng(2))
    server = E.EapServer(USERS, E.MSCHAPV2, rng=rng(3))
    challenge = server.receive(peer.receive(server.start()))
    first = peer.receive(challenge)
    assert peer.receive(challenge) == first
    assert server.receive(first) is not None
    assert server.receive(first) is None  # the server's outstanding request moved on: discarded


def test_server_discards_a_wrong_identifier():
    server = E.EapServer(USERS, E.MD5_CHALLENGE, rng=rng(3))
    server.start()
    assert server.receive(E.response(99, E.IDENTITY, b"alice")) is None
    assert server.state == E.RUNNING


def test_peer_answers_notification_and_naks_unknown_types():
    peer = E.EapPeer("alice", "secret", rng=rng(2))
    assert E.parse(peer.receive(E.request(1, E.NOTIFICATION, b"hello"))) == E.EapPacket(E.RESPONSE, 1, E.NOTIFICATION)
    assert peer.notifications == [b"hello"]
    nak = E.parse(peer.receive(E.request(2, 13, b"\x20")))  # EAP-TLS
    assert nak.type == E.NAK and list(nak.data) == [E.MSCHAPV2, E.MD5_CHALLENGE]


# ---- the simulated RADIUS server's EAP (real RADIUS packets) ------------------------------------------------------

from iosflex.radius import packet as P  # noqa: E402
from iosflex.radius.simserver import SimRadiusServer, SimUser  # noqa: E402

SECRET = b"radius_key"
NAS = ("10.0.0.1", 1645)
SRV = ("172.16.1.3", 1645)


class Nas:
    """What the router's relay does: each EAP message in an Access-Request with the last State and a
    Message-Authenticator; here with the EapPeer at the other end."""

    def __init__(self, server, user_name="alice"):
        self.server, self.user_name, self.ident, self.r = server, user_name, 0, random.Random(9)
        self.state = None

    def send(self, eap_packet: bytes, *, split=253, ma=True, tamper=False):
        self.ident = (self.ident + 1) & 0xFF
        attrs = [("User-Name", self.user_name)]
        attrs += [("EAP-Message", eap_packet[i:i + split]) for i in range(0, len(eap_packet), split)] or \
            [("EAP-Message", b"")]
        if self.state is not None:
            attrs.append(("State", self.state))
        auth = self.r.randbytes(16)
        data = P.encode_request(P.ACCESS_REQUEST, self.ident, SECRET, attrs, auth, message_authenticator=ma)
        if tamper:
            data = data[:-1] + bytes([data[-1] ^ 1])
        out = self.server.receive(data, NAS, SRV)
        if not out:
            return None, data
        reply = P.verify_reply(out[0].data, data, SECRET)  # Response Authenticator and Message-Authenticator
        assert reply.message_authenticator() is not None
        self.state = reply.state()
        return reply, data


def sim(method="mschapv2", reply=()):
    srv = SimRadiusServer(SRV[0], SECRET)
    srv.users["alice"] = SimUser("secret", list(reply), eap=method)
    return srv


def converse(nas, peer, first_identifier=1):
    reply, req = nas.send(E.response(first_identifier, E.IDENTITY, peer.identity))
    while reply is not None and reply.code == P.ACCESS_CHALLENGE:
        assert reply.state() is not None
        reply, req = nas.send(peer.receive(reply.eap_message()))
    peer.receive(reply.eap_message())
    return reply, req


@pytest.mark.parametrize("method", ["mschapv2", "md5"])
def test_simserver_eap_accept(method):
    srv = sim(method, [("Cisco-AVPair", "ipsec:route-set=interface")])
    nas = Nas(srv)
    peer = E.EapPeer("alice", "secret", rng=rng(4))
    reply, req = converse(nas, peer)
    assert reply.code == P.ACCESS_ACCEPT and peer.state == E.SUCCESS_STATE
    assert E.parse(reply.eap_message()).code == E.SUCCESS
    assert reply.get("User-Name") == "alice"
    assert reply.avpairs() == ["ipsec:route-set=interface"]
    recv, send = reply.mppe_keys(SECRET, req[4:20])
    if method == "mschapv2":
        assert recv + send == peer.msk and len(peer.msk) == 32
    else:
        assert (recv, send) == (None, None) and peer.msk is None
    assert srv.eap_sessions == {} and srv.eap_results[-1].state == E.SUCCESS_STATE


@pytest.mark.parametrize("method", ["mschapv2", "md5"])
def test_simserver_eap_reject(method):
    nas = Nas(sim(method))
    peer = E.EapPeer("alice", "nope", rng=rng(4))
    reply, _ = converse(nas, peer)
    assert reply.code == P.ACCESS_REJECT and E.parse(reply.eap_message()).code == E.FAILURE
    assert peer.state == E.FAILURE_STATE


def test_simserver_eap_start_and_split_eap_message():
    nas = Nas(sim("mschapv2"))
    peer = E.EapPeer("alice", "secret", rng=rng(4))
    reply, _ = nas.send(b"")  # EAP-Start: the server asks for the identity
    assert reply.code == P.ACCESS_CHALLENGE and E.parse(reply.eap_message()).type == E.IDENTITY
    reply, _ = nas.send(peer.receive(reply.eap_message()), split=3)  # several EAP-Message attributes
    assert reply.code == P.ACCESS_CHALLENGE and E.parse(reply.eap_message()).type == E.MSCHAPV2
    while reply.code == P.ACCESS_CHALLENGE:
        reply, _ = nas.send(peer.receive(reply.eap_message()), split=7)
    assert reply.code == P.ACCESS_ACCEPT


def test_simserver_long_eap_message_is_split_in_replies():
    srv = sim("md5")
    nas = Nas(srv)
    first = nas.send(E.response(1, E.IDENTITY, b"alice"))[0]
    assert [a for a in first.attributes if a.type == P.EAP_MESSAGE]  # one attribute for a short message
    big = E.request(5, E.NOTIFICATION, b"n" * 600)
    attrs = srv._eap_reply(P.ACCESS_CHALLENGE, first, big, None)
    assert P.decode(attrs).eap_message() == big
    assert len([a for a in P.decode(attrs).attributes if a.type == P.EAP_MESSAGE]) == 3


def test_simserver_drops_eap_without_valid_message_authenticator():
    srv = sim()
    nas = Nas(srv)
    assert nas.send(E.response(1, E.IDENTITY, b"alice"), ma=False)[0] is None
    assert nas.send(E.response(1, E.IDENTITY, b"alice"), tamper=True)[0] is None
    assert srv.eap_sessions == {}
    assert nas.send(E.response(1, E.IDENTITY, b"alice"))[0].code == P.ACCESS_CHALLENGE


def test_simserver_unknown_state_is_rejected_and_retransmission_answered_alike():
    srv = sim()
    nas = Nas(srv)
    reply, req = nas.send(E.response(1, E.IDENTITY, b"alice"))
    again = srv.receive(req, NAS, SRV)
    assert P.verify_reply(again[0].data, req, SECRET).raw == reply.raw
    assert len(srv.eap_sessions) == 1
    nas.state = b"not-a-state"
    reply, _ = nas.send(E.response(2, E.MSCHAPV2, b"\x03"))
    assert reply.code == P.ACCESS_REJECT and E.parse(reply.eap_message()).code == E.FAILURE


def test_simserver_pap_unchanged():
    srv = sim()
    auth = bytes(range(16))
    data = P.encode_request(P.ACCESS_REQUEST, 1, SECRET, [("User-Name", "alice"), ("User-Password", "secret")], auth)
    reply = P.verify_reply(srv.receive(data, NAS, SRV)[0].data, data, SECRET)
    assert reply.code == P.ACCESS_ACCEPT

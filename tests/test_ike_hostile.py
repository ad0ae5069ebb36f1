"""Hostile input: nothing raises out of the responder, everything is counted, answers are what RFC 7296 says."""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iosflex.crypto import algorithms as A
from iosflex.crypto import codec as C
from iosflex.crypto.client import Initiator
from iosflex.router import Router

from test_ike_engine import FQDN, ROUTER, Net, seeded

DST = ROUTER
SRC = ("172.16.1.1", 500)


@pytest.fixture(scope="module")
def router():
    r = Router(None, default_if_missing=True)
    r.load_startup()
    return r


def _init_bytes(seed=5) -> bytes:
    ini = Initiator(SRC, DST, FQDN, psk=b"pre_shared_key", rng=seeded(seed))
    return ini.start(0.0)[0].data


def test_truncated_and_garbled(router):
    net = Net(router)
    data = _init_bytes()
    for n in range(0, len(data)):
        assert net.svc.receive(data[:n], SRC, DST, 1.0) == [] or n >= 28
    rnd = random.Random(3)
    for _ in range(300):
        b = bytearray(data)
        for _ in range(rnd.randint(1, 8)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        net.svc.receive(bytes(b), SRC, DST, 1.0)
    s = net.resp.stats
    assert s.malformed > 0


def test_oversized_and_empty(router):
    net = Net(router)
    assert net.svc.receive(b"", SRC, DST, 1.0) == []
    assert net.svc.receive(b"\x00" * 70000, SRC, DST, 1.0) == []
    assert net.svc.receive(b"\xff", SRC, ("172.16.1.2", 4500), 1.0) == []  # a NAT keepalive
    assert net.resp.keepalives == 1
    assert net.svc.receive(b"\x01\x02\x03\x04" + bytes(40), SRC, ("172.16.1.2", 4500), 1.0) == []  # ESP
    assert net.resp.esp_dropped == 1


def test_invalid_ike_spi_answered_unprotected(router):
    net = Net(router)
    m = C.Message(b"A" * 8, b"B" * 8, A.INFORMATIONAL, A.FLAG_INITIATOR, 3, [])
    out = net.svc.receive(m.encode(), SRC, DST, 1.0)
    assert len(out) == 1
    r = C.parse_message(out[0].data)
    assert r.is_response and r.message_id == 3 and r.notify(A.INVALID_IKE_SPI) is not None
    assert r.spi_i == b"A" * 8 and r.spi_r == b"B" * 8
    # responses with unknown SPIs are never answered
    m2 = C.Message(b"A" * 8, b"B" * 8, A.INFORMATIONAL, A.FLAG_INITIATOR | A.FLAG_RESPONSE, 3, [])
    assert net.svc.receive(m2.encode(), SRC, DST, 1.0) == []
    assert net.resp.stats.invalid_spi == 2


def test_invalid_major_version(router):
    net = Net(router)
    data = bytearray(_init_bytes())
    data[17] = 0x30
    out = net.svc.receive(bytes(data), SRC, DST, 1.0)
    assert len(out) == 1
    r = C.parse_message(out[0].data)
    assert r.notify(A.INVALID_MAJOR_VERSION) is not None


def test_unknown_critical_payload(router):
    net = Net(router)
    ini = Initiator(SRC, DST, FQDN, psk=b"pre_shared_key", rng=seeded(5))
    ini.start(0.0)
    m = C.parse_message(ini.init_req)
    body = m.encode()[28:]
    # prepend an unknown critical payload (type 200)
    crit = struct.pack("!BBH", m._first if hasattr(m, "_first") else A.PT_SA, 0x80, 8) + b"abcd"
    hdr = bytearray(m.encode()[:28])
    hdr[16] = 200
    data = bytes(hdr[:24]) + struct.pack("!I", 28 + len(crit) + len(body)) + crit + body
    out = net.svc.receive(data, SRC, DST, 1.0)
    assert len(out) == 1
    r = C.parse_message(out[0].data)
    n = r.notify(A.UNSUPPORTED_CRITICAL_PAYLOAD)
    assert n is not None and n.data == bytes((200,))
    assert net.resp.stats.unsupported_critical == 1


def test_replayed_and_tampered_inside_sa(router):
    net = Net(router)
    ini = net.connect(net.client())
    assert ini.established
    auth_req = net.to_router[-1]
    n_sessions = len(router.sessions.active())
    # tampered ciphertext: integrity failure, silently dropped
    b = bytearray(auth_req.data)
    b[-1] ^= 1
    assert net.svc.receive(bytes(b), auth_req.src, auth_req.dst, 2.0) == []
    assert net.resp.stats.integrity_failed + net.resp.stats.dropped_other >= 1
    # a message id far beyond the window
    m = C.Message(ini.spi_i, ini.spi_r, A.INFORMATIONAL, A.FLAG_INITIATOR, 999, [])
    pkt = C.seal(m, ini.c_out, seeded(1))[0]
    before = net.resp.stats.dropped_other
    assert net.svc.receive(pkt, auth_req.src, auth_req.dst, 2.0) == []
    assert net.resp.stats.dropped_other == before + 1
    assert len(router.sessions.active()) == n_sessions


def test_invalid_syntax_inside_sa_answered(router):
    net = Net(router)
    ini = net.connect(net.client(seed=11))
    # an INFORMATIONAL whose inner payload chain is broken: INVALID_SYNTAX, encrypted, in the SA
    m = C.Message(ini.spi_i, ini.spi_r, A.INFORMATIONAL, A.FLAG_INITIATOR, ini.my_next,
                  [C.Unknown(201, b"x" * 3, True)])
    pkt = C.seal(m, ini.c_out, seeded(2))[0]
    out = net.svc.receive(pkt, net.to_router[-1].src, DST, 2.0)
    assert len(out) == 1
    r = C.parse_message(out[0].data)
    C.open_sk(r, ini.c_in)
    assert r.notify(A.UNSUPPORTED_CRITICAL_PAYLOAD) is not None


def test_half_open_flood_with_cookies(router):
    router.apply_config("crypto ikev2 cookie-challenge 10\n")
    try:
        net = Net(router)
        for i in range(500):
            ini = Initiator((f"10.{i // 250}.{i % 250}.1", 500), DST, FQDN, psk=b"x", rng=seeded(1000 + i))
            d = ini.start(0.0)[0]
            net.svc.receive(d.data, d.src, d.dst, 1.0)
        assert len(net.resp.half_open) == 10
        assert net.resp.stats.cookie_challenged == 490
        ok = net.connect(net.client(seed=77))
        assert ok.established
        # half-open SAs expire
        net.advance(40, step=5)
        assert len(net.resp.half_open) == 0
    finally:
        router.apply_config("no crypto ikev2 cookie-challenge 10\n")


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=600), st.sampled_from([500, 4500]))
def test_fuzz_never_raises(router, data, port):
    from iosflex.crypto.responder import Responder

    resp = Responder(router, rng=seeded(1))
    resp.raise_errors = True  # the claim is that nothing raises: let anything that does fail the test
    resp.receive(data, SRC, ("172.16.1.2", port), 1.0)
    resp.tick(2.0)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_mutated_ike_sa_init_never_raises(router, data):
    from iosflex.crypto.responder import Responder

    base = bytearray(_init_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(base) - 1))
        base[i] = data.draw(st.integers(0, 255))
    resp = Responder(router, rng=seeded(1))
    resp.raise_errors = True  # the claim is that nothing raises: let anything that does fail the test
    resp.receive(bytes(base), SRC, DST, 1.0)

"""ESP for one child SA (iosflex/interfaces/esp.py): wire layout checked against packets built by hand from the
RFCs (RFC 4303 trailer and ICV, RFC 4106 nonce/AAD, RFC 3602 IV), round trips between two instances with
swapped keys for every transform, anti-replay, lifetimes, and a fuzz of decrypt (drops are counted, never raised)."""

from __future__ import annotations

import hashlib
import hmac
import os

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iosflex.crypto.state import ChildSa
from iosflex.interfaces import esp as E

TRANSFORMS = [
    ((12, 128), 2), ((12, 256), 2), ((12, 256), 12), ((12, 192), 13), ((12, 256), 14),
    ((20, 128), None), ((20, 256), None), ((11, None), 12),
]
KEYLEN = {12: lambda bits: bits // 8, 20: lambda bits: bits // 8 + 4, 11: lambda bits: 0}
ILEN = {None: 0, 2: 20, 12: 32, 13: 48, 14: 64}


def pair(encr, integ, **kw):
    """Two SAs facing each other: a's outbound is b's inbound and the other way round."""
    ek = KEYLEN[encr[0]](encr[1])
    k1, k2 = os.urandom(ek), os.urandom(ek)
    i1, i2 = os.urandom(ILEN[integ]), os.urandom(ILEN[integ])
    a = E.EspSa(0x1001, 0x2002, encr, integ, k1, i1, k2, i2, **kw)
    b = E.EspSa(0x2002, 0x1001, encr, integ, k2, i2, k1, i1, **kw)
    return a, b


@pytest.mark.parametrize("encr,integ", TRANSFORMS)
def test_round_trip_every_transform(encr, integ):
    a, b = pair(encr, integ)
    for n in (0, 1, 13, 14, 15, 16, 17, 100, 1400):
        payload = os.urandom(n)
        pkt = a.encrypt(payload, 4)
        assert pkt[:4] == (0x2002).to_bytes(4, "big")
        assert b.decrypt(pkt) == (4, payload)
        back = b.encrypt(payload, 47)
        assert a.decrypt(back) == (47, payload)
    assert a.stats.pkts_out == a.stats.pkts_in == b.stats.pkts_in == 9
    assert a.stats.bytes_out == sum((0, 1, 13, 14, 15, 16, 17, 100, 1400))
    assert a.dropped == b.dropped == 0


def test_gcm_layout_rfc4106():
    """RFC 4106: nonce = salt(4) | IV(8), AAD = SPI | seq (32-bit), ICV 16, pad to 4 octets."""
    key, salt = bytes(range(16)), b"\xca\xfe\xba\xbe"
    a = E.EspSa(1, 0x11223344, (20, 128), None, key + salt, b"", key + salt, b"")
    pkt = a.encrypt(b"hello", 4)
    head, iv = pkt[:8], pkt[8:16]
    assert head == bytes.fromhex("11223344") + (1).to_bytes(4, "big")
    plain = AESGCM(key).decrypt(salt + iv, pkt[16:], head)
    # 5 octets + pad 1 + pad length + next header = 8, a multiple of 4 (RFC 4303 §2.4 padding 1, 2, 3, ...)
    assert plain == b"hello" + b"\x01" + b"\x01\x04"


def test_cbc_hmac_layout_rfc3602_rfc4868():
    """ESP = SPI | seq | IV(16) | AES-CBC(payload | pad | padlen | nh) | HMAC-SHA-256 truncated to 128 bits."""
    key, ikey = bytes(32), bytes(range(32))
    iv = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    a = E.EspSa(1, 0xDEADBEEF, (12, 256), 12, key, ikey, key, ikey, rng=lambda n: iv[:n])
    payload = b"A" * 20
    pkt = a.encrypt(payload, 4)
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    body = payload + bytes(range(1, 11)) + bytes((10, 4))  # 20 + 10 + 2 = 32
    expect = bytes.fromhex("deadbeef00000001") + iv + enc.update(body) + enc.finalize()
    expect += hmac.new(ikey, expect, hashlib.sha256).digest()[:16]
    assert pkt == expect


def test_from_child_counts_into_child_sa():
    ch = ChildSa(spi_in=5, spi_out=6, encr=(20, 256), integ=None,
                 keys={"enc_in": bytes(36), "integ_in": b"", "enc_out": bytes(36), "integ_out": b""})
    sa = E.EspSa.from_child(ch)
    peer = E.EspSa(6, 5, (20, 256), None, bytes(36), b"", bytes(36), b"")
    assert sa.decrypt(peer.encrypt(b"x" * 84, 4)) == (4, b"x" * 84)
    sa.encrypt(b"y" * 10)
    assert (ch.pkts_in, ch.bytes_in, ch.pkts_out, ch.bytes_out) == (1, 84, 1, 10)


def test_unsupported_transform():
    with pytest.raises(E.EspUnsupported):
        E.EspSa(1, 2, (3, None), 2, bytes(24), bytes(20), bytes(24), bytes(20))


@pytest.mark.parametrize("encr,integ", [((12, 128), 12), ((20, 128), None)])
def test_replay_and_window(encr, integ):
    a, b = pair(encr, integ)
    pkts = [a.encrypt(bytes([i]) * 10) for i in range(200)]
    assert b.decrypt(pkts[100]) is not None
    assert b.decrypt(pkts[100]) is None and b.drops[E.REPLAY] == 1
    # 101..., 36 (seq 37) is still in the 64 window under 101
    assert b.decrypt(pkts[40]) is not None  # seq 41 > 101 - 64
    assert b.decrypt(pkts[40]) is None and b.drops[E.REPLAY] == 2
    assert b.decrypt(pkts[30]) is None and b.drops[E.OUT_OF_WINDOW] == 1  # seq 31 <= 101 - 64
    assert b.decrypt(pkts[199]) is not None  # window jumps
    assert b.decrypt(pkts[150]) is not None  # seq 151 within 200 - 64
    assert b.decrypt(pkts[120]) is None and b.drops[E.OUT_OF_WINDOW] == 2
    assert b.stats.pkts_in == 4


def test_window_only_moves_on_authentic_packets():
    a, b = pair((12, 128), 2)
    good = a.encrypt(b"z" * 30)
    forged = bytearray(a.encrypt(b"z" * 30))
    forged[4:8] = (1000).to_bytes(4, "big")  # a far sequence number without the right ICV
    assert b.decrypt(bytes(forged)) is None and b.drops[E.BAD_ICV] == 1
    assert b.decrypt(good) is not None  # seq 1 still accepted: the forgery did not move the window


def test_replay_window():
    """RFC 4303 §3.4.3 through EspSa.decrypt, the one implementation: a 64-packet window below the highest
    sequence number accepted; 0 is never sent."""
    a, b = pair((12, 128), 2)

    def packet(seq):
        a.seq_out = seq - 1  # the next one sent carries `seq`
        return a.encrypt(b"w" * 20)

    pkts = {s: packet(s) for s in (1, 2, 3, 64, 65, 9_936, 9_937, 10_000)}
    zero = bytearray(pkts[1])
    zero[4:8] = bytes(4)  # sequence number 0 (its ICV is wrong too: the window says no first)
    assert b.decrypt(bytes(zero)) is None and b.drops[E.OUT_OF_WINDOW] == 1 and b.drops[E.BAD_ICV] == 0
    for s in (1, 2, 64, 65):
        assert b.decrypt(pkts[s]) == (4, b"w" * 20)
    assert b.decrypt(pkts[1]) is None and b.drops[E.OUT_OF_WINDOW] == 2  # 65 - 1 = 64: left the window
    assert b.decrypt(pkts[2]) is None and b.drops[E.REPLAY] == 1  # in the window, seen
    assert b.decrypt(pkts[3]) is not None  # in the window, not seen
    assert b.decrypt(pkts[3]) is None and b.drops[E.REPLAY] == 2
    assert b.decrypt(pkts[10_000]) is not None  # a jump beyond the window clears it
    assert b.decrypt(pkts[9_936]) is None and b.drops[E.OUT_OF_WINDOW] == 3
    assert b.decrypt(pkts[9_937]) is not None
    assert b.stats.pkts_in == 7


def test_lifetime_bytes_soft_then_hard():
    a, b = pair((20, 128), None, life_bytes=1000)
    for _ in range(8):
        assert a.encrypt(b"p" * 100) is not None
    assert not a.soft_expired
    a.encrypt(b"p" * 100)  # 900 = 90 %
    assert a.soft_expired and not a.expired
    a.encrypt(b"p" * 100)
    assert a.expired
    assert a.encrypt(b"p") is None and a.drops[E.EXPIRED] == 1


def test_lifetime_packets():
    a, b = pair((12, 128), 12, life_pkts=10)
    a.life_pkts = 0  # the sender without a limit
    for _ in range(10):
        b.decrypt(a.encrypt(b"q"))
    assert b.expired and b.stats.pkts_in == 10
    assert b.decrypt(a.encrypt(b"q")) is None and b.drops[E.EXPIRED] == 1


def test_truncated_and_bad_icv_counted():
    a, b = pair((20, 256), None)
    pkt = a.encrypt(b"hello world")
    assert b.decrypt(pkt[:10]) is None and b.drops[E.TRUNCATED] == 1
    bad = pkt[:-1] + bytes([pkt[-1] ^ 1])
    assert b.decrypt(bad) is None and b.drops[E.BAD_ICV] == 1
    assert b.decrypt(pkt) == (4, b"hello world")


FUZZ = [pair(e, i) for e, i in TRANSFORMS]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(idx=st.integers(0, len(FUZZ) - 1), data=st.binary(max_size=300), mutate=st.integers(0, 400),
       valid=st.booleans())
def test_fuzz_decrypt_never_raises(idx, data, mutate, valid):
    a, b = FUZZ[idx]
    before_in, before_drop = b.stats.pkts_in, b.dropped
    if valid:
        pkt = bytearray(a.encrypt(data))
        if mutate < len(pkt):
            pkt[mutate] ^= 0x5A
        else:
            pkt = pkt[: mutate % (len(pkt) + 1)]
        data = bytes(pkt)
    out = b.decrypt(data)
    if out is None:
        assert b.dropped == before_drop + 1
    else:
        assert b.stats.pkts_in == before_in + 1

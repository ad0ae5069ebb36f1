"""Hostile input for the IKEv2 codec: 100,000 mutated packets (bit flips, truncation, length fields, extension,
insertion/deletion, splices, random garbage) built from valid IKE_SA_INIT / IKE_AUTH / CREATE_CHILD_SA /
INFORMATIONAL messages and fragments, plus correctly encrypted-but-garbled plaintexts, fed to parse_message /
open_sk / FragmentReassembler / classify_udp4500.  Only CodecError may come out.

IOSFLEX_FUZZ_COUNT overrides the count (default 100000, the number issue 4 asks for)."""

import os
import random
import struct
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from iosflex.crypto import algorithms as A
from iosflex.crypto import codec as C
from iosflex.crypto.state import TrafficSelector

COUNT = int(os.environ.get("IOSFLEX_FUZZ_COUNT", "100000"))
SI, SR = bytes.fromhex("1d418169b24bf95a"), bytes.fromhex("6833e924871b8c81")
ANY4 = TrafficSelector(7, 0, 0, 65535, "0.0.0.0", "255.255.255.255")
ANY6 = TrafficSelector(8, 0, 0, 65535, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")


def _rng(seed):
    r = random.Random(seed)
    return lambda n: r.randbytes(n)


def _suite(encr, integ):
    e = A.get_encr(*encr)
    i = A.get_integ(integ) if integ else None
    keys = A.ike_keys(5, e, i, b"\x11" * 32, b"\x22" * 32, SI, SR, b"\x33" * 32)
    init_out = C.sk_crypto(keys, e, i, initiator=True)[1]
    resp_in = C.sk_crypto(keys, e, i)[0]
    return init_out, resp_in


def _inner_payloads():
    sa = C.SA([C.Proposal(1, 3, b"\x0a\x0b\x0c\x0d", [C.Transform.make(1, 12, 256), C.Transform.make(1, 12, 128),
                                                       C.Transform(3, 12), C.Transform(3, 2), C.Transform(5, 0)]),
               C.Proposal(2, 3, b"\x0a\x0b\x0c\x0d", [C.Transform.make(1, 20, 256), C.Transform(5, 0)])])
    return [
        C.VendorID(b"FLEXVPN-SUPPORTED"), C.IDi(A.ID_FQDN, b"client.example.com"),
        C.Cert(4, bytes(range(256)) * 2), C.CertReq(4, b"\x01" * 40), C.IDr(A.ID_IPV4_ADDR, b"\x0a\0\0\x01"),
        C.Auth(A.AUTH_DIGITAL_SIGNATURE, b"\x0f" + bytes.fromhex("300d06092a864886f70d01010b0500") + b"s" * 64),
        C.CP(A.CFG_REQUEST, [C.CPAttr(1), C.CPAttr(2), C.CPAttr(3), C.CPAttr(7, b"strongSwan 6"),
                             C.CPAttr(28672), C.CPAttr(28675)]),
        sa, C.TSi([ANY4, ANY6]), C.TSr([ANY4]),
        C.Notify(A.INITIAL_CONTACT), C.Notify(A.SET_WINDOW_SIZE, b"\0\0\0\x05"),
        C.Notify(A.REKEY_SA, protocol=3, spi=b"\x0a\x0b\x0c\x0d"),
        C.EAP(bytes((2, 1, 0, 10, 1)) + b"User1"),
        C.Delete(3, [b"\x01\x02\x03\x04", b"\x05\x06\x07\x08"]), C.Delete(1),
        C.KE(19, b"\x44" * 64), C.Nonce(b"\x55" * 32),
    ]


def _seeds():
    """(bytes, SkCrypto to open with or None)."""
    out = []
    sa_init = C.Message(SI, bytes(8), A.IKE_SA_INIT, A.FLAG_INITIATOR, 0, [
        C.SA([C.Proposal(1, 1, b"", [C.Transform.make(1, 12, 256), C.Transform.make(1, 12, 128), C.Transform(2, 5),
                                     C.Transform(2, 2), C.Transform(3, 12), C.Transform(3, 2), C.Transform(4, 19),
                                     C.Transform(4, 14)]),
              C.Proposal(2, 1, b"", [C.Transform.make(1, 20, 256), C.Transform(2, 6), C.Transform(4, 31)])]),
        C.KE(19, b"\x07" * 64), C.Nonce(b"\x08" * 32), *C.cisco_vendor_ids(),
        C.Notify(A.NAT_DETECTION_SOURCE_IP, b"\x09" * 20), C.Notify(A.NAT_DETECTION_DESTINATION_IP, b"\x0a" * 20),
        C.Notify(A.IKEV2_FRAGMENTATION_SUPPORTED), C.Notify(A.SIGNATURE_HASH_ALGORITHMS, b"\0\x02\0\x03\0\x04")])
    out.append((sa_init.encode(), None))
    resp = C.Message(SI, SR, A.IKE_SA_INIT, A.FLAG_RESPONSE, 0, sa_init.payloads[:4] + [C.CertReq(4, b"\x01" * 20)])
    out.append((resp.encode(), None))
    out.append((C.Message(SI, bytes(8), A.IKE_SA_INIT, A.FLAG_INITIATOR, 0,
                          [C.Notify(A.COOKIE, b"c" * 32)] + sa_init.payloads).encode(), None))
    out.append((C.Message(SI, SR, A.IKE_AUTH, 8, 1, _inner_payloads()).encode(), None))  # all payloads in clear
    for encr, integ in (((12, 256), 12), ((20, 256), None), ((3, None), 2)):
        co, ci = _suite(encr, integ)
        auth = C.Message(SI, SR, A.IKE_AUTH, A.FLAG_INITIATOR, 1, _inner_payloads())
        out.append((C.seal_sk(auth, co, _rng(1)), ci))
        info = C.Message(SI, SR, A.INFORMATIONAL, A.FLAG_INITIATOR, 2,
                         [C.Delete(1), C.Notify(A.CISCO_DELETE_REASON, b"\x01")])
        out.append((C.seal_sk(info, co, _rng(2)), ci))
        child = C.Message(SI, SR, A.CREATE_CHILD_SA, A.FLAG_INITIATOR, 3, _inner_payloads()[-7:])
        out.append((C.seal_sk(child, co, _rng(3)), ci))
        for f in C.seal_fragments(auth, co, _rng(4), 400):
            out.append((f, ci))
    return out


def _sealed_plaintext(first, plain, crypto, rng, mid=1):
    """A correctly encrypted SK message whose plaintext is arbitrary bytes (to fuzz the inner parsers)."""
    sk_len = 4 + C._sk_len(crypto, len(plain))
    head = (struct.pack("!8s8sBBBBII", SI, SR, A.PT_SK, 0x20, A.IKE_AUTH, A.FLAG_INITIATOR, mid, 28 + sk_len)
            + struct.pack("!BBH", first, 0, sk_len))
    return head + C._encrypt(crypto, head, plain, rng)


BOUNDARY = (0, 1, 3, 4, 5, 7, 8, 16, 27, 28, 29, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF)


def _mutate(r: random.Random, data: bytes, seeds) -> bytes:
    k = r.randrange(9)
    n = len(data)
    if k == 0:  # bit flips
        b = bytearray(data)
        for _ in range(r.randint(1, 8)):
            b[r.randrange(n)] ^= 1 << r.randrange(8)
        out = bytes(b)
    elif k == 1:  # truncation
        out = data[:r.randrange(n)]
    elif k == 2:  # a 16-bit length-ish field somewhere (payload lengths, counts, ports)
        b = bytearray(data)
        pos = r.randrange(max(1, n - 1))
        v = r.choice(BOUNDARY) if r.random() < 0.7 else r.randrange(0x10000)
        if pos + 2 <= n:
            struct.pack_into("!H", b, pos, v)
        out = bytes(b)
    elif k == 3:  # a generic payload header length, walking the chain
        b = bytearray(data)
        o = 28
        hops = r.randrange(6)
        while hops and o + 4 <= n:
            ln = struct.unpack_from("!H", b, o + 2)[0]
            if ln < 4:
                break
            o += ln
            hops -= 1
        if o + 4 <= n:
            ln = struct.unpack_from("!H", b, o + 2)[0]
            struct.pack_into("!H", b, o + 2, max(0, min(0xFFFF, ln + r.choice((-5, -4, -1, 1, 4, 100, -ln, 0xFFFF)))))
        out = bytes(b)
    elif k == 4:  # extension
        out = data + r.randbytes(r.randint(1, 64))
    elif k == 5:  # insert / delete in the middle
        pos = r.randrange(n)
        if r.random() < 0.5:
            out = data[:pos] + r.randbytes(r.randint(1, 8)) + data[pos:]
        else:
            out = data[:pos] + data[pos + r.randint(1, 8):]
    elif k == 6:  # splice two seeds
        other = r.choice(seeds)[0]
        out = data[:r.randrange(n)] + other[r.randrange(len(other)):]
    elif k == 7:  # garbage behind a plausible header
        out = data[:28] + r.randbytes(r.randint(0, 200))
    else:  # pure garbage
        out = r.randbytes(r.choice((0, 1, 4, 8, 27, 28, 29, 40, r.randint(0, 600))))
    if len(out) >= 28 and r.random() < 0.6:  # keep the header length consistent to reach the payload parsers
        b = bytearray(out)
        struct.pack_into("!I", b, 24, len(b))
        out = bytes(b)
    return out


def _feed(data: bytes, crypto, reassembler):
    """Run one packet through everything a responder does with raw bytes; only CodecError may escape."""
    try:
        m = C.parse_message(data)
    except C.CodecError:
        return "rejected"
    C.payload_tokens(m.payloads)
    m.encode()
    enc = m.encrypted
    if enc is not None and crypto is not None:
        try:
            if isinstance(enc, C.Encrypted):
                inner = C.open_sk(m, crypto)
            else:
                inner = reassembler.add(m, crypto)
        except C.CodecError:
            return "rejected-sk"
        if inner is not None:
            C.payload_tokens(inner)
            C.encode_payloads(inner)
    return "parsed"


def test_fuzz_100k_mutated_packets():
    r = random.Random(4242)
    seeds = _seeds()
    for d, _ in seeds:  # seeds themselves are valid
        C.parse_message(d)
    suites = [_suite((12, 256), 12), _suite((20, 128), None), _suite((3, None), 14)]
    plain_first, plain = C.encode_payloads(_inner_payloads())
    reassembler = C.FragmentReassembler()
    stats = {"rejected": 0, "rejected-sk": 0, "parsed": 0}
    unexpected = []
    rng = _rng(9)
    t0 = time.perf_counter()
    for i in range(COUNT):
        try:
            if i % 10 == 9:  # valid ICV, garbled plaintext: reaches the inner payload parsers
                co, ci = suites[i % 3]
                p = _mutate(r, plain, seeds)
                first = plain_first if r.random() < 0.8 else r.randrange(256)
                data, crypto = _sealed_plaintext(first, p, co, rng), ci
            else:
                seed, crypto = seeds[r.randrange(len(seeds))]
                data = _mutate(r, seed, seeds)
            stats[_feed(data, crypto, reassembler)] += 1
            if i % 50 == 0:
                C.classify_udp4500(data[:r.randrange(len(data) + 1)])
        except C.CodecError:
            raise AssertionError("CodecError escaped _feed")  # pragma: no cover
        except Exception as e:  # anything else is a bug
            unexpected.append((type(e).__name__, str(e), data.hex()))
            if len(unexpected) > 5:
                break
    elapsed = time.perf_counter() - t0
    assert not unexpected, unexpected[:3]
    assert sum(stats.values()) == COUNT
    # the mutations must exercise both paths
    assert stats["parsed"] > COUNT // 20 and stats["rejected"] > COUNT // 10, stats
    print(f"fuzz: {COUNT} packets in {elapsed:.1f}s {stats}")


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_hypothesis_random_bytes(data):
    try:
        C.parse_message(data)
    except C.CodecError:
        pass


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 255), st.binary(max_size=300))
def test_hypothesis_inner_chain(first, data):
    try:
        C.parse_payloads(first, data, 0, inner=True)
    except C.CodecError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=28, max_size=300), st.sampled_from([0, 1, 2]))
def test_hypothesis_open_sk_random_body(body, which):
    """Random SK bodies behind a valid header never raise anything but CodecError / IntegrityError."""
    co, ci = [_suite((12, 256), 12), _suite((20, 256), None), _suite((3, None), 2)][which]
    data = struct.pack("!8s8sBBBBII", SI, SR, A.PT_SK, 0x20, 35, 8, 1, 32 + len(body)) + struct.pack(
        "!BBH", 35, 0, 4 + len(body)) + body
    m = C.parse_message(data)
    try:
        C.open_sk(m, ci)
    except C.CodecError:
        pass

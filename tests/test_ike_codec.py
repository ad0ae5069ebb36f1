"""iosflex.crypto.codec: payload round trips (hypothesis), SK seal/open for every ENCR/INTEG, tampering, RFC 7383
fragments, error mapping, IOS debug payload lines, NAT-D and port-4500 helpers."""

import hashlib
import random
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iosflex.crypto import algorithms as A
from iosflex.crypto import codec as C
from iosflex.crypto.state import TrafficSelector


def det_rng(seed=1):
    r = random.Random(seed)
    return lambda n: r.randbytes(n)


# --- strategies ------------------------------------------------------------------------------------------------

u8 = st.integers(0, 255)
u16 = st.integers(0, 0xFFFF)
blob = st.binary(max_size=64)
crit = st.booleans()

attr = st.one_of(st.tuples(st.integers(0, 0x7FFF), u16), st.tuples(st.integers(0, 0x7FFF), blob))
transform = st.builds(C.Transform, st.integers(1, 5), u16, st.lists(attr, max_size=2))
proposal = st.builds(C.Proposal, u8, st.sampled_from([1, 2, 3]), st.sampled_from([b"", b"\x01\x02\x03\x04",
                                                                                     b"12345678"]),
                     st.lists(transform, max_size=6))
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)
ts = st.one_of(
    st.builds(TrafficSelector, st.just(7), u8, u16, u16, ipv4, ipv4),
    st.builds(TrafficSelector, st.just(8), u8, u16, u16, ipv6, ipv6),
)
eap = st.one_of(
    st.builds(lambda c, i, t, d: bytes((c, i)) + struct.pack("!H", 5 + len(d)) + bytes((t,)) + d,
              st.sampled_from([1, 2]), u8, u8, blob),
    st.builds(lambda c, i: bytes((c, i, 0, 4)), st.sampled_from([3, 4]), u8),
)

payload = st.one_of(
    st.builds(C.SA, st.lists(proposal, max_size=3), crit),
    st.builds(C.KE, u16, blob, crit),
    st.builds(C.IDi, u8, blob, crit),
    st.builds(C.IDr, u8, blob, crit),
    st.builds(C.Cert, u8, blob, crit),
    st.builds(C.CertReq, u8, blob, crit),
    st.builds(C.Auth, u8, blob, crit),
    st.builds(C.Nonce, st.binary(min_size=16, max_size=256), crit),
    st.builds(C.Notify, u16, blob, u8, st.sampled_from([b"", b"\xaa\xbb\xcc\xdd"]), crit),
    st.builds(lambda p, spis, c: C.Delete(p, spis, 4, c), st.sampled_from([2, 3]),
              st.lists(st.binary(min_size=4, max_size=4), max_size=4), crit),
    st.builds(lambda c: C.Delete(1, [], 0, c), crit),
    st.builds(C.VendorID, blob, crit),
    st.builds(C.TSi, st.lists(ts, max_size=3), crit),
    st.builds(C.TSr, st.lists(ts, max_size=3), crit),
    st.builds(C.CP, st.sampled_from([1, 2, 3, 4]),
              st.lists(st.builds(C.CPAttr, st.integers(0, 0x7FFF), blob), max_size=4), crit),
    st.builds(C.EAP, eap, crit),
    st.builds(C.Unknown, st.sampled_from([49, 50, 51, 99, 200]), blob, st.just(False)),
)
spi = st.binary(min_size=8, max_size=8)


@settings(max_examples=300, deadline=None)
@given(spi, spi, st.sampled_from([34, 35, 36, 37]), st.sampled_from([0, 8, 0x20, 0x28]),
       st.integers(0, 2 ** 32 - 1), st.lists(payload, max_size=8))
def test_message_round_trip(si, sr, xch, flags, mid, payloads):
    m = C.Message(si, sr, xch, flags, mid, payloads)
    data = m.encode()
    p = C.parse_message(data)
    assert (p.spi_i, p.spi_r, p.exchange, p.flags, p.message_id) == (si, sr, xch, flags, mid)
    assert p.payloads == payloads
    assert p.encode() == data


KEYS = dict(ni=b"\x11" * 32, nr=b"\x22" * 32, spi_i=b"I" * 8, spi_r=b"R" * 8, g_ir=b"\x33" * 32)
SUITES = [((12, 128), 1), ((12, 128), 2), ((12, 192), 12), ((12, 256), 12), ((12, 256), 13), ((12, 256), 14),
          ((3, None), 1), ((3, None), 2), ((3, None), 12), ((3, None), 14), ((20, 128), None), ((20, 256), None),
          ((20, 192), None)]


def crypto_pair(encr, integ, prf=5):
    e = A.get_encr(*encr)
    i = A.get_integ(integ) if integ else None
    keys = A.ike_keys(prf, e, i, **KEYS)
    resp_in, resp_out = C.sk_crypto(keys, e, i)
    init_in, init_out = C.sk_crypto(keys, e, i, initiator=True)
    return init_out, resp_in, resp_out, init_in


def auth_request():
    return C.Message(b"I" * 8, b"R" * 8, A.IKE_AUTH, A.FLAG_INITIATOR, 1, [
        C.IDi(A.ID_FQDN, b"client.example.com"), C.Auth(A.AUTH_PSK, b"\x42" * 32),
        C.CP(A.CFG_REQUEST, [C.CPAttr(1), C.CPAttr(3), C.CPAttr(28672), C.CPAttr(28675)]),
        C.SA([C.Proposal(1, 3, b"\x01\x02\x03\x04", [C.Transform.make(1, 12, 256), C.Transform(3, 12),
                                                      C.Transform(5, 0)])]),
        C.TSi([TrafficSelector(7, 0, 0, 65535, "0.0.0.0", "255.255.255.255")]),
        C.TSr([TrafficSelector(7, 0, 0, 65535, "0.0.0.0", "255.255.255.255")]),
        C.Notify(A.INITIAL_CONTACT), C.Notify(A.SET_WINDOW_SIZE, b"\0\0\0\x05"),
    ])


@pytest.mark.parametrize("encr,integ", SUITES)
def test_sk_round_trip_all_suites(encr, integ):
    init_out, resp_in, resp_out, init_in = crypto_pair(encr, integ)
    msg = auth_request()
    wire = C.seal_sk(msg, init_out, det_rng())
    p = C.parse_message(wire)
    assert isinstance(p.encrypted, C.Encrypted) and p.encrypted.next_inner == A.PT_IDI
    assert C.open_sk(p, resp_in) == msg.payloads
    assert p.inner == msg.payloads and p.get(C.IDi).data == b"client.example.com"
    assert p.notify(A.SET_WINDOW_SIZE).data == b"\0\0\0\x05"
    # the other direction does not open it
    with pytest.raises(C.IntegrityError):
        C.open_sk(C.parse_message(wire), init_in)
    # response direction
    resp = C.Message(b"I" * 8, b"R" * 8, A.IKE_AUTH, A.FLAG_RESPONSE, 1, [C.IDr(A.ID_IPV4_ADDR, b"\x0a\0\0\x01")])
    assert C.open_sk(C.parse_message(C.seal_sk(resp, resp_out, det_rng())), init_in) == resp.payloads
    # empty SK (DPD)
    dpd = C.Message(b"I" * 8, b"R" * 8, A.INFORMATIONAL, 0, 7, [])
    w = C.seal_sk(dpd, resp_out, det_rng())
    assert C.open_sk(C.parse_message(w), init_in) == []


@pytest.mark.parametrize("encr,integ", [((12, 256), 12), ((12, 128), 2), ((3, None), 2)])
def test_cbc_contexts_kept_per_sa(encr, integ):
    """An SA's SkCrypto keeps one CBC context per direction: every message, in any order of sizes, is sealed
    to the very bytes a fresh SkCrypto makes and opens like one, also after a tampered message was refused."""
    init_out, resp_in, *_ = crypto_pair(encr, integ)
    for n in (0, 1, 40, 7, 300, 15, 16, 2):
        msg = C.Message(b"I" * 8, b"R" * 8, A.INFORMATIONAL, 8, n, [C.VendorID(bytes(range(n % 256)) * (1 + n // 256))])
        wire = C.seal_sk(msg, init_out, det_rng(n))
        fresh_out, fresh_in, *_ = crypto_pair(encr, integ)
        assert wire == C.seal_sk(msg, fresh_out, det_rng(n))
        if n == 40:
            bad = bytearray(wire)
            bad[-1] ^= 1
            with pytest.raises(C.IntegrityError):
                C.open_sk(C.parse_message(bytes(bad)), resp_in)
        assert C.open_sk(C.parse_message(wire), resp_in) == msg.payloads
        assert C.open_sk(C.parse_message(wire), fresh_in) == msg.payloads


@pytest.mark.parametrize("encr,integ", [((12, 256), 12), ((20, 256), None), ((3, None), 2)])
def test_sk_tampering_rejected(encr, integ):
    init_out, resp_in, *_ = crypto_pair(encr, integ)
    wire = C.seal_sk(auth_request(), init_out, det_rng())
    for pos in (5, 18, 30, 40, len(wire) // 2, len(wire) - 1):  # header (AAD / ICV-covered), IV, body, ICV
        bad = bytearray(wire)
        bad[pos] ^= 0x01
        try:
            p = C.parse_message(bytes(bad))
        except C.CodecError:
            continue
        with pytest.raises(C.IntegrityError):
            C.open_sk(p, resp_in)


def test_icv_compare_is_constant_time_api():
    import inspect
    src = inspect.getsource(C._decrypt)
    assert "compare_digest" in src


def test_padding_and_block_alignment():
    init_out, resp_in, *_ = crypto_pair((12, 256), 12)
    for n in range(0, 40):
        msg = C.Message(b"I" * 8, b"R" * 8, A.INFORMATIONAL, 8, 3, [C.VendorID(b"x" * n)])
        w = C.seal_sk(msg, init_out, det_rng(n))
        ct_len = len(w) - 28 - 4 - 16 - 16
        assert ct_len % 16 == 0
        assert C.open_sk(C.parse_message(w), resp_in) == msg.payloads


@pytest.mark.parametrize("encr,integ", [((12, 256), 12), ((20, 128), None), ((3, None), 2)])
@pytest.mark.parametrize("size", [100, 200, 576, 1280])
def test_fragmentation_round_trip(encr, integ, size):
    init_out, resp_in, *_ = crypto_pair(encr, integ)
    msg = auth_request()
    msg.payloads.append(C.Cert(4, bytes(range(256)) * 6))
    frags = C.seal_fragments(msg, init_out, det_rng(), size)
    assert all(len(f) <= size for f in frags)
    assert len(frags) > 1
    parsed = [C.parse_message(f) for f in frags]
    assert parsed[0].encrypted.next_inner == A.PT_IDI
    assert all(p.encrypted.next_inner == 0 for p in parsed[1:])
    assert [p.encrypted.number for p in parsed] == list(range(1, len(frags) + 1))
    assert {p.encrypted.total for p in parsed} == {len(frags)}
    # any arrival order, with duplicates
    order = list(range(len(frags)))
    random.Random(3).shuffle(order)
    r = C.FragmentReassembler()
    results = [r.add(C.parse_message(frags[i]), resp_in) for i in order[:-1]]
    assert results == [None] * (len(frags) - 1)
    assert r.add(C.parse_message(frags[order[0]]), resp_in) is None  # duplicate
    last = C.parse_message(frags[order[-1]])
    assert r.add(last, resp_in) == msg.payloads
    assert last.inner == msg.payloads


def test_seal_picks_fragments_only_when_too_big():
    init_out, resp_in, *_ = crypto_pair((12, 256), 12)
    small = C.Message(b"I" * 8, b"R" * 8, A.INFORMATIONAL, 8, 3, [])
    assert len(C.seal(small, init_out, det_rng(), 576)) == 1
    big = auth_request()
    big.payloads.append(C.Cert(4, b"c" * 2000))
    out = C.seal(big, init_out, det_rng(), C.fragment_size(576, udp_encap=True))
    assert len(out) > 1 and all(len(x) <= 576 - 32 for x in out)
    assert C.fragment_size(1500, ipv6=True) == 1452


def test_fragment_inconsistent_totals():
    init_out, resp_in, *_ = crypto_pair((12, 256), 12)
    msg = auth_request()
    msg.payloads.append(C.Cert(4, b"c" * 1500))
    small = C.seal_fragments(msg, init_out, det_rng(1), 300)
    large = C.seal_fragments(msg, init_out, det_rng(2), 900)
    assert len(small) > len(large)
    r = C.FragmentReassembler()
    # start with the large-fragment set, then the peer switches to smaller fragments (higher total): restart
    assert r.add(C.parse_message(large[0]), resp_in) is None
    for f in small[:-1]:
        assert r.add(C.parse_message(f), resp_in) is None
    assert r.add(C.parse_message(large[1]), resp_in) is None  # lower total: dropped
    assert r.add(C.parse_message(small[-1]), resp_in) == msg.payloads
    # number > total in the wire format is a syntax error
    bad = bytearray(small[0])
    struct.pack_into("!HH", bad, 32, 5, 3)
    with pytest.raises(C.CodecError):
        C.parse_message(bytes(bad))
    bad = bytearray(small[0])
    struct.pack_into("!HH", bad, 32, 0, 3)
    with pytest.raises(C.CodecError):
        C.parse_message(bytes(bad))


def test_tampered_fragment_rejected():
    init_out, resp_in, *_ = crypto_pair((20, 256), None)
    msg = auth_request()
    frags = C.seal_fragments(msg, init_out, det_rng(), 120)
    bad = bytearray(frags[1])
    bad[35] ^= 0x04  # inside the AAD (fragment total, still consistent)
    r = C.FragmentReassembler()
    try:
        p = C.parse_message(bytes(bad))
    except C.CodecError:
        return
    with pytest.raises(C.IntegrityError):
        r.add(p, resp_in)


# --- errors ----------------------------------------------------------------------------------------------------

def sa_init():
    return C.Message(b"\x01" * 8, bytes(8), A.IKE_SA_INIT, A.FLAG_INITIATOR, 0, [
        C.SA([C.Proposal(1, 1, b"", [C.Transform.make(1, 12, 256), C.Transform(2, 5), C.Transform(3, 12),
                                     C.Transform(4, 19)])]),
        C.KE(19, b"\x07" * 64), C.Nonce(b"\x08" * 32), *C.cisco_vendor_ids(),
        C.Notify(A.NAT_DETECTION_SOURCE_IP, b"\x09" * 20), C.Notify(A.NAT_DETECTION_DESTINATION_IP, b"\x0a" * 20)])


def test_unknown_payloads():
    m = sa_init()
    m.payloads.insert(2, C.Unknown(200, b"hello"))
    p = C.parse_message(m.encode())
    assert isinstance(p.payloads[2], C.Unknown) and p.get(C.Nonce).data == b"\x08" * 32
    # critical unknown
    data = bytearray(m.encode())
    # find the unknown payload header: it follows SA and KE
    off = 28
    for _ in range(2):
        off += struct.unpack_from("!H", data, off + 2)[0]
    data[off + 1] = 0x80
    with pytest.raises(C.CodecError) as ei:
        C.parse_message(bytes(data))
    assert ei.value.notify == A.UNSUPPORTED_CRITICAL_PAYLOAD and ei.value.data == bytes((200,))
    # known payload with the critical bit is fine
    m2 = sa_init()
    m2.payloads[0].critical = True
    assert C.parse_message(m2.encode()).payloads[0].critical


def test_header_errors():
    d = sa_init().encode()
    bad = bytearray(d)
    bad[17] = 0x30
    with pytest.raises(C.CodecError) as ei:
        C.parse_message(bytes(bad))
    assert ei.value.notify == A.INVALID_MAJOR_VERSION
    bad[17] = 0x10  # IKEv1
    with pytest.raises(C.CodecError) as ei:
        C.parse_message(bytes(bad))
    assert ei.value.notify == A.INVALID_MAJOR_VERSION
    bad[17] = 0x21  # minor version differences are fine
    assert C.parse_message(bytes(bad)).version == 0x21
    for cut in (0, 10, 27, 28, 40, len(d) - 1):
        with pytest.raises(C.CodecError) as ei:
            C.parse_message(d[:cut])
        assert ei.value.notify == A.INVALID_SYNTAX
    with pytest.raises(C.CodecError):
        C.parse_message(d + b"\0")
    bad = bytearray(d)
    struct.pack_into("!H", bad, 30, 3)  # first payload length < 4
    with pytest.raises(C.CodecError):
        C.parse_message(bytes(bad))
    assert C.parse_header(d).spi_i == b"\x01" * 8


def test_sk_must_be_last():
    init_out, resp_in, *_ = crypto_pair((12, 256), 12)
    w = C.seal_sk(auth_request(), init_out, det_rng())
    bad = bytearray(w + b"\0\0\0\x04")
    struct.pack_into("!I", bad, 24, len(bad))
    with pytest.raises(C.CodecError):
        C.parse_message(bytes(bad))


# --- debug / helpers -------------------------------------------------------------------------------------------

def test_payload_lines():
    assert C.payload_line(sa_init().payloads) == \
        " SA KE N VID VID VID VID NOTIFY(NAT_DETECTION_SOURCE_IP) NOTIFY(NAT_DETECTION_DESTINATION_IP) "
    resp = [C.VendorID(b"FLEXVPN-SUPPORTED"), C.IDr(2, b"r"), C.Auth(2, b"a" * 32), C.CP(2),
            C.SA([]), C.TSi(), C.TSr(), C.Notify(A.SET_WINDOW_SIZE), C.Notify(A.ESP_TFC_PADDING_NOT_SUPPORTED),
            C.Notify(A.NON_FIRST_FRAGMENTS_ALSO)]
    assert " ".join(C.payload_tokens(resp)) == ("VID IDr AUTH CFG SA TSi TSr NOTIFY(SET_WINDOW_SIZE) "
                                                "NOTIFY(ESP_TFC_NO_SUPPORT) NOTIFY(NON_FIRST_FRAGS)")
    assert C.payload_tokens([C.Notify(A.INITIAL_CONTACT)], "N") == ["N(INITIAL_CONTACT)"]
    assert C.payload_tokens([C.Delete(1), C.Notify(A.CISCO_DELETE_REASON)]) == ["DELETE", "NOTIFY(DELETE_REASON)"]
    assert C.payload_tokens([C.Encrypted(35, b"")]) == ["ENCR"]
    assert C.spi_hex(bytes.fromhex("1d418169b24bf95a")) == "1D418169B24BF95A"


def test_nat_detection_hash():
    si, sr = bytes.fromhex("1d418169b24bf95a"), bytes(8)
    h = C.nat_detection_hash(si, sr, "172.16.1.2", 500)
    assert h == hashlib.sha1(si + sr + bytes([172, 16, 1, 2]) + b"\x01\xf4").digest()
    assert len(C.nat_detection_hash(si, sr, "2001:db8::1", 4500)) == 20


def test_udp4500_demux():
    ike = sa_init().encode()
    assert C.classify_udp4500(b"\xff") == ("keepalive", b"")
    assert C.classify_udp4500(C.add_non_esp_marker(ike)) == ("ike", ike)
    esp = b"\x00\x00\x10\x01" + b"\0\0\0\x01" + b"payload"
    assert C.classify_udp4500(esp)[0] == "esp"
    assert C.classify_udp4500(b"\x01\x02")[0] == "invalid"


def test_cisco_vids_order():
    vids = [v.data for v in C.cisco_vendor_ids()]
    assert vids == [b"CISCO-DELETE-REASON", b"CISCO(COPYRIGHT)&Copyright (c) 2009 Cisco Systems, Inc.",
                    b"CISCO-GRE-MODE", bytes.fromhex("4048b7d56ebce88525e7de7f00d6c2d3")]


def test_transform_key_bits_and_eap_fields():
    t = C.Transform.make(1, 12, 256)
    assert t.key_bits == 256 and C.Transform(2, 5).key_bits is None
    e = C.EAP(bytes((1, 7, 0, 10, 1)) + b"hello")
    p = C.parse_message(C.Message(b"a" * 8, b"b" * 8, 35, 0, 2, [e]).encode()).get(C.EAP)
    assert (p.code, p.identifier, p.eap_type, p.type_data) == (1, 7, 1, b"hello")
    assert C.CertReq(4, b"a" * 20 + b"b" * 20).hashes == [b"a" * 20, b"b" * 20]

"""The TUN data plane's packet path without a TUN device (iosflex/interfaces/tun.py): the session's device is a
pipe, the peer an EspSa with the keys swapped; the SPI table is the engine's `children` map.  The real device,
routes and strongSwan peers are in tests/test_interop_dataplane.py."""

from __future__ import annotations

import os
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iosflex.crypto.state import ChildSa, IkeSaState, TrafficSelector
from iosflex.interfaces import esp as E
from iosflex.interfaces import tun as T

KEY = bytes(range(36))


class _Ike:
    def __init__(self, st):
        self.st = st


class _Responder:
    def __init__(self):
        self.children = {}
        self.soft = []  # child SAs the data plane reported at their soft lifetime

    def child_soft_expired(self, spi_in):
        self.soft.append(spi_in)
        return True


def _ip(src="10.0.0.1", dst="10.10.10.1", payload=b"x" * 20, proto=17):
    return T.ipv4_header(src, dst, proto, len(payload)) + payload


@pytest.fixture
def plane():
    resp = _Responder()
    sent = []
    dp = T.TunDataplane(None, resp, sent.extend)
    st = IkeSaState(tunnel_id=1, session_id=1, spi_i=b"i" * 8, spi_r=b"r" * 8, local=("172.16.1.2", 4500),
                    remote=("172.16.1.1", 4500), pushed_ip="10.10.10.1", virtual_access="Virtual-Access1",
                    nat_t="detected outside")  # ESP in UDP (RFC 3948)
    r, w = os.pipe()
    os.set_blocking(r, False)
    sess = T.TunSession(st, "vi1", w)
    sess.routes = ["10.10.10.1/32"]
    dp.sessions[1] = sess
    yield dp, resp, st, sent, r
    os.close(r)
    os.close(w)


def T_(proto, addr):
    return TrafficSelector(7, proto, 0, 65535, addr, addr)


def _child(resp, st, spi_in=0x100, spi_out=0x200, mode="tunnel", proto=0):
    ts = [TrafficSelector(7, proto, 0, 65535, "172.16.1.2", "172.16.1.2")]
    ch = ChildSa(spi_in=spi_in, spi_out=spi_out, encr=(20, 256), integ=None, mode=mode, ts_local=ts, ts_remote=ts,
                 keys={"enc_in": KEY, "integ_in": b"", "enc_out": KEY[::-1], "integ_out": b""})
    st.children.append(ch)
    resp.children[spi_in] = (_Ike(st), ch)
    peer = E.EspSa(spi_out, spi_in, (20, 256), None, KEY[::-1], b"", KEY, b"")
    return ch, peer


def test_inbound_to_device_and_outbound_to_peer(plane):
    dp, resp, st, sent, r = plane
    ch, peer = _child(resp, st)
    pkt = _ip()
    dp.esp_in(peer.encrypt(pkt, 4))
    assert os.read(r, 2000) == pkt
    out = dp.encapsulate(st, _ip("10.10.10.1", "10.0.0.1"))
    assert len(out) == 1 and out[0].src == ("172.16.1.2", 4500) and out[0].dst == ("172.16.1.1", 4500)
    assert peer.decrypt(out[0].data) == (4, _ip("10.10.10.1", "10.0.0.1"))
    assert (ch.pkts_in, ch.pkts_out, ch.bytes_in) == (1, 1, len(pkt))


def test_plain_esp_without_nat(plane):
    """No NAT detected: ESP goes as IP protocol 50 (RFC 7296 §2.23), the driver's raw socket (port ESP_PORT);
    with a NAT, in UDP from 4500 to the peer's port."""
    dp, resp, st, sent, r = plane
    ch, peer = _child(resp, st)
    st.nat_t, st.remote = "not detected", ("172.16.1.1", 500)
    out = dp.encapsulate(st, _ip("10.10.10.1", "10.0.0.1"))
    assert (out[0].src, out[0].dst) == (("172.16.1.2", T.ESP_PORT), ("172.16.1.1", T.ESP_PORT))
    assert peer.decrypt(out[0].data) == (4, _ip("10.10.10.1", "10.0.0.1"))
    st.nat_t, st.remote = "detected inside", ("172.16.1.1", 4500)
    assert T.esp_path(st) == (("172.16.1.2", 4500), ("172.16.1.1", 4500))


def test_newest_child_sends_after_rekey(plane):
    dp, resp, st, sent, r = plane
    old, _ = _child(resp, st)
    new, peer = _child(resp, st, spi_in=0x101, spi_out=0x201)
    del resp.children[old.spi_in]
    out = dp.encapsulate(st, _ip())
    assert out[0].data[:4] == (0x201).to_bytes(4, "big") and peer.decrypt(out[0].data) is not None


def test_gre_transport_mode(plane):
    dp, resp, st, sent, r = plane
    ch, peer = _child(resp, st, mode="transport", proto=47)
    inner = _ip()
    dp.esp_in(peer.encrypt(T.GRE_IPV4 + inner, 47))
    assert os.read(r, 2000) == inner
    out = dp.encapsulate(st, inner)
    assert peer.decrypt(out[0].data) == (47, T.GRE_IPV4 + inner)
    # GRE with a key and a sequence number
    gre = struct.pack("!HH", 0x3000, 0x0800) + b"KKKKSSSS" + inner
    assert T.gre_decap(gre) == inner
    assert T.gre_decap(b"\x00\x00\x86\xdd" + inner) is None


def test_gre_tunnel_mode(plane):
    """GRE selectors on a tunnel-mode child (a transform set in tunnel mode): ESP next header 4 carrying an IPv4
    header of protocol 47 between the peers, then GRE, then the inner packet, both ways."""
    dp, resp, st, sent, r = plane
    ch, peer = _child(resp, st, proto=47)
    ch.ts_remote = [T_(47, "172.16.1.1")]
    assert T.gre_child(ch) == "tunnel"
    inner = _ip()
    gre = T.GRE_IPV4 + inner
    dp.esp_in(peer.encrypt(T.ipv4_header("172.16.1.1", "172.16.1.2", 47, len(gre)) + gre, 4))
    assert os.read(r, 2000) == inner
    out = dp.encapsulate(st, _ip("10.10.10.1", "10.0.0.1"))
    nh, payload = peer.decrypt(out[0].data)
    assert nh == 4 and payload[9] == 47 and payload[12:20] == bytes([172, 16, 1, 2, 172, 16, 1, 1])
    assert T.gre_tunnel_decap(payload) == _ip("10.10.10.1", "10.0.0.1")


def test_wrong_spi_and_hostile_esp_counted(plane):
    dp, resp, st, sent, r = plane
    ch, peer = _child(resp, st)
    dp.esp_in(b"\x00\x00\x09\x99" + bytes(40))
    assert dp.wrong_spi == 1
    pkt = peer.encrypt(_ip(), 4)
    dp.esp_in(pkt)
    os.read(r, 2000)
    dp.esp_in(pkt)  # replayed
    assert ch.drops_in == 1 and dp.esp[ch.spi_in][1].drops[E.REPLAY] == 1


@settings(max_examples=200, deadline=None)
@given(body=st.binary(min_size=4, max_size=200))
def test_fuzz_esp_in_never_raises(body):
    resp = _Responder()
    dp = T.TunDataplane(None, resp, lambda d: None)
    st_ = IkeSaState(tunnel_id=1, session_id=1, spi_i=b"i" * 8, spi_r=b"r" * 8, local=("172.16.1.2", 4500),
                     remote=("172.16.1.1", 4500))
    ch, _ = _child(resp, st_)
    dp.esp_in((0x100).to_bytes(4, "big") + body)
    assert ch.pkts_in == 0 and ch.drops_in == 1


def test_device_name_and_checksum():
    st = IkeSaState(tunnel_id=1, session_id=7, spi_i=b"", spi_r=b"", local=("a", 1), remote=("b", 1))
    assert T.device_name(st) == "ipsec7"
    st.virtual_access = "Virtual-Access12"
    assert T.device_name(st) == "vi12"
    h = T.ipv4_header("10.0.0.1", "10.0.0.2", 1, 0)
    assert T.inet_checksum(h) == 0


def test_soft_kilobyte_lifetime_reported_once(plane):
    dp, resp, st, sent, r = plane
    ch, peer = _child(resp, st)
    ch.lifetime_kb = 2  # soft limit at 90 %: 1,843 octets
    pkt = _ip(payload=b"y" * 480)  # 500 octets
    for _ in range(5):
        dp.esp_in(peer.encrypt(pkt, 4))
        os.read(r, 2000)
    assert dp.soft_expiries == 1 and resp.soft == [0x100]
    dp.encapsulate(st, _ip("10.10.10.1", "10.0.0.1"))
    assert resp.soft == [0x100]


def test_soft_lifetime_starts_the_engines_child_rekey():
    """Issue 10 item 5: a child SA's lifetime in kilobytes is honoured by a rekey at the soft limit.  The real
    engine and the package's initiator: traffic through the data plane past 90 % of the child's kilobytes, and
    the router's next tick sends CREATE_CHILD_SA (REKEY_SA); the client answers and the new child carries on."""
    from iosflex.router import Router
    from test_ike_engine import Net

    router = Router(None, default_if_missing=True)
    router.load_startup()
    net = Net(router)
    ini = net.connect(net.client())
    sa = next(iter(net.resp.sas.values()))
    ch = sa.st.children[0]
    ch.lifetime_kb = 2
    dp = T.TunDataplane(router, net.resp, net.run)
    r, w = os.pipe()
    os.set_blocking(r, False)
    try:
        dp.sessions[sa.st.session_id] = T.TunSession(sa.st, "vi1", w)
        k = ch.keys  # the client's side of the same child SA
        peer = E.EspSa(ch.spi_out, ch.spi_in, ch.encr, ch.integ, k["enc_out"], k.get("integ_out", b""),
                       k["enc_in"], k.get("integ_in", b""))
        pkt = _ip(src="10.0.0.9", dst="10.10.10.1", payload=b"z" * 480)
        for _ in range(3):
            dp.esp_in(peer.encrypt(pkt, 4))
            os.read(r, 2000)
        assert dp.soft_expiries == 0 and not net.resp.stats.rekeys_initiated
        dp.esp_in(peer.encrypt(pkt, 4))
        assert dp.soft_expiries == 1
        before = net.resp.stats.rekeys_initiated
        net.advance(1.0)
        assert net.resp.stats.rekeys_initiated == before + 1
        assert len(sa.st.children) == 1 and sa.st.children[0] is not ch and ch.spi_in not in net.resp.children
        assert ini.children[0]["spi_out"] == sa.st.children[0].spi_in.to_bytes(4, "big")
    finally:
        os.close(r)
        os.close(w)

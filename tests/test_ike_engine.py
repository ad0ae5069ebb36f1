"""The IKEv2 responder against the package's own initiator on a simulated network: fake clock, seeded RNG,
the default startup-config (profile default, PSK pre_shared_key, pool flexvpn_pool)."""

from __future__ import annotations

import random

import pytest

from iosflex.crypto import algorithms as A
from iosflex.crypto import codec as C
from iosflex.crypto import show
from iosflex.crypto.client import Initiator
from iosflex.crypto.ikesa import Datagram
from iosflex.crypto.responder import Responder
from iosflex.services import Services
from iosflex.router import Router

ROUTER = ("172.16.1.2", 500)
FQDN = (A.ID_FQDN, b"router1.domain1")

EXTRA = """crypto ikev2 proposal p1
 encryption aes-cbc-256 aes-cbc-128
 integrity sha256
 group 14 19 20 21 31
crypto ikev2 proposal p2
 encryption aes-gcm-256 aes-gcm-128
 prf sha256
 group 19
crypto ikev2 policy pol1
 proposal p1
 proposal p2
"""


class Clock:
    def __init__(self, t: float = 1000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def seeded(seed: int):
    rnd = random.Random(seed)
    return lambda n: rnd.randbytes(n)


class Net:
    """Delivers datagrams between one responder and several initiators; `nat` maps a client's private
    (address, port) to a public one, as a NAT in front of the client would."""

    def __init__(self, router, seed=1, nat: dict | None = None):
        self.clock = Clock()
        self.router = router
        self.svc = Services(router, rng=seeded(seed), clock=self.clock)
        self.svc.crypto.raise_errors = True  # tests see internal errors instead of a silent drop
        self.resp = self.svc.crypto
        self.clients: list[Initiator] = []
        self.nat = nat or {}  # private (ip, port) -> public (ip, port)
        self.to_router: list[Datagram] = []  # every datagram the responder received
        self.to_radius: list[Datagram] = []  # what the router sent to RADIUS servers (none answer here)
        self.from_router: list[Datagram] = []
        self.drop_to_client = 0

    def client(self, addr="172.16.1.1", port=500, seed=7, **kw) -> Initiator:
        ini = Initiator((addr, port), ROUTER, kw.pop("identity", FQDN), psk=kw.pop("psk", b"pre_shared_key"),
                        rng=seeded(seed), **kw)
        self.clients.append(ini)
        return ini

    def _pub(self, ep):
        if ep in self.nat:
            return self.nat[ep]
        if (ep[0], 500) in self.nat and ep[1] == 4500:  # the NAT maps the float too
            ip, port = self.nat[(ep[0], 500)]
            return (ip, port + 1)
        return ep

    def _priv(self, ep):
        for k, v in self.nat.items():
            if v == ep:
                return k
            if (v[0], v[1] + 1) == ep:
                return (k[0], 4500)
        return ep

    def run(self, dgs, limit=200):
        q = list(dgs)
        n = 0
        while q and n < limit:
            n += 1
            d = q.pop(0)
            if d.src[1] in (1645, 1646):  # the router's RADIUS client: no server on this network
                self.to_radius.append(d)
                continue
            if d.dst[0] == ROUTER[0]:
                src = self._pub(d.src)
                dd = Datagram(d.data, src, d.dst)
                self.to_router.append(dd)
                q += self.svc.receive(d.data, src, d.dst, self.clock.t)
            else:
                self.from_router.append(d)
                if self.drop_to_client:
                    self.drop_to_client -= 1
                    continue
                dst = self._priv(d.dst)
                for c in self.clients:
                    if c.local[0] == dst[0]:
                        q += c.receive(d.data, d.src, dst, self.clock.t)
        return n

    def connect(self, ini: Initiator):
        self.run(ini.start(self.clock.t))
        return ini

    def advance(self, secs: float, step: float = 0.5):
        end = self.clock.t + secs
        while self.clock.t < end:
            self.clock.t += step
            out = self.svc.tick(self.clock.t)
            for c in self.clients:
                out += c.tick(self.clock.t)
            self.run(out)


@pytest.fixture
def router():
    r = Router(None, default_if_missing=True)
    r.load_startup()
    return r


def test_psk_fqdn_gets_pool_address_and_show_detail(router):
    net = Net(router)
    ini = net.connect(net.client(cfg_request=True))
    assert ini.established and ini.failed is None
    assert ini.address == "10.10.10.1"
    ch = ini.children[0]
    assert ch["tsi"][0].start == ch["tsi"][0].end == "10.10.10.1"  # narrowed to the pushed /32
    assert ch["tsr"][0].start == "0.0.0.0" and ch["tsr"][0].end == "255.255.255.255"
    sts = net.resp.sa_states()
    assert len(sts) == 1 and sts[0].status == "READY"
    text = "\n".join(show.ikev2_sa(sts, net.clock.t, detail=True))
    assert "Auth sign: PSK, Auth verify: PSK" in text
    assert "Remote id: router1.domain1" in text
    assert "Pushed IP address: 10.10.10.1" in text
    assert f"Local spi: {ini.spi_r.hex().upper()}" in text
    assert "10.10.10.1" in router.pools.in_use["flexvpn_pool"]
    # keys for the data plane: the responder's inbound keys are the initiator's outbound ones
    rch = sts[0].children[0]
    assert rch.keys["enc_in"] == ch["keys"][0] and rch.keys["enc_out"] == ch["keys"][2]
    assert rch.spi_out == int.from_bytes(ch["spi_in"], "big")
    assert len(router.sessions.active()) == 1


def test_wrong_psk_authentication_failed(router):
    net = Net(router)
    ini = net.connect(net.client(psk=b"wrong"))
    assert not ini.established and ini.failed == "AUTHENTICATION_FAILED"
    assert net.resp.sa_states() == []
    assert net.resp.stats.rejected_other >= 1
    assert not router.pools.in_use.get("flexvpn_pool")


@pytest.mark.parametrize("group", [14, 19, 20, 21, 31])
def test_dh_groups(router, group):
    router.apply_config(EXTRA)
    net = Net(router)
    ini = net.connect(net.client(groups=(group,), prf=(A.PRF_HMAC_SHA2_256,), integ=(A.AUTH_HMAC_SHA2_256_128,)))
    assert ini.established, ini.failed
    assert net.resp.sa_states()[0].dh_group == group


@pytest.mark.parametrize("encr", [(A.ENCR_AES_CBC, 128), (A.ENCR_AES_CBC, 256), (A.ENCR_AES_GCM_16, 256),
                                  (A.ENCR_AES_GCM_16, 128)])
def test_aes_cbc_and_gcm(router, encr):
    router.apply_config(EXTRA)
    net = Net(router)
    ini = net.connect(net.client(encr=(encr,), prf=(A.PRF_HMAC_SHA2_256,), integ=(A.AUTH_HMAC_SHA2_256_128,),
                                 esp_encr=[(A.ENCR_AES_GCM_16, 256), (A.ENCR_AES_CBC, 128)]))
    assert ini.established, ini.failed
    assert net.resp.sa_states()[0].encr == encr


def test_invalid_ke_payload_round(router):
    net = Net(router)
    # offers 14 and 19 but sends a KE for 14; the default proposal prefers 19 only if offered first in KE...
    ini = net.client(groups=(20, 19))  # 20 is not in the default proposal: INVALID_KE_PAYLOAD asks for 19
    net.connect(ini)
    assert ini.established
    assert ini.group == 19
    notes = [C.parse_message(d.data).notify(A.INVALID_KE_PAYLOAD) for d in net.from_router
             if C.parse_message(d.data).exchange == A.IKE_SA_INIT]
    assert notes[0] is not None and notes[0].data == (19).to_bytes(2, "big")


def test_cookie_challenge_legitimate_client_connects(router):
    router.apply_config("crypto ikev2 cookie-challenge 2\n")
    net = Net(router)
    # a flood of half-open IKE_SA_INITs from spoofed sources (never completing)
    for i in range(5):
        flood = Initiator((f"10.0.0.{i + 1}", 500), ROUTER, FQDN, psk=b"x", rng=seeded(100 + i))
        for d in flood.start(net.clock.t):
            net.svc.receive(d.data, d.src, d.dst, net.clock.t)
    assert len(net.resp.half_open) == 2  # beyond the threshold only cookies went out
    assert net.resp.stats.cookie_challenged == 3
    ini = net.connect(net.client())
    assert ini.established
    assert net.resp.stats.cookie_accepted == 1
    first = C.parse_message(net.to_router[1].data).payloads[0]
    assert isinstance(first, C.Notify) and first.type == A.COOKIE


def test_retransmitted_requests_answered_from_cache(router):
    net = Net(router)
    ini = net.client()
    init = ini.start(net.clock.t)
    r1 = net.svc.receive(init[0].data, init[0].src, init[0].dst, net.clock.t)
    r2 = net.svc.receive(init[0].data, init[0].src, init[0].dst, net.clock.t)
    assert r1 == r2 and len(net.resp.sas) == 1  # same SPIr and nonce, no second SA
    net.run(r1)
    assert ini.established
    auth_req = net.to_router[-1]
    before = len(router.sessions.active())
    again = net.svc.receive(auth_req.data, auth_req.src, auth_req.dst, net.clock.t)
    last_resp = [d for d in net.from_router][-1]
    assert [d.data for d in again] == [last_resp.data]  # byte for byte
    assert len(router.sessions.active()) == before
    assert "10.10.10.2" not in router.pools.in_use["flexvpn_pool"]


def test_child_rekey_and_ike_rekey(router):
    net = Net(router)
    ini = net.connect(net.client())
    old_child = ini.children[0]
    net.run(ini.rekey_child(net.clock.t))
    assert len(ini.children) == 1 and ini.children[0] is not old_child
    st = net.resp.sa_states()[0]
    assert len(st.children) == 1 and st.children[0].spi_out == int.from_bytes(ini.children[0]["spi_in"], "big")
    old_spi_r = ini.spi_r
    net.run(ini.rekey_ike(net.clock.t))
    assert ini.spi_r != old_spi_r
    sts = net.resp.sa_states()
    # a rekeyed IKE SA is a new SA: its own SA ID (the old one was still there when it was made) and times
    assert len(sts) == 1 and sts[0].spi_r == ini.spi_r and sts[0].tunnel_id == 2 and sts[0].session_id == 1
    assert sts[0].created == sts[0].established == net.clock.t
    assert len(sts[0].children) == 1
    # the new IKE SA works: DPD over it
    net.run(ini.dpd(net.clock.t))
    assert ini.pending is None and ini.established


def test_dpd_both_ways(router):
    router.apply_config("crypto ikev2 dpd 10 2 periodic\n")
    net = Net(router)
    ini = net.connect(net.client())
    net.run(ini.dpd(net.clock.t))
    assert ini.pending is None
    n = len(net.from_router)
    net.advance(11)  # the router's periodic DPD, answered by the client
    sent = [C.parse_message(d.data) for d in net.from_router[n:]]
    assert any(m.exchange == A.INFORMATIONAL and m.is_request for m in sent)
    assert net.resp.sa_states()[0].status == "READY"
    # a dead peer: no answers, the SA goes after the retries
    net.clients.clear()
    net.advance(60)
    assert net.resp.sa_states() == []


def test_delete_from_client(router):
    net = Net(router)
    ini = net.connect(net.client())
    net.run(ini.delete(net.clock.t))
    assert ini.deleted
    assert net.resp.sa_states() == [] and router.sessions.by_id == {}
    assert not router.pools.in_use["flexvpn_pool"]


def test_delete_from_router_clear(router):
    router.debug = {"crypto ikev2"}
    lines = []
    from iosflex import logbus

    logbus.bus(router).attach("t", lines.append)
    net = Net(router)
    ini = net.connect(net.client())
    out = net.svc.dispatch(net.resp.clear(now=net.clock.t), net.clock.t)
    net.run(out)
    assert ini.deleted
    assert net.resp.sa_states() == []
    assert any(ln.startswith("IKEv2:(SESSION ID = 1,SA ID = 1):Sending DELETE INFO message for IKEv2 SA [ISPI: 0x")
               for ln in lines)


def test_two_clients(router):
    net = Net(router)
    a = net.connect(net.client("172.16.1.1", seed=1))
    b = net.connect(net.client("172.16.1.5", seed=2, identity=(A.ID_FQDN, b"router2.domain1")))
    assert a.established and b.established
    assert {a.address, b.address} == {"10.10.10.1", "10.10.10.2"}
    ids = sorted(s.tunnel_id for s in net.resp.sa_states())
    assert ids == [1, 2]


def test_nat_t_float(router):
    router.apply_config("crypto ikev2 nat keepalive 20\n")
    net = Net(router, nat={("192.168.0.10", 500): ("172.16.1.1", 30500)})
    ini = net.connect(net.client("192.168.0.10"))
    assert ini.established and ini.nat
    st = net.resp.sa_states()[0]
    assert st.nat_t == "detected outside"
    assert st.local == ("172.16.1.2", 4500) and st.remote == ("172.16.1.1", 30501)
    auth = net.to_router[-1]
    assert auth.dst[1] == 4500 and auth.data[:4] == b"\0\0\0\0"
    n = len(net.from_router)
    net.advance(21)
    assert any(d.data == b"\xff" for d in net.from_router[n:])  # NAT keepalive


def test_fragmented_auth(router):
    router.apply_config("crypto ikev2 fragmentation mtu 300\n")
    net = Net(router)
    ini = net.client(fragmentation=200)  # the IKE_AUTH request goes out in SKF fragments
    net.connect(ini)
    assert ini.established and ini.address == "10.10.10.1"
    skf = [d for d in net.to_router if C.parse_message(d.data).exchange == A.IKE_AUTH]
    assert len(skf) > 1 and all(isinstance(C.parse_message(d.data).encrypted, C.EncryptedFragment) for d in skf)
    back = [d for d in net.from_router if C.parse_message(d.data).exchange == A.IKE_AUTH]
    assert len(back) > 1  # the peer fragmented and the response exceeds the MTU: answered in fragments


def test_the_timer_skips_sas_with_nothing_due_and_still_fires_dpd_on_time(router, monkeypatch):
    """Each tick looks only at the SAs whose earliest timer has come (IkeSa.due): an established SA with
    `dpd 10 2 periodic` is left alone until its DPD is due, and the DPD still goes out then."""
    from iosflex.crypto import ikesa

    router.apply_config("crypto ikev2 dpd 10 2 periodic\n")
    net = Net(router)
    net.connect(net.client())
    looked = []
    real = ikesa.IkeSa._tick
    monkeypatch.setattr(ikesa.IkeSa, "_tick", lambda sa, now: looked.append(now) or real(sa, now))
    net.advance(1)                 # first tick after the exchange: the SA is looked at, its `due` computed
    first = len(looked)
    assert first >= 1
    n = len(net.from_router)
    net.advance(7)                 # nothing due before last_rx + 10: no tick looks at the SA
    assert len(looked) == first and len(net.from_router) == n
    net.advance(3)                 # the DPD is due: looked at, and the liveness query goes out
    assert len(looked) > first
    sent = [C.parse_message(d.data) for d in net.from_router[n:]]
    assert any(m.exchange == A.INFORMATIONAL and m.is_request for m in sent)

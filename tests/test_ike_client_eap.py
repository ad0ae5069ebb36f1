"""The reference initiator's EAP (crypto/client.py, RFC 7296 §2.16) against a scripted responder built here from
the codec (the router's own EAP relay is not used): the first IKE_AUTH without AUTH, the responder's AUTH
checked, one IKE_AUTH exchange per EAP message (message IDs 2, 3, ...), the final AUTH keyed with the MSK
(MSCHAPv2) or SK_pi (MD5), EAP-Failure, an error notify, a silent peer."""

from __future__ import annotations

import random

import pytest

from iosflex.crypto import algorithms as A
from iosflex.crypto import auth as AU
from iosflex.crypto import codec as C
from iosflex.crypto import eap as E
from iosflex.crypto.client import Initiator

ME, PEER = ("172.16.1.5", 500), ("172.16.1.2", 500)
PSK = b"router_key"


def rng(seed):
    return random.Random(seed).randbytes


class ScriptedResponder:
    """Just enough of an IKEv2 responder: AES-CBC-256 / SHA-256 / group 19, PSK for its own AUTH, EAP relayed to
    an EapServer."""

    def __init__(self, server: E.EapServer, fail_notify: int | None = None):
        self.server, self.fail_notify = server, fail_notify
        self.rng = rng(77)
        self.spi_r = self.rng(8)
        self.requests: list[C.Message] = []
        self.done = False

    def receive(self, data: bytes) -> list[bytes]:
        msg = C.parse_message(data)
        if msg.exchange == A.IKE_SA_INIT:
            return [self._init(msg, data)]
        C.open_sk(msg, self.c_in)
        self.requests.append(msg)
        return self._auth(msg)

    def _init(self, msg, data) -> bytes:
        self.spi_i, self.ni, self.init_req = msg.spi_i, msg.get(C.Nonce).data, data
        self.nr = self.rng(32)
        priv, pub = A.generate(19, self.rng)
        g_ir = A.shared(19, priv, msg.get(C.KE).data)
        self.prf = A.get_prf(A.PRF_HMAC_SHA2_256)
        encr, integ = A.get_encr(A.ENCR_AES_CBC, 256), A.get_integ(A.AUTH_HMAC_SHA2_256_128)
        self.keys = A.ike_keys(self.prf, encr, integ, self.ni, self.nr, self.spi_i, self.spi_r, g_ir)
        self.c_in, self.c_out = C.sk_crypto(self.keys, encr, integ, initiator=False)
        prop = C.Proposal(1, A.PROTO_IKE, b"", [C.Transform.make(A.TT_ENCR, A.ENCR_AES_CBC, 256),
                                                 C.Transform.make(A.TT_PRF, A.PRF_HMAC_SHA2_256),
                                                 C.Transform.make(A.TT_INTEG, A.AUTH_HMAC_SHA2_256_128),
                                                 C.Transform.make(A.TT_DH, 19)])
        m = C.Message(self.spi_i, self.spi_r, A.IKE_SA_INIT, A.FLAG_RESPONSE, 0,
                      [C.SA([prop]), C.KE(19, pub), C.Nonce(self.nr)])
        self.init_resp = m.encode()
        return self.init_resp

    def _reply(self, mid, payloads) -> list[bytes]:
        m = C.Message(self.spi_i, self.spi_r, A.IKE_AUTH, A.FLAG_RESPONSE, mid, payloads)
        return C.seal(m, self.c_out, self.rng)

    def _auth(self, msg) -> list[bytes]:
        mid = msg.message_id
        if mid == 1:
            self.idi, self.ts = msg.get(C.IDi), [msg.get(C.TSi), msg.get(C.TSr)]
            idr = C.IDr(A.ID_FQDN, b"router.example")
            octets = AU.signed_octets(self.init_resp, self.ni, self.prf, self.keys.sk_pr, idr)
            self.auth_r = octets
            return self._reply(mid, [idr, C.Auth(A.AUTH_PSK, AU.psk_auth(self.prf, PSK, octets)),
                                     C.EAP(self.server.start())])
        eap = msg.get(C.EAP)
        if eap is not None:
            out = self.server.receive(eap.data)
            if self.server.state == E.FAILURE_STATE and self.fail_notify is not None:
                return self._reply(mid, [C.EAP(out), C.Notify(self.fail_notify)])
            return self._reply(mid, [C.EAP(out)])
        auth = msg.get(C.Auth)
        octets_i = AU.signed_octets(self.init_req, self.nr, self.prf, self.keys.sk_pi, self.idi)
        assert AU.verify_eap_auth(self.prf, self.server.msk, self.keys.sk_pi, octets_i, auth.data)
        child = C.Proposal(1, A.PROTO_ESP, b"\x01\x02\x03\x04",
                           [C.Transform.make(A.TT_ENCR, A.ENCR_AES_CBC, 256),
                            C.Transform.make(A.TT_INTEG, A.AUTH_HMAC_SHA2_256_128),
                            C.Transform.make(A.TT_ESN, A.ESN_NO)])
        self.done = True
        return self._reply(mid, [
            C.Auth(A.AUTH_PSK, AU.eap_auth(self.prf, self.server.msk, self.keys.sk_pr, self.auth_r)),
            C.CP(A.CFG_REPLY, [C.CPAttr(A.INTERNAL_IP4_ADDRESS, bytes([10, 1, 1, 7]))]),
            C.SA([child]), *self.ts])


def drive(ini, resp, limit=20):
    out = ini.start(0.0)
    for _ in range(limit):
        if not out:
            return
        back = [b for d in out for b in resp.receive(d.data)]
        out = [o for b in back for o in ini.receive(b, PEER, ME, 1.0)]


def initiator(password="secret", **kw):
    return Initiator(ME, PEER, (A.ID_FQDN, b"client.example"), psk=PSK, rng=rng(5), eap_identity="alice",
                     eap_password=password, **kw)


@pytest.mark.parametrize("method", [E.MSCHAPV2, E.MD5_CHALLENGE])
def test_eap_initiator_establishes(method):
    resp = ScriptedResponder(E.EapServer({"alice": "secret"}.get, method, rng=rng(6)))
    ini = initiator()
    drive(ini, resp)
    assert ini.established and not ini.failed and resp.done
    first = resp.requests[0]
    assert first.get(C.Auth) is None
    assert [type(p).__name__ for p in first.inner if not isinstance(p, C.Notify)] == \
        ["IDi", "CP", "SA", "TSi", "TSr"]
    assert [m.message_id for m in resp.requests] == list(range(1, len(resp.requests) + 1))
    assert all(len(m.inner) == 1 and isinstance(m.inner[0], C.EAP) for m in resp.requests[1:-1])
    assert isinstance(resp.requests[-1].inner[0], C.Auth) and len(resp.requests[-1].inner) == 1
    assert ini.eap.msk == resp.server.msk and (ini.eap.msk is not None) == (method == E.MSCHAPV2)
    assert ini.address == "10.1.1.7" and ini.children[0]["spi_out"] == b"\x01\x02\x03\x04"


def test_eap_initiator_wrong_password_fails():
    resp = ScriptedResponder(E.EapServer({"alice": "secret"}.get, E.MSCHAPV2, rng=rng(6)))
    ini = initiator("wrong")
    drive(ini, resp)
    assert not ini.established and ini.failed == "EAP failure" and not resp.done


def test_eap_initiator_error_notify_fails():
    resp = ScriptedResponder(E.EapServer({"alice": "secret"}.get, E.MD5_CHALLENGE, rng=rng(6)),
                             fail_notify=A.AUTHENTICATION_FAILED)
    ini = initiator("wrong")
    drive(ini, resp)
    assert ini.failed == "AUTHENTICATION_FAILED"


def test_eap_initiator_checks_the_responders_auth():
    resp = ScriptedResponder(E.EapServer({"alice": "secret"}.get, E.MSCHAPV2, rng=rng(6)))
    ini = initiator(psk_verify=b"another key")
    drive(ini, resp)
    assert ini.failed == "responder AUTH invalid" and len(resp.requests) == 1


@pytest.mark.parametrize("silent, answered", [(True, 0), (1, 1)])
def test_eap_initiator_silent(silent, answered):
    resp = ScriptedResponder(E.EapServer({"alice": "secret"}.get, E.MSCHAPV2, rng=rng(6)))
    ini = initiator(eap_silent=silent)
    drive(ini, resp)
    assert not ini.established and not ini.failed and ini.state == "eap"
    assert len(resp.requests) == 1 + answered and ini.pending is None

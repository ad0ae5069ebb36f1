"""The reference IKEv2 initiator (`iosflex client ...`): sans-I/O `Initiator` sharing the codec, algorithms and
AUTH code with the responder, plus an asyncio `connect()` and a command line that brings up many SAs at once.

    iosflex client --peer 172.16.1.2 --psk pre_shared_key --id fqdn:router1.domain1 --cfg-request --count 10

    iosflex client --peer 172.16.1.2 --cert client.pem --key client.key --ca ca.pem [--auth-method 1]

    iosflex client --peer 172.16.1.2 --ca ca.pem --eap-identity alice --eap-password secret [--eap-method md5]

It plays the chapter's clients: PSK or certificates (RSA / ECDSA: RFC 7427 method 14 by default with the
SIGNATURE_HASH_ALGORITHMS notify, as strongSwan; `--auth-method 1` classic RSA, 9/10/11 classic ECDSA; the
responder's CERT chain, identity and signature checked against --ca), EAP (RFC 7296 §2.16, as strongSwan's
eap-md5 / eap-mschapv2 clients: the first IKE_AUTH request without AUTH, the responder's AUTH checked, then one
IKE_AUTH exchange per EAP message, `crypto/eap.py`'s EapPeer answering, and after EAP-Success the final AUTH
keyed with the MSK, or SK_pi / SK_pr when the method gives none), CFG_REQUEST,
NAT-T (floats to 4500 when a NAT is detected), COOKIE and INVALID_KE_PAYLOAD retries, child and IKE rekey,
DPD, DELETE from either side.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import socket
import sys
import time

from . import algorithms as A
from . import auth as AU
from . import codec as C
from .ikesa import Datagram, frame
from .state import TrafficSelector

ENCR_NAMES = {"aes-cbc-128": (A.ENCR_AES_CBC, 128), "aes-cbc-192": (A.ENCR_AES_CBC, 192),
              "aes-cbc-256": (A.ENCR_AES_CBC, 256), "aes-gcm-128": (A.ENCR_AES_GCM_16, 128),
              "aes-gcm-256": (A.ENCR_AES_GCM_16, 256), "3des": (A.ENCR_3DES, None)}
ANY_TS = TrafficSelector(7, 0, 0, 65535, "0.0.0.0", "255.255.255.255")
PROBE_EVERY = 30.0  # s between the CLI client's DPDs until the router pushes its own dpd-interval


def parse_identity(text: str) -> tuple[int, bytes]:
    """`fqdn:router1.domain1`, `email:a@b`, `address:1.2.3.4`, `key-id:x`, `dn:CN=client,O=Example`."""
    kind, _, value = text.partition(":")
    if kind == "fqdn":
        return A.ID_FQDN, value.encode()
    if kind == "email":
        return A.ID_RFC822_ADDR, value.encode()
    if kind in ("address", "ipv4"):
        return A.ID_IPV4_ADDR, ipaddress.IPv4Address(value).packed
    if kind == "key-id":
        return A.ID_KEY_ID, value.encode()
    if kind == "dn":
        return A.ID_DER_ASN1_DN, AU.dn_der(value)
    raise ValueError(f"identity {text!r}: use fqdn:|email:|address:|key-id:|dn:")


class Initiator:
    """One IKE SA from the initiator's side.  `start(now)` gives the IKE_SA_INIT; feed every datagram to
    `receive`; `tick` retransmits.  `established`, `failed` (a notify type or text), `address` (from CFG_REPLY),
    `children` (list of dicts: spi_in, spi_out, keys) describe the result."""

    def __init__(self, local: tuple[str, int], peer: tuple[str, int], identity: tuple[int, bytes], *,
                 psk: bytes | None = None, rng=os.urandom, groups=(19,), encr=((A.ENCR_AES_CBC, 256),),
                 integ=(A.AUTH_HMAC_SHA2_256_128, A.AUTH_HMAC_SHA2_384_192, A.AUTH_HMAC_SHA2_512_256),
                 prf=(A.PRF_HMAC_SHA2_256, A.PRF_HMAC_SHA2_384, A.PRF_HMAC_SHA2_512), cfg_request: bool = True,
                 cert=None, key=None, natt_port: int = 4500, transport: bool = False, esp_encr=None,
                 fragmentation: bool = False, initial_contact: bool = True, ca=None,
                 auth_method: int | None = None, psk_verify: bytes | None = None,
                 eap_identity: str | bytes | None = None, eap_password: str | bytes | None = None,
                 eap_methods=None, eap_silent: bool = False, ts=None, esp_integ=None, subnets=(),
                 anyconnect=None, reconnect: bool = False, dpd_every: float | None = None, behind_nat: bool = False,
                 report_auth_failure: bool = False, families: tuple = (4,), auth_vids=()):
        """`psk_verify`: the key the responder's AUTH is checked with when it differs from ours (asymmetric
        pre-shared keys, e.g. AAA's ikev2-password-local/-remote); default `psk`.

        EAP: with `eap_identity` the initiator authenticates with EAP (`eap_password`; `eap_methods`: EAP type
        numbers it accepts, by preference, default MSCHAPv2 then MD5).  `eap_silent`: True, it answers no
        EAP request; a number N, it answers the first N and then no more (the responder's EAP timeout runs).
        `subnets`: (address, mask) pairs offered in the CFG_REQUEST as INTERNAL_IP4_SUBNET values (the subnets
        behind us, which a responder with `route accept any` routes to the session).

        AnyConnect: `anyconnect` is a crypto/anyconnect.py AnyConnectPeer (the EAP side of the method; the
        AnyConnect vendor IDs go in IKE_SA_INIT); `reconnect`: ask for the auto-reconnect attributes in the
        CFG_REQUEST (`reconnect_info` keeps the answer); `dpd_every`: send a DPD every so many seconds once up
        (AnyConnect probes the server; smart DPD tracks it).  `asleep` True: the client neither sends nor
        answers anything (a laptop asleep).  `behind_nat`: the NAT detection hashes name a private address
        (192.168.0.2) instead of `local`, as behind a NAT that keeps the port: both sides then see NAT and the
        client floats to port 4500 on its side's same port.

        `families`: the address families the CFG_REQUEST asks for (4: INTERNAL_IP4_ADDRESS/DNS, 6:
        INTERNAL_IP6_ADDRESS/DNS; both: a dual-stack client); `address6` keeps "ADDR/PLEN" from the reply.

        `report_auth_failure`: when the responder's AUTH does not verify, send INFORMATIONAL
        N(AUTHENTICATION_FAILED) as RFC 7296 §2.21.2 says (strongSwan does) before giving up.

        Rekeys the responder starts (RFC 7296 §1.3.2/§1.3.3) are answered: a child rekey replaces the child, an
        IKE rekey makes the responder the new SA's original initiator (our messages then lack the I flag); the
        old IKE SA's keys stay to answer its DELETE."""
        self.local = local
        self.peer = peer
        self.identity = identity
        self.psk = psk
        self.psk_verify = psk if psk_verify is None else psk_verify
        self.rng = rng
        self.groups = list(groups)
        self.auth_vids = list(auth_vids)  # Vendor IDs put first in the IKE_AUTH request (a Windows-like client's)
        self.encr = list(encr)
        self.integ = list(integ)
        self.prf_ids = list(prf)
        self.cfg_request = cfg_request
        self.subnets = list(subnets)
        self.cert, self.key = cert, key
        # certificates: `ca` (list of CA certificates) checks the responder; `auth_method` None = RFC 7427
        # method 14 announced with SIGNATURE_HASH_ALGORITHMS (strongSwan's way), 1 / 9 / 10 / 11 classic
        self.ca = list(ca) if ca is not None else None
        self.auth_method = auth_method
        self.peer_hashes: list[int] | None = None  # the responder's SIGNATURE_HASH_ALGORITHMS
        self.peer_auth_method: int | None = None  # the responder's AUTH method
        self.peer_cert = None
        self.natt_port = natt_port
        self.transport = transport
        self.esp_encr = list(esp_encr or [(A.ENCR_AES_CBC, 256), (A.ENCR_AES_CBC, 128)])
        self.esp_integ = list(esp_integ or [A.AUTH_HMAC_SHA2_256_128, A.AUTH_HMAC_SHA1_96])
        # `ts`: (TSi, TSr) selector lists of the first child SA (default: any to any), e.g. GRE host selectors
        self.ts = ts or ([ANY_TS], [ANY_TS])
        self.fragmentation = fragmentation
        self.initial_contact = initial_contact
        self.spi_i = rng(8)
        self.spi_r = bytes(8)
        self.group = self.groups[0]
        self.cookie: bytes | None = None
        self.ni = rng(32)
        self.nr = b""
        self.init_req = b""
        self.priv = None
        self.state = "idle"
        self.established = False
        self.failed: str | None = None
        self.address: str | None = None
        self.cp_attrs: list = []
        self.children: list[dict] = []
        self.my_next = 0
        self.peer_next = 0
        self.pending = None  # [msg_id, datagrams, due, tries, kind, extra]
        self.nat = False
        self.c_in = self.c_out = None
        self.prf = None
        self.sk_d = b""
        self.keys = None
        self.deleted = False
        self.retransmissions = 0
        self.responses_cache: dict[int, list[Datagram]] = {}
        self.reasm = None
        self.peer_vids: list[bytes] = []
        self.rekeyed_from: list[bytes] = []
        self.eap = None
        if eap_identity is not None:
            from .eap import EapPeer  # noqa: PLC0415

            self.eap = EapPeer(eap_identity, eap_password if eap_password is not None else b"", rng=rng,
                               **({"methods": eap_methods} if eap_methods is not None else {}))
        self.anyconnect = anyconnect
        if anyconnect is not None:
            self.eap = anyconnect
            anyconnect.signer = lambda: (self.prf, self.init_req, self.nr, self.keys.sk_pi)
        self.reconnect = reconnect
        self.reconnect_info: dict[str, object] = {}
        self.dpd_every = dpd_every
        self.next_dpd: float | None = None
        self.asleep = False
        self.behind_nat = behind_nat
        self.eap_silent = eap_silent
        self.eap_rounds = 0  # IKE_AUTH exchanges that carried EAP from us
        self.report_auth_failure = report_auth_failure
        self.families = tuple(families)
        self.address6: str | None = None
        self.orig_initiator = True  # False once the responder rekeyed the IKE SA (it is the new SA's initiator)
        self.old_sas: dict[tuple[bytes, bytes], list] = {}  # (SPIi, SPIr) -> [c_in, c_out, orig_initiator]
        self.peer_rekeys = 0  # CREATE_CHILD_SA rekeys the responder started (answered)

    # -- helpers ------------------------------------------------------------------------------------------
    def _ike_proposal(self, spi: bytes = b""):
        ts = [C.Transform.make(A.TT_ENCR, e, k) for e, k in self.encr]
        ts += [C.Transform.make(A.TT_PRF, p) for p in self.prf_ids]
        if not all(e == A.ENCR_AES_GCM_16 for e, _ in self.encr):
            ts += [C.Transform.make(A.TT_INTEG, i) for i in self.integ]
        ts += [C.Transform.make(A.TT_DH, g) for g in self.groups]
        return C.Proposal(1, A.PROTO_IKE, spi, ts)

    def _esp_proposals(self, spi: bytes, pfs: int | None = None):
        out = []
        for n, (e, k) in enumerate(self.esp_encr, 1):
            ts = [C.Transform.make(A.TT_ENCR, e, k)]
            if e != A.ENCR_AES_GCM_16:
                ts += [C.Transform.make(A.TT_INTEG, i) for i in self.esp_integ]
            if pfs:
                ts.append(C.Transform.make(A.TT_DH, pfs))
            ts.append(C.Transform.make(A.TT_ESN, A.ESN_NO))
            out.append(C.Proposal(n, A.PROTO_ESP, spi, ts))
        return out

    def _out(self, data: bytes) -> list[Datagram]:
        port = 4500 if self.peer[1] == 4500 else self.local[1]  # NAT-T framing also from a NAT-mapped port
        return [Datagram(frame(data, port), self.local, self.peer)]

    def _seal(self, exchange, mid, payloads, response=False) -> list[bytes]:
        m = C.Message(self.spi_i, self.spi_r, exchange, (A.FLAG_INITIATOR if self.orig_initiator else 0)
                      | (A.FLAG_RESPONSE if response else 0), mid, payloads)
        mtu = 576 if self.fragmentation is True else self.fragmentation
        size = C.fragment_size(mtu, udp_encap=self.local[1] == 4500) if self.fragmentation else None
        return C.seal(m, self.c_out, self.rng, fragment_size=size)

    def _request(self, exchange, payloads, now, kind, extra=None) -> list[Datagram]:
        mid = self.my_next
        self.my_next += 1
        packets = self._seal(exchange, mid, payloads)
        dgs = [d for p in packets for d in self._out(p)]
        self.pending = [mid, dgs, now + 2.0, 0, kind, extra]
        return dgs

    # -- IKE_SA_INIT --------------------------------------------------------------------------------------
    def start(self, now: float) -> list[Datagram]:
        self.priv, pub = A.generate(self.group, self.rng)
        payloads = []
        if self.cookie is not None:
            payloads.append(C.Notify(A.COOKIE, self.cookie))
        payloads += [C.SA([self._ike_proposal()]), C.KE(self.group, pub), C.Nonce(self.ni)]
        if self.anyconnect is not None:
            from .anyconnect import CLIENT_SA_INIT_VIDS  # noqa: PLC0415

            payloads += [C.VendorID(v) for v in CLIENT_SA_INIT_VIDS]
        else:
            payloads += C.cisco_vendor_ids()[:1]
        me = ("192.168.0.2", self.local[1]) if self.behind_nat else self.local
        payloads += [C.Notify(A.NAT_DETECTION_SOURCE_IP, C.nat_detection_hash(self.spi_i, bytes(8), *me)),
                     C.Notify(A.NAT_DETECTION_DESTINATION_IP, C.nat_detection_hash(self.spi_i, bytes(8), *self.peer))]
        if self.fragmentation:
            payloads.append(C.Notify(A.IKEV2_FRAGMENTATION_SUPPORTED))
        if self.key is not None and self.auth_method in (None, A.AUTH_DIGITAL_SIGNATURE):
            payloads.append(C.Notify(A.SIGNATURE_HASH_ALGORITHMS, AU.signature_hash_algorithms_data()))
        m = C.Message(self.spi_i, bytes(8), A.IKE_SA_INIT, A.FLAG_INITIATOR, 0, payloads)
        self.init_req = m.encode()
        self.state = "init"
        dgs = self._out(self.init_req)
        self.pending = [0, dgs, now + 2.0, 0, "init", None]
        self.my_next = 1
        return dgs

    def _on_init_response(self, msg, now) -> list[Datagram]:
        self.pending = None
        ck = msg.notify(A.COOKIE)
        if ck is not None:
            self.cookie = ck.data
            return self.start(now)
        ike = msg.notify(A.INVALID_KE_PAYLOAD)
        if ike is not None and len(ike.data) == 2:
            want = int.from_bytes(ike.data, "big")
            if want in self.groups and want != self.group:
                self.group = want
                return self.start(now)
        for n in msg.notifies():
            if A.is_error_notify(n.type):
                self.failed = A.notify_name(n.type)
                self.state = "failed"
                return []
        sa, ke, nonce = msg.get(C.SA), msg.get(C.KE), msg.get(C.Nonce)
        if sa is None or ke is None or nonce is None:
            self.failed = "INVALID_SYNTAX"
            return []
        prop = sa.proposals[0]
        encr = prop.of_type(A.TT_ENCR)[0]
        prf_id = prop.of_type(A.TT_PRF)[0].id
        integ = prop.of_type(A.TT_INTEG)
        integ_id = integ[0].id if integ else None
        self.spi_r = msg.spi_r
        self.nr = nonce.data
        g_ir = A.shared(ke.group, self.priv, ke.data)
        self.priv = None
        self.prf = A.get_prf(prf_id)
        self.encr_alg = A.get_encr(encr.id, encr.key_bits)
        self.integ_alg = A.get_integ(integ_id) if integ_id else None
        self.keys = A.ike_keys(self.prf, self.encr_alg, self.integ_alg, self.ni, self.nr, self.spi_i, self.spi_r, g_ir)
        self.sk_d = self.keys.sk_d
        self.c_in, self.c_out = C.sk_crypto(self.keys, self.encr_alg, self.integ_alg, initiator=True)
        self.init_resp = msg.raw
        self.peer_vids = [p.data for p in msg.payloads if isinstance(p, C.VendorID)]
        sha = msg.notify(A.SIGNATURE_HASH_ALGORITHMS)
        self.peer_hashes = AU.parse_signature_hash_algorithms(sha.data) if sha is not None else None
        # NAT detection: float to 4500 when either side is behind a NAT
        src_hashes = [n.data for n in msg.notifies() if n.type == A.NAT_DETECTION_SOURCE_IP]
        dst = msg.notify(A.NAT_DETECTION_DESTINATION_IP)
        peer_nat = bool(src_hashes) and C.nat_detection_hash(self.spi_i, self.spi_r, *self.peer) not in src_hashes
        me_nat = dst is not None and dst.data != C.nat_detection_hash(self.spi_i, self.spi_r, *self.local)
        self.nat = peer_nat or me_nat or self.behind_nat
        if self.behind_nat:  # the NAT keeps our port: the responder sees the same one after the float
            self.natt_port = self.local[1]
        if self.nat or self.local[1] == 4500:
            self.local = (self.local[0], self.natt_port if self.local[1] != 4500 else 4500)
            self.peer = (self.peer[0], 4500)
        return self._send_auth(now)

    # -- IKE_AUTH -----------------------------------------------------------------------------------------
    def _send_auth(self, now) -> list[Datagram]:
        idi = C.IDi(*self.identity)
        octets = AU.signed_octets(self.init_req, self.nr, self.prf, self.keys.sk_pi, idi)
        self.auth_octets = octets  # the final AUTH after EAP signs them too
        if self.eap is not None:
            auth = None
        elif self.key is not None:
            if self.auth_method in (None, A.AUTH_DIGITAL_SIGNATURE):
                method, hash_alg, _ = AU.choose_signature(self.key, self.peer_hashes or AU.SUPPORTED_SIGNATURE_HASHES,
                                                          classic=False)
                auth = C.Auth(*AU.sign(self.key, octets, method, hash_alg))
            else:
                auth = C.Auth(*AU.sign(self.key, octets, self.auth_method))
        else:
            auth = C.Auth(A.AUTH_PSK, AU.psk_auth(self.prf, self.psk, octets))
        self.child_spi = self.rng(4)
        payloads = [*(C.VendorID(v) for v in self.auth_vids), idi]
        if self.cert is not None and self.eap is None:
            payloads.append(C.Cert(4, AU.cert_der(self.cert)))
        if self.initial_contact:
            payloads.append(C.Notify(A.INITIAL_CONTACT))
        if self.ca:
            payloads.append(C.CertReq(*AU.certreq_data(self.ca)))
        if auth is not None:
            payloads.append(auth)
        if self.cfg_request:
            subnets = [C.CPAttr(A.INTERNAL_IP4_SUBNET, socket.inet_aton(a) + socket.inet_aton(m)) for a, m in self.subnets]
            extra = []
            if self.reconnect:
                from .reconnect import ATTRS  # noqa: PLC0415

                extra = [C.CPAttr(t) for t in ATTRS.values()]
            fam = []
            if 4 in self.families:
                fam += [C.CPAttr(A.INTERNAL_IP4_ADDRESS), C.CPAttr(A.INTERNAL_IP4_DNS)]
            if 6 in self.families:
                fam += [C.CPAttr(A.INTERNAL_IP6_ADDRESS), C.CPAttr(A.INTERNAL_IP6_DNS)]
            payloads.append(C.CP(A.CFG_REQUEST, [*fam, *subnets, *extra]))
        payloads += [C.SA(self._esp_proposals(self.child_spi)), C.TSi(list(self.ts[0])), C.TSr(list(self.ts[1]))]
        if self.transport:
            payloads.append(C.Notify(A.USE_TRANSPORT_MODE))
        self.state = "auth"
        self.my_next = 1
        return self._request(A.IKE_AUTH, payloads, now, "auth")

    def _fail(self, why: str) -> list[Datagram]:
        self.failed = self.failed or why
        self.state = "failed"
        return []

    def _on_auth_response(self, msg, now) -> list[Datagram]:
        for n in msg.notifies():
            if n.type in (A.AUTHENTICATION_FAILED, A.INTERNAL_ADDRESS_FAILURE, A.INVALID_SYNTAX) or (
                    self.eap is not None and A.is_error_notify(n.type)):
                self.failed = A.notify_name(n.type)
                self.state = "failed"
                return []
        idr, auth = msg.get(C.IDr), msg.get(C.Auth)
        if idr is None or auth is None:
            return self._fail("no AUTH")
        octets = AU.signed_octets(self.init_resp, self.ni, self.prf, self.keys.sk_pr, idr)
        self.peer_auth_method = auth.method
        if auth.method == A.AUTH_PSK:
            ok = AU.verify_psk(self.prf, self.psk_verify or b"", octets, auth.data)
        else:
            ok = self._check_responder_cert(msg, idr, auth, octets)
        if not ok:
            self._fail("responder AUTH invalid")
            if self.report_auth_failure:  # RFC 7296 §2.21.2: tell the responder, then forget the SA
                return self._request(A.INFORMATIONAL, [C.Notify(A.AUTHENTICATION_FAILED)], now, "auth-failed")
            return []
        self.idr = idr
        if self.eap is not None:
            self.peer_octets = octets  # the responder's AUTH after EAP signs them again
            return self._on_eap(msg, now)
        return self._established(msg)

    # -- EAP (RFC 7296 §2.16) -------------------------------------------------------------------------------------
    def _on_eap(self, msg, now) -> list[Datagram]:
        """An IKE_AUTH response of the EAP phase: answer its EAP-Request in the next IKE_AUTH request; after
        EAP-Success send the AUTH keyed with the MSK (or SK_pi)."""
        from . import eap as E  # noqa: PLC0415

        for n in msg.notifies():
            if A.is_error_notify(n.type):
                return self._fail(A.notify_name(n.type))
        payload = msg.get(C.EAP)
        if payload is None:
            return self._fail("no EAP payload")
        try:
            answer = self.eap.receive(payload.data)
        except E.EapError as e:
            return self._fail(f"EAP: {e}")
        if self.eap.state == E.FAILURE_STATE:
            return self._fail(f"EAP failure ({self.eap.error})" if self.eap.error != "EAP-Failure" else "EAP failure")
        if self.eap.state == E.SUCCESS_STATE:
            auth = AU.eap_auth(self.prf, self.eap.msk, self.keys.sk_pi, self.auth_octets)
            return self._request(A.IKE_AUTH, [C.Auth(A.AUTH_PSK, auth)], now, "eap-auth")
        silent = self.eap_silent is True or (
            not isinstance(self.eap_silent, bool) and isinstance(self.eap_silent, int) and self.eap_rounds >= self.eap_silent)
        if answer is None or silent:
            self.state = "eap"  # waiting for a request that we do not answer
            return []
        self.state = "eap"
        self.eap_rounds += 1
        return self._request(A.IKE_AUTH, [C.EAP(answer)], now, "eap")

    def _on_eap_auth_response(self, msg) -> list[Datagram]:
        for n in msg.notifies():
            if A.is_error_notify(n.type) and msg.get(C.Auth) is None:
                return self._fail(A.notify_name(n.type))
        auth = msg.get(C.Auth)
        if auth is None:
            return self._fail("no AUTH")
        if auth.method != A.AUTH_PSK or not AU.verify_eap_auth(self.prf, self.eap.msk, self.keys.sk_pr,
                                                                self.peer_octets, auth.data):
            return self._fail("responder AUTH invalid")
        return self._established(msg)

    def _established(self, msg) -> list[Datagram]:
        cp = msg.get(C.CP)
        if cp is not None:
            self.cp_attrs = cp.attrs
            for v in cp.get(A.INTERNAL_IP4_ADDRESS):
                self.address = str(ipaddress.IPv4Address(v[:4]))
            for v in cp.get(A.INTERNAL_IP6_ADDRESS):
                if len(v) == 17:
                    self.address6 = f"{ipaddress.IPv6Address(v[:16])}/{v[16]}"
            if self.reconnect:
                from .reconnect import ATTRS  # noqa: PLC0415

                for name, t in ATTRS.items():
                    for v in cp.get(t):
                        self.reconnect_info[name] = int.from_bytes(v, "big") if name.endswith("interval") else v
        self._add_child(msg, self.child_spi, self.ni, self.nr, None)
        self.established = True
        self.state = "ready"
        self.init_req = self.init_resp = b""
        self.auth_octets = self.peer_octets = b""
        return []

    def _check_responder_cert(self, msg, idr, auth, octets) -> bool:
        """The responder's signature AUTH: with `ca`, its CERT chain, EKU, IDr against the certificate and the
        signature; without `ca`, the signature against its CERT only (no trust decision)."""
        from .state import Identity  # noqa: PLC0415

        certs = []
        for p in msg.get_all(C.Cert):
            if p.encoding == A.CERT_X509_SIGNATURE:
                try:
                    certs.append(AU.load_certificate(p.data))
                except AU.CertificateError:
                    self.failed = "responder certificate unreadable"
                    return False
        if not certs:
            self.failed = "no responder certificate"
            return False
        self.peer_cert = certs[0]
        if self.ca:
            try:
                AU.verify_chain(certs[0], certs[1:], self.ca, time.time())
            except AU.CertificateError as e:
                self.failed = f"responder certificate: {e}"
                return False
            if not AU.check_eku(certs[0]) or not AU.identity_matches_cert(Identity(idr.id_type, idr.data), certs[0]):
                self.failed = "responder identity does not match its certificate"
                return False
        try:
            return AU.verify(certs[0], auth.method, auth.data, octets)
        except AU.AuthError:
            return False

    def _add_child(self, msg, spi_in, ni, nr, g_ir, replaces=None):
        sa = msg.get(C.SA)
        if sa is None:
            self.child_error = next((A.notify_name(n.type) for n in msg.notifies() if A.is_error_notify(n.type)), None)
            return None
        prop = sa.proposals[0]
        e = prop.of_type(A.TT_ENCR)[0]
        integ = prop.of_type(A.TT_INTEG)
        encr = A.get_encr(e.id, e.key_bits)
        keys = A.child_keymat(self.prf, self.sk_d, ni, nr, encr, integ[0].id if integ else None, g_ir)
        tsi, tsr = msg.get(C.TSi), msg.get(C.TSr)
        child = {"spi_in": spi_in, "spi_out": prop.spi, "keys": keys, "encr": (e.id, e.key_bits),
                 "integ": integ[0].id if integ else None,
                 "tsi": tsi.selectors if tsi else [], "tsr": tsr.selectors if tsr else [],
                 "transport": msg.notify(A.USE_TRANSPORT_MODE) is not None}
        if replaces is not None and replaces in self.children:
            self.children.remove(replaces)
        self.children.append(child)
        return child

    # -- after establishment ------------------------------------------------------------------------------
    def dpd(self, now) -> list[Datagram]:
        return self._request(A.INFORMATIONAL, [], now, "dpd")

    def delete(self, now) -> list[Datagram]:
        return self._request(A.INFORMATIONAL, [C.Delete(A.PROTO_IKE, [])], now, "delete")

    def delete_child(self, child, now) -> list[Datagram]:
        return self._request(A.INFORMATIONAL, [C.Delete(A.PROTO_ESP, [child["spi_in"]])], now, "delete-child",
                             child)

    def rekey_child(self, now, child=None, pfs: int | None = None) -> list[Datagram]:
        child = child or self.children[0]
        spi = self.rng(4)
        ni = self.rng(32)
        payloads = [C.Notify(A.REKEY_SA, protocol=A.PROTO_ESP, spi=child["spi_in"]),
                    C.SA(self._esp_proposals(spi, pfs)), C.Nonce(ni)]
        priv = None
        if pfs:
            priv, pub = A.generate(pfs, self.rng)
            payloads.append(C.KE(pfs, pub))
        payloads += [C.TSi(child["tsi"] or [ANY_TS]), C.TSr(child["tsr"] or [ANY_TS])]
        return self._request(A.CREATE_CHILD_SA, payloads, now, "rekey-child", (child, spi, ni, priv))

    def rekey_ike(self, now) -> list[Datagram]:
        spi = self.rng(8)
        ni = self.rng(32)
        priv, pub = A.generate(self.group, self.rng)
        payloads = [C.SA([self._ike_proposal(spi)]), C.Nonce(ni), C.KE(self.group, pub)]
        return self._request(A.CREATE_CHILD_SA, payloads, now, "rekey-ike", (spi, ni, priv))

    def _on_response(self, msg, now) -> list[Datagram]:
        kind, extra = self.pending[4], self.pending[5]
        self.pending = None
        if kind == "auth":
            return self._on_auth_response(msg, now)
        if kind == "eap":
            return self._on_eap(msg, now)
        if kind == "eap-auth":
            return self._on_eap_auth_response(msg)
        if kind == "delete":
            self.deleted = True
            self.established = False
            self.state = "deleted"
        elif kind == "delete-child":
            if extra in self.children:
                self.children.remove(extra)
        elif kind == "rekey-child":
            child, spi, ni, priv = extra
            nonce = msg.get(C.Nonce)
            if nonce is not None:
                ke = msg.get(C.KE)
                g_ir = A.shared(ke.group, priv, ke.data) if (ke is not None and priv is not None) else None
                self._add_child(msg, spi, ni, nonce.data, g_ir, replaces=child)
                # delete the old child (RFC 7296 §2.8)
                self.children.append(child)
                return self.delete_child(child, now)
            self.child_error = next((A.notify_name(n.type) for n in msg.notifies()), None)
        elif kind == "rekey-ike":
            spi, ni, priv = extra
            sa, nonce, ke = msg.get(C.SA), msg.get(C.Nonce), msg.get(C.KE)
            if sa is None or nonce is None or ke is None:
                self.child_error = next((A.notify_name(n.type) for n in msg.notifies()), None)
                return []
            prop = sa.proposals[0]
            e = prop.of_type(A.TT_ENCR)[0]
            integ = prop.of_type(A.TT_INTEG)
            prf_new = A.get_prf(prop.of_type(A.TT_PRF)[0].id)
            g_ir = A.shared(ke.group, priv, ke.data)
            seed = A.rekey_skeyseed(self.prf, self.sk_d, g_ir, ni, nonce.data)
            encr = A.get_encr(e.id, e.key_bits)
            ia = A.get_integ(integ[0].id) if integ else None
            keys = A.ike_keys(prf_new, encr, ia, ni, nonce.data, spi, prop.spi, seed=seed)
            old = (self.spi_i, self.spi_r, self.c_out, self.my_next)
            # delete the old IKE SA with the old keys, then switch
            self.rekeyed_from.append(self.spi_r)
            m = C.Message(old[0], old[1], A.INFORMATIONAL, A.FLAG_INITIATOR, old[3], [C.Delete(A.PROTO_IKE, [])])
            out = [d for p in C.seal(m, old[2], self.rng) for d in self._out(p)]
            self.spi_i, self.spi_r = spi, prop.spi
            self.prf, self.keys, self.sk_d = prf_new, keys, keys.sk_d
            self.c_in, self.c_out = C.sk_crypto(keys, encr, ia, initiator=True)
            self.my_next = self.peer_next = 0
            return out
        return []

    def _on_old_sa_request(self, msg, ctx) -> list[Datagram]:
        """A request on an IKE SA the responder rekeyed: its DELETE (answered with the old keys)."""
        c_in, c_out, orig = ctx
        try:
            C.open_sk(msg, c_in)
        except C.CodecError:
            return []
        m = C.Message(msg.spi_i, msg.spi_r, msg.exchange, (A.FLAG_INITIATOR if orig else 0) | A.FLAG_RESPONSE,
                      msg.message_id, [])
        if any(d.protocol == A.PROTO_IKE for d in msg.get_all(C.Delete)):
            self.old_sas.pop((msg.spi_i, msg.spi_r), None)
        return [d for p in C.seal(m, c_out, self.rng) for d in self._out(p)]

    def _on_rekey_request(self, msg, now) -> list[Datagram] | None:
        """The responder rekeys the IKE SA or a child (RFC 7296 §1.3.2, §1.3.3): answer with the algorithms it
        offers (its first proposal), a fresh nonce and SPI, and KE when it sent one."""
        sa, nonce, ke = msg.get(C.SA), msg.get(C.Nonce), msg.get(C.KE)
        if sa is None or nonce is None or not sa.proposals:
            return None
        prop = sa.proposals[0]
        nr = self.rng(32)
        g_ir, ke_out = None, []
        if ke is not None:
            priv, pub = A.generate(ke.group, self.rng)
            g_ir = A.shared(ke.group, priv, ke.data)
            ke_out = [C.KE(ke.group, pub)]
        self.peer_rekeys += 1
        if prop.protocol == A.PROTO_IKE:
            spi = self.rng(8)
            e = prop.of_type(A.TT_ENCR)[0]
            integ = prop.of_type(A.TT_INTEG)
            prf_new = A.get_prf(prop.of_type(A.TT_PRF)[0].id)
            seed = A.rekey_skeyseed(self.prf, self.sk_d, g_ir, nonce.data, nr)
            encr = A.get_encr(e.id, e.key_bits)
            ia = A.get_integ(integ[0].id) if integ else None
            keys = A.ike_keys(prf_new, encr, ia, nonce.data, nr, prop.spi, spi, seed=seed)
            answer = C.Proposal(prop.num, A.PROTO_IKE, spi, prop.transforms)
            dgs = [d for p in self._seal(msg.exchange, msg.message_id, [C.SA([answer]), C.Nonce(nr)] + ke_out,
                                         response=True) for d in self._out(p)]
            self.old_sas[(self.spi_i, self.spi_r)] = [self.c_in, self.c_out, self.orig_initiator]
            self.rekeyed_from.append(self.spi_r)
            self.spi_i, self.spi_r = prop.spi, spi
            self.orig_initiator = False
            self.prf, self.keys, self.sk_d = prf_new, keys, keys.sk_d
            self.c_in, self.c_out = C.sk_crypto(keys, encr, ia, initiator=False)
            self.my_next = self.peer_next = 0
            self.responses_cache = {}
            return dgs
        rk = msg.notify(A.REKEY_SA)
        old = next((ch for ch in self.children if rk is not None and ch["spi_out"] == rk.spi), None)
        if old is None:
            return [d for p in self._seal(msg.exchange, msg.message_id,
                                          [C.Notify(A.CHILD_SA_NOT_FOUND, protocol=A.PROTO_ESP,
                                                    spi=rk.spi if rk is not None else b"")], response=True)
                    for d in self._out(p)]
        spi = self.rng(4)
        e = prop.of_type(A.TT_ENCR)[0]
        integ = prop.of_type(A.TT_INTEG)
        encr = A.get_encr(e.id, e.key_bits)
        ei, ai, er, ar = A.child_keymat(self.prf, self.sk_d, nonce.data, nr, encr, integ[0].id if integ else None, g_ir)
        tsi, tsr = msg.get(C.TSi), msg.get(C.TSr)
        # keys as for the children we make: ours (initiator->responder of the IKE SA's first exchange) first
        child = {"spi_in": spi, "spi_out": prop.spi, "keys": (er, ar, ei, ai), "encr": (e.id, e.key_bits),
                 "integ": integ[0].id if integ else None,
                 "tsi": tsr.selectors if tsr else old["tsi"], "tsr": tsi.selectors if tsi else old["tsr"],
                 "transport": old["transport"], "by_responder": True}
        self.children.append(child)
        self.old_children = getattr(self, "old_children", []) + [old]
        answer = C.Proposal(prop.num, prop.protocol, spi, prop.transforms)
        payloads = [C.SA([answer]), C.Nonce(nr)] + ke_out + [tsi, tsr]
        return [d for p in self._seal(msg.exchange, msg.message_id, payloads, response=True) for d in self._out(p)]

    def _on_request(self, msg, now) -> list[Datagram]:
        """The responder's DPD / DELETE / rekeys: answer (DELETE of the IKE SA ends us)."""
        mid = msg.message_id
        if mid in self.responses_cache:
            return self.responses_cache[mid]
        if msg.exchange == A.CREATE_CHILD_SA:
            before = self.spi_r
            dgs = self._on_rekey_request(msg, now) or []
            if self.spi_r == before:  # (an IKE rekey moved us to the new SA: its message IDs start again)
                self.responses_cache = {mid: dgs}
                self.peer_next = mid + 1
            return dgs
        out = []
        for d in msg.get_all(C.Delete):
            if d.protocol == A.PROTO_IKE:
                self.deleted = True
                self.established = False
                self.state = "deleted"
            else:
                for spi in d.spis:
                    for ch in list(self.children):
                        if ch["spi_out"] == spi:
                            self.children.remove(ch)
                            out.append(ch["spi_in"])
        payloads = [C.Delete(A.PROTO_ESP, out)] if out else []
        dgs = [d for p in self._seal(msg.exchange, mid, payloads, response=True) for d in self._out(p)]
        self.responses_cache = {mid: dgs}
        self.peer_next = mid + 1
        return dgs

    # -- I/O entry points ---------------------------------------------------------------------------------
    def receive(self, data: bytes, src, dst, now: float) -> list[Datagram]:
        if self.asleep:
            return []
        if dst[1] == 4500 or self.local[1] == 4500 or self.peer[1] == 4500:
            if data[:4] != C.NON_ESP_MARKER:
                return []
            data = data[4:]
        try:
            msg = C.parse_message(data)
        except C.CodecError:
            return []
        ctx = self.old_sas.get((msg.spi_i, msg.spi_r))
        if ctx is not None and msg.is_request:
            return self._on_old_sa_request(msg, ctx)
        if msg.spi_i != self.spi_i:
            return []
        if msg.exchange == A.IKE_SA_INIT:
            if self.state != "init" or not msg.is_response:
                return []
            return self._on_init_response(msg, now)
        if self.c_in is None or msg.spi_r != self.spi_r:
            return []
        try:
            if isinstance(msg.encrypted, C.EncryptedFragment):
                self.reasm = self.reasm or C.FragmentReassembler()
                if self.reasm.add(msg, self.c_in) is None:
                    return []
            else:
                C.open_sk(msg, self.c_in)
        except C.CodecError:
            return []
        if msg.is_response:
            if self.pending is None or msg.message_id != self.pending[0]:
                return []
            return self._on_response(msg, now)
        return self._on_request(msg, now)

    def tick(self, now: float) -> list[Datagram]:
        if self.asleep:
            return []
        p = self.pending
        if p is None and self.dpd_every and self.established and not self.deleted:
            if self.next_dpd is None:
                self.next_dpd = now + self.dpd_every
            elif now >= self.next_dpd:
                self.next_dpd = now + self.dpd_every
                return self.dpd(now)
        if p is None or now < p[2]:
            return []
        if p[3] >= 5:
            self.pending = None
            self.failed = self.failed or "timeout"
            self.state = "failed" if not self.established else self.state
            return []
        p[3] += 1
        self.retransmissions += 1
        p[2] = now + 2.0 * (2 ** p[3])
        return list(p[1])


# ---------------------------------------------------------------------------------------------------------------
# asyncio front end
# ---------------------------------------------------------------------------------------------------------------


class _ClientProto(asyncio.DatagramProtocol):
    def __init__(self, ini: Initiator, done: asyncio.Future, send, natt: bool = False):
        self.ini, self.done, self.send = ini, done, send
        self.natt = natt  # the NAT-T socket: ESP arrives there too (RFC 3948)
        self.esp = None  # where ESP goes (crypto/client_ping.py while it pings), else it is dropped

    def datagram_received(self, data, addr):
        if self.natt and len(data) > 4 and data[:4] != C.NON_ESP_MARKER:
            if self.esp is not None:
                self.esp(data)
            return
        out = self.ini.receive(data, (addr[0], addr[1]), self.ini.local, time.monotonic())
        self.send(out)
        if (self.ini.established or self.ini.failed) and not self.done.done():
            self.done.set_result(self.ini)


async def connect(peer: str, port: int = 500, natt_port: int = 4500, *, psk: bytes | None, identity: tuple[int, bytes],
                  local_addr: str = "0.0.0.0", timeout: float = 30.0, **kw) -> Initiator:
    """Bring up one IKE SA over real UDP; returns the Initiator (check `.established` / `.failed`)."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    t500, p500 = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=(local_addr, 0))
    t4500, p4500 = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=(local_addr, 0))
    la = t500.get_extra_info("sockname")
    src_ip = la[0]
    if src_ip == "0.0.0.0":
        import socket  # noqa: PLC0415

        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((peer, port))
        src_ip = s.getsockname()[0]
        s.close()
    ini = Initiator((src_ip, la[1]), (peer, port), identity, psk=psk, natt_port=4500, **kw)
    real_natt = natt_port

    def send(dgs):
        for d in dgs:
            dst = (d.dst[0], port if d.dst[1] == 500 else real_natt)
            (t4500 if d.src[1] == 4500 else t500).sendto(d.data, dst)

    # engine ports: our 500-side socket is whatever port we got; 4500 side marks frames with the marker
    ini.local = (src_ip, la[1])
    proto, proto_natt = _ClientProto(ini, done, send), _ClientProto(ini, done, send, natt=True)
    t500.set_protocol(proto)
    t4500.set_protocol(proto_natt)

    orig_out = ini._out

    def _out(data):
        natt = ini.local[1] == 4500 or ini.peer[1] == 4500
        d = (C.NON_ESP_MARKER + data) if natt else data
        return [Datagram(d, (src_ip, 4500 if natt else la[1]), (peer, 4500 if natt else 500))]

    ini._out = _out  # type: ignore[method-assign]
    _ = orig_out
    send(ini.start(time.monotonic()))
    try:
        end = time.monotonic() + timeout
        while not done.done() and time.monotonic() < end:
            await asyncio.sleep(0.25)
            send(ini.tick(time.monotonic()))
            if ini.failed and not done.done():
                done.set_result(ini)
    finally:
        ini._transports = (t500, t4500)  # type: ignore[attr-defined]
        ini._send = send  # type: ignore[attr-defined]
        ini._natt_proto = proto_natt  # type: ignore[attr-defined]
        ini._esp_send = lambda data: t4500.sendto(data, (peer, real_natt))  # type: ignore[attr-defined]
    return ini


async def _sleep_and_reconnect(args, ini: Initiator, kw: dict) -> Initiator | None:
    """--sleep-after S --sleep-for T: keep the SA (its DPDs go out) for S seconds, answer nothing for T seconds
    (the router's smart DPD moves the session to inactive), then reconnect with the session-id and
    session-token the router gave (PSK), from new sockets.  None (at once) when the router gave none."""
    info = ini.reconnect_info
    if "session-id" not in info or "session-token" not in info:
        print("no auto-reconnect attributes from the router (no `reconnect` in its profile?): cannot reconnect")
        return None
    end = time.monotonic() + args.sleep_after
    while time.monotonic() < end:
        await asyncio.sleep(0.25)
        ini._send(ini.tick(time.monotonic()))  # type: ignore[attr-defined]
    ini.asleep = True
    print(f"asleep for {args.sleep_for:g} s")
    await asyncio.sleep(args.sleep_for)
    for t in ini._transports:  # type: ignore[attr-defined]
        t.close()
    return await connect(args.peer, args.port, args.natt_port, psk=info["session-token"],
                         identity=(A.ID_KEY_ID, info["session-id"]), timeout=args.timeout, reconnect=True,
                         dpd_every=ini.dpd_every, **({"ca": kw["ca"]} if "ca" in kw else {}))


def _build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="iosflex client", description="IKEv2 reference initiator")
    ap.add_argument("--peer", required=True, help="the router's address (IPv4 or IPv6)")
    ap.add_argument("--port", type=int, default=500, help="the router's IKE port (default 500; the router's "
                    "--ike-ports first value)")
    ap.add_argument("--natt-port", type=int, default=4500, help="the router's NAT-T port (default 4500; the "
                    "router's --ike-ports second value)")
    ap.add_argument("--psk", help="pre-shared key (both directions)")
    ap.add_argument("--id", help="fqdn:NAME, email:A@B, address:A.B.C.D, key-id:X, dn:CN=..,O=.. (default: "
                    "the certificate's subject with --cert, else fqdn:router1.domain1); with --count, {n} in it "
                    "becomes each client's number (fqdn:user{n}.domain1), so that each is a peer of its own")
    ap.add_argument("--cert", help="our certificate (PEM or DER)")
    ap.add_argument("--key", help="our private key (PEM or DER)")
    ap.add_argument("--key-password", help="password of an encrypted --key")
    ap.add_argument("--ca", help="CA certificate(s) (PEM) that must sign the responder's certificate")
    ap.add_argument("--auth-method", type=int, choices=(1, 9, 10, 11, 14), default=None,
                    help="signature AUTH method (default 14, RFC 7427, with SIGNATURE_HASH_ALGORITHMS)")
    ap.add_argument("--eap-identity", help="authenticate with EAP as this identity (no AUTH in the first "
                    "IKE_AUTH); {n} as in --id")
    ap.add_argument("--eap-password", help="the EAP password")
    ap.add_argument("--eap-method", choices=("md5", "mschapv2"), default=None,
                    help="the only EAP method accepted (default: MSCHAPv2, then MD5)")
    ap.add_argument("--anyconnect", action="store_true", help="authenticate with AnyConnect-EAP (aggregate auth: "
                    "--user/--password; identity key-id *$AnyConnectClient$* unless --id)")
    ap.add_argument("--user", help="AnyConnect user name")
    ap.add_argument("--password", help="AnyConnect password")
    ap.add_argument("--cert-request", nargs=2, metavar=("CERT", "KEY"),
                    help="AnyConnect dual-factor: the certificate and key of the client-certificate round")
    ap.add_argument("--reconnect", action="store_true",
                    help="ask for the auto-reconnect attributes (AnyConnect, or EAP / certificates as the chapter's "
                         "AnyConnect client with plain EAP); probes the router every 30 s")
    ap.add_argument("--sleep-after", type=float, default=None, help="with --reconnect: seconds up before sleeping")
    ap.add_argument("--sleep-for", type=float, default=0.0, help="with --reconnect: seconds asleep, then reconnect")
    ap.add_argument("--gre", action="store_true",
                    help="propose GRE (protocol 47) between this host and the router, in transport mode, as a "
                         "GRE-over-IPsec peer does (the router's `virtual-template N mode auto` makes it GRE/IP)")
    ap.add_argument("--encap", action="store_true",
                    help="announce a NAT, so that ESP goes in UDP to port 4500 both ways (RFC 3948)")
    ap.add_argument("--ping", metavar="ADDR",
                    help="once up, ping ADDR through the first child SA (ICMP echoes encrypted here, in UDP: "
                         "implies --encap), printed as the router's ping prints; needs a router data plane")
    ap.add_argument("--ping-count", type=int, default=5, help="echoes to send with --ping (default 5)")
    ap.add_argument("--ping-size", type=int, default=100, help="octets per echo with --ping (default 100)")
    ap.add_argument("--cfg-request", action="store_true",
                    help="send a CFG_REQUEST (address, DNS, subnets) and print the address the router gives")
    ap.add_argument("--count", type=int, default=1, help="number of clients, run at the same time (default 1)")
    ap.add_argument("--groups", default="19", help="DH groups to offer, comma-separated, the first in KE "
                    "(default 19)")
    ap.add_argument("--encr", default="aes-cbc-256",
                    help="IKE ciphers to offer, comma-separated: " + ", ".join(ENCR_NAMES) + " (default aes-cbc-256)")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each SA (default 30)")
    ap.add_argument("--hold", type=float, default=0.0, help="seconds to keep the SAs up (after --sleep-for: "
                    "the reconnected SA), then delete them (IKE DELETE; also on Ctrl-C or SIGTERM); default 0: "
                    "leave them to the router's DPD")
    return ap


async def _run(args) -> int:
    groups = tuple(int(g) for g in args.groups.split(","))
    encr = tuple(ENCR_NAMES[e] for e in args.encr.split(","))
    kw = {}
    if bool(args.cert) != bool(args.key):
        raise SystemExit("iosflex client: --cert and --key go together")
    if args.cert:
        with open(args.cert, "rb") as f:
            kw["cert"] = AU.load_certificate(f.read())
        with open(args.key, "rb") as f:
            kw["key"] = AU.load_private_key(f.read(), args.key_password)
        kw["auth_method"] = args.auth_method
    if args.ca:
        with open(args.ca, "rb") as f:
            kw["ca"] = AU.load_certificates(f.read())
    if args.eap_method and not args.eap_identity:
        raise SystemExit("iosflex client: --eap-method needs --eap-identity")
    if args.eap_identity:
        from .eap import METHOD_NAMES  # noqa: PLC0415

        kw["eap_password"] = args.eap_password or ""
        if args.eap_method:
            kw["eap_methods"] = [METHOD_NAMES[args.eap_method]]
    if args.anyconnect:
        from .anyconnect import DEFAULT_IKE_ID, AnyConnectPeer  # noqa: PLC0415

        if args.count != 1:
            raise SystemExit("iosflex client: --anyconnect makes one client")
        cert = key = None
        if args.cert_request:
            with open(args.cert_request[0], "rb") as f:
                cert = AU.load_certificate(f.read())
            with open(args.cert_request[1], "rb") as f:
                key = AU.load_private_key(f.read(), args.key_password)
            from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

            if not isinstance(key, rsa.RSAPrivateKey):  # the certificate round's signature is RSA PKCS#1
                raise SystemExit("iosflex client: --cert-request needs an RSA key")
        kw["anyconnect"] = AnyConnectPeer(args.user or "", args.password or "", cert=cert, key=key)
        kw["reconnect"] = args.reconnect
        kw["dpd_every"] = PROBE_EVERY
        args.cfg_request = True
        if not args.id:
            args.id = "key-id:" + DEFAULT_IKE_ID.decode()
    elif args.user or args.cert_request:
        raise SystemExit("iosflex client: --user and --cert-request need --anyconnect")
    elif args.reconnect:  # the reconnect attributes are CFG_REQUEST attributes; the client keeps its SA probed
        if args.count != 1:
            raise SystemExit("iosflex client: --reconnect makes one client")
        kw["reconnect"] = True
        kw["dpd_every"] = PROBE_EVERY
        args.cfg_request = True
    if args.sleep_after is not None and not args.reconnect:
        raise SystemExit("iosflex client: --sleep-after needs --reconnect")
    if args.ping and args.count != 1:
        raise SystemExit("iosflex client: --ping makes one client")
    if args.encap or args.ping:
        kw["behind_nat"] = True
    if args.gre:
        import socket  # noqa: PLC0415

        from .state import TrafficSelector  # noqa: PLC0415

        v6 = ":" in args.peer
        with socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((args.peer, args.port))  # (no datagram is sent: it picks our address towards the router)
            me = probe.getsockname()[0]
        ts_type = 8 if v6 else 7
        kw["ts"] = ([TrafficSelector(ts_type, 47, 0, 65535, me, me)],
                    [TrafficSelector(ts_type, 47, 0, 65535, args.peer, args.peer)])
        kw["transport"] = True

    def identity(n: int):
        if args.id:
            return parse_identity(args.id.replace("{n}", str(n)))
        if args.cert:
            return (A.ID_DER_ASN1_DN, kw["cert"].subject.public_bytes())
        return parse_identity("fqdn:router1.domain1")

    t0 = time.monotonic()
    res = await asyncio.gather(*[
        connect(args.peer, args.port, args.natt_port, psk=args.psk.encode() if args.psk else None,
                identity=identity(n), timeout=args.timeout, groups=groups, encr=encr, cfg_request=args.cfg_request,
                **({"eap_identity": args.eap_identity.replace("{n}", str(n))} if args.eap_identity else {}), **kw)
        for n in range(1, args.count + 1)])
    ok = 0
    for n, ini in enumerate(res, 1):
        if ini.established:
            ok += 1
            ch = ini.children[0] if ini.children else None
            print(f"{n}: UP  SPIi {ini.spi_i.hex().upper()} SPIr {ini.spi_r.hex().upper()}"
                  + (f" address {ini.address}" if ini.address else "")
                  + (f" ESP in {ch['spi_in'].hex()} out {ch['spi_out'].hex()}" if ch else "")
                  + (" NAT-T" if ini.nat else "")
                  + ("" if ch else f" no child SA ({ini.child_error or 'none proposed'})"))
        else:
            print(f"{n}: FAILED {ini.failed}")
    print(f"{ok}/{len(res)} established in {time.monotonic() - t0:.3f} s")
    if args.ping and res[0].established and not res[0].children:
        print("ping: no child SA to send through")
        ok = 0
    elif args.ping and res[0].established:
        from .client_ping import ping  # noqa: PLC0415

        lines, replies = await ping(res[0], args.ping, args.ping_count, args.ping_size)
        print("\n".join(lines))
        if replies < args.ping_count:
            ok = 0
    if args.anyconnect or args.reconnect:
        for ini in res:
            _follow_dpd_interval(ini)
    if args.reconnect and res[0].established and args.sleep_after is not None:
        again = await _sleep_and_reconnect(args, res[0], kw)
        if again is None or not again.established:
            print(f"reconnect: FAILED {again.failed if again is not None else 'no auto-reconnect attributes'}")
            return 1
        print("reconnect: UP" + (f" address {again.address}" if again.address else ""))
        _follow_dpd_interval(again)
        res = [again]
    if args.hold:
        up = [ini for ini in res if ini.established]
        try:
            await _hold(up, args.hold)
        finally:  # the time is up, or Ctrl-C / SIGTERM cancelled the hold: the SAs go either way
            gone = await _delete_all(up)
            print(f"{gone}/{len(up)} deleted")
    return 0 if ok == len(res) else 1


def _follow_dpd_interval(ini: Initiator) -> None:
    """An AnyConnect client probes the router at the dpd-interval the router pushed with the reconnect
    attributes (smart DPD on the router tracks those probes); without one it keeps its default."""
    interval = ini.reconnect_info.get("dpd-interval")
    if ini.established and isinstance(interval, int) and interval > 0:
        ini.dpd_every = float(interval)
        ini.next_dpd = None


async def _hold(inis: list, seconds: float) -> None:
    """Keep the SAs for `seconds`, answering and retransmitting as they need (DPD, the router's requests)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await asyncio.sleep(min(0.25, max(0.0, end - time.monotonic())))
        for ini in inis:
            ini._send(ini.tick(time.monotonic()))  # type: ignore[attr-defined]


async def _delete_all(inis: list, wait: float = 3.0) -> int:
    """Send an IKE DELETE on each SA still up and wait (at most `wait` seconds) for the answers; the number
    the router acknowledged."""
    live = [ini for ini in inis if not ini.deleted]
    end = time.monotonic() + 1.0
    while any(ini.pending for ini in live) and time.monotonic() < end:  # let a DPD in flight finish
        await asyncio.sleep(0.05)
    for ini in live:
        ini._send(ini.delete(time.monotonic()))  # type: ignore[attr-defined]
    end = time.monotonic() + wait
    while not all(ini.deleted for ini in live) and time.monotonic() < end:
        await asyncio.sleep(0.05)
        for ini in live:
            if not ini.deleted:
                ini._send(ini.tick(time.monotonic()))  # type: ignore[attr-defined]
    for ini in live:
        for t in getattr(ini, "_transports", ()):
            t.close()
    return sum(1 for ini in live if ini.deleted)


def main(argv=None) -> int:
    args = _build_parser().parse_args(argv)

    async def run() -> int:
        import signal  # noqa: PLC0415

        task = asyncio.current_task()
        try:  # SIGTERM as Ctrl-C: the hold ends and the SAs are deleted
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        except (NotImplementedError, RuntimeError):
            pass
        try:
            return await _run(args)
        except asyncio.CancelledError:
            return 130

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

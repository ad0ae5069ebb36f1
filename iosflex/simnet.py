"""A simulated network for golden transcripts and tests: the router's IKEv2 responder and the package's own
initiators exchange datagrams in-process, with a fake clock and seeded random numbers, so that debug and show
output is the same on every run.

Used by transcript directives (iosflex/transcript.py):

    ;;@ikev2 connect NAME [from=IP[:PORT]] [psk=KEY] [psk-verify=KEY] [id=fqdn:NAME|email:X|keyid:X|address:IP]
                          [groups=19,14] [encr=aes-cbc-256] [no-cfg] [ca=TRUSTPOINT]
                          [eap-id=ID eap-password=P [eap-method=md5|mschapv2] [eap-silent[=N]]]
                          [gre] [esp=aes-cbc-128[,...]] [esp-integ=sha1|sha256[,...]] [subnets=A.B.C.D/M[,...]]
                          [anyconnect user=U password=P [cert=CERT.pem key=KEY.pem] [reconnect]
                           [dpd-every=S] [nat]]
    ;;@ikev2 delete NAME          the initiator deletes its IKE SA
    ;;@ikev2 sleep NAME           the initiator neither sends nor answers anything (a client asleep)
    ;;@ikev2 wake NAME            ... and is awake again (its old SA answers as before)
    ;;@ikev2 reconnect NAME [from=IP[:PORT]]
                                  an AnyConnect initiator that got the auto-reconnect attributes reconnects:
                                  a new IKE SA authenticated with PSK (IDi = its session-id, key = its
                                  session-token), from a new address/port if given; it takes over NAME
    ;;@ikev2 dpd NAME             the initiator sends an empty INFORMATIONAL
    ;;@clock +SECONDS             time passes; timers on both sides run
    ;;@radius server IP key=SECRET [auth=1645] [acct=1646]      a RADIUS server on the simulated network
    ;;@radius user NAME [password=P] [eap=md5|mschapv2] [ATTR=VALUE ...]
                                                               a user of the last server and its reply
    ;;@radius down|up IP                                       the server stops / starts answering
    ;;@radius disconnect|coa [from=IP[:PORT]] key=K [id=N] [to=IP:PORT] [timestamp[=+-S]] [ATTR=VALUE ...]
                                  a dynamic-authorization client (default 172.16.1.3:1700) sends a
                                  Disconnect-/CoA-Request to the router's dynamic-author port; it prints
                                  nothing, the answer is kept in `SimNet.dac_replies`

`ca=TRUSTPOINT`: the initiator checks the responder's certificate chain against the CA certificate(s) of the
router's trustpoint TRUSTPOINT (without it, a responder signature is checked against its CERT only, with no
trust decision).  `eap-id=ID`: the initiator authenticates with EAP (crypto/eap.py's EapPeer, password
`eap-password`; `eap-method` the only method it accepts, default MSCHAPv2 then MD5): no AUTH in its first
IKE_AUTH, one IKE_AUTH exchange per EAP message, the final AUTH keyed with the MSK.  `eap-silent` makes it answer
no EAP request, `eap-silent=N` only the first N (the router's EAP timeout then runs: `;;@clock +S`).  A RADIUS
user with `eap=` is authenticated by EAP (the simulated server runs the method and sends the MPPE keys;
radius/simserver.py).  `gre`: the first child SA proposes GRE (protocol 47) between the two hosts, in transport
mode (the chapter's auto-mode example); `esp=` / `esp-integ=` the ESP transforms proposed; `subnets=` the
subnets behind the peer, offered as INTERNAL_IP4_SUBNET values in its CFG_REQUEST (`route accept any`).

`anyconnect`: an AnyConnect-like initiator (crypto/anyconnect.py): the AnyConnect vendor IDs, no AUTH in its
first IKE_AUTH, AnyConnect-EAP with the aggregate-auth documents, `user`/`password` in its auth-reply; identity
key-id `*$AnyConnectClient$*` unless `id=` says otherwise.  `cert=`/`key=` (PEM files, relative to the
transcript's directory, or to the working directory in tests): its certificate and key for the dual-factor
round (`authentication remote anyconnect-eap aggregate cert-request`).  `reconnect`: it asks for the
auto-reconnect attributes in its CFG_REQUEST; `dpd-every=S`: once up it sends a DPD every S seconds (what
AnyConnect does; the router's smart DPD tracks those probes); `nat`: it is behind a NAT that keeps its port
(NAT-T detected, IKE_AUTH on the router's port 4500 from the same address and port).
"""

from __future__ import annotations

import random
import shlex

from .crypto import algorithms as A
from .crypto.client import ENCR_NAMES, Initiator
from .crypto.policy import IKE_INTEG, IKE_PRF
from .events import Datagram
from .services import Services

ID_TYPES = {"fqdn": A.ID_FQDN, "email": A.ID_RFC822_ADDR, "keyid": A.ID_KEY_ID}


def _pick(table: dict, opt: str, value: str) -> list:
    """The ids of `value`'s comma-separated names in `table` (the package client's cipher names, `crypto ikev2
    proposal`'s integrity and PRF keywords); an unknown name is a SimError."""
    try:
        return [table[v] for v in value.split(",")]
    except KeyError as e:
        raise SimError(f"{opt}={value}: {e.args[0]} is not one of {', '.join(table)}") from None


class SimError(Exception):
    """A directive that cannot be carried out (bad arguments, unknown peer)."""


def _seeded(seed: int):
    rnd = random.Random(seed)
    return lambda n: rnd.randbytes(n)


class SimNet:
    def __init__(self, router, seed: int = 1, start: float = 1000.0):
        self.router = router
        self.now = start
        self.seed = seed
        self.services = Services(router, rng=_seeded(seed), clock=lambda: self.now, send=self.deliver)
        self.responder = self.services.crypto
        self.peers: dict[str, Initiator] = {}
        self.radius: list = []  # SimRadiusServer
        self.dac_addresses: set = set()  # simulated dynamic-authorization clients (`;;@radius disconnect|coa`)
        self.dac_replies: list[Datagram] = []
        self._dac_ident = 0
        self._n = 0

    def _router_address(self) -> str:
        for iface in self.router.config.interfaces.ordered():
            if iface.ip_address:
                return iface.ip_address[0]
        raise SimError("the router has no interface address for IKE")

    def deliver(self, datagrams: list[Datagram], limit: int = 500) -> None:
        queue = list(datagrams)
        for _ in range(limit):
            if not queue:
                return
            d = queue.pop(0)
            if d.dst in self.dac_addresses:  # a Disconnect/CoA answer to the simulated DAC
                self.dac_replies.append(d)
                continue
            srv = next((r for r in self.radius if r.owns(d.dst)), None)
            if srv is not None:
                queue += srv.receive(d.data, d.src, d.dst)
                continue
            peer = next((p for p in self.peers.values() if p.local[0] == d.dst[0]), None)
            if peer is None:
                queue += self.services.receive(d.data, d.src, d.dst, self.now)
            else:
                queue += peer.receive(d.data, d.src, d.dst, self.now)

    def directive(self, text: str) -> None:
        words = shlex.split(text)
        if not words:
            raise SimError("empty directive")
        if words[0] == "clock":
            self.advance(float(words[1].lstrip("+")))
            return
        if words[0] == "radius":
            self.radius_directive(words[1:])
            return
        if words[0] != "ikev2" or len(words) < 3:
            raise SimError(f"unknown directive {text!r}")
        verb, name, opts = words[1], words[2], dict(w.split("=", 1) if "=" in w else (w, "") for w in words[3:])
        if verb == "connect":
            self.connect(name, opts)
        elif name not in self.peers:
            raise SimError(f"no IKEv2 peer named {name}")
        elif verb == "delete":
            self.deliver(self.peers[name].delete(self.now))
        elif verb in ("sleep", "wake"):
            self.peers[name].asleep = verb == "sleep"
        elif verb == "reconnect":
            self.reconnect(name, opts)
        elif verb == "dpd":
            self.deliver(self.peers[name].dpd(self.now))
        else:
            raise SimError(f"unknown ikev2 verb {verb}")

    def radius_directive(self, words: list[str]) -> None:
        from .radius.simserver import SimRadiusServer, SimUser  # noqa: PLC0415

        if not words:
            raise SimError("radius: server|user|down|up")
        verb, rest = words[0], words[1:]
        if verb == "server":
            opts = dict(w.split("=", 1) for w in rest[1:])
            self.radius.append(SimRadiusServer(rest[0], opts.get("key", "").encode(),
                                               (int(opts.get("auth", 1645)), int(opts.get("acct", 1646)))))
        elif verb == "user":
            if not self.radius:
                raise SimError("radius user before radius server")
            user = SimUser()
            for w in rest[1:]:
                k, _, v = w.partition("=")
                if k == "password":
                    user.password = v
                elif k == "eap":
                    if v not in ("md5", "mschapv2"):
                        raise SimError(f"radius user: eap={v}: md5 or mschapv2")
                    user.eap = v
                elif k.startswith("challenge:"):  # an attribute of the user's Access-Challenges (EAP rounds)
                    user.challenge.append((k[len("challenge:"):], v))
                else:
                    user.reply.append((k, v))
            self.radius[-1].users[rest[0]] = user
        elif verb in ("disconnect", "coa"):
            self.dac_request(verb, rest)
        elif verb in ("down", "up"):
            for r in self.radius:
                if r.address == rest[0]:
                    r.down = verb == "down"
        else:
            raise SimError(f"unknown radius verb {verb}")

    def dac_request(self, verb: str, words: list[str]) -> bytes:
        """`;;@radius disconnect|coa ...`: build the request with radius/packet.py and deliver it."""
        from .radius.packet import COA_REQUEST, DISCONNECT_REQUEST, encode_request  # noqa: PLC0415

        opts: dict[str, str] = {}
        attrs: list[tuple[str, object]] = []
        stamp = None
        for w in words:
            k, eq, v = w.partition("=")
            if k in ("from", "key", "id", "to"):
                opts[k] = v
            elif k == "timestamp":
                stamp = float(v) if eq else 0.0
            elif not eq:
                raise SimError(f"radius {verb}: {w!r} is not ATTR=VALUE")
            else:
                attrs.append((k, int(v) if v.isdigit() and k != "Cisco-AVPair" else v))
        if stamp is not None:
            attrs.append(("Event-Timestamp", int(self.now + self.services.dynauth.epoch_offset + stamp)))
        host, _, port = opts.get("from", "172.16.1.3:1700").partition(":")
        src = (host, int(port or 1700))
        if "to" in opts:
            th, _, tp = opts["to"].partition(":")
            dst = (th, int(tp))
        else:
            dst = (self._router_address(), self.router.config.aaa_dynamic_author.port)
        if "id" in opts:
            ident = int(opts["id"])
        else:
            self._dac_ident = (self._dac_ident + 1) & 0xFF
            ident = self._dac_ident
        code = DISCONNECT_REQUEST if verb == "disconnect" else COA_REQUEST
        data = encode_request(code, ident, opts.get("key", "").encode(), attrs)
        self.dac_addresses.add(src)
        self.deliver([Datagram(data, src, dst)])
        return data

    def connect(self, name: str, opts: dict[str, str]) -> Initiator:
        self._n += 1
        host, _, port = opts.get("from", f"172.16.1.{self._n}").partition(":")
        kind, _, value = opts.get("id", "fqdn:router1.domain1").partition(":")
        if kind == "address":
            import socket

            identity = (A.ID_IPV4_ADDR, socket.inet_aton(value))
        elif kind in ID_TYPES:
            identity = (ID_TYPES[kind], value.encode())
        else:
            raise SimError(f"unknown identity type {kind}")
        kw = {}
        if "groups" in opts:
            kw["groups"] = [int(g) for g in opts["groups"].split(",")]
        if "encr" in opts:
            kw["encr"] = _pick(ENCR_NAMES, "encr", opts["encr"])
        if "integ" in opts:
            kw["integ"] = _pick(IKE_INTEG, "integ", opts["integ"])
        if "prf" in opts:
            kw["prf"] = _pick(IKE_PRF, "prf", opts["prf"])
        if "ca" in opts:
            tp = self.router.config.pki.trustpoints.get(opts["ca"])
            if tp is None or not tp.ca_certs:
                raise SimError(f"ca={opts['ca']}: no trustpoint with a CA certificate of that name")
            kw["ca"] = list(tp.ca_certs)
        if "gre" in opts:
            from .crypto.state import TrafficSelector  # noqa: PLC0415

            me, router = host, self._router_address()
            kw["ts"] = ([TrafficSelector(7, 47, 0, 65535, me, me)], [TrafficSelector(7, 47, 0, 65535, router, router)])
            kw["transport"] = True
        if "esp" in opts:
            kw["esp_encr"] = _pick(ENCR_NAMES, "esp", opts["esp"])
        if "esp-integ" in opts:
            kw["esp_integ"] = _pick(IKE_INTEG, "esp-integ", opts["esp-integ"])
        if "vid-auth" in opts:  # Vendor IDs (hex) first in the IKE_AUTH request, as a Windows-like client sends
            try:
                kw["auth_vids"] = [bytes.fromhex(v) for v in opts["vid-auth"].split(",")]
            except ValueError:
                raise SimError(f"vid-auth={opts['vid-auth']}: hex strings, comma-separated") from None
        if "no-initial-contact" in opts:
            kw["initial_contact"] = False
        if "families" in opts:  # what the CFG_REQUEST asks for: 4, 6 or 4,6 (dual stack)
            kw["families"] = tuple(int(f) for f in opts["families"].split(","))
        if "subnets" in opts:  # the subnets behind the peer, offered in its CFG_REQUEST (route accept any)
            import ipaddress  # noqa: PLC0415

            nets = [ipaddress.IPv4Network(n, strict=False) for n in opts["subnets"].split(",")]
            kw["subnets"] = [(str(n.network_address), str(n.netmask)) for n in nets]
        if "eap-id" in opts:
            from .crypto.eap import METHOD_NAMES  # noqa: PLC0415

            kw["eap_identity"] = opts["eap-id"]
            kw["eap_password"] = opts.get("eap-password", "")
            if "eap-method" in opts:
                if opts["eap-method"] not in METHOD_NAMES:
                    raise SimError(f"eap-method={opts['eap-method']}: md5 or mschapv2")
                kw["eap_methods"] = [METHOD_NAMES[opts["eap-method"]]]
            if "eap-silent" in opts:
                kw["eap_silent"] = int(opts["eap-silent"]) if opts["eap-silent"] else True
        elif any(k.startswith("eap-") for k in opts):
            raise SimError("eap-password / eap-method / eap-silent need eap-id")
        if "anyconnect" in opts:
            from .crypto.anyconnect import DEFAULT_IKE_ID, AnyConnectPeer  # noqa: PLC0415

            cert = key = None
            if "cert" in opts or "key" in opts:
                from .crypto import auth as AU  # noqa: PLC0415

                try:
                    cert = AU.load_certificate(open(self._path(opts["cert"]), "rb").read())
                    key = AU.load_private_key(open(self._path(opts["key"]), "rb").read())
                except (KeyError, OSError) as e:
                    raise SimError(f"anyconnect: cert= and key= need readable PEM files ({e})") from None
            kw["anyconnect"] = AnyConnectPeer(opts.get("user", ""), opts.get("password", ""), cert=cert, key=key)
            if "id" not in opts:
                identity = (A.ID_KEY_ID, DEFAULT_IKE_ID)
        # any client may ask for the auto-reconnect attributes (the chapter's example is an EAP session), sit
        # behind a NAT, and probe the router on its own
        kw["reconnect"] = "reconnect" in opts
        kw["behind_nat"] = "nat" in opts
        if "dpd-every" in opts:
            kw["dpd_every"] = float(opts["dpd-every"])
        ini = Initiator((host, int(port or 500)), (self._router_address(), 500), identity,
                        psk=opts.get("psk", "pre_shared_key").encode(), rng=_seeded(self.seed * 1000 + self._n),
                        psk_verify=opts["psk-verify"].encode() if "psk-verify" in opts else None,
                        cfg_request="no-cfg" not in opts, **kw)
        self.peers[name] = ini
        self.deliver(ini.start(self.now))
        return ini

    base_dir = "."  # where cert=/key= files are looked up (the transcript runner sets its directory)

    def _path(self, name: str) -> str:
        import os  # noqa: PLC0415

        return name if os.path.isabs(name) else os.path.join(self.base_dir, name)

    def reconnect(self, name: str, opts: dict[str, str]) -> Initiator:
        """`;;@ikev2 reconnect NAME`: a new initiator with the old one's session-id and session-token."""
        old = self.peers[name]
        info = old.reconnect_info
        if "session-id" not in info or "session-token" not in info:
            raise SimError(f"{name} got no auto-reconnect attributes")
        old.asleep = True  # the old SA is abandoned by the client
        host, _, port = opts.get("from", f"{old.local[0]}").partition(":")
        self._n += 1
        ini = Initiator((host, int(port or 500)), (self._router_address(), 500), (A.ID_KEY_ID, info["session-id"]),
                        psk=info["session-token"], rng=_seeded(self.seed * 1000 + self._n), reconnect=True,
                        dpd_every=old.dpd_every, ca=old.ca, behind_nat=old.behind_nat,
                        groups=old.groups, encr=old.encr, integ=old.integ, prf=old.prf_ids)  # the same proposals
        self.peers[name] = ini
        self.deliver(ini.start(self.now))
        return ini

    def advance(self, seconds: float, step: float = 1.0) -> None:
        end = self.now + seconds
        while self.now < end:
            self.now = min(end, self.now + step)
            out = self.services.tick(self.now)
            for p in self.peers.values():
                out += p.tick(self.now)
            self.deliver(out)

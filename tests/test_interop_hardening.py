"""Issue 15 against real strongSwan clients (iosflex only: these are the failures a strongSwan probe found).

Namespaces as in test_interop_strongswan (tests/interop/netns.py: client1 172.16.1.1, client2 172.16.1.4,
router 172.16.1.2, no default route, removed afterwards).  A missing strongSwan fails, never skips.

* a client that cannot verify the router's AUTH sends INFORMATIONAL N(AUTHENTICATION_FAILED): the router ends
  the SA and the session at once (RFC 7296 §2.21.2);
* an exhausted pool: the second client gets IDr AUTH N(INTERNAL_ADDRESS_FAILURE) (strongSwan no longer says
  "IDr payload missing") and the router ends that session;
* the router's certificate is issued by an intermediate CA the client does not have: the router sends it after
  its own certificate and the client, trusting the root only, connects;
* a client with rekeying off against router lifetimes of 120 s (IKE and IPsec) stays up five minutes: the
  router rekeys both before they expire;
* a lossy path during a fragmented IKE_AUTH (fragment 1 of the router's fragmented response lost; this kernel
  has neither netem nor nftables, so tests/interop/lossy_relay.py drops it on its way, a user-space hop in front
  of the router: a second address of the router's namespace, reached over the lab's link): the
  client retransmits every fragment of its request and the router answers once per retransmission, on
  fragment 1 only (RFC 7383 §2.6.1), not once per fragment.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop import strongswan as S  # noqa: E402
from interop.netns import Lab, popen_in_ns, stop_process  # noqa: E402
from interop.router import IosflexRouter, ios_startup_config  # noqa: E402

C1, C2 = "c1", "c2"
RELAY = "172.16.1.202"  # the lossy relay, a second address in the router's namespace (tests/interop/lossy_relay.py)
CHAIN_ID = "c1.chain.flex.lab"

EXTRA = f"""!
crypto ikev2 fragmentation mtu 300
!
crypto pki trustpoint TP-CHAIN
 enrollment terminal pem
 revocation-check none
!
crypto ikev2 authorization policy tiny
 pool tinypool
!
crypto ipsec profile SHORT
 set transform-set TS-CBC TS-GCM
 set security-association lifetime seconds 120
!
interface Virtual-Template2 type tunnel
 ip unnumbered Loopback0
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile SHORT
!
ip local pool tinypool 10.40.0.1 10.40.0.1
!
crypto ikev2 profile REFUSE
 match identity remote fqdn domain refuse.flex.lab
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share key {S.PSK}
 authentication local pre-share key not-what-the-client-has
 aaa authorization group psk list local_list default
 virtual-template 1
!
crypto ikev2 profile TINY
 match identity remote fqdn domain tiny.flex.lab
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share key {S.PSK}
 authentication local pre-share key {S.PSK}
 aaa authorization group psk list local_list tiny
 virtual-template 1
!
crypto ikev2 profile LIFE
 match identity remote fqdn domain life.flex.lab
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share key {S.PSK}
 authentication local pre-share key {S.PSK}
 aaa authorization group psk list local_list default
 lifetime 120
 virtual-template 2
!
crypto ikev2 profile LOSSY
 match identity remote fqdn domain lossy.flex.lab
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share key {S.PSK}
 authentication local pre-share key {S.PSK}
 aaa authorization group psk list local_list default
 virtual-template 1
!
crypto ikev2 profile CHAIN
 match identity remote fqdn domain chain.flex.lab
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote rsa-sig
 authentication local rsa-sig
 pki trustpoint TP-CHAIN
 aaa authorization group cert list local_list default
 virtual-template 1
!
"""


def startup() -> str:
    base = ios_startup_config()
    i = base.index("line vty")
    return base[:i] + EXTRA.lstrip("!\n") + base[i:]


# ---------------------------------------------------------------------------------------------------------
# a chain root -> intermediate -> router certificate; the client's certificate straight from the root
# ---------------------------------------------------------------------------------------------------------

class Chain:
    def __init__(self):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import NameOID

        p = S.Pki.__new__(S.Pki)
        p.rsa_bits = 2048
        self.root = p._make_ca("rsa")
        key = p._key("rsa")
        now = dt.datetime.now(dt.timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FlexLab"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "FlexLab Intermediate CA")])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(self.root.cert.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1000))
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                             key_encipherment=False, data_encipherment=False,
                                             key_agreement=False, key_cert_sign=True, crl_sign=True,
                                             encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.root.key.public_key()),
                               critical=False)
                .sign(self.root.key, hashes.SHA256()))
        self.inter = S.Cert("rsa-inter", *p._pem(key, cert), kind="rsa", key=key, cert=cert)
        p.ca = {"rsa": self.root}
        self.client = p.issue("rsa", CHAIN_ID)
        p.ca = {"rsa": self.inter}
        self.router = p.issue("rsa", S.ROUTER_FQDN, ip="172.16.1.2", server=True)

    def import_lines(self, password: str = "cisco123") -> list[str]:
        """IOS's import flow; the CA block holds the chain: the intermediate, then the root."""
        lines = ["configure terminal", f"crypto pki import TP-CHAIN pem terminal password {password}"]
        lines += (self.inter.cert_pem + self.root.cert_pem).decode().strip().splitlines() + ["quit"]
        lines += self.router.key_pem_encrypted(password).decode().strip().splitlines() + ["quit"]
        lines += self.router.cert_pem.decode().strip().splitlines() + ["quit", "end"]
        return lines

    def install(self, swanctl: Path) -> None:
        """The client has the root only (not the intermediate), its certificate and key."""
        for sub in ("x509ca", "x509", "private"):
            (swanctl / sub).mkdir(parents=True, exist_ok=True)
        (swanctl / "x509ca" / "chain-root.crt").write_bytes(self.root.cert_pem)
        (swanctl / "x509" / "chain-client.crt").write_bytes(self.client.cert_pem)
        key = swanctl / "private" / "chain-client.key"
        key.write_bytes(self.client.key_pem)
        key.chmod(0o600)


# ---------------------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lab():
    S.require_strongswan()
    with Lab(clients=2) as lab:
        yield lab


@pytest.fixture(scope="module")
def chain():
    return Chain()


def psk_conn(me: str, **kw) -> dict:
    return S.client_conn("psk", me, group=19, **kw)


def client_swanctl(i: int) -> dict:
    me = f"c{i + 1}"
    conns = {
        "refuse": psk_conn(f"{me}.refuse.flex.lab"),
        "tiny": psk_conn(f"{me}.tiny.flex.lab"),
        "life": psk_conn(f"{me}.life.flex.lab"),
        "lossy": psk_conn(f"{me}.lossy.flex.lab", remote=RELAY),
    }
    conns["lossy"]["fragmentation"] = "force"
    chain = S.client_conn("rsa", CHAIN_ID, group=19)
    chain["local"] = {"auth": "pubkey", "certs": "chain-client.crt", "id": CHAIN_ID}
    chain["remote"] = {"auth": "pubkey", "cacerts": "chain-root.crt", "id": S.ROUTER_FQDN}
    conns["chain"] = chain
    secrets = {f"ike-{n}": {"id-a": f"{me}.{n}.flex.lab", "id-b": S.ROUTER_FQDN, "secret": f'"{S.PSK}"'}
               for n in ("refuse", "tiny", "life", "lossy")}
    return {"connections": conns, "secrets": secrets}


@pytest.fixture(scope="module")
def clients(lab, chain, tmp_path_factory):
    out = []
    try:
        for i, host in enumerate(lab.client_hosts):
            conf = S.strongswan_conf("client", extra={"fragment_size": 300})  # IKE_AUTH in fragments
            ch = S.Charon(host, tmp_path_factory.mktemp(f"client{i + 1}"), "client", conf, client_swanctl(i))
            chain.install(ch.swanctl_dir)
            ch.start()
            out.append(ch)
        yield out
    finally:
        for ch in out:
            ch.stop()


@pytest.fixture(scope="module")
def router(lab, chain, tmp_path_factory):
    lab.add_address(lab.router, "10.0.0.1/32")
    with IosflexRouter(lab.router, tmp_path_factory.mktemp("iosflex"), startup(), chain.import_lines()) as r:
        yield r


@pytest.fixture(autouse=True)
def _fresh(clients, router):
    assert router.alive(), router.tail()
    yield
    for ch in clients:
        try:
            ch.vici.terminate_all(timeout_ms=2000)
        except Exception:  # noqa: BLE001
            pass
    router.exec("clear crypto session")


def sa_rows(router) -> list[str]:
    out = router.exec("show crypto ikev2 sa")
    return re.findall(r"^\d+\s+\S+/\d+\s+(\S+)/\d+\s+\S+\s+(\S+)", out, re.M)


def wait_until(pred, timeout: float = 8.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def diag(router, *charons) -> str:
    return "\n".join([f"--- iosflex ---\n{router.tail(80)}"] + [f"--- {c.host.ns} ---\n{c.tail(30)}" for c in charons])


# ---------------------------------------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------------------------------------

def test_client_refusing_router_auth_ends_sa_and_session(clients, router):
    c = clients[0]
    ok, log, _err = c.vici.initiate("refuse", "net", timeout_ms=12000)
    assert not ok
    text = "\n".join(log)
    assert "AUTHENTICATION_FAILED" in text or "AUTH_FAILED" in text, text  # strongSwan told the router
    wait_until(lambda: sa_rows(router) == [], what="the router to drop the SA")
    sessions = router.exec("show crypto session")
    assert "Session status" not in sessions, sessions
    assert "Received AUTHENTICATION_FAILED notify from the peer" in router.tail(200), diag(router, c)
    pool = router.exec("show ip local pool flexpool")
    assert "Inuse addresses:\n" in pool + "\n" and not re.search(r"Inuse addresses:\n\s+10\.", pool), pool


def test_exhausted_pool_well_formed_answer_and_session_ended(clients, router):
    a, b = clients
    ok, log, err = a.vici.initiate("tiny", "net", timeout_ms=12000)
    assert ok, "\n".join(log[-20:]) + diag(router, a)
    sa = a.vici.list_sas("tiny")["tiny"]
    assert sa.get("local-vips") == ["10.40.0.1"], sa
    ok, log, err = b.vici.initiate("tiny", "net", timeout_ms=12000)
    text = "\n".join(log)
    assert "IDr payload missing" not in text, text
    assert "INTERNAL_ADDRESS_FAILURE" in text, text + diag(router, b)
    # the router ends the second session (the chapter: "the session is terminated"); the first one stays
    wait_until(lambda: [ip for ip, _ in sa_rows(router)] == ["172.16.1.1"], what="only client1's SA on the router")
    wait_until(lambda: b.vici.list_sa_list("tiny") == [], what="client2's IKE SA gone")
    assert a.vici.list_sas("tiny")["tiny"]["state"] == "ESTABLISHED"


def test_intermediate_ca_sent_to_a_client_that_trusts_the_root_only(clients, router, chain):
    c = clients[0]
    ok, log, err = c.vici.initiate("chain", "net", timeout_ms=12000)
    assert ok, "\n".join(log[-25:]) + diag(router, c)
    text = c.log_text()
    assert "received cert" in text or "received end entity cert" in text, text[-3000:]
    assert "FlexLab Intermediate CA" in text, text[-3000:]  # it came from the router: the client never had it
    sa = c.vici.list_sas("chain")["chain"]
    assert sa["state"] == "ESTABLISHED" and sa["remote-id"] == S.ROUTER_FQDN


def test_client_without_rekeying_against_router_lifetimes_of_120s(clients, router):
    """Five minutes with rekeying off on the client: the router rekeys the IKE SA and the child SA (lifetimes
    120 s, rekeys at 85-90 %); the session never drops."""
    c = clients[0]
    ok, log, err = c.vici.initiate("life", "net", timeout_ms=12000)
    assert ok, "\n".join(log[-20:]) + diag(router, c)
    first = c.vici.list_sas("life")["life"]
    spis = {(first["initiator-spi"], first["responder-spi"])}
    children = {ch["spi-in"] for ch in first.get("child-sas", {}).values()}
    end = time.monotonic() + 300
    while time.monotonic() < end:
        time.sleep(5)
        sas = [sa for _, sa in c.vici.list_sa_list("life")]
        assert sas and any(sa["state"] == "ESTABLISHED" for sa in sas), diag(router, c)
        for sa in sas:
            spis.add((sa["initiator-spi"], sa["responder-spi"]))
            children |= {ch["spi-in"] for ch in sa.get("child-sas", {}).values()}
        assert router.alive(), router.tail()
    assert len(spis) >= 3, spis  # two IKE rekeys at least
    assert len(children) >= 3, children  # and two child rekeys
    rows = sa_rows(router)
    assert rows == [("172.16.1.1", "READY")], rows
    session = router.exec("show crypto session")
    assert "Session status: UP-ACTIVE" in session, session
    log = router.tail(2000)
    assert "Rekeying IKEv2 SA" in log and "Rekeying IPsec SA" in log, log[-3000:]
    assert "lifetime expired" not in log


def test_lossy_path_during_fragmented_ike_auth(lab, clients, router, tmp_path):
    c = clients[0]
    lab.add_address(lab.router, f"{RELAY}/32", dev="eth0")
    stats = tmp_path / "relay.json"
    relay = popen_in_ns(lab.router.ns, [sys.executable, str(Path(__file__).resolve().parent / "interop" /
                                                             "lossy_relay.py"), RELAY, RELAY, "172.16.1.2", "1",
                                        str(stats)])
    try:  # the relay runs to the end: the client may finish with fragments of two answers, the rest still coming
        before = router.tail(100000).count("Retransmitting packet")
        time.sleep(0.3)
        ok, log, err = c.vici.initiate("lossy", "net", timeout_ms=15000)
        assert ok, "\n".join(log[-25:]) + diag(router, c)
        st = json.loads(stats.read_text())
        text = c.log_text()
        assert "splitting IKE message" in text or "EF(" in text or "fragment" in text.lower(), text[-2000:]
        assert st["dropped"] == 1, st
        frags_per_request = st["ikeauth_req"] // max(1, st["ikeauth_req_frag1"])
        assert frags_per_request >= 2, st  # the request went in fragments
        retransmitted = st["ikeauth_req_frag1"] - 1
        assert retransmitted >= 1, st  # the lost fragment made the client retransmit its whole request
        # the router's log may trail its datagrams a little: wait for it, then for the relay's counters to settle
        wait_until(lambda: router.tail(100000).count("Retransmitting packet") - before >= retransmitted, 3.0,
                   "the router's retransmission in its log")
        st = _settled(stats)
    finally:
        stop_process(relay)
    answered = router.tail(100000).count("Retransmitting packet") - before
    assert answered == retransmitted, (st, answered)  # once per retransmitted request, not once per fragment
    frags_per_response = st["ikeauth_resp"] // (1 + retransmitted)
    assert frags_per_response >= 2 and st["ikeauth_resp"] == frags_per_response * (1 + retransmitted), st


def _settled(path: Path, quiet: float = 0.5, limit: float = 5.0) -> dict:
    """The relay's counters once they have not moved for `quiet` seconds (at most `limit`): any extra answer of
    the router has been counted by then."""
    last, since = None, time.monotonic()
    deadline = since + limit
    while time.monotonic() < deadline:
        st = json.loads(path.read_text())
        if st != last:
            last, since = st, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        time.sleep(0.05)
    return last

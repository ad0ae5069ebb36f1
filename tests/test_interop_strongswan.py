"""Real strongSwan clients against the router (issue 4, item 9).

Namespaces made by the test (tests/interop/netns.py): client1 172.16.1.1, client2 172.16.1.4, router
172.16.1.2 on one bridge, no default route, everything removed afterwards.  Each client runs its own Debian
charon with kernel-libipsec (this kernel has no ESP).  The router namespace runs the responder under test,
the `responder` fixture:

* "strongswan": a charon responder with the same identities, pool and proposals: the baseline that proves
  the harness;
* "iosflex": iosflex itself (tests/interop/router.py: startup-config + IOS pki import flows, IKEv2 driver
  bound to the namespace's eth0).

A missing peer program fails (never skips): these are requirements.  The scenarios: PSK with FQDN identity,
RSA and ECDSA certificates, virtual IP from the pool, DH groups 14/19/20/21/31, AES-CBC and AES-GCM, IKE and
child rekey (on request and by time), DPD, delete from either side, two clients at once, and a wrong PSK
refused with AUTHENTICATION_FAILED.
"""

from __future__ import annotations

import ipaddress
import re
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop import strongswan as S  # noqa: E402
from interop.netns import Lab  # noqa: E402
from interop.router import IosflexRouter, ios_startup_config, pki_import_lines  # noqa: E402

RESPONDERS = ["strongswan", "iosflex"]
GROUP_NAMES = {14: "MODP_2048", 19: "ECP_256", 20: "ECP_384", 21: "ECP_521", 31: "CURVE_25519"}
C1_PSK, C2_PSK, BAD_PSK = "c1.psk.flex.lab", "c2.psk.flex.lab", "bad.psk.flex.lab"
C1_RSA, C1_ECDSA = "c1.rsa.flex.lab", "c1.ecdsa.flex.lab"


# ---------------------------------------------------------------------------------------------------------
# fixtures: one namespace set, one PKI and two client charons per module; the responder per parameter
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pki():
    return S.Pki()


@pytest.fixture(scope="module")
def lab():
    S.require_strongswan()
    with Lab(clients=2) as lab:
        yield lab


def _client_swanctl(index: int) -> dict:
    me = C1_PSK if index == 0 else C2_PSK
    conns = {
        "psk": S.client_conn("psk", me),
        "rsa": S.client_conn("rsa", C1_RSA),
        "ecdsa": S.client_conn("ecdsa", C1_ECDSA),
        "cbc": S.client_conn("psk", me, group=19, cipher="aes-cbc"),
        "gcm": S.client_conn("psk", me, group=19, cipher="aes-gcm"),
        "timers": S.client_conn("psk", me, group=19, ike_rekey="6s", child_rekey="3s"),
        "dpd": S.client_conn("psk", me, group=19, dpd="1s"),
        "wrong": S.client_conn("psk", BAD_PSK, group=19),
    }
    for g in S.DH_GROUPS:
        conns[f"dh{g}"] = S.client_conn("psk", me, group=g)
    return {
        "connections": conns,
        "secrets": {
            "ike-me": {"id-a": me, "id-b": S.ROUTER_FQDN, "secret": f'"{S.PSK}"'},
            "ike-bad": {"id-a": BAD_PSK, "id-b": S.ROUTER_FQDN, "secret": f'"{S.WRONG_PSK}"'},
        },
    }


@pytest.fixture(scope="module")
def clients(lab, pki, tmp_path_factory):
    """[client1, client2] charons (172.16.1.1, 172.16.1.4), each with an event stream attached as .ev"""
    out = []
    try:
        for i, host in enumerate(lab.client_hosts):
            ch = S.Charon(host, tmp_path_factory.mktemp(f"client{i + 1}"), "client", S.strongswan_conf("client"),
                          _client_swanctl(i))
            pki.install(ch.swanctl_dir, [pki.client("rsa", C1_RSA), pki.client("ecdsa", C1_ECDSA)])
            ch.start()
            ch.ev = ch.events()
            out.append(ch)
        yield out
    finally:
        for ch in out:
            if getattr(ch, "ev", None):
                ch.ev.close()
            ch.stop()


class StrongswanResponder:
    name = "strongswan"

    def __init__(self, lab, pki, workdir):
        self.charon = S.Charon(lab.router, workdir, "responder", S.strongswan_conf("responder"), S.responder_conf())
        pki.install(self.charon.swanctl_dir, [pki.router["rsa"], pki.router["ecdsa"]])

    def start(self):
        self.charon.start()

    def stop(self):
        self.charon.stop()

    def alive(self):
        return self.charon.alive()

    def sa_count(self) -> int:
        return len(self.charon.vici.list_sa_list())

    def delete_peer(self, ip: str) -> None:
        for _, sa in self.charon.vici.list_sa_list():
            if sa.get("remote-host") == ip:
                self.charon.vici.terminate(ike_id=sa["uniqueid"], timeout_ms=5000)

    def tail(self) -> str:
        return self.charon.tail()


class IosflexResponder:
    name = "iosflex"

    def __init__(self, lab, pki, workdir):
        self.router = IosflexRouter(lab.router, workdir, ios_startup_config(), pki_import_lines(pki))

    def start(self):
        self.router.start()

    def stop(self):
        self.router.stop()

    def alive(self):
        return self.router.alive()

    def sa_count(self) -> int:
        out = self.router.exec("show crypto ikev2 sa")
        return len(re.findall(r"^\d+\s+\S+/\d+\s+\S+/\d+\s+\S+\s+\S+", out, re.M))

    def delete_peer(self, ip: str) -> None:
        out = self.router.exec(f"clear crypto session remote {ip}")
        assert "%" not in out, out

    def tail(self) -> str:
        return self.router.tail()


@pytest.fixture(scope="module", params=RESPONDERS)
def responder(request, lab, pki, tmp_path_factory):
    lab.add_address(lab.router, "10.0.0.1/32")
    cls = StrongswanResponder if request.param == "strongswan" else IosflexResponder
    r = cls(lab, pki, tmp_path_factory.mktemp(f"responder-{request.param}"))
    try:
        r.start()
        yield r
    finally:
        r.stop()


@pytest.fixture(autouse=True)
def _fresh(request, clients, responder):
    """Every test starts with no SAs on the clients and a responder that is still running."""
    assert responder.alive(), f"{responder.name} responder died:\n{responder.tail()}"
    yield
    for ch in clients:
        try:
            ch.vici.terminate_all(timeout_ms=2000)
        except Exception:  # noqa: BLE001  the next test's own checks will say what is wrong
            pass


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------

def diag(responder, *charons) -> str:
    parts = [f"--- {responder.name} responder ---\n{responder.tail()}"]
    for ch in charons:
        parts.append(f"--- client {ch.host.ns} ---\n{ch.tail(30)}")
    return "\n".join(parts)


def up(client, responder, conn: str, child: str | None = "net") -> dict:
    """Initiate `conn` and return its IKE SA from list-sas (fails with both sides' logs)."""
    ok, log, err = client.vici.initiate(conn, child, timeout_ms=12000)
    assert ok, f"initiate {conn} failed ({err}):\n" + "\n".join(log[-25:]) + "\n" + diag(responder)
    sas = client.vici.list_sas(conn)
    assert conn in sas and sas[conn]["state"] == "ESTABLISHED", sas
    return sas[conn]


def only_child(sa: dict) -> dict:
    children = list(sa.get("child-sas", {}).values())
    assert len(children) == 1, sa
    return children[0]


def installed(sa: dict) -> list[dict]:
    """The INSTALLED CHILD_SAs (a rekeyed one stays listed as REKEYED/DELETED for a while)."""
    return [ch for ch in sa.get("child-sas", {}).values() if ch["state"] == "INSTALLED"]


def settled(client, conn: str, timeout: float = 5.0) -> dict:
    """The one IKE SA of `conn` once a rekey is over (the old SA deleted): ESTABLISHED, one INSTALLED child."""
    def one():
        sas = [sa for _, sa in client.vici.list_sa_list(conn)]
        ok = len(sas) == 1 and sas[0]["state"] == "ESTABLISHED" and len(installed(sas[0])) == 1
        return sas[0] if ok else None
    return wait_until(one, timeout, f"a single ESTABLISHED IKE SA with one INSTALLED CHILD_SA for {conn}")


def wait_until(pred, timeout: float = 5.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


# ---------------------------------------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------------------------------------

def test_psk_fqdn_identity(clients, responder):
    sa = up(clients[0], responder, "psk")
    assert sa["local-id"] == C1_PSK and sa["remote-id"] == S.ROUTER_FQDN
    assert sa["remote-host"] == "172.16.1.2"
    assert only_child(sa)["state"] == "INSTALLED"
    assert responder.sa_count() == 1


@pytest.mark.parametrize("kind,me", [("rsa", C1_RSA), ("ecdsa", C1_ECDSA)])
def test_certificates(clients, responder, kind, me):
    sa = up(clients[0], responder, kind)
    assert sa["local-id"] == me and sa["remote-id"] == S.ROUTER_FQDN
    assert only_child(sa)["state"] == "INSTALLED"
    # the client checked the router's certificate chain against the right CA
    log = clients[0].log_text()
    assert f'"CN={S.ROUTER_FQDN}' in log or S.ROUTER_FQDN in log


def test_virtual_ip_from_pool(lab, clients, responder):
    sa = up(clients[0], responder, "psk")
    vips = sa.get("local-vips", [])
    assert len(vips) == 1 and ipaddress.ip_address(vips[0]) in ipaddress.ip_network(S.POOL), sa
    addrs = lab.run(lab.client_hosts[0], ["ip", "-4", "-o", "addr", "show"]).stdout
    assert f" {vips[0]}/" in addrs, addrs        # installed on the client (kernel-libipsec TUN)


@pytest.mark.parametrize("group", sorted(S.DH_GROUPS))
def test_dh_group(clients, responder, group):
    sa = up(clients[0], responder, f"dh{group}")
    assert sa["dh-group"] == GROUP_NAMES[group], sa


@pytest.mark.parametrize("cipher,ike_alg,esp_alg", [("cbc", "AES_CBC", "AES_CBC"),
                                                    ("gcm", "AES_GCM_16", "AES_GCM_16")])
def test_cipher(clients, responder, cipher, ike_alg, esp_alg):
    sa = up(clients[0], responder, cipher)
    assert sa["encr-alg"] == ike_alg and sa["encr-keysize"] == "256", sa
    child = only_child(sa)
    assert child["encr-alg"] == esp_alg and child["state"] == "INSTALLED", child


def test_ike_rekey(clients, responder):
    c = clients[0]
    before = up(c, responder, "psk")
    mark = c.ev.mark()
    assert c.vici.rekey(ike="psk") == 1
    c.ev.wait("ike-rekey", timeout=10, since=mark)
    after = settled(c, "psk")                               # the CHILD_SA moved to the new IKE SA
    assert (after["initiator-spi"], after["responder-spi"]) != (before["initiator-spi"], before["responder-spi"])
    wait_until(lambda: responder.sa_count() == 1, what="one IKE SA on the responder after rekey")


def test_child_rekey(clients, responder):
    c = clients[0]
    before = only_child(up(c, responder, "psk"))
    mark = c.ev.mark()
    assert c.vici.rekey(child="net") == 1
    c.ev.wait("child-rekey", timeout=10, since=mark)
    after = wait_until(lambda: installed(c.vici.list_sas("psk")["psk"]), what="an installed CHILD_SA")
    assert len(after) == 1 and after[0]["spi-in"] != before["spi-in"], after


def test_rekey_by_time(clients, responder):
    """swanctl rekey_time: CHILD_SA every 3 s, IKE SA every 6 s; both happen on their own."""
    c = clients[0]
    mark = c.ev.mark()
    up(c, responder, "timers")
    c.ev.wait("child-rekey", timeout=8, since=mark)
    c.ev.wait("ike-rekey", timeout=10, since=mark)
    settled(c, "timers")


def test_dpd(clients, responder):
    """dpd_delay 1s: the client sends empty INFORMATIONALs; the router answers them and the SA stays."""
    c = clients[0]
    start = c.log_size()
    up(c, responder, "dpd")
    pos = c.wait_log("sending DPD request", timeout=5, start=start)
    pos = c.wait_log("parsed INFORMATIONAL response", timeout=5, start=pos)
    pos = c.wait_log("sending DPD request", timeout=5, start=pos)
    c.wait_log("parsed INFORMATIONAL response", timeout=5, start=pos)
    assert c.vici.list_sas("dpd")["dpd"]["state"] == "ESTABLISHED"


def test_delete_from_client(clients, responder):
    c = clients[0]
    up(c, responder, "psk")
    mark = c.ev.mark()
    ok, log = c.vici.terminate(ike="psk", timeout_ms=8000)
    assert ok, "\n".join(log) + diag(responder)
    c.ev.wait("ike-updown", S.ike_down("psk"), timeout=5, since=mark)
    wait_until(lambda: responder.sa_count() == 0, what="the responder to drop the IKE SA")


def test_delete_from_router(clients, responder):
    c = clients[0]
    up(c, responder, "psk")
    mark = c.ev.mark()
    responder.delete_peer("172.16.1.1")
    c.ev.wait("ike-updown", S.ike_down("psk"), timeout=10, since=mark)
    wait_until(lambda: c.vici.list_sa_list() == [], what="the client to drop the IKE SA")
    wait_until(lambda: responder.sa_count() == 0, what="the responder to drop the IKE SA")


def test_two_clients_at_once(clients, responder):
    results: dict[int, object] = {}

    def go(i):
        try:
            results[i] = up(clients[i], responder, "psk")
        except BaseException as exc:  # noqa: BLE001  reported below
            results[i] = exc

    threads = [threading.Thread(target=go, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for i in (0, 1):
        if isinstance(results.get(i), BaseException):
            raise results[i]
    sa1, sa2 = results[0], results[1]
    assert sa1["local-id"] == C1_PSK and sa2["local-id"] == C2_PSK
    assert sa1["local-host"] == "172.16.1.1" and sa2["local-host"] == "172.16.1.4"
    assert sa1["local-vips"] != sa2["local-vips"]
    assert responder.sa_count() == 2


def test_wrong_psk_refused(clients, responder):
    c = clients[0]
    ok, log, err = c.vici.initiate("wrong", "net", timeout_ms=12000)
    assert not ok
    text = "\n".join(log)
    assert "received AUTHENTICATION_FAILED notify error" in text, text + diag(responder)
    wait_until(lambda: c.vici.list_sa_list() == [], what="no IKE SA left on the client")
    wait_until(lambda: responder.sa_count() == 0, what="no IKE SA left on the responder")

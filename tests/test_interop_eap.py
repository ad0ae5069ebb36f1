"""EAP with the real peers: strongSwan clients authenticate with EAP-MD5, EAP-MSCHAPv2 and EAP-TLS, the
NAS relays EAP to a stock FreeRADIUS (EAP-Message + Message-Authenticator in Access-Request/Challenge/Accept,
MS-MPPE keys for the MSK), and sends accounting with the EAP user.

Namespaces made by the test (tests/interop/netns.py): client 172.16.1.1, router 172.16.1.2, RADIUS host
172.16.1.3, no default route, removed afterwards.  A missing peer program fails the test, never skips it.

Two parts, in this order:

1. `test_lab_reference_strongswan_nas_*`: the harness proves itself.  A strongSwan charon with `eap-radius`
   (tests/interop/strongswan.py `nas_strongswan_conf` / `nas_responder_conf`) stands where the router is, on
   172.16.1.2, asks the EAP identity itself (like `authentication remote eap query-identity`) and relays to
   FreeRADIUS.  These pass with the peers alone.
2. `test_iosflex_eap_*`: the same clients and FreeRADIUS against iosflex (tests/interop/router.py) configured
   as the chapter's FlexVPN EAP server (tests/interop/router.py `ios_eap_config`: query-identity, EAP
   timeout 45, local rsa-sig with TP-RSA, `aaa authorization user eap cached`, accounting start-stop).
   They need the router's EAP relay.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop import strongswan as S  # noqa: E402
from interop.freeradius import EapTls, FreeRadius, require_freeradius, user_entry  # noqa: E402
from interop.netns import Lab, sh  # noqa: E402
from interop.router import EAP_POOL, IosflexRouter, eap_startup_config, pki_import_lines  # noqa: E402

SECRET = "radius_key"
TLS_USER = "tlsuser.flex.lab"            # EAP-TLS: the EAP identity is the client certificate's SAN
FRAMED_IP = "10.10.50.7"                 # ipuser's Framed-IP-Address
PASSWORDS = {"md5user": "md5pass", "msuser": "mspass", "winuser": "winpass", "wronguser": "right-password",
             "ipuser": "ippass", "pooluser": "poolpass", "muteuser": "mutepass"}
CLIENT_PASSWORDS = dict(PASSWORDS, wronguser="not-the-password")

USERS = (user_entry("md5user", PASSWORDS["md5user"], avpairs=["ipsec:route-set=prefix 10.97.0.0/16"])
         + user_entry("msuser", PASSWORDS["msuser"])
         + user_entry("winuser", PASSWORDS["winuser"])
         + user_entry("wronguser", PASSWORDS["wronguser"])
         + user_entry("ipuser", PASSWORDS["ipuser"], framed_ip=FRAMED_IP)
         + user_entry("pooluser", PASSWORDS["pooluser"], framed_pool=EAP_POOL[0])
         + user_entry("muteuser", PASSWORDS["muteuser"])
         + user_entry(TLS_USER, "unused-with-eap-tls"))

# the client's connections: name -> (method, EAP identity, extra eap_client_conn arguments)
CONNS = {
    "md5": ("md5", "md5user", {}),
    "mschapv2": ("mschapv2", "msuser", {}),
    "tls": ("tls", TLS_USER, {"cert": f"{TLS_USER}-rsa.crt"}),
    "win": ("mschapv2", "winuser", {"windows_like": True}),
    "wrong": ("mschapv2", "wronguser", {}),
    "ip": ("mschapv2", "ipuser", {"ike_id": "c1.ip.flex.lab"}),   # the NAS's "eapip" conn: pools = radius
    "pool": ("mschapv2", "pooluser", {}),
    "mute": ("mschapv2", "muteuser", {}),
}

# ---------------------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pki():
    return S.Pki()


@pytest.fixture(scope="module")
def lab():
    S.require_strongswan()
    require_freeradius()
    with Lab(clients=1, radius=True) as lab:
        lab.add_address(lab.router, "10.0.0.1/32")
        yield lab


@pytest.fixture(scope="module")
def radius(lab, pki, tmp_path_factory):
    with FreeRadius(lab.radius_host, tmp_path_factory.mktemp("radius"), secret=SECRET, users=USERS,
                    ports=((1645, 1646),), eap_tls=EapTls.from_pki(pki)) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(lab, pki, tmp_path_factory):
    conns = {name: S.eap_client_conn(method, eap_id, client_ip=lab.client_hosts[0].ip, **kw)
             for name, (method, eap_id, kw) in CONNS.items()}
    secrets = {f"eap-{user}": S.eap_secret(user, pw) for user, pw in CLIENT_PASSWORDS.items()}
    ch = S.Charon(lab.client_hosts[0], tmp_path_factory.mktemp("client"), "client", S.eap_client_conf(),
                  {"connections": conns, "secrets": secrets})
    pki.install(ch.swanctl_dir, [pki.client("rsa", TLS_USER)])
    with ch:
        yield ch


@pytest.fixture
def nas(lab, pki, radius, client, tmp_path):
    """The strongSwan NAS (eap-radius) on the router's address, for one test."""
    ch = S.Charon(lab.router, tmp_path / "nas", "responder", S.nas_strongswan_conf(), S.nas_responder_conf())
    pki.install(ch.swanctl_dir, [pki.router["rsa"]])
    ch.start()
    try:
        yield ch
    finally:
        with contextlib.suppress(Exception):
            client.vici.terminate_all(timeout_ms=3000)
        ch.stop()


@pytest.fixture(scope="module")
def router(lab, pki, radius, tmp_path_factory):
    """iosflex on 172.16.1.2 (module scope: made by the first iosflex test, after the lab tests' NAS is gone)."""
    with IosflexRouter(lab.router, tmp_path_factory.mktemp("router"), eap_startup_config(),
                       pki_import_lines(pki)) as r:
        yield r


@pytest.fixture
def ios(router, client):
    """iosflex for one test: alive before, no session left after."""
    assert router.alive(), f"iosflex died:\n{router.tail()}"
    yield router
    with contextlib.suppress(Exception):
        client.vici.terminate_all(timeout_ms=3000)
    with contextlib.suppress(Exception):
        router.exec("clear crypto session")


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------

def diag(client, radius, nas_or_router=None) -> str:
    parts = []
    if nas_or_router is not None:
        parts.append(f"--- NAS ---\n{nas_or_router.tail(60)}")
    parts.append(f"--- client ---\n{client.tail(30)}")
    parts.append(f"--- freeradius ---\n{radius.tail(40)}")
    return "\n".join(parts)


def up(client, conn: str, radius, nas_or_router=None) -> dict:
    ok, log, err = client.vici.initiate(conn, "net", timeout_ms=15000)
    assert ok, f"initiate {conn} failed ({err}):\n" + "\n".join(log[-25:]) + "\n" + diag(client, radius,
                                                                                         nas_or_router)
    sas = client.vici.list_sas(conn)
    assert conn in sas and sas[conn]["state"] == "ESTABLISHED", sas
    return sas[conn]


def vip(sa: dict) -> str | None:
    vips = sa.get("local-vips") or []
    return vips[0] if vips else None


def in_net(addr: str | None, net: str) -> bool:
    return addr is not None and ipaddress.ip_address(addr) in ipaddress.ip_network(net)


def radius_replies(srv: FreeRadius) -> list[tuple[str, str, dict[str, str]]]:
    """What FreeRADIUS sent, from its -X log: (code, User-Name of the request, {attribute: value})."""
    out = []
    users: dict[str, str] = {}
    cur = None
    for line in srv.log_text().splitlines():
        m = re.match(r"^\((\d+)\)\s+User-Name = \"(.*)\"", line)
        if m and m.group(1) not in users:
            users[m.group(1)] = m.group(2)
        m = re.match(r"^\((\d+)\) Sent (Access-\w+) Id ", line)
        if m:
            cur = (m.group(2), users.get(m.group(1), ""), {})
            out.append(cur)
            continue
        m = re.match(r"^\((\d+)\)\s+([\w-]+) = (.*)$", line)
        if cur is not None and m:
            cur[2].setdefault(m.group(2), m.group(3))
        elif not line.startswith("("):
            cur = None
    return out


def final_reply(srv: FreeRadius, user: str) -> tuple[str, dict[str, str]]:
    """The last Access-Accept / Access-Reject FreeRADIUS sent for `user`."""
    finals = [(code, attrs) for code, u, attrs in radius_replies(srv)
              if u == user and code in ("Access-Accept", "Access-Reject")]
    assert finals, f"no Access-Accept/Reject for {user}:\n{srv.tail(60)}"
    return finals[-1]


def eap_requests(srv: FreeRadius, user: str) -> list:
    """The Access-Requests of `user` carrying EAP (auth-detail records)."""
    return [r for r in srv.auth_records() if r.get("User-Name") == user and "EAP-Message" in r]


def starts(srv: FreeRadius, user: str) -> list:
    return [r for r in srv.detail_records() if r.get("Acct-Status-Type") == "Start" and r.get("User-Name") == user]


def check_radius_side(srv: FreeRadius, user: str, msk: bool) -> dict[str, str]:
    """EAP went through RADIUS: Access-Requests with EAP-Message and Message-Authenticator from the NAS, an
    Access-Accept with EAP-Message (EAP-Success) and Message-Authenticator, MS-MPPE keys iff the method has
    an MSK."""
    reqs = eap_requests(srv, user)
    assert len(reqs) >= 2, f"EAP Access-Requests for {user}: {reqs}"
    assert all("Message-Authenticator" in r for r in reqs), reqs
    assert all(r.get("NAS-IP-Address", "172.16.1.2") == "172.16.1.2" for r in reqs), reqs
    code, attrs = final_reply(srv, user)
    assert code == "Access-Accept", (code, attrs)
    assert "EAP-Message" in attrs and "Message-Authenticator" in attrs, attrs
    has_keys = "MS-MPPE-Recv-Key" in attrs and "MS-MPPE-Send-Key" in attrs
    assert has_keys == msk, f"MS-MPPE keys expected: {msk}: {attrs}"
    return attrs


def wait_for(pred, timeout: float, step: float = 0.2):
    """Poll pred() until truthy (returned) or the deadline (returns the last value).  Bounds a wait; the
    tests never assert on how long it took."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


# ---------------------------------------------------------------------------------------------------------
# 1. the harness itself: strongSwan client -> strongSwan NAS (eap-radius) -> FreeRADIUS
# ---------------------------------------------------------------------------------------------------------

def _nas_sa(nas, user: str) -> dict:
    """The NAS's SA of EAP user `user` (VICI lists remote-eap-id only where it differs from remote-id)."""
    sas = [sa for _, sa in nas.vici.list_sa_list() if sa.get("remote-eap-id", sa.get("remote-id")) == user]
    assert sas, f"no SA with remote-eap-id {user} on the NAS: {nas.vici.list_sa_list()}"
    return sas[-1]


def _lab_session(client, nas, radius, conn: str, user: str, msk: bool) -> dict:
    n_start = len(starts(radius, user))
    sa = up(client, conn, radius, nas)
    assert in_net(vip(sa), S.POOL), sa
    nsa = _nas_sa(nas, user)
    assert nsa.get("state") == "ESTABLISHED" and nsa.get("remote-host") == "172.16.1.1", nsa
    check_radius_side(radius, user, msk)
    recs = wait_for(lambda: len(starts(radius, user)) > n_start and starts(radius, user), 5)
    assert recs, f"no accounting Start for {user}: {radius.detail_records()[-2:]}"
    return sa


def test_lab_reference_strongswan_nas_eap_md5(client, nas, radius):
    """EAP-Identity from the NAS, FreeRADIUS proposes MD5: no MSK (the AUTH payloads use SK_pi/SK_pr)."""
    _lab_session(client, nas, radius, "md5", "md5user", msk=False)
    assert "no MSK established" in client.log_text() or "EAP method EAP_MD5 succeeded, no MSK" \
        in client.log_text(), client.tail(40)


def test_lab_reference_strongswan_nas_eap_mschapv2(client, nas, radius):
    """The client NAKs FreeRADIUS's MD5 to MSCHAPv2; MS-MPPE keys in the Accept give the NAS the MSK."""
    _lab_session(client, nas, radius, "mschapv2", "msuser", msk=True)
    assert "EAP method EAP_MSCHAPV2 succeeded, MSK established" in client.log_text(), client.tail(40)


def test_lab_reference_strongswan_nas_eap_tls(client, nas, radius):
    """EAP-TLS: FreeRADIUS's certificate (radius.flex.lab) checked by the client, the client's by
    FreeRADIUS, MSK from the TLS master secret (MS-MPPE keys)."""
    _lab_session(client, nas, radius, "tls", TLS_USER, msk=True)
    assert "EAP method EAP_TLS succeeded, MSK established" in client.log_text(), client.tail(40)


def test_lab_reference_strongswan_nas_windows_like(client, nas, radius):
    """IKE identity = the client's IP address, the EAP identity asked by the NAS (EAP-Identity)."""
    _lab_session(client, nas, radius, "win", "winuser", msk=True)
    nsa = _nas_sa(nas, "winuser")
    assert nsa.get("remote-id") == "172.16.1.1", nsa


def test_lab_reference_strongswan_nas_framed_ip(client, nas, radius):
    """Framed-IP-Address from FreeRADIUS becomes the client's virtual IP (NAS conn with `pools = radius`)."""
    sa = up(client, "ip", radius, nas)
    assert vip(sa) == FRAMED_IP, sa
    _, attrs = final_reply(radius, "ipuser")
    assert attrs.get("Framed-IP-Address") == FRAMED_IP, attrs


def test_lab_reference_strongswan_nas_wrong_password(client, nas, radius):
    """A wrong MSCHAPv2 password: Access-Reject, the client's IKE_AUTH fails, no accounting record."""
    ok, _log, _err = client.vici.initiate("wrong", "net", timeout_ms=15000)
    assert not ok, "the session came up with a wrong password"
    code, _attrs = final_reply(radius, "wronguser")
    assert code == "Access-Reject"
    assert not [sa for _, sa in nas.vici.list_sa_list() if sa.get("remote-id") == "wronguser"]
    assert not [r for r in radius.detail_records() if r.get("User-Name") == "wronguser"]


# ---------------------------------------------------------------------------------------------------------
# 2. iosflex as the FlexVPN EAP server (needs the router's EAP relay)
# ---------------------------------------------------------------------------------------------------------

def sa_detail(router) -> str:
    return router.exec("show crypto ikev2 sa detail")


def sa_rows(router) -> list[str]:
    out = router.exec("show crypto ikev2 sa")
    return re.findall(r"^\d+\s+\S+/\d+\s+\S+/\d+\s+\S+\s+\S+.*$", out, re.M)


def _ios_session(client, router, radius, conn: str, user: str, msk: bool, *, pool_net: str = S.POOL,
                 remote_id: str | None = None) -> dict:
    n_start = len(starts(radius, user))
    sa = up(client, conn, radius, router)
    addr = vip(sa)
    assert in_net(addr, pool_net), f"{conn}: virtual IP {addr} not from {pool_net}: {sa}"
    detail = sa_detail(router)
    assert "Auth verify: EAP" in detail, detail
    assert re.search(rf"^\s+Remote EAP id: {re.escape(user)}$", detail, re.M), detail
    assert "Extended Authentication configured." in detail, detail
    if remote_id:
        assert re.search(rf"^\s+Remote id: {re.escape(remote_id)}$", detail, re.M), detail
    session = router.exec("show crypto session")
    assert "Session status: UP-ACTIVE" in session and "172.16.1.1" in session, session
    check_radius_side(radius, user, msk)
    recs = wait_for(lambda: len(starts(radius, user)) > n_start and starts(radius, user), 5)
    assert recs, f"no accounting Start with User-Name {user}: {radius.detail_records()[-2:]}"
    start = recs[-1]
    assert start.get("NAS-IP-Address", "172.16.1.2") == "172.16.1.2", start
    assert start.get("Framed-IP-Address") in (None, addr), (start, addr)
    return sa


def test_iosflex_eap_mschapv2_query_identity(client, ios, radius):
    """The chapter's case: IKE identity msuser, the router asks the EAP identity (query-identity),
    FreeRADIUS proposes MD5, the client NAKs to MSCHAPv2; MS-MPPE keys give the router the MSK; address from
    the profile's authorization policy (flexpool); accounting Start with the EAP user."""
    _ios_session(client, ios, radius, "mschapv2", "msuser", msk=True, remote_id="msuser")
    assert "EAP method EAP_MSCHAPV2 succeeded, MSK established" in client.log_text(), client.tail(40)


def test_iosflex_eap_md5_no_msk(client, ios, radius):
    """EAP-MD5 has no MSK: both AUTH payloads are computed with SK_pi / SK_pr (RFC 7296 2.16)."""
    _ios_session(client, ios, radius, "md5", "md5user", msk=False)


def test_iosflex_eap_tls(client, ios, radius):
    """EAP-TLS through the router: the TLS records are relayed in EAP-Message, the MSK comes in the Accept."""
    _ios_session(client, ios, radius, "tls", TLS_USER, msk=True)
    assert "EAP method EAP_TLS succeeded, MSK established" in client.log_text(), client.tail(40)


def test_iosflex_eap_windows_like_ip_identity(client, ios, radius):
    """A Windows-like client: IKE identity = its IPv4 address (ID_IPV4_ADDR), EAP identity from the router's
    EAP-Identity request; `match identity remote any` takes it."""
    _ios_session(client, ios, radius, "win", "winuser", msk=True, remote_id="172.16.1.1")


def test_iosflex_eap_wrong_password_refused(client, ios, radius):
    """Access-Reject: the router sends EAP-Failure / AUTHENTICATION_FAILED, keeps no SA, and sends no
    accounting record for the user."""
    ok, _log, _err = client.vici.initiate("wrong", "net", timeout_ms=15000)
    assert not ok, "the session came up with a wrong password"
    code, _attrs = final_reply(radius, "wronguser")
    assert code == "Access-Reject"
    assert wait_for(lambda: not sa_rows(ios), 5) is True, ios.exec("show crypto ikev2 sa")
    assert "UP-ACTIVE" not in ios.exec("show crypto session")
    assert not [r for r in radius.detail_records() if r.get("User-Name") == "wronguser"]
    assert ios.alive()


@contextlib.contextmanager
def hold_ike_auth_replies(lab):
    """Nothing from the router's UDP port 4500 reaches the client (its IKE_AUTH replies, the EAP requests
    among them: kernel-libipsec clients move to 4500 after IKE_SA_INIT): the switch port towards the client
    gets an HTB root qdisc whose class for those datagrams sends 8 bit/s.  This kernel has no netfilter, no
    netem and no tc drop action; the held datagrams wait in that queue and are gone with the qdisc."""
    sw, port = lab.switch, lab.client_hosts[0].switch_port
    tc = ["ip", "netns", "exec", sw, "tc"]
    sh(tc + ["qdisc", "add", "dev", port, "root", "handle", "1:", "htb", "default", "20"])
    try:
        sh(tc + ["class", "add", "dev", port, "parent", "1:", "classid", "1:10", "htb", "rate", "8bit",
                 "ceil", "8bit", "burst", "1", "cburst", "1"])
        sh(tc + ["class", "add", "dev", port, "parent", "1:", "classid", "1:20", "htb", "rate", "1gbit"])
        sh(tc + ["filter", "add", "dev", port, "parent", "1:", "protocol", "ip", "prio", "1", "u32",
                 "match", "ip", "protocol", "17", "0xff", "match", "ip", "src", "172.16.1.2/32",
                 "match", "ip", "sport", "4500", "0xffff", "flowid", "1:10"])
        yield
    finally:
        sh(tc + ["qdisc", "del", "dev", port, "root"], check=False)


def test_iosflex_eap_client_never_answers_timeout(lab, client, ios, radius):
    """The client never sees the router's EAP request (held on the way), so it never answers; the router
    keeps the half-open SA while it waits, then drops it after `authentication remote eap timeout 45`
    (the router harness has no clock to drive: the test waits, bounded, and asserts on the outcome only)."""
    n_auth = len(radius.auth_records())
    with hold_ike_auth_replies(lab):
        ok, _log, _err = client.vici.initiate("mute", "net", timeout_ms=15000)
        assert not ok, "the session came up although the client never saw the EAP request"
        rows = sa_rows(ios)
        assert rows and "172.16.1.1" in rows[0] and "READY" not in rows[0], ios.exec("show crypto ikev2 sa")
        gone = wait_for(lambda: not sa_rows(ios), 45 + 30, step=1.0)
    assert gone is True, f"the half-open EAP SA is still there:\n{ios.exec('show crypto ikev2 sa detail')}"
    assert "UP-ACTIVE" not in ios.exec("show crypto session")
    # the router asked FreeRADIUS nothing it could not finish: no Access-Request for the mute user's
    # method exchange beyond the identity, and no accounting
    assert not [r for r in radius.auth_records()[n_auth:] if "MS-CHAP" in " ".join(r.keys())]
    assert not [r for r in radius.detail_records() if r.get("User-Name") == "muteuser"]
    assert ios.alive()


def test_iosflex_eap_framed_ip_address(client, ios, radius):
    """Framed-IP-Address in the Access-Accept (`aaa authorization user eap cached`) is the client's
    virtual IP, in place of the policy's pool."""
    sa = up(client, "ip", radius, ios)
    assert vip(sa) == FRAMED_IP, sa
    detail = sa_detail(ios)
    assert re.search(r"^\s+Remote EAP id: ipuser$", detail, re.M), detail
    assert re.search(rf"Pushed IP address: {re.escape(FRAMED_IP)}\b", detail), detail
    recs = wait_for(lambda: starts(radius, "ipuser"), 5)
    assert recs, f"no accounting Start for ipuser: {radius.detail_records()[-2:]}"


def test_iosflex_eap_framed_pool(client, ios, radius):
    """Framed-Pool in the Access-Accept names one of the router's `ip local pool`s: the address comes from
    it, not from the policy's flexpool."""
    net = str(ipaddress.ip_network(f"{EAP_POOL[1]}/24", strict=False))
    sa = _ios_session(client, ios, radius, "pool", "pooluser", msk=True, pool_net=net)
    assert in_net(vip(sa), net), sa
    assert re.search(rf"Pushed IP address: {re.escape(vip(sa))}\b", sa_detail(ios))

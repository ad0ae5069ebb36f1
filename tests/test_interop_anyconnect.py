"""AnyConnect-EAP, dual-factor and auto-reconnect over real UDP: the package's own AnyConnect-like client (the
`iosflex client --anyconnect ...` program, run as a process in the client namespace) against iosflex running its
real UDP driver, with a stock FreeRADIUS checking the RADIUS users' passwords (issue 12, "Done when").

Namespaces made by the test (tests/interop/netns.py): client 172.16.1.1, router 172.16.1.2, RADIUS host
172.16.1.3, no default route, removed afterwards.  A missing peer program (FreeRADIUS) fails the test, never
skips it.

The router (tests/interop/router.py) runs the chapter's AnyConnect-EAP profiles, one per remote key-id: local
users (`ac-local`), RADIUS users with `reconnect` (`ac-radius`), dual-factor `cert-request` (`ac-dual`).  The
router authenticates with its RSA certificate (TP-RSA); the client checks it against the test CA (`--ca`).

Smart DPD's timers (crypto/reconnect.py: the client probes every 30 s, the router probes after 60 s of silence,
3 tries 10 s apart) are ours, not IOS's; the launcher shortens them (`--smart-dpd`, the pushed dpd-interval
included) so that the sleeping client's session goes inactive in seconds.  The code path is the router's own.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop import strongswan as S  # noqa: E402
from interop.freeradius import FreeRadius, require_freeradius, user_entry  # noqa: E402
from interop.netns import Lab, popen_in_ns, stop_process  # noqa: E402
from interop.router import IosflexRouter, ios_startup_config, pki_import_lines  # noqa: E402

SECRET = "radius_key"
LOCAL_USER, LOCAL_PW = "alice", "wonderland"
RADIUS_USER, RADIUS_PW = "bob", "builder"
# smart DPD, shortened (launcher --smart-dpd): the client probes every 2 s; 5 s without a message from it and
# the router probes, 2 unanswered probes 1 s apart and the session turns inactive
SMART_DPD = (2, 5, 1, 2)
REPO = Path(__file__).resolve().parents[1]

AC_CONFIG = f"""
aaa authentication login ac_local local
aaa authentication login ac_radius group radius_group
!
aaa group server radius radius_group
 server name radius_server
!
radius server radius_server
 address ipv4 172.16.1.3 auth-port 1645 acct-port 1646
 key {SECRET}
!
username {LOCAL_USER} password 0 {LOCAL_PW}
!
crypto ikev2 authorization policy ac_pol
 pool flexpool
!
crypto ikev2 profile ac-local
 match identity remote key-id ac-local
 authentication local rsa-sig
 authentication remote anyconnect-eap aggregate
 pki trustpoint TP-RSA
 aaa authentication anyconnect-eap ac_local
 aaa authorization group anyconnect-eap list local_list ac_pol
 virtual-template 1
!
crypto ikev2 profile ac-radius
 match identity remote key-id ac-radius
 authentication local rsa-sig
 authentication remote anyconnect-eap aggregate
 pki trustpoint TP-RSA
 aaa authentication anyconnect-eap ac_radius
 aaa authorization group anyconnect-eap list local_list ac_pol
 virtual-template 1
 reconnect
!
crypto ikev2 profile eap-radius
 match identity remote key-id eap-radius
 authentication local rsa-sig
 authentication remote eap query-identity
 pki trustpoint TP-RSA
 aaa authentication eap ac_radius
 aaa authorization group eap list local_list ac_pol
 virtual-template 1
 reconnect
!
crypto ikev2 profile ac-dual
 match identity remote key-id ac-dual
 authentication local rsa-sig
 authentication remote anyconnect-eap aggregate cert-request
 pki trustpoint TP-RSA
 aaa authentication anyconnect-eap ac_local
 aaa authorization group anyconnect-eap list local_list ac_pol
 virtual-template 1
!
"""


def startup_config() -> str:
    """ios_startup_config() without its IKEv2 profiles (their identities are not key-ids, but no profile of
    another method should be in the way), plus AC_CONFIG."""
    base = re.sub(r"^crypto ikev2 profile \S+\n(?: .*\n)*!\n", "", ios_startup_config(), flags=re.M)
    return base.replace("\nend\n", AC_CONFIG + "end\n")


# ---------------------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pki():
    return S.Pki()


@pytest.fixture(scope="module")
def lab():
    require_freeradius()
    with Lab(clients=1, radius=True) as lab:
        lab.add_address(lab.router, "10.0.0.1/32")
        yield lab


@pytest.fixture(scope="module")
def radius(lab, tmp_path_factory):
    users = user_entry(RADIUS_USER, RADIUS_PW)
    with FreeRadius(lab.radius_host, tmp_path_factory.mktemp("radius"), secret=SECRET, users=users,
                    ports=((1645, 1646),)) as srv:
        yield srv


@pytest.fixture(scope="module")
def router(lab, pki, radius, tmp_path_factory):
    with IosflexRouter(lab.router, tmp_path_factory.mktemp("router"), startup_config(), pki_import_lines(pki),
                       smart_dpd=SMART_DPD) as r:
        yield r


def server_only_cert(pki, fqdn: str) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) of the test CA with EKU serverAuth only: no client authentication."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca = pki.ca["rsa"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, fqdn)]))
            .issuer_name(ca.cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(fqdn)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca.key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


@pytest.fixture(scope="module")
def files(pki, tmp_path_factory):
    """PEM files for the client: the CA that signed the router; a client certificate of that CA (EKU
    clientAuth among others); one of another CA (refused by the router's trustpoint); one of the test CA with
    EKU serverAuth only (refused: no client authentication)."""
    d = tmp_path_factory.mktemp("client-files")
    (d / "ca.pem").write_bytes(pki.ca["rsa"].cert_pem)
    good = pki.client("rsa", "laptop.flex.lab")
    rogue = S.Pki().client("rsa", "laptop.flex.lab")
    for name, c in (("client", good), ("rogue", rogue)):
        (d / f"{name}.pem").write_bytes(c.cert_pem)
        (d / f"{name}.key").write_bytes(c.key_pem)
    cert, key = server_only_cert(pki, "server-eku.flex.lab")
    (d / "server-eku.pem").write_bytes(cert)
    (d / "server-eku.key").write_bytes(key)
    return d


@pytest.fixture
def ios(router):
    """The router for one test: alive before, no session (active or inactive) left after."""
    assert router.alive(), f"iosflex died:\n{router.tail()}"
    yield router
    with contextlib.suppress(Exception):
        router.exec("clear crypto session")


# ---------------------------------------------------------------------------------------------------------
# the client program
# ---------------------------------------------------------------------------------------------------------

def client_prog() -> list[str]:
    """`iosflex client` as installed beside this Python, else through `python -m iosflex`."""
    exe = Path(sys.executable).with_name("iosflex")
    return [str(exe), "client"] if exe.exists() else [sys.executable, "-m", "iosflex", "client"]


def client_argv(files: Path, key_id: str, user: str, password: str, *extra: str) -> list[str]:
    return [*client_prog(), "--peer", "172.16.1.2", "--anyconnect", "--id", f"key-id:{key_id}", "--user", user,
            "--password", password, "--ca", str(files / "ca.pem"), "--timeout", "10", *extra]


class Client:
    """One `iosflex client` process in the client namespace, its output in a file."""

    def __init__(self, lab, argv: list[str], out: Path):
        self.out = out
        env = dict(os.environ, PYTHONUNBUFFERED="1",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
        with open(out, "wb") as f:
            self.proc = popen_in_ns(lab.client_hosts[0].ns, argv, stdout=f, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env)

    def text(self) -> str:
        return self.out.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.text(), re.M)
            if m:
                return m
            if self.proc.poll() is not None or time.monotonic() > deadline:
                m = re.search(pattern, self.text(), re.M)
                assert m, f"client output has no {pattern!r} (exit {self.proc.poll()}):\n{self.text()}"
                return m
            time.sleep(0.05)

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            stop_process(self.proc)
            raise AssertionError(f"client still running after {timeout} s:\n{self.text()}") from None

    def stop(self) -> int | None:
        """SIGTERM: a holding client deletes its SA (IKE DELETE) and exits."""
        return stop_process(self.proc)


@pytest.fixture
def run_client(lab, tmp_path):
    started: list[Client] = []

    def start(argv: list[str]) -> Client:
        c = Client(lab, argv, tmp_path / f"client{len(started)}.out")
        started.append(c)
        return c

    yield start
    for c in started:
        stop_process(c.proc)


# ---------------------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------------------

def log_text(router) -> str:
    """Everything the router logged (its debug crypto ikev2 output included)."""
    return router.log_path.read_text(errors="replace")


def sa_detail(router) -> str:
    return router.exec("show crypto ikev2 sa detail")


def field(text: str, name: str) -> str | None:
    m = re.search(rf"^\s+{re.escape(name)}: ?(.*)$", text, re.M)
    return m.group(1).strip() if m else None


def remote_port(detail: str) -> int:
    m = re.search(r"^\d+\s+172\.16\.1\.2/\d+\s+172\.16\.1\.1/(\d+)\s+none/none\s+READY$", detail, re.M)
    assert m, detail
    return int(m.group(1))


def stats(router) -> dict[str, int]:
    out = router.exec("show crypto ikev2 stats reconnect")
    return {k.strip(): int(v) for k, v in re.findall(r"^(.+?):\s+(\d+)$", out, re.M)}


def access_requests(srv: FreeRadius, user: str) -> list:
    return [r for r in srv.auth_records() if r.get("User-Name") == user]


def wait_until(pred, timeout: float, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(step)


def check_session(router, *, remote_id: str, user: str, address: str, reconnect: bool = False) -> str:
    """The router's view of an AnyConnect-EAP session as the chapter shows it."""
    detail = sa_detail(router)
    assert re.search(r"Auth sign: RSA, Auth verify: AnyConnect-EAP$", detail, re.M), detail
    assert field(detail, "Local id") == "172.16.1.2", detail
    assert field(detail, "Remote id") == remote_id, detail
    assert field(detail, "Remote EAP id") == user, detail
    assert field(detail, "Pushed IP address") == address, detail
    assert "Extended Authentication configured." in detail, detail
    session = router.exec("show crypto session detail")
    assert "Session status: UP-ACTIVE" in session, session
    assert re.search(r"^\s+Phase1_id: eap$", session, re.M), session
    # the chapter's initial session shows DNX: D (smart DPD, only with `reconnect`), N (its client was behind a
    # NAT; this one is not), X (extended authentication)
    caps = re.search(r"Capabilities:(\S+) connid", session)
    assert caps and caps.group(1) == ("DX" if reconnect else "X"), session
    return detail


# ---------------------------------------------------------------------------------------------------------
# (a) a local user
# ---------------------------------------------------------------------------------------------------------

def test_local_user(ios, files, run_client):
    """`username alice password 0 ...` checks the credentials; the client holds the SA while the router is
    asked, then SIGTERM makes it delete the SA (the router has no session left)."""
    c = run_client(client_argv(files, "ac-local", LOCAL_USER, LOCAL_PW, "--hold", "30"))
    m = c.wait_for(r"^1: UP .* address (\S+)", 15)
    c.wait_for(r"^1/1 established", 5)
    detail = check_session(ios, remote_id="ac-local", user=LOCAL_USER, address=m.group(1))
    assert remote_port(detail) != 500                    # the client's own ephemeral port, no NAT
    assert c.stop() == 130, c.text()
    assert "1/1 deleted" in c.text(), c.text()
    assert wait_until(lambda: "UP-ACTIVE" not in ios.exec("show crypto session"), 5), \
        ios.exec("show crypto session")


def test_local_user_wrong_password(ios, files, run_client):
    c = run_client(client_argv(files, "ac-local", LOCAL_USER, "not-" + LOCAL_PW))
    assert c.wait(20) != 0, c.text()
    assert re.search(r"^1: FAILED ", c.text(), re.M), c.text()
    assert "0/1 established" in c.text(), c.text()
    assert "UP-ACTIVE" not in ios.exec("show crypto session")
    assert ios.alive()


# ---------------------------------------------------------------------------------------------------------
# (b) a RADIUS user
# ---------------------------------------------------------------------------------------------------------

def test_radius_user(ios, radius, files, run_client):
    """The credentials go to FreeRADIUS in an Access-Request with User-Password (PAP), which it accepts."""
    n = len(access_requests(radius, RADIUS_USER))
    accepts = radius.log_text().count("Sent Access-Accept")
    c = run_client(client_argv(files, "ac-radius", RADIUS_USER, RADIUS_PW, "--hold", "30"))
    m = c.wait_for(r"^1: UP .* address (\S+)", 15)
    reqs = access_requests(radius, RADIUS_USER)[n:]
    assert len(reqs) == 1, reqs
    assert reqs[0].get("User-Password") == RADIUS_PW, reqs[0]
    assert reqs[0].get("NAS-IP-Address", "172.16.1.2") == "172.16.1.2", reqs[0]
    assert radius.log_text().count("Sent Access-Accept") == accepts + 1, radius.tail(40)
    check_session(ios, remote_id="ac-radius", user=RADIUS_USER, address=m.group(1))
    assert c.stop() == 130, c.text()


def test_radius_user_wrong_password(ios, radius, files, run_client):
    n = len(access_requests(radius, RADIUS_USER))
    rejects = radius.log_text().count("Sent Access-Reject")
    c = run_client(client_argv(files, "ac-radius", RADIUS_USER, "not-" + RADIUS_PW))
    assert c.wait(20) != 0, c.text()
    assert re.search(r"^1: FAILED ", c.text(), re.M), c.text()
    reqs = access_requests(radius, RADIUS_USER)[n:]
    assert len(reqs) == 1 and reqs[0].get("User-Password") == "not-" + RADIUS_PW, reqs
    assert radius.log_text().count("Sent Access-Reject") == rejects + 1, radius.tail(40)
    assert "UP-ACTIVE" not in ios.exec("show crypto session")


# ---------------------------------------------------------------------------------------------------------
# (c) dual-factor: certificate, then the user's credentials
# ---------------------------------------------------------------------------------------------------------

def test_dual_factor(ios, files, run_client):
    c = run_client(client_argv(files, "ac-dual", LOCAL_USER, LOCAL_PW, "--cert-request",
                               str(files / "client.pem"), str(files / "client.key"), "--hold", "30"))
    m = c.wait_for(r"^1: UP .* address (\S+)", 15)
    check_session(ios, remote_id="ac-dual", user=LOCAL_USER, address=m.group(1))
    assert c.stop() == 130, c.text()


@pytest.mark.parametrize("cert,router_says", [
    ("rogue", "Validation of certificate chain FAILED"),
    ("server-eku", "extended key usage does not allow client authentication"),
    (None, None)])
def test_dual_factor_refused(ios, files, run_client, cert, router_says):
    """A certificate of another CA or without clientAuth: the router refuses it (AUTHENTICATION_FAILED, its
    debug says why).  No certificate at all: the client gives up on the router's client-cert-request (as in
    tests/test_anyconnect.py; the router's half-open SA waits for its EAP timeout).  The password is right in
    each case, and the session never comes up."""
    mark = len(log_text(ios))
    extra = ["--cert-request", str(files / f"{cert}.pem"), str(files / f"{cert}.key")] if cert else []
    c = run_client(client_argv(files, "ac-dual", LOCAL_USER, LOCAL_PW, *extra))
    assert c.wait(20) != 0, c.text()
    if router_says:
        assert re.search(r"^1: FAILED AUTHENTICATION_FAILED$", c.text(), re.M), c.text()
        assert router_says in log_text(ios)[mark:], ios.tail(40)
    else:
        assert re.search(r"^1: FAILED EAP failure \(certificate requested, none configured\)$", c.text(),
                         re.M), c.text()
    assert "UP-ACTIVE" not in ios.exec("show crypto session")
    assert not re.search(r"\bREADY$", ios.exec("show crypto ikev2 sa"), re.M)
    assert ios.alive()


# ---------------------------------------------------------------------------------------------------------
# (d) auto-reconnect: sleep, inactive on the router, back from a new port without RADIUS
# ---------------------------------------------------------------------------------------------------------

def test_sleep_and_reconnect(ios, radius, files, run_client):
    """The RADIUS user asks for the reconnect attributes, keeps the session up with its probes for 7 s
    (longer than smart DPD's quiet period: the router must not probe it away), sleeps; the router's smart DPD
    moves the session to inactive; the client reconnects with PSK (session-id / session-token) from new
    sockets.  The reconnected SA shows Auth verify PSK and flag R, the address is the kept one, FreeRADIUS saw
    one Access-Request only, the stats count the reconnect."""
    before = stats(ios)
    n = len(access_requests(radius, RADIUS_USER))
    c = run_client(client_argv(files, "ac-radius", RADIUS_USER, RADIUS_PW, "--reconnect", "--sleep-after", "7",
                               "--sleep-for", "12", "--hold", "30"))
    m = c.wait_for(r"^1: UP .* address (\S+)", 15)
    address = m.group(1)
    first = check_session(ios, remote_id="ac-radius", user=RADIUS_USER, address=address, reconnect=True)
    port1 = remote_port(first)
    s = stats(ios)
    assert s["Reconnect capable active session count"] == before["Reconnect capable active session count"] + 1, s
    sid = re.search(r"Session ID: (\d+)", ios.exec("show crypto session detail")).group(1)
    probe = re.compile(rf"\(SESSION ID = {sid},SA ID = \d+\):Sending DPD/liveness query")
    c.wait_for(r"^asleep for ", 10)
    # awake for 7 s, longer than the 5 s of silence after which the router probes, but the client probed every
    # 2 s (the dpd-interval it was given): smart DPD tracked its probes and sent none of its own
    assert "Session status: UP-ACTIVE" in ios.exec("show crypto session"), ios.tail(30)
    assert not probe.search(log_text(ios)), ios.tail(40)
    inactive = wait_until(lambda: stats(ios)["Reconnect capable inactive session count"] == 1, 11)
    assert inactive, f"{stats(ios)}\n{ios.tail(40)}"
    assert probe.search(log_text(ios)), ios.tail(40)             # the router probed the sleeping client
    assert "UP-ACTIVE" not in ios.exec("show crypto session")
    c.wait_for(r"^reconnect: UP address (\S+)", 20)
    assert re.search(r"^reconnect: UP address (\S+)", c.text(), re.M).group(1) == address, c.text()
    detail = sa_detail(ios)
    assert re.search(r"Auth sign: RSA, Auth verify: PSK$", detail, re.M), detail
    assert field(detail, "Remote EAP id") == RADIUS_USER, detail
    assert field(detail, "Pushed IP address") == address, detail
    assert re.fullmatch(r"[0-9A-F]{16}", field(detail, "Remote id") or ""), detail   # the session-id
    assert "Extended Authentication not configured." in detail, detail
    port2 = remote_port(detail)
    assert port2 != port1, (port1, port2)
    session = ios.exec("show crypto session detail")
    assert "Session status: UP-ACTIVE" in session, session
    assert re.search(rf"Peer: 172\.16\.1\.1 port {port2} ", session), session
    assert re.search(r"Capabilities:DR connid", session), session     # the chapter's DNR, without NAT
    after = stats(ios)
    for k in ("Total incoming reconnect connection", "Success reconnect connection"):
        assert after[k] == before[k] + 1, (before, after)
    assert after["Failed reconnect connection"] == before["Failed reconnect connection"], (before, after)
    assert after["Reconnect capable inactive session count"] == 0, after
    assert after["Reconnect capable active session count"] == before["Reconnect capable active session count"] + 1
    # no RADIUS round trip for the reconnect
    assert len(access_requests(radius, RADIUS_USER)) == n + 1, access_requests(radius, RADIUS_USER)[n:]
    assert c.stop() == 130, c.text()


def test_eap_client_sleeps_and_reconnects(ios, radius, files, run_client):
    """The chapter's reconnect example is an AnyConnect client with plain EAP: `iosflex client --eap-identity
    ... --reconnect` (EAP-MD5 relayed to FreeRADIUS) gets the attributes, sleeps, and reconnects with PSK from
    new sockets: Phase1_id eap both times, Auth verify EAP then PSK, flags DX then DR, the kept address, and
    no RADIUS round trip for the reconnect."""
    before = stats(ios)
    c = run_client([*client_prog(), "--peer", "172.16.1.2", "--id", "key-id:eap-radius", "--eap-identity",
                    RADIUS_USER, "--eap-password", RADIUS_PW, "--eap-method", "md5", "--ca", str(files / "ca.pem"),
                    "--timeout", "10", "--reconnect", "--sleep-after", "3", "--sleep-for", "12", "--hold", "30"])
    address = c.wait_for(r"^1: UP .* address (\S+)", 15).group(1)
    n = len(access_requests(radius, RADIUS_USER))
    detail = sa_detail(ios)
    assert re.search(r"Auth sign: RSA, Auth verify: EAP$", detail, re.M), detail
    assert field(detail, "Remote EAP id") == RADIUS_USER, detail
    session = ios.exec("show crypto session detail")
    assert re.search(r"^\s+Phase1_id: eap$", session, re.M), session
    assert re.search(r"Capabilities:DX connid", session), session
    port1 = remote_port(detail)
    c.wait_for(r"^asleep for ", 10)
    assert wait_until(lambda: stats(ios)["Reconnect capable inactive session count"] == 1, 11), ios.tail(40)
    assert c.wait_for(r"^reconnect: UP address (\S+)", 20).group(1) == address, c.text()
    detail = sa_detail(ios)
    assert re.search(r"Auth sign: RSA, Auth verify: PSK$", detail, re.M), detail
    assert field(detail, "Pushed IP address") == address, detail
    assert remote_port(detail) != port1
    session = ios.exec("show crypto session detail")
    assert re.search(r"^\s+Phase1_id: eap$", session, re.M), session
    assert re.search(r"Capabilities:DR connid", session), session
    after = stats(ios)
    assert after["Success reconnect connection"] == before["Success reconnect connection"] + 1, (before, after)
    assert len(access_requests(radius, RADIUS_USER)) == n, access_requests(radius, RADIUS_USER)[n:]
    assert c.stop() == 130, c.text()


def test_reconnect_refused_without_reconnect_in_profile(ios, files, run_client):
    """A profile without `reconnect` answers none of the reconnect attributes: the client says it cannot
    reconnect (at once, without sleeping) and exits 1; its first session is up on the router."""
    c = run_client(client_argv(files, "ac-local", LOCAL_USER, LOCAL_PW, "--reconnect", "--sleep-after", "30",
                               "--sleep-for", "30"))
    assert c.wait(15) == 1, c.text()
    assert re.search(r"^1: UP ", c.text(), re.M), c.text()
    assert "asleep" not in c.text(), c.text()
    assert re.search(r"^reconnect: FAILED no auto-reconnect attributes$", c.text(), re.M), c.text()
    assert "Session status: UP-ACTIVE" in ios.exec("show crypto session")
    assert stats(ios)["Reconnect capable active session count"] == 0, stats(ios)

"""The data plane with real peers (issue 10): strongSwan clients (kernel-libipsec: ESP in UDP 4500) connect with
PSK to iosflex started with `--dataplane tun` in the router namespace; traffic goes through the tunnel both
ways and the counters agree with the packets sent.

Namespaces (tests/interop/netns.py): client1 172.16.1.1, client2 172.16.1.4, router 172.16.1.2, no default
route; 10.0.0.1/32 on the router namespace's lo is the address behind the router (the chapter's Loopback0,
which Virtual-Template1 borrows with `ip unnumbered`).  A missing peer program fails, never skips.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop import strongswan as S  # noqa: E402
from interop.netns import ROUTER_IP, Lab  # noqa: E402
from interop.router import IosflexRouter, ios_startup_config  # noqa: E402

C1, C2 = "c1.psk.flex.lab", "c2.psk.flex.lab"
INSIDE = "10.0.0.1"
REPO = Path(__file__).resolve().parents[1]

# a GRE-over-IPsec peer (protocol-47 selectors in transport mode) gets its virtual-access's tunnel mode from
# them: `virtual-template 2 mode auto` (chapter, "Auto Detection of Tunnel Transport and Encapsulation"), with a
# transform set in transport mode, as the chapter's GRE proposal was accepted (Transport)
GRE_PROFILE = f"""crypto ipsec transform-set TS-GRE esp-aes 256 esp-sha256-hmac
 mode transport
crypto ipsec profile GREPROF
 set transform-set TS-GRE
!
interface Virtual-Template2 type tunnel
 ip unnumbered Loopback0
 tunnel protection ipsec profile GREPROF
!
crypto ikev2 profile GRE
 match identity remote fqdn domain gre.flex.lab
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share key {S.PSK}
 authentication local pre-share key {S.PSK}
 aaa authorization group psk list local_list default
 virtual-template 2 mode auto
!
crypto ikev2 profile GRET
 match identity remote fqdn domain gret.flex.lab
 identity local fqdn {S.ROUTER_FQDN}
 authentication remote pre-share key {S.PSK}
 authentication local pre-share key {S.PSK}
 aaa authorization group psk list local_list default
 virtual-template 1 mode auto
!
"""


@pytest.fixture(scope="module")
def lab():
    S.require_strongswan()
    with Lab(clients=2) as lab:
        yield lab


@pytest.fixture(scope="module")
def router(lab, tmp_path_factory):
    lab.add_address(lab.router, f"{INSIDE}/32")
    cfg = ios_startup_config().replace("\nend\n", "\n" + GRE_PROFILE + "end\n")
    with IosflexRouter(lab.router, tmp_path_factory.mktemp("router"), cfg, [], debug=False, dataplane="tun") as r:
        yield r


@pytest.fixture(scope="module")
def clients(lab, router, tmp_path_factory):
    out = []
    try:
        for i, host in enumerate(lab.client_hosts):
            me = C1 if i == 0 else C2
            conn = S.client_conn("psk", me, group=19, cipher="aes-cbc" if i == 0 else "aes-gcm")
            sw = {"connections": {"psk": conn},
                  "secrets": {"ike-me": {"id-a": me, "id-b": S.ROUTER_FQDN, "secret": f'"{S.PSK}"'}}}
            ch = S.Charon(host, tmp_path_factory.mktemp(f"client{i + 1}"), "client", S.strongswan_conf("client"), sw)
            ch.start()
            out.append(ch)
        yield out
    finally:
        for ch in out:
            ch.stop()


def _connect(ch) -> tuple[str, dict]:
    ok, lines, err = ch.vici.initiate("psk", "net")
    assert ok, f"initiate failed: {err}\n{ch.tail()}"
    (name, sa), = ch.vici.list_sa_list()
    return sa["local-vips"][0], sa


def _child_counters(ch) -> tuple[int, int]:
    (_, sa), = ch.vici.list_sa_list()
    child = next(iter(sa["child-sas"].values()))
    return int(child["packets-in"]), int(child["packets-out"])


def _wait_device(lab, name: str, present: bool = True, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cp = lab.run(lab.router, ["ip", "-o", "link", "show", "dev", name], check=False)
        up = cp.returncode == 0 and ("UP" in cp.stdout or not present)
        if (cp.returncode == 0 and up) == present:
            return
        time.sleep(0.05)
    raise AssertionError(f"device {name} {'missing' if present else 'still there'}: "
                         f"{lab.run(lab.router, ['ip', '-o', 'link'], check=False).stdout}")


def _session_block(show: str, vip: str) -> str:
    """The `show crypto ipsec sa` block whose remote ident is `vip`."""
    for block in re.split(r"(?=^interface: )", show, flags=re.M):
        if f"remote ident (addr/mask/prot/port): ({vip}/" in block:
            return block
    raise AssertionError(f"no ipsec sa for {vip}:\n{show}")


def _counts(block: str) -> tuple[int, int]:
    enc = int(re.search(r"#pkts encaps: (\d+)", block).group(1))
    dec = int(re.search(r"#pkts decaps: (\d+)", block).group(1))
    return enc, dec


def test_ping_both_ways_and_counters(lab, router, clients):
    c1 = clients[0]
    vip, _ = _connect(c1)
    try:
        _wait_device(lab, "vi1")
        routes = lab.run(lab.router, ["ip", "route", "show", "dev", "vi1"]).stdout
        assert vip in routes, routes
        # client -> the router namespace's inside address, through the tunnel
        cp = lab.run(lab.client_hosts[0], ["ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", INSIDE], check=False,
                     timeout=30)
        assert " 0% packet loss" in cp.stdout, cp.stdout + cp.stderr + router.tail()
        # the router -> the client's virtual IP (the exec `ping`, ICMP made and matched by the data plane)
        out = router.exec(f"ping {vip}", timeout=30)
        assert "Type escape sequence to abort." in out, out
        assert f"Sending 5, 100-byte ICMP Echos to {vip}, timeout is 2 seconds:" in out, out
        assert "!!!!!" in out and "Success rate is 100 percent (5/5)" in out, out
        enc, dec = _counts(_session_block(router.exec("show crypto ipsec sa"), vip))
        c_in, c_out = _child_counters(c1)
        assert (enc, dec) == (10, 10), (enc, dec)
        assert (c_in, c_out) == (dec, enc) or (c_in, c_out) == (enc, dec), (c_in, c_out, enc, dec)
        assert c_out == dec and c_in == enc
        # hostile ESP with the session's inbound SPI (bad ICV, truncated) from another port: dropped, counted
        show = _session_block(router.exec("show crypto ipsec sa"), vip)
        spi = re.search(r"inbound esp sas:\s+spi: 0x([0-9A-F]+)", show).group(1)
        junk = f"import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); " \
               f"[s.sendto(bytes.fromhex('{int(spi, 16):08x}') + bytes(n), ('{ROUTER_IP}', 4500)) for n in (4, 60, 200)]"
        lab.run(lab.client_hosts[0], [sys.executable, "-c", junk])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            block = _session_block(router.exec("show crypto ipsec sa"), vip)
            if "#recv errors 3" in block:
                break
            time.sleep(0.1)
        assert "#recv errors 3" in block and _counts(block) == (10, 10), block
        assert router.alive()
    finally:
        c1.vici.terminate("psk", timeout_ms=5000)
    _wait_device(lab, "vi1", present=False)


def test_two_clients_each_on_its_device(lab, router, clients):
    vips = []
    try:
        for ch in clients:
            vips.append(_connect(ch)[0])
        devs = lab.run(lab.router, ["ip", "-o", "link"]).stdout
        names = sorted(set(re.findall(r"\d+: (vi\d+)", devs)))
        assert len(names) == 2, devs
        for name in names:
            _wait_device(lab, name)
        for host, vip in zip(lab.client_hosts, vips):
            cp = lab.run(host, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", INSIDE], check=False, timeout=30)
            assert " 0% packet loss" in cp.stdout, cp.stdout + router.tail()
        routes = lab.run(lab.router, ["ip", "route"]).stdout
        for vip in vips:
            assert re.search(rf"^{re.escape(vip)} dev vi\d+", routes, re.M), routes
        show = router.exec("show crypto ipsec sa")
        for vip in vips:
            assert _counts(_session_block(show, vip)) == (3, 3)
        out = router.exec(f"ping {vips[1]} repeat 3 size 200")
        assert "Sending 3, 200-byte ICMP Echos" in out and "(3/3)" in out, out
    finally:
        for ch in clients:
            ch.vici.terminate("psk", timeout_ms=5000)
    for name in ("vi1", "vi2"):
        _wait_device(lab, name, present=False)


@pytest.mark.parametrize("domain", ["gre.flex.lab", "gret.flex.lab"], ids=["transport", "tunnel"])
def test_gre_over_ipsec_with_the_package_client(lab, router, domain):
    """Issue 10 item 6, GRE mode: the package's initiator proposes protocol-47 selectors (`iosflex client
    --gre`) over real UDP; under `mode auto` the router's Virtual-Access1 runs GRE/IP, and the client's echoes
    (GRE inside ESP, in UDP) cross the data plane to the router's inside address and back.  Profile GRE's
    transform set is in transport mode (ESP next header 47), GRET's the template's tunnel-mode ones (ESP
    carrying an IPv4 header of protocol 47 between the peers)."""
    argv = ["env", f"PYTHONPATH={REPO}", sys.executable, "-m", "iosflex", "client", "--peer", ROUTER_IP,
            "--psk", S.PSK, "--id", f"fqdn:g1.{domain}", "--gre", "--cfg-request", "--ping", INSIDE,
            "--ping-count", "4", "--timeout", "10"]
    cp = lab.run(lab.client_hosts[1], argv, check=False, timeout=60)
    out = cp.stdout + cp.stderr
    assert "1/1 established" in out, out + router.tail()
    assert f"Sending 4, 100-byte ICMP Echos to {INSIDE}, timeout is 2 seconds:" in out, out
    assert "!!!!" in out and "Success rate is 100 percent (4/4)" in out, out + router.tail()
    assert cp.returncode == 0, out
    show = router.exec("show interfaces virtual-access 1")
    assert "Tunnel protocol/transport GRE/IP" in show, show
    sa = router.exec("show crypto ipsec sa")
    assert re.search(r"protocol 47|prot/port\): \(172\.16\.1\.4/255\.255\.255\.255/47/0\)", sa), sa
    assert "#pkts encaps: 4" in sa and "#pkts decaps: 4" in sa, sa
    router.exec("clear crypto session")
    _wait_device(lab, "vi1", present=False)


def test_router_ping_outside_tunnel(lab, router):
    """An address that is no session's: the router pings from its namespace (raw ICMP socket)."""
    out = router.exec(f"ping 172.16.1.1 repeat 2")
    assert "Success rate is 100 percent (2/2)" in out, out
    out = router.exec("ping 172.16.1.99 repeat 2 timeout 1")
    assert "Success rate is 0 percent (0/2)" in out, out


def test_virtual_access_derived_config_and_lock_with_a_stock_client(lab, router, clients):
    """The issue's "done when": a stock strongSwan client's Virtual-Access1 shows its derived configuration,
    the template is locked while it lives and free again once it is gone, and its traffic shows in the
    interface's counters."""
    c1 = clients[0]
    vip, _ = _connect(c1)
    try:
        _wait_device(lab, "vi1")
        derived = router.exec("show derived-config interface virtual-access 1")
        assert "Building configuration..." in derived, derived
        assert re.search(r"Derived configuration : \d+ bytes", derived), derived
        for line in ("interface Virtual-Access1", " ip unnumbered Loopback0", " tunnel source 172.16.1.2",
                     " tunnel destination 172.16.1.1", " tunnel mode ipsec ipv4",
                     " tunnel protection ipsec profile FLEX"):
            assert line in derived.splitlines(), (line, derived)
        assert re.search(r"^Vt1 +1 +0 +No +Tunnel$", router.exec("show vtemplate 1"), re.M)
        locked = router.exec_many(["configure terminal", "interface virtual-template 1 type tunnel", "end"])
        assert "% Virtual-template config is locked, active vaccess present" in locked[1], locked
        cp = lab.run(lab.client_hosts[0], ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", INSIDE], check=False,
                     timeout=30)
        assert " 0% packet loss" in cp.stdout, cp.stdout
        shown = router.exec("show interfaces virtual-access 1")
        m = re.search(r"(\d+) packets input, (\d+) bytes", shown)
        assert m and int(m.group(1)) >= 3, shown
        routes = router.exec("show ip route")  # with Loopback0's 10.0.0.1/32: `10.0.0.0/32 is subnetted`
        assert re.search(rf"^S +{re.escape(vip)}(/32)? is directly connected, Virtual-Access1$", routes, re.M), routes
    finally:
        c1.vici.terminate("psk", timeout_ms=5000)
    _wait_device(lab, "vi1", present=False)
    assert re.search(r"^Vt1 +0 +0 +No +Tunnel$", router.exec("show vtemplate 1"), re.M)
    free = router.exec_many(["configure terminal", "interface virtual-template 1 type tunnel", "end"])
    assert "locked" not in free[1], free


def test_access_group_on_the_virtual_access_filters_real_traffic(lab, router, clients):
    """`ip access-group` cloned onto the virtual-access is enforced by the data plane: the client's pings are
    dropped; removing it lets them through again (issue 11: a CoA inacl that denies
    the pings stops them uses the same path, interfaces/filter.py)."""
    out = router.exec_many(["configure terminal", "ip access-list extended NOPING", "deny icmp any any",
                            "permit ip any any", "interface virtual-template 1 type tunnel",
                            "ip access-group NOPING in", "end"])
    assert not any("%" in o for o in out), out
    c1 = clients[0]
    try:
        vip, _ = _connect(c1)
        _wait_device(lab, "vi1")
        cp = lab.run(lab.client_hosts[0], ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", INSIDE], check=False,
                     timeout=30)
        assert " 100% packet loss" in cp.stdout, cp.stdout
        assert "Inbound  access list is NOPING" in router.exec("show ip interface virtual-access 1")
        enc, dec = _counts(_session_block(router.exec("show crypto ipsec sa"), vip))
        assert dec == 3 and enc == 0, (enc, dec)  # decrypted, then denied by the list: nothing answered
    finally:
        c1.vici.terminate("psk", timeout_ms=5000)
        _wait_device(lab, "vi1", present=False)
        router.exec_many(["configure terminal", "interface virtual-template 1 type tunnel",
                          "no ip access-group NOPING in", "exit", "no ip access-list extended NOPING", "end"])
    vip, _ = _connect(c1)
    try:
        _wait_device(lab, "vi1")
        cp = lab.run(lab.client_hosts[0], ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", INSIDE], check=False,
                     timeout=30)
        assert " 0% packet loss" in cp.stdout, cp.stdout
    finally:
        c1.vici.terminate("psk", timeout_ms=5000)
        _wait_device(lab, "vi1", present=False)


def test_driver_plain_esp_socket():
    """Plain ESP (IP protocol 50, no NAT between the peers, RFC 7296 §2.23): `--dataplane tun` opens a raw socket
    per IPv4 address; ESP read from it reaches the data plane without its IPv4 header, and a datagram from
    (address, ESP_PORT) leaves by it with the kernel's protocol-50 header.  On 127.0.0.1 with a raw socket as
    the peer: this machine's kernel has no ESP xfrm (`ip xfrm state add ... proto esp`: "Requested type not
    found") and Debian's strongSwan 5.9.8 kernel-libipsec has no raw ESP (5.9.11), so no stock peer sends it
    here."""
    import asyncio
    import socket

    from iosflex.crypto import driver as D
    from iosflex.events import Datagram
    from iosflex.router import Router, default_config_text

    async def main():
        r = Router(None)
        assert r.apply_config(default_config_text()) == []
        drv = await D.start(r, ports=(15610, 14610), host_addresses=["127.0.0.1"], dataplane="tun")
        peer = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ESP)
        try:
            assert isinstance(drv.endpoints.get(("127.0.0.1", D.ESP_PORT)), D._EspEndpoint)
            got = []
            drv.dataplane.esp_in = got.append
            peer.bind(("127.0.0.1", 0))
            peer.setblocking(False)
            esp_in = bytes.fromhex("0000010000000001") + b"inbound"
            peer.sendto(esp_in, ("127.0.0.1", 0))
            for _ in range(200):
                if got:
                    break
                await asyncio.sleep(0.01)
            assert got == [esp_in]
            peer.sendto(b"\x00\x00\x01", ("127.0.0.1", 0))  # no room for an SPI and a sequence number
            for _ in range(200):
                if drv.esp_malformed:
                    break
                await asyncio.sleep(0.01)
            assert drv.esp_malformed == 1 and got == [esp_in]
            esp_out = bytes.fromhex("0000020000000001") + b"outbound"
            drv.send([Datagram(esp_out, ("127.0.0.1", D.ESP_PORT), ("127.0.0.1", D.ESP_PORT))])
            seen = []
            for _ in range(200):
                try:
                    pkt = peer.recv(2048)
                except BlockingIOError:
                    await asyncio.sleep(0.01)
                    continue
                head = (pkt[0] & 0x0F) * 4
                assert pkt[9] == 50  # IPv4 protocol: ESP
                seen.append(pkt[head:])
                if esp_out in seen:
                    break
            assert esp_out in seen, seen
        finally:
            peer.close()
            drv.close()

    asyncio.run(main())

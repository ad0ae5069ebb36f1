"""Virtual-access interfaces (iosflex/interfaces/vaccess.py, docs/INTERFACES.md): numbering, the template
lock, the order of the interface-config sources, session-derived lines, mode auto, derived-config byte
counts, removal, and 1,000 sessions on the simulated network."""

from __future__ import annotations

import time

import pytest

from iosflex.aaa.attrs import AuthzResult
from iosflex.interfaces import vaccess as V
from iosflex.router import Router, default_config_text
from iosflex.simnet import SimNet


def default_router(extra: str = "") -> Router:
    r = Router(None)
    assert r.apply_config(default_config_text()) == []
    if extra:
        assert r.apply_config(extra) == []
    return r


def cli(r: Router):
    return r.session(privileged=True, width=80, length=0)


def authz(*sources) -> AuthzResult:
    res = AuthzResult()
    res.interface_config_sources = [(f"source{n}", list(lines)) for n, lines in enumerate(sources)]
    return res


def derived(r: Router, n: int) -> list[str]:
    out = cli(r).run(f"show derived-config interface virtual-access {n}")
    return out[out.index(f"interface Virtual-Access{n}"):]


# ---- numbering --------------------------------------------------------------------------------------------

def test_numbers_are_the_lowest_free_and_come_back_when_a_session_goes():
    r = default_router()
    net = SimNet(r)
    for k in range(1, 4):
        net.directive(f"ikev2 connect p{k} from=172.16.1.{10 + k} id=fqdn:p{k}.domain1")
    assert [va.name for va in r.vaccess.ordered()] == ["Virtual-Access1", "Virtual-Access2", "Virtual-Access3"]
    net.directive("ikev2 delete p2")
    assert sorted(r.vaccess.by_number) == [1, 3]
    net.directive("ikev2 connect p4 from=172.16.1.20 id=fqdn:p4.domain1")
    va = r.vaccess.by_name("Virtual-Access2")
    assert va is not None and va.iface.tunnel_destination == "172.16.1.20"
    assert r.sessions.get(va.session_id).interface == "Virtual-Access2"


def test_virtual_access_is_not_in_the_running_config():
    r = default_router()
    SimNet(r).directive("ikev2 connect p from=172.16.1.1")
    assert len(r.vaccess) == 1
    assert "Virtual-Access" not in r.running_config_text()
    assert all(i.type != "Virtual-Access" for i in r.config.interfaces.items.values())
    s = cli(r)
    s.run("configure terminal")
    assert s.run("interface virtual-access 1")[1] == "% Invalid input detected at '^' marker."


# ---- the lock ---------------------------------------------------------------------------------------------

def test_template_locked_while_a_virtual_access_is_active():
    r = default_router()
    net = SimNet(r)
    net.directive("ikev2 connect p from=172.16.1.1")
    s = cli(r)
    s.run("configure terminal")
    before = r.running_config_text()
    assert s.run("interface virtual-template 1 type tunnel") == [
        "% Virtual-template config is locked, active vaccess present"]
    assert s.prompt == "Router(config)#"
    assert r.running_config_text() == before
    s.run("end")
    s.run("clear crypto session")
    assert r.vaccess.active(1) == 0
    s.run("configure terminal")
    assert s.run("interface virtual-template 1 type tunnel") == []
    assert s.prompt == "Router(config-if)#"


# ---- interface-config sources -------------------------------------------------------------------------------

def test_sources_apply_in_order_and_a_later_duplicate_overwrites():
    r = default_router()
    va, _ = r.vaccess.clone(1, 1, "172.16.1.2", "172.16.1.1",
                            authz(["tunnel key 1", "ip mtu 1000"], ["ip mtu 1200", "tunnel key 2"]))
    assert (va.iface.ip_mtu, va.iface.tunnel_key) == (1200, 2)


def test_group_override_puts_group_last():
    """aaa/authorization.py gives the per-source lists in the merge order: with `aaa authorization group
    override` the group's lines come last and win."""
    r = default_router("aaa attribute list attr_user\n attribute type interface-config \"ip mtu 1200\"\n"
                       "crypto ikev2 authorization policy router1\n aaa attribute list attr_user\n"
                       "crypto ikev2 profile default\n"
                       " aaa authorization group psk list default name-mangler name_mangler2\n"
                       " aaa authorization user psk list default name-mangler name_mangler1\n")
    net = SimNet(r)
    net.directive("ikev2 connect p from=172.16.1.1 id=fqdn:router1.domain1")
    assert r.vaccess.get(1).iface.ip_mtu == 1200  # group (1000), then user (1200)
    net.directive("ikev2 delete p")
    assert r.apply_config("crypto ikev2 profile default\n"
                          " aaa authorization group override psk list default name-mangler name_mangler2\n") == []
    net.directive("ikev2 connect p from=172.16.1.1 id=fqdn:router1.domain1")
    va = r.vaccess.get(1)
    assert [src.split()[0] for src, _ in r.sessions.get(va.session_id).authorization.interface_config_sources] == [
        "user", "group"]
    assert va.iface.ip_mtu == 1000


def test_service_policy_is_not_replaced_by_a_later_source():
    r = default_router("policy-map P1\n class class-default\npolicy-map P2\n class class-default\n")
    va, log = r.vaccess.clone(1, 1, "172.16.1.2", "172.16.1.1",
                              authz(["service-policy input P1"], ["service-policy input P2", "service-policy output P2"]))
    assert (va.iface.service_policy_in, va.iface.service_policy_out) == ("P1", "P2")
    assert va.skipped == [("service-policy input P2", "% Service policy P1 is already attached")]
    assert any("service-policy input P2" in ln for ln in log)
    # `no service-policy` first, then the new one: replaced
    r.vaccess.apply_line(va, "no service-policy input")
    assert r.vaccess.apply_line(va, "service-policy input P2") is None and va.iface.service_policy_in == "P2"


@pytest.mark.parametrize("line", ["ip mtu 99999", "frobnicate 1", "router bgp 1", "service-policy input NOPE",
                                  "do show version", "ip address 172.16.1.9 255.255.255.0"])
def test_a_bad_line_is_logged_and_skipped(line):
    r = default_router()
    va, log = r.vaccess.clone(1, 1, "172.16.1.2", "172.16.1.1", authz([line, "tunnel key 7"]))
    assert va.skipped and va.skipped[0][0] == line
    assert any(ln.startswith("VT[Vi1]:%") or "skipped" in ln for ln in log)
    assert va.iface.tunnel_key == 7  # the lines after it still apply
    block = derived(r, 1)
    assert " tunnel key 7" in block and line not in "\n".join(block)
    assert "router bgp" not in r.running_config_text()


def test_aaa_lines_apply_through_the_interface_grammar():
    r = default_router("vrf definition V\n address-family ipv4\n")
    va, _ = r.vaccess.clone(1, 1, "172.16.1.2", "172.16.1.1",
                            authz(["ip tcp adjust-mss 1360", "tun key 5", "description per-user"]))
    assert (va.iface.tcp_mss, va.iface.tunnel_key, va.iface.description) == (1360, 5, "per-user")


def test_aaa_lines_do_not_change_the_template_or_other_virtual_access():
    """The clone copies the template's lists: an AAA `ipv6 address` or kept (not emulated) line is the session's
    alone, not written into Virtual-Template1's running-config or into the next virtual-access."""
    r = default_router()
    before = cli(r).run("show running-config interface Virtual-Template1")
    va, _ = r.vaccess.clone(1, 1, "172.16.1.2", "172.16.1.1",
                            authz(["ipv6 address 2001:DB8::1/64", "load-interval 30"]))
    assert va.iface.ipv6_addresses == ["2001:DB8::1/64"] and va.iface.kept == ["load-interval 30"]
    assert cli(r).run("show running-config interface Virtual-Template1") == before
    other, _ = r.vaccess.clone(1, 2, "172.16.1.2", "172.16.1.3")
    assert (other.iface.ipv6_addresses, other.iface.kept, other.iface.secondaries) == ([], [], [])


def test_a_refused_coa_leaves_the_live_interface_as_it_was():
    """reclone applies a CoA's lines to a copy: a line that fails leaves no trace of the lines before it, lists
    included."""
    r = default_router()
    va, _ = r.vaccess.clone(1, 1, "172.16.1.2", "172.16.1.1", authz(["load-interval 30"]))
    err, _ = r.vaccess.reclone(va, ["load-interval 60", "ipv6 address 2001:DB8::2/64", "no-such-command 1"])
    assert err is not None
    assert (va.iface.kept, va.iface.ipv6_addresses) == (["load-interval 30"], [])
    assert r.vaccess.reclone(va, ["ipv6 address 2001:DB8::2/64"]) == (None, [])
    assert va.iface.ipv6_addresses == ["2001:DB8::2/64"]


# ---- the session's part --------------------------------------------------------------------------------------

def test_template_tunnel_source_must_be_the_sessions_address():
    r = default_router()
    s = cli(r)
    for line in ("configure terminal", "interface virtual-template 1 type tunnel", "tunnel source 10.9.9.9", "end"):
        s.run(line)
    net = SimNet(r)
    ini = net.connect("p", {"from": "172.16.1.1"})
    assert ini.state != "ready" and len(r.vaccess) == 0 and r.sessions.by_id == {}
    with pytest.raises(V.CloneError):
        r.vaccess.clone(1, 9, "172.16.1.2", "172.16.1.1")
    assert len(r.vaccess) == 0  # a failed clone keeps nothing; its number is the next one given (below)
    for line in ("configure terminal", "interface virtual-template 1 type tunnel", "tunnel source Ethernet0/0", "end"):
        s.run(line)
    net.directive("ikev2 connect q from=172.16.1.5")
    va = r.vaccess.get(1)
    assert va.iface.tunnel_source == "Ethernet0/0" and va.iface.tunnel_destination == "172.16.1.5"


def test_missing_template_fails_the_session():
    r = default_router("crypto ikev2 profile default\n virtual-template 7\n")
    ini = SimNet(r).connect("p", {"from": "172.16.1.1"})
    assert ini.state != "ready" and len(r.vaccess) == 0


@pytest.mark.parametrize("template_mode, gre, local, expect", [
    (None, False, "172.16.1.2", "IPSEC/IP"),
    ("ipsec ipv4", True, "172.16.1.2", "GRE/IP"),
    (None, False, "2001:db8::2", "IPSEC/IPV6"),
    ("ipsec ipv4", True, "2001:db8::2", "GRE/IPv6"),
])
def test_mode_auto_overrides_template_and_aaa(template_mode, gre, local, expect):
    from iosflex.config.interfaces import TUNNEL_TRANSPORT

    r = default_router()
    r.config.interfaces.get("Virtual-Template", "1").tunnel_mode = template_mode
    va, _ = r.vaccess.clone(1, 1, local, "172.16.1.1", authz(["tunnel mode gre multipoint"]), auto_mode=True, gre=gre)
    assert TUNNEL_TRANSPORT[va.iface.tunnel_mode] == expect


def test_mode_auto_on_the_simulated_network():
    r = default_router("crypto ikev2 profile default\n virtual-template 1 mode auto\n")
    net = SimNet(r)
    net.directive("ikev2 connect p from=172.16.1.1")
    s = cli(r)
    assert s.run("show interfaces virtual-access 1 | inc protocol/transport") == ["  Tunnel protocol/transport IPSEC/IP"]
    net.directive("ikev2 delete p")
    net.directive("ikev2 connect p from=172.16.1.1 no-cfg gre")
    assert s.run("show interfaces virtual-access 1 | inc protocol/transport") == ["  Tunnel protocol/transport GRE/IP"]


def test_gre_peer_with_a_pushed_address_keeps_its_own_selectors():
    """A GRE-over-IPsec peer that also asks for an address (a FlexVPN client's `ip address negotiated`): the
    transport-mode child protects GRE between the two peers' own addresses, so its selectors are not narrowed to
    the pushed address (that was TS_UNACCEPTABLE: an IKE SA with no child)."""
    r = default_router("crypto ikev2 profile default\n virtual-template 1 mode auto\n")
    net = SimNet(r)
    net.directive("ikev2 connect p from=172.16.1.11 gre")
    st = next(iter(net.responder.sas.values())).st
    assert st.pushed_ip == "10.10.10.1" and len(st.children) == 1
    ch = st.children[0]
    assert ch.mode == "transport"
    assert [(ts.protocol, ts.start, ts.end) for ts in ch.ts_remote] == [(47, "172.16.1.11", "172.16.1.11")]
    assert cli(r).run("show interfaces virtual-access 1 | inc protocol/transport") == [
        "  Tunnel protocol/transport GRE/IP"]


def test_gre_peer_in_tunnel_mode_with_a_pushed_address():
    """The same with a transform set in tunnel mode: GRE between the peers inside ESP tunnel mode; the
    selectors stay GRE's, the peer's own address."""
    r = default_router("crypto ipsec transform-set TT esp-aes 256 esp-sha256-hmac\n mode tunnel\n"
                       "crypto ipsec profile default\n set transform-set TT\n"
                       "crypto ikev2 profile default\n virtual-template 1 mode auto\n")
    net = SimNet(r)
    net.directive("ikev2 connect p from=172.16.1.11 gre esp=aes-cbc-256 esp-integ=sha256")
    st = next(iter(net.responder.sas.values())).st
    assert st.pushed_ip == "10.10.10.1" and [c.mode for c in st.children] == ["tunnel"]
    assert [(ts.protocol, ts.start) for ts in st.children[0].ts_remote] == [(47, "172.16.1.11")]


# ---- byte counts --------------------------------------------------------------------------------------------

def test_byte_counts_of_the_chapter():
    assert V.clone_text_size(["tunnel protection ipsec profile default"]) == 45
    assert V.clone_text_size(["tunnel key 1", "ip mtu 1000"]) == 30
    assert V.clone_text_size(["IP access-group Virtual-Access1#2601 in", "IP access-group Virtual-Access1#2602 out"]) == 86
    r = default_router()
    r.vaccess.clone(1, 1, "172.16.1.2", "172.16.1.1", authz(["tunnel key 1", "ip mtu 1000"], ["ip mtu 1200", "tunnel key 2"]))
    out = cli(r).run("show derived-config interface virtual-access 1")
    assert out[:4] == ["Building configuration...", "", "Derived configuration : 222 bytes", ""]
    assert out[4:] == ["interface Virtual-Access1", " ip unnumbered Ethernet0/0", " ip mtu 1200", " tunnel source 172.16.1.2",
                       " tunnel destination 172.16.1.1", " tunnel key 2", " tunnel protection ipsec profile default",
                       " no tunnel protection ipsec initiate", "end"]


def test_genie_parses_show_derived_config():
    from genie.libs.parser.iosxe import show_derived as genie  # a test dependency: missing, the test fails

    r = default_router()
    r.vaccess.clone(1, 1, "172.16.1.2", "172.16.1.1")
    out = "\n".join(cli(r).run("show derived-config interface virtual-access 1"))

    class Dev:
        os, custom = "iosxe", {}

    parsed = genie.ShowDerivedConfigInterface(device=Dev()).cli(interface="Virtual-Access1", output=out)
    va = parsed["derived_config"]["Virtual-Access1"]
    assert va["tunnel_destination"] == "172.16.1.1" and va["ipv4_unnumbered_intf"] == "Ethernet0/0"


def test_genie_parses_show_vtemplate_and_show_interfaces_of_a_live_session():
    """Issue 10 item 3: genie parses `show vtemplate` and `show interfaces virtual-access 1` of a session up on
    the simulated network."""
    from genie.libs.parser.iosxe.show_interface import ShowInterfaces
    from genie.libs.parser.iosxe.show_vtemplate import ShowVtemplate

    r = default_router()
    net = SimNet(r)
    net.directive("ikev2 connect p1 from=172.16.1.11 id=fqdn:p1.domain1")

    class Dev:
        os, custom = "iosxe", {}

    vt = ShowVtemplate(device=Dev()).cli(output="\n".join(cli(r).run("show vtemplate")))
    assert vt["vt1"] == {"active_interface": 1, "active_sub_interface": 0, "sub_interface_capable": "no",
                         "interface_type": "tunnel"}
    assert vt["usage_summary"]["current_tunnel_in_use"]["interface"] == 1
    assert vt["usage_summary"]["cumulative_created"]["interface"] == 1
    out = "\n".join(cli(r).run("show interfaces virtual-access 1"))
    va = ShowInterfaces(device=Dev()).cli(interface="Virtual-Access1", output=out)["Virtual-Access1"]
    assert (va["oper_status"], va["line_protocol"], va["type"]) == ("up", "up", "Virtual Access interface")
    assert (va["tunnel_source_ip"], va["tunnel_destination_ip"]) == ("172.16.1.2", "172.16.1.11")
    assert va["tunnel_profile"] == "default"


# ---- removal ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["clear", "delete", "dpd"])
def test_removed_when_the_session_goes(how):
    r = default_router("crypto ikev2 dpd 10 2 periodic\n")
    net = SimNet(r)
    ini = net.connect("p", {"from": "172.16.1.1"})
    lines = []
    from iosflex import logbus

    logbus.bus(r).attach("t", lines.append)
    assert r.vaccess.active(1) == 1
    if how == "clear":
        cli(r).run("clear crypto session")
    elif how == "delete":
        net.directive("ikev2 delete p")
    else:
        ini.receive = lambda *a, **k: []  # the peer is dead: DPD gets no answer
        net.advance(60)
    assert len(r.vaccess) == 0 and r.vaccess.active(1) == 0 and r.sessions.by_id == {}
    down = ["%LINEPROTO-5-UPDOWN: Line protocol on Interface Virtual-Access1, changed state to down",
            "%LINK-3-UPDOWN: Interface Virtual-Access1, changed state to down"]
    assert [ln for ln in lines if "UPDOWN" in ln and "down" in ln] == down
    assert cli(r).run("show derived-config interface virtual-access 1")[-2] == "% Invalid input detected at '^' marker."


# ---- show ---------------------------------------------------------------------------------------------------

def test_show_interfaces_counters_come_from_the_virtual_access():
    r = default_router()
    SimNet(r).directive("ikev2 connect p from=172.16.1.1")
    va = r.vaccess.get(1)
    va.in_packets, va.in_bytes, va.out_packets, va.out_bytes = 3, 300, 4, 400
    out = cli(r).run("show interfaces virtual-access 1")
    assert out[0] == "Virtual-Access1 is up, line protocol is up "
    assert "     3 packets input, 300 bytes, 0 no buffer" in out
    assert "     4 packets output, 400 bytes, 0 underruns" in out
    assert any(ln.startswith("Virtual-Access1 ") for ln in cli(r).run("show interfaces"))
    assert cli(r).run("show ip interface brief")[-1].startswith("Virtual-Access1            172.16.1.2      YES unset  up")


# ---- scale --------------------------------------------------------------------------------------------------

def test_a_thousand_sessions_each_get_a_virtual_access():
    r = default_router("ip local pool flexvpn_pool 10.10.0.1 10.10.7.254\n")
    net = SimNet(r)
    t0 = time.perf_counter()
    for k in range(1000):
        net.connect(f"p{k}", {"from": f"10.{1 + k // 250}.{k % 250}.1", "id": f"fqdn:p{k}.domain1"})
    elapsed = time.perf_counter() - t0
    assert len(r.vaccess) == 1000 and r.vaccess.active(1) == 1000
    assert sorted(r.vaccess.by_number) == list(range(1, 1001))
    assert len({va.iface.tunnel_destination for va in r.vaccess.ordered()}) == 1000
    print(f"1000 sessions with virtual-access on the simulated network: {elapsed:.1f} s")


def test_the_virtual_access_outlives_ike_and_child_rekeys():
    r = default_router()
    net = SimNet(r)
    ini = net.connect("p", {"from": "172.16.1.1"})
    va = r.vaccess.get(1)
    net.deliver(ini.rekey_child(net.now))
    net.deliver(ini.rekey_ike(net.now))
    assert r.vaccess.ordered() == [va] and r.crypto.sa_states()[0].virtual_access == "Virtual-Access1"
    net.deliver(ini.delete(net.now))
    assert len(r.vaccess) == 0

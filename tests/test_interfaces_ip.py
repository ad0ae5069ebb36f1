"""Interfaces, IP and QoS configuration: chapter listings, round trip, rejected lines, `no` forms, names."""

from __future__ import annotations

import pytest

from iosflex.config.interfaces import Interface
from iosflex.router import Router

HUB = """\
vrf definition INET
 rd 65000:1
 !
 address-family ipv4
 exit-address-family
!
ip domain name example.com
ip name-server 8.8.8.8 8.8.4.4
class-map match-any VOICE
 match access-group name VOICE-ACL
policy-map Input-QoS-policy-1
 class VOICE
  bandwidth 512
 class class-default
  police 1000000 conform-action transmit exceed-action drop
policy-map Output-QoS-policy-1
 class class-default
  shape average 2000000
interface Loopback0
 ip address 10.255.0.1 255.255.255.255
interface Ethernet0/0
 description WAN
 vrf forwarding INET
 ip address 172.16.1.2 255.255.255.0
 ip nat outside
 no shutdown
interface Ethernet0/1
 ip address 192.168.10.1 255.255.255.0
 ip access-group 101 in
 ip nat inside
interface Ethernet0/1.100
 encapsulation dot1Q 100
 ip address 192.168.100.1 255.255.255.0
interface Tunnel0
 ip address 10.0.0.1 255.255.255.0
 ip mtu 1400
 ip nhrp network-id 1
 ip nhrp redirect
 ip tcp adjust-mss 1360
 tunnel source Ethernet0/0
 tunnel mode gre multipoint
 tunnel key 100
 tunnel vrf INET
 tunnel protection ipsec profile default shared
interface Virtual-Template1 type tunnel
 description FlexVPN
 ip unnumbered Loopback0
 ip mtu 1400
 ip nhrp network-id 1
 ip nhrp shortcut virtual-template 1
 ip nhrp redirect
 ip tcp adjust-mss 1360
 zone-member security VPN
 no logging event link-status
 ipv6 enable
 tunnel source Ethernet0/0
 tunnel mode ipsec ipv4
 tunnel path-mtu-discovery
 tunnel vrf INET
 tunnel protection ipsec profile default
 service-policy input Input-QoS-policy-1
 service-policy output Output-QoS-policy-1
ip local pool FLEX-POOL 10.10.0.1 10.10.0.254
ip local pool ONE 10.20.0.1
ip route 0.0.0.0 0.0.0.0 172.16.1.1
ip route vrf INET 0.0.0.0 0.0.0.0 Ethernet0/0 172.16.1.1 5 tag 10 name DEFAULT
ip route 192.168.0.0 255.255.0.0 Tunnel0
ip access-list standard SPLIT
 remark split tunnel
 permit 10.1.2.3 0.255.255.255
 permit host 192.168.1.1
 deny any
ip access-list extended 101
 permit tcp any host 192.168.10.1 eq 22
 permit udp any any eq 500
 permit udp any range 500 4500 any eq 4500
 permit 50 host 1.1.1.1 any
 deny ip any any log
ip access-list extended VOICE-ACL
 permit udp any any range 16384 32767
end
"""


def fresh() -> Router:
    return Router(None)


def cli(router: Router):
    s = router.session(privileged=True, width=80, length=0)
    s.run("configure terminal")
    return s


def run(s, *lines: str) -> list[str]:
    out: list[str] = []
    for ln in lines:
        out.extend(s.run(ln))
    return out


# ---- round trip --------------------------------------------------------------------------------------------

def test_hub_config_applies_without_rejects_and_round_trips():
    r = fresh()
    assert r.apply_config(HUB) == []
    text = r.running_config_text()
    r2 = fresh()
    assert r2.apply_config(text) == []
    assert r2.running_config_text() == text


def test_rendered_lines_in_ios_form():
    r = fresh()
    r.apply_config(HUB)
    text = r.running_config_text()
    for expected in [
        "interface Virtual-Template1 type tunnel\n description FlexVPN\n ip unnumbered Loopback0\n",
        "ip local pool FLEX-POOL 10.10.0.1 10.10.0.254\nip local pool ONE 10.20.0.1\n",
        "ip access-list standard SPLIT\n remark split tunnel\n permit 10.0.0.0 0.255.255.255\n"
        " permit 192.168.1.1\n deny   any\n",
        " permit esp host 1.1.1.1 any\n deny   ip any any log\n",
        " permit udp any any eq isakmp\n",
        "ip route vrf INET 0.0.0.0 0.0.0.0 Ethernet0/0 172.16.1.1 5 tag 10 name DEFAULT\n",
        "policy-map Input-QoS-policy-1\n class VOICE\n  bandwidth 512\n class class-default\n"
        "  police 1000000 conform-action transmit exceed-action drop\n",
        " tunnel source Ethernet0/0\n tunnel mode gre multipoint\n tunnel key 100\n tunnel vrf INET\n",
    ]:
        assert expected in text
    # IOS's section order: vrf, domain, QoS, interfaces, pools, routes, ACLs
    order = ["vrf definition", "ip domain name", "class-map", "policy-map", "interface Loopback0",
             "ip local pool", "ip route", "ip access-list"]
    assert [text.index(x) for x in order] == sorted(text.index(x) for x in order)


def test_chapter_coa_qos_paste():
    r = fresh()
    s = cli(r)
    lines = """policy-map Input-QoS-policy-1
 class class-default
policy-map Output-QoS-policy-1
 class class-default
interface Virtual-Template1 type tunnel
 ip unnumbered Ethernet0/0
 tunnel protection ipsec profile default
 service-policy input Input-QoS-policy-1
 service-policy output Output-QoS-policy-1""".splitlines()
    assert run(s, *lines) == []
    s.run("end")
    out = s.run("show running-config | section policy-map|Virtual")
    assert out == ["policy-map Input-QoS-policy-1", " class class-default",
                   "policy-map Output-QoS-policy-1", " class class-default",
                   "interface Virtual-Template1 type tunnel", " ip unnumbered Ethernet0/0",
                   " tunnel protection ipsec profile default", " service-policy input Input-QoS-policy-1",
                   " service-policy output Output-QoS-policy-1"]


# ---- chapter listings ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
    ("interface virtual-template ", ["  <1-200>  Virtual-Template interface number", ""]),
    ("interface virtual-template 1 ", ["  type  type of the virtual-template", "  <cr>", ""]),
    ("interface virtual-template 1 type ", ["  ethernet  Set VT type as ethernet", "  serial    Set VT type as serial",
                                            "  tunnel    Set VT type as tunnel", ""]),
    ("interface virtual-template 1 type tunnel ", ["  <cr>", ""]),
])
def test_chapter_help_listings(line, expected):
    s = cli(fresh())
    assert s.help(line) == expected


def test_chapter_virtual_template_and_show_vtemplate():
    r = fresh()
    s = cli(r)
    assert run(s, "interface virtual-template 1 type tunnel", "ip unnumbered e0/0",
               "tunnel protection ipsec profile default") == []
    assert s.prompt == "Router(config-if)#"
    s.run("end")
    assert s.run("show vtemplate 1") == [
        "Virtual-access subinterface creation is globally enabled",
        "",
        "         Active     Active    Subint  Interface",
        "       Interface Subinterface Capable Type",
        "       --------- ------------ ------- ---------",
        "Vt1            0            0    No   Tunnel",
    ]
    assert s.run("show interfaces virtual-template 1 | inc protocol/transport") == [
        "  Tunnel protocol/transport GRE/IP"]
    s.run("configure terminal")
    run(s, "interface virtual-template 1 type tunnel", "tunnel mode ipsec ipv4", "end")
    assert s.run("show interfaces virtual-template 1 | inc protocol/transport") == [
        "  Tunnel protocol/transport IPSEC/IP"]


def test_virtual_template_locked_with_active_vaccess():
    r = fresh()
    r.apply_config("interface Virtual-Template1 type tunnel\n ip unnumbered Ethernet0/0\n")
    r.vaccess.clone(1, 1, "172.16.1.2", "172.16.1.1")  # a session's virtual-access (runtime, not config)
    assert r.vaccess.active(1) == 1
    s = cli(r)
    before = r.running_config_text()
    assert s.run("interface virtual-template 1 type tunnel") == [
        "% Virtual-template config is locked, active vaccess present"]
    assert s.prompt == "Router(config)#"
    assert s.run("no interface Virtual-Template1")[0].startswith("% Virtual-template config is locked")
    assert r.running_config_text() == before
    assert "Vt1            1            0    No   Tunnel" in s.run("do show vtemplate 1")


# ---- rejected lines change nothing --------------------------------------------------------------------------

@pytest.mark.parametrize("lines", [
    ["no interface Ethernet0/1"],
    ["interface Ethernet0/0", "ip address 10.0.0.0 255.255.255.0"],
    ["interface Ethernet0/2", "ip address 10.255.0.9 255.255.255.0"],  # overlaps Loopback0
    ["interface Ethernet0/0", "ip address 1.1.1.1 255.0.255.0"],
    ["interface Ethernet0/0", "vrf forwarding NOPE"],
    ["interface Ethernet0/0", "tunnel source Ethernet0/1"],
    ["interface Ethernet0/0", "ip unnumbered Ethernet0/8"],  # a port may not name a port nothing names
    ["ip route 10.9.0.0 255.255.0.0 Ethernet0/8"],  # nor may a route
    ["interface Loopback0", "negotiation auto"],
    ["ip route 10.0.0.1 255.0.0.0 1.1.1.1"],
    ["ip route vrf NOPE 10.0.0.0 255.0.0.0 1.1.1.1"],
    ["ip access-list extended 101", "permit tcp any any eq nosuchport"],
    ["ip access-list standard SPLIT", "20 permit any"],  # duplicate sequence number
    ["policy-map Input-QoS-policy-1", "class NOCLASS"],
    ["interface Tunnel0", "service-policy input NOPOLICY"],
])
def test_rejected_lines_change_nothing(lines):
    r = fresh()
    assert r.apply_config(HUB) == []
    before = r.running_config_text()
    s = cli(r)
    out = run(s, *lines)
    assert s.last_error, out
    assert r.running_config_text() == before


def test_new_physical_port_is_created_for_pasted_configs():
    r = fresh()
    s = cli(r)
    run(s, "interface GigabitEthernet1", "ip address 198.51.100.10 255.255.255.0")
    assert not s.last_error
    assert "interface GigabitEthernet1\n ip address 198.51.100.10 255.255.255.0" in r.running_config_text()


def test_missing_port_reference_caret_column():
    s = cli(fresh())
    err = ["^", "% Invalid input detected at '^' marker.", ""]
    for typed in ("ip route 10.9.0.0 255.255.0.0 Ethernet0/8", "ip route 10.9.0.0 255.255.0.0 e0/8",
                  "ip route 10.9.0.0 255.255.0.0 Ethernet 0/8"):
        out = s.run(typed)
        col = len("Router(config)#") + len(typed) - 3
        assert out == [" " * col + err[0], *err[1:]], typed


def test_a_capture_pastes_in_ios_order_with_its_tunnel_before_the_port():
    """IOS prints Loopback and Tunnel interfaces before the ports: a capture's Tunnel names its source port
    (and borrows its address) before the port's own block.  Typed in that order, nothing is rejected; the tunnel
    comes up once the port exists; a port nothing ever names leaves the tunnel down, shown as UNKNOWN."""
    r = fresh()
    s = cli(r)
    assert run(s, "interface Tunnel0", "ip unnumbered GigabitEthernet1", "ipv6 unnumbered GigabitEthernet1",
               "tunnel source GigabitEthernet1", "tunnel destination 203.0.113.1", "exit") == []
    assert r.config.interfaces.get("GigabitEthernet", "1") is None  # not created by the references
    brief = {ln.split()[0]: ln.split()[-2:] for ln in s.run("do show ip interface brief")[1:]}
    assert brief["Tunnel0"] == ["up", "down"]
    assert "  Tunnel source UNKNOWN (GigabitEthernet1), destination 203.0.113.1" in s.run("do show interfaces tunnel 0")
    assert run(s, "interface GigabitEthernet1", "ip address 198.51.100.10 255.255.255.0", "no shutdown", "end") == []
    brief = {ln.split()[0]: ln.split()[-2:] for ln in s.run("show ip interface brief")[1:]}
    assert brief["Tunnel0"] == ["up", "up"]
    assert "  Tunnel source 198.51.100.10 (GigabitEthernet1), destination 203.0.113.1" in s.run(
        "show interfaces tunnel 0")
    text = r.running_config_text()
    assert " ip unnumbered GigabitEthernet1\n ipv6 unnumbered GigabitEthernet1\n" in text
    r2 = fresh()
    assert r2.apply_config(text) == []  # the rendered order (Tunnel0 before GigabitEthernet1) loads back
    assert r2.running_config_text() == text


# ---- no forms ------------------------------------------------------------------------------------------------

def test_no_forms_remove_what_was_configured():
    r = fresh()
    assert r.apply_config(HUB) == []
    s = cli(r)
    assert run(s,
               "interface Virtual-Template1",
               "no description", "no ip mtu", "no ip nhrp network-id", "no ip nhrp shortcut", "no ip nhrp redirect",
               "no ip tcp adjust-mss", "no zone-member security", "logging event link-status", "no ipv6 enable",
               "no tunnel source", "no tunnel mode", "no tunnel path-mtu-discovery", "no tunnel vrf",
               "no tunnel protection ipsec profile", "no service-policy input", "no service-policy output",
               "no ip unnumbered",
               "exit",
               "interface Ethernet0/1", "no ip access-group 101 in", "no ip nat inside", "shutdown", "exit",
               "no interface Ethernet0/1.100", "no interface Loopback0",
               "no ip local pool ONE", "no ip route 192.168.0.0 255.255.0.0 Tunnel0",
               "no ip access-list extended VOICE-ACL",
               "ip access-list standard SPLIT", "no permit 192.168.1.1", "no 30", "exit",
               "no ip domain name", "no ip name-server 8.8.4.4") == []
    text = r.running_config_text()
    assert "interface Virtual-Template1 type tunnel\n no ip address\n!\n" in text
    assert "interface Ethernet0/1\n no ip address\n shutdown\n!" not in text  # address stays
    assert "interface Ethernet0/1\n ip address 192.168.10.1 255.255.255.0\n shutdown\n!" in text
    for gone in ("Loopback0", "Ethernet0/1.100", "ip local pool ONE", "192.168.0.0 255.255.0.0", "ip access-list extended VOICE-ACL",
                 "permit 192.168.1.1", "deny   any", "ip domain name", "8.8.4.4"):
        assert gone not in text
    assert "ip name-server 8.8.8.8\n" in text
    r2 = fresh()
    assert r2.apply_config(text) == []
    assert r2.running_config_text() == text


def test_service_policy_and_policy_map_in_use():
    r = fresh()
    r.apply_config(HUB)
    s = cli(r)
    assert s.run("no class-map VOICE") == ["Class-map VOICE is being used"]
    out = s.run("no policy-map Input-QoS-policy-1")
    assert s.last_error and out
    assert "policy-map Input-QoS-policy-1" in r.running_config_text()


# ---- interface names -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["interface Ethernet0/0", "interface Ethernet 0/0", "int e0/0", "int eth 0/0",
                                   "INTERFACE ETHERNET0/0"])
def test_interface_name_forms(typed):
    r = fresh()
    s = cli(r)
    assert s.run(typed) == []
    assert s.prompt == "Router(config-if)#"
    assert s.stack[-1].obj is r.config.interfaces.get("Ethernet", "0/0")


@pytest.mark.parametrize("typed, name", [("int lo1", "Loopback1"), ("int tu5", "Tunnel5"),
                                         ("int virtual-t 7", "Virtual-Template7"),
                                         ("interface Virtual-Template8", "Virtual-Template8")])
def test_logical_interfaces_are_created(typed, name):
    r = fresh()
    s = cli(r)
    assert s.run(typed) == []
    assert f"interface {name}\n" in r.running_config_text()


def test_vi_means_virtual_access():
    s = cli(fresh())
    out = s.run("int vi1")  # no such virtual-access yet: rejected, not ambiguous
    assert out[1] == "% Invalid input detected at '^' marker."


def test_unnumbered_and_tunnel_source_print_canonical_names():
    r = fresh()
    s = cli(r)
    run(s, "int tu0", "ip unnumbered lo0", "tunnel source e0/0", "tunnel destination 1.1.1.1")
    text = r.running_config_text()
    assert " ip unnumbered Loopback0\n tunnel source Ethernet0/0\n tunnel destination 1.1.1.1\n" in text


def test_show_ip_interface_brief_layout():
    r = fresh()
    r.apply_config("interface Ethernet0/0\n ip address 172.16.1.2 255.255.255.0\n")
    s = r.session(privileged=True, length=0)
    out = s.run("show ip interface brief")
    assert out[0] == "Interface                  IP-Address      OK? Method Status                Protocol"
    assert out[1] == "Ethernet0/0                172.16.1.2      YES NVRAM  up                    up      "
    assert out[2] == "Ethernet0/1                unassigned      YES unset  administratively down down    "


def test_overlap_check_finds_containing_contained_and_forgets_removed_addresses():
    r = fresh()
    s = cli(r)
    run(s, "interface Loopback1", "ip address 10.1.0.1 255.255.0.0", "interface Loopback2",
        "ip address 10.2.3.1 255.255.255.255")
    assert run(s, "interface Loopback3", "ip address 10.1.2.3 255.255.255.0")[-1] == "% 10.1.2.0 overlaps with Loopback1"
    assert run(s, "ip address 10.0.0.1 255.0.0.0")[-1] == "% 10.0.0.0 overlaps with Loopback1"
    run(s, "interface Loopback1", "no ip address", "interface Loopback3")
    assert run(s, "ip address 10.1.2.3 255.255.255.0") == []
    assert run(s, "ip address 10.2.0.1 255.255.0.0")[-1] == "% 10.2.0.0 overlaps with Loopback2"
    run(s, "vrf definition RED", "address-family ipv4", "exit-address-family", "interface Loopback4",
        "vrf forwarding RED")
    assert run(s, "ip address 10.2.3.1 255.255.255.255") == []


def test_show_ip_interface_with_virtual_access_and_access_lists():
    """`show ip interface [IF]`: state from the model (address, unnumbered, access lists), parsed by genie."""
    from unittest.mock import Mock

    from genie.libs.parser.iosxe.show_interface import ShowIpInterface

    from iosflex.router import Router
    from iosflex.simnet import SimNet

    r = Router(None, default_if_missing=True)
    r.load_startup()
    assert not r.apply_config("ip access-list extended ACL-IN\n permit ip any any\n"
                              "interface Ethernet0/0\n ip access-group ACL-IN in\n ip mtu 1400\n")
    s = r.session(privileged=True, length=0)
    net = SimNet(r, seed=3)
    net.directive("ikev2 connect c1 from=172.16.1.1 psk=pre_shared_key id=fqdn:router1.domain1")
    out = s.feed("show ip interface")
    parsed = ShowIpInterface(device=Mock()).cli(output="\n".join(out))
    assert parsed["Ethernet0/0"]["inbound_access_list"] == "ACL-IN"
    assert parsed["Ethernet0/0"]["mtu"] == 1400
    assert "Virtual-Access1" in parsed
    va = s.feed("show ip interface virtual-access 1")
    assert va[1] == "  Interface is unnumbered. Using address of Ethernet0/0 (172.16.1.2)"
    assert "  Internet protocol processing disabled" in s.feed("show ip interface ethernet0/1")
    assert "% Invalid input detected at '^' marker." in s.feed("show ip interface virtual-access 9")  # as show interfaces

"""Everyday EXEC commands (issue 13 item 3) and the client's --hold / ports (item 5)."""

import asyncio

import pytest

from iosflex.router import Router


@pytest.fixture
def r(tmp_path):
    router = Router(tmp_path / "startup-config", default_if_missing=True)
    assert router.load_startup() == []
    return router


def run(s, *lines):
    out = []
    for ln in lines:
        out += s.feed(ln)
    return out


def test_history_and_privilege(r):
    s = r.session(length=0)
    assert s.run("show privilege") == ["Current privilege level is 1"]
    run(s, "enable", "show privilege")
    assert s.run("show history") == ["  show privilege", "  enable", "  show privilege", "  show history"]
    run(s, "configure terminal", "hostname R9")
    assert s.run("do show history") == ["  hostname R9", "  do show history"]


def test_crypto_config_shows_parse_with_genie(r):
    from genie.libs.parser.iosxe.show_crypto import (ShowCryptoIkev2Policy, ShowCryptoIkev2Proposal,
                                                     ShowCryptoIpsecProfile)
    from genie.libs.parser.iosxe.show_privilege import ShowPrivilege

    s = r.session(privileged=True, length=0)
    run(s, "configure terminal", "crypto ikev2 proposal P1", "encryption aes-cbc-128", "integrity sha256",
        "group 14", "crypto ikev2 policy POL", "proposal P1", "crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac",
        "mode tunnel", "crypto ipsec profile IPP", "set transform-set TS", "set ikev2-profile default", "end")
    prop = ShowCryptoIkev2Proposal(device=None).cli(output="\n".join(s.run("show crypto ikev2 proposal")))
    assert prop["proposal_name"]["P1"] == {"encryption": "AES-CBC-128", "integrity": "SHA256", "prf": "SHA256",
                                           "dh_group": ["DH_GROUP_2048_MODP/Group 14"]}
    assert prop["proposal_name"]["default"]["dh_group"][0] == "DH_GROUP_256_ECP/Group 19"
    pol = ShowCryptoIkev2Policy(device=None).cli(output="\n".join(s.run("show crypto ikev2 policy POL")))
    assert pol == {"policy_name": {"POL": {"match_fvrf": "global", "match_address_local": "any", "proposal": "P1"}}}
    prof = ShowCryptoIpsecProfile(device=None).cli(output="\n".join(s.run("show crypto ipsec profile IPP")))
    p = prof["ipsec_profile_name"]["IPP"]
    assert p["ikev2_profile_name"] == "default" and p["responder_only"] == "N" and p["psf"] == "N"
    assert p["tranform_sets"]["TS"] == {"transform_set_name": "esp-256-aes", "transform_set_method": "esp-sha256-hmac"}
    assert s.run("show crypto ipsec transform-set TS")[:2] == [
        "Transform set TS: { esp-256-aes esp-sha256-hmac  } ", "   will negotiate = { Tunnel,  }, "]
    assert ShowPrivilege(device=None).cli(output="\n".join(s.run("show privilege"))) == {"current_privilege_level": 15}
    author = s.run("show crypto ikev2 authorization policy default")
    assert author[0] == "IKEv2 Authorization policy: default"


def test_qos_shows(r):
    from genie.libs.parser.iosxe.show_class import ShowClassMap
    from genie.libs.parser.iosxe.show_policy_map import ShowPolicyMap

    s = r.session(privileged=True, length=0)
    run(s, "configure terminal", "class-map match-any VOICE", "match access-group name V",
        "policy-map POL", "class VOICE", "police 1000000 conform-action transmit exceed-action drop",
        "class class-default", "bandwidth 2000", "interface Ethernet0/1", "service-policy output POL", "end")
    out = s.run("show policy-map POL")
    assert out[:5] == ["  Policy Map POL", "    Class VOICE", "      police cir 1000000 bc 31250",
                       "        conform-action transmit ", "        exceed-action drop "]
    parsed = ShowPolicyMap(device=None).cli(output="\n".join(out))
    assert "POL" in parsed["policy_map"]
    cm = ShowClassMap(device=None).cli(output="\n".join(s.run("show class-map")))
    assert cm["class_maps"]["VOICE"]["match_criteria"] == "match-any"
    pi = s.run("show policy-map interface Ethernet0/1")
    assert pi[0] == " Ethernet0/1 " and "  Service-policy output: POL" in pi
    assert "    Class-map: VOICE (match-any)  " in pi and "      Match: access-group name V " in pi


def test_write_erase_and_reload(r, tmp_path):
    s = r.session(privileged=True, length=0)
    run(s, "configure terminal", "hostname KEEP", "end", "write memory")
    run(s, "configure terminal", "hostname LOST", "end")
    assert s.feed("reload") == [] and s.prompt == "System configuration has been modified. Save? [yes/no]: "
    assert s.feed("maybe") == ["% Please answer 'yes' or 'no'."]
    assert s.feed("no") == [] and s.prompt == "Proceed with reload? [confirm]"
    s.feed("")
    assert s.closed and s.reloaded
    assert r.config.hostname.name == "KEEP"  # the unsaved change is gone: the router runs its startup-config
    s = r.session(privileged=True, length=0)
    assert s.feed("reload") == [] and s.prompt == "Proceed with reload? [confirm]"  # nothing to save
    assert s.feed("n") == [] and not s.closed
    assert s.feed("write erase") == [] and s.prompt.endswith("Continue? [confirm]")
    assert s.feed("") == ["[OK]", "Erase of nvram: complete"]
    assert s.run("show startup-config") == ["startup-config is not present"]
    s.feed("reload")
    s.feed("")
    assert r.config.hostname.name == "Router"  # blank after the erase, not the embedded default
    s = r.session(privileged=True, length=0)
    assert s.feed("erase startup-config") == [] and s.prompt.endswith("Continue? [confirm]")


def test_reload_drops_vtys(r):
    from iosflex.remote.vty import Entry

    dropped = []
    vty = r.session(privileged=True, length=0)
    r.lines.vty[0] = Entry("vty", 0, "ssh", session=vty, disconnect=lambda: dropped.append(1))
    con = r.session(privileged=True, length=0)
    r.lines.set_console(Entry("con", 0, "console", session=con))
    vty.feed("reload")
    vty.feed("")
    assert vty.closed and con.closed and con.reloaded and dropped == []  # the typing vty closes itself
    del r.lines.vty[0]  # the connection released its line
    other = r.session(privileged=True, length=0)
    r.lines.vty[1] = Entry("vty", 1, "telnet", session=other, disconnect=lambda: dropped.append(2))
    c2 = r.session(privileged=True, length=0)
    c2.feed("reload")
    c2.feed("")
    assert dropped == [2]


def test_client_options_have_help():
    from iosflex.crypto.client import _build_parser

    assert [a.dest for a in _build_parser()._actions if not a.help] == []


def test_moved_ports_in_show_and_debug_and_hold_deletes():
    """--ike-ports 1500,14500: show and debug print 1500, not the engine's 500; the client's delete (what
    --hold does when the time is up) removes the SA from the router."""
    from iosflex import logbus
    from iosflex.crypto import driver
    from iosflex.crypto.client import _delete_all, connect, parse_identity

    async def main():
        r = Router(None, default_if_missing=True)
        r.load_startup()
        drv = await driver.start(r, ports=(15931, 15932), host_addresses=["127.0.0.1"])
        try:
            s = r.session(privileged=True, length=0)
            s.run("debug crypto ikev2")
            lines = []
            logbus.bus(r).attach("t", lines.append)
            ini = await connect("127.0.0.1", 15931, 15932, psk=b"pre_shared_key",
                                identity=parse_identity("fqdn:router1.domain1"), timeout=5)
            assert ini.established
            sa = s.run("show crypto ikev2 sa")
            assert any("127.0.0.1/15931" in ln for ln in sa), sa
            assert any("IKEv2 SA: local 127.0.0.1/15931" in ln for ln in s.run("show crypto session"))
            assert any("127.0.0.1/15931" in ln for ln in s.run("show crypto ikev2 session"))
            text = "\n".join(lines)
            assert "To 127.0.0.1:15931/" in text and "From 127.0.0.1:15931/" in text and ":500/" not in text
            assert await _delete_all([ini]) == 1
            await asyncio.sleep(0.1)
            assert not any("READY" in ln for ln in s.run("show crypto ikev2 sa"))
        finally:
            drv.close()

    asyncio.run(main())


def test_an_unbindable_dynamic_author_address_is_reported_once(caplog):
    """The router started where its interface address is not the host's (the README's first command on a
    laptop): `aaa server radius dynamic-author` cannot bind it, which is said once per address and port, not
    again after every configuration command; a new port is a new address to report."""
    from iosflex.crypto import driver

    config = ("interface Ethernet0/0\n ip address 192.0.2.77 255.255.255.0\n no shutdown\naaa new-model\n"
              "aaa server radius dynamic-author\n client 192.0.2.9 server-key k\n port 31700\n")

    async def main():
        r = Router(None)
        assert r.apply_config(config) == []
        drv = await driver.start(r, ike=False)
        try:
            s = r.session(privileged=True)
            s.run("configure terminal")
            for n in range(3):  # each command moves the configuration generation; the timer checks again
                s.run(f"hostname R{n}")
                drv.sync_dynauth()
            s.run("aaa server radius dynamic-author")
            s.run("port 31701")
            drv.sync_dynauth()
            s.run("hostname R9")
            drv.sync_dynauth()
        finally:
            drv.close()

    with caplog.at_level("WARNING", logger="iosflex.crypto.driver"):
        asyncio.run(main())
    said = [rec.getMessage().split(":")[0:2] for rec in caplog.records if "dynamic-author" in rec.getMessage()]
    assert said == [["cannot bind 192.0.2.77", "31700 for RADIUS dynamic-author"],
                    ["cannot bind 192.0.2.77", "31701 for RADIUS dynamic-author"]], said

"""Platform facts as the parsers read them: show version (model, memory, serial, register), show inventory,
show processes cpu, show memory statistics, show hosts, MACs per port, ip domain-name."""

from iosflex.router import Router, default_config_text


def _router():
    r = Router(None)
    assert r.apply_config(default_config_text()) == []
    return r


def _out(r, cmd):
    return "\n".join(r.session(privileged=True, length=0).run(cmd))


def _genie(cmd, output):
    from genie.conf.base import Device

    dev = Device("r", os="iosxe")
    dev.custom.setdefault("abstraction", {})["order"] = ["os"]
    return dev.parse(cmd, output=output)


def test_show_version_model_line_parsed():
    from ntc_templates.parse import parse_output

    r = _router()
    out = _out(r, "show version")
    v = _genie("show version", out)["version"]
    assert v["chassis"] == "IOSFLEX-EMU" and v["main_mem"] == "1048576" and v["chassis_sn"] == "IOSFLEX0001"
    assert v["curr_config_register"] == "0x2102"
    row = parse_output(platform="cisco_ios", command="show version", data=out)[0]
    assert row["hardware"] == ["IOSFLEX-EMU"] and row["serial"] == ["IOSFLEX0001"]
    assert row["config_register"] == "0x2102"


def test_inventory_cpu_memory_parsed():
    from ntc_templates.parse import parse_output

    r = _router()
    inv = parse_output(platform="cisco_ios", command="show inventory", data=_out(r, "show inventory"))
    assert inv[0]["pid"] == "IOSFLEX-EMU" and inv[0]["sn"] == "IOSFLEX0001"
    cpu = parse_output(platform="cisco_ios", command="show processes cpu",
                       data=_out(r, "show processes cpu sorted"))
    assert cpu[0]["process_name"] == "iosflex" and 0 <= int(cpu[0]["cpu_usage_1_min"]) <= 100
    mem = _genie("show memory statistics", _out(r, "show memory statistics"))
    assert mem["name"]["processor"]["total"] == 1073741824


def test_hosts_domain_name_alias_and_macs():
    r = _router()
    s = r.session(privileged=True, length=0)
    for line in ("configure terminal", "ip domain-name example.com", "ip name-server 192.0.2.53", "end"):
        assert s.run(line) == [] or line == "configure terminal"
    assert "ip domain name example.com" in r.running_config_text()
    out = _out(r, "show hosts")
    assert out.startswith("Default domain is example.com") and "Name servers are 192.0.2.53" in out
    macs = [ln.split("address is ")[1].split()[0] for ln in _out(r, "show interfaces").split("\n")
            if "Hardware is" in ln and "address is" in ln]
    assert len(macs) == 4 and len(set(macs)) == 4 and macs[0] == "aabb.cc00.0100"
    assert _out(r, "show cdp neighbors") == "% CDP is not enabled"


def test_no_ip_address_of_a_replaced_address_keeps_the_new_one():
    """What Ansible's l3_interfaces `replaced` sends: the new primary, then `no ip address OLD`."""
    r = _router()
    s = r.session(privileged=True, length=0)
    for line in ("configure terminal", "interface Loopback30", "ip address 10.30.30.1 255.255.255.255",
                 "ip address 10.30.30.2 255.255.255.255", "no ip address 10.30.30.1 255.255.255.255"):
        s.run(line)
    assert " ip address 10.30.30.2 255.255.255.255" in r.running_config_text()
    s.run("no ip address 10.30.30.2 255.255.255.255")
    assert "interface Loopback30\n no ip address" in r.running_config_text()

"""Access lists on virtual-access traffic (interfaces/filter.py): IOS's first-match semantics with the implicit
deny, standard and extended lists built by the grammar, ports, established; and the TUN data plane dropping
what a session's access group denies, both directions."""

from __future__ import annotations

import os
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from iosflex.interfaces import tun as T
from iosflex.interfaces.filter import Filter
from iosflex.router import Router

ACLS = """
ip access-list standard STD
 deny 10.1.1.0 0.0.0.255
 permit any
ip access-list extended EXT
 remark web only to one host
 permit tcp any host 10.0.0.1 eq www
 permit tcp any host 10.0.0.1 range 8000 8080
 permit tcp host 10.9.9.9 eq 22 any established
 deny icmp any any
 permit udp 10.10.0.0 0.0.255.255 any gt 1023
"""


def acls():
    r = Router(None)
    assert not r.apply_config(ACLS)
    return r.config.ip_access_list.lists


def ip(src, dst, proto, payload=b""):
    return T.ipv4_header(src, dst, proto, len(payload)) + payload


def tcp(src, dst, sport, dport, flags=0x02):
    return ip(src, dst, 6, struct.pack("!HHIIBBHHH", sport, dport, 0, 0, 0x50, flags, 1024, 0, 0))


def udp(src, dst, sport, dport):
    return ip(src, dst, 17, struct.pack("!HHHH", sport, dport, 8, 0))


def test_standard_list_source_only_and_implicit_deny():
    f, lists = Filter(), acls()
    assert not f.permits(lists["STD"], udp("10.1.1.7", "1.2.3.4", 1, 2))
    assert f.permits(lists["STD"], udp("10.1.2.7", "1.2.3.4", 1, 2))


def test_extended_first_match_ports_established_and_implicit_deny():
    f, ext = Filter(), acls()["EXT"]
    assert f.permits(ext, tcp("10.10.10.1", "10.0.0.1", 40000, 80))
    assert not f.permits(ext, tcp("10.10.10.1", "10.0.0.2", 40000, 80))  # another host: implicit deny
    assert f.permits(ext, tcp("10.10.10.1", "10.0.0.1", 40000, 8080))
    assert not f.permits(ext, tcp("10.10.10.1", "10.0.0.1", 40000, 8081))
    assert not f.permits(ext, tcp("10.9.9.9", "10.10.10.1", 22, 40000, flags=0x02))  # SYN: not established
    assert f.permits(ext, tcp("10.9.9.9", "10.10.10.1", 22, 40000, flags=0x10))  # ACK
    assert not f.permits(ext, ip("10.10.10.1", "10.0.0.1", 1, b"\x08\x00" + bytes(6)))  # deny icmp
    assert f.permits(ext, udp("10.10.3.4", "8.8.8.8", 53, 5000))  # `gt 1023` after `any`: the destination port
    assert not f.permits(ext, udp("10.10.3.4", "8.8.8.8", 5000, 1023))
    assert not f.permits(ext, udp("10.11.3.4", "8.8.8.8", 53, 5000))
    assert not f.permits(ext, b"\x45\x00")  # truncated: nothing to match, dropped


def test_edited_list_takes_effect_on_the_next_packet():
    r = Router(None)
    assert not r.apply_config("ip access-list extended E\n deny icmp any any\n permit ip any any\n")
    f, acl = Filter(), r.config.ip_access_list.lists["E"]
    ping = ip("10.10.10.1", "10.0.0.1", 1, b"\x08\x00" + bytes(6))
    assert not f.permits(acl, ping, r.config.generation)
    assert not r.apply_config("ip access-list extended E\n no deny icmp any any\n")
    assert f.permits(acl, ping, r.config.generation)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_any_bytes_decided_never_raise(data):
    f, lists = Filter(), acls()
    for acl in lists.values():
        assert f.permits(acl, data) in (True, False)


def test_data_plane_drops_what_the_access_group_denies_both_ways():
    from test_dataplane import _Responder, _child  # noqa: PLC0415  the pipe-backed data plane of that file

    from iosflex.crypto.state import IkeSaState  # noqa: PLC0415
    from iosflex.simnet import SimNet  # noqa: PLC0415

    r = Router(None, default_if_missing=True)
    r.load_startup()
    assert not r.apply_config("ip access-list extended NOPING\n deny icmp any any\n permit ip any any\n"
                              "interface Virtual-Template1 type tunnel\n ip access-group NOPING in\n"
                              " ip access-group NOPING out\n")
    net = SimNet(r, seed=3)
    net.directive("ikev2 connect c1 from=172.16.1.1 psk=pre_shared_key id=fqdn:router1.domain1")
    va = r.vaccess.get(1)
    assert va is not None and va.iface.access_group_in == "NOPING"
    resp = _Responder()
    dp = T.TunDataplane(r, resp, [].extend)
    st_ = IkeSaState(tunnel_id=1, session_id=1, spi_i=b"i" * 8, spi_r=b"r" * 8, local=("172.16.1.2", 4500),
                     remote=("172.16.1.1", 4500), pushed_ip="10.10.10.1", virtual_access="Virtual-Access1")
    rd, wr = os.pipe()
    os.set_blocking(rd, False)
    dp.sessions[1] = T.TunSession(st_, "vi1", wr, va)
    try:
        ch, peer = _child(resp, st_)
        ping = ip("10.10.10.1", "10.0.0.1", 1, b"\x08\x00" + bytes(6))
        web = tcp("10.10.10.1", "10.0.0.1", 40000, 80)
        dp.esp_in(peer.encrypt(ping, 4))
        dp.esp_in(peer.encrypt(web, 4))
        assert os.read(rd, 2000) == web  # the ping was dropped before the device
        assert dp.encapsulate(st_, ip("10.0.0.1", "10.10.10.1", 1, b"\x00\x00" + bytes(6))) == []
        assert len(dp.encapsulate(st_, tcp("10.0.0.1", "10.10.10.1", 80, 40000))) == 1
        assert dp.acl_denied == {"in": 1, "out": 1}
        assert (va.in_packets, va.out_packets) == (1, 1)
    finally:
        os.close(rd)
        os.close(wr)

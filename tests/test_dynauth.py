"""The dynamic-author server's checks (radius/dynauth.py, docs/AAA.md "Dynamic authorization"), in-process on
the simulated network (simnet.py's `;;@radius disconnect|coa` path and raw datagrams to `Services.receive`):
unknown clients, wrong secrets and authenticators, retransmissions answered from the cache and never applied
twice, Event-Timestamp outside the window, garbage, `ignore` / `auth-type`, a CoA applied all or nothing, and
`show ip interface` showing the per-session ACLs a CoA attached."""

from __future__ import annotations

import hashlib
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iosflex.events import Datagram, Log
from iosflex.radius import dynauth as D
from iosflex.radius.packet import (COA_ACK, COA_NAK, COA_REQUEST, DISCONNECT_ACK, DISCONNECT_REQUEST, decode,
                                   encode_request)
from iosflex.router import Router, default_config_text
from iosflex.simnet import SimNet

DAC = ("172.16.1.3", 1700)
KEY = "radius_key"


def setup(extra: str = "", sessions: int = 1):
    r = Router(None)
    assert r.apply_config(default_config_text()) == []
    if extra:
        assert r.apply_config(extra) == []
    net = SimNet(r, seed=5)
    net.services.crypto.raise_errors = True
    for k in range(1, sessions + 1):
        net.directive(f"ikev2 connect p{k} from=172.16.1.{10 + k} psk=pre_shared_key id=fqdn:p{k}.domain1")
    return r, net


def audit(r, n: int = 0) -> str:
    return list(r.sessions.by_audit)[n]


def stats(net) -> D.ClientStats:
    return net.services.dynauth.stats.client(DAC[0])


def dst(r, net):
    return (net._router_address(), r.config.aaa_dynamic_author.port)


def raw(r, net, data: bytes, src=DAC) -> list:
    """A datagram straight to the router; what it sends back."""
    return net.services.receive(data, src, dst(r, net), net.now)


def request(code: int, attrs, ident: int = 7, key: str = KEY) -> bytes:
    return encode_request(code, ident, key.encode(), attrs)


def cli(r, line: str) -> list[str]:
    return r.session(privileged=True, width=80, length=0).run(line)


def derived(r, n: int = 1) -> list[str]:
    out = cli(r, f"show derived-config interface virtual-access {n}")
    return out[out.index(f"interface Virtual-Access{n}"):]


# ---- who may ask ------------------------------------------------------------------------------------------

def test_a_source_that_is_not_a_client_is_dropped_and_counted():
    r, net = setup()
    net.directive(f"radius disconnect from=172.16.1.99:1700 key={KEY} Cisco-AVPair=audit-session-id={audit(r)}")
    assert net.dac_replies == []
    assert net.services.dynauth.stats.unknown_client == 1
    assert "172.16.1.99" not in net.services.dynauth.stats.clients
    assert r.sessions.by_audit  # the session is still there


def test_wrong_secret_is_dropped_and_counted():
    r, net = setup()
    net.directive(f"radius disconnect key=wrong_key Cisco-AVPair=audit-session-id={audit(r)}")
    net.directive(f"radius coa key=wrong_key Cisco-AVPair=audit-session-id={audit(r)}")
    assert net.dac_replies == []
    s = stats(net)
    assert s.bad_authenticator == 2
    assert s.disconnect_requests == s.coa_requests == 0
    assert len(r.sessions.by_audit) == 1


def test_a_changed_octet_breaks_the_authenticator():
    r, net = setup()
    data = bytearray(request(DISCONNECT_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}")]))
    data[-1] ^= 1  # the last octet of the AV pair
    assert raw(r, net, bytes(data)) == []
    assert stats(net).bad_authenticator == 1
    assert len(r.sessions.by_audit) == 1


def test_a_wrong_message_authenticator_is_dropped_even_with_a_good_request_authenticator():
    r, net = setup()
    # Message-Authenticator made with another secret; the Request Authenticator then made with the right one
    # (a CoA-/Disconnect-Request's Message-Authenticator is computed with a zero authenticator, RFC 5176 §3.4)
    bad = bytearray(request(DISCONNECT_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}"),
                                                 ("Message-Authenticator", b"")], key="other"))
    bad[4:20] = hashlib.md5(bytes(bad[:4]) + bytes(16) + bytes(bad[20:]) + KEY.encode()).digest()
    assert raw(r, net, bytes(bad)) == []
    assert stats(net).bad_authenticator == 1
    good = request(DISCONNECT_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}"),
                                        ("Message-Authenticator", b"")])
    out = raw(r, net, good)
    assert [d.data[0] for d in out if d.dst == DAC] == [DISCONNECT_ACK]


def test_a_client_without_a_key_and_no_server_key_is_counted():
    r, net = setup("aaa server radius dynamic-author\n client 172.16.1.4\n")
    net.directive(f"radius coa from=172.16.1.4:1700 key={KEY} Cisco-AVPair=audit-session-id={audit(r)}")
    assert net.dac_replies == []
    assert net.services.dynauth.stats.client("172.16.1.4").no_key == 1


def test_server_key_serves_a_client_without_its_own():
    r, net = setup("aaa server radius dynamic-author\n client 172.16.1.4\n server-key other_key\n")
    net.directive(f"radius coa from=172.16.1.4:1700 key=other_key Cisco-AVPair=audit-session-id={audit(r)}")
    assert [d.data[0] for d in net.dac_replies] == [COA_ACK]


def test_ignore_server_key_accepts_any_secret_and_signs_the_reply_with_the_configured_one():
    r, net = setup("aaa server radius dynamic-author\n ignore server-key\n")
    data = request(COA_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}")], key="anything")
    out = [d for d in raw(r, net, data) if d.dst == DAC]
    assert [d.data[0] for d in out] == [COA_ACK]
    reply = out[0].data
    expect = hashlib.md5(reply[:4] + data[4:20] + reply[20:] + KEY.encode()).digest()
    assert reply[4:20] == expect
    assert stats(net).bad_authenticator == 0


# ---- retransmissions --------------------------------------------------------------------------------------

def test_a_retransmitted_coa_is_answered_from_the_cache_and_applied_once():
    r, net = setup()
    cli(r, "debug vtemplate cloning")
    attrs = [("Cisco-AVPair", "ip:inacl#1=permit 1.1.1.1"), ("Cisco-AVPair", f"audit-session-id={audit(r)}")]
    data = request(COA_REQUEST, attrs, ident=9)
    first = raw(r, net, data)
    again = raw(r, net, data)
    replies = [d for d in first + again if d.dst == DAC]
    assert [d.data[0] for d in replies] == [COA_ACK, COA_ACK]
    assert replies[0].data == replies[1].data  # byte for byte
    assert not any(isinstance(e, Log) for e in again)  # no second clone
    assert net.services.dynauth._acl_sets == 1
    assert r.vaccess.get(1).iface.access_group_in == "Virtual-Access1#101"
    s = stats(net)
    assert (s.coa_requests, s.coa_acks, s.duplicates) == (1, 1, 1)


def test_a_retransmitted_service_policy_coa_is_applied_once():
    r, net = setup("policy-map P1\n class class-default\npolicy-map P2\n class class-default\n")
    seen = []
    orig = r.vaccess.reclone
    r.vaccess.reclone = lambda *a, **k: seen.append(a) or orig(*a, **k)
    data = request(COA_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}"),
                                 ("Cisco-AVPair", "ip:interface-config=service-policy input P2")])
    for _ in range(3):
        raw(r, net, data)
    assert len(seen) == 1
    assert " service-policy input P2" in derived(r)
    assert stats(net).duplicates == 2


def test_a_retransmitted_disconnect_gets_the_same_ack_not_a_nak():
    r, net = setup()
    data = request(DISCONNECT_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}")], ident=3)
    first = [d for d in raw(r, net, data) if d.dst == DAC]
    assert not r.sessions.by_audit
    again = raw(r, net, data)
    assert [d.data[0] for d in first] == [DISCONNECT_ACK]
    assert [d.data for d in again] == [first[0].data]
    s = stats(net)
    assert (s.disconnect_requests, s.disconnect_acks, s.disconnect_naks, s.duplicates, s.duplicates_dropped) == \
        (1, 1, 0, 1, 0)


def test_same_identifier_new_authenticator_is_a_new_request():
    r, net = setup("policy-map P1\n class class-default\n")
    a = request(COA_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}")], ident=4)
    b = request(COA_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}"),
                              ("Cisco-AVPair", "ip:interface-config=service-policy input P1")], ident=4)
    raw(r, net, a)
    raw(r, net, b)
    assert stats(net).duplicates == 0 and stats(net).coa_acks == 2
    assert " service-policy input P1" in derived(r)


def test_the_cache_lasts_the_timestamp_window():
    """RFC 5176 §6.3: the duplicate-detection window is the Event-Timestamp window."""
    assert D.CACHE_TTL == D.WINDOW == 300.0
    r, net = setup()
    data = request(DISCONNECT_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}")], ident=3)
    first = [d.data for d in raw(r, net, data) if d.dst == DAC]
    net.now += 299
    assert [d.data for d in raw(r, net, data)] == first
    net.now += 2
    (late,) = [d.data for d in raw(r, net, data)]
    assert late[0] == 42  # Disconnect-NAK: no session any more, a new request after the window


def test_ignore_retransmission_drops_the_copy():
    r, net = setup("aaa server radius dynamic-author\n ignore retransmission\n")
    data = request(DISCONNECT_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}")], ident=3)
    assert [d.data[0] for d in raw(r, net, data) if d.dst == DAC] == [DISCONNECT_ACK]
    assert raw(r, net, data) == []
    assert stats(net).duplicates == stats(net).duplicates_dropped == 1
    assert D.dropped(stats(net)) == 1


# ---- Event-Timestamp (RFC 5176 §6.3: outside the window, silently discarded; no Error-Cause) -------------

def test_event_timestamp_within_the_window_is_accepted():
    r, net = setup()
    net.directive(f"radius coa key={KEY} timestamp=-299 Cisco-AVPair=audit-session-id={audit(r)}")
    net.directive(f"radius coa key={KEY} timestamp=+299 Cisco-AVPair=audit-session-id={audit(r)}")
    net.directive(f"radius coa key={KEY} timestamp Cisco-AVPair=audit-session-id={audit(r)}")
    assert [d.data[0] for d in net.dac_replies] == [COA_ACK] * 3
    assert stats(net).stale == 0


def test_event_timestamp_outside_the_window_is_dropped_without_an_answer():
    r, net = setup()
    net.directive(f"radius coa key={KEY} timestamp=-302 Cisco-AVPair=audit-session-id={audit(r)}")
    net.directive(f"radius disconnect key={KEY} timestamp=+302 Cisco-AVPair=audit-session-id={audit(r)}")
    assert net.dac_replies == []
    s = stats(net)
    assert s.stale == 2 and s.coa_requests == s.disconnect_requests == 0
    assert len(r.sessions.by_audit) == 1


def test_event_timestamp_is_not_required():
    """IOS has no setting that requires it (`auth-type all` is about session identifiers, not timestamps)."""
    r, net = setup("aaa server radius dynamic-author\n auth-type all\n")
    net.directive(f"radius coa key={KEY} Cisco-AVPair=audit-session-id={audit(r)}")
    assert [d.data[0] for d in net.dac_replies] == [COA_ACK]


def test_an_event_timestamp_of_the_wrong_size_is_malformed():
    r, net = setup()
    data = request(COA_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}"), (55, b"\x01\x02")])
    assert raw(r, net, data) == []
    assert stats(net).malformed == 1


# ---- auth-type -------------------------------------------------------------------------------------------

def test_auth_type_all_needs_every_identifier_to_match():
    r, net = setup()
    net.directive(f"radius coa key={KEY} User-Name=nobody Cisco-AVPair=audit-session-id={audit(r)}")
    net.directive(f"radius coa key={KEY} Calling-Station-Id=172.16.1.11 Cisco-AVPair=audit-session-id={audit(r)}")
    codes = [(d.data[0], decode(d.data).get("Error-Cause")) for d in net.dac_replies]
    assert codes == [(COA_NAK, 404), (COA_ACK, None)]


def test_auth_type_any_lets_the_audit_session_id_decide():
    r, net = setup("aaa server radius dynamic-author\n auth-type any\n")
    net.directive(f"radius coa key={KEY} User-Name=nobody Cisco-AVPair=audit-session-id={audit(r)}")
    assert [d.data[0] for d in net.dac_replies] == [COA_ACK]


def _answers(net) -> list[tuple[int, int | None]]:
    return [(d.data[0], decode(d.data).get("Error-Cause")) for d in net.dac_replies]


def _auth(extra: str) -> str:
    return f"aaa server radius dynamic-author\n {extra}\n" if extra else ""


def test_the_session_key_is_required_unless_auth_type_any():
    """A CoA naming session 1 by its peer address only: `all` (the default) and `session-key` want the session
    key (audit-session-id), `any` does not."""
    for setting, answer in (("", (COA_NAK, 404)), ("auth-type all", (COA_NAK, 404)),
                            ("auth-type session-key", (COA_NAK, 404)), ("auth-type any", (COA_ACK, None))):
        r, net = setup(_auth(setting))
        net.directive(f"radius coa key={KEY} Calling-Station-Id=172.16.1.11")
        assert _answers(net) == [answer], setting


def test_auth_type_session_key_lets_the_session_key_decide_alone():
    """A wrong User-Name beside the right session key: NAK under `all`, ACK under `session-key`."""
    for setting, answer in (("", (COA_NAK, 404)), ("auth-type session-key", (COA_ACK, None))):
        r, net = setup(_auth(setting))
        net.directive(f"radius coa key={KEY} User-Name=nobody Cisco-AVPair=audit-session-id={audit(r)}")
        assert _answers(net) == [answer], setting


def test_auth_type_any_needs_the_identifiers_to_name_one_session():
    r, net = setup(_auth("auth-type any"), sessions=2)
    net.directive(f"radius coa key={KEY} Framed-IP-Address=10.10.10.2")  # session 2's pushed address
    # session 1's accounting id; then session 1's peer and session 2's accounting id (the simulated client
    # would send an all-digit value as an integer: these go raw)
    for attrs in ([(44, b"00000001")], [("Calling-Station-Id", "172.16.1.11"), (44, b"00000002")]):
        net.deliver(raw(r, net, request(COA_REQUEST, attrs, ident=len(net.dac_replies))))
    net.directive(f"radius coa key={KEY} User-Name=nobody Calling-Station-Id=172.16.1.99")  # none
    net.directive(f"radius coa key={KEY} NAS-Identifier=router")  # no identifier at all
    assert _answers(net) == [(COA_ACK, None), (COA_ACK, None), (COA_NAK, D.MULTIPLE_SESSIONS),
                             (COA_NAK, 404), (COA_NAK, 404)]
    assert decode(net.dac_replies[2].data).get("Reply-Message") is None
    assert decode(net.dac_replies[3].data).get("Reply-Message") == D.NO_MATCHING_SESSION


def test_a_disconnect_naming_two_sessions_removes_none():
    r, net = setup(_auth("auth-type any"), sessions=2)
    net.directive(f"radius disconnect key={KEY} Calling-Station-Id=172.16.1.11 "
                  f"Cisco-AVPair=audit-session-id={audit(r, 1)}")
    assert _answers(net) == [(D.DISCONNECT_NAK, D.MULTIPLE_SESSIONS)]
    assert len(r.sessions.active()) == 2
    net.directive(f"radius disconnect key={KEY} Calling-Station-Id=172.16.1.11")
    assert _answers(net)[-1] == (DISCONNECT_ACK, None)
    assert [s.session_id for s in r.sessions.active()] == [2]


def test_ignore_session_key_matches_a_request_without_one_on_its_other_identifiers():
    for setting in ("", "auth-type session-key"):
        r, net = setup(_auth(setting + "\n ignore session-key"), sessions=2)
        net.directive(f"radius coa key={KEY} Calling-Station-Id=172.16.1.12 User-Name=p2.domain1")
        net.directive(f"radius coa key={KEY} Calling-Station-Id=172.16.1.12 User-Name=p1.domain1")  # not all
        net.directive(f"radius coa key={KEY} Framed-IP-Address=10.10.10.2")
        net.directive(f"radius coa key={KEY} User-Name=nobody Cisco-AVPair=audit-session-id={audit(r)}")
        expect_last = (COA_ACK, None) if setting else (COA_NAK, 404)  # a key present: auth-type as usual
        assert _answers(net) == [(COA_ACK, None), (COA_NAK, 404), (COA_ACK, None), expect_last], setting


def test_framed_ip_address_must_be_the_pushed_address_under_auth_type_all():
    r, net = setup()
    net.directive(f"radius coa key={KEY} Framed-IP-Address=10.10.10.9 Cisco-AVPair=audit-session-id={audit(r)}")
    net.directive(f"radius coa key={KEY} Framed-IP-Address=10.10.10.1 Cisco-AVPair=audit-session-id={audit(r)}")
    assert _answers(net) == [(COA_NAK, 404), (COA_ACK, None)]


def test_no_setting_requires_an_event_timestamp():
    """RFC 5176 §6.3 leaves it to configuration; IOS has no setting for it, none is invented."""
    for setting in ("auth-type all", "auth-type any", "auth-type session-key", "ignore session-key",
                    "ignore server-key"):
        r, net = setup(_auth(setting))
        net.directive(f"radius coa key={KEY} Cisco-AVPair=audit-session-id={audit(r)}")
        assert _answers(net) == [(COA_ACK, None)], setting


# ---- show aaa clients ---------------------------------------------------------------------------------------

def test_show_aaa_clients_counts_what_the_server_did():
    r, net = setup()
    key = audit(r)
    net.directive(f"radius coa key={KEY} Cisco-AVPair=audit-session-id={key}")
    net.directive(f"radius coa key={KEY} Cisco-AVPair=audit-session-id=nothing")
    net.directive(f"radius disconnect key={KEY} Cisco-AVPair=audit-session-id={key}")
    net.directive(f"radius disconnect key=wrong Cisco-AVPair=audit-session-id={key}")
    net.directive(f"radius disconnect from=172.16.1.99:1700 key={KEY} Cisco-AVPair=audit-session-id=x")
    out = cli(r, "show aaa clients")
    assert out == ["Dropped request packets from unknown clients: 1",
                   "Client: 172.16.1.3, port 1700",
                   "   Disconnect: requests: 1, Ack responses: 1, Nak responses: 0",
                   "   CoA: requests: 2, Ack responses: 1, Nak responses: 1",
                   "   Dropped request packets: 1"]
    detailed = cli(r, "show aaa clients detailed")
    assert detailed[:5] == out
    assert "      Bad authenticators: 1" in detailed


def test_show_aaa_clients_detailed_reaches_every_counter():
    """Every counter the server keeps, each set to its own value, appears in the output."""
    from dataclasses import fields

    from iosflex.config.aaa import AaaDynamicAuthor, DAClient
    from iosflex.radius.show import show_aaa_clients

    da = AaaDynamicAuthor(enabled=True, clients={("10.0.0.1", None): DAClient("10.0.0.1")})
    stats = D.DynAuthStats(unknown_client=999)
    cs = stats.client("10.0.0.1")
    names = [f.name for f in fields(D.ClientStats)]
    for k, name in enumerate(names):
        setattr(cs, name, 1000 + 100 * k)
    cs.duplicates = cs.duplicates_dropped + 50  # of which 50 answered from the cache
    ends = [line.rsplit(": ", 1)[-1] for line in show_aaa_clients(stats, da, detailed=True)]
    text = "\n".join(show_aaa_clients(stats, da, detailed=True))
    for name in names:
        value = 50 if name == "duplicates" else getattr(cs, name)
        assert str(value) in ends or f": {value}," in text, name
    assert "999" in ends
    assert f"Dropped request packets: {sum(getattr(cs, n) for n in D.DROP_REASONS)}" in text


def test_show_aaa_clients_prints_nothing_without_dynamic_author():
    r = Router(None)
    assert cli(r, "show aaa clients") == []
    assert cli(r, "show aaa clients detailed") == []


# ---- a CoA is all or nothing ------------------------------------------------------------------------------

QOS = "policy-map P1\n class class-default\npolicy-map P2\n class class-default\n"


def _nak(net):
    p = decode(net.dac_replies[-1].data)
    return p.code, p.get("Error-Cause")


def test_a_bad_acl_entry_applies_nothing_of_the_request():
    r, net = setup(QOS)
    before = derived(r)
    net.directive(f'radius coa key={KEY} Cisco-AVPair=audit-session-id={audit(r)} '
                  f'"Cisco-AVPair=ip:interface-config=service-policy input P2" '
                  f'"Cisco-AVPair=ip:inacl#1=permit 1.1.1.1" "Cisco-AVPair=ip:outacl#1=permit bogus"')
    assert _nak(net) == (COA_NAK, 407)
    assert derived(r) == before
    va = r.vaccess.get(1)
    assert va.acls is None and va.iface.access_group_in is None
    assert net.services.dynauth._acl_sets == 0
    assert "Virtual-Access1#" not in "\n".join(cli(r, "show ip access-lists"))


def test_a_bad_interface_config_line_applies_nothing():
    r, net = setup(QOS)
    before = derived(r)
    net.directive(f'radius coa key={KEY} Cisco-AVPair=audit-session-id={audit(r)} '
                  f'"Cisco-AVPair=ip:inacl#1=permit 1.1.1.1" '
                  f'"Cisco-AVPair=ip:interface-config=service-policy input P2" '
                  f'"Cisco-AVPair=ip:interface-config=service-policy output Nope"')
    assert _nak(net) == (COA_NAK, 407)
    assert derived(r) == before
    assert r.vaccess.get(1).acls is None


def test_an_unknown_attribute_applies_nothing():
    r, net = setup(QOS)
    before = derived(r)
    net.directive(f'radius coa key={KEY} Cisco-AVPair=audit-session-id={audit(r)} '
                  f'"Cisco-AVPair=ip:interface-config=service-policy input P2" "Cisco-AVPair=ip:no-such-thing=1"')
    assert _nak(net) == (COA_NAK, 401)
    data = request(COA_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}"),
                                 ("Cisco-AVPair", "ip:interface-config=service-policy input P2"),
                                 (77, b"x")])  # Connect-Info: not an identifier nor an action
    out = [d for d in raw(r, net, data) if d.dst == DAC]
    assert decode(out[0].data).get("Error-Cause") == 401
    assert derived(r) == before
    assert stats(net).coa_naks == 2 and stats(net).coa_acks == 0


# ---- show ip interface shows the per-session ACLs ---------------------------------------------------------

def test_show_ip_interface_shows_the_coa_acls():
    r, net = setup()
    net.directive(f'radius coa key={KEY} "Cisco-AVPair=ip:inacl#3=permit 1.1.1.1" '
                  f'"Cisco-AVPair=ip:outacl#4=permit 1.1.1.3" Cisco-AVPair=ip:audit-session-id={audit(r)}')
    # the chapter's `show ip interface virtual-access 1 | include access`: these two lines and no others
    assert cli(r, "show ip interface virtual-access 1 | include access") == [
        "  Outgoing access list is Virtual-Access1#102, default is not set",
        "  Inbound  access list is Virtual-Access1#101, default is not set"]
    # a later CoA replaces the inbound one; the outbound one stays
    net.directive(f'radius coa key={KEY} "Cisco-AVPair=ip:inacl#1=deny 10.0.0.0 0.255.255.255" '
                  f'Cisco-AVPair=ip:audit-session-id={audit(r)}')
    out = cli(r, "show ip interface virtual-access 1")
    assert "  Inbound  access list is Virtual-Access1#201, default is not set" in out
    assert "  Outgoing access list is Virtual-Access1#102, default is not set" in out
    assert "  Inbound  access list is Virtual-Access1#201, default is not set" in cli(r, "show ip interface")


def test_show_ip_interface_names_the_templates_list_as_the_default():
    """The template's own `ip access-group` is what a per-session list replaces: shown as its default, and as
    the list itself while no CoA has replaced it."""
    r, net = setup("ip access-list standard VT-IN\n permit any\ninterface Virtual-Template1\n"
                   " ip access-group VT-IN in\n")
    assert cli(r, "show ip interface virtual-access 1 | include access") == [
        "  Outgoing access list is not set", "  Inbound  access list is VT-IN"]
    net.directive(f'radius coa key={KEY} "Cisco-AVPair=ip:inacl#1=deny 10.0.0.0 0.255.255.255" '
                  f'Cisco-AVPair=ip:audit-session-id={audit(r)}')
    assert cli(r, "show ip interface virtual-access 1 | include access") == [
        "  Outgoing access list is not set", "  Inbound  access list is Virtual-Access1#101, default is VT-IN"]


# ---- garbage ----------------------------------------------------------------------------------------------

def test_a_non_ascii_digit_tag_is_not_an_error():
    r, net = setup()
    data = request(COA_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}"),
                                 ("Cisco-AVPair", "ip:inacl#\u00b2=permit 1.1.1.1")])
    assert [d.data[0] for d in raw(r, net, data) if d.dst == DAC] == [COA_ACK]


def test_truncated_and_unknown_codes_are_counted():
    r, net = setup()
    good = request(COA_REQUEST, [("Cisco-AVPair", f"audit-session-id={audit(r)}")])
    assert raw(r, net, good[:19]) == []
    assert raw(r, net, b"") == []
    assert raw(r, net, bytes([1]) + good[1:]) == []  # an Access-Request to the dynamic-author port
    s = stats(net)
    assert (s.malformed, s.unknown_type) == (2, 1)
    short = bytearray(good)
    short[2:4] = struct.pack("!H", len(good) + 10)  # Length past the datagram: RFC 2865 §3, dropped
    short[4:20] = hashlib.md5(bytes(short[:4]) + bytes(16) + bytes(short[20:]) + KEY.encode()).digest()
    assert raw(r, net, bytes(short)) == []
    assert s.malformed == 3


_NET = None


def _shared():
    """One router and session for every example (set up once: a session costs a key exchange)."""
    global _NET  # noqa: PLW0603
    if _NET is None:
        _NET = setup(QOS + "aaa server radius dynamic-author\n client 172.16.1.5 server-key k5\n")
    return _NET


def _signed(code: int, ident: int, body: bytes, key: bytes, length: int | None = None) -> bytes:
    hdr = struct.pack("!BBH", code, ident, length if length is not None else 20 + len(body))
    return hdr + hashlib.md5(hdr + bytes(16) + body + key).digest() + body


_avnames = st.sampled_from(["audit-session-id", "ip:inacl#1", "ip:outacl#²", "ip:inacl#", "interface-config",
                            "ip:interface-config", "sub-policy-In", "sub-qos-policy-out", "ip:inacl#99999999999",
                            "x", "", "ip:", ":"])
_avvalues = st.one_of(st.sampled_from(["permit 1.1.1.1", "deny any", "service-policy input P1", "P2",
                                       "permit", "", "ip access-group 1 in", "shutdown", "\x00", "#", "="]),
                      st.text(max_size=40))


@st.composite
def _cisco_vsa(draw):
    text = f"{draw(_avnames)}={draw(_avvalues)}".encode("utf-8", "surrogatepass")[:240]
    sub = bytes([1, len(text) + 2]) + text
    if draw(st.booleans()):
        return bytes([26, len(sub) + 6]) + struct.pack("!I", 9) + sub
    return bytes([26, 6 + len(sub)]) + struct.pack("!I", draw(st.integers(0, 2**32 - 1))) + sub[:draw(
        st.integers(0, len(sub)))]


_attr = st.one_of(
    _cisco_vsa(),
    st.builds(lambda t, v: bytes([t, len(v) + 2]) + v, st.integers(0, 255), st.binary(max_size=30)),
    st.binary(max_size=12),  # anything, lengths included
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=st.sampled_from([DISCONNECT_REQUEST, COA_REQUEST, 1, 4, 0, 255]), ident=st.integers(0, 255),
       attrs=st.lists(_attr, max_size=6), with_audit=st.booleans(), length=st.one_of(st.none(), st.integers(0, 5000)),
       src=st.sampled_from([DAC, ("172.16.1.5", 3799), ("10.9.9.9", 1700)]), sign=st.booleans())
def test_garbage_never_raises(code, ident, attrs, with_audit, length, src, sign):
    r, net = _shared()
    body = b"".join(attrs)
    if with_audit and r.sessions.by_audit:
        text = f"audit-session-id={audit(r)}".encode()
        sub = bytes([1, len(text) + 2]) + text
        body = bytes([26, len(sub) + 6]) + struct.pack("!I", 9) + sub + body
    key = (b"k5" if src[0] == "172.16.1.5" else KEY.encode()) if sign else b"nope"
    data = _signed(code, ident, body, key, length)
    da = net.services.dynauth
    before = (da.stats.unknown_client, sum(sum(vars(c).values()) for c in da.stats.clients.values()))
    out = net.services.receive(data, src, dst(r, net), net.now)  # raise_errors: nothing is swallowed
    after = (da.stats.unknown_client, sum(sum(vars(c).values()) for c in da.stats.clients.values()))
    assert after != before  # every datagram is counted somewhere
    for d in out:
        assert isinstance(d, Datagram)
        if d.dst == src:
            assert d.data[0] in (COA_ACK, COA_NAK, DISCONNECT_ACK, 42)
    _reconnect(r, net)


def _reconnect(r, net):
    if not r.sessions.by_audit:  # a Disconnect got through: a new session for the next examples
        _reconnect.n = getattr(_reconnect, "n", 0) + 1
        net.peers.clear()  # (every session is gone; a peer keeps its address's datagrams)
        net.directive(f"ikev2 connect q{_reconnect.n} from=172.16.2.{_reconnect.n % 250 + 1} psk=pre_shared_key "
                      f"id=fqdn:q.domain1")


_identifier = st.builds(lambda t, v: bytes([t, len(v) + 2]) + v, st.sampled_from([1, 8, 31, 44, 55, 32, 4, 33]),
                        st.one_of(st.binary(max_size=6), st.sampled_from([b"172.16.1.11", b"\xac\x10\x01\x0b",
                                                                          b"p1.domain1", b"00000001"])))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(code=st.sampled_from([DISCONNECT_REQUEST, COA_REQUEST]), ident=st.integers(0, 255),
       attrs=st.lists(st.one_of(_cisco_vsa(), _identifier), max_size=6))
def test_well_signed_nonsense_never_raises(code, ident, attrs):
    """Signed by the client, well framed, with the session's audit-session-id: every value reaches the parser,
    the session match and the CoA's grammar; each is an ACK, a NAK or a counted drop."""
    r, net = _shared()
    _reconnect(r, net)
    text = f"audit-session-id={audit(r)}".encode()
    sub = bytes([1, len(text) + 2]) + text
    body = bytes([26, len(sub) + 6]) + struct.pack("!I", 9) + sub + b"".join(attrs)
    data = _signed(code, ident, body, KEY.encode())
    s = stats(net)
    before = sum(vars(s).values())
    out = net.services.receive(data, DAC, dst(r, net), net.now)
    assert sum(vars(s).values()) > before
    replies = [d for d in out if d.dst == DAC]
    assert len(replies) <= 1
    if replies:
        assert replies[0].data[0] in (COA_ACK, COA_NAK, DISCONNECT_ACK, 42)
    net.now += 0.01  # (the same identifier and authenticator later is a duplicate: also fine)
    _reconnect(r, net)

"""IKEv2 auto-reconnect (chapter, "IKEv2 Auto-Reconnect"; crypto/reconnect.py) on the simulated network: the
AnyConnect-like initiator asks for the reconnect attributes, goes to sleep, the router's smart DPD (or the
configured DPD) moves the session to inactive, the client reconnects with PSK (session-id / session-token) from
another port and gets the kept authorization back with no RADIUS round trip; expiry, another session's token,
clear and the client's own DELETE."""

from __future__ import annotations

import pytest

from iosflex.crypto import reconnect as RC

from test_anyconnect import ca, connect, make  # noqa: F401  (ca is a fixture)


def up(ca, extra=" reconnect", **kw):
    r, s, net, lines = make(ca, extra=extra, **kw)
    p = connect(net, reconnect=True, dpd_every=30)
    assert p.established, p.failed
    return r, s, net, lines, p


def stats(s) -> str:
    return "\n".join(s.feed("show crypto ikev2 stats reconnect"))


def test_attributes_in_cfg_reply(ca):
    r, s, net, _, p = up(ca, extra=" reconnect timeout 900")
    info = p.reconnect_info
    assert set(info) == {"session-id", "session-token", "dpd-interval", "cleanup-interval"}
    assert info["cleanup-interval"] == 900 and info["dpd-interval"] == RC.CLIENT_DPD_INTERVAL
    assert 8 <= len(info["session-id"]) <= 32 and 32 <= len(info["session-token"]) <= 64
    assert "Reconnect capable active session count:     1" in stats(s)
    # without `reconnect` in the profile the attributes are not given
    r2, s2, net2, _ = make(ca)
    p2 = connect(net2, reconnect=True)
    assert p2.established and p2.reconnect_info == {}


def test_smart_dpd_inactive_then_reconnect(ca):
    r, s, net, _, p = up(ca)
    net.advance(300)  # the client's own probes keep the session active: no probe of ours
    assert p.established and "active session count:     1" in stats(s)
    net.directive("ikev2 sleep c1")
    net.advance(RC.SMART_QUIET + RC.SMART_RETRY * (RC.SMART_TRIES + 1) + 5)
    out = stats(s)
    assert "Reconnect capable active session count:     0" in out
    assert "Reconnect capable inactive session count:   1" in out
    assert "\n".join(s.feed("show crypto session")).strip() == "Crypto session current status"
    net.directive("ikev2 reconnect c1 from=172.16.1.1:61000")
    q = net.peers["c1"]
    assert q.established, q.failed
    assert q.address == p.address  # the kept authorization and its address
    detail = "\n".join(s.feed("show crypto ikev2 sa detail"))
    assert "Auth sign: RSA, Auth verify: PSK" in detail
    sess = "\n".join(s.feed("show crypto session detail"))
    assert "Capabilities:DR connid:1" in sess and "Phase1_id: eap" in sess
    assert "remote 172.16.1.1/61000" in sess
    out = stats(s)
    assert "Total incoming reconnect connection:        1" in out
    assert "Success reconnect connection:               1" in out
    assert "Reconnect capable active session count:     1" in out


def test_no_radius_round_trip_on_reconnect(ca):
    r, s, net, _ = make(ca, alist="ac_radius", extra=" reconnect")
    net.directive("radius server 172.16.1.3 key=radius_key")
    net.directive("radius user bob password=builder")
    p = connect(net, user="bob", password="builder", reconnect=True, dpd_every=30)
    assert p.established
    srv = net.radius[0]
    seen = []
    orig = srv.receive
    srv.receive = lambda d, a, b: (seen.append(d), orig(d, a, b))[1]
    net.directive("ikev2 sleep c1")
    net.advance(120)
    net.directive("ikev2 reconnect c1")
    assert net.peers["c1"].established
    assert seen == []  # no Access-Request (accounting is not configured here)


def test_configured_dpd_used_instead(ca):
    r, s, net, _, p = up(ca, extra=" reconnect\n dpd 10 3 periodic")
    sa = next(iter(net.responder.sas.values()))
    assert not sa.st.smart_dpd and sa.st.dpd_interval == 10
    net.directive("ikev2 sleep c1")
    net.advance(60)
    assert "inactive session count:   1" in stats(s)
    net.directive("ikev2 reconnect c1")
    assert net.peers["c1"].established


def test_expired_reconnect_refused(ca):
    r, s, net, _, p = up(ca, extra=" reconnect timeout 600")
    net.directive("ikev2 sleep c1")
    net.advance(120)
    assert "inactive session count:   1" in stats(s)
    net.advance(600)
    assert "inactive session count:   0" in stats(s)
    net.directive("ikev2 reconnect c1")
    q = net.peers["c1"]
    assert not q.established and q.failed == "AUTHENTICATION_FAILED"
    out = stats(s)
    assert "Total incoming reconnect connection:        1" in out and "Failed reconnect connection:                1" in out


def test_other_sessions_token_refused(ca):
    r, s, net, _, p = up(ca)
    p2 = connect(net, "c2", host="172.16.1.5", reconnect=True, dpd_every=30)
    assert p2.established
    net.directive("ikev2 sleep c1")
    net.advance(120)
    p.reconnect_info["session-token"] = p2.reconnect_info["session-token"]  # c1's id with c2's token
    net.directive("ikev2 reconnect c1")
    assert net.peers["c1"].failed == "AUTHENTICATION_FAILED"
    assert "Failed reconnect connection:                1" in stats(s)
    assert p2.established  # c2 is untouched
    # the right token still works afterwards
    net.peers["c1"] = p
    p.reconnect_info["session-token"] = b""
    assert "inactive session count:   1" in stats(s)


def test_client_delete_and_clear_discard_the_state(ca):
    r, s, net, _, p = up(ca)
    net.directive("ikev2 delete c1")
    assert "active session count:     0" in stats(s) and "inactive session count:   0" in stats(s)
    net.directive("ikev2 reconnect c1")
    assert net.peers["c1"].failed == "AUTHENTICATION_FAILED"
    # clear crypto session: an active one and the inactive ones go
    p2 = connect(net, "c2", host="172.16.1.5", reconnect=True, dpd_every=30)
    p3 = connect(net, "c3", host="172.16.1.6", reconnect=True, dpd_every=30)
    net.directive("ikev2 sleep c3")
    net.advance(120)
    assert "active session count:     1" in stats(s) and "inactive session count:   1" in stats(s)
    s.feed("clear crypto session")
    assert "active session count:     0" in stats(s) and "inactive session count:   0" in stats(s)
    net.directive("ikev2 reconnect c3")
    assert net.peers["c3"].failed == "AUTHENTICATION_FAILED"
    assert p2 is not None


def test_reconnect_while_old_sa_still_up(ca):
    r, s, net, _, p = up(ca)
    net.directive("ikev2 reconnect c1 from=172.16.1.7:4600")  # the client moved before DPD noticed
    q = net.peers["c1"]
    assert q.established and q.address == p.address
    ready = [sa for sa in net.responder.sas.values() if sa.phase == "READY"]
    assert len(ready) == 1 and ready[0].st.reconnected
    assert "active session count:     1" in stats(s)


def test_accounting_across_reconnect(ca):
    r, s, net, _ = make(ca, extra=" reconnect\n aaa accounting anyconnect-eap acct_list\n"
                                   "aaa accounting network acct_list start-stop group rad")
    net.directive("radius server 172.16.1.3 key=radius_key")
    p = connect(net, reconnect=True, dpd_every=30)
    assert p.established
    net.directive("ikev2 sleep c1")
    net.advance(120)
    net.directive("ikev2 reconnect c1")
    acct = net.radius[0].accounting
    kinds = [a["Acct-Status-Type"][0] for a in acct]
    assert kinds == [1, 2, 1]  # Start, Stop when it went inactive, Start of the reconnected session
    assert all(a["User-Name"] == ["alice"] for a in acct)

"""The session record's identifiers, against every audit-session-id the chapter prints."""

import pytest

from iosflex.sessions import SessionTable, audit_session_id


@pytest.mark.parametrize("local,remote,session,text", [
    (("172.16.1.2", 500), ("172.16.1.1", 500), 3, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO3"),  # AAA-based PSK
    (("172.16.1.2", 500), ("172.16.1.1", 500), 8, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZO8"),  # accounting
    (("172.16.1.2", 500), ("172.16.1.1", 500), 52, "L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34"),  # PoD, Session-id 52
    (("10.104.49.17", 4500), ("10.104.105.162", 59040), 69, "L2L40A683111ZO2L40A6869A2ZH1194E6AZO45"),  # EAP
])
def test_audit_session_ids_of_the_chapter(local, remote, session, text):
    assert audit_session_id(local, remote, session) == text


def test_long_zero_runs_and_ipv6():
    a = audit_session_id(("2001:db8::1", 500), ("2001:db8::2", 4500), 1)
    assert "00" not in a  # every run of zeros is a letter
    assert audit_session_id(("10.0.0.1", 500), ("10.0.0.2", 500), 1) != audit_session_id(("10.0.0.1", 500),
                                                                                          ("10.0.0.2", 500), 2)


def test_table_ids_and_lookup():
    t = SessionTable()
    s = t.ensure(3, ("172.16.1.2", 500), ("172.16.1.1", 500))
    assert t.ensure(3, ("172.16.1.2", 500), ("172.16.1.1", 500)) is s
    assert t.by_audit[s.audit_session_id] is s
    assert (t.next_aaa_id(), t.next_aaa_id(), t.next_acct_session_id()) == (1, 2, 1)
    assert t.active() == []
    s.up = True
    assert t.active() == [s]
    assert t.remove(3) is s and t.by_audit == {} and t.remove(3) is None


GC_CONFIG = """
aaa new-model
aaa authorization network local_list local
crypto ikev2 authorization policy gcpol
 pool gcpool
crypto ikev2 profile GC
 match identity remote fqdn domain gc.test
 authentication remote pre-share key gc_key
 authentication local pre-share key gc_key
 aaa authorization group psk list local_list gcpol
 virtual-template 1
interface Ethernet0/0
 ip address 172.16.1.2 255.255.0.0
 no shutdown
interface Virtual-Template1 type tunnel
 ip unnumbered Ethernet0/0
ip local pool gcpool 10.41.0.1 10.41.0.254
"""


def test_session_path_makes_no_reference_cycles():
    """A session's objects die by reference counting when it goes (docs/ARCHITECTURE.md, "Memory"): the
    router that `iosflex/heap.py` settles counts on it.  Sessions up, one deleted by its peer, the rest
    cleared: nothing of the router's is left for the collector."""
    import gc

    from iosflex.router import Router
    from iosflex.simnet import SimNet

    r = Router(None)
    assert not r.apply_config(GC_CONFIG)
    net = SimNet(r, seed=3)
    cli = r.session(privileged=True)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for i in range(6):
            net.directive(f"ikev2 connect p{i} from=172.16.2.{i + 1} psk=gc_key id=fqdn:c{i}.gc.test")
        assert all(p.established for p in net.peers.values())
        net.directive("ikev2 delete p0")
        cli.feed("clear crypto session")
        assert not r.crypto.sas and not r.sessions.by_id
        gc.collect()
        ours = [o for o in gc.garbage if type(o).__module__.startswith("iosflex.")
                and type(o).__module__ not in ("iosflex.crypto.client", "iosflex.simnet")]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was:
            gc.enable()
    assert ours == []

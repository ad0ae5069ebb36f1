"""`debug aaa accounting|authorization` lines and the `AAA SRV` lines IOS prints around a RADIUS authorization,
as the chapter prints them.  Pure builders: the caller knows whether the flag is on."""

from __future__ import annotations


def _id(aaa_id: int) -> str:
    return f"{aaa_id:08X}"


def author_request(aaa_id: int, group: str, src: str, server: str) -> list[str]:
    return [f"AAA SRV({_id(aaa_id)}): process author req",
            f"AAA SRV({_id(aaa_id)}): Author method=SERVER_GROUP {group}",
            f"RADIUS/ENCODE: Best Local IP-Address {src} for Radius-Server {server}"]


def author_reply(aaa_id: int, verdict: str) -> list[str]:
    """verdict: PASS (Access-Accept), FAIL (Access-Reject), ERROR (no server answered)."""
    return [f"AAA SRV({_id(aaa_id)}): protocol reply {verdict} for Authorization",
            f"AAA SRV({_id(aaa_id)}): Return Authorization status={verdict}", ""]


def acct_start_events(aaa_id: int) -> list[str]:
    return [f"AAA/ACCT/EVENT/({_id(aaa_id)}): CALL START", f"AAA/ACCT/EVENT/({_id(aaa_id)}): IPSEC TNL UP",
            f"AAA/ACCT/IPSEC-TUNNEL({_id(aaa_id)}): Queueing record is START", ""]


def acct_tunnel_down(aaa_id: int) -> list[str]:
    return [f"AAA/ACCT/EVENT/({_id(aaa_id)}): IPSEC TNL DOWN"]


def acct_stop_events(aaa_id: int) -> list[str]:
    return [f"AAA/ACCT/EVENT/({_id(aaa_id)}): CALL STOP", f"AAA/ACCT/IPSEC-TUNNEL({_id(aaa_id)}): STOP", ""]


def ignored_attributes(items: list[str]) -> list[str]:
    """Attributes of a reply the router does not use (`debug aaa authorization`; wording ours, unverified)."""
    return [f"AAA/AUTHOR: ignored attribute {t}" for t in items]

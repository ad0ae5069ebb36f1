"""`debug aaa pod` / `debug aaa coa` text of the dynamic-authorization server (radius/dynauth.py), from the
chapter's "RADIUS Packet of Disconnect" and "RADIUS Change of Authorization" logs.  Pure functions: the
server decides what happened, these say it the way IOS prints it.

What the chapter shows, and what is inferred (docs/AAA.md, "Dynamic authorization"):

* `RADIUS: POD  received from id 6 172.16.1.3:1700, POD Request, len 84` (two spaces after POD / COA),
  `POD: 172.16.1.3 request queued`, ` ++++++ POD Attribute List ++++++` and the attribute rows, `POD: Sending
  ACK from port 1700 to 172.16.1.3/1700`; the NAK's lines and its two `RADIUS:  type len hex` rows.  The CoA
  texts are the same with `COA` / `CoA` (the chapter's ACK); the CoA-NAK lines are the POD-NAK lines with
  `COA:` (inferred: the chapter shows no CoA-NAK).
* Attribute rows: `<address> <tag> <flags> <name>(<AAA attribute number>) <length> <value>`; names, numbers and
  flags of audit-session-id (819, 89), interface-config (222, 89), inacl (144, 81), outacl (310, 81) are the
  chapter's, username (336) is reference §3.1's; the others' numbers are not known and print as 0.  The
  addresses are stable made-up values laid out like the chapter's (first row 86D5F0E4, then 0x34 apart).
"""

from __future__ import annotations

# AAA attribute name -> (number, flags) for the attribute-list rows
AAA_ATTRS = {
    "audit-session-id": (819, 0x89),
    "interface-config": (222, 0x89),
    "inacl": (144, 0x81),
    "outacl": (310, 0x81),
    "username": (336, 0x81),
}

ERROR_CAUSE_TEXT = {401: "Unsupported Attribute", 402: "Missing Attribute", 404: "Invalid Request",
                    407: "Invalid Attribute Value", 503: "Session Context Not Found",
                    506: "Resources Unavailable", 508: "Multiple Session Selection Unsupported"}


def _row_address(k: int) -> str:
    return f"{0x86D5F0E4 if k == 0 else 0x86D5F25C + 0x34 * (k - 1):08X}"


def received(kind: str, ident: int, src: tuple[str, int], length: int) -> str:
    """kind: "POD" or "COA"."""
    what = "POD Request" if kind == "POD" else "CoA Request"
    return f"RADIUS: {kind}  received from id {ident} {src[0]}:{src[1]}, {what}, len {length}"


def queued(kind: str, src_ip: str) -> str:
    return f"{kind}: {src_ip} request queued"


def attribute_list(kind: str, rows: list[tuple[str, int, str]]) -> list[str]:
    """rows: (AAA attribute name, tag, value)."""
    title = "POD" if kind == "POD" else "CoA"
    out = [f" ++++++ {title} Attribute List ++++++"]
    for k, (name, tag, value) in enumerate(rows):
        number, flags = AAA_ATTRS.get(name, (0, 0x81))
        out.append(f"{_row_address(k)} {tag} {flags:08X} {name}({number}) {len(value)} {value}")
    return out


def sending(kind: str, ack: bool, our_port: int, dst: tuple[str, int]) -> str:
    return f"{kind}: Sending {'ACK' if ack else 'NAK'} from port {our_port} to {dst[0]}/{dst[1]}"


def unsupported_vsa(kind: str, src_ip: str) -> str:
    return f"{kind}: {src_ip} Unsupported attribute type 26 for component"


def dropped(kind: str, src_ip: str, user: str, address: str) -> str:
    return f"{kind}: {src_ip} user {user} {address}i sessid 0x0 key 0x0 DROPPED"


def reply_message(kind: str, text: str) -> str:
    return f"{kind}: Added Reply Message: {text}"


def error_cause(kind: str, cause: int) -> str:
    return f"{kind}: Added NACK Error Cause: {ERROR_CAUSE_TEXT.get(cause, str(cause))}"


def nak_attribute_rows(attrs: list[tuple[int, bytes]]) -> list[str]:
    """`RADIUS:  18  21  4E6F...`: type and on-wire length in 4 columns each, the value in hex."""
    return [f"RADIUS:  {t:<4}{len(v) + 2:<4}{v.hex().upper()}" for t, v in attrs]

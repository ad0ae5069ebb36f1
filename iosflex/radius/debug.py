"""`debug radius [authentication|accounting]` text, as IOS prints it (the chapter's logs; reference §2).

Every function is pure: it takes real packet bytes (lengths, attribute order and hex dumps come from them,
never from a table) and returns the lines of one event, each one IOS line (the book's wraps at 80 columns
are the book's).  Whether a flag is on is the caller's business.  No line ends with a space: the chapter
wins over the captures in reference §2.4 that pad integers and addresses to 26 columns.

Layout of an attribute line (reference §2.4, checked against the chapter):

    RADIUS:  <name, 20 columns, cut at 20><[type], 6 columns><length, 4 columns><value>
    RADIUS:   <vendor sub-attribute name, 19 columns><[type], 6><length, 4><value>

Values: strings in double quotes, User-Password / Tunnel-Password / MPPE keys as `*`, integers and
addresses bare, named integers as the name padded to 26 then `[n]`, octets (State, Class, EAP-Message,
Message-Authenticator) as hex rows under a header line.  The chapter's two hex rows fix the row layout: 16
bytes at most, each `XX `, then (17 - printable characters) spaces, then the printable characters in
brackets, the last row with a space after the bracket (`[ AA+;JU`b]`; the full middle rows of the public
captures have none: `[ReauthSession:96]`).
"""

from __future__ import annotations

import ipaddress
import struct

from .packet import (ACCESS_ACCEPT, ACCESS_CHALLENGE, ACCESS_REJECT, ACCESS_REQUEST, ACCOUNTING_REQUEST,
                     ACCOUNTING_RESPONSE, CISCO, COA_ACK, COA_NAK, COA_REQUEST, DISCONNECT_ACK,
                     DISCONNECT_NAK, DISCONNECT_REQUEST, MICROSOFT, STATUS_SERVER, VENDOR_SPECIFIC,
                     BadPacket, decode)

# ---- IOS's names -------------------------------------------------------------------------------------

CODE_NAMES = {
    ACCESS_REQUEST: "Access-Request",
    ACCESS_ACCEPT: "Access-Accept",
    ACCESS_REJECT: "Access-Reject",
    ACCOUNTING_REQUEST: "Accounting-Request",
    ACCOUNTING_RESPONSE: "Accounting-response",  # sic: IOS's lower-case r
    ACCESS_CHALLENGE: "Access-Challenge",
    STATUS_SERVER: "Status-Server",
    DISCONNECT_REQUEST: "Disconnect-Request",
    DISCONNECT_ACK: "Disconnect-ACK",
    DISCONNECT_NAK: "Disconnect-NAK",
    COA_REQUEST: "CoA-Request",
    COA_ACK: "CoA-ACK",
    COA_NAK: "CoA-NAK",
}

# Kinds: s string, p hidden (*), i integer, e named integer, a IPv4 address, 6 IPv6 address, x IPv6 prefix,
# o octets (hex rows), te / ts tagged named integer / tagged string.
ATTRS: dict[int, tuple[str, str]] = {
    1: ("User-Name", "s"), 2: ("User-Password", "p"), 3: ("CHAP-Password", "p"), 4: ("NAS-IP-Address", "a"),
    5: ("NAS-Port", "i"), 6: ("Service-Type", "e"), 7: ("Framed-Protocol", "e"), 8: ("Framed-IP-Address", "a"),
    9: ("Framed-IP-Netmask", "a"), 10: ("Framed-Routing", "e"), 11: ("Filter-Id", "s"), 12: ("Framed-MTU", "i"),
    13: ("Framed-Compression", "i"), 14: ("Login-IP-Host", "a"), 15: ("Login-Service", "i"),
    16: ("Login-TCP-Port", "i"), 18: ("Reply-Message", "s"), 19: ("Callback-Number", "s"),
    20: ("Callback-Id", "s"), 22: ("Framed-Route", "s"), 24: ("State", "o"), 25: ("Class", "o"),
    27: ("Session-Timeout", "i"), 28: ("Idle-Timeout", "i"), 29: ("Termination-Action", "i"),
    30: ("Called-Station-Id", "s"), 31: ("Calling-Station-Id", "s"), 32: ("Nas-Identifier", "s"),
    33: ("Proxy-State", "o"), 40: ("Acct-Status-Type", "e"), 41: ("Acct-Delay-Time", "i"),
    42: ("Acct-Input-Octets", "i"), 43: ("Acct-Output-Octets", "i"), 44: ("Acct-Session-Id", "s"),
    45: ("Acct-Authentic", "e"), 46: ("Acct-Session-Time", "i"), 47: ("Acct-Input-Packets", "i"),
    48: ("Acct-Output-Packets", "i"), 49: ("Acct-Terminate-Cause", "e"), 50: ("Acct-Multi-Session-Id", "s"),
    51: ("Acct-Link-Count", "i"), 52: ("Acct-Input-Giga-Words", "i"), 53: ("Acct-Output-Giga-Words", "i"),
    55: ("Event-Timestamp", "i"), 60: ("CHAP-Challenge", "o"), 61: ("NAS-Port-Type", "e"),
    62: ("Port-Limit", "i"), 64: ("Tunnel-Type", "te"), 65: ("Tunnel-Medium-Type", "te"),
    66: ("Tunnel-Client-Endpoint", "ts"), 67: ("Tunnel-Server-Endpoint", "ts"), 69: ("Tunnel-Password", "p"),
    77: ("Connect-Info", "s"), 79: ("EAP-Message", "o"), 80: ("Message-Authenticator", "o"),
    81: ("Tunnel-Private-Group-Id", "ts"), 82: ("Tunnel-Assignment-Id", "ts"), 85: ("Acct-Interim-Interval", "i"),
    87: ("NAS-Port-Id", "s"), 88: ("Framed-Pool", "s"), 89: ("Chargeable-User-Identity", "o"),
    95: ("NAS-IPv6-Address", "6"), 96: ("Framed-Interface-Id", "o"), 97: ("Framed-IPv6-Prefix", "x"),
    98: ("Login-IPv6-Host", "6"), 99: ("Framed-IPv6-Route", "s"), 100: ("Framed-IPv6-Pool", "s"),
    101: ("Error-Cause", "e"), 123: ("Delegated-IPv6-Prefix", "x"), 168: ("Framed-IPv6-Address", "6"),
}

VENDORS = {CISCO: "Cisco", MICROSOFT: "Microsoft"}
VENDOR_ATTRS: dict[tuple[int, int], tuple[str, str]] = {
    (CISCO, 1): ("Cisco AVpair", "s"),
    (CISCO, 2): ("cisco-nas-port", "s"),
    (CISCO, 250): ("ssg-account-info", "s"),
    (CISCO, 252): ("ssg-command-code", "o"),
    (CISCO, 253): ("ssg-control-info", "s"),
    (MICROSOFT, 16): ("MSCHAP_MPPE_SEND_KEY", "p"),
    (MICROSOFT, 17): ("MSCHAP_MPPE_RECV_KEY", "p"),
    (MICROSOFT, 7): ("MS-MPPE-Encryption-Policy", "i"),
    (MICROSOFT, 8): ("MS-MPPE-Encryption-Types", "i"),
}

ENUMS: dict[int, dict[int, str]] = {
    6: {1: "Login", 2: "Framed", 3: "Callback Login", 4: "Callback Framed", 5: "Outbound",
        6: "Administrative", 7: "NAS Prompt", 8: "Authenticate Only", 9: "Callback NAS Prompt",
        10: "Call Check", 11: "Callback Administrative", 17: "Authorize Only"},
    7: {1: "PPP", 2: "SLIP", 3: "ARAP"},
    10: {0: "None", 1: "Broadcast", 2: "Listen", 3: "Broadcast-Listen"},
    40: {1: "Start", 2: "Stop", 3: "Watchdog", 7: "Accounting-On", 8: "Accounting-Off"},
    45: {1: "RADIUS", 2: "Local", 3: "Remote"},
    49: {0: "none", 1: "user-request", 2: "lost-carrier", 3: "lost-service", 4: "idle-timeout",
         5: "session-timeout", 6: "admin-reset", 7: "admin-reboot", 8: "port-error", 9: "nas-error",
         10: "nas-request", 11: "nas-reboot", 12: "port-unneeded", 13: "port-preempted",
         14: "port-suspended", 15: "service-unavailable", 16: "callback", 17: "user-error",
         18: "host-request"},
    61: {0: "Async", 1: "Sync", 2: "ISDN", 3: "ISDN-V120", 4: "ISDN-V110", 5: "Virtual", 15: "Ethernet",
         19: "802.11 wireless"},
    64: {1: "PPTP", 2: "L2F", 3: "L2TP", 9: "ESP", 10: "GRE", 13: "VLAN"},
    65: {1: "IPv4", 2: "IPv6", 6: "ALL_802"},
    101: {201: "Residual Context Removed", 401: "Unsupported Attribute", 402: "Missing Attribute",
          403: "NAS Identification Mismatch", 404: "Invalid Request", 405: "Unsupported Service",
          406: "Unsupported Extension", 407: "Invalid Attribute Value", 501: "Administratively Prohibited",
          503: "Session Context Not Found", 504: "Session Context Not Removable",
          506: "Resources Unavailable"},
}

PREFIX = "RADIUS:"


# ---- value and attribute lines -----------------------------------------------------------------------

def hexbytes(data: bytes) -> str:
    return " ".join(f"{b:02X}" for b in data)


def authenticator_line(auth: bytes) -> str:
    """`RADIUS:  authenticator 11 DD F2 16 3C 32 7A 9F - 26 6E AA DA 92 8D 99 8D`"""
    return f"{PREFIX}  authenticator {hexbytes(auth[:8])} - {hexbytes(auth[8:16])}"


def _printable(data: bytes) -> str:
    return "".join(chr(b) for b in data if 0x20 <= b < 0x7F)


def hex_rows(value: bytes) -> list[str]:
    """Octet values in rows of 16 (see the module docstring for the spacing rule)."""
    rows = [value[i : i + 16] for i in range(0, len(value), 16)]
    out = []
    for n, row in enumerate(rows):
        text = _printable(row)
        lead = " " if n == len(rows) - 1 else ""
        out.append(f"{PREFIX}   " + "".join(f"{b:02X} " for b in row) + " " * (17 - len(text))
                   + f"[{lead}{text}]")
    return out


def _quoted(value: bytes) -> str:
    return '"' + value.decode("utf-8", errors="replace") + '"'


def _value(code: int, kind: str, value: bytes) -> tuple[str, list[str]]:
    """(text on the attribute line, extra lines below it)."""
    try:
        if kind == "s":
            return _quoted(value), []
        if kind == "p":
            return "*", []
        if kind in ("i", "e", "te") and len(value) == 4:
            tag = None
            if kind == "te":
                tag, value = value[0], b"\x00" + value[1:]
            n = struct.unpack("!I", value)[0]
            if kind == "i":
                return str(n), []
            name = ENUMS.get(code, {}).get(n)
            if name is None:
                return (f"{tag:02d}:{n}" if tag is not None else str(n)), []
            if tag is not None:
                name = f"{tag:02d}:{name}"
            return f"{name:<26}[{n}]", []
        if kind == "ts":
            if value and value[0] <= 0x1F:
                value = value[1:]
            return _quoted(value), []
        if kind == "a" and len(value) == 4:
            return str(ipaddress.IPv4Address(value)), []
        if kind == "6" and len(value) == 16:
            return str(ipaddress.IPv6Address(value)), []
        if kind == "x" and 2 <= len(value) <= 18:
            plen = value[1]
            addr = ipaddress.IPv6Address(value[2:].ljust(16, b"\x00"))
            return f"{addr}/{plen}", []
    except (ValueError, IndexError):
        pass
    return "", hex_rows(value)


def _line(indent: str, width: int, name: str, code: int, length: int, value: str) -> str:
    text = f"{PREFIX}{indent}{name[:20]:<{width}}{'[' + str(code) + ']':<6}{length:<4}{value}"
    return text.rstrip()


def attribute_lines(data: bytes) -> list[str]:
    """The attribute lines of a packet, in packet order; [] for a packet that does not decode."""
    try:
        pkt = decode(data)
    except BadPacket:
        return []
    out: list[str] = []
    for a in pkt.attributes:
        if a.type == VENDOR_SPECIFIC:
            vname = VENDORS.get(a.vendor, "Unknown") if a.vendor is not None else "Unknown"
            out.append(_line("  ", 20, f"Vendor, {vname}", a.type, a.length, ""))
            if not a.subs:
                out.extend(hex_rows(a.value[4:]))
            for st, sv in a.subs:
                name, kind = VENDOR_ATTRS.get((a.vendor, st), (f"Unknown [{st}]", "o"))
                text, extra = _value(-1, kind, sv)
                out.append(_line("   ", 19, name, st, len(sv) + 2, text))
                out.extend(extra)
            continue
        name, kind = ATTRS.get(a.type, (f"Unknown-Attribute-{a.type}", "o"))
        text, extra = _value(a.type, kind, a.value)
        out.append(_line("  ", 20, name, a.type, a.length, text))
        out.extend(extra)
    return out


# ---- packet blocks -----------------------------------------------------------------------------------

def tag(aaa_id: int) -> str:
    """`RADIUS(0000000E)`: the AAA unique id in 8 hex digits."""
    return f"RADIUS({aaa_id & 0xFFFFFFFF:08X})"


def code_name(code: int) -> str:
    return CODE_NAMES.get(code, f"Unknown-Code-{code}")


def best_local(src_ip: str, server_ip: str) -> str:
    return f"RADIUS/ENCODE: Best Local IP-Address {src_ip} for Radius-Server {server_ip}"


def send_block(aaa_id: int, data: bytes, dst: tuple[str, int], src_port: int) -> list[str]:
    """`RADIUS(0000000E): Send Access-Request to 172.16.1.3:1645 id 1645/2, len 131`, the authenticator and
    the attributes of the packet `data` as sent."""
    head = (f"{tag(aaa_id)}: Send {code_name(data[0])} to {dst[0]}:{dst[1]} id {src_port}/{data[1]}, "
            f"len {len(data)}")
    return [head, authenticator_line(data[4:20]), *attribute_lines(data)]


def sending(aaa_id: int, server_ip: str, timeout: float) -> list[str]:
    """The two lines after a sent packet's attributes."""
    family = "IPv6" if ":" in server_ip else "IPv4"
    return [f"{tag(aaa_id)}: Sending a {family} Radius Packet", started_timeout(aaa_id, timeout)]


def started_timeout(aaa_id: int, timeout: float) -> str:
    return f"{tag(aaa_id)}: Started {_num(timeout)} sec timeout"


def received_block(aaa_id: int, data: bytes, src: tuple[str, int], our_port: int) -> list[str]:
    """`RADIUS: Received from id 1645/2 172.16.1.3:1645, Access-Accept, len 172`, authenticator, attributes,
    and the closing `RADIUS(0000000E): Received from id 1645/2`."""
    ident = data[1]
    head = f"{PREFIX} Received from id {our_port}/{ident} {src[0]}:{src[1]}, {code_name(data[0])}, len {len(data)}"
    return [head, authenticator_line(data[4:20]), *attribute_lines(data),
            f"{tag(aaa_id)}: Received from id {our_port}/{ident}"]


def _server(address: str, auth_port: int, acct_port: int) -> str:
    return f"({address}:{auth_port},{acct_port})"


def retransmit(address: str, auth_port: int, acct_port: int, our_port: int, ident: int) -> str:
    return f"{PREFIX} Retransmit to {_server(address, auth_port, acct_port)} for id {our_port}/{ident}"


def failover(address: str, auth_port: int, acct_port: int, our_port: int, ident: int) -> str:
    return f"{PREFIX} Fail-over to {_server(address, auth_port, acct_port)} for id {our_port}/{ident}"


def no_response(address: str, auth_port: int, acct_port: int, our_port: int, ident: int) -> str:
    return f"{PREFIX} No response from {_server(address, auth_port, acct_port)} for id {our_port}/{ident}"


def timed_out(aaa_id: int) -> str:
    return f"{tag(aaa_id)}: Request timed out!"


def failed_decrypt(ident: int) -> str:
    """A reply whose authenticator does not check (usually a key mismatch)."""
    return f"{PREFIX} Response ({ident}) failed decrypt"


def server_dead(address: str, auth_port: int, acct_port: int) -> str:
    """Syslog message, printed whatever the debug flags."""
    return f"%RADIUS-4-RADIUS_DEAD: RADIUS server {address}:{auth_port},{acct_port} is not responding."


def server_alive(address: str, auth_port: int, acct_port: int) -> str:
    return f"%RADIUS-4-RADIUS_ALIVE: RADIUS server {address}:{auth_port},{acct_port} is being marked alive."


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)

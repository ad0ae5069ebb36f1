"""Logging as IOS does it (issue 13 item 2): service timestamps / sequence-numbers, logging levels and the
buffer, show logging, the clock; `terminal monitor` over telnet with and without `logging synchronous`.
The golden transcript is transcripts/logging-timestamps.txt."""

from __future__ import annotations

import asyncio
import calendar

from iosflex import logbus
from iosflex.router import Router
from iosflex.simnet import SimNet
from vty_client import read_until, telnet_login, telnet_router

DEC1 = calendar.timegm((2026, 12, 1, 21, 8, 19, 0, 0, 0))
UP = "%LINEPROTO-5-UPDOWN: Line protocol on Interface Virtual-Access1, changed state to up"


def _router(*config: str):
    r = Router()
    net = SimNet(r, seed=1)  # the driver's (fake) clock
    lines: list[str] = []
    logbus.bus(r).attach("t", lines.append)
    s = r.session(length=0)
    s.feed("enable")
    s.feed("configure terminal")
    for c in config:
        assert s.feed(c) == [], c
    s.feed("end")
    return r, net, s, lines


def test_no_timestamps_by_default_the_chapter_lines_unchanged():
    r, net, s, lines = _router()
    logbus.log(r, UP + "\nIKEv2:(SESSION ID = 1,SA ID = 1):Verify SA init message")
    assert lines == [UP, "IKEv2:(SESSION ID = 1,SA ID = 1):Verify SA init message"]


def test_datetime_msec_stamp_and_the_star_until_clock_set():
    r, net, s, lines = _router("service timestamps log datetime msec", "service timestamps debug datetime msec")
    r.clock.set(DEC1 + 0.123)
    logbus.log(r, UP)
    net.now += 1.5
    logbus.log(r, "IKEv2:hello")
    assert lines == ["Dec  1 21:08:19.123: " + UP, "Dec  1 21:08:20.623: IKEv2:hello"]
    r2, net2, s2, lines2 = _router("service timestamps log datetime msec")
    logbus.log(r2, UP)
    assert lines2[0].startswith("*") and lines2[0].endswith(": " + UP)  # not authoritative: `*`, as IOS


def test_uptime_localtime_year_show_timezone_and_sequence_numbers():
    r, net, s, lines = _router("service timestamps debug uptime",
                               "service timestamps log datetime localtime show-timezone year",
                               "clock timezone PST -8", "service sequence-numbers")
    r.clock.set(DEC1)
    net.now += 83
    logbus.log(r, "IKEv2:debug line\n" + UP)
    net.now += 2 * 86400
    logbus.log(r, "IKEv2:later")
    assert lines == ["000001: 00:01:23: IKEv2:debug line", "000002: Dec  1 2026 13:09:42 PST: " + UP,
                     "000003: 2d00h: IKEv2:later"]


def test_continuation_lines_of_a_packet_block_have_no_stamp():
    r, net, s, lines = _router("service timestamps debug uptime")
    logbus.log(r, "IKEv2:(SESSION ID = 1,SA ID = 1):Sending Packet [To 1.1.1.1:500/From 2.2.2.2:500/VRF i0:f0] \n"
               "Initiator SPI : 1D418169B24BF95A - Responder SPI : 0000000000000000 Message id: 0\n"
               "IKEv2 IKE_SA_INIT Exchange RESPONSE \nPayload contents: \n SA KE N \n\nIKEv2:next")
    assert [ln[:10] for ln in lines] == ["00:00:00: ", "Initiator ", "IKEv2 IKE_", "Payload co", " SA KE N ",
                                         "", "00:00:00: "]


def test_levels_filter_console_and_buffer_and_show_logging():
    r, net, s, lines = _router("logging buffered 8192 warnings", "no logging console")
    logbus.log(r, "%SYS-4-WARN: a warning\nIKEv2:debug\n%SYS-5-CONFIG_I: notice")
    assert lines == []  # no logging console
    out = s.feed("show logging")
    assert out[0].startswith("Syslog logging: enabled (0 messages dropped")
    assert "    Console logging: disabled" in out
    assert "    Monitor logging: level debugging, 3 messages logged, xml disabled," in out
    assert "    Buffer logging:  level warnings, 1 messages logged, xml disabled," in out
    assert out[-3:] == ["Log Buffer (8192 bytes):", "", "%SYS-4-WARN: a warning"]
    s.feed("configure terminal")
    s.feed("logging console warnings")
    s.feed("end")
    logbus.log(r, "%SYS-4-WARN: two\nIKEv2:debug")
    assert lines == ["%SYS-4-WARN: two"]  # debug lines are level 7


def test_buffer_keeps_the_last_messages_within_its_size():
    r, net, s, lines = _router("logging buffered 4096")
    for i in range(200):
        logbus.log(r, f"%SYS-5-TEST: message {i:03d} " + "x" * 40)
    hist = r.logbus.history
    assert hist[-1].startswith("%SYS-5-TEST: message 199") and sum(len(h) + 1 for h in hist) <= 4096
    assert not any("message 000" in h for h in hist)


def test_running_config_round_trip_and_show_clock():
    cmds = ["service timestamps debug datetime msec localtime show-timezone", "service timestamps log uptime",
            "service sequence-numbers", "logging buffered 51200 informational", "no logging console",
            "logging monitor warnings", "clock timezone CET 1 30"]
    r, net, s, lines = _router(*cmds)
    text = r.running_config_text()
    for c in cmds:
        assert c + "\n" in text or (c == "clock timezone CET 1 30" and "clock timezone CET 1 30\n" in text), c
    assert text.index("service timestamps") < text.index("no service password-encryption") < \
        text.index("service sequence-numbers")
    r2 = Router()
    assert r2.apply_config(text) == []
    assert r2.running_config_text() == text
    s.feed("clock set 21:08:19 Dec 1 2026")
    assert s.feed("show clock") == ["21:08:19.000 CET Tue Dec 1 2026"]
    net.now += 0.5
    assert s.feed("show clock") == ["21:08:19.500 CET Tue Dec 1 2026"]
    assert s.feed("clock set 25:00:00 1 Dec 2026")[-1].startswith("% Invalid input")




async def _quiet(reader, secs=0.3) -> bytes:
    try:
        return await asyncio.wait_for(reader.read(4096), secs)
    except asyncio.TimeoutError:
        return b""


def test_terminal_monitor_over_telnet_with_and_without_logging_synchronous(tmp_path):
    async def main():
        async with telnet_router(tmp_path, "service timestamps debug uptime\n") as (r, host, port):
            rd, wr = await telnet_login(host, port)
            # debug lines before `terminal monitor` do not reach the vty
            logbus.log(r, "IKEv2:not monitored")
            assert await _quiet(rd) == b""
            wr.write(b"terminal monitor\r\n")
            await read_until(rd, b"Router#")
            # the vty sits at its prompt: the debug lines arrive, the prompt is not drawn again
            logbus.log(r, "IKEv2:first debug line\nIKEv2:second debug line")
            got = await read_until(rd, b"second debug line\r\n")
            assert got == b"\r\n00:00:00: IKEv2:first debug line\r\n00:00:00: IKEv2:second debug line\r\n"
            logbus.log(r, "IKEv2:third")
            assert await read_until(rd, b"third\r\n") == b"00:00:00: IKEv2:third\r\n"  # no empty line between
            assert await _quiet(rd) == b""  # and no prompt
            wr.write(b"\r\n")
            await read_until(rd, b"Router#")
            r.apply_config("line vty 0 4\n logging synchronous\n")
            wr.write(b"show ver")  # typed, not entered
            await read_until(rd, b"show ver")
            logbus.log(r, "IKEv2:one\nIKEv2:two\n" + UP)
            got = await read_until(rd, b"Router#show ver")
            assert got == (b"\r\n00:00:00: IKEv2:one\r\n00:00:00: IKEv2:two\r\n" + UP.encode() +
                           b"\r\nRouter#show ver")  # the prompt and the typed text drawn again, once
            assert await _quiet(rd) == b""
            wr.write(b"\x15terminal no monitor\r\n")
            await read_until(rd, b"Router#")
            logbus.log(r, "IKEv2:gone")
            assert await _quiet(rd) == b""
            wr.close()

    asyncio.run(main())

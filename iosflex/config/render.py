"""Whole-router renderers: `show running-config`, `show running-config interface X`, `show version`."""

from __future__ import annotations

import platform

from .. import __version__
from .system import IOS_VERSION


def running_config(cfg) -> list[str]:
    body = cfg.lines()
    size = sum(len(x) + 1 for x in body)
    return ["Building configuration...", "", f"Current configuration : {size} bytes", *body, ""]


def interface_config(cfg, iftype: str, number: str) -> list[str] | None:
    iface = cfg.interfaces.get(iftype, number)
    if iface is None:
        return None
    body = iface.lines(cfg)
    size = sum(len(x) + 1 for x in body) + len("end\n")
    return ["Building configuration...", "", f"Current configuration : {size} bytes", "!", *body, "end", ""]


def show_version(router, cfg) -> list[str]:
    """IOS's layout, honest about the platform: an emulator, not Cisco hardware."""
    host = cfg.hostname.name
    ifs = cfg.interfaces.physical_counts()
    lines = [
        f"Cisco IOS Software, iosflex Software (IOSFLEX-UNIVERSALK9-M), Version {IOS_VERSION}, "
        f"RELEASE SOFTWARE (iosflex {__version__})",
        "Technical Support: not available (this is iosflex, an open-source emulator, not Cisco IOS)",
        "Copyright (c) 2024-2026 by the iosflex contributors",  # years: genie reads image_type from them
        "Compiled by iosflex",
        "",
        f"ROM: iosflex emulator on Python {platform.python_version()}",
        "",
        f"{host} uptime is {router.uptime_text()}",
        "System returned to ROM by power-on",
        'System image file is "iosflex:iosflex-universalk9-mz"',
        "Last reload reason: power-on",
        "",
        "",
        f"iosflex (emulated) processor with 1048576K/65536K bytes of memory.",
        "Processor board ID IOSFLEX0001",
    ]
    for kind, n in ifs:
        lines.append(f"{n} {kind} interface{'s' if n != 1 else ''}")
    lines += [
        "256K bytes of NVRAM.",
        "",
        "Configuration register is 0x2102",
        "",
    ]
    return lines

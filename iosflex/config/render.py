"""Whole-router renderers: `show running-config`, `show running-config interface X`, `show version`."""

from __future__ import annotations

import platform

from .. import __version__
from ..flash import FLASH_SIZE
from .system import IOS_VERSION

MODEL = "IOSFLEX-EMU"  # the emulated platform's model name (`cisco MODEL (...) processor`, show inventory PID)
PROCESSOR_BYTES = 1048576 * 1024
IO_BYTES = 65536 * 1024
BASE_MAC = 0xAABBCC000100  # the router's base MAC; each Ethernet port's is derived from it (mac_of)
_MAC_TYPES = {"Ethernet": 0, "GigabitEthernet": 1, "FastEthernet": 2, "TenGigabitEthernet": 3}


def serial_number() -> str:
    return "IOSFLEX0001"


def mac_of(iface) -> str:
    """A distinct MAC per physical port from the base MAC, IOL-like (aabb.cc00.0100 for Ethernet0/0,
    .0110 for Ethernet0/1, .0200 for Ethernet1/0); a sub-interface has its port's MAC, as on IOS."""
    nums = [int(x) for x in iface.number.split(".")[0].replace("/", " ").split() if x.isdigit()]
    slot, port = (nums + [0, 0])[:2] if len(nums) >= 2 else (0, nums[0] if nums else 0)
    mac = BASE_MAC + _MAC_TYPES.get(iface.type, 4) * 0x100000 + slot * 0x100 + port * 0x10
    h = f"{mac:012x}"
    return f"{h[0:4]}.{h[4:8]}.{h[8:12]}"


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
        f"cisco {MODEL} (iosflex) processor (revision 1.0) with {PROCESSOR_BYTES // 1024}K/{IO_BYTES // 1024}K "
        "bytes of memory.",
        f"Processor board ID {serial_number()}",
    ]
    for kind, n in ifs:
        lines.append(f"{n} {kind} interface{'s' if n != 1 else ''}")
    lines += [
        "256K bytes of non-volatile configuration memory.",
        f"{PROCESSOR_BYTES // 1024}K bytes of physical memory.",
        f"{FLASH_SIZE // 1024}K bytes of virtual hard disk at bootflash:.",
        "",
        "Configuration register is 0x2102",
        "",
    ]
    return lines

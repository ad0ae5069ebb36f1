"""The `flash:` file system: a folder beside the startup-config (`<dir of startup-config>/flash/`), with IOS's
URL forms (`flash:name`, `flash:/name`, `flash:/dir/name`), and the other prefixes IOS shows (`nvram:` holds
the startup-config, `system:` the running-config, `null:` reads empty and swallows writes).

Every name is confined to the folder: a component `..` or `.`, an empty component, a backslash or a NUL is
refused, and the resolved path (symbolic links followed) must stay inside the folder.  A refused name answers
as IOS does for a name it cannot open.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

FLASH_SIZE = 7_613_747_200  # bytes total, the size IOS-XE routers' bootflash commonly reports
NVRAM_SIZE = 262_144  # 256K bytes of NVRAM, as `show version` says


class FsError(Exception):
    """`strerror` as IOS prints it in `%Error opening flash:x (No such file or directory)`."""

    def __init__(self, strerror: str):
        super().__init__(strerror)
        self.strerror = strerror


@dataclass
class Url:
    fs: str  # "flash:", "nvram:", "system:", "null:", ...
    path: str  # without the leading "/"; "" is the root

    def __str__(self):
        return f"{self.fs}/{self.path}" if self.fs == "flash:" else f"{self.fs}{self.path}"


KNOWN_FS = ("flash:", "bootflash:", "nvram:", "system:", "null:", "running-config", "startup-config")


def parse_url(text: str, default_fs: str = "flash:") -> Url:
    """`flash:/x`, `bootflash:x` (the same folder), `nvram:startup-config`, `system:running-config`,
    `running-config`, `startup-config`, `null:`, or a bare name (on the default file system)."""
    if text == "running-config":
        return Url("system:", "running-config")
    if text == "startup-config":
        return Url("nvram:", "startup-config")
    if ":" in text:
        fs, _, rest = text.partition(":")
        fs = fs.lower() + ":"
        if fs == "bootflash:":
            fs = "flash:"
        return Url(fs, rest.lstrip("/"))
    return Url(default_fs, text.lstrip("/"))


class Flash:
    def __init__(self, root: Path):
        self.root = Path(root)

    def _ensure(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root.resolve()

    def resolve(self, name: str) -> Path:
        """The host path of `name` (relative to flash:/), or FsError when it would leave the folder."""
        root = self._ensure()
        if "\\" in name or "\0" in name or len(name) > 255:
            raise FsError("Invalid argument")
        parts = [p for p in name.split("/")]
        if name == "":
            return root
        if any(p in ("", ".", "..") for p in parts):
            raise FsError("Invalid argument")
        p = (root / "/".join(parts)).resolve()
        if p != root and root not in p.parents:
            raise FsError("Permission denied")
        return p

    def exists(self, name: str) -> bool:
        try:
            return self.resolve(name).exists()
        except FsError:
            return False

    def read(self, name: str) -> bytes:
        p = self.resolve(name)
        if not p.is_file():
            raise FsError("No such file or directory" if not p.exists() else "Is a directory")
        return p.read_bytes()

    def write(self, name: str, data: bytes) -> None:
        p = self.resolve(name)
        if p == self.root.resolve() or p.is_dir():
            raise FsError("Is a directory")
        if not p.parent.is_dir():
            raise FsError("No such file or directory")
        fd, tmp = tempfile.mkstemp(prefix=".flash-", dir=p.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, p)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def delete(self, name: str) -> None:
        p = self.resolve(name)
        if not p.exists():
            raise FsError("No such file or directory")
        if p.is_dir():
            raise FsError("Is a directory")
        p.unlink()

    def mkdir(self, name: str) -> None:
        p = self.resolve(name)
        if p.exists():
            raise FsError("File exists")
        p.mkdir()

    def rmdir(self, name: str) -> None:
        p = self.resolve(name)
        if not p.is_dir() or p == self.root.resolve():
            raise FsError("No such file or directory")
        try:
            p.rmdir()
        except OSError:
            raise FsError("Directory not empty") from None

    def listing(self, name: str = "") -> tuple[str, list[tuple[int, str, int, float, str]]]:
        """(the `Directory of` path, rows of (index, permissions, size, mtime, name)) for a folder or a file."""
        p = self.resolve(name)
        if not p.exists():
            raise FsError("No such file or directory")
        entries = [p] if p.is_file() else sorted(x for x in p.iterdir() if not x.name.startswith(".flash-"))
        rows = []
        for e in entries:
            st = e.stat()
            perm = "drwx" if e.is_dir() else "-rw-"
            size = 4096 if e.is_dir() else st.st_size
            rows.append((st.st_ino % 1_000_000, perm, size, st.st_mtime, e.name))
        shown = name.rstrip("/")
        return ("flash:/" + shown + ("/" if p.is_dir() and shown else "")), rows

    def used(self) -> int:
        root = self._ensure()
        return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())

    def free(self) -> int:
        try:
            host_free = shutil.disk_usage(self._ensure()).free
        except OSError:
            host_free = FLASH_SIZE
        return max(0, min(FLASH_SIZE - self.used(), host_free))


def dir_lines(flash: Flash, name: str) -> list[str]:
    """`dir flash:[/path]` in IOS's layout (genie's Dir parser and ntc-templates' cisco_ios_dir read it)."""
    where, rows = flash.listing(name)
    out = [f"Directory of {where}", ""]
    if not rows:
        out.append("No files in directory")
    for idx, perm, size, mtime, fname in rows:
        stamp = time.strftime("%b %d %Y %H:%M:%S", time.gmtime(mtime)) + " +00:00"
        out.append(f"{idx:>8}  {perm} {size:>12}  {stamp}  {fname}")
    out += ["", f"{FLASH_SIZE} bytes total ({flash.free()} bytes free)"]
    return out


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def flash_of(router) -> Flash:
    """The router's flash: folder, made on first use beside the startup-config."""
    fl = getattr(router, "flash", None)
    if fl is None:
        base = router.startup_path.parent if router.startup_path else Path(
            os.environ.get("IOSFLEX_HOME", Path.home() / ".iosflex"))
        fl = router.flash = Flash(base / "flash")
    return fl

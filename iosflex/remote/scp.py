"""SCP server side over the router's SSH exec channel (`ip scp server enable`), to and from `flash:`.

A client runs `scp -t PATH` (upload: the router is the sink) or `scp -f PATH` (download: the router is the
source) as an exec request; this module speaks the rcp protocol on that channel's bytes: `C<mode> <size>
<name>` records, `T` times (acknowledged, not kept), `E`/`D` (directories: refused), one byte of 0 as the
acknowledgement, 1 (warning) or 2 (fatal) followed by a message line on errors.

IOS's rules: the server must be enabled (`ip scp server enable`) and the user must be at privilege 15; the
path is a `flash:` (or `bootflash:`) URL, or a bare name on flash:.  Names stay inside the flash folder
(iosflex/flash.py); `running-config` / `startup-config` are refused (IOS copies them with `copy`).
"""

from __future__ import annotations

import shlex
from typing import Callable

from ..archive import scp_enabled
from ..flash import FsError, flash_of, parse_url


class ScpSession:
    def __init__(self, router, command: str, privilege: int, write: Callable[[bytes], None],
                 finish: Callable[[int], None]):
        self.router = router
        self.write = write
        self.finish = finish
        self.buf = b""
        self.done = False
        self.file: tuple[str, int, bytearray] | None = None  # (name, size, data so far)
        try:
            argv = shlex.split(command)
        except ValueError:
            argv = command.split()
        flags = [a for a in argv[1:] if a.startswith("-")]
        paths = [a for a in argv[1:] if not a.startswith("-")]
        self.mode = "t" if "-t" in flags else "f" if "-f" in flags else None
        self.target = paths[-1] if paths else ""
        self.error = None
        if not scp_enabled(router.config):
            self.error = "scp: SCP server is not enabled (ip scp server enable)"
        elif privilege < 15:
            self.error = "scp: Permission denied (privilege level 15 is required)"
        elif self.mode is None or len(paths) != 1 or any(f in ("-r", "-d") for f in flags):
            self.error = "scp: unsupported request"
        else:
            url = parse_url(self.target)
            if url.fs != "flash:":
                self.error = f"scp: {self.target}: Permission denied"
            self.url = url

    def start(self):
        if self.error:
            return self._fail(self.error)
        if self.mode == "t":
            self.write(b"\0")
        # source mode waits for the client's first 0 byte

    def _fail(self, msg: str):
        self.write(b"\x02" + msg.encode() + b"\n")
        self._end(1)

    def _end(self, status: int):
        if not self.done:
            self.done = True
            self.finish(status)

    # -- input ------------------------------------------------------------------------------------------
    def data(self, data: bytes):
        if self.done:
            return
        self.buf += data
        if self.mode == "t":
            self._sink()
        else:
            self._source()

    def eof(self):
        if not self.done:
            self._end(0 if self.file is None else 1)

    # -- upload ----------------------------------------------------------------------------------------
    def _sink(self):
        while self.buf and not self.done:
            if self.file is not None:
                name, size, got = self.file
                need = size + 1 - len(got)
                got += self.buf[:need]
                self.buf = self.buf[need:]
                if len(got) < size + 1:
                    return
                self.file = None
                try:
                    flash_of(self.router).write(name, bytes(got[:size]))
                except FsError as e:
                    self.write(b"\x01scp: flash:/" + name.encode() + b": " + e.strerror.encode() + b"\n")
                    continue
                self.write(b"\0")
                continue
            nl = self.buf.find(b"\n")
            if nl < 0:
                return
            line, self.buf = self.buf[:nl].decode("utf-8", "replace"), self.buf[nl + 1:]
            kind = line[:1]
            if kind == "C":
                parts = line[1:].split(" ", 2)
                if len(parts) != 3 or not parts[1].isdigit():
                    return self._fail("scp: protocol error")
                name = self._dest_name(parts[2])
                if name is None:
                    return
                self.file = (name, int(parts[1]), bytearray())
                self.write(b"\0")
            elif kind in ("T", "E"):
                self.write(b"\0")
            elif kind == "D":
                return self._fail("scp: directories are not supported")
            else:
                return self._fail("scp: protocol error")

    def _dest_name(self, sent: str) -> str | None:
        fl = flash_of(self.router)
        path = self.url.path
        try:
            if path == "" or fl.resolve(path).is_dir():
                path = f"{path.rstrip('/')}/{sent}".lstrip("/")
            fl.resolve(path)
        except FsError as e:
            self._fail(f"scp: flash:/{path}: {e.strerror}")
            return None
        return path

    # -- download --------------------------------------------------------------------------------------
    def _source(self):
        # acknowledgements: first 0 starts, the second follows the record, the third the data
        while self.buf and not self.done:
            byte, self.buf = self.buf[:1], self.buf[1:]
            if byte != b"\0":
                return self._end(1)
            step = getattr(self, "_step", 0)
            self._step = step + 1
            if step == 0:
                try:
                    data = flash_of(self.router).read(self.url.path)
                except FsError as e:
                    return self._fail(f"scp: {self.target}: {e.strerror}")
                self._data = data
                name = self.url.path.rsplit("/", 1)[-1]
                self.write(f"C0644 {len(data)} {name}\n".encode())
            elif step == 1:
                self.write(self._data + b"\0")
            else:
                return self._end(0)

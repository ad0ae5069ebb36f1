"""File system and archive commands: dir, show file systems, more, delete, mkdir, rmdir, copy, verify /md5,
archive config, show archive ..., configure replace / confirm / revert (iosflex/flash.py, iosflex/archive.py)."""

from __future__ import annotations

import time

from .. import archive
from ..flash import FLASH_SIZE, NVRAM_SIZE, FsError, Url, dir_lines, flash_of, md5_hex, parse_url
from . import CommandError, confirmed, handler

REPLACE_WARNING = [
    "This will apply all necessary additions and deletions",
    "to replace the current running configuration with the",
    "contents of the specified configuration file, which is",
    "assumed to be a complete configuration, not a partial",
    "configuration. Enter Y if you are sure you want to proceed. ? [no]: ",
]


def _open_error(url, e: FsError | str) -> str:
    return f"%Error opening {url} ({e.strerror if isinstance(e, FsError) else e})"


def read_url(router, url: Url) -> bytes:
    """The bytes of a source URL; FsError as IOS names the failure."""
    if url.fs == "system:" and url.path == "running-config":
        return router.running_config_text().encode()
    if url.fs == "nvram:" and url.path == "startup-config":
        text = router.startup_text()
        if text is None:
            raise FsError("No such file or directory")
        return text.encode()
    if url.fs == "null:":
        return b""
    if url.fs == "flash:":
        return flash_of(router).read(url.path)
    raise FsError("No such device")


def _user(ctx) -> str:
    lines = ctx.router.lines
    for e in list(lines.vty.values()) + ([lines.console] if lines.console else []):
        if e is not None and e.session is ctx.session:
            return e.user or e.protocol
    return "console"


def _quiet(ctx) -> bool:
    return archive.file_prompt_quiet(ctx.cfg)


def _copied(n: int, started: float) -> str:
    secs = max(time.perf_counter() - started, 0.001)
    return f"{n} bytes copied in {secs:.3f} secs ({int(n / secs)} bytes/sec)"


# -- dir, show file systems, more, delete, mkdir, rmdir, verify --------------------------------------------

@handler("exec_dir")
def exec_dir(ctx):
    text = ctx.args.get("url") or "flash:"
    url = parse_url(text)
    if url.fs == "nvram:":
        st = ctx.router.startup_text()
        rows = [] if st is None else [f"{32762:>8}  -rw- {len(st.encode()):>12}                    <no date>  startup-config"]
        if url.path not in ("", "startup-config"):
            raise CommandError(_open_error(f"nvram:/{url.path}", "No such file or directory"))
        ctx.write("Directory of nvram:/", "", *rows, "", f"{NVRAM_SIZE} bytes total "
                  f"({NVRAM_SIZE - (len(st.encode()) if st else 0)} bytes free)")
        return
    if url.fs != "flash:":
        raise CommandError(_open_error(text, "No such device"))
    try:
        ctx.write(*dir_lines(flash_of(ctx.router), url.path))
    except FsError as e:
        raise CommandError(_open_error(f"flash:/{url.path}", e)) from None


@handler("show_file_systems")
def show_file_systems(ctx):
    fl = flash_of(ctx.router)
    st = ctx.router.startup_text()
    nv_free = NVRAM_SIZE - (len(st.encode()) if st else 0)
    ctx.write("File Systems:", "", "       Size(b)       Free(b)      Type  Flags  Prefixes",
              "             -             -    opaque     rw   system:",
              "             -             -    opaque     rw   tmpsys:",
              f"* {FLASH_SIZE:>12} {fl.free():>13}      disk     rw   bootflash: flash:",
              f"  {NVRAM_SIZE:>12} {nv_free:>13}     nvram     rw   nvram:",
              "             -             -    opaque     rw   null:", "")


@handler("exec_more")
def exec_more(ctx):
    text = ctx.args.get("url")
    url = parse_url(text)
    try:
        data = read_url(ctx.router, url)
    except FsError as e:
        raise CommandError(_open_error(text, e)) from None
    ctx.write(*data.decode("utf-8", "replace").rstrip("\n").split("\n"))


@handler("exec_delete")
def exec_delete(ctx):
    text = ctx.args.get("url")
    url = parse_url(text)
    if url.fs != "flash:":
        raise CommandError(f"%Error deleting {text} (Operation not permitted)")
    fl = flash_of(ctx.router)

    def do() -> list[str]:
        try:
            fl.delete(url.path)
        except FsError as e:
            return [f"%Error deleting flash:/{url.path} ({e.strerror})"]
        return []

    try:
        fl.resolve(url.path)
    except FsError as e:
        raise CommandError(f"%Error deleting flash:/{url.path} ({e.strerror})") from None
    if ctx.args.has("/force") or _quiet(ctx):
        ctx.write(*do())
        return

    def named(answer: str):
        name = answer.strip() or url.path
        url.path = name.lstrip("/")

        def confirm(ans: str):
            return do() if confirmed(ans) else []

        ctx.ask(f"Delete flash:/{url.path}? [confirm]", confirm)
        return []

    ctx.ask(f"Delete filename [{url.path}]? ", named, echo=True)


@handler("exec_mkdir")
def exec_mkdir(ctx):
    url = parse_url(ctx.args.get("url"))
    if url.fs != "flash:":
        raise CommandError(f"%Error Creating dir {ctx.args.get('url')} (Operation not permitted)")
    try:
        flash_of(ctx.router).mkdir(url.path.rstrip("/"))
    except FsError as e:
        raise CommandError(f"%Error Creating dir flash:/{url.path} ({e.strerror})") from None
    ctx.write(f"Created dir flash:/{url.path}")


@handler("exec_rmdir")
def exec_rmdir(ctx):
    url = parse_url(ctx.args.get("url"))
    try:
        if url.fs != "flash:":
            raise FsError("Operation not permitted")
        flash_of(ctx.router).rmdir(url.path.rstrip("/"))
    except FsError as e:
        raise CommandError(f"%Error Removing dir {ctx.args.get('url')} ({e.strerror})") from None
    ctx.write(f"Removed dir flash:/{url.path}")


@handler("exec_verify_md5")
def exec_verify_md5(ctx):
    text = ctx.args.get("url")
    url = parse_url(text)
    try:
        data = read_url(ctx.router, url)
    except FsError as e:
        raise CommandError(f"%Error opening {text} ({e.strerror})") from None
    digest = md5_hex(data)
    ctx.write("." * max(1, min(len(data) // 4096, 60)) + "Done!")
    want = ctx.args.get("hash")
    if want is None:
        ctx.write(f"verify /md5 ({text}) = {digest}")
    elif want.lower() == digest:
        ctx.write(f"Verified ({text}) = {digest}")
    else:
        ctx.write(f"%Error verifying {text}", f"Computed signature = {digest}", f"Submitted signature = {want}")


# -- copy ----------------------------------------------------------------------------------------------------

def _word(ctx, i: int) -> str:
    node, typed = ctx.args.path[i]
    return node.tok.text if node.tok.is_keyword else typed


@handler("exec_copy")
def exec_copy(ctx):
    src_text, dst_text = _word(ctx, 1), _word(ctx, 2)
    src, dst = parse_url(src_text), parse_url(dst_text)
    router = ctx.router
    try:
        data = read_url(router, src)
    except FsError as e:
        raise CommandError(_open_error(src_text, e)) from None
    if dst.fs not in ("flash:", "null:", "system:", "nvram:") or (dst.fs == "system:" and dst.path != "running-config") \
            or (dst.fs == "nvram:" and dst.path != "startup-config"):
        raise CommandError(_open_error(dst_text, "Permission denied" if dst.fs in ("system:", "nvram:") else "No such device"))
    if dst.fs == "flash:" and not dst.path:
        dst.path = src.path.rsplit("/", 1)[-1] if src.fs == "flash:" else src.path
    if dst.fs == "flash:":
        try:
            flash_of(router).resolve(dst.path)
        except FsError as e:
            raise CommandError(_open_error(f"flash:/{dst.path}", e)) from None

    def run() -> list[str]:
        started = time.perf_counter()
        if dst.fs == "system:":
            rejected = router.apply_config(data.decode("utf-8", "replace"))
            out = []
            for r in rejected:
                out += [r.line.strip()] + [x for x in r.error if x.strip()]
            return out + [_copied(len(data), started)]
        if dst.fs == "nvram:":
            if src.fs == "system:":
                try:
                    router.save()
                except OSError as e:
                    return [f"%Error opening nvram:startup-config ({e.strerror})"]
                return ["Building configuration...", "[OK]"] if src_text.startswith("running") else ["[OK]"]
            try:
                router.save(data.decode("utf-8", "replace"))
            except OSError as e:
                return [f"%Error opening nvram:startup-config ({e.strerror})"]
            return [_copied(len(data), started)]
        if dst.fs == "null:":
            return [_copied(len(data), started)]
        try:
            flash_of(router).write(dst.path, data)
        except FsError as e:
            return [_open_error(f"flash:/{dst.path}", e)]
        return [_copied(len(data), started)]

    if _quiet(ctx):
        ctx.write(*run())
        return
    default = {"system:": "running-config", "nvram:": "startup-config"}.get(dst.fs, dst.path)

    def named(answer: str):
        name = answer.strip()
        if name and name != default:
            if dst.fs != "flash:":
                return [_open_error(f"{dst.fs}/{name}", "Permission denied")]
            dst.path = name.lstrip("/")
        if dst.fs == "flash:" and flash_of(router).exists(dst.path):
            def overwrite(ans: str):
                return run() if confirmed(ans) else []

            ctx.ask("%Warning:There is a file already existing with this name\nDo you want to over write? [confirm]",
                    overwrite)
            return []
        return run()

    ctx.ask(f"Destination filename [{default}]? ", named, echo=True)


# -- archive -------------------------------------------------------------------------------------------------

@handler("exec_archive_config")
def exec_archive_config(ctx):
    conf = archive.settings(ctx.cfg)
    if not conf or not conf["path"]:
        raise CommandError("%Please turn config archive on")
    try:
        archive.archive_now(ctx.router)
    except FsError as e:
        raise CommandError(f"%Error writing archive ({e.strerror})") from None


@handler("show_archive")
def show_archive(ctx):
    conf = archive.settings(ctx.cfg)
    if not conf or not conf["path"]:
        ctx.write("Archive feature not enabled")
        return
    st = archive.state(ctx.router)
    ctx.write(f"The maximum archive configurations allowed is {conf['maximum']}.",
              f"The next archive file will be named {conf['path']}-{st.counter + 1}",
              " Archive #  Name")
    for i in range(1, conf["maximum"] + 1):
        name = st.saved[i - 1] if i <= len(st.saved) else ""
        mark = " <- Most Recent" if name and i == len(st.saved) else ""
        ctx.write(f"   {i:<8} {name}{mark}".rstrip())


def _config_text(router, text: str) -> str:
    try:
        return read_url(router, parse_url(text)).decode("utf-8", "replace")
    except FsError as e:
        raise CommandError(_open_error(text, e)) from None


@handler("show_archive_differences")
def show_archive_differences(ctx):
    a, b = ctx.args.get("a"), ctx.args.get("b")
    if a is None:
        a, b = "nvram:startup-config", "system:running-config"
    elif b is None:
        a, b = "system:running-config", a
    old = archive.parse_tree(_config_text(ctx.router, a))
    new = archive.parse_tree(_config_text(ctx.router, b))
    diff = archive.contextual_diff(old, new, ignorecase=ctx.args.has("ignorecase"))
    ctx.write("!Contextual Config Diffs:", *diff) if diff else ctx.write("!No changes were found")


@handler("show_archive_incremental")
def show_archive_incremental(ctx):
    text = _config_text(ctx.router, ctx.args.get("a"))
    lines = archive.incremental(archive.parse_tree(ctx.router.running_config_text()), archive.parse_tree(text),
                                ignorecase=ctx.args.has("ignorecase"))
    if not lines:
        ctx.write("!List of Commands:", "end", "!No changes were found")
        return
    ctx.write("!List of Commands:", *lines, "end")


@handler("show_archive_rollback_timer")
def show_archive_rollback_timer(ctx):
    ctx.write(*archive.timer_lines(ctx.router))


# -- configure replace / confirm / revert ---------------------------------------------------------------------

@handler("exec_configure_replace")
def exec_configure_replace(ctx):
    text = ctx.args.get("url")
    url = parse_url(text)
    router = ctx.router
    try:
        data = read_url(router, url).decode("utf-8", "replace")
    except FsError as e:
        raise CommandError(_open_error(text, e)) from None
    minutes = ctx.args.int("time") or ctx.args.int("timer")
    conf = archive.settings(ctx.cfg)
    if (minutes or ctx.args.has("revert")) and not (conf and conf["path"]):
        raise CommandError("%Please turn config archive on")
    if archive.state(router).pending is not None:
        raise CommandError("%Rollback Confirmed Change is in progress: use configure confirm or configure revert")
    user = _user(ctx)
    show_list = ctx.args.has("list")

    def go() -> list[str]:
        previous = router.running_config_text()
        res = archive.apply_text(router, data, show_list=show_list)
        out = list(res.listing)
        if not res.ok:
            line, err = res.rejected[0]
            archive.apply_text(router, previous)
            restored = router.running_config_text() == previous
            out += [f"The following command of {text} was rejected:", line, *err,
                    "Rolling back to the previous configuration..."]
            out.append("%The original configuration has been successfully restored." if restored else
                       "%Rollback to the original configuration did not restore every line.")
            return out
        out += [f"Total number of passes: {res.passes}", "Rollback Done"]
        if minutes:
            archive.start_timer(router, previous, minutes, user)
        return out

    if ctx.args.has("force"):
        ctx.write(*go())
        return

    def confirm(answer: str):
        return go() if answer.strip().lower() in ("y", "yes") else []

    ctx.ask("\n".join(REPLACE_WARNING), confirm, echo=True)


@handler("exec_configure_confirm")
def exec_configure_confirm(ctx):
    archive.cancel_timer(ctx.router)


@handler("exec_configure_revert")
def exec_configure_revert(ctx):
    st = archive.state(ctx.router)
    if st.pending is None:
        raise CommandError("%No Rollback Confirmed Change pending")
    if ctx.args.has("now"):
        archive.expire(ctx.router)
    elif ctx.args.has("cancel"):
        archive.cancel_timer(ctx.router)
    else:
        p = st.pending
        archive.start_timer(ctx.router, p.previous, ctx.args.int("timer"), p.user)


# -- CDP / LLDP ------------------------------------------------------------------------------------------------

@handler("show_cdp_lldp")
def show_cdp_lldp(ctx):
    what = ctx.args.path[1][0].tok.text.upper()
    raise CommandError(f"% {what} is not enabled")

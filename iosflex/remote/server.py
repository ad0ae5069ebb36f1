"""The router driver: console, telnet and SSH on one asyncio loop, all sessions on one Router.

Every command runs to completion on the loop before the next input is read, so concurrent sessions see one
consistent running-config and a client that drops mid-command cannot leave a half-applied change.
"""

from __future__ import annotations

import asyncio
import inspect
import errno
import os
import signal
import sys
from dataclasses import dataclass, field

from .. import logbus
from .vty import Entry, table


def parse_endpoint(text: str, default_port: int) -> tuple[str, int]:
    """`[ADDR:]PORT` (or `[v6addr]:PORT`) -> (host, port); the address defaults to 127.0.0.1."""
    text = text.strip()
    if not text:
        return "127.0.0.1", default_port
    if text.startswith("["):
        host, _, port = text[1:].partition("]:")
        return host, int(port)
    if ":" in text:
        host, _, port = text.rpartition(":")
        return host or "127.0.0.1", int(port)
    if text.isdigit():
        return "127.0.0.1", int(text)
    return text, default_port


@dataclass
class RemoteServer:
    router: object
    servers: list = field(default_factory=list)
    addresses: dict[str, tuple[str, int]] = field(default_factory=dict)

    async def start_telnet(self, host: str = "127.0.0.1", port: int = 2323) -> tuple[str, int]:
        from .telnet import start_telnet

        srv = await start_telnet(self.router, host, port)
        self.servers.append(srv)
        addr = srv.sockets[0].getsockname()[:2]
        self.addresses["telnet"] = addr
        return addr

    async def start_ssh(self, host: str = "127.0.0.1", port: int = 2222, host_key=None) -> tuple[str, int]:
        from .ssh import start_ssh

        srv = await start_ssh(self.router, host, port, host_key)
        self.servers.append(srv)
        addr = srv.sockets[0].getsockname()[:2]
        self.addresses["ssh"] = addr
        return addr

    async def stop(self):
        for e in list(table(self.router).vty.values()):
            e.disconnect()
        for srv in self.servers:
            srv.close()
        for srv in self.servers:
            try:
                await asyncio.wait_for(srv.wait_closed(), 2)
            except Exception:  # noqa: BLE001
                pass
        self.servers.clear()


CON_AVAILABLE = "\n{host} con0 is now available\n\n\n\n\n\nPress RETURN to get started.\n"
RELOADED = "\n\nPress RETURN to get started.\n"


async def run_console_async(router, exit_on_logout: bool = False) -> None:
    """The local console (prompt_toolkit) as one more task on the loop; log lines appear above the prompt.

    `exit` / `logout` end the EXEC session as on IOS (`Router con0 is now available`, `Press RETURN to get
    started.`, then a new session at `Router>`); `reload` restarts the router and does the same.  The task
    ends on end-of-file (Ctrl-D), or at `exit` with `exit_on_logout` (`--exit-on-logout`)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.application import run_in_terminal

    from ..console import CTRL_Z, _read_key, key_bindings
    from ..pager import apage

    loop = asyncio.get_running_loop()

    def write(s: str):
        sys.stdout.write(s)
        sys.stdout.flush()

    def console_log(line: str):
        run_in_terminal(lambda: print(line), in_executor=False)

    def new_session():
        s = router.session()
        table(router).set_console(Entry("con", 0, "console", session=s))
        return s, PromptSession(key_bindings=key_bindings(s))

    session, ps = new_session()
    logbus.bus(router).attach("console", console_log)
    try:
        while True:
            if session.closed:  # exit, logout, or a reload (typed here or on a vty)
                if exit_on_logout and not session.reloaded:
                    break
                write(RELOADED if session.reloaded else CON_AVAILABLE.format(host=router.config.hostname.name))
                try:
                    await PromptSession().prompt_async("")
                except EOFError:
                    break
                except KeyboardInterrupt:
                    pass
                session, ps = new_session()
                continue
            try:
                line = await ps.prompt_async(session.prompt, is_password=not session.echo)
            except EOFError:
                break
            except KeyboardInterrupt:
                continue
            if session.closed:  # reloaded from a vty while this prompt waited
                continue
            if line == CTRL_Z:
                if session.in_config:
                    session.end()
                    logbus.log(router, "%SYS-5-CONFIG_I: Configured from console by console", stamp=True)
                continue
            table(router).console.touch()
            was_config = session.in_config
            out = session.run(line)
            if inspect.isawaitable(out):  # a command that waits for the network (test aaa group)
                out = await out
            if was_config and not session.in_config:
                logbus.log(router, "%SYS-5-CONFIG_I: Configured from console by console", stamp=True)
            await apage(out, session.length, write, lambda: loop.run_in_executor(None, _read_key))
    finally:
        logbus.bus(router).detach("console")
        table(router).set_console(None)


async def serve(router, ssh: tuple[str, int] | None = None, telnet: tuple[str, int] | None = None,
                console: bool = True, announce=print, ike: dict | None = None, exit_on_logout: bool = False,
                ready=None) -> int:
    """Run until SIGTERM/SIGINT, or the console's end of file (Ctrl-D) or `exit` with `exit_on_logout`.  `ike`: the keyword
    arguments of crypto.driver.start (binds, ports, host_addresses) to run the IKEv2 responder too; without it
    the router's services (AAA, RADIUS) run all the same, with no IKE socket.  `ready()`, if given, is called
    once everything listens (the `iosflex` program settles its heap then: iosflex/heap.py)."""
    from ..crypto import driver

    ike_driver = None
    srv = RemoteServer(router)
    what = ""
    try:
        if ike is not None:
            what = "IKEv2"
            ike_driver = await driver.start(router, **ike)
            for host, port in sorted(ike_driver.endpoints):
                if port in (500, 4500):  # the others are RADIUS and dynamic-author sockets
                    announce(f"% IKEv2 listening on {host}:{ike_driver._real_port(port)}")
        else:  # no IKE, but AAA still runs: RADIUS vty logins, `test aaa group`
            ike_driver = await driver.start(router, ike=False)
        if telnet:
            what = f"telnet on {telnet[0]}:{telnet[1]}"
            host, port = await srv.start_telnet(*telnet)
            announce(f"% Telnet server listening on {host}:{port}")
        if ssh:
            what = f"SSH on {ssh[0]}:{ssh[1]}"
            host, port = await srv.start_ssh(*ssh)
            announce(f"% SSH server listening on {host}:{port}")
    except OSError as e:  # port in use, address not ours, no permission: say so in one line, start nothing
        reason = os.strerror(e.errno) if e.errno else str(e)
        if what == "IKEv2" and e.filename:
            what += f" on {e.filename}"
        hint = " (unprivileged: --ike-ports 1500,14500)" if what.startswith("IKEv2") and e.errno == errno.EACCES else ""
        announce(f"% Cannot listen for {what}: {reason[:1].lower() + reason[1:]}{hint}")
        await srv.stop()
        if ike_driver is not None:
            ike_driver.close()
        return 1
    if ready is not None:
        ready()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # at the console, Ctrl-C is a key (prompt_toolkit), not SIGINT
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        if console:
            con = asyncio.ensure_future(run_console_async(router, exit_on_logout=exit_on_logout))
            waiter = asyncio.ensure_future(stop.wait())
            await asyncio.wait([con, waiter], return_when=asyncio.FIRST_COMPLETED)
            for t in (con, waiter):
                t.cancel()
        else:
            logbus.bus(router).attach("console", lambda line: print(line, file=sys.stderr, flush=True))
            await stop.wait()
    finally:
        await srv.stop()
        if ike_driver is not None:
            ike_driver.close()
    return 0

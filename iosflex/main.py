"""`iosflex` command: start the router on its startup-config, with the console (interactive or batch)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .pager import page
from .router import Router


def default_home() -> Path:
    return Path(os.environ.get("IOSFLEX_HOME", Path.home() / ".iosflex"))


def build_router(args) -> Router:
    if args.startup_config:
        router = Router(args.startup_config)
    else:
        router = Router(default_home() / "startup-config", default_if_missing=True)
    rejected = router.load_startup()
    if router.startup_problem:
        print(router.startup_problem, file=sys.stderr)
    for rej in rejected:
        for ln in rej.report():
            print(ln, file=sys.stderr)
    return router


def run_batch(router: Router, inp, out) -> int:
    """Lines from `inp` as if typed at the console; `out` gets what the console shows."""
    session = router.session(length=0)
    lines = iter(inp)

    def read_key() -> str:
        try:
            nxt = next(lines)
        except StopIteration:
            return ""
        out.write("\n")
        return nxt[:1] if nxt.strip("\r\n") else "\n"

    for raw in lines:
        line = raw.rstrip("\r\n")
        out.write(session.prompt + (line if session.echo else "") + "\n")
        page(session.feed(line), session.length, out.write, read_key, erase="")
        if session.closed:
            if not session.reloaded:
                return 0
            out.write("\n\nPress RETURN to get started.\n\n")  # the router restarted on its startup-config
            session = router.session(length=0)
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["client"]:  # `iosflex client ...`: the reference IKEv2 initiator
        from .crypto.client import main as client_main

        return client_main(argv[1:])
    ap = argparse.ArgumentParser(prog="iosflex", description="Cisco IOS FlexVPN server emulator")
    ap.add_argument("--startup-config", metavar="FILE",
                    help="startup-config to load and to save to (default: $IOSFLEX_HOME/startup-config, "
                         "else the embedded FlexVPN server config)")
    ap.add_argument("--batch", action="store_true", help="read commands from stdin even on a terminal")
    ap.add_argument("--ssh", nargs="?", const="127.0.0.1:2222", metavar="[ADDR:]PORT",
                    help="serve SSH (default address 127.0.0.1; without a value 127.0.0.1:2222)")
    ap.add_argument("--telnet", nargs="?", const="127.0.0.1:2323", metavar="[ADDR:]PORT",
                    help="serve telnet (default address 127.0.0.1; without a value 127.0.0.1:2323)")
    ap.add_argument("--ike", nargs="?", const="", metavar="ADDR",
                    help="run the IKEv2 responder on the router's interface addresses (or on ADDR, a host address)")
    ap.add_argument("--bind", action="append", metavar="IOSNAME=LINUXDEV",
                    help="map an IOS interface to a Linux device: IKE listens on the device's address "
                         "(repeatable; implies --ike)")
    ap.add_argument("--ike-ports", metavar="IKE,NATT", help="UDP ports for IKE and NAT-T (default 500,4500; "
                    "e.g. 1500,14500 unprivileged; implies --ike)")
    ap.add_argument("--dataplane", choices=("none", "tun"), default="none",
                    help="tun: carry the sessions' ESP through a Linux TUN device each (needs CAP_NET_ADMIN; "
                         "default none: ESP is counted and dropped)")
    ap.add_argument("--no-console", action="store_true",
                    help="headless: no local console; run until SIGTERM/SIGINT (log lines go to stderr)")
    ap.add_argument("--exit-on-logout", action="store_true",
                    help="end the program when the console session ends (exit/logout); by default the console "
                         "waits for RETURN as IOS does, and the program ends on SIGTERM/SIGINT or Ctrl-D")
    args = ap.parse_args(argv)
    router = build_router(args)
    console = not args.no_console and sys.stdin.isatty() and not args.batch
    ike = None
    if args.ike is not None or args.bind or args.ike_ports:
        from .crypto.driver import parse_binds, parse_ports

        try:
            ike = {"binds": parse_binds(args.bind), "ports": parse_ports(args.ike_ports),
                   "host_addresses": [args.ike] if args.ike else None}
            if args.dataplane != "none":
                ike["dataplane"] = args.dataplane
        except ValueError as e:
            ap.error(str(e))
    if not (args.ssh or args.telnet or args.no_console or ike) and not console:
        return run_batch(router, sys.stdin, sys.stdout)
    import asyncio

    from .remote.server import parse_endpoint, serve

    ssh = parse_endpoint(args.ssh, 2222) if args.ssh else None
    telnet = parse_endpoint(args.telnet, 2323) if args.telnet else None
    from . import heap

    # once everything listens, the start-up state is frozen and the collector's thresholds set (iosflex/heap.py)
    return asyncio.run(serve(router, ssh=ssh, telnet=telnet, console=console, ike=ike,
                             exit_on_logout=args.exit_on_logout,
                             announce=lambda text: print(text, file=sys.stderr, flush=True), ready=heap.settle))


if __name__ == "__main__":
    sys.exit(main())

"""Remote terminals: telnet and SSH front ends on the router's own vty line discipline and IOS login.

`line.py` (sans-I/O line discipline), `login.py` (IOS login and the vty shell), `vty.py` (which line each
session holds), `conn.py` (one connection: timers, monitor output), `telnet.py`, `ssh.py`, and `server.py`
(console + telnet + SSH on one asyncio loop).
"""

"""RADIUS for the emulated router, sans-I/O: the dictionary (dictionary.py), packets (packet.py), the
client with its server groups, retransmissions and fail-over (client.py, servers.py), `debug radius` text
(debug.py) and `show aaa servers` (show.py).  Sockets and timers belong to the driver."""

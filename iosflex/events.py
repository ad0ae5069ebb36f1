"""What the sans-I/O cores (IKEv2 responder, AAA, RADIUS client, sessions) hand back to the one driver.

A core never holds the driver, a socket, the wall clock or a random source: every entry point takes `now`,
randomness is passed in at construction, and everything a call produces comes back as a list of these
events, in the order it happened.  The driver (iosflex/services.py: asyncio sockets and timers, or
iosflex/simnet.py: the in-process network of the golden transcripts) carries them out in that order.
"""

from __future__ import annotations

from dataclasses import dataclass


ESP_PORT = 0  # a Datagram's port when it is plain ESP (IP protocol 50), not UDP: crypto/driver.py's raw socket


@dataclass(slots=True, frozen=True)
class Datagram:
    """One UDP payload to send (or received): for IKE on port 4500 `data` already carries the non-ESP marker.
    Ports ESP_PORT: a plain ESP packet (interfaces/tun.py `esp_path`)."""

    data: bytes
    src: tuple[str, int]
    dst: tuple[str, int]


@dataclass(slots=True, frozen=True)
class Log:
    """Lines for the console and every `terminal monitor` vty (debug lines already filtered by their flag)."""

    lines: tuple[str, ...]


@dataclass(slots=True)
class AaaRequest:
    """A question a core cannot answer itself (a PSK lookup, an authorization, an accounting record, an EAP
    round): the driver passes it to the AAA service and calls the asker's `resume(token, result, now)` with
    the answer.  `kind` names the request; `data` is the kind's own dataclass."""

    token: object
    kind: str
    data: object = None


@dataclass(slots=True)
class SessionEvent:
    """A peer session came up, changed (rekey, new child SA) or went down: the session table and accounting
    follow it."""

    what: str  # "up", "update" (an IKE rekey), "gone"
    session: object = None  # the engine's IkeSaState


@dataclass(slots=True)
class AaaAnswer:
    """The answer to an AaaRequest: the driver gives it to the asker's `resume(token, result, now)`."""

    token: object
    result: object = None

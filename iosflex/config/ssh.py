"""`ip ssh ...` in the running-config: the protocol version and the public-key chain.

IOS keeps a key typed with `key-string` as its MD5 hash and prints it back as `key-hash ssh-rsa HEX`, which
pastes back unchanged; the SSH server compares the hash of the key a client offers (remote/ssh.py).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from .model import feature


@dataclass
class PubkeyUser:
    name: str
    hashes: list[tuple[str, str]] = field(default_factory=list)  # (key type, MD5 hex upper)
    pending: list[str] = field(default_factory=list)  # key-string lines being typed


@feature("ip_ssh")
@dataclass
class IpSsh:
    version: int | None = None
    users: dict[str, PubkeyUser] = field(default_factory=dict)

    def has_keys(self) -> bool:
        return any(u.hashes for u in self.users.values())

    def allows(self, username: str, md5hex: str) -> bool:
        u = self.users.get(username)
        return bool(u) and any(h == md5hex.upper() for _, h in u.hashes)

    def render(self, cfg):
        out = []
        if self.version is not None:
            out.append(f"ip ssh version {self.version}")
        if self.users:
            out.append("ip ssh pubkey-chain")
            for u in self.users.values():
                out.append(f"  username {u.name}")
                out.extend(f"   key-hash {kind} {h}" for kind, h in u.hashes)
        return [out] if out else []


def key_string_hash(text: str) -> tuple[str, str] | None:
    """(type, MD5 hex) of the key typed in `key-string` lines: the base64 blob, optionally with the
    `ssh-rsa` prefix and a comment as in an OpenSSH public key file."""
    words = text.split()
    blob = None
    for w in words:
        try:
            data = base64.b64decode(w + "=" * (-len(w) % 4), validate=True)
        except (ValueError, base64.binascii.Error):
            continue
        if len(data) > 8 and (blob is None or len(data) > len(blob)):
            blob = data
    if blob is None:
        return None
    n = int.from_bytes(blob[:4], "big")
    kind = blob[4 : 4 + n].decode(errors="replace") if 0 < n < 64 else "ssh-rsa"
    return kind, hashlib.md5(blob).hexdigest().upper()

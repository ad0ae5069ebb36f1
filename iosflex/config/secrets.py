"""IOS password and secret encodings: type 7 (reversible, `service password-encryption`) and type 9 (scrypt),
and `verify_secret`, the one check of a typed password against a configured one (types 0, 7, 5, 8, 9).

Type 7 is the well-known Vigenere-style XOR with IOS's fixed key; type 9 is scrypt (N=16384, r=1, p=1)
over a 14-character salt, both written in Cisco's base64 alphabet ``./0-9A-Za-z``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

_XLAT = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"
_STD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_CISCO = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_TO_CISCO = bytes.maketrans(_STD, _CISCO)


def type7_encode(plain: str, seed: int = 2) -> str:
    out = f"{seed:02d}"
    for i, ch in enumerate(plain.encode()):
        out += f"{ch ^ _XLAT[(seed + i) % len(_XLAT)]:02X}"
    return out


def type7_decode(enc: str) -> str | None:
    try:
        seed = int(enc[:2])
        data = bytes.fromhex(enc[2:])
    except ValueError:
        return None
    if seed >= len(_XLAT) or len(enc) % 2:
        return None
    return bytes(b ^ _XLAT[(seed + i) % len(_XLAT)] for i, b in enumerate(data)).decode(errors="replace")


def _cisco_b64(data: bytes) -> str:
    return base64.b64encode(data).translate(_TO_CISCO).decode().rstrip("=")


def type9_hash(plain: str, salt: str | None = None) -> str:
    if salt is None:
        salt = _cisco_b64(os.urandom(12))[:14]
    dk = hashlib.scrypt(plain.encode(), salt=salt.encode(), n=16384, r=1, p=1, dklen=32)
    return f"$9${salt}${_cisco_b64(dk)}"


def type9_verify(plain: str, hashed: str) -> bool:
    parts = hashed.split("$")
    if len(parts) != 4 or parts[1] != "9":
        return False
    return type9_hash(plain, parts[2]) == hashed


def verify_secret(secret, plain: str) -> bool:
    """Does `plain` match a configured password/secret (types 0, 7, 5, 8, 9)?"""
    if secret is None:
        return False
    enc, value = secret.enc, secret.value
    if enc == 0:
        return hmac.compare_digest(plain.encode(), value.encode())
    if enc == 7:
        clear = type7_decode(value)
        return clear is not None and hmac.compare_digest(plain.encode(), clear.encode())
    if enc == 9:
        return type9_verify(plain, value)
    if enc == 8:
        parts = value.split("$")
        if len(parts) != 4:
            return False
        dk = hashlib.pbkdf2_hmac("sha256", plain.encode(), parts[2].encode(), 20000, 32)
        return hmac.compare_digest(_cisco_b64(dk), parts[3])
    if enc == 5:
        try:
            import crypt  # noqa: PLC0415  (deprecated module; md5-crypt is all type 5 needs)

            return hmac.compare_digest(crypt.crypt(plain, value) or "", value)
        except Exception:  # noqa: BLE001
            return False
    return False

"""PKI running-config: trustpoints, certificate maps (inventory §2.11) and the certificates of each trustpoint
(`crypto pki certificate chain TP` blocks: ` certificate ca SERIAL` for the CA, ` certificate SERIAL` for the
router's own certificate, DER as hex lines ended by `quit`, as IOS prints them).

Private keys are not configuration (IOS keeps key pairs in NVRAM, outside the running-config): an imported key
lives in the router's memory (`router.pki_keys`, label -> key) and, when the router has a startup-config path,
in `<startup-config directory>/pki/<label>.key` (PKCS#8 PEM, unencrypted, mode 0600), read back on first use
after a restart.  The label is the trustpoint's `rsakeypair` / `eckeypair` label, else the trustpoint name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .model import feature


@dataclass
class Trustpoint:
    name: str
    enrollment_mode_ra: bool = False
    enrollment: str | None = None  # "terminal", "terminal pem", "selfsigned", "url URL"
    vrf: str | None = None
    serial_number: str | None = None  # "" for `serial-number`, "none"
    fqdn: str | None = None
    ip_address: str | None = None  # A.B.C.D or "none"
    subject_name: str | None = None
    subject_alt_name: str | None = None
    revocation_check: list[str] = field(default_factory=list)
    rsakeypair: str | None = None
    rsakeypair_size: int | None = None
    eku_request: list[str] = field(default_factory=list)
    fingerprint: str | None = None
    auto_enroll: str | None = None  # "" for bare `auto-enroll`, else "70", "70 regenerate"...
    eckeypair: str | None = None
    # certificates (x509.Certificate): the CA certificate(s) and the router's own certificate
    ca_certs: list = field(default_factory=list, compare=False, repr=False)
    cert: object = field(default=None, compare=False, repr=False)
    cert_self_signed: bool = False  # ` certificate self-signed SERIAL` (IOS's own self-signed certificate)

    @property
    def key_label(self) -> str:
        return self.rsakeypair or self.eckeypair or self.name

    def chain_lines(self) -> list[str]:
        """`crypto pki certificate chain NAME` as IOS prints it, or [] without certificates."""
        if not self.ca_certs and self.cert is None:
            return []
        out = [f"crypto pki certificate chain {self.name}"]
        if self.cert is not None:
            kind = "self-signed " if self.cert_self_signed else ""
            out.append(f" certificate {kind}{serial_text(self.cert)}")
            out += hex_lines(der(self.cert))
        for ca in self.ca_certs:
            out.append(f" certificate ca {serial_text(ca)}")
            out += hex_lines(der(ca))
        return out

    def lines(self) -> list[str]:
        out = [f"crypto pki trustpoint {self.name}"]
        if self.enrollment_mode_ra:
            out.append(" enrollment mode ra")
        if self.enrollment:
            out.append(f" enrollment {self.enrollment}")
        if self.vrf:
            out.append(f" vrf {self.vrf}")
        if self.serial_number is not None:
            out.append(" serial-number" + (f" {self.serial_number}" if self.serial_number else ""))
        if self.fqdn:
            out.append(f" fqdn {self.fqdn}")
        if self.ip_address:
            out.append(f" ip-address {self.ip_address}")
        if self.subject_name:
            out.append(f" subject-name {self.subject_name}")
        if self.subject_alt_name:
            out.append(f" subject-alt-name {self.subject_alt_name}")
        if self.revocation_check:
            out.append(" revocation-check " + " ".join(self.revocation_check))
        if self.rsakeypair:
            out.append(f" rsakeypair {self.rsakeypair}" + (f" {self.rsakeypair_size}" if self.rsakeypair_size else ""))
        if self.eckeypair:
            out.append(f" eckeypair {self.eckeypair}")
        if self.eku_request:
            out.append(" eku request " + " ".join(self.eku_request))
        if self.fingerprint:
            out.append(f" fingerprint {self.fingerprint}")
        if self.auto_enroll is not None:
            out.append(" auto-enroll" + (f" {self.auto_enroll}" if self.auto_enroll else ""))
        return out


@dataclass
class CertificateMap:
    name: str
    seq: int
    rules: list[tuple[str, str, str]] = field(default_factory=list)  # (field, operator, value)

    def lines(self) -> list[str]:
        return [f"crypto pki certificate map {self.name} {self.seq}"] + [f" {f} {op} {v}" for f, op, v in self.rules]


@feature("pki")
@dataclass
class Pki:
    trustpoints: dict[str, Trustpoint] = field(default_factory=dict)
    certificate_maps: dict[tuple[str, int], CertificateMap] = field(default_factory=dict)

    def render(self, cfg):
        blocks = [t.lines() for t in self.trustpoints.values()]
        blocks += [m.lines() for _, m in sorted(self.certificate_maps.items())]
        chains = [line for t in self.trustpoints.values() for line in t.chain_lines()]
        if chains:
            blocks.append(chains)
        return blocks


# ---- certificates as IOS prints them ------------------------------------------------------------------------

QUIT_LINE = "  \tquit"  # IOS ends each hex certificate with two spaces, a tab and `quit`


def der(cert) -> bytes:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    return cert.public_bytes(serialization.Encoding.DER)


def serial_text(cert) -> str:
    """A certificate serial number as IOS prints it: upper-case hex, an even number of digits."""
    h = format(cert.serial_number, "X")
    return ("0" + h) if len(h) % 2 else h


def hex_lines(data: bytes) -> list[str]:
    """DER as IOS's hex lines: 8 groups of 4 bytes per line, two leading spaces, a trailing space; then quit."""
    h = data.hex().upper()
    groups = [h[i:i + 8] for i in range(0, len(h), 8)]
    out = ["  " + " ".join(groups[i:i + 8]) + " " for i in range(0, len(groups), 8)]
    return out + [QUIT_LINE]


# ---- private keys (outside the configuration, as IOS's NVRAM key store) --------------------------------------


def key_dir(router) -> Path | None:
    """`<startup-config directory>/pki`, or None for a router without a startup-config path (memory only)."""
    sp = getattr(router, "startup_path", None)
    return Path(sp).parent / "pki" if sp else None


def store_key(router, label: str, key) -> Path | None:
    """Keep `key` as the key pair `label`: in memory and, when possible, in `<dir>/pki/<label>.key` (0600)."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    keys = router.pki_keys
    keys[label] = key
    d = key_dir(router)
    if d is None:
        return None
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{label}.key"
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    tmp = path.with_suffix(".key.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def load_key(router, label: str):
    """The private key of key pair `label` (memory, else the key file), or None."""
    keys = router.pki_keys
    if label in keys:
        return keys[label]
    d = key_dir(router)
    path = d / f"{label}.key" if d is not None else None
    if path is None or not path.exists():
        return None
    from ..crypto import auth  # noqa: PLC0415

    try:
        key = auth.load_private_key(path.read_bytes())
    except auth.AuthError:
        return None
    keys[label] = key
    return key


def trustpoint_key(router, tp: Trustpoint):
    return load_key(router, tp.key_label)


def der_public(obj) -> bytes:
    """DER SubjectPublicKeyInfo of a certificate or a private/public key (to pair a key with its certificate)."""
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    pub = obj.public_key()
    if hasattr(pub, "public_key"):
        pub = pub.public_key()
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

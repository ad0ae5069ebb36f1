"""PKI running-config: trustpoints and certificate maps (inventory §2.11).  Certificates themselves (chains,
enrollment) are not modelled here yet."""

from __future__ import annotations

from dataclasses import dataclass, field

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
        return blocks

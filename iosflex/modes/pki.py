"""PKI configuration handlers: `crypto pki trustpoint` (ca-trustpoint), `crypto pki certificate map`
(ca-certificate-map), the certificate flows of IOS (`crypto pki authenticate TP`, `crypto pki import TP pem
terminal [password PW]`), the `crypto pki certificate chain TP` blocks (ca-certificate-chain: hex lines up to
`quit`, so a saved configuration with certificates loads back) and `show crypto pki certificates|trustpoints`.

Multi-line input goes through `ctx.ask` one line at a time (console, vty, batch files and transcripts alike).
"""

from __future__ import annotations

import datetime as _dt
import hashlib

from ..config import pki as M
from . import CommandError, handler, named_block




@handler("pki_trustpoint")
def pki_trustpoint(ctx):
    named_block(ctx, ctx.cfg.pki.trustpoints, "ca-trustpoint", M.Trustpoint)


@handler("pki_certificate_map")
def pki_certificate_map(ctx):
    name, seq = ctx.args.get("name"), ctx.args.int("seq")
    maps = ctx.cfg.pki.certificate_maps
    if ctx.no:
        for key in [k for k in maps if k[0] == name and (seq is None or k[1] == seq)]:
            del maps[key]
        return
    ctx.enter("ca-certificate-map", maps.setdefault((name, seq), M.CertificateMap(name, seq)))


@handler("trustpoint_enrollment")
def trustpoint_enrollment(ctx):
    tp, a = ctx.obj, ctx.args
    if a.has("ra"):
        tp.enrollment_mode_ra = not ctx.no
    elif ctx.no:
        tp.enrollment = None
        if not (a.has("terminal") or a.has("selfsigned") or a.has("url")):
            tp.enrollment_mode_ra = False
    elif a.has("terminal"):
        tp.enrollment = "terminal pem" if a.has("pem") else "terminal"
    elif a.has("selfsigned"):
        tp.enrollment = "selfsigned"
    else:
        tp.enrollment = f"url {a.get('url')}"


_VALUES = {  # keyword -> (attribute, argument)
    "fqdn": ("fqdn", "fqdn"),
    "subject-name": ("subject_name", "subject"),
    "subject-alt-name": ("subject_alt_name", "alt"),
    "vrf": ("vrf", "vrf"),
    "fingerprint": ("fingerprint", "fingerprint"),
    "eckeypair": ("eckeypair", "eckeypair"),
}


@handler("trustpoint_value")
def trustpoint_value(ctx):
    tp, a, no = ctx.obj, ctx.args, ctx.no
    for kw, (attr, arg) in _VALUES.items():
        if a.has(kw):
            setattr(tp, attr, None if no else a.get(arg))
            return
    if a.has("serial-number"):
        tp.serial_number = None if no else ("none" if a.has("none") else "")
    elif a.has("ip-address"):
        tp.ip_address = None if no else (a.get("ip") or "none")
    elif a.has("rsakeypair"):
        tp.rsakeypair = None if no else a.get("keypair")
        tp.rsakeypair_size = None if no else a.int("size")
    elif a.has("auto-enroll"):
        if no:
            tp.auto_enroll = None
        else:
            tp.auto_enroll = " ".join(x for x in (a.get("percent"), "regenerate" if a.has("regenerate") else None) if x)


@handler("trustpoint_revocation")
def trustpoint_revocation(ctx):
    ctx.obj.revocation_check = [] if ctx.no else list(dict.fromkeys(ctx.args.keywords_after("revocation-check")))


@handler("trustpoint_eku")
def trustpoint_eku(ctx):
    ctx.obj.eku_request = [] if ctx.no else list(dict.fromkeys(ctx.args.keywords_after("request")))


@handler("certmap_rule")
def certmap_rule(ctx):
    words = [node.tok.text if node.tok.is_keyword else w for node, w in ctx.args.path if not node.negate]
    rule = (words[0], words[1], words[2])
    rules = ctx.obj.rules
    if ctx.no:
        if rule in rules:
            rules.remove(rule)
    elif rule not in rules:
        rules.append(rule)


# ---------------------------------------------------------------------------------------------------------------
# certificate input
# ---------------------------------------------------------------------------------------------------------------

NO_TRUSTPOINT = "% Trustpoint {} not found"  # (assumption: IOS's exact text for an unknown trustpoint)


def _trustpoint(ctx, name: str):
    tp = ctx.cfg.pki.trustpoints.get(name)
    if tp is None:
        raise CommandError(NO_TRUSTPOINT.format(name))
    return tp


def _collect(ctx, prompt: str, done, blank_ends: bool = True):
    """Read lines (echoed, after `prompt`) up to `quit` (or a blank line when `blank_ends`, once something was
    read); then `done(lines)` gives the output lines."""
    lines: list[str] = []

    def more(line: str):
        word = line.strip()
        if word.lower() == "quit" or (blank_ends and not word and lines):
            return done(lines) or []
        if word or lines:
            lines.append(line.strip())
        ctx.ask(prompt, more, echo=True)
        return []

    ctx.ask(prompt, more, echo=True)


def _pem_certs(lines: list[str]):
    """Certificates from pasted PEM lines (a bare base64 body is accepted, as IOS does)."""
    from ..crypto import auth  # noqa: PLC0415

    text = "\n".join(lines)
    if "-----BEGIN" not in text:
        text = "-----BEGIN CERTIFICATE-----\n" + text + "\n-----END CERTIFICATE-----"
    return auth.load_certificates(text + "\n")


def _groups(digest: bytes) -> str:
    h = digest.hex().upper()
    return " ".join(h[i:i + 8] for i in range(0, len(h), 8)) + " "


def fingerprint_lines(cert) -> list[str]:
    d = M.der(cert)
    return ["Certificate has the following attributes:",
            f"       Fingerprint MD5: {_groups(hashlib.md5(d).digest())}",
            f"      Fingerprint SHA1: {_groups(hashlib.sha1(d).digest())}"]


def _fingerprint_ok(tp, cert) -> bool | None:
    """None without a configured `fingerprint`; else whether the MD5 or SHA-1 fingerprint matches."""
    if not tp.fingerprint:
        return None
    want = tp.fingerprint.replace(" ", "").replace(":", "").lower()
    d = M.der(cert)
    return want in (hashlib.md5(d).hexdigest(), hashlib.sha1(d).hexdigest())


@handler("pki_authenticate")
def pki_authenticate(ctx):
    tp = _trustpoint(ctx, ctx.args.get("name"))
    if tp.enrollment and tp.enrollment.startswith("url"):
        raise CommandError("% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0")
    ctx.write("", "Enter the base 64 encoded CA certificate.",
              'End with a blank line or the word "quit" on a line by itself', "")

    def got(lines):
        from ..crypto import auth  # noqa: PLC0415

        try:
            certs = _pem_certs(lines)
        except auth.CertificateError:
            return ["% Error in receiving Certificate Authority certificate: status = FAIL, cert length = 0"]
        ca = certs[0]
        out = fingerprint_lines(ca) + [""]
        ok = _fingerprint_ok(tp, ca)
        if ok is False:
            return out + ["% Certificate fingerprint does not match the configured fingerprint."]

        def accept():
            tp.ca_certs = [ca]
            return ["Trustpoint CA certificate accepted.", "% Certificate successfully imported"]

        if ok:
            return out + ["Trustpoint CA certificate accepted by fingerprint match.", "% Certificate successfully imported"]

        def answer(line):
            a = line.strip().lower()
            if a in ("y", "ye", "yes"):
                return accept()
            if a in ("n", "no"):
                return ["% Aborting Trustpoint authentication."]
            ctx.ask("% Do you accept this certificate? [yes/no]: ", answer)
            return ["% Please answer 'yes' or 'no'."]

        ctx.ask("% Do you accept this certificate? [yes/no]: ", answer)
        return out

    _collect(ctx, "", got)


@handler("pki_import")
def pki_import(ctx):
    from ..crypto import auth  # noqa: PLC0415

    tp = _trustpoint(ctx, ctx.args.get("name"))
    password = ctx.args.get("password")
    got: dict[str, list[str]] = {}
    end_blank = '% End with a blank line or "quit" on a line by itself.'

    def fail(why: str):
        return [f"% {why}", "% PEM files import failed."]

    def finish(lines):
        got["cert"] = lines
        try:
            cas = _pem_certs(got["ca"])
            cert = _pem_certs(got["cert"])[0]
        except auth.CertificateError:
            return fail("Error: cannot decode the PEM-formatted certificate.")
        text = "\n".join(got["key"]) + "\n"
        try:
            key = auth.load_private_key(text, password)
        except auth.AuthError:
            try:
                key = auth.load_private_key(text, None) if password else None
            except auth.AuthError:
                key = None
        if key is None:
            return fail("Error: failed to decrypt the PEM-formatted private key (wrong password?).")
        if M.der_public(key) != M.der_public(cert):
            return fail("Error: the certificate does not match the private key.")
        if not any(cert.issuer == ca.subject for ca in cas):
            return fail("Error: the certificate was not issued by the CA certificate.")
        tp.ca_certs = list(cas)
        tp.cert = cert
        kind = auth.key_kind(key)
        if kind == "RSA" and not tp.rsakeypair and not tp.eckeypair:
            tp.rsakeypair = tp.name
        elif kind == "ECDSA" and not tp.rsakeypair and not tp.eckeypair:
            tp.eckeypair = tp.name
        try:
            M.store_key(ctx.router, tp.key_label, key)
        except OSError as e:
            return fail(f"Error: cannot save the key pair: {e.strerror}")
        return ["% PEM files import succeeded."]

    def after_key(lines):
        got["key"] = lines
        _collect(ctx, "", finish)
        return ["% Enter PEM-formatted general purpose certificate.", end_blank]

    def after_ca(lines):
        got["ca"] = lines
        _collect(ctx, "", after_key, blank_ends=False)
        return ["% Enter PEM-formatted encrypted general purpose key.", '% End with "quit" on a line by itself.']

    ctx.write("% Enter PEM-formatted CA certificate.", end_blank)
    _collect(ctx, "", after_ca)


@handler("pki_certificate_chain")
def pki_certificate_chain(ctx):
    name = ctx.args.get("name")
    if ctx.no:
        tp = ctx.cfg.pki.trustpoints.get(name)
        if tp is not None:
            tp.ca_certs, tp.cert = [], None
        return
    ctx.enter("ca-certificate-chain", _trustpoint(ctx, name))


@handler("chain_certificate")
def chain_certificate(ctx):
    from cryptography import x509  # noqa: PLC0415

    tp = ctx.obj
    serial = ctx.args.get("serial").upper()
    is_ca = ctx.args.has("ca")
    if ctx.no:
        if is_ca:
            tp.ca_certs = [c for c in tp.ca_certs if M.serial_text(c) != serial]
        elif tp.cert is not None and M.serial_text(tp.cert) == serial:
            tp.cert = None
        return
    prompt = ctx.router.config.hostname.name + "(config-pubkey)#"

    def done(lines):
        try:
            cert = x509.load_der_x509_certificate(bytes.fromhex("".join("".join(lines).split())))
        except ValueError:
            return ["% Error: invalid certificate"]
        if is_ca:
            tp.ca_certs = [c for c in tp.ca_certs if M.serial_text(c) != M.serial_text(cert)] + [cert]
        else:
            tp.cert = cert
            tp.cert_self_signed = ctx.args.has("self-signed")
        return []

    _collect(ctx, prompt, done, blank_ends=False)


# ---------------------------------------------------------------------------------------------------------------
# show crypto pki
# ---------------------------------------------------------------------------------------------------------------

_SHORT = {"2.5.4.3": "cn", "2.5.4.11": "ou", "2.5.4.10": "o", "2.5.4.7": "l", "2.5.4.8": "st", "2.5.4.6": "c",
          "1.2.840.113549.1.9.1": "ea", "2.5.4.5": "serialNumber", "0.9.2342.19200300.100.1.25": "dc",
          "1.2.840.113549.1.9.2": "hostname", "1.2.840.113549.1.9.8": "ipaddress"}


def _name_lines(name) -> list[str]:
    """One `attr=value` per line, most specific first (RFC 4514 order), as IOS lists Issuer/Subject."""
    out = []
    for rdn in reversed(name.rdns):
        for a in rdn:
            out.append(f"    {_SHORT.get(a.oid.dotted_string, a.oid.dotted_string)}={a.value}")
    return out


def _date(d: _dt.datetime) -> str:
    return f"{d:%H:%M:%S} UTC {d:%b} {d.day} {d.year}"


def _validity(cert) -> list[str]:
    return ["  Validity Date: ", f"    start date: {_date(cert.not_valid_before_utc)}",
            f"    end   date: {_date(cert.not_valid_after_utc)}"]


def _status(cert) -> str:
    now = _dt.datetime.now(_dt.timezone.utc)
    if now > cert.not_valid_after_utc:
        return "Expired"
    return "Available"


def certificate_lines(cert, tps: list[str], ca: bool) -> list[str]:
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    out = ["CA Certificate" if ca else "Certificate", f"  Status: {_status(cert)}",
           f"  Certificate Serial Number (hex): {M.serial_text(cert)}",
           f"  Certificate Usage: {'Signature' if ca else 'General Purpose'}", "  Issuer: "]
    out += _name_lines(cert.issuer)
    if ca:
        out.append("  Subject: ")
    else:
        out.append("  Subject:")
        cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if cn:
            out.append(f"    Name: {cn[0].value}")
    out += _name_lines(cert.subject)
    out += _validity(cert)
    out.append(f"  Associated Trustpoints: {' '.join(tps)} ")
    return out


@handler("show_crypto_pki_certificates")
def show_crypto_pki_certificates(ctx):
    want = ctx.args.get("tp")
    tps = ctx.cfg.pki.trustpoints
    if want is not None and want not in tps:
        raise CommandError(NO_TRUSTPOINT.format(want))
    for tp in tps.values():
        if want is not None and tp.name != want:
            continue
        if tp.cert is not None:
            ctx.write(*certificate_lines(tp.cert, [tp.name], ca=False), "")
        for ca in tp.ca_certs:
            ctx.write(*certificate_lines(ca, [tp.name], ca=True), "")


@handler("show_crypto_pki_trustpoints")
def show_crypto_pki_trustpoints(ctx):
    status = ctx.args.has("status")
    want = ctx.args.get("tp")
    if want is not None and want not in ctx.cfg.pki.trustpoints:
        raise CommandError(NO_TRUSTPOINT.format(want))
    for tp in ctx.cfg.pki.trustpoints.values():
        if want is not None and tp.name != want:
            continue
        ctx.write(f"Trustpoint {tp.name}:")
        if status:
            ctx.write("  Issuing CA certificate " + ("configured:" if tp.ca_certs else "pending:"))
            for ca in tp.ca_certs:
                ctx.write("    Subject Name:", *["    " + x.strip() for x in _name_lines(ca.subject)],
                          "    Fingerprint MD5:  " + _groups(hashlib.md5(M.der(ca)).digest()),
                          "    Fingerprint SHA1: " + _groups(hashlib.sha1(M.der(ca)).digest()))
            ctx.write("  Router General Purpose certificate " + ("configured:" if tp.cert is not None else "pending:"))
            if tp.cert is not None:
                ctx.write("    Subject Name:", *["    " + x.strip() for x in _name_lines(tp.cert.subject)],
                          "    Fingerprint MD5:  " + _groups(hashlib.md5(M.der(tp.cert)).digest()),
                          "    Fingerprint SHA1: " + _groups(hashlib.sha1(M.der(tp.cert)).digest()))
            ctx.write("  State:", "    Keys generated ............. " +
                      ("Yes" if M.trustpoint_key(ctx.router, tp) is not None else "No"),
                      "    Issuing CA authenticated ....... " + ("Yes" if tp.ca_certs else "No"),
                      "    Certificate request(s) ..... " + ("Yes" if tp.cert is not None else "None"), "")
            continue
        if tp.ca_certs:
            ca = tp.ca_certs[0]
            ctx.write("    Subject Name: ", *_name_lines(ca.subject),
                      f"          Serial Number (hex): {M.serial_text(ca)}", "    Certificate configured.")
        if tp.enrollment and tp.enrollment.startswith("url "):
            ctx.write(f"    SCEP URL: {tp.enrollment[4:]}")
        ctx.write("")

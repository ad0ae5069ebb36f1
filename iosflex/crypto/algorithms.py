"""IKEv2 numbers and transforms (RFC 7296 and the IANA IKEv2 registry), key derivation, Diffie-Hellman, and the
names IOS prints for them in `show crypto ikev2 sa detail` and `debug crypto ikev2`.

Sans-I/O: randomness comes in as ``rng(n) -> bytes``; nothing here reads a clock or a global RNG
(``default_rng`` is only a convenience for callers at the edge).

Maths: ciphers, DH and ECDH through ``cryptography``; HMAC through the standard library's ``hmac.digest``
(OpenSSL one-shot HMAC, several times faster than building a ``cryptography`` HMAC object per call).
"""

from __future__ import annotations

import hmac
import os
import warnings
from dataclasses import dataclass
from typing import Callable

from cryptography.hazmat.primitives.asymmetric import dh as _dh
from cryptography.hazmat.primitives.asymmetric import ec as _ec
from cryptography.hazmat.primitives.asymmetric import x25519 as _x25519
from cryptography.hazmat.primitives import serialization as _ser

Rng = Callable[[int], bytes]


def default_rng(n: int) -> bytes:
    """Edge-of-system RNG (os.urandom). The core never calls it itself; callers pass it in."""
    return os.urandom(n)


class AlgorithmError(Exception):
    """Unknown or unsupported transform / parameter."""


class InvalidKeyExchange(AlgorithmError):
    """The peer's KE data is malformed or degenerate (wrong length, point not on the curve, y <= 1 or
    y >= p-1, all-zero X25519 result).  RFC 7296 says to answer INVALID_SYNTAX (IKE_SA_INIT) or treat it
    as a failed negotiation."""


# ---------------------------------------------------------------------------------------------------------------
# IANA numbers
# ---------------------------------------------------------------------------------------------------------------

IKE_VERSION = 0x20  # major 2, minor 0

# Exchange types
IKE_SA_INIT = 34
IKE_AUTH = 35
CREATE_CHILD_SA = 36
INFORMATIONAL = 37
IKE_SESSION_RESUME = 38
IKE_INTERMEDIATE = 43
EXCHANGE_NAMES = {
    IKE_SA_INIT: "IKE_SA_INIT",
    IKE_AUTH: "IKE_AUTH",
    CREATE_CHILD_SA: "CREATE_CHILD_SA",
    INFORMATIONAL: "INFORMATIONAL",
    IKE_SESSION_RESUME: "IKE_SESSION_RESUME",
    IKE_INTERMEDIATE: "IKE_INTERMEDIATE",
}

# Header flags
FLAG_INITIATOR = 0x08
FLAG_VERSION = 0x10
FLAG_RESPONSE = 0x20

# Payload types
PT_NONE = 0
PT_SA = 33
PT_KE = 34
PT_IDI = 35
PT_IDR = 36
PT_CERT = 37
PT_CERTREQ = 38
PT_AUTH = 39
PT_NONCE = 40
PT_NOTIFY = 41
PT_DELETE = 42
PT_VENDOR = 43
PT_TSI = 44
PT_TSR = 45
PT_SK = 46
PT_CP = 47
PT_EAP = 48
PT_GSPM = 49
PT_SKF = 53
PAYLOAD_NAMES = {
    PT_SA: "SA", PT_KE: "KE", PT_IDI: "IDi", PT_IDR: "IDr", PT_CERT: "CERT", PT_CERTREQ: "CERTREQ",
    PT_AUTH: "AUTH", PT_NONCE: "N", PT_NOTIFY: "NOTIFY", PT_DELETE: "DELETE", PT_VENDOR: "VID",
    PT_TSI: "TSi", PT_TSR: "TSr", PT_SK: "ENCR", PT_CP: "CFG", PT_EAP: "EAP", PT_GSPM: "GSPM", PT_SKF: "ENCR",
}
"""Names as IOS's `Payload contents:` line prints them (Nonce is `N`, SK is `ENCR`, CP is `CFG`)."""

# Protocol IDs
PROTO_IKE = 1
PROTO_AH = 2
PROTO_ESP = 3
PROTO_NAMES = {PROTO_IKE: "IKE", PROTO_AH: "AH", PROTO_ESP: "ESP"}

# Transform types
TT_ENCR = 1
TT_PRF = 2
TT_INTEG = 3
TT_DH = 4  # "Key Exchange Method" since RFC 9370
TT_ESN = 5
TRANSFORM_TYPE_NAMES = {TT_ENCR: "ENCR", TT_PRF: "PRF", TT_INTEG: "INTEG", TT_DH: "DH", TT_ESN: "ESN"}
ATTR_KEY_LENGTH = 14

# ENCR transform IDs
ENCR_DES_IV64 = 1
ENCR_DES = 2
ENCR_3DES = 3
ENCR_NULL = 11
ENCR_AES_CBC = 12
ENCR_AES_CTR = 13
ENCR_AES_CCM_8 = 14
ENCR_AES_CCM_12 = 15
ENCR_AES_CCM_16 = 16
ENCR_AES_GCM_8 = 18
ENCR_AES_GCM_12 = 19
ENCR_AES_GCM_16 = 20
ENCR_NULL_AUTH_AES_GMAC = 21
ENCR_CHACHA20_POLY1305 = 28

# PRF transform IDs
PRF_HMAC_MD5 = 1
PRF_HMAC_SHA1 = 2
PRF_AES128_XCBC = 4
PRF_HMAC_SHA2_256 = 5
PRF_HMAC_SHA2_384 = 6
PRF_HMAC_SHA2_512 = 7
PRF_AES128_CMAC = 8

# INTEG transform IDs
AUTH_NONE = 0
AUTH_HMAC_MD5_96 = 1
AUTH_HMAC_SHA1_96 = 2
AUTH_AES_XCBC_96 = 5
AUTH_HMAC_SHA2_256_128 = 12
AUTH_HMAC_SHA2_384_192 = 13
AUTH_HMAC_SHA2_512_256 = 14

# DH groups
DH_NONE = 0
MODP_768 = 1
MODP_1024 = 2
MODP_1536 = 5
MODP_2048 = 14
MODP_3072 = 15
MODP_4096 = 16
MODP_6144 = 17
MODP_8192 = 18
ECP_256 = 19
ECP_384 = 20
ECP_521 = 21
CURVE25519 = 31
CURVE448 = 32

# ESN
ESN_NO = 0
ESN_YES = 1

# Identification types
ID_IPV4_ADDR = 1
ID_FQDN = 2
ID_RFC822_ADDR = 3
ID_IPV6_ADDR = 5
ID_DER_ASN1_DN = 9
ID_DER_ASN1_GN = 10
ID_KEY_ID = 11
ID_FC_NAME = 12
ID_NULL = 13
ID_TYPE_NAMES = {
    ID_IPV4_ADDR: "ID_IPV4_ADDR", ID_FQDN: "ID_FQDN", ID_RFC822_ADDR: "ID_RFC822_ADDR",
    ID_IPV6_ADDR: "ID_IPV6_ADDR", ID_DER_ASN1_DN: "ID_DER_ASN1_DN", ID_DER_ASN1_GN: "ID_DER_ASN1_GN",
    ID_KEY_ID: "ID_KEY_ID", ID_FC_NAME: "ID_FC_NAME", ID_NULL: "ID_NULL",
}

# Authentication methods
AUTH_RSA_SIG = 1
AUTH_PSK = 2
AUTH_DSS_SIG = 3
AUTH_ECDSA_256 = 9
AUTH_ECDSA_384 = 10
AUTH_ECDSA_521 = 11
AUTH_GSPAM = 12
AUTH_DIGITAL_SIGNATURE = 14
AUTH_NULL = 15
AUTH_METHOD_NAMES = {
    AUTH_RSA_SIG: "RSA", AUTH_PSK: "PSK", AUTH_DSS_SIG: "DSS", AUTH_ECDSA_256: "ECDSA", AUTH_ECDSA_384: "ECDSA",
    AUTH_ECDSA_521: "ECDSA", AUTH_GSPAM: "GSPAM", AUTH_DIGITAL_SIGNATURE: "RSA", AUTH_NULL: "NULL",
}
"""Rough IOS `Auth sign:` / `Auth verify:` names; method 14 depends on the key (auth.py knows)."""

# Certificate encodings (CERT / CERTREQ)
CERT_PKCS7 = 1
CERT_PGP = 2
CERT_DNS_SIGNED_KEY = 3
CERT_X509_SIGNATURE = 4
CERT_KERBEROS_TOKEN = 6
CERT_CRL = 7
CERT_ARL = 8
CERT_SPKI = 9
CERT_X509_ATTRIBUTE = 10
CERT_RAW_RSA_KEY = 11
CERT_HASH_URL_X509 = 12
CERT_HASH_URL_BUNDLE = 13
CERT_RAW_PUBLIC_KEY = 15

# Traffic selector types
TS_IPV4_ADDR_RANGE = 7
TS_IPV6_ADDR_RANGE = 8

# Configuration payload
CFG_REQUEST = 1
CFG_REPLY = 2
CFG_SET = 3
CFG_ACK = 4
CFG_TYPE_NAMES = {CFG_REQUEST: "Config-request", CFG_REPLY: "Config-reply", CFG_SET: "Config-set",
                  CFG_ACK: "Config-ack"}

INTERNAL_IP4_ADDRESS = 1
INTERNAL_IP4_NETMASK = 2
INTERNAL_IP4_DNS = 3
INTERNAL_IP4_NBNS = 4
INTERNAL_IP4_DHCP = 6
APPLICATION_VERSION = 7
INTERNAL_IP6_ADDRESS = 8
INTERNAL_IP6_DNS = 10
INTERNAL_IP6_DHCP = 12
INTERNAL_IP4_SUBNET = 13
SUPPORTED_ATTRIBUTES = 14
INTERNAL_IP6_SUBNET = 15
MIP6_HOME_PREFIX = 16
INTERNAL_IP6_LINK = 17
INTERNAL_IP6_PREFIX = 18
HOME_AGENT_ADDRESS = 19
P_CSCF_IP4_ADDRESS = 20
P_CSCF_IP6_ADDRESS = 21
FTT_KAT = 22
EXTERNAL_SOURCE_IP4_NAT_INFO = 23
TIMEOUT_PERIOD_FOR_LIVENESS_CHECK = 24
INTERNAL_DNS_DOMAIN = 25
INTERNAL_DNSSEC_TA = 26
# Cisco Unity private-use numbers (working assumption, see the checklist §2.8)
UNITY_BANNER = 28672
UNITY_SAVE_PASSWD = 28673
UNITY_DEF_DOMAIN = 28674
UNITY_SPLITDNS_NAME = 28675
UNITY_SPLIT_INCLUDE = 28676
UNITY_NATT_PORT = 28677
UNITY_LOCAL_LAN = 28678
UNITY_PFS = 28679
UNITY_FW_TYPE = 28680
UNITY_BACKUP_SERVERS = 28681
UNITY_DDNS_HOSTNAME = 28682
MS_INTERNAL_IP4_SERVER = 23456
MS_INTERNAL_IP6_SERVER = 23457
CP_ATTR_NAMES = {
    INTERNAL_IP4_ADDRESS: "ipv4-addr", INTERNAL_IP4_NETMASK: "ipv4-netmask", INTERNAL_IP4_DNS: "ipv4-dns",
    INTERNAL_IP4_NBNS: "ipv4-nbns", INTERNAL_IP4_DHCP: "ipv4-dhcp", APPLICATION_VERSION: "app-version",
    INTERNAL_IP6_ADDRESS: "ipv6-addr", INTERNAL_IP6_DNS: "ipv6-dns", INTERNAL_IP6_DHCP: "ipv6-dhcp",
    INTERNAL_IP4_SUBNET: "ipv4-subnet", SUPPORTED_ATTRIBUTES: "supported-attributes",
    INTERNAL_IP6_SUBNET: "ipv6-subnet", INTERNAL_DNS_DOMAIN: "dns-domain",
    UNITY_BANNER: "banner", UNITY_SAVE_PASSWD: "save-password", UNITY_DEF_DOMAIN: "def-domain",
    UNITY_SPLITDNS_NAME: "split-dns", UNITY_SPLIT_INCLUDE: "split-include", UNITY_NATT_PORT: "natt-port",
    UNITY_LOCAL_LAN: "local-lan", UNITY_PFS: "pfs", UNITY_FW_TYPE: "fw-type",
    UNITY_BACKUP_SERVERS: "backup-gateway", UNITY_DDNS_HOSTNAME: "ddns-hostname",
}
"""`Attrib type: <name>` in IOS's CP debug. app-version/split-dns/banner/backup-gateway/def-domain are seen in
real logs; the ipv4-* names are the usual IOS spelling but unverified against a capture."""

# RFC 7427 hash algorithm identifiers (SIGNATURE_HASH_ALGORITHMS notify)
HASH_SHA1 = 1
HASH_SHA2_256 = 2
HASH_SHA2_384 = 3
HASH_SHA2_512 = 4
HASH_IDENTITY = 5

# Notify message types --------------------------------------------------------------------------------------------
UNSUPPORTED_CRITICAL_PAYLOAD = 1
INVALID_IKE_SPI = 4
INVALID_MAJOR_VERSION = 5
INVALID_SYNTAX = 7
INVALID_MESSAGE_ID = 9
INVALID_SPI = 11
NO_PROPOSAL_CHOSEN = 14
INVALID_KE_PAYLOAD = 17
AUTHENTICATION_FAILED = 24
SINGLE_PAIR_REQUIRED = 34
NO_ADDITIONAL_SAS = 35
INTERNAL_ADDRESS_FAILURE = 36
FAILED_CP_REQUIRED = 37
TS_UNACCEPTABLE = 38
INVALID_SELECTORS = 39
UNACCEPTABLE_ADDRESSES = 40
UNEXPECTED_NAT_DETECTED = 41
USE_ASSIGNED_HoA = 42
TEMPORARY_FAILURE = 43
CHILD_SA_NOT_FOUND = 44
INVALID_GROUP_ID = 45
AUTHORIZATION_FAILED = 46
STATE_NOT_FOUND = 47

INITIAL_CONTACT = 16384
SET_WINDOW_SIZE = 16385
ADDITIONAL_TS_POSSIBLE = 16386
IPCOMP_SUPPORTED = 16387
NAT_DETECTION_SOURCE_IP = 16388
NAT_DETECTION_DESTINATION_IP = 16389
COOKIE = 16390
USE_TRANSPORT_MODE = 16391
HTTP_CERT_LOOKUP_SUPPORTED = 16392
REKEY_SA = 16393
ESP_TFC_PADDING_NOT_SUPPORTED = 16394
NON_FIRST_FRAGMENTS_ALSO = 16395
MOBIKE_SUPPORTED = 16396
ADDITIONAL_IP4_ADDRESS = 16397
ADDITIONAL_IP6_ADDRESS = 16398
NO_ADDITIONAL_ADDRESSES = 16399
UPDATE_SA_ADDRESSES = 16400
COOKIE2 = 16401
NO_NATS_ALLOWED = 16402
AUTH_LIFETIME = 16403
MULTIPLE_AUTH_SUPPORTED = 16404
ANOTHER_AUTH_FOLLOWS = 16405
REDIRECT_SUPPORTED = 16406
REDIRECT = 16407
REDIRECTED_FROM = 16408
TICKET_LT_OPAQUE = 16409
TICKET_REQUEST = 16410
TICKET_ACK = 16411
TICKET_NACK = 16412
TICKET_OPAQUE = 16413
LINK_ID = 16414
USE_WESP_MODE = 16415
ROHC_SUPPORTED = 16416
EAP_ONLY_AUTHENTICATION = 16417
CHILDLESS_IKEV2_SUPPORTED = 16418
QUICK_CRASH_DETECTION = 16419
IKEV2_MESSAGE_ID_SYNC_SUPPORTED = 16420
IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED = 16421
IKEV2_MESSAGE_ID_SYNC = 16422
IPSEC_REPLAY_COUNTER_SYNC = 16423
SECURE_PASSWORD_METHODS = 16424
PSK_PERSIST = 16425
PSK_CONFIRM = 16426
ERX_SUPPORTED = 16427
IFOM_CAPABILITY = 16428
SENDER_REQUEST_ID = 16429
IKEV2_FRAGMENTATION_SUPPORTED = 16430
SIGNATURE_HASH_ALGORITHMS = 16431
CLONE_IKE_SA_SUPPORTED = 16432
CLONE_IKE_SA = 16433
PUZZLE = 16434
USE_PPK = 16435
PPK_IDENTITY = 16436
NO_PPK_AUTH = 16437
INTERMEDIATE_EXCHANGE_SUPPORTED = 16438
IP4_ALLOWED = 16439
IP6_ALLOWED = 16440
ADDITIONAL_KEY_EXCHANGE = 16441
USE_AGGFRAG = 16442

CISCO_DELETE_REASON = 40959
"""Cisco's private DELETE_REASON notify (debug `NOTIFY(DELETE_REASON)`). UNVERIFIED number: no public dissector
or capture gives it; it is only sent after the peer advertised the CISCO-DELETE-REASON vendor ID."""

NOTIFY_NAMES = {
    UNSUPPORTED_CRITICAL_PAYLOAD: "UNSUPPORTED_CRITICAL_PAYLOAD", INVALID_IKE_SPI: "INVALID_IKE_SPI",
    INVALID_MAJOR_VERSION: "INVALID_MAJOR_VERSION", INVALID_SYNTAX: "INVALID_SYNTAX",
    INVALID_MESSAGE_ID: "INVALID_MESSAGE_ID", INVALID_SPI: "INVALID_SPI", NO_PROPOSAL_CHOSEN: "NO_PROPOSAL_CHOSEN",
    INVALID_KE_PAYLOAD: "INVALID_KE_PAYLOAD", AUTHENTICATION_FAILED: "AUTHENTICATION_FAILED",
    SINGLE_PAIR_REQUIRED: "SINGLE_PAIR_REQUIRED", NO_ADDITIONAL_SAS: "NO_ADDITIONAL_SAS",
    INTERNAL_ADDRESS_FAILURE: "INTERNAL_ADDRESS_FAILURE", FAILED_CP_REQUIRED: "FAILED_CP_REQUIRED",
    TS_UNACCEPTABLE: "TS_UNACCEPTABLE", INVALID_SELECTORS: "INVALID_SELECTORS",
    UNACCEPTABLE_ADDRESSES: "UNACCEPTABLE_ADDRESSES", UNEXPECTED_NAT_DETECTED: "UNEXPECTED_NAT_DETECTED",
    USE_ASSIGNED_HoA: "USE_ASSIGNED_HoA", TEMPORARY_FAILURE: "TEMPORARY_FAILURE",
    CHILD_SA_NOT_FOUND: "CHILD_SA_NOT_FOUND", INVALID_GROUP_ID: "INVALID_GROUP_ID",
    AUTHORIZATION_FAILED: "AUTHORIZATION_FAILED", STATE_NOT_FOUND: "STATE_NOT_FOUND",
    INITIAL_CONTACT: "INITIAL_CONTACT", SET_WINDOW_SIZE: "SET_WINDOW_SIZE",
    ADDITIONAL_TS_POSSIBLE: "ADDITIONAL_TS_POSSIBLE", IPCOMP_SUPPORTED: "IPCOMP_SUPPORTED",
    NAT_DETECTION_SOURCE_IP: "NAT_DETECTION_SOURCE_IP", NAT_DETECTION_DESTINATION_IP: "NAT_DETECTION_DESTINATION_IP",
    COOKIE: "COOKIE", USE_TRANSPORT_MODE: "USE_TRANSPORT_MODE", HTTP_CERT_LOOKUP_SUPPORTED:
    "HTTP_CERT_LOOKUP_SUPPORTED", REKEY_SA: "REKEY_SA", ESP_TFC_PADDING_NOT_SUPPORTED:
    "ESP_TFC_PADDING_NOT_SUPPORTED", NON_FIRST_FRAGMENTS_ALSO: "NON_FIRST_FRAGMENTS_ALSO",
    MOBIKE_SUPPORTED: "MOBIKE_SUPPORTED", ADDITIONAL_IP4_ADDRESS: "ADDITIONAL_IP4_ADDRESS",
    ADDITIONAL_IP6_ADDRESS: "ADDITIONAL_IP6_ADDRESS", NO_ADDITIONAL_ADDRESSES: "NO_ADDITIONAL_ADDRESSES",
    UPDATE_SA_ADDRESSES: "UPDATE_SA_ADDRESSES", COOKIE2: "COOKIE2", NO_NATS_ALLOWED: "NO_NATS_ALLOWED",
    AUTH_LIFETIME: "AUTH_LIFETIME", MULTIPLE_AUTH_SUPPORTED: "MULTIPLE_AUTH_SUPPORTED",
    ANOTHER_AUTH_FOLLOWS: "ANOTHER_AUTH_FOLLOWS", REDIRECT_SUPPORTED: "REDIRECT_SUPPORTED", REDIRECT: "REDIRECT",
    REDIRECTED_FROM: "REDIRECTED_FROM", TICKET_LT_OPAQUE: "TICKET_LT_OPAQUE", TICKET_REQUEST: "TICKET_REQUEST",
    TICKET_ACK: "TICKET_ACK", TICKET_NACK: "TICKET_NACK", TICKET_OPAQUE: "TICKET_OPAQUE", LINK_ID: "LINK_ID",
    USE_WESP_MODE: "USE_WESP_MODE", ROHC_SUPPORTED: "ROHC_SUPPORTED",
    EAP_ONLY_AUTHENTICATION: "EAP_ONLY_AUTHENTICATION", CHILDLESS_IKEV2_SUPPORTED: "CHILDLESS_IKEV2_SUPPORTED",
    QUICK_CRASH_DETECTION: "QUICK_CRASH_DETECTION", IKEV2_MESSAGE_ID_SYNC_SUPPORTED:
    "IKEV2_MESSAGE_ID_SYNC_SUPPORTED", IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED: "IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED",
    IKEV2_MESSAGE_ID_SYNC: "IKEV2_MESSAGE_ID_SYNC", IPSEC_REPLAY_COUNTER_SYNC: "IPSEC_REPLAY_COUNTER_SYNC",
    SECURE_PASSWORD_METHODS: "SECURE_PASSWORD_METHODS", PSK_PERSIST: "PSK_PERSIST", PSK_CONFIRM: "PSK_CONFIRM",
    ERX_SUPPORTED: "ERX_SUPPORTED", IFOM_CAPABILITY: "IFOM_CAPABILITY", SENDER_REQUEST_ID: "SENDER_REQUEST_ID",
    IKEV2_FRAGMENTATION_SUPPORTED: "IKEV2_FRAGMENTATION_SUPPORTED",
    SIGNATURE_HASH_ALGORITHMS: "SIGNATURE_HASH_ALGORITHMS", CLONE_IKE_SA_SUPPORTED: "CLONE_IKE_SA_SUPPORTED",
    CLONE_IKE_SA: "CLONE_IKE_SA", PUZZLE: "PUZZLE", USE_PPK: "USE_PPK", PPK_IDENTITY: "PPK_IDENTITY",
    NO_PPK_AUTH: "NO_PPK_AUTH", INTERMEDIATE_EXCHANGE_SUPPORTED: "INTERMEDIATE_EXCHANGE_SUPPORTED",
    IP4_ALLOWED: "IP4_ALLOWED", IP6_ALLOWED: "IP6_ALLOWED", ADDITIONAL_KEY_EXCHANGE: "ADDITIONAL_KEY_EXCHANGE",
    USE_AGGFRAG: "USE_AGGFRAG", CISCO_DELETE_REASON: "DELETE_REASON",
}
"""IANA names."""

NOTIFY_DEBUG_NAMES = dict(NOTIFY_NAMES)
NOTIFY_DEBUG_NAMES.update({
    ESP_TFC_PADDING_NOT_SUPPORTED: "ESP_TFC_NO_SUPPORT",
    NON_FIRST_FRAGMENTS_ALSO: "NON_FIRST_FRAGS",
    CISCO_DELETE_REASON: "DELETE_REASON",
})
"""Names inside IOS's `NOTIFY(...)` / `N(...)` debug tokens. The chapter and captures confirm SET_WINDOW_SIZE,
ESP_TFC_NO_SUPPORT, NON_FIRST_FRAGS, INITIAL_CONTACT, USE_TRANSPORT_MODE, NAT_DETECTION_*_IP, NO_PROPOSAL_CHOSEN,
DELETE_REASON; the rest fall back to the IANA names."""


def notify_name(ntype: int, debug: bool = True) -> str:
    names = NOTIFY_DEBUG_NAMES if debug else NOTIFY_NAMES
    return names.get(ntype, str(ntype))


def is_error_notify(ntype: int) -> bool:
    return ntype < 16384


# ---------------------------------------------------------------------------------------------------------------
# PRF / HMAC
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prf:
    id: int
    name: str  # IOS show/debug name (`SHA256`)
    hash_name: str  # hashlib name
    key_len: int  # preferred key length = output length (RFC 7296 §2.13) for HMAC PRFs
    out_len: int

    def __call__(self, key: bytes, data: bytes) -> bytes:
        return hmac.digest(key, data, self.hash_name)


@dataclass(frozen=True)
class Integ:
    id: int
    name: str  # IOS name: `SHA96` for HMAC-SHA1-96, `SHA256`...
    hash_name: str
    key_len: int
    icv_len: int

    def __call__(self, key: bytes, data: bytes) -> bytes:
        return hmac.digest(key, data, self.hash_name)[: self.icv_len]


PRFS: dict[int, Prf] = {
    PRF_HMAC_MD5: Prf(PRF_HMAC_MD5, "MD5", "md5", 16, 16),
    PRF_HMAC_SHA1: Prf(PRF_HMAC_SHA1, "SHA1", "sha1", 20, 20),
    PRF_HMAC_SHA2_256: Prf(PRF_HMAC_SHA2_256, "SHA256", "sha256", 32, 32),
    PRF_HMAC_SHA2_384: Prf(PRF_HMAC_SHA2_384, "SHA384", "sha384", 48, 48),
    PRF_HMAC_SHA2_512: Prf(PRF_HMAC_SHA2_512, "SHA512", "sha512", 64, 64),
}

INTEGS: dict[int, Integ] = {
    AUTH_HMAC_MD5_96: Integ(AUTH_HMAC_MD5_96, "MD596", "md5", 16, 12),
    AUTH_HMAC_SHA1_96: Integ(AUTH_HMAC_SHA1_96, "SHA96", "sha1", 20, 12),
    AUTH_HMAC_SHA2_256_128: Integ(AUTH_HMAC_SHA2_256_128, "SHA256", "sha256", 32, 16),
    AUTH_HMAC_SHA2_384_192: Integ(AUTH_HMAC_SHA2_384_192, "SHA384", "sha384", 48, 24),
    AUTH_HMAC_SHA2_512_256: Integ(AUTH_HMAC_SHA2_512_256, "SHA512", "sha512", 64, 32),
}


def get_prf(prf_id: int) -> Prf:
    try:
        return PRFS[prf_id]
    except KeyError:
        raise AlgorithmError(f"unsupported PRF {prf_id}") from None


def get_integ(integ_id: int) -> Integ:
    try:
        return INTEGS[integ_id]
    except KeyError:
        raise AlgorithmError(f"unsupported INTEG {integ_id}") from None


def prf(alg: Prf | int, key: bytes, data: bytes) -> bytes:
    """prf(K, S) with the HMAC PRF `alg` (object or IANA id)."""
    if not isinstance(alg, Prf):
        alg = get_prf(alg)
    return hmac.digest(key, data, alg.hash_name)


def prf_plus(alg: Prf | int, key: bytes, seed: bytes, length: int) -> bytes:
    """prf+(K, S) = T1 | T2 | ... truncated to `length` (RFC 7296 §2.13); at most 255 blocks."""
    if not isinstance(alg, Prf):
        alg = get_prf(alg)
    n = -(-length // alg.out_len)
    if n > 255:
        raise AlgorithmError("prf+ output too long")
    h = alg.hash_name
    out = []
    t = b""
    for i in range(1, n + 1):
        t = hmac.digest(key, t + seed + bytes((i,)), h)
        out.append(t)
    return b"".join(out)[:length]


# ---------------------------------------------------------------------------------------------------------------
# ENCR
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Encr:
    id: int
    name: str  # IOS name (`AES-CBC`, `AES-GCM`, `3DES`)
    key_bits: int | None  # None for fixed-size transforms (3DES) - as negotiated (KEY_LENGTH attribute)
    key_len: int  # bytes of keying material taken from prf+, *including* the AEAD salt
    block_size: int  # padding alignment for SK
    iv_len: int
    aead: bool = False
    icv_len: int = 0  # AEAD tag length
    salt_len: int = 0

    @property
    def cipher_key_len(self) -> int:
        return self.key_len - self.salt_len


_CBC_BITS = (128, 192, 256)
_GCM_BITS = (128, 192, 256)


_ENCR_CACHE: dict[tuple[int, int | None], Encr] = {}


def get_encr(encr_id: int, key_bits: int | None = None) -> Encr:
    """The ENCR transform `encr_id` with KEY_LENGTH attribute `key_bits` (required for AES).  Encr is frozen:
    one shared instance per (id, key bits)."""
    e = _ENCR_CACHE.get((encr_id, key_bits))
    if e is None:
        e = _ENCR_CACHE[(encr_id, key_bits)] = _make_encr(encr_id, key_bits)
    return e


def _make_encr(encr_id: int, key_bits: int | None) -> Encr:
    if encr_id == ENCR_AES_CBC:
        if key_bits not in _CBC_BITS:
            raise AlgorithmError(f"AES-CBC key length {key_bits}")
        return Encr(ENCR_AES_CBC, "AES-CBC", key_bits, key_bits // 8, 16, 16)
    if encr_id == ENCR_AES_GCM_16:
        if key_bits not in _GCM_BITS:
            raise AlgorithmError(f"AES-GCM key length {key_bits}")
        return Encr(ENCR_AES_GCM_16, "AES-GCM", key_bits, key_bits // 8 + 4, 4, 8, aead=True, icv_len=16,
                    salt_len=4)
    if encr_id == ENCR_3DES:
        if key_bits not in (None, 192):
            raise AlgorithmError("3DES takes no key length")
        return Encr(ENCR_3DES, "3DES", None, 24, 8, 8)
    if encr_id == ENCR_NULL:  # ESP only (esp-null)
        return Encr(ENCR_NULL, "NULL", None, 0, 4, 0)
    raise AlgorithmError(f"unsupported ENCR {encr_id}")


def encr_supported(encr_id: int, key_bits: int | None = None) -> bool:
    try:
        get_encr(encr_id, key_bits)
        return True
    except AlgorithmError:
        return False


# ---------------------------------------------------------------------------------------------------------------
# Diffie-Hellman
# ---------------------------------------------------------------------------------------------------------------

_OAKLEY1 = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD"
    "3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF"
)
_OAKLEY2 = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD"
    "3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F"
    "24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF"
)
_P1536 = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD"
    "3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F"
    "24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552"
    "BB9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF"
)
_P2048 = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD"
    "3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F"
    "24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552"
    "BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF0"
    "6F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF"
)
_P3072 = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD"
    "3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F"
    "24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552"
    "BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF0"
    "6F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64EC"
    "FB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A"
    "0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D1"
    "20A93AD2CAFFFFFFFFFFFFFFFF"
)
_P4096 = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD"
    "3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F"
    "24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552"
    "BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF0"
    "6F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64EC"
    "FB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A"
    "0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D1"
    "20A92108011A723C12A787E6D788719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8DBBBC2DB04DE8EF9"
    "2E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5"
    "B05AA993B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF"
)


@dataclass(frozen=True)
class DhGroup:
    id: int
    kind: str  # "modp", "ecp", "x25519"
    ke_len: int  # bytes of KE data
    name: str  # IOS debug name (`DH_GROUP_256_ECP/Group 19`)
    bits: int


DH_GROUPS: dict[int, DhGroup] = {
    MODP_768: DhGroup(MODP_768, "modp", 96, "DH_GROUP_768_MODP/Group 1", 768),
    MODP_1024: DhGroup(MODP_1024, "modp", 128, "DH_GROUP_1024_MODP/Group 2", 1024),
    MODP_1536: DhGroup(MODP_1536, "modp", 192, "DH_GROUP_1536_MODP/Group 5", 1536),
    MODP_2048: DhGroup(MODP_2048, "modp", 256, "DH_GROUP_2048_MODP/Group 14", 2048),
    MODP_3072: DhGroup(MODP_3072, "modp", 384, "DH_GROUP_3072_MODP/Group 15", 3072),
    MODP_4096: DhGroup(MODP_4096, "modp", 512, "DH_GROUP_4096_MODP/Group 16", 4096),
    ECP_256: DhGroup(ECP_256, "ecp", 64, "DH_GROUP_256_ECP/Group 19", 256),
    ECP_384: DhGroup(ECP_384, "ecp", 96, "DH_GROUP_384_ECP/Group 20", 384),
    ECP_521: DhGroup(ECP_521, "ecp", 132, "DH_GROUP_521_ECP/Group 21", 521),
    CURVE25519: DhGroup(CURVE25519, "x25519", 32, "DH_GROUP_CURVE25519/Group 31", 255),
}
"""Groups 1-21 debug names follow the IOS pattern seen in captures (`DH_GROUP_1536_MODP/Group 5`); the
Curve25519 name is unverified."""

_MODP_P = {MODP_768: _OAKLEY1, MODP_1024: _OAKLEY2, MODP_1536: _P1536, MODP_2048: _P2048, MODP_3072: _P3072,
           MODP_4096: _P4096}
# Private exponent lengths (bits): twice the group's strength (RFC 3526 §8 / strongSwan's exponent sizes).
_MODP_XBITS = {MODP_768: 160, MODP_1024: 160, MODP_1536: 192, MODP_2048: 256, MODP_3072: 256, MODP_4096: 304}
_EC_CURVES = {ECP_256: _ec.SECP256R1, ECP_384: _ec.SECP384R1, ECP_521: _ec.SECP521R1}
_EC_CURVE = {g: c() for g, c in _EC_CURVES.items()}  # instances, made once
_EC_ORDER = {
    ECP_256: 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    ECP_384: int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
                 "C7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16),
    ECP_521: int("01" + "F" * 65 + "A51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16),
}


_POW_GROUPS = (MODP_768, MODP_1024)
"""OpenSSL 3 does not know the Oakley groups 1 and 2 by name and re-validates their parameters (a primality
test, 50-90 ms) on every key load, so these two legacy groups use Python's built-in modular exponentiation
(~0.3-0.6 ms per operation with the short exponents used).  Every other group goes through `cryptography`."""


class _PowKey:
    __slots__ = ("x", "p")

    def __init__(self, x: int, p: int):
        self.x = x
        self.p = p


class _Modp:
    __slots__ = ("p", "params", "gpub", "size")

    def __init__(self, group: int):
        self.p = int(_MODP_P[group], 16)
        self.size = DH_GROUPS[group].ke_len
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.params = _dh.DHParameterNumbers(self.p, 2)
            self.gpub = _dh.DHPublicNumbers(2, self.params).public_key()


_modp_cache: dict[int, _Modp] = {}


def _modp(group: int) -> _Modp:
    m = _modp_cache.get(group)
    if m is None:
        m = _modp_cache[group] = _Modp(group)
    return m


def get_dh(group: int) -> DhGroup:
    try:
        return DH_GROUPS[group]
    except KeyError:
        raise AlgorithmError(f"unsupported DH group {group}") from None


def dh_supported(group: int) -> bool:
    return group in DH_GROUPS


def generate(group: int | DhGroup, rng: Rng):
    """A fresh key pair for `group` drawn from `rng`: returns (private, KE data bytes).  `private` is opaque
    (a `cryptography` private key object); pass it to `shared`."""
    g = group if isinstance(group, DhGroup) else get_dh(group)
    if rng is os.urandom or rng is default_rng:  # the system RNG anyway: let OpenSSL draw the key (faster)
        if g.kind == "ecp":
            key = _ec.generate_private_key(_EC_CURVE[g.id])
            return key, key.public_key().public_bytes(_ser.Encoding.X962, _ser.PublicFormat.UncompressedPoint)[1:]
        if g.kind == "x25519":
            key = _x25519.X25519PrivateKey.generate()
            return key, key.public_key().public_bytes_raw()
    if g.kind == "ecp":
        order = _EC_ORDER[g.id]
        nbytes = (order.bit_length() + 7) // 8 + 8  # 64 extra bits: negligible modulo bias
        d = int.from_bytes(rng(nbytes), "big") % (order - 1) + 1
        return load_private(g, d)
    if g.kind == "x25519":
        return load_private(g, rng(32))
    xbits = _MODP_XBITS[g.id]
    x = int.from_bytes(rng((xbits + 7) // 8), "big") | (1 << (xbits - 1))
    return load_private(g, x)


def load_private(group: int | DhGroup, secret: int | bytes):
    """(private, KE data) from a given secret: ECP scalar, X25519 32-byte string, MODP exponent (int or
    big-endian bytes).  For known-answer tests and deterministic replays."""
    g = group if isinstance(group, DhGroup) else get_dh(group)
    if g.kind == "x25519":
        key = _x25519.X25519PrivateKey.from_private_bytes(bytes(secret))
        return key, key.public_key().public_bytes_raw()
    if isinstance(secret, (bytes, bytearray)):
        secret = int.from_bytes(secret, "big")
    if g.kind == "ecp":
        key = _ec.derive_private_key(secret, _EC_CURVE[g.id])
        pub = key.public_key().public_bytes(_ser.Encoding.X962, _ser.PublicFormat.UncompressedPoint)
        return key, pub[1:]
    m = _modp(g.id)
    if g.id in _POW_GROUPS:
        return _PowKey(secret, m.p), pow(2, secret, m.p).to_bytes(m.size, "big")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # OpenSSL computes peer^x; with peer = g this is our public value (the placeholder y=2 is never used).
        key = _dh.DHPrivateNumbers(secret, _dh.DHPublicNumbers(2, m.params)).private_key()
        pub = key.exchange(m.gpub)
    return key, pub.rjust(m.size, b"\0")


def shared(group: int | DhGroup, private, peer_public: bytes) -> bytes:
    """g^ir for IKE: MODP big-endian padded to the modulus length, ECP the x coordinate, X25519 the 32-byte
    result.  Raises InvalidKeyExchange for malformed/degenerate peer data."""
    g = group if isinstance(group, DhGroup) else get_dh(group)
    if len(peer_public) != g.ke_len:
        raise InvalidKeyExchange(f"KE length {len(peer_public)} != {g.ke_len} for group {g.id}")
    if g.kind == "ecp":
        try:
            pk = _ec.EllipticCurvePublicKey.from_encoded_point(_EC_CURVE[g.id], b"\x04" + peer_public)
            return private.exchange(_ec.ECDH(), pk)
        except ValueError as e:
            raise InvalidKeyExchange(f"invalid ECP point: {e}") from None
    if g.kind == "x25519":
        try:
            s = private.exchange(_x25519.X25519PublicKey.from_public_bytes(peer_public))
        except ValueError as e:  # cryptography refuses the all-zero result itself
            raise InvalidKeyExchange(f"invalid X25519 value: {e}") from None
        if s == bytes(32):
            raise InvalidKeyExchange("all-zero X25519 shared secret")
        return s
    m = _modp(g.id)
    y = int.from_bytes(peer_public, "big")
    if not 1 < y < m.p - 1:
        raise InvalidKeyExchange("MODP public value out of range")
    if isinstance(private, _PowKey):
        return pow(y, private.x, m.p).to_bytes(m.size, "big")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = private.exchange(_dh.DHPublicNumbers(y, m.params).public_key())
    except ValueError as e:
        raise InvalidKeyExchange(f"invalid MODP value: {e}") from None
    return s.rjust(m.size, b"\0")


# ---------------------------------------------------------------------------------------------------------------
# Key derivation (RFC 7296 §2.13, §2.14, §2.17, §2.18)
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class IkeKeys:
    skeyseed: bytes
    sk_d: bytes
    sk_ai: bytes
    sk_ar: bytes
    sk_ei: bytes
    sk_er: bytes
    sk_pi: bytes
    sk_pr: bytes


def skeyseed(prf_alg: Prf | int, ni: bytes, nr: bytes, g_ir: bytes) -> bytes:
    """SKEYSEED = prf(Ni | Nr, g^ir)."""
    return prf(prf_alg, ni + nr, g_ir)


def rekey_skeyseed(old_prf: Prf | int, sk_d_old: bytes, g_ir: bytes, ni: bytes, nr: bytes) -> bytes:
    """IKE SA rekey: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's PRF (as strongSwan)."""
    return prf(old_prf, sk_d_old, g_ir + ni + nr)


def ike_keys(prf_alg: Prf | int, encr: Encr, integ: Integ | int | None, ni: bytes, nr: bytes, spi_i: bytes,
             spi_r: bytes, g_ir: bytes | None = None, *, seed: bytes | None = None) -> IkeKeys:
    """{SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
    Give `g_ir` for a new SA, or `seed` (from `rekey_skeyseed`) for a rekeyed one.  With AEAD `integ` is
    None and SK_ai/SK_ar are empty; SK_e* include the salt."""
    p = prf_alg if isinstance(prf_alg, Prf) else get_prf(prf_alg)
    if integ is not None and not isinstance(integ, Integ):
        integ = get_integ(integ)
    if seed is None:
        if g_ir is None:
            raise AlgorithmError("ike_keys needs g_ir or seed")
        seed = skeyseed(p, ni, nr, g_ir)
    a = 0 if (integ is None or encr.aead) else integ.key_len
    e = encr.key_len
    d = p.key_len
    km = prf_plus(p, seed, ni + nr + spi_i + spi_r, 3 * d + 2 * a + 2 * e)
    o = 0
    parts = []
    for ln in (d, a, a, e, e, d, d):
        parts.append(km[o:o + ln])
        o += ln
    return IkeKeys(seed, *parts)


def child_keymat(prf_alg: Prf | int, sk_d: bytes, ni: bytes, nr: bytes, encr: Encr, integ: Integ | int | None,
                 g_ir: bytes | None = None):
    """KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) split as (enc_i, integ_i, enc_r, integ_r): keys for the
    initiator->responder SA first.  AEAD keys include the salt; integ keys are b"" without integrity."""
    if integ is not None and not isinstance(integ, Integ):
        integ = get_integ(integ)
    a = 0 if (integ is None or encr.aead) else integ.key_len
    e = encr.key_len
    km = prf_plus(prf_alg, sk_d, (g_ir or b"") + ni + nr, 2 * (a + e))
    return km[:e], km[e:e + a], km[e + a:2 * e + a], km[2 * e + a:]


# ---------------------------------------------------------------------------------------------------------------
# IOS display names
# ---------------------------------------------------------------------------------------------------------------


def encr_show(encr_id: int, key_bits: int | None = None) -> str:
    """`AES-CBC, keysize: 256` / `3DES` (the part after `Encr: `)."""
    try:
        e = get_encr(encr_id, key_bits)
    except AlgorithmError:
        return str(encr_id)
    if e.key_bits is None:
        return e.name
    return f"{e.name}, keysize: {e.key_bits}"


def prf_name(prf_id: int | None) -> str:
    return PRFS[prf_id].name if prf_id in PRFS else ("None" if prf_id is None else str(prf_id))


def integ_name(integ_id: int | None) -> str:
    """`SHA96`, `SHA256`...; `None` for AEAD (assumption: IOS prints `Hash: None` with AES-GCM)."""
    return INTEGS[integ_id].name if integ_id in INTEGS else ("None" if not integ_id else str(integ_id))


def dh_debug_name(group: int) -> str:
    g = DH_GROUPS.get(group)
    return g.name if g else f"DH_GROUP_{group}/Group {group}"


def show_transforms(encr: tuple[int, int | None] | None, prf_id: int | None, integ_id: int | None,
                    dh_group: int | None) -> str:
    """`Encr: AES-CBC, keysize: 256, PRF: SHA256, Hash: SHA256, DH Grp:19` as in `show crypto ikev2 sa detail`
    (the caller appends `, Auth sign: ..., Auth verify: ...`)."""
    e = encr_show(*encr) if encr else "None"
    return f"Encr: {e}, PRF: {prf_name(prf_id)}, Hash: {integ_name(integ_id)}, DH Grp:{dh_group or 0}"


def transform_debug_name(ttype: int, tid: int, key_bits: int | None = None) -> str:
    """One name of the proposal dump line (`AES-CBC`, `SHA512`, `SHA96`, `DH_GROUP_1536_MODP/Group 5`,
    `Don't use ESN`)."""
    if ttype == TT_ENCR:
        names = {ENCR_AES_CBC: "AES-CBC", ENCR_AES_GCM_16: "AES-GCM", ENCR_3DES: "3DES", ENCR_NULL: "NULL",
                 ENCR_DES: "DES", ENCR_AES_CTR: "AES-CTR", ENCR_CHACHA20_POLY1305: "CHACHA20-POLY1305"}
        return names.get(tid, f"ENCR_{tid}")
    if ttype == TT_PRF:
        return PRFS[tid].name if tid in PRFS else f"PRF_{tid}"
    if ttype == TT_INTEG:
        return INTEGS[tid].name if tid in INTEGS else f"INTEG_{tid}"
    if ttype == TT_DH:
        return dh_debug_name(tid)
    if ttype == TT_ESN:
        return "Use ESN" if tid == ESN_YES else "Don't use ESN"
    return f"{ttype}/{tid}"

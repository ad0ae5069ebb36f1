"""ESP (RFC 4303) for one child SA, sans-I/O: `EspSa.encrypt(payload, next_header)` gives the ESP packet (SPI
... ICV) to put in a UDP 4500 datagram (RFC 3948), `EspSa.decrypt(packet)` gives `(next_header, payload)` or
None when the packet is dropped; every drop is counted by reason in `EspSa.drops` and never raises.

Transforms: AES-CBC (RFC 3602) with HMAC-SHA1-96 / SHA2-256-128 / SHA2-384-192 / SHA2-512-256 (RFC 2404,
4868), AES-GCM with a 16-octet ICV (RFC 4106: the 4-octet salt is the end of the child SA's key, the 8-octet
IV is our 64-bit packet counter), ENCR_NULL with an HMAC.  Keys come from the child SA as the engine split them
(crypto/algorithms.child_keymat: `enc_in`/`integ_in` are the initiator's -> ours, the `_out` ones ours).

Sequence numbers are 32-bit (no ESN is negotiated); the anti-replay window is 64 packets (RFC 4303 §3.4.3,
Appendix A2 without ESN) and is only moved by packets whose ICV checked.  Lifetimes in bytes and packets: at
the soft limit (90 %) `soft_expired` turns true once (the data plane counts it and the engine starts the child's
rekey: crypto/responder.py `child_soft_expired`), at the hard limit packets are dropped (`expired`).

Counters: `stats` is any object with `pkts_in`, `pkts_out`, `bytes_in`, `bytes_out`, `drops_in`,
`drops_out` (the engine's ChildSa, so
`show crypto ipsec sa` and the accounting Stop record read them); bytes are the plaintext (inner) octets.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENCR_NULL, ENCR_AES_CBC, ENCR_AES_GCM_16 = 11, 12, 20
# IANA INTEG id -> (hashlib name, ICV octets)
INTEGS = {2: ("sha1", 12), 12: ("sha256", 16), 13: ("sha384", 24), 14: ("sha512", 32)}
WINDOW = 64
SOFT = 0.9  # fraction of a byte/packet lifetime at which the SA asks for a rekey
MAX_SEQ = 0xFFFFFFFF

# drop reasons (keys of EspSa.drops)
TRUNCATED = "truncated"
REPLAY = "replay"
OUT_OF_WINDOW = "out of window"
BAD_ICV = "bad ICV"
BAD_PADDING = "bad padding"
EXPIRED = "lifetime expired"
SEQ_EXHAUSTED = "sequence exhausted"
WRONG_SPI = "wrong SPI"  # counted by the data plane (no SA has that SPI)
REASONS = (WRONG_SPI, REPLAY, OUT_OF_WINDOW, BAD_ICV, TRUNCATED, BAD_PADDING, EXPIRED, SEQ_EXHAUSTED)


class EspUnsupported(ValueError):
    """The child SA's transform has no ESP implementation here (3DES, AES-CTR, ...)."""


@dataclass(slots=True)
class Counters:
    pkts_in: int = 0
    pkts_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    drops_in: int = 0
    drops_out: int = 0


class ReplayWindow:
    """RFC 4303 §3.4.3 anti-replay state of one inbound SA: the highest sequence number accepted and a bitmap of
    the `size` below it.  `EspSa.decrypt` checks a packet against it before the ICV and moves it once the ICV
    verified (inline there: it is every inbound packet's path)."""

    __slots__ = ("top", "bits", "size")

    def __init__(self, size: int = WINDOW):
        self.top = 0  # highest sequence number accepted
        self.bits = 0  # bit i set: top - i seen
        self.size = size


class EspSa:
    def __init__(self, spi_in: int, spi_out: int, encr: tuple[int, int | None], integ: int | None,
                 enc_in: bytes, integ_in: bytes, enc_out: bytes, integ_out: bytes, stats=None,
                 life_bytes: int = 0, life_pkts: int = 0, rng=os.urandom, window: int = WINDOW):
        self.spi_in, self.spi_out = spi_in, spi_out
        self.spi_out_b = spi_out.to_bytes(4, "big")
        self.encr_id = encr[0]
        self.stats = stats if stats is not None else Counters()
        self.rng = rng
        self.window = ReplayWindow(window)
        self.seq_out = 0
        self.drops: dict[str, int] = dict.fromkeys(REASONS, 0)
        self.soft_expired = False
        self.soft_reported = False  # the data plane told the engine (interfaces/tun.py)
        self.expired = False
        self.gcm = self.encr_id == ENCR_AES_GCM_16
        if self.gcm:
            if len(enc_in) not in (20, 28, 36) or len(enc_out) != len(enc_in):
                raise EspUnsupported("AES-GCM key length")
            self.aead_in, self.salt_in = AESGCM(enc_in[:-4]), enc_in[-4:]
            self.aead_out, self.salt_out = AESGCM(enc_out[:-4]), enc_out[-4:]
            self.iv_len, self.block, self.icv_len = 8, 4, 16
            self.hash = None
        else:
            if self.encr_id == ENCR_AES_CBC:
                self.iv_len, self.block = 16, 16
                self.key_in, self.key_out = enc_in, enc_out
            elif self.encr_id == ENCR_NULL:
                self.iv_len, self.block = 0, 4
            else:
                raise EspUnsupported(f"ENCR {self.encr_id}")
            if integ not in INTEGS:
                raise EspUnsupported(f"INTEG {integ}")
            self.hash, self.icv_len = INTEGS[integ]
            self.ikey_in, self.ikey_out = integ_in, integ_out
            # keyed once: each packet's HMAC starts from a copy (the key's pads are not hashed again)
            self.hmac_in = hmac.new(integ_in, digestmod=self.hash)
            self.hmac_out = hmac.new(integ_out, digestmod=self.hash)
            if self.encr_id == ENCR_AES_CBC:
                # One CBC context per direction for the SA's life (not one per packet): its chaining value is the
                # previous packet's last ciphertext block (`cbc_*_last`), so only the first block of each packet is
                # XORed with that and the packet's own IV to make the CBC of RFC 3602 with that IV.
                self.cbc_out = Cipher(algorithms.AES(enc_out), modes.CBC(bytes(16))).encryptor()
                self.cbc_in = Cipher(algorithms.AES(enc_in), modes.CBC(bytes(16))).decryptor()
                self.cbc_out_last = self.cbc_in_last = 0
        self.min_len = 8 + self.iv_len + self.icv_len + max(2, self.block if not self.gcm else 4)
        self._life_bytes, self._life_pkts = life_bytes, life_pkts
        self._thresholds()

    # -- lifetimes -------------------------------------------------------------------------------------------
    # Per packet only two sums are compared with the next threshold (soft, then hard); `_account` decides.
    @property
    def life_bytes(self) -> int:
        return self._life_bytes

    @life_bytes.setter
    def life_bytes(self, value: int) -> None:
        self._life_bytes = value
        self._thresholds()

    @property
    def life_pkts(self) -> int:
        return self._life_pkts

    @life_pkts.setter
    def life_pkts(self, value: int) -> None:
        self._life_pkts = value
        self._thresholds()

    def _thresholds(self) -> None:
        """`_next_b` / `_next_p`: the used octets / packets at which `_account` has something to decide (the
        soft limit until it was reached, then the hard one); infinite without a limit."""
        inf = float("inf")
        lb, lp = getattr(self, "_life_bytes", 0), getattr(self, "_life_pkts", 0)
        soft = getattr(self, "soft_expired", False)
        self._next_b = (lb if soft else min(lb, SOFT * lb)) if lb else inf
        self._next_p = (lp if soft else min(lp, SOFT * lp)) if lp else inf
        self._limited = bool(lb or lp)

    @classmethod
    def from_child(cls, child, rng=os.urandom) -> "EspSa":
        """From the engine's ChildSa: its counters are this SA's `stats`."""
        k = child.keys
        return cls(child.spi_in, child.spi_out, child.encr, child.integ, k.get("enc_in", b""),
                   k.get("integ_in", b""), k.get("enc_out", b""), k.get("integ_out", b""), stats=child,
                   life_bytes=(child.lifetime_kb or 0) * 1024, rng=rng)

    @property
    def dropped(self) -> int:
        return sum(self.drops.values())

    def _drop(self, reason: str, outbound: bool = False) -> None:
        self.drops[reason] += 1
        if outbound:
            self.stats.drops_out += 1
        else:
            self.stats.drops_in += 1

    def _account(self) -> None:
        st = self.stats
        used_b = st.bytes_in + st.bytes_out
        used_p = st.pkts_in + st.pkts_out
        if (self.life_bytes and used_b >= self.life_bytes) or (self.life_pkts and used_p >= self.life_pkts):
            self.expired = True
        if not self.soft_expired and ((self.life_bytes and used_b >= SOFT * self.life_bytes)
                                      or (self.life_pkts and used_p >= SOFT * self.life_pkts)):
            self.soft_expired = True
        self._thresholds()

    # -- outbound --------------------------------------------------------------------------------------------
    def encrypt(self, payload: bytes, next_header: int = 4) -> bytes | None:
        """The ESP packet carrying `payload` (next header 4 = IPv4 in tunnel mode, 47 = GRE, ...), or None when
        the SA may not send any more (lifetime or sequence numbers exhausted; counted)."""
        if self.expired:
            self._drop(EXPIRED, outbound=True)
            return None
        seq = self.seq_out
        if seq >= MAX_SEQ:
            self._drop(SEQ_EXHAUSTED, outbound=True)
            return None
        self.seq_out = seq = seq + 1
        n = len(payload)
        pad = (-(n + 2)) % self.block
        trailer = _TRAILERS.get(pad << 8 | next_header) or _trailer(pad, next_header)
        if self.gcm:
            iv = seq.to_bytes(8, "big")  # unique per packet for this key: the counter (< 2**32: its last 4 octets)
            head = self.spi_out_b + iv[4:]
            pkt = head + iv + self.aead_out.encrypt(self.salt_out + iv, payload + trailer, head)
        else:
            head = self.spi_out_b + seq.to_bytes(4, "big")
            if self.iv_len:
                iv = self.rng(16)
                plain = payload + trailer  # a multiple of 16 octets, at least 16
                first = int.from_bytes(plain[:16], "big") ^ int.from_bytes(iv, "big") ^ self.cbc_out_last
                ct = self.cbc_out.update(first.to_bytes(16, "big") + plain[16:])
                self.cbc_out_last = int.from_bytes(ct[-16:], "big")
                body = iv + ct
            else:
                body = payload + trailer
            signed = head + body
            mac = self.hmac_out.copy()
            mac.update(signed)
            pkt = signed + mac.digest()[:self.icv_len]
        st = self.stats
        st.pkts_out += 1
        st.bytes_out += n
        if self._limited and (st.bytes_in + st.bytes_out >= self._next_b or st.pkts_in + st.pkts_out >= self._next_p):
            self._account()
        return pkt

    # -- inbound ---------------------------------------------------------------------------------------------
    def decrypt(self, packet: bytes) -> tuple[int, bytes] | None:
        """`(next_header, payload)` of an ESP packet for this SA, or None (dropped and counted)."""
        try:
            if len(packet) < self.min_len:
                self._drop(TRUNCATED)
                return None
            if self.expired:
                self._drop(EXPIRED)
                return None
            seq = int.from_bytes(packet[4:8], "big")
            w = self.window  # ReplayWindow.check, inline
            if seq <= w.top:
                if seq == 0:
                    self._drop(OUT_OF_WINDOW)  # never sent (the first packet is 1)
                    return None
                diff = w.top - seq
                if diff >= w.size:
                    self._drop(OUT_OF_WINDOW)
                    return None
                if w.bits >> diff & 1:
                    self._drop(REPLAY)
                    return None
            if self.gcm:
                try:
                    plain = self.aead_in.decrypt(self.salt_in + packet[8:16], packet[16:], packet[:8])
                except InvalidTag:
                    self._drop(BAD_ICV)
                    return None
            else:
                icv = packet[-self.icv_len:]
                signed = packet[:-self.icv_len]
                mac = self.hmac_in.copy()
                mac.update(signed)
                if not hmac.compare_digest(mac.digest()[:self.icv_len], icv):
                    self._drop(BAD_ICV)
                    return None
                if self.iv_len:
                    ct = signed[8 + 16:]
                    if not ct or len(ct) % 16:
                        self._drop(TRUNCATED)
                        return None
                    out = self.cbc_in.update(ct)
                    first = (int.from_bytes(out[:16], "big") ^ self.cbc_in_last
                             ^ int.from_bytes(signed[8:24], "big"))
                    self.cbc_in_last = int.from_bytes(ct[-16:], "big")
                    plain = first.to_bytes(16, "big") + out[16:]
                else:
                    plain = signed[8:]
            if len(plain) < 2:
                self._drop(TRUNCATED)
                return None
            pad = plain[-2]
            if pad + 2 > len(plain):
                self._drop(BAD_PADDING)
                return None
            # the ICV checked: the packet is authentic, the window moves
            top = w.top
            if seq > top:
                shift = seq - top
                w.bits = ((w.bits << shift) | 1) & ((1 << w.size) - 1) if shift < w.size else 1
                w.top = seq
            else:
                w.bits |= 1 << (top - seq)
            payload = plain[:-2 - pad]
            st = self.stats
            st.pkts_in += 1
            st.bytes_in += len(payload)
            if self._limited and (st.bytes_in + st.bytes_out >= self._next_b
                                  or st.pkts_in + st.pkts_out >= self._next_p):
                self._account()
            return plain[-1], payload
        except Exception:  # noqa: BLE001  hostile input: whatever it trips is a drop, never an exception
            self._drop(TRUNCATED)
            return None


_TRAILERS: dict[int, bytes] = {}  # pad << 8 | next header -> the ESP trailer (padding 1, 2, ..., pad length, NH)


def _trailer(pad: int, next_header: int) -> bytes:
    t = _TRAILERS[pad << 8 | next_header] = bytes(range(1, pad + 1)) + bytes((pad, next_header))
    return t


def esp_spi(packet: bytes) -> int:
    return int.from_bytes(packet[:4], "big")


__all__ = ["EspSa", "EspUnsupported", "ReplayWindow", "Counters", "REASONS", "esp_spi"]

"""IPsec running-config: transform-sets and IPsec profiles (inventory §2.10, §4.4, §4.5).

`crypto ipsec transform-set default` and `crypto ipsec profile default` are IOS smart defaults: they exist
implicitly and print only when modified.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import feature, smart_default_blocks


@dataclass
class TransformSet:
    name: str
    cipher: str  # esp-aes | esp-gcm | esp-3des | esp-des
    keysize: str | None = None  # 128 | 192 | 256, as typed
    hmac: str | None = None  # esp-sha-hmac ...
    mode: str = "tunnel"

    @property
    def transforms(self) -> str:
        return " ".join(x for x in (self.cipher, self.keysize, self.hmac) if x)

    def lines(self) -> list[str]:
        return [f"crypto ipsec transform-set {self.name} {self.transforms} ", f" mode {self.mode}"]


def default_transform_set() -> TransformSet:
    return TransformSet("default", "esp-aes", None, "esp-sha-hmac", "transport")


@feature("ipsec_transform_set")
@dataclass
class IpsecTransformSets:
    items: dict[str, TransformSet] = field(default_factory=lambda: {"default": default_transform_set()})

    def render(self, cfg):
        return [t.lines() for t in self.items.values() if t.name != "default" or t != default_transform_set()]


@dataclass
class IpsecProfile:
    name: str
    description: str | None = None
    transform_sets: list[str] = field(default_factory=list)  # empty: the default transform-set
    ikev2_profile: str | None = None
    lifetime_seconds: int | None = None
    lifetime_kilobytes: str | None = None  # a number or "disable"
    replay_window: int | None = None
    replay_disable: bool = False
    policy_limit: int | None = None
    pfs: str | None = None  # "" for a bare `set pfs`, else groupN
    responder_only: bool = False

    def lines(self) -> list[str]:
        out = [f"crypto ipsec profile {self.name}"]
        if self.description:
            out.append(f" description {self.description}")
        if self.lifetime_kilobytes is not None:
            out.append(f" set security-association lifetime kilobytes {self.lifetime_kilobytes}")
        if self.lifetime_seconds is not None:
            out.append(f" set security-association lifetime seconds {self.lifetime_seconds}")
        if self.replay_disable:
            out.append(" set security-association replay disable")
        elif self.replay_window is not None:
            out.append(f" set security-association replay window-size {self.replay_window}")
        if self.policy_limit is not None:
            out.append(f" set security-policy limit {self.policy_limit}")
        if self.transform_sets:
            out.append(" set transform-set " + " ".join(self.transform_sets) + " ")
        if self.pfs is not None:
            out.append(" set pfs" + (f" {self.pfs}" if self.pfs else ""))
        if self.ikev2_profile:
            out.append(f" set ikev2-profile {self.ikev2_profile}")
        if self.responder_only:
            out.append(" responder-only")
        return out


@feature("ipsec_profile")
@dataclass
class IpsecProfiles:
    items: dict[str, IpsecProfile] = field(default_factory=lambda: {"default": IpsecProfile("default")})

    def render(self, cfg):
        return smart_default_blocks(self.items, IpsecProfile("default"))

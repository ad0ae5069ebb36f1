"""QoS: class-maps and policy-maps (`policy-map P` / ` class C` / `  police ...`), printed class-maps first,
then policy-maps, with `class-default` always last in a policy."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import feature


@dataclass
class ClassMap:
    name: str
    match_any: bool = False
    matches: list[str] = field(default_factory=list)  # "access-group name ACL", "any"; "dscp ef"...: kept


@dataclass
class PolicyClass:
    name: str
    police: int | None = None
    police_conform: str = "transmit"
    police_exceed: str = "drop"
    bandwidth: str | None = None  # "1000", "percent 20", "remaining percent 20"
    shape: int | None = None
    kept: list[str] = field(default_factory=list)  # priority, fair-queue, set...: kept as typed, not emulated


@dataclass
class PolicyMap:
    name: str
    classes: list[PolicyClass] = field(default_factory=list)

    def get_class(self, name: str) -> PolicyClass | None:
        for c in self.classes:
            if c.name == name:
                return c
        return None

    def add_class(self, name: str) -> PolicyClass:
        c = PolicyClass(name)
        if name == "class-default":
            self.classes.append(c)
        else:
            idx = next((k for k, x in enumerate(self.classes) if x.name == "class-default"), len(self.classes))
            self.classes.insert(idx, c)
        return c


@feature("policy_map")
@dataclass
class Qos:
    class_maps: dict[str, ClassMap] = field(default_factory=dict)
    policies: dict[str, PolicyMap] = field(default_factory=dict)

    def render(self, cfg):
        blocks = []
        for cm in self.class_maps.values():
            lines = [f"class-map {'match-any' if cm.match_any else 'match-all'} {cm.name}"]
            lines += [f" match {m}" for m in cm.matches]
            blocks.append(lines)
        for pm in self.policies.values():
            lines = [f"policy-map {pm.name}"]
            for c in pm.classes:
                lines.append(f" class {c.name}")
                if c.bandwidth:
                    lines.append(f"  bandwidth {c.bandwidth}")
                if c.shape is not None:
                    lines.append(f"  shape average {c.shape}")
                if c.police is not None:
                    lines.append(f"  police {c.police} conform-action {c.police_conform} "
                                 f"exceed-action {c.police_exceed}")
                lines += [f"  {k}" for k in c.kept]
            blocks.append(lines)
        return blocks

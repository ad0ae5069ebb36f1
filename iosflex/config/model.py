"""RunningConfig: the single source of truth, made of one typed state object per feature.

Each feature module (iosflex/config/*.py) declares its state dataclass and its `show running-config`
renderer with ``@feature(name, order)``.  ``order`` is the feature's place in IOS's section order (the
table below is the one place that order is written down).  A renderer returns blocks; each block is a list
of lines printed followed by a ``!`` line, as IOS separates sections.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

# IOS's section order in `show running-config` (reference/flexvpn-config-inventory.md §4.1).
ORDER = {
    "system": 10,  # version, service
    "hostname": 20,
    "boot": 30,
    "vrf": 35,
    "kept_vrf": 36,  # kept, not emulated (config/kept.py): ip vrf
    "logging": 38,  # logging buffered / console / monitor (config/logging.py)
    "enable": 40,
    "aaa_new_model": 50,
    "aaa_groups": 60,
    "aaa_methods": 70,
    "aaa_attr_lists": 80,
    "aaa_dynamic_author": 90,
    "aaa_session_id": 100,
    "clock": 102,  # clock timezone (config/logging.py)
    "kept_pre_domain": 105,  # mmi, ip icmp, ip dhcp
    "ip_domain": 110,
    "kept_post_domain": 115,  # ip cef, ipv6 cef, multilink, subscriber
    "ipv6_routing": 116,  # ipv6 unicast-routing
    "pki": 120,
    "kept_post_pki": 125,  # license, diagnostic, spanning-tree, archive
    "username": 130,
    "kept_post_user": 135,  # redundancy, cdp, lldp, ip tcp, track, voice, and what has no slot
    "ikev2_author_policy": 150,
    "ikev2_proposal": 160,
    "ikev2_policy": 170,
    "ikev2_keyring": 180,
    "ikev2_name_mangler": 185,
    "ikev2_profile": 190,
    "ikev2_global": 200,
    "kept_crypto": 205,  # IKEv1: crypto keyring, crypto isakmp, crypto ipsec security-association
    "ipsec_transform_set": 210,
    "ipsec_profile": 220,
    "kept_crypto_map": 222,
    "policy_map": 225,
    "interfaces": 230,
    "kept_routing": 240,  # router bgp/ospf/eigrp..., virtual-service
    "kept_ip": 245,  # ip forward-protocol, ip bgp-community, ip http
    "ip_local_pool": 250,
    "ipv6_local_pool": 251,
    "ip_route": 260,
    "kept_ip_route": 261,  # ip route to Null0
    "ipv6_route": 263,  # ipv6 route (IOS prints them after the IPv4 statics)
    "kept_ip_post_route": 262,  # ip tftp/ftp/scp, ip sla
    "ip_ssh": 265,
    "ip_access_list": 270,
    "kept_acl": 272,  # ip prefix-list, community lists, numbered access-list, ipv6 access-list, logging
    "kept_route_map": 275,
    "kept_snmp": 277,
    "radius_globals": 280,
    "radius_servers": 290,
    "kept_control_plane": 300,  # control-plane, dial-peer
    "kept_banner": 305,
    "line": 310,
    "kept_tail": 320,  # ntp, scheduler, event manager
    "kept_system": 999,  # printed by system (service/platform lines)
}


@dataclass
class Feature:
    name: str
    factory: Callable[[], object]
    render: Callable[["RunningConfig", object], list[list[str]]]


FEATURES: dict[str, Feature] = {}


def smart_default_blocks(items: dict, default) -> list[list[str]]:
    """The blocks of named items (`crypto ikev2 proposal`, `policy`, `authorization policy`, `crypto ipsec
    profile`) as IOS prints them: every item, except the smart-default `default` one while it equals
    `default` (its factory-fresh state); modified, it is printed like the others."""
    return [p.lines() for p in items.values() if p.name != "default" or p != default]


def feature(name: str):
    """Register a feature's state class; its `render(self, cfg)` method gives its blocks."""

    def deco(cls):
        if name not in ORDER:
            raise RuntimeError(f"feature {name} has no place in ORDER")
        if name in FEATURES:
            raise RuntimeError(f"feature {name} registered twice")
        FEATURES[name] = Feature(name, cls, lambda cfg, st: st.render(cfg))
        return cls

    return deco


class RunningConfig:
    """One attribute per feature (``cfg.aaa_groups``...), created fresh from the registry."""

    def __init__(self):
        _load_features()
        for name, f in FEATURES.items():
            setattr(self, name, f.factory())
        # Bumped by every command a session runs (iosflex/session.py) and by anything else that writes the
        # configuration: readers that derive costly views from it (the RADIUS server list of a group) keep them
        # while the generation is the same.
        self.generation = 0

    def changed(self) -> None:
        self.generation += 1

    def blocks(self) -> list[list[str]]:
        out: list[list[str]] = []
        for name in sorted(FEATURES, key=lambda n: ORDER[n]):
            out.extend(getattr(self, name).render(self))
        return out

    def lines(self) -> list[str]:
        """The configuration text after the `Current configuration` line, through `end`."""
        out = ["!"]
        for block in self.blocks():
            out.extend(block)
            out.append("!")
        out.append("end")
        return out


def _load_features():
    import importlib
    import pkgutil

    from .. import config as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name not in ("model",):
            importlib.import_module(f"{pkg.__name__}.{info.name}")

"""Which OCPI interfaces each hosted role brings. Each entry builds its mounts from the node's parts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fera.ocpi.types import Role

if TYPE_CHECKING:
    from fera.node import ModuleMount, Node

__all__ = ["MountFactory", "role_mounts"]

MountFactory = Callable[["Node"], list["ModuleMount"]]


def _factories() -> dict[Role, list[MountFactory]]:
    # Imported here: role packages import the node's types, and the node imports this module.
    from fera.cpo import cpo_mounts
    from fera.cpo.chargingprofiles.module import cpo_chargingprofiles_mounts
    from fera.emsp import emsp_mounts
    from fera.emsp.chargingprofiles_module import emsp_chargingprofiles_mounts
    from fera.exchange.hubs import hubclientinfo_mounts
    from fera.scsp import scsp_mounts
    from fera.scsp.planning_module import planning_mounts
    from fera.smartcharging.module import sender_chargingprofiles_mounts

    return {
        Role.CPO: [cpo_mounts, cpo_chargingprofiles_mounts, hubclientinfo_mounts],
        Role.EMSP: [
            emsp_mounts,
            sender_chargingprofiles_mounts,
            emsp_chargingprofiles_mounts,
            planning_mounts,
            hubclientinfo_mounts,
        ],
        Role.SCSP: [scsp_mounts, sender_chargingprofiles_mounts, planning_mounts, hubclientinfo_mounts],
    }


def role_mounts(node: Node) -> list[ModuleMount]:
    """Mounts of every hosted role; an interface two roles share (same module, role, path) is mounted once."""
    mounts: dict[tuple[str, str, str], ModuleMount] = {}
    factories = _factories()
    for role in dict.fromkeys(r.role for r in node.config.roles):
        for factory in factories.get(role, []):
            for mount in factory(node):
                mounts.setdefault((mount.module.value, mount.role.value, mount.path), mount)
    return list(mounts.values())

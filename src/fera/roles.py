"""Which parts each hosted role brings: the table `fera.node` composes, role by role.

Each factory takes the node's `NodeContext` and declares its `Parts`; a factory two hosted roles list (the
ChargingProfiles Sender, the planner) runs once, and an interface two factories declare is mounted once.
"""

from __future__ import annotations

from collections.abc import Callable

from fera.cpo import cpo_parts
from fera.cpo.chargingprofiles.module import cpo_chargingprofiles_parts
from fera.emsp import emsp_parts
from fera.emsp.chargingprofiles_module import emsp_chargingprofiles_parts
from fera.exchange import outbox_parts
from fera.exchange.hubs import hubclientinfo_parts
from fera.ocpi.types import Role
from fera.parts import NodeContext, Parts
from fera.scsp import scsp_parts
from fera.scsp.planning_module import planning_parts
from fera.smartcharging.module import sender_chargingprofiles_parts

__all__ = ["ROLE_PARTS", "PartsFactory", "role_parts"]

PartsFactory = Callable[[NodeContext], Parts]

ROLE_PARTS: dict[Role, list[PartsFactory]] = {
    Role.CPO: [cpo_parts, cpo_chargingprofiles_parts, hubclientinfo_parts, outbox_parts],
    Role.EMSP: [
        emsp_parts,
        sender_chargingprofiles_parts,
        emsp_chargingprofiles_parts,
        planning_parts,
        hubclientinfo_parts,
        outbox_parts,
    ],
    Role.SCSP: [scsp_parts, sender_chargingprofiles_parts, planning_parts, hubclientinfo_parts],
}


def role_parts(context: NodeContext) -> Parts:
    """The parts of every hosted role, in the order the roles are configured."""
    hosted = dict.fromkeys(r.role for r in context.config.roles)
    factories = dict.fromkeys(f for role in hosted for f in ROLE_PARTS.get(role, []))
    parts = Parts()
    for factory in factories:
        parts.add(factory(context))
    return parts

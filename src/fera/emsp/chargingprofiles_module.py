"""Mounts the eMSP's ChargingProfiles Receiver (the proxy towards its SCSP) when it delegates to one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fera.emsp.chargingprofiles import EmspChargingProfilesProxy
from fera.ocpi.chargingprofiles.client import ChargingProfilesSenderClient
from fera.ocpi.chargingprofiles.routes import RECEIVER_PATH, receiver_router
from fera.ocpi.types import Role
from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.smartcharging.module import profile_sender

if TYPE_CHECKING:
    from fera.node import ModuleMount, Node

__all__ = ["emsp_chargingprofiles_mounts"]


def emsp_chargingprofiles_mounts(node: Node) -> list[ModuleMount]:
    from fera.node import ModuleMount

    # A node that is also a CPO serves the Receiver as the CPO (one URL per interface in Versions).
    if not node.config.delegations or node.config.has_role(Role.CPO):
        return []
    client = ChargingProfilesSenderClient(node.peer)
    proxy = EmspChargingProfilesProxy(node.database, profile_sender(node), node.partners, client, node.events)
    router = receiver_router(node.auth, proxy, RECEIVER_PATH)
    return [ModuleMount(ModuleID.CHARGING_PROFILES, InterfaceRole.RECEIVER, RECEIVER_PATH + "/", router)]

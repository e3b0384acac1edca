"""Mounts the eMSP's ChargingProfiles Receiver (the proxy towards its SCSP) when it delegates to one."""

from __future__ import annotations

from fera.emsp.chargingprofiles import EmspChargingProfilesProxy
from fera.ocpi.chargingprofiles.client import ChargingProfilesSenderClient
from fera.ocpi.chargingprofiles.routes import RECEIVER_PATH, receiver_router
from fera.ocpi.types import Role
from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.parts import ModuleMount, NodeContext, Parts
from fera.smartcharging.module import profile_sender

__all__ = ["emsp_chargingprofiles_parts"]


def emsp_chargingprofiles_parts(node: NodeContext) -> Parts:
    # A node that is also a CPO serves the Receiver as the CPO (one URL per interface in Versions).
    if not node.config.delegations or node.config.has_role(Role.CPO):
        return Parts()
    client = ChargingProfilesSenderClient(node.peer)
    proxy = EmspChargingProfilesProxy(node.database, profile_sender(node), node.partners, client, node.events)
    router = receiver_router(node.auth, proxy, RECEIVER_PATH)
    return Parts(
        mounts=[ModuleMount(ModuleID.CHARGING_PROFILES, InterfaceRole.RECEIVER, RECEIVER_PATH + "/", router)]
    )

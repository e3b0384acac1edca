"""The Sender side of ChargingProfiles (eMSP, SCSP), built once per node whatever roles share it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fera.ocpi.chargingprofiles.client import ChargingProfilesReceiverClient
from fera.ocpi.chargingprofiles.routes import SENDER_PATH, sender_router
from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.smartcharging.sender import ProfileSender

if TYPE_CHECKING:
    from fera.node import ModuleMount, Node

__all__ = ["profile_sender", "sender_chargingprofiles_mounts"]


def profile_sender(node: Node) -> ProfileSender:
    if node.profile_sender is None:
        client = ChargingProfilesReceiverClient(node.peer)
        node.profile_sender = ProfileSender(node.database, node.partners, client, node.events, node.base_url)
        node.on_start.append(node.profile_sender.start)
        node.on_stop.append(node.profile_sender.stop)
    return node.profile_sender


def sender_chargingprofiles_mounts(node: Node) -> list[ModuleMount]:
    from fera.node import ModuleMount

    router = sender_router(node.auth, profile_sender(node), SENDER_PATH)
    return [ModuleMount(ModuleID.CHARGING_PROFILES, InterfaceRole.SENDER, SENDER_PATH + "/", router)]

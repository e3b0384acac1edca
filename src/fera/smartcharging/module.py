"""The Sender side of ChargingProfiles (eMSP, SCSP), built once per node whatever roles share it."""

from __future__ import annotations

from fera.ocpi.chargingprofiles.client import ChargingProfilesReceiverClient
from fera.ocpi.chargingprofiles.routes import SENDER_PATH, sender_router
from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.ownership import Owned
from fera.parts import Key, ModuleMount, NodeContext, Parts, Process, Service
from fera.smartcharging.sender import ProfileSender
from fera.web.sources import Sources

__all__ = ["PROFILE_SENDER", "profile_sender", "sender_chargingprofiles_parts"]

PROFILE_SENDER: Key[ProfileSender] = Key("profile sender")


def profile_sender(node: NodeContext) -> ProfileSender:
    """The node's one Sender: its hooks are declared by `sender_chargingprofiles_parts`, which every role
    that sends profiles hosts."""

    def build() -> ProfileSender:
        client = ChargingProfilesReceiverClient(node.peer)
        database = node.database
        return ProfileSender(
            database, node.partners, client, node.events, node.base_url, shared=database.shared
        )

    return node.shared(PROFILE_SENDER, build)


def sender_chargingprofiles_parts(node: NodeContext) -> Parts:
    sender = profile_sender(node)
    router = sender_router(node.auth, sender, SENDER_PATH)
    return Parts(
        mounts=[ModuleMount(ModuleID.CHARGING_PROFILES, InterfaceRole.SENDER, SENDER_PATH + "/", router)],
        services=[_deadlines(node, sender), *_ends(node, sender)],
        dashboard=Sources(profile_sender=sender),
    )


def _deadlines(node: NodeContext, sender: ProfileSender) -> Service:
    """Who keeps the requests' deadlines: one process alone runs the timers, so each fires once."""
    if not node.database.shared:
        # One process: the timers belong with the routes that create the requests.
        return Service(Process.API, sender.start, sender.stop)
    owned = Owned(node.database, "profile deadlines", sender.keeping_time)
    return Service(Process.WORKER, owned.start, owned.stop)


def _ends(node: NodeContext, sender: ProfileSender) -> list[Service]:
    """Several processes: each one hears the requests another one ended, once (API or else worker)."""
    if not node.database.shared:
        return []
    runs_in = Process.API if Process.API in node.processes else Process.WORKER
    return [Service(runs_in, sender.hear_ends, sender.stop_hearing)]

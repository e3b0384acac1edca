"""The CPO's ChargingProfiles Receiver, assembled from the node's parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fera.cpo.chargingprofiles.active import ActiveProfiles, NoLocalLimits
from fera.cpo.chargingprofiles.applier import ProfileApplier
from fera.cpo.chargingprofiles.receiver import CpoChargingProfiles
from fera.cpo.chargingprofiles.sessions import StoredSteerableSessions
from fera.cpo.chargingprofiles.stations import InProcessStations, StationRouter
from fera.ocpi.chargingprofiles.client import ChargingProfilesSenderClient
from fera.ocpi.chargingprofiles.routes import RECEIVER_PATH, receiver_router
from fera.ocpi.versions import InterfaceRole, ModuleID

if TYPE_CHECKING:
    from fera.node import ModuleMount, Node

__all__ = ["CpoChargingProfilesModule", "cpo_chargingprofiles_mounts"]


@dataclass
class CpoChargingProfilesModule:
    receiver: CpoChargingProfiles
    applier: ProfileApplier
    active: ActiveProfiles
    stations: StationRouter
    sessions: StoredSteerableSessions


def cpo_chargingprofiles_mounts(node: Node) -> list[ModuleMount]:
    from fera.node import ModuleMount

    sessions = StoredSteerableSessions(node.database)
    stations = StationRouter(InProcessStations())
    client = ChargingProfilesSenderClient(node.peer)
    active = ActiveProfiles(node.database, stations, node.partners, client, NoLocalLimits())
    applier = ProfileApplier(node.database, sessions, active, node.partners, client)
    receiver = CpoChargingProfiles(
        node.database,
        sessions,
        applier,
        node.config.contracts,
        timeout_s=node.config.profile_result_timeout_s,
        min_interval_s=node.config.min_profile_interval_s,
    )
    node.cpo_profiles = CpoChargingProfilesModule(receiver, applier, active, stations, sessions)
    node.on_start.append(applier.resume)
    node.on_stop.append(applier.stop)
    router = receiver_router(node.auth, receiver, RECEIVER_PATH)
    return [ModuleMount(ModuleID.CHARGING_PROFILES, InterfaceRole.RECEIVER, RECEIVER_PATH + "/", router)]

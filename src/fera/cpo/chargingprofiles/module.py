"""The CPO's ChargingProfiles Receiver, assembled from the node's parts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fera.cpo.chargingprofiles.active import ActiveProfiles, NoLocalLimits
from fera.cpo.chargingprofiles.applier import ProfileApplier
from fera.cpo.chargingprofiles.balancer import SiteBalancer
from fera.cpo.chargingprofiles.receiver import CpoChargingProfiles
from fera.cpo.chargingprofiles.sessions import StoredSteerableSessions
from fera.cpo.chargingprofiles.site import SiteLimits
from fera.cpo.chargingprofiles.site_view import SiteLoadView
from fera.cpo.chargingprofiles.stations import InProcessStations, StationRouter
from fera.cpo.stations.service import wire_stations
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
    sites: SiteBalancer | None = None  # site load management, when the node has sites


def cpo_chargingprofiles_mounts(node: Node) -> list[ModuleMount]:
    from fera.node import ModuleMount

    sessions = StoredSteerableSessions(node.database)
    stations = StationRouter(InProcessStations())
    client = ChargingProfilesSenderClient(node.peer)
    sites = node.config.sites
    # Profile starts, active-profile windows and site shares are domain time (simulated in demos); the
    # OCPI timing of jobs (deadlines) stays real.
    clock = node.clock.now
    limits = SiteLimits(sites, node.database, node.signals.limits, now=clock) if sites else None
    active = ActiveProfiles(
        node.database, stations, node.partners, client, limits or NoLocalLimits(), now=clock
    )
    applier = ProfileApplier(node.database, sessions, active, node.partners, client)
    receiver = CpoChargingProfiles(
        node.database,
        sessions,
        applier,
        node.config.contracts,
        timeout_s=node.config.profile_result_timeout_s,
        min_interval_s=node.config.min_profile_interval_s,
        governing=node.config.governing,
    )
    balancer = None if limits is None else SiteBalancer(limits, applier)
    if limits is not None:
        node.dashboard_sources.location_load = SiteLoadView(limits, clock)
    node.cpo_profiles = CpoChargingProfilesModule(receiver, applier, active, stations, sessions, balancer)
    node.on_start.append(applier.resume)
    node.on_stop.append(applier.stop)
    if balancer is not None:
        balancer.subscribe(node.events)
        node.on_stop.append(balancer.stop)
    wire_stations(node, stations)
    router = receiver_router(node.auth, receiver, RECEIVER_PATH)
    return [ModuleMount(ModuleID.CHARGING_PROFILES, InterfaceRole.RECEIVER, RECEIVER_PATH + "/", router)]

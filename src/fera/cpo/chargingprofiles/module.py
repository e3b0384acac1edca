"""The CPO's ChargingProfiles Receiver, assembled from the node's parts."""

from __future__ import annotations

from dataclasses import dataclass

from fera.cpo.chargingprofiles.active import ActiveProfiles
from fera.cpo.chargingprofiles.applier import ProfileApplier
from fera.cpo.chargingprofiles.balancer import SiteBalancer
from fera.cpo.chargingprofiles.local_limits import NoLocalLimits
from fera.cpo.chargingprofiles.receiver import CpoChargingProfiles
from fera.cpo.chargingprofiles.sessions import StoredSteerableSessions
from fera.cpo.chargingprofiles.site import SiteLimits
from fera.cpo.chargingprofiles.site_shared import SharedSites
from fera.cpo.chargingprofiles.site_view import SiteLoadView
from fera.cpo.chargingprofiles.stations import InProcessStations, StationRouter
from fera.cpo.stations.service import stations_parts
from fera.ocpi.chargingprofiles.client import ChargingProfilesSenderClient
from fera.ocpi.chargingprofiles.routes import RECEIVER_PATH, receiver_router
from fera.ocpi.versions import InterfaceRole, ModuleID
from fera.parts import Key, ModuleMount, NodeContext, Parts, Process, Service
from fera.web.sources import Sources

__all__ = ["CPO_PROFILES", "CpoChargingProfilesModule", "cpo_chargingprofiles_parts"]


@dataclass
class CpoChargingProfilesModule:
    receiver: CpoChargingProfiles
    applier: ProfileApplier
    active: ActiveProfiles
    stations: StationRouter
    sessions: StoredSteerableSessions
    sites: SiteBalancer | None = None  # site load management, when the node has sites


CPO_PROFILES: Key[CpoChargingProfilesModule] = Key("cpo chargingprofiles")


def cpo_chargingprofiles_parts(node: NodeContext) -> Parts:
    sessions = StoredSteerableSessions(node.database)
    stations = StationRouter(InProcessStations())
    client = ChargingProfilesSenderClient(node.peer)
    sites = node.config.sites
    # Profile starts, active-profile windows and site shares are domain time (simulated in demos); the
    # OCPI timing of jobs (deadlines) stays real.
    clock = node.clock.now
    shared = SharedSites(node.database) if node.database.shared else None  # several processes (PostgreSQL)
    limits = SiteLimits(sites, node.database, node.signals.limits, clock, shared) if sites else None
    active = ActiveProfiles(
        node.database, stations, node.partners, client, limits or NoLocalLimits(), now=clock
    )
    applier = ProfileApplier(
        node.database,
        sessions,
        active,
        node.partners,
        client,
        claims=node.database.shared,
        works=Process.WORKER in node.processes,
    )
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
    module = CpoChargingProfilesModule(receiver, applier, active, stations, sessions, balancer)
    node.shared(CPO_PROFILES, lambda: module)
    router = receiver_router(node.auth, receiver, RECEIVER_PATH)
    parts = Parts(
        mounts=[ModuleMount(ModuleID.CHARGING_PROFILES, InterfaceRole.RECEIVER, RECEIVER_PATH + "/", router)],
        services=[Service(Process.WORKER, applier.start, applier.stop)],
        dashboard=Sources(cpo_profiles=module),
    )
    if limits is not None and balancer is not None:
        balancer.subscribe(node.events)
        parts.services.append(Service(Process.WORKER, balancer.start, balancer.stop))
        parts.dashboard.location_load = SiteLoadView(limits, clock)
    return parts.add(stations_parts(node, stations))

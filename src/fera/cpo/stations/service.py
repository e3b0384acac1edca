"""The CPO's OCPP side as a node runs it: the gateway, its station events and the transaction bindings.

Built when the node has `ocpp_listen`; its parts start it (after migrations: bindings are reloaded before
the first station can connect) and stop it. On PostgreSQL the gateway may be a process of its own, and
several of them share the stations: each records the stations it holds and runs the commands other
processes queue for them (`GatewayRelay`), and every process commands stations through `RoutedStations`
(its own gateway's directly, the others' through the database).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.cpo import cpo_of
from fera.cpo.chargingprofiles.stations import StationRouter
from fera.cpo.stations.admin import stations_admin_router
from fera.cpo.stations.bindings import StationBindings
from fera.cpo.stations.directory import StationDirectory
from fera.cpo.stations.events import CpoStationEvents
from fera.cpo.stations.relay import GatewayRelay
from fera.cpo.stations.routing import ALIVE_S, RoutedStations
from fera.ocpp import OcppGateway
from fera.ocpp.link import StationLink
from fera.ocpp.monitor import StationMonitor
from fera.parts import NodeContext, Parts, Process, Service
from fera.sessions_events import LocationChanged
from fera.web.sources import Sources

__all__ = ["CpoStations", "stations_parts"]


class CpoStations:
    def __init__(self, node: NodeContext, router: StationRouter, listen: str) -> None:
        config = node.config
        self._host, port = listen.rsplit(":", 1)
        self._port = int(port)
        self.directory = StationDirectory(config.stations)
        self.configured = config.stations
        self._store, shared = node.database, node.database.shared
        self.bindings = StationBindings(node.database, router, shared=shared)
        sites = {s.location.upper() for s in config.sites}
        managed = {s.id for s in config.stations if s.location.upper() in sites}
        self.events = CpoStationEvents(
            cpo_of(node), self.directory, node.database, self.bindings, managed=managed.__contains__
        )
        self.monitor = StationMonitor(node.clock.now)  # what the dashboard shows of each station
        node.events.subscribe(LocationChanged, self.events.learner.location_changed)
        self.gateway = OcppGateway(
            self.events, self.directory.admitted(), config.ocpp_call_timeout_s, monitor=self.monitor
        )
        self.relay: GatewayRelay | None = None
        self.routed: RoutedStations | None = None
        if shared:
            self.relay = GatewayRelay(self.gateway, node.database)
            self.gateway.connections = self.relay
            self.routed = RoutedStations(
                self.gateway,
                node.database,
                config.ocpp_call_timeout_s,
                own_gateway=self.relay.gateway_id,
            )
        # What ChargingProfiles command stations through: the gateway, or any gateway of the node.
        self.link: StationLink = self.routed or self.gateway
        self.bindings.link = self.link
        self.port: int | None = None  # once listening (the configured port may be 0: any free one)

    @property
    def url(self) -> str:
        """Where stations connect: {url}/{station_id}."""
        assert self.port is not None, "the gateway is not listening"
        return f"ws://{self._host}:{self.port}/ocpp"

    async def online(self) -> list[str]:
        """The stations connected to this process's gateway, and (PostgreSQL) to the node's other ones."""
        online = set(self.gateway.connected())
        if self.relay is not None:
            alive_since = datetime.now(UTC) - timedelta(seconds=ALIVE_S)
            async with self._store.unit_of_work() as uow:
                online |= set(await uow.station_presence.held(alive_since))
        return sorted(online)

    async def start(self) -> None:
        await self.bindings.load()
        if self.relay is not None:
            await self.relay.start()
        self.port = await self.gateway.start(self._host, self._port)

    async def stop(self) -> None:
        await self.gateway.stop()
        if self.relay is not None:
            await self.relay.stop()
        self.port = None

    async def stop_routing(self) -> None:
        """Whatever the process runs: it may have commanded other gateways' stations."""
        if self.routed is not None:
            await self.routed.stop()


def stations_parts(node: NodeContext, router: StationRouter) -> Parts:
    """The node's OCPP side (nothing when no `ocpp_listen` is configured)."""
    if node.config.ocpp_listen is None:
        return Parts()
    stations = CpoStations(node, router, node.config.ocpp_listen)
    cpo_of(node).stations = stations
    return Parts(
        routers=[stations_admin_router(node.config.admin_token, stations)],
        services=[
            Service(Process.GATEWAY, stations.start, stations.stop),
            *(Service(process, stop=stations.stop_routing) for process in Process),
        ],
        dashboard=Sources(stations=stations),
    )

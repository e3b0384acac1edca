"""What the dashboard reads beyond the store: site load (CPO) and the SCSP's plan, through narrow Protocols.

The roles declare them in their `fera.parts.Parts` and the node composes them into one `Sources`. Every
series is a step function: each point's value holds until the next point; the last point ends the series
(repeat the last value at the end time). Times are timezone-aware, powers in kW. A missing source is shown
as such on the page; the dashboard never invents data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from fera.signals import SignalKind
from fera.signals import SignalSeries as SignalEvent

if TYPE_CHECKING:
    from fera.admin.routes import FlexibilitySource
    from fera.clock import Clock
    from fera.config import NodeConfig
    from fera.cpo.chargingprofiles.sessions import SteerableSession, SteerableSessions
    from fera.ocpi.chargingprofiles.models import ActiveChargingProfile
    from fera.ocpp.monitor import StationMonitor
    from fera.partners import PartnerService
    from fera.signals.board import SignalBoard
    from fera.store import Database
    from fera.traffic import TrafficLog

__all__ = [
    "DashboardNode",
    "DashboardSources",
    "FlexibilityPoint",
    "LocationLoadSource",
    "PlannedSession",
    "Point",
    "ReceiverProfilesSource",
    "SenderProfilesSource",
    "StationsSource",
    "SteeringSource",
    "ScspPlanSource",
    "SignalSeries",
    "Sources",
    "signal_unit",
]

Point = tuple[datetime, float]  # (time, kW)


@dataclass(frozen=True)
class FlexibilityPoint:
    time: datetime  # start of the planning step
    planned_kw: float
    min_kw: float
    max_kw: float


@dataclass(frozen=True)
class SignalSeries:
    name: str  # e.g. "Price", "CO2"
    unit: str  # e.g. "EUR/kWh", "g/kWh"
    points: list[tuple[datetime, float]]


@dataclass(frozen=True)
class PlannedSession:
    label: str  # what the operator recognises: the session id as this node knows it
    points: list[Point]


class LocationLoadSource(Protocol):
    """The CPO's site load management, per location id (as in the Location object)."""

    async def load(self, location_id: str) -> list[Point]:
        """What site load management lets the location's sessions draw (the sum of their limits)."""
        ...

    async def capacity(self, location_id: str) -> list[Point] | None:
        """The location's capacity over time; None when no limit is known."""
        ...


class ScspPlanSource(Protocol):
    """The SCSP planner's latest plan, its inputs (signals) and the flexibility it publishes per group."""

    async def flexibility(self, group_id: str) -> list[FlexibilityPoint]:
        """The band per step for a group (a location the SCSP steers); empty when it plans nothing there."""
        ...

    async def signals(self) -> list[SignalSeries]: ...

    async def plan(self) -> list[PlannedSession]: ...


class DashboardSources(Protocol):
    """`node.dashboard_sources`: either attribute may be None (the node has no such part)."""

    @property
    def location_load(self) -> LocationLoadSource | None: ...

    @property
    def scsp_plan(self) -> ScspPlanSource | None: ...


class StationsSource(Protocol):
    """The CPO's OCPP side: what this process's gateway saw of each station, and which stations any of the
    node's gateways holds (several processes: read from the database)."""

    @property
    def monitor(self) -> StationMonitor: ...

    async def online(self) -> list[str]: ...


class ActiveProfilesSource(Protocol):
    async def current(self, session: SteerableSession) -> ActiveChargingProfile: ...

    async def limiters(self, session: SteerableSession) -> list[tuple[datetime, str]]:
        """Who limits the session from now on."""
        ...

    async def limited_by(self, session_id: str) -> list[tuple[datetime, str]]:
        """Who limited the session and from when (recorded)."""
        ...


class ReceiverProfilesSource(Protocol):
    """The CPO's ChargingProfiles Receiver: its steerable sessions and their active profiles."""

    @property
    def sessions(self) -> SteerableSessions: ...

    @property
    def active(self) -> ActiveProfilesSource: ...


class SenderProfilesSource(Protocol):
    """The ChargingProfiles Sender (eMSP, SCSP): the active profile a CPO last reported on a session."""

    async def active_profile(self, partner_id: str, session_id: str) -> ActiveChargingProfile | None: ...


class SteeringSource(Protocol):
    """The planner's view of charges that reached this node twice (as two sessions)."""

    async def steered_as(self, partner_id: str, session_id: str) -> tuple[str, str] | None:
        """For a copy of a charge: (partner id, session id) of the copy that is planned and steered."""
        ...


@dataclass
class Sources:
    """The node's `dashboard_sources`, declared by the roles that have such parts (None: no such part)."""

    location_load: LocationLoadSource | None = None
    scsp_plan: ScspPlanSource | None = None
    stations: StationsSource | None = None  # the OCPP gateways' view of the stations (CPO with ocpp_listen)
    cpo_profiles: ReceiverProfilesSource | None = None
    profile_sender: SenderProfilesSource | None = None
    flexibility: FlexibilitySource | None = None  # the band the planner publishes (also on the admin API)
    planner: SteeringSource | None = None


class DashboardNode(Protocol):
    """What the dashboard reads of a node: its own parts and the sources its roles declared."""

    @property
    def config(self) -> NodeConfig: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def partners(self) -> PartnerService: ...

    @property
    def database(self) -> Database: ...

    @property
    def signals(self) -> SignalBoard: ...

    @property
    def traffic(self) -> TrafficLog: ...

    @property
    def dashboard_sources(self) -> Sources: ...


def signal_unit(series: Sequence[SignalEvent], kind: SignalKind) -> str:
    """A price in the currency its events name (OpenADR payload descriptors) per kWh; CO2 in g/kWh."""
    if kind is not SignalKind.PRICE:
        return "g/kWh"
    currencies = {c for s in series if s.points(kind) and (c := s.currency(kind)) is not None}
    if len(currencies) == 1:
        return f"{currencies.pop()}/kWh"
    return "per kWh (currency not given)" if not currencies else "per kWh (mixed currencies)"

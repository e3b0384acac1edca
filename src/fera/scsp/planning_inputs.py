"""What the planner is given, built from what a steering party knows (pure: no I/O, no clock).

A steering party (an SCSP, or an eMSP steering its own customers) knows sessions as partners sent them,
the locations some CPOs shared, the drivers' preferences where it has them, the signals it was sent, and
the ActiveChargingProfiles the CPOs pushed. Whatever is missing is estimated, and said to be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fera.charging import Electrical
from fera.ocpi.chargingprofiles.models import ChargingProfile, ChargingProfilePeriod, ChargingRateUnit
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import ChargingPreferences, Session
from fera.ocpi.types import ci_equal
from fera.planning import (
    THREE_PHASE,
    GridGroup,
    Phase,
    PlannedProfile,
    PlanningProblem,
    ProfileType,
    SessionStatistics,
)
from fera.planning import Session as PlannedSession
from fera.scsp.planning_draw import CarDraw

__all__ = [
    "AC_MIN_AMPS",
    "DEFAULT_ELECTRICAL",
    "Known",
    "SessionKey",
    "build_problem",
    "electrical_of",
    "min_rate_w",
    "to_ocpi_profile",
]

SessionKey = tuple[str, str]  # (partner the session came from, its session id there)
# A session whose location nobody shared (an SCSP behind an eMSP gets Sessions, not Locations): assume the
# largest common AC charger (32 A, three phases). Profiles are ceilings and the CPO caps at the real hardware,
# so a planner that doesn't know the hardware must not be the one to throttle it.
DEFAULT_ELECTRICAL = Electrical("AC_3_PHASE", 230, 32, None)
AC_MIN_AMPS = 6.0  # IEC 61851: below 6 A per phase an AC car stops charging, so plan 0 or at least this


@dataclass(frozen=True)
class Known:
    """One ongoing session with everything the steering party knows about it."""

    key: SessionKey
    session: Session
    location: Location | None
    preferences: ChargingPreferences | None
    held_w: float | None = None  # the CPO's active limit, when it holds the session below the plan
    draw: CarDraw = field(default_factory=CarDraw)  # what its meter readings taught us about the car


def electrical_of(known: Known) -> Electrical:
    evse = (
        next((e for e in (known.location.evses or []) if ci_equal(e.uid, known.session.evse_uid)), None)
        if known.location
        else None
    )
    connector = (
        next((c for c in evse.connectors if ci_equal(c.id, known.session.connector_id)), None)
        if evse
        else None
    )
    if connector is None:
        return DEFAULT_ELECTRICAL
    return Electrical(
        connector.power_type.value,
        connector.max_voltage,
        connector.max_amperage,
        connector.max_electric_power,
    )


def min_rate_w(electrical: Electrical) -> float:
    return 0.0 if electrical.power_type == "DC" else electrical.amps_to_watts(AC_MIN_AMPS)


def plan_id(key: SessionKey) -> str:
    return f"{key[0]}/{key[1]}"


def _phases(electrical: Electrical) -> tuple[Phase, ...]:
    return THREE_PHASE[: electrical.phases] if electrical.power_type != "DC" else THREE_PHASE


def planned_session(known: Known, stats: SessionStatistics, now: datetime) -> PlannedSession:
    prefs, session = known.preferences, known.session
    estimate = stats.estimate(
        session.location_id,
        session.start_date_time,
        now,
        departure=prefs.departure_time if prefs else None,
        energy_kwh=prefs.energy_need if prefs else None,
    )
    electrical = electrical_of(known)
    limit = float(electrical.max_power_w)
    remaining = estimate.energy_kwh - session.kwh
    if estimate.energy_estimated:
        # Nobody said how much: a guess must never cap the car. Let it take all it can until it leaves
        # (the car stops when full); capacity, prices and the other sessions still shape it.
        hours = max(0.0, (estimate.departure - now).total_seconds() / 3600)
        remaining = limit / 1000 * hours
    if known.draw.full(now):
        remaining = 0.0  # stopped drawing while it could: full (retried after FULL_RETRY)
    min_rate = min_rate_w(electrical)
    for cap in (known.held_w, known.draw.max_w):
        if cap is not None:
            limit = min(limit, cap)
    return PlannedSession(
        id=plan_id(known.key),
        arrival=min(session.start_date_time, now),  # plugged in: it can take power from the plan's start
        departure=max(estimate.departure, now + timedelta(minutes=1)),
        energy_kwh=max(0.0, remaining),
        max_power_w=limit,
        min_rate_w=min_rate,
        # Without a stated preference, charge as soon as capacity allows: a guess must not delay energy.
        profile_type=ProfileType(prefs.profile_type.value) if prefs else ProfileType.FAST,
        phases=_phases(electrical),
        group_id=session.location_id.upper(),
        estimated=estimate.energy_estimated and remaining > 0,
    )


def build_problem(
    known: Sequence[Known],
    stats: SessionStatistics,
    now: datetime,
    step: timedelta,
    capacity: dict[str, list[float]],
    price: list[float] | float = 0.0,
    co2: list[float] | float = 0.0,
) -> PlanningProblem:
    """One group per location (its capacity series in W, where a forecast exists)."""
    sessions = [planned_session(k, stats, now) for k in known]
    groups = [
        GridGroup(id=location, capacity_w=capacity.get(location))
        for location in sorted({s.group_id for s in sessions if s.group_id})
    ]
    return PlanningProblem(now=now, step=step, sessions=sessions, groups=groups, price=price, co2=co2)


def to_ocpi_profile(planned: PlannedProfile) -> ChargingProfile:
    return ChargingProfile(
        start_date_time=planned.start_date_time,
        duration=planned.duration,
        charging_rate_unit=ChargingRateUnit(planned.charging_rate_unit.value),
        min_charging_rate=planned.min_charging_rate,
        charging_profile_period=[
            ChargingProfilePeriod(start_period=p.start_period, limit=p.limit) for p in planned.periods
        ],
    )

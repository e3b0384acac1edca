"""What the planner is given, built from what a steering party knows (pure: no I/O, no clock).

A steering party (an SCSP, or an eMSP steering its own customers) knows sessions as partners sent them,
the locations some CPOs shared, the drivers' preferences where it has them, the signals it was sent, and
the ActiveChargingProfiles the CPOs pushed. Whatever is missing is estimated, and said to be.

Each car is planned at what it really draws: on the phases it uses (from its metered POWER and CURRENT; until
metered, every phase of its EVSE), mapped through the EVSE's wiring to the site's phases (`SiteConfig`), at
the EVSE's current on those phases. Its profile is then in amps per phase of the car's phases. The groups
(location, site, sub-boards) come from `planning_grid`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from fera.charging import Electrical
from fera.config import SiteConfig
from fera.ocpi.chargingprofiles.models import ChargingProfile, ChargingProfilePeriod, ChargingRateUnit
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import ChargingPreferences, Session
from fera.ocpi.types import ci_equal
from fera.planning import (
    PlannedProfile,
    PlanningProblem,
    ProfileType,
    SessionStatistics,
)
from fera.planning import Session as PlannedSession
from fera.scsp.planning_cars import car_phases_of, most_drawn_a
from fera.scsp.planning_draw import CarDraw
from fera.scsp.planning_expected import expected_arrivals
from fera.scsp.planning_grid import GroupCapacity, grid_groups, session_group
from fera.scsp.planning_network import site_currents

__all__ = [
    "DEFAULT_ELECTRICAL",
    "DEFER_SLACK",
    "GroupCapacity",
    "Known",
    "MAX_HORIZON_STEPS",
    "SessionKey",
    "build_problem",
    "electrical_of",
    "kept_at_hold",
    "to_ocpi_profile",
    "token_of",
]

SessionKey = tuple[str, str]  # (partner the session came from, its session id there)
# A session whose location nobody shared (an SCSP behind an eMSP gets Sessions, not Locations): assume the
# largest common AC charger (32 A, three phases). Profiles are ceilings and the CPO caps at the real hardware,
# so a planner that doesn't know the hardware must not be the one to throttle it.
DEFAULT_ELECTRICAL = Electrical("AC_3_PHASE", 230, 32, None)
MAX_HORIZON_STEPS = 192  # what a plan, its capacity and price series cover at most (48 h of 15 min steps)
# A CHEAP or GREEN car is let wait for its hours only while it has this much time to spare (its stay left
# minus the time its need takes at its maximum): a car deferred into the cheap hours finds the cars that
# arrive later competing for the same phase, and energy comes first (`_energy_first`).
DEFER_SLACK = timedelta(hours=3)
DEFERRING = (ProfileType.CHEAP, ProfileType.GREEN)


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


def plan_id(key: SessionKey) -> str:
    return f"{key[0]}/{key[1]}"


def token_of(session: Session) -> str | None:
    """The driver's token uid, whose own habits estimate departure and energy best."""
    return session.cdr_token.uid if session.cdr_token is not None else None


def planned_session(
    known: Known,
    stats: SessionStatistics,
    now: datetime,
    sites: Sequence[SiteConfig] = (),
    car_amps: float | None = None,
    holding: datetime | None = None,
    waiting: datetime | None = None,
) -> PlannedSession:
    """`car_amps`: the car's own maximum current per phase, once its meter showed it (`observed_car_amps`);
    `holding`: it charges now, in its turn, until then (`PlannedSession.holding_until`); `waiting`: its last
    turn ended then (`PlannedSession.waiting_since`)."""
    prefs, session = known.preferences, known.session
    estimate = stats.estimate(
        session.location_id,
        session.start_date_time,
        now,
        departure=prefs.departure_time if prefs else None,
        energy_kwh=prefs.energy_need if prefs else None,
        token=token_of(session),
    )
    electrical = electrical_of(known)
    draw = car_phases_of(session, electrical, sites)
    share = len(draw.phases) / electrical.phases if electrical.power_type != "DC" else 1.0
    limit = float(electrical.max_power_w) * share  # the EVSE's current on the car's phases
    if car_amps is not None and electrical.power_type != "DC":
        limit = min(limit, electrical.amps_to_watts(car_amps, len(draw.phases)))
    known_car = electrical.power_type == "DC" or (draw.metered and car_amps is not None)
    remaining = estimate.energy_kwh - session.kwh
    if estimate.energy_estimated:
        # Nobody said how much: a guess must never cap the car. Let it take all it can until it leaves
        # (the car stops when full); capacity, prices and the other sessions still shape it.
        hours = max(0.0, (estimate.departure - now).total_seconds() / 3600)
        remaining = limit / 1000 * hours
    if known.draw.full(now):
        remaining = 0.0  # stopped drawing while it could: full (retried after FULL_RETRY)
    min_rate = electrical.min_rate_w * share
    for cap in (known.held_w, known.draw.max_w):  # watts over the EVSE's phases, like the profiles
        if cap is not None:
            limit = min(limit, cap * share)
    # A car the CPO holds below the minimum rate still charges at its hold: planning it at "the minimum or
    # 0" would send 0 and stop it (and a CPO that shares its site by our profiles then gives it 0 too).
    min_rate = min(min_rate, limit)
    wished = ProfileType(prefs.profile_type.value) if prefs and draw.metered else ProfileType.FAST
    # REGULAR, "no special preferences": as soon as the grid allows, like a guess. Spread over its stay (the
    # planner's REGULAR), a stated need left the site idle before the demo's cut and its connector busy.
    wished = ProfileType.FAST if wished is ProfileType.REGULAR else wished
    # Until the car's own maximum shows, its time to spare is judged at the most it was seen to take: a
    # single-phase 16 A car on a 32 A EVSE must not wait for cheap hours as if it could take 32 A.
    pace = (
        limit if known_car else min(limit, electrical.amps_to_watts(most_drawn_a(session), len(draw.phases)))
    )
    if not estimate.energy_estimated:
        wished = _energy_first(wished, remaining, pace, estimate.departure - now)
    return PlannedSession(
        id=plan_id(known.key),
        arrival=min(session.start_date_time, now),  # plugged in: it can take power from the plan's start
        departure=max(estimate.departure, now + timedelta(minutes=1)),
        energy_kwh=max(0.0, remaining),
        max_power_w=limit,
        min_rate_w=min_rate,
        # Without a stated preference, charge as soon as capacity allows: a guess must not delay energy. Until
        # its meter has shown the phases the car uses, charge it first (FAST): a single-phase car on a
        # three-phase EVSE takes a third of the plan, which a plan that waits for cheap hours would learn too
        # late; after that, a deferring wish holds only while the car has time to spare (`_energy_first`).
        profile_type=wished,
        phases=draw.phases,
        loads=draw.loads,
        group_id=session_group(sites, session.location_id, session.evse_uid),
        estimated=estimate.energy_estimated and remaining > 0,
        holding=holding is not None,
        holding_until=holding,
        waiting_since=waiting,
        charged_kwh=session.kwh,
    )


def _energy_first(wished: ProfileType, remaining_kwh: float, limit_w: float, left: timedelta) -> ProfileType:
    """FAST instead of a deferring preference when the car has less than `DEFER_SLACK` to spare.

    The driver's CHEAP (or GREEN) is a wish; the energy is the need. Waiting costs nothing in this plan,
    which knows only the cars present (and the usual arrivals), but a car that waited until its spare time
    is gone can no longer make room for the ones that come: on a busy phase that energy is lost. So it
    charges first while its slack is short, and waits for its hours again once it has charged enough to
    spare `DEFER_SLACK` (`python -m bench.steering`: 97.7-99.99 % of the hindsight bound without,
    99.55-99.99 % with on ten seeds, for 3.5-10 points more cost over the cheapest delivery of the same
    energy)."""
    if wished not in DEFERRING or remaining_kwh <= 0 or limit_w <= 0:
        return wished
    slack = left - timedelta(hours=remaining_kwh * 1000 / limit_w)
    return ProfileType.FAST if slack < DEFER_SLACK else wished


def _unheld_without_limit(known: Known, capacity: Mapping[str, object], sites: Sequence[SiteConfig]) -> Known:
    """A CPO's hold is planned with only where a limit we know binds the session: the power it holds back
    then goes to the others. Where we know none, planning with the hold frees nothing, and sending it back
    (a profile at the hold) would keep the CPO's share there: a new session the CPO holds at 0 until its
    share arrives would stay at 0 for a step."""
    location = known.session.location_id.upper()
    limited = {c.upper() for c in capacity} | {s.location.upper() for s in sites}
    return known if known.held_w is None or location in limited else replace(known, held_w=None)


def kept_at_hold(known: Known, session: PlannedSession, first_w: float) -> bool:
    """Is the session planned to charge at the CPO's hold (`Known.held_w`) now? Then its profile is left as
    it is: the CPO already applies its hold, and a profile at the hold would keep the car there after the
    CPO lets it go (a hold from a new session's share at the cut, sent back as our profile, held site B's
    one charging car at 6 A of its 8 kW for a whole step)."""
    if known.held_w is None or first_w <= 0:
        return False
    electrical = electrical_of(known)
    share = 1.0 if electrical.power_type == "DC" else len(session.phases) / electrical.phases
    held = known.held_w * share
    return session.max_power_w <= held + 1.0 and first_w >= session.max_power_w - 1.0


def build_problem(
    known: Sequence[Known],
    stats: SessionStatistics,
    now: datetime,
    step: timedelta,
    capacity: dict[str, GroupCapacity],
    price: list[float] | float = 0.0,
    co2: list[float] | float = 0.0,
    sites: Sequence[SiteConfig] = (),
    car_amps: Mapping[SessionKey, float] | None = None,
    holding: Mapping[SessionKey, datetime] | None = None,
    waited: Mapping[SessionKey, datetime] | None = None,
) -> PlanningProblem:
    """One group per location (its forecast), and the configured sites and sub-boards (`planning_grid`);
    the expected arrivals in each location's group; the line currents of configured networks
    (`planning_network`)."""
    amps = car_amps or {}
    known = [_unheld_without_limit(k, capacity, sites) for k in known]
    turns, ended = holding or {}, waited or {}
    sessions = [
        planned_session(k, stats, now, sites, amps.get(k.key), turns.get(k.key), ended.get(k.key))
        for k in known
    ]
    groups = grid_groups({k.session.location_id for k in known}, sites, capacity)
    largest: dict[str, tuple[Location | None, float]] = {}
    for k, planned in zip(known, sessions, strict=True):
        location, power_w = largest.get(k.session.location_id, (None, 0.0))
        largest[k.session.location_id] = (location or k.location, max(power_w, planned.max_power_w))
    located = [(loc_id, loc, power_w) for loc_id, (loc, power_w) in sorted(largest.items())]
    expected = expected_arrivals(located, stats, now, step, sites)
    return PlanningProblem(
        now=now,
        step=step,
        sessions=sessions,
        groups=groups,
        price=price,
        co2=co2,
        expected=expected,
        horizon_steps=_horizon(sessions, now, step),
        currents=site_currents(
            sites,
            [(s.id, k.session.location_id, k.session.evse_uid) for k, s in zip(known, sessions, strict=True)],
        ),
    )


def _horizon(sessions: Sequence[PlannedSession], now: datetime, step: timedelta) -> int | None:
    """None (up to the last departure) unless that is more than `MAX_HORIZON_STEPS` away. A departure years
    ahead (a partner's session starting in 2030, a `departure_time` in 2099) would otherwise make an LP of
    that many steps and a profile longer than any CPO takes (the re-plan failed for every session)."""
    latest = max(((s.departure - now) // step for s in sessions), default=0)
    return MAX_HORIZON_STEPS if latest > MAX_HORIZON_STEPS else None


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

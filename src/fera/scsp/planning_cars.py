"""What a steering party learns about a car from OCPI data alone (pure): the phases it draws on and the most
current it takes, from its session's metered charging periods and the profiles it was sent.

OCPI says nothing of the car. A session's charging periods carry POWER (kW, total) and CURRENT (A, per phase)
when the CPO meters them: P = n x I x V gives the phase count n (`fera.charging.metering.car_phases`). A car
drawing clearly less than the profile allowed is limited by itself: that current is its maximum (the highest
such reading is kept, so a battery tapering when nearly full does not lower it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fera.charging import Electrical
from fera.charging.metering import MIN_METERED_AMPS, car_phases
from fera.config import SiteConfig
from fera.ocpi.chargingprofiles.models import ActiveChargingProfile, ChargingProfile
from fera.ocpi.sessions.models import CdrDimensionType, Session
from fera.planning import THREE_PHASE, Phase
from fera.scsp.planning_grid import site_of
from fera.scsp.planning_profiles import limit_at

__all__ = ["CarPhases", "car_phases_of", "learned", "most_drawn_a", "observed_car_amps"]

SELF_LIMITED = 0.9  # below 90 % of the allowed current (and 1 A under it) the car, not the profile, decides
# A station takes a new limit a little before the CPO's ActiveChargingProfile says (a step down leads by
# `DROP_LEAD`; the push is computed after the station answered): a reading is judged against the limits
# from this long before its period to this long after it.
SKEW = timedelta(minutes=2)
# A reading at a limit the CPO's profiles set is that limit, whenever the CPO's push saying so came: under
# load one came 20 simulated minutes after its station took it (an 11 kW car at the CPO's 6 A share was
# planned as a 6 A car for the rest of its stay). Ours count only where in force over the reading (we know
# when they began): a limit our plan held for later made a car drawing its own maximum never learnt.
SAME_A = 0.15


@dataclass(frozen=True)
class CarPhases:
    """The site phases a car's power is split over, and those its current may be on when more (`loads`).

    `metered`: the car has drawn current (so its phase count is known, and whether it takes what it is allowed
    shows); until then it is assumed to use every EVSE phase at the EVSE's current.
    """

    phases: tuple[Phase, ...]
    loads: tuple[Phase, ...] | None
    metered: bool


def _evse_phases(
    session: Session, electrical: Electrical, sites: Sequence[SiteConfig]
) -> tuple[Phase, ...] | None:
    """The site phases of the EVSE's L1, L2, L3 in order; None: a one- or two-phase EVSE of unknown wiring."""
    found = site_of(sites, session.location_id, session.evse_uid)
    wired = None if found is None else found[1].wiring(session.evse_uid)
    if wired is not None and len(wired) >= electrical.phases:
        return tuple(Phase(p) for p in wired[: electrical.phases])
    return THREE_PHASE if electrical.phases == 3 else None  # three-phase without wiring: L1-L2-L3


def car_phases_of(session: Session, electrical: Electrical, sites: Sequence[SiteConfig]) -> CarPhases:
    """A DC charger draws evenly from three phases. Until metered an AC car is taken to use every phase of its
    EVSE: its profile (amps per phase) then never lets more current flow on any phase than was planned, and
    a car using fewer phases draws less. Unknown wiring: the current may be on any site phase."""
    if electrical.power_type == "DC":
        return CarPhases(THREE_PHASE, None, True)
    used = car_phases(session, electrical.max_voltage, electrical.phases)
    count = used or electrical.phases
    evse = _evse_phases(session, electrical, sites)
    if evse is None:
        return CarPhases(THREE_PHASE[:count], THREE_PHASE, used is not None)
    return CarPhases(evse[:count], None, used is not None)


def _readings(session: Session) -> list[tuple[datetime, datetime, float]]:
    """(start, end, amps) of each metered period: a period's values hold from its start to the next one's
    (the last one's: to the session's last update)."""
    periods = session.charging_periods or []
    ends = [*(p.start_date_time for p in periods[1:]), session.last_updated][: len(periods)]
    out = []
    for period, end in zip(periods, ends, strict=True):
        volumes = {d.type: d.volume for d in period.dimensions}
        amps = volumes.get(CdrDimensionType.CURRENT)
        if amps is not None and amps >= MIN_METERED_AMPS:
            out.append((period.start_date_time, max(end, period.start_date_time), amps))
    return out


def most_drawn_a(session: Session) -> float:
    """The most current per phase the car was metered to take (0 before any reading): at least that much
    it can take, whatever its maximum turns out to be."""
    return max((amps for _, _, amps in _readings(session)), default=0.0)


def observed_car_amps(
    session: Session,
    sent: ChargingProfile | None,
    previous: float | None,
    evse_amps: float,
    actives: Sequence[ActiveChargingProfile] = (),
    before: ChargingProfile | None = None,
) -> float | None:
    """The car's own maximum current per phase; None while no reading has shown it.

    A reading clearly below what the car was allowed is the car's maximum; a reading that took all of the
    EVSE's current shows the car is not the limit (its maximum is then the EVSE's). What it was allowed is
    the lower of the profile `sent` and the CPO's ActiveChargingProfiles (`actives`, as they came: its site
    share may hold the car below our profile), and the lowest of that over the reading's whole period, its
    end included: a reading closes its period (FERA's CPO, and a station metering as its limit changes),
    so one that closes a period in which the limit fell shows the lower limit, not the car (a car held at
    6 A by the CPO's cut, judged against the 10.6 A at its period's start, was planned as a 6 A car for
    good). A period before our profile or the CPO's first ActiveChargingProfile is not judged (what was
    allowed then is not known); without any ActiveChargingProfile, the CPO is taken to apply `sent`. The
    car's own limit must show in two readings in a row: a station meters as it takes a new limit, before
    the CPO's ActiveChargingProfile saying so begins (or reaches us), so one reading alone may be the
    CPO's new share judged against its old one. The reading before `sent` began is judged against the
    profile sent `before` it: a plan changed at every step would else never leave two readings to judge
    (bench.steering's cars were never learnt and were planned at their EVSE's current for their whole stay).
    The margin before a reading stops at our first profile known: our own limits take effect when they
    begin, only the CPO's lead its news.
    """
    best = previous
    if sent is None or sent.start_date_time is None or sent.charging_rate_unit.value != "A":
        return best
    ours = _ours(before, sent)
    known_from = ours[0][1]  # our first profile known: before it, what was allowed is not known
    seen: list[float | None] = []  # per reading: the amps it showed as the car's own limit, else None
    cpo_limits = {p.limit for a in actives for p in a.charging_profile.charging_profile_period or []}
    for start, end, amps in _readings(session):
        lo, hi = max(start - SKEW, known_from), end + SKEW
        allowed = None if start < known_from else _lowest_allowed(ours, actives, lo, hi)
        if allowed is None:
            seen.append(None)
            continue
        below = amps < min(SELF_LIMITED * allowed, allowed - 1.0)
        limits = cpo_limits | _ours_over(ours, lo, hi)
        seen.append(amps if below and not any(abs(amps - x) <= SAME_A for x in limits) else None)
        if not below and allowed >= evse_amps - 1.0:
            best = evse_amps  # it took all of the EVSE's current: the car is not the limit
    for first, then in zip(seen, seen[1:], strict=False):
        if first is not None and then is not None:  # two readings in a row: not a limit's late news
            best = min(first, then) if best is None else max(best, min(first, then))
    return best


Ours = Sequence[tuple[ChargingProfile, datetime]]  # the profiles we sent, with their starts, oldest first


def _ours(before: ChargingProfile | None, sent: ChargingProfile) -> Ours:
    assert sent.start_date_time is not None
    ours = [(sent, sent.start_date_time)]
    if before is not None and before.start_date_time is not None and before.charging_rate_unit.value == "A":
        if before.start_date_time < sent.start_date_time:
            ours.insert(0, (before, before.start_date_time))
    return ours


def _instants(
    ours: Ours, actives: Sequence[ActiveChargingProfile], start: datetime, end: datetime
) -> list[datetime]:
    """`start` and every instant a limit changes on (start, end]."""
    instants = {start}
    for profile, begins in (*ours, *((a.charging_profile, a.start_date_time) for a in actives)):
        for period in profile.charging_profile_period or []:
            at = begins + timedelta(seconds=period.start_period)
            if start < at <= end:
                instants.add(at)
    return sorted(instants)


def _ours_over(ours: Ours, start: datetime, end: datetime) -> set[float]:
    """Our limits in force on [start, end]: we know when ours began (the CPO's pushes may come late)."""
    limits = (_allowed_a(ours, (), t) for t in _instants(ours, (), start, end))
    return {x for x in limits if x is not None}


def _lowest_allowed(
    ours: Ours, actives: Sequence[ActiveChargingProfile], start: datetime, end: datetime
) -> float | None:
    """The lowest current allowed on [start, end] (at its start and wherever a limit changes until its end:
    a reading taken as its station takes a new limit, the end of its period, already shows the new limit)."""
    allowed = [_allowed_a(ours, actives, t) for t in _instants(ours, actives, start, end)]
    return None if any(a is None for a in allowed) else min(a for a in allowed if a is not None)


def _allowed_a(ours: Ours, actives: Sequence[ActiveChargingProfile], t: datetime) -> float | None:
    in_force = [(p, origin) for p, origin in ours if origin <= t]  # the newest begun replaced the one before
    ours_a = None if not in_force else limit_at(in_force[-1][0], in_force[-1][1], t)
    if not actives or ours_a is None:
        return ours_a
    begun = [a for a in actives if a.start_date_time <= t]
    active = max(reversed(begun), key=lambda a: a.start_date_time, default=None)  # as `offered_at`
    if active is None or active.charging_profile.charging_rate_unit.value != "A":
        return None  # not known then, or an AC session's limit in W: not comparable with amps
    cpo = limit_at(active.charging_profile, active.start_date_time, t)
    return None if cpo is None else min(ours_a, cpo)


def learned(old: Session, new: Session, electrical: Electrical) -> bool:
    """Did the newest meter data change the phases the car is known to use?"""
    before = car_phases(old, electrical.max_voltage, electrical.phases)
    return before != car_phases(new, electrical.max_voltage, electrical.phases)

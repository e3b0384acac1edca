"""What a session's meter data says about the car: how many phases it really draws on, and how much current
it takes (pure).

OCPI carries no phase count, but a session's charging periods do carry POWER (kW, total) and CURRENT (A, per
phase) when the station meters them: a car drawing I amps on n phases draws P = n x I x V. A single-phase
car on a three-phase EVSE shows P ≈ I x V.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from fera.charging.schedule import Schedule
from fera.ocpi.sessions.models import CdrDimensionType, Session

__all__ = [
    "MIN_METERED_AMPS",
    "PROBE",
    "READING_SKEW",
    "SELF_LIMITED",
    "car_amps",
    "car_max_amps",
    "car_phases",
]

MIN_METERED_AMPS = 1.0  # below this the ratio says nothing (a car idling, or a rounding artefact)
# Drawing under 90 % of what it was allowed (and 1 A under it): the car's own limit. Cars follow a limit
# within an amp; at 70 % an 11 kW car under 20 A (80 %) went unrecognised for a meter interval, holding
# capacity the other cars at its site waited for.
SELF_LIMITED = 0.9
PROBE = 1.5  # a car that took all it was given is offered half as much again: its next reading shows more
# A reading (the power at its instant) is judged against the lowest limit its station accepted from this long
# before it to this long after: the clocks of station and CPO a little apart, a step of the schedule just
# taken. A profile in flight counts from its station's answer, so until then the old limit is in the window.
READING_SKEW = timedelta(minutes=1)


def car_phases(session: Session, voltage: float, evse_phases: int) -> int | None:
    """The phases the car draws on, from the newest period with both POWER and CURRENT; None: unknown.

    Never more than the EVSE has: a car can't use phases the EVSE doesn't supply.
    """
    for period in reversed(session.charging_periods or []):
        volumes = {d.type: d.volume for d in period.dimensions}
        power_kw, amps = volumes.get(CdrDimensionType.POWER), volumes.get(CdrDimensionType.CURRENT)
        if power_kw is None or amps is None or amps < MIN_METERED_AMPS or power_kw <= 0:
            continue
        phases = round(power_kw * 1000 / (amps * voltage))
        return max(1, min(phases, evse_phases))
    return None


def car_amps(
    session: Session, allowed_w: Schedule | None, watts_per_amp: float, draw_w_per_amp: float
) -> float | None:
    """The most the car is known to take, in amps per phase as its site share counts them (`watts_per_amp`:
    as its TxProfile converts; `draw_w_per_amp`: what one amp draws on the phases the car uses).

    None before any reading showed it drawing (nothing is known yet). Once a reading shows it clearly below
    what its station allowed (`allowed_w`, W over time: the TxProfiles its station accepted; a reading is
    judged at its instant, against the lowest of it within `READING_SKEW`), the most it was metered to
    draw: its own maximum (`car_max_amps`). Otherwise it took all it was given and may take more: `PROBE`
    times the most it drew (its next reading tells). Rounded up to 0.5 A: a reading's jitter is no news.
    """
    judged = _judged(session, allowed_w, watts_per_amp, draw_w_per_amp)
    if judged is None:
        return None
    most, below = judged
    return math.ceil(most * (1.0 if below else PROBE) * 2) / 2


def car_max_amps(
    session: Session, allowed_w: Schedule | None, watts_per_amp: float, draw_w_per_amp: float
) -> float | None:
    """The car's own maximum (as `car_amps` counts), once a reading showed it drawing clearly below what it
    was allowed; None while it took all it was given (it may take more) or before any reading."""
    judged = _judged(session, allowed_w, watts_per_amp, draw_w_per_amp)
    return None if judged is None or not judged[1] else math.ceil(judged[0] * 2) / 2


def _judged(
    session: Session, allowed_w: Schedule | None, watts_per_amp: float, draw_w_per_amp: float
) -> tuple[float, bool] | None:
    """The most the car drew (A), and whether any reading showed it below what it was allowed."""
    readings = _power_readings(session, draw_w_per_amp)
    if not readings:
        return None
    below = False
    for at, amps in readings:
        allowed = None if allowed_w is None else _lowest(allowed_w, at - READING_SKEW, at + READING_SKEW)
        if allowed is not None:
            allowed_a = allowed / watts_per_amp
            below = below or amps < min(SELF_LIMITED * allowed_a, allowed_a - 1.0)
    return max(amps for _, amps in readings), below


def _power_readings(session: Session, draw_w_per_amp: float) -> list[tuple[datetime, float]]:
    """(instant, amps per phase) of each reading that showed the car drawing. A period's POWER is the
    reading that ended it: at the next period's start (the last one's at the session's last update)."""
    periods = session.charging_periods or []
    ends = [*(p.start_date_time for p in periods[1:]), session.last_updated][: len(periods)]
    out = []
    for period, end in zip(periods, ends, strict=True):
        power_kw = {d.type: d.volume for d in period.dimensions}.get(CdrDimensionType.POWER)
        amps = 0.0 if power_kw is None else power_kw * 1000 / draw_w_per_amp
        if amps >= MIN_METERED_AMPS:
            out.append((max(end, period.start_date_time), amps))
    return out


def _lowest(schedule: Schedule, start: datetime, end: datetime) -> float | None:
    """The lowest limit on [start, end]; None where any of it is unlimited (unknown)."""
    limits = [limit for *_, limit in schedule.segments(start, end)] + [schedule.limit_at(end)]
    return None if any(limit is None for limit in limits) else min(x for x in limits if x is not None)

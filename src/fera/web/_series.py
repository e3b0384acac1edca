"""Pure conversions into chart series (kW step functions): profiles, limits and metered charging periods.

A series is a list of (time, kW or None) points; each value holds until the next point and the last point
closes the series. None is a gap (no limit), drawn as a break in the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fera.charging import Electrical, RateProfile, Schedule, schedule_from_profile
from fera.ocpi.chargingprofiles.models import ActiveChargingProfile, ChargingProfile
from fera.ocpi.sessions.models import CdrDimensionType, ChargingPeriod, Session

__all__ = [
    "Series",
    "active_schedule",
    "drawn",
    "history_series",
    "profile_schedule",
    "raw_profile_schedule",
    "schedule_series",
    "sum_steps",
]

Series = list[tuple[datetime, float | None]]
Steps = Sequence[tuple[datetime, float | None]]  # any series given as input


def _kw(watts: float | None) -> float | None:
    return None if watts is None else round(watts / 1000.0, 3)


def schedule_series(schedule: Schedule, start: datetime, end: datetime) -> Series:
    """The schedule's limits on [start, end) in kW; empty when the window is empty."""
    points: Series = [(s, _kw(limit)) for s, _, limit in schedule.segments(start, end)]
    if points:
        points.append((end, points[-1][1]))
    return points


def history_series(
    pieces: Sequence[tuple[datetime, Schedule | None]], start: datetime, end: datetime
) -> Series:
    """One sender's limits over [start, end) from its changes: each (time, schedule) holds until the next
    change; None (cleared) is a gap."""
    points: Series = []
    for i, (at, schedule) in enumerate(pieces):
        until = pieces[i + 1][0] if i + 1 < len(pieces) else end
        lo, hi = max(at, start), min(until, end)
        if lo >= hi:
            continue
        part: Series = [(lo, None), (hi, None)] if schedule is None else schedule_series(schedule, lo, hi)
        if points:
            points.pop()  # the previous piece's closing point: this piece goes on from there
        points += part
    return points


def profile_schedule(
    profile: ChargingProfile, electrical: Electrical, charging_start: datetime, origin: datetime | None = None
) -> Schedule:
    """A ChargingProfile's limits in W; `origin` overrides its start (an ActiveChargingProfile's own)."""
    rate = RateProfile(
        start_date_time=origin or profile.start_date_time,
        duration=profile.duration,
        charging_rate_unit=profile.charging_rate_unit.value,
        min_charging_rate=profile.min_charging_rate,
        periods=tuple((p.start_period, p.limit) for p in profile.charging_profile_period or ()),
    )
    return schedule_from_profile(rate, electrical, charging_start)


def raw_profile_schedule(raw: dict[str, Any], electrical: Electrical, charging_start: datetime) -> Schedule:
    return profile_schedule(ChargingProfile.model_validate(raw), electrical, charging_start)


def active_schedule(
    active: ActiveChargingProfile, electrical: Electrical, charging_start: datetime
) -> Schedule:
    return profile_schedule(active.charging_profile, electrical, charging_start, active.start_date_time)


def _period_kw(period: ChargingPeriod, hours: float, electrical: Electrical) -> float | None:
    """POWER (kW) when metered, else the average from ENERGY (kWh), else CURRENT (A) converted."""
    volumes = {d.type: d.volume for d in period.dimensions}
    if CdrDimensionType.POWER in volumes:
        return volumes[CdrDimensionType.POWER]
    if CdrDimensionType.ENERGY in volumes and hours > 0:
        return round(volumes[CdrDimensionType.ENERGY] / hours, 3)
    if CdrDimensionType.CURRENT in volumes:
        return _kw(electrical.amps_to_watts(volumes[CdrDimensionType.CURRENT]))
    return None


def drawn(session: Session, electrical: Electrical) -> Series:
    """The power the session drew, period by period; the last period ends with the session (or its update)."""
    periods = sorted(session.charging_periods or [], key=lambda p: p.start_date_time)
    if not periods:
        return []
    end = session.end_date_time or session.last_updated
    ends = [p.start_date_time for p in periods[1:]] + [max(end, periods[-1].start_date_time)]
    points: Series = []
    for period, until in zip(periods, ends, strict=True):
        hours = (until - period.start_date_time).total_seconds() / 3600
        points.append((period.start_date_time, _period_kw(period, hours, electrical)))
    points.append((ends[-1], points[-1][1]))
    return points


def _value_at(series: Steps, t: datetime) -> float:
    """The series' value at t (0 outside it or in a gap)."""
    if not series or t < series[0][0] or t >= series[-1][0]:
        return 0.0
    value: float | None = None
    for at, v in series:
        if at > t:
            break
        value = v
    return value or 0.0


def sum_steps(many: Sequence[Steps]) -> Series:
    """The sum of step series at every instant (a location's load from its sessions)."""
    times = sorted({t for series in many for t, _ in series})
    return [(t, round(sum(_value_at(s, t) for s in many), 3)) for t in times]

"""OCPI ChargingProfile <-> Schedule, without the wire layer (fera.charging stays below fera.ocpi)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from fera.charging._rounding import floor_one_decimal
from fera.charging.electrical import Electrical
from fera.charging.schedule import Schedule

__all__ = ["RATE_UNITS", "RateProfile", "profile_from_schedule", "schedule_from_profile"]

RATE_UNITS = frozenset({"A", "W"})
# How far (relatively) a written limit may be above its source: the noise of a few float conversions between
# W and A, never a real excess. Without it a car was held 0.2 A under what every input allowed, for good.
FLOAT_NOISE = 1e-12


@dataclass(frozen=True, kw_only=True)
class RateProfile:
    """An OCPI ChargingProfile; `periods` are (start_period s, limit), limit in A per phase or W total."""

    start_date_time: datetime | None = None
    duration: int | None = None
    charging_rate_unit: str
    min_charging_rate: float | None = None
    periods: tuple[tuple[int, float], ...] = ()

    def __post_init__(self) -> None:
        if self.charging_rate_unit not in RATE_UNITS:
            raise ValueError(f"charging_rate_unit must be A or W, got {self.charging_rate_unit!r}")
        starts = [start for start, _ in self.periods]
        if any(start < 0 for start in starts) or starts != sorted(set(starts)):
            raise ValueError("start_period values must be non-negative and strictly increasing")
        if self.duration is not None and self.duration < 0:
            raise ValueError("duration must not be negative")


def _to_watts(limit: float, unit: str, electrical: Electrical) -> float:
    return limit if unit == "W" else electrical.amps_to_watts(limit)


def _written_limit(watts: float, unit: str, electrical: Electrical) -> float:
    """The one-decimal limit to write for `watts`; converted back it must not exceed `watts` (but for float
    noise: a site share of 23.4 A is 23.4 x 690 = 16145.999999999998 W, and 23.4 x 230 x 3 = 16146.0 W)."""
    if unit == "W":
        return floor_one_decimal(watts)
    allowed = watts * (1 + FLOAT_NOISE)
    amps = floor_one_decimal(electrical.watts_to_amps(allowed))
    while amps > 0 and electrical.amps_to_watts(amps) > allowed:  # the division rounded up
        amps = (round(amps * 10) - 1) / 10  # one tenth down: amps - 0.1 may be noise below it, floored twice
    return amps


def schedule_from_profile(profile: RateProfile, electrical: Electrical, charging_start: datetime) -> Schedule:
    """The limits a profile sets, in W. Without start_date_time it runs from `charging_start`.

    Before the first period and after `duration` there is no limit; without duration the last period runs on.
    """
    origin = profile.start_date_time or charging_start
    duration = profile.duration
    points: list[tuple[datetime, float | None]] = [
        (origin + timedelta(seconds=start), _to_watts(limit, profile.charging_rate_unit, electrical))
        for start, limit in profile.periods
        if duration is None or start < duration
    ]
    if duration is not None:
        points.append((origin + timedelta(seconds=duration), None))
    return Schedule(points)


def _whole_seconds(filled: Schedule, start: datetime, duration: int) -> list[tuple[int, float]]:
    """(second, watts) runs where each whole second gets the lowest limit touching it.

    OCPI start periods are whole seconds; a limit change inside a second must not let the higher limit leak
    into that second. Neighbouring segments share at most one second (floor(t)..ceil(t) of their boundary).
    """
    runs: list[tuple[int, float]] = []
    covered = 0
    for seg_start, seg_end, limit in filled.segments(start, start + timedelta(seconds=duration)):
        assert limit is not None  # filled has no gaps
        first = math.floor((seg_start - start).total_seconds())
        last = math.ceil((seg_end - start).total_seconds())
        if covered > first:  # the shared second takes the lower of both limits
            shared = min(runs[-1][1], limit)
            runs[-1:] = [(first, shared)] if runs[-1][0] == first else [runs[-1], (first, shared)]
            first += 1
        if last > first:
            runs.append((first, limit))
        covered = max(covered, last)
    return runs


def profile_from_schedule(
    schedule: Schedule,
    electrical: Electrical,
    start: datetime,
    duration: int,
    unit: str,
    min_charging_rate: float | None = None,
) -> RateProfile:
    """Write [start, start + duration) of a schedule as an OCPI profile whose limits never exceed it.

    Limits are rounded down to one decimal; gaps become the hardware maximum (OCPI can't say "no limit");
    equal neighbouring periods are merged.
    """
    if duration <= 0:
        raise ValueError("duration must be positive")
    if unit not in RATE_UNITS:
        raise ValueError(f"unit must be A or W, got {unit!r}")
    filled = schedule.fill(electrical.max_power_w)
    periods: list[tuple[int, float]] = []
    for second, watts in _whole_seconds(filled, start, duration):
        limit = _written_limit(watts, unit, electrical)
        if not periods or periods[-1][1] != limit:
            periods.append((second, limit))
    return RateProfile(
        start_date_time=start,
        duration=duration,
        charging_rate_unit=unit,
        min_charging_rate=min_charging_rate,
        periods=tuple(periods),
    )

"""Piecewise-constant power limits over absolute UTC time, and how to combine them."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

__all__ = ["Breakpoint", "Limit", "Schedule", "minimum", "overlay", "total"]

Limit = float | None
"""A power limit in watts (total, all phases); None means "no limit"."""

Breakpoint = tuple[datetime, Limit]
"""From this instant on (until the next breakpoint) this limit applies."""


def _utc(t: datetime) -> datetime:
    if t.tzinfo is None:
        raise ValueError(f"naive datetime {t.isoformat()}: schedules use aware UTC times")
    return t.astimezone(UTC)


def _check_limit(limit: Limit) -> Limit:
    if limit is None:
        return None
    value = float(limit)
    if math.isnan(value) or value < 0:
        raise ValueError(f"invalid power limit {limit!r}")
    return value


class Schedule:
    """Immutable step function of time: `initial` before the first breakpoint, then each breakpoint's limit.

    Stored canonically (UTC, strictly increasing times, no breakpoint repeating its predecessor's limit), so
    two schedules are equal exactly when they give the same limit at every instant.
    """

    __slots__ = ("_initial", "_limits", "_times")

    def __init__(self, breakpoints: Iterable[Breakpoint] = (), initial: Limit = None) -> None:
        checked: list[Breakpoint] = []
        for t, limit in breakpoints:
            t = _utc(t)
            if checked and t <= checked[-1][0]:
                raise ValueError(f"breakpoints must be strictly increasing in time, got {t.isoformat()}")
            checked.append((t, _check_limit(limit)))
        self._set(_check_limit(initial), checked)

    def _set(self, initial: Limit, points: Iterable[Breakpoint]) -> None:
        """Store trusted points (UTC, increasing), dropping those that repeat the previous limit."""
        times: list[datetime] = []
        limits: list[Limit] = []
        current = initial
        for t, limit in points:
            if limit != current:
                times.append(t)
                limits.append(limit)
                current = limit
        self._initial = initial
        self._times = tuple(times)
        self._limits = tuple(limits)

    @classmethod
    def _trusted(cls, points: Iterable[Breakpoint], initial: Limit = None) -> Schedule:
        # Internal results are already checked: skip validation, which dominates the cost of combining.
        schedule = cls.__new__(cls)
        schedule._set(initial, points)
        return schedule

    @classmethod
    def unlimited(cls) -> Schedule:
        return cls()

    @classmethod
    def constant(cls, watts: float) -> Schedule:
        return cls(initial=watts)

    @property
    def initial(self) -> Limit:
        """The limit before the first breakpoint (forever, when there is none)."""
        return self._initial

    def breakpoints(self) -> tuple[Breakpoint, ...]:
        return tuple(zip(self._times, self._limits, strict=True))

    def limit_at(self, t: datetime) -> Limit:
        return self._at(_utc(t))

    def _at(self, t: datetime) -> Limit:
        index = bisect_right(self._times, t) - 1
        return self._initial if index < 0 else self._limits[index]

    def _inside(self, start: datetime, end: datetime) -> Iterator[Breakpoint]:
        """The breakpoints strictly between start and end."""
        first, last = bisect_right(self._times, start), bisect_left(self._times, end)
        return zip(self._times[first:last], self._limits[first:last], strict=True)

    def clip(self, start: datetime, end: datetime) -> Schedule:
        """The same limits on [start, end), no limit elsewhere."""
        start, end = _utc(start), _utc(end)
        if end <= start:
            return Schedule()
        return Schedule._trusted([(start, self._at(start)), *self._inside(start, end), (end, None)])

    def segments(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime, Limit]]:
        """The constant pieces (from, to, limit) covering [start, end), in order."""
        start, end = _utc(start), _utc(end)
        cursor, limit = start, self._at(start)
        for t, next_limit in self._inside(start, end):
            yield cursor, t, limit
            cursor, limit = t, next_limit
        if cursor < end:
            yield cursor, end, limit

    def map(self, fn: Callable[[float], float]) -> Schedule:
        """Apply `fn` to every limit; gaps stay gaps."""

        def apply(limit: Limit) -> Limit:
            return None if limit is None else fn(limit)

        return Schedule._trusted(((t, apply(limit)) for t, limit in self.breakpoints()), apply(self._initial))

    def fill(self, watts: float) -> Schedule:
        """Replace every gap with `watts`."""
        return overlay(self, Schedule.constant(watts))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented
        return (self._initial, self._times, self._limits) == (other._initial, other._times, other._limits)

    def __hash__(self) -> int:
        return hash((self._initial, self._times, self._limits))

    def __repr__(self) -> str:
        points = ", ".join(f"({t.isoformat()}, {limit})" for t, limit in self.breakpoints())
        return f"Schedule([{points}], initial={self._initial})"


def _resample(schedule: Schedule, times: list[datetime]) -> list[Limit]:
    """The schedule's limit at each of `times`."""
    own, limits = schedule._times, (schedule._initial, *schedule._limits)
    return [limits[bisect_right(own, t)] for t in times]


def _combine(schedules: tuple[Schedule, ...], pick: Callable[[Sequence[Limit]], Limit]) -> Schedule:
    """Sweep every breakpoint of every schedule once, picking one limit from all limits at that instant."""
    times = sorted({t for schedule in schedules for t in schedule._times})
    columns = [_resample(schedule, times) for schedule in schedules]
    picked = map(pick, zip(*columns, strict=True))
    initial = pick([schedule.initial for schedule in schedules])
    return Schedule._trusted(zip(times, picked, strict=True), initial)


def _limiting(schedules: tuple[Schedule, ...]) -> tuple[Schedule, ...]:
    """Leave out schedules that never limit: they change neither a minimum nor an overlay."""
    return tuple(schedule for schedule in schedules if schedule._times or schedule._initial is not None)


def _lowest(limits: Sequence[Limit]) -> Limit:
    return min((limit for limit in limits if limit is not None), default=None)


def _first_defined(limits: Sequence[Limit]) -> Limit:
    return next((limit for limit in limits if limit is not None), None)


def _sum(limits: Sequence[Limit]) -> Limit:
    return None if None in limits else sum(limit for limit in limits if limit is not None)


def minimum(*schedules: Schedule) -> Schedule:
    """Time-wise minimum; a gap (no limit) never limits. Equal neighbouring pieces come out merged."""
    limiting = _limiting(schedules)
    return limiting[0] if len(limiting) == 1 else _combine(limiting, _lowest)


def _highest(limits: Sequence[Limit]) -> Limit:
    return None if None in limits else max((limit for limit in limits if limit is not None), default=None)


def maximum(*schedules: Schedule) -> Schedule:
    """Time-wise maximum; where any input has no limit, neither has the maximum."""
    return _combine(schedules, _highest)


def overlay(*schedules: Schedule) -> Schedule:
    """At each instant the first schedule that has a limit there (priority order, highest first)."""
    limiting = _limiting(schedules)
    return limiting[0] if len(limiting) == 1 else _combine(limiting, _first_defined)


def total(*schedules: Schedule) -> Schedule:
    """Time-wise sum (e.g. connectors of one station); where any input has no limit, neither has the sum."""
    return _combine(schedules, _sum)

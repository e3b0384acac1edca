"""What each car draws, learnt from its meter readings against the limit it had (pure: times are passed in).

A guess about a car's need must not cost the others their share: a car that draws far below its limit gets
about what it draws (the rest goes to the others), and a car that stops drawing while it could charge is
taken as full. Both are revised from every new reading; "full" is retried after `FULL_RETRY`, so a car that
only paused is never held at 0 for good.

Profiles for AC are amps per phase, so what a car takes is judged by its current too where the readings
carry one (CURRENT, taken as watts over the EVSE's phases; the larger of that and the metered energy
counts): a one-phase car drawing 16 A on a three-phase EVSE takes 3.7 kW but needs a 16 A profile, and a
cap from its kWh alone would throttle it. FERA's CPO reports the highest phase current; a CPO reporting
the sum over phases (OCPI's wording) makes three-phase cars look larger, which only revises less.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fera.ocpi.sessions.models import CdrDimensionType, Session

__all__ = ["BELOW", "FULL_RETRY", "FULL_W", "CarDraw", "DrawLog", "last_current_a"]

FULL_RETRY = timedelta(hours=1)
FULL_W = 100.0  # less than this on average under a limit it could charge at: the car stopped itself
BELOW = 0.7  # drawing under 70 % of its limit: the car decides, not the limit
HEADROOM = 1.25  # what a car that draws less is still offered above its draw
HITS = 0.9  # drawing 90 % of what we learnt as its maximum: it may take more, learn again
Key = tuple[str, str]
Lowest = Callable[[datetime, datetime], float | None]


@dataclass(frozen=True)
class CarDraw:
    full_since: datetime | None = None  # stopped drawing under a limit it could charge at
    max_w: float | None = None  # draws well below what it is allowed: about its own maximum

    def full(self, now: datetime) -> bool:
        return self.full_since is not None and now - self.full_since < FULL_RETRY


@dataclass(frozen=True)
class _Reading:
    at: datetime
    kwh: float
    offered_w: float | None  # the limit the CPO applied from this reading on (its ActiveChargingProfile)
    current_w: float | None  # the mean current since the previous reading, as watts over the EVSE's phases


class DrawLog:
    def __init__(self, span: timedelta) -> None:
        self.span = span
        self._readings: dict[Key, list[_Reading]] = {}
        self.learnt: dict[Key, CarDraw] = {}

    def record(
        self, key: Key, at: datetime, kwh: float, offered_w: float | None, current_w: float | None = None
    ) -> None:
        readings = self._readings.setdefault(key, [])
        if readings and at <= readings[-1].at:
            return
        readings.append(_Reading(at, kwh, offered_w, current_w))
        cutoff = at - 2 * self.span
        while len(readings) > 2 and readings[1].at <= cutoff:
            readings.pop(0)

    def restate(self, key: Key, offered_w: Callable[[datetime], float | None]) -> None:
        """Read each reading's limit again from what is known now (`offered_w` at its instant).

        A CPO's ActiveChargingProfile arrives after its station took the new limit: a reading taken
        meanwhile was stamped with the old, higher limit, and a car held by the CPO would look like one that
        takes less than it may (planned at 1.25 x its draw, for good)."""
        readings = self._readings.get(key, [])
        for k, r in enumerate(readings):
            readings[k] = _Reading(r.at, r.kwh, offered_w(r.at), r.current_w)

    def forget(self, key: Key) -> None:
        self._readings.pop(key, None)
        self.learnt.pop(key, None)

    def learn(self, key: Key, now: datetime, min_rate_w: float, lowest: Lowest | None = None) -> CarDraw:
        """Revise what we know of the car from its readings over the last span (needs half a span).

        `lowest(start, end)`: the lowest limit the CPO applied over that time, also between readings (a car
        whose profile stepped down to 0 after its last reading at 7.7 A "drew" little under 7.7 A and was
        planned as a 4.14 kW car); without it, the limits at the readings."""
        before = self.learnt.get(key, CarDraw())
        window = [r for r in self._readings.get(key, ()) if r.at >= now - self.span]
        if len(window) < 2 or window[-1].at - window[0].at < self.span / 2:
            return before
        offered = [r.offered_w for r in window[:-1]]
        if lowest is not None:
            offered.append(lowest(window[0].at, window[-1].at))
        if any(o is None for o in offered):
            return before  # we don't know what it was allowed: no evidence
        limit = min(o for o in offered if o is not None)
        hours = (window[-1].at - window[0].at).total_seconds() / 3600
        drawn = (window[-1].kwh - window[0].kwh) * 1000 / hours
        currents = [r.current_w for r in window[1:] if r.current_w is not None]
        takes = max(drawn, sum(currents) / len(currents)) if drawn >= FULL_W and currents else drawn
        learnt = _revised(before, takes, limit, min_rate_w, now)
        self.learnt[key] = learnt
        return learnt


def _revised(before: CarDraw, drawn: float, limit: float, min_rate_w: float, now: datetime) -> CarDraw:
    if limit < max(min_rate_w, 1000.0):
        return before  # held (nearly) at 0: what it drew says nothing about the car
    if drawn < FULL_W:
        return CarDraw(before.full_since or now, before.max_w)
    if drawn < BELOW * limit:
        return CarDraw(None, max(drawn * HEADROOM, min_rate_w))
    if before.max_w is not None and drawn >= HITS * before.max_w:
        return CarDraw()  # it takes all we learnt it could: offer it everything again
    return CarDraw(None, before.max_w)


def last_current_a(session: Session) -> float | None:
    """The mean current of the session's last charging period, when the CPO reports one."""
    last = session.charging_periods[-1] if session.charging_periods else None
    dims = [] if last is None else [d.volume for d in last.dimensions if d.type is CdrDimensionType.CURRENT]
    return dims[0] if dims else None

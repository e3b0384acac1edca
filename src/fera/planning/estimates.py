"""Departure and energy estimates for drivers who state nothing (per token, location and hour of arrival).

Lookup order: the token's own mean once it has `min_samples` sessions (drivers are creatures of habit), else
the (location, hour) mean with as many, else the location's mean, else the defaults (8 h stay, 10 kWh: a
workplace day and a typical commuter's need). A car that has already outstayed its estimate is expected to
stay as long as the stays seen (the token's own once it has `min_samples`, else the location's) that lasted
longer than it has so far stayed, on average: a car still there after 3 h, where such stays lasted 4 h,
has an hour left, not a perpetual half hour (re-planned every step as leaving soon, its plan and the turns
planned after it changed at every re-plan). Where that is less than `overstay` (30 min), or past every stay
seen, its estimate moves on by whole hours (`OVERSTAY_BLOCK`), at least `overstay` ahead: a departure that
stays put for an hour, not one always half an hour away.

Arrivals are counted per (location, type of day, hour of arrival, urgency class): `expected_sessions` turns
the mean arrivals per day into fluid sessions that reserve capacity for cars that have not arrived yet
(`PlanningProblem.expected`). Urgency classes split arrivals by the mean power they need (energy / stay,
bounds `urgency_kw`), so the short stays with large needs, which must charge the moment they arrive, are
reserved for as such instead of being averaged away into a mean car with hours of slack.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from fera.planning.model import THREE_PHASE, Phase, ProfileType, Session

__all__ = ["DEFAULT_ENERGY_KWH", "DEFAULT_STAY", "URGENCY_KW", "DayType", "Estimate", "SessionStatistics"]

DEFAULT_STAY = timedelta(hours=8)
OVERSTAY_BLOCK = timedelta(hours=1)  # a car past every stay seen is expected to stay on by whole hours
DEFAULT_ENERGY_KWH = 10.0
URGENCY_KW = (2.5, 5.0)  # mean kW needed: < 2.5 waits hours; >= 5 is near flat out on 1-phase 32 A (7.4 kW)


class DayType(StrEnum):
    WEEKDAY = "weekday"
    WEEKEND = "weekend"

    @classmethod
    def of(cls, at: datetime) -> DayType:
        return cls.WEEKEND if at.weekday() >= 5 else cls.WEEKDAY


@dataclass(frozen=True, slots=True)
class Estimate:
    """A departure and energy need; the flags say which of them were estimated rather than stated."""

    departure: datetime
    energy_kwh: float
    departure_estimated: bool
    energy_estimated: bool


@dataclass(slots=True)
class _Mean:
    count: int = 0
    stay_s: float = 0.0
    energy_kwh: float = 0.0

    def add(self, stay_s: float, energy_kwh: float) -> None:
        self.count += 1
        self.stay_s += stay_s
        self.energy_kwh += energy_kwh


_ArrivalKey = tuple[str, DayType, int, int]  # location, type of day, hour of arrival, urgency class
_Seen = tuple[timedelta, float, float]  # time of day of the arrival, stay (s), energy (kWh)


class SessionStatistics:
    """Running means of stay and energy from finished sessions; pure and in memory."""

    def __init__(
        self,
        *,
        default_stay: timedelta = DEFAULT_STAY,
        default_energy_kwh: float = DEFAULT_ENERGY_KWH,
        min_samples: int = 3,
        overstay: timedelta = timedelta(minutes=30),
        urgency_kw: tuple[float, ...] = URGENCY_KW,
    ) -> None:
        self.default_stay = default_stay
        self.default_energy_kwh = default_energy_kwh
        self.min_samples = min_samples
        self.overstay = overstay
        self.urgency_kw = tuple(sorted(urgency_kw))
        self._means: dict[tuple[str, int | None], _Mean] = {}
        self._tokens: dict[str, _Mean] = {}
        self._arrivals: dict[_ArrivalKey, _Mean] = {}
        self._days: dict[tuple[str, DayType], set[date]] = {}
        self._history: dict[tuple[str, DayType], dict[date, list[_Seen]]] = {}
        self._stays: dict[str, list[float]] = {}  # per location and per "token:" + uid: every stay (s)

    def add(
        self,
        location_id: str,
        arrival: datetime,
        departure: datetime,
        energy_kwh: float,
        *,
        token: str | None = None,
    ) -> None:
        """Learn from one finished session (the hour is the arrival's, in its own time zone)."""
        stay_s = max((departure - arrival).total_seconds(), 0.0)
        for key in ((location_id, arrival.hour), (location_id, None)):
            self._means.setdefault(key, _Mean()).add(stay_s, energy_kwh)
        if token is not None:
            self._tokens.setdefault(token, _Mean()).add(stay_s, energy_kwh)
            self._stays.setdefault(f"token:{token}", []).append(stay_s)
        self._stays.setdefault(location_id, []).append(stay_s)
        urgency = bisect_right(self.urgency_kw, energy_kwh / max(stay_s / 3600, 1e-9))
        day = DayType.of(arrival)
        self._arrivals.setdefault((location_id, day, arrival.hour, urgency), _Mean()).add(stay_s, energy_kwh)
        self._days.setdefault((location_id, day), set()).add(arrival.date())
        midnight = arrival.replace(hour=0, minute=0, second=0, microsecond=0)
        seen = self._history.setdefault((location_id, day), {}).setdefault(arrival.date(), [])
        seen.append((arrival - midnight, stay_s, energy_kwh))

    def _mean(self, location_id: str, arrival: datetime, token: str | None) -> _Mean | None:
        found = [self._tokens.get(token)] if token is not None else []
        found += [self._means.get((location_id, arrival.hour)), self._means.get((location_id, None))]
        return next((m for m in found if m is not None and m.count >= self.min_samples), None)

    def expected_stay(self, location_id: str, arrival: datetime, token: str | None = None) -> timedelta:
        mean = self._mean(location_id, arrival, token)
        return self.default_stay if mean is None else timedelta(seconds=mean.stay_s / mean.count)

    def expected_energy_kwh(self, location_id: str, arrival: datetime, token: str | None = None) -> float:
        mean = self._mean(location_id, arrival, token)
        return self.default_energy_kwh if mean is None else mean.energy_kwh / mean.count

    def estimate(
        self,
        location_id: str,
        arrival: datetime,
        now: datetime,
        *,
        departure: datetime | None = None,
        energy_kwh: float | None = None,
        token: str | None = None,
    ) -> Estimate:
        """Fill whatever the driver left out; stated values are kept as they are."""
        stay = self.expected_stay(location_id, arrival, token)
        expected = arrival + stay
        if expected < now + self.overstay:
            left = self.remaining_stay(location_id, now - arrival, token)
            if left >= self.overstay:
                expected = now + left
            else:  # on by whole blocks: the same departure at every re-plan of the hour
                expected += -((expected - now - self.overstay) // OVERSTAY_BLOCK) * OVERSTAY_BLOCK
        return Estimate(
            departure=expected if departure is None else departure,
            energy_kwh=self.expected_energy_kwh(location_id, arrival, token)
            if energy_kwh is None
            else energy_kwh,
            departure_estimated=departure is None,
            energy_estimated=energy_kwh is None,
        )

    def remaining_stay(self, location_id: str, stayed: timedelta, token: str | None = None) -> timedelta:
        """How much longer a car that has stayed `stayed` is expected to stay: the mean of the stays seen
        (the token's once it has `min_samples`, else the location's) that lasted longer, less `stayed`;
        0 when none did."""
        own = self._stays.get(f"token:{token}", []) if token is not None else []
        seen = own if len(own) >= self.min_samples else self._stays.get(location_id, [])
        longer = [s for s in seen if s > stayed.total_seconds()]
        return timedelta(seconds=sum(longer) / len(longer)) - stayed if longer else timedelta(0)

    def _day_type_seen(self, location_id: str, at: datetime) -> tuple[DayType, int]:
        """`at`'s type of day and how many such days were seen; the other type if none was."""
        for day in (DayType.of(at), *DayType):
            days = len(self._days.get((location_id, day), ()))
            if days:
                return day, days
        return DayType.of(at), 0

    def _classes(self, location_id: str, at: datetime) -> list[tuple[int, float, _Mean]]:
        """Per urgency class seen in the hour of `at`: the class, its mean arrivals per day, its means."""
        day, days = self._day_type_seen(location_id, at)
        found = (
            (c, self._arrivals.get((location_id, day, at.hour, c))) for c in range(len(self.urgency_kw) + 1)
        )
        return [(c, m.count / days, m) for c, m in found if m is not None]

    def arrivals_per_hour(self, location_id: str, at: datetime) -> float:
        """Mean arrivals per day in the hour of `at` (its own time zone) on days of its type; 0 if none."""
        return sum(rate for _, rate, _ in self._classes(location_id, at))

    def expected_sessions(
        self,
        location_id: str,
        now: datetime,
        until: datetime,
        step: timedelta,
        *,
        max_power_w: float,
        group_id: str | None = None,
        profile_type: ProfileType = ProfileType.REGULAR,
        phases: tuple[Phase, ...] = THREE_PHASE,
        share: float | Callable[[datetime], float] = 1.0,
        reserve: float | Sequence[float] = 1.0,
        spread: float = 0.0,
        bucket: timedelta | None = None,
    ) -> list[Session]:
        """The location's usual arrivals in [now, until) as fluid sessions, one per bucket and urgency class.

        Bucket k, class c stands for the m = share x rate x bucket cars of that class expected to arrive in
        [now + k*bucket, now + (k+1)*bucket) (`share`: the part of the location these sessions stand for,
        e.g. one sub-board's phase; a function of the bucket's start when that part changes, e.g. with the
        EVSEs still free there). It holds room for n = reserve x m + spread x sqrt(m) cars: arrivals are
        roughly Poisson, so `spread` is how many standard deviations above the mean to hold room for (a
        chance constraint). `reserve` scales the mean: one factor, or one per urgency class, least urgent
        first (cars that can wait need less room held at their arrival than cars that cannot). It arrives
        at the bucket's start, or one step after `now` (this step's cars are seen at the next re-plan),
        stays the class's mean stay and asks n x its mean energy at n x `max_power_w`. `bucket` defaults to
        `step`; longer buckets keep the plan small.
        Ids are `expected:<location>:<k>:<c>`.
        """
        out: list[Session] = []
        every = bucket or step
        hours = every.total_seconds() / 3600
        k, t = 0, now
        while t < until:
            for c, rate, mean in self._classes(location_id, t):
                mean_count = (share(t) if callable(share) else share) * rate * hours
                if mean_count <= 0:
                    continue
                factor = reserve if isinstance(reserve, int | float) else reserve[min(c, len(reserve) - 1)]
                count = factor * mean_count + spread * math.sqrt(mean_count)
                arrival = max(t, now + step)
                out.append(
                    Session(
                        id=f"expected:{location_id}:{k}:{c}",
                        arrival=arrival,
                        departure=arrival + timedelta(seconds=mean.stay_s / mean.count),
                        energy_kwh=count * mean.energy_kwh / mean.count,
                        max_power_w=count * max_power_w,
                        profile_type=profile_type,
                        phases=phases,
                        group_id=group_id,
                    )
                )
            k, t = k + 1, t + every
        return out

    def scenarios(
        self,
        location_id: str,
        now: datetime,
        until: datetime,
        *,
        max_power_w: float,
        count: int | None = None,
        profile_type: ProfileType = ProfileType.REGULAR,
        phases: tuple[Phase, ...] = THREE_PHASE,
        group_id: str | None = None,
    ) -> list[list[Session]]:
        """One scenario of future arrivals per day of history (`PlanningProblem.scenarios`).

        The `count` latest days of `now`'s type (every one when None): the cars that arrived in (now, until)
        by time of day, each with the stay and energy it had (a time of day before `now`'s counts as the next
        day's). Unlike `expected_sessions` nothing is averaged: how many came, when, and how urgent they
        were stay together, as the planner needs to weigh a reserve against its price.
        Ids are `scenario:<location>:<day>:<n>`.
        """
        day, _ = self._day_type_seen(location_id, now)
        days = self._history.get((location_id, day), {})
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        out: list[list[Session]] = []
        for seen_on in sorted(days, reverse=True)[:count]:
            cars: list[Session] = []
            for n, (offset, stay_s, energy_kwh) in enumerate(days[seen_on]):
                arrival = midnight + offset
                arrival += timedelta(days=1) if arrival <= now else timedelta(0)
                if arrival < until:
                    cars.append(
                        Session(
                            f"scenario:{location_id}:{seen_on.isoformat()}:{n}", arrival,
                            arrival + timedelta(seconds=stay_s), energy_kwh, max_power_w,
                            profile_type=profile_type, phases=phases, group_id=group_id,
                        )
                    )  # fmt: skip
            out.append(sorted(cars, key=lambda s: s.arrival))
        return out

"""Departure and energy estimates for drivers who state nothing, learnt per (location, hour of arrival).

Lookup order: the (location, hour) mean once it has `min_samples` sessions, else the location's mean with as
many, else the defaults (8 h stay, 10 kWh: a workplace day and a typical commuter's need). A car that has
already outstayed its estimate is assumed to stay `overstay` longer (30 min), so it is still planned for.

Arrivals are counted per (location, hour) too: `expected_sessions` turns the mean arrivals per day into
fluid sessions that reserve capacity for cars that have not arrived yet (`PlanningProblem.expected`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fera.planning.model import THREE_PHASE, Phase, ProfileType, Session

__all__ = ["DEFAULT_ENERGY_KWH", "DEFAULT_STAY", "Estimate", "SessionStatistics"]

DEFAULT_STAY = timedelta(hours=8)
DEFAULT_ENERGY_KWH = 10.0


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


class SessionStatistics:
    """Running means of stay and energy from finished sessions; pure and in memory."""

    def __init__(
        self,
        *,
        default_stay: timedelta = DEFAULT_STAY,
        default_energy_kwh: float = DEFAULT_ENERGY_KWH,
        min_samples: int = 3,
        overstay: timedelta = timedelta(minutes=30),
    ) -> None:
        self.default_stay = default_stay
        self.default_energy_kwh = default_energy_kwh
        self.min_samples = min_samples
        self.overstay = overstay
        self._means: dict[tuple[str, int | None], _Mean] = {}
        self._days: dict[str, set[date]] = {}

    def add(self, location_id: str, arrival: datetime, departure: datetime, energy_kwh: float) -> None:
        """Learn from one finished session (the hour is the arrival's, in its own time zone)."""
        stay_s = max((departure - arrival).total_seconds(), 0.0)
        for key in ((location_id, arrival.hour), (location_id, None)):
            self._means.setdefault(key, _Mean()).add(stay_s, energy_kwh)
        self._days.setdefault(location_id, set()).add(arrival.date())

    def _mean(self, location_id: str, arrival: datetime) -> _Mean | None:
        for key in ((location_id, arrival.hour), (location_id, None)):
            mean = self._means.get(key)
            if mean is not None and mean.count >= self.min_samples:
                return mean
        return None

    def expected_stay(self, location_id: str, arrival: datetime) -> timedelta:
        mean = self._mean(location_id, arrival)
        return self.default_stay if mean is None else timedelta(seconds=mean.stay_s / mean.count)

    def expected_energy_kwh(self, location_id: str, arrival: datetime) -> float:
        mean = self._mean(location_id, arrival)
        return self.default_energy_kwh if mean is None else mean.energy_kwh / mean.count

    def estimate(
        self,
        location_id: str,
        arrival: datetime,
        now: datetime,
        *,
        departure: datetime | None = None,
        energy_kwh: float | None = None,
    ) -> Estimate:
        """Fill whatever the driver left out; stated values are kept as they are."""
        expected = max(arrival + self.expected_stay(location_id, arrival), now + self.overstay)
        return Estimate(
            departure=expected if departure is None else departure,
            energy_kwh=self.expected_energy_kwh(location_id, arrival) if energy_kwh is None else energy_kwh,
            departure_estimated=departure is None,
            energy_estimated=energy_kwh is None,
        )

    def arrivals_per_hour(self, location_id: str, at: datetime) -> float:
        """Mean arrivals per day in the hour of `at` (its own time zone), over the days seen; 0 if none."""
        days = len(self._days.get(location_id, ()))
        mean = self._means.get((location_id, at.hour))
        return 0.0 if mean is None or days == 0 else mean.count / days

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
    ) -> list[Session]:
        """The location's usual arrivals in [now, until) as fluid sessions, one per step with any arrivals.

        Step k stands for the n = rate x step cars expected to arrive in [now + k*step, now + (k+1)*step):
        it arrives at the end of that step (the next re-plan sees real cars), stays the expected stay and
        asks n x the expected energy at n x `max_power_w`. Ids are `expected:<location>:<k>`.
        """
        out: list[Session] = []
        hours = step.total_seconds() / 3600
        k, t = 0, now
        while t < until:
            count = self.arrivals_per_hour(location_id, t) * hours
            if count > 0:
                arrival = t + step
                out.append(
                    Session(
                        id=f"expected:{location_id}:{k}",
                        arrival=arrival,
                        departure=arrival + self.expected_stay(location_id, t),
                        energy_kwh=count * self.expected_energy_kwh(location_id, t),
                        max_power_w=count * max_power_w,
                        profile_type=profile_type,
                        phases=phases,
                        group_id=group_id,
                    )
                )
            k, t = k + 1, t + step
        return out

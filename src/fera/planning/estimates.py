"""Departure and energy estimates for drivers who state nothing, learnt per (location, hour of arrival).

Lookup order: the (location, hour) mean once it has `min_samples` sessions, else the location's mean with as
many, else the defaults (8 h stay, 10 kWh: a workplace day and a typical commuter's need). A car that has
already outstayed its estimate is assumed to stay `overstay` longer (30 min), so it is still planned for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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

    def add(self, location_id: str, arrival: datetime, departure: datetime, energy_kwh: float) -> None:
        """Learn from one finished session (the hour is the arrival's, in its own time zone)."""
        stay_s = max((departure - arrival).total_seconds(), 0.0)
        for key in ((location_id, arrival.hour), (location_id, None)):
            self._means.setdefault(key, _Mean()).add(stay_s, energy_kwh)

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

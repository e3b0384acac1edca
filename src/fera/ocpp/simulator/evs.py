"""The EVs that visit the simulated stations: from a seeded generator or a CSV file."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from fera.ocpp._time import from_wire

__all__ = ["EvArrival", "generate_evs", "read_evs_csv"]

_EV_MAX_KW = (3.7, 7.4, 11.0, 22.0)


@dataclass(frozen=True)
class EvArrival:
    """One visit. Without `station_id`/`connector_id` the EV takes the first free connector.

    `phases`: how many phases the car's charger uses (a single-phase car on a three-phase connector draws on
    the connector's L1 only); `max_kw` is its limit in total.
    """

    arrival: datetime
    departure: datetime
    energy_kwh: float
    max_kw: float
    station_id: str | None = None
    connector_id: int | None = None
    phases: int = 3

    def __post_init__(self) -> None:
        if self.departure <= self.arrival:
            raise ValueError(f"departure {self.departure} is not after arrival {self.arrival}")
        if self.energy_kwh <= 0 or self.max_kw <= 0:
            raise ValueError("energy_kwh and max_kw must be positive")
        if self.phases not in (1, 2, 3):
            raise ValueError("phases must be 1, 2 or 3")


def generate_evs(count: int, start: datetime, seed: int, horizon_h: float = 24.0) -> tuple[EvArrival, ...]:
    """`count` visits within [start, start + horizon_h), sorted by arrival; same seed, same visits."""
    rng = random.Random(seed)
    horizon = horizon_h * 3600
    visits = []
    for _ in range(count):
        arrival = rng.uniform(0, horizon * 0.8)
        dwell = rng.uniform(min(3600, horizon - arrival), min(10 * 3600, horizon - arrival))
        visits.append(
            EvArrival(
                arrival=start + timedelta(seconds=arrival),
                departure=start + timedelta(seconds=arrival + dwell),
                energy_kwh=round(rng.uniform(5, 60), 1),
                max_kw=rng.choice(_EV_MAX_KW),
            )
        )
    return tuple(sorted(visits, key=lambda ev: ev.arrival))


def _when(text: str, start: datetime) -> datetime:
    """An ISO 8601 timestamp, or a number of hours after the simulation start."""
    try:
        return start + timedelta(hours=float(text))
    except ValueError:
        return from_wire(text)


def read_evs_csv(text: str, start: datetime) -> tuple[EvArrival, ...]:
    """Columns arrival,departure,energy_kwh,max_kw[,station,connector]; raises ValueError naming the line."""
    visits = []
    reader = csv.DictReader(io.StringIO(text))
    needed = ("arrival", "departure", "energy_kwh", "max_kw")
    missing = [c for c in needed if c not in (reader.fieldnames or ())]
    if missing:  # else the first EV would be read as the header and lost
        raise ValueError(f"EV CSV: the first line must be its header (missing: {', '.join(missing)})")
    for line, row in enumerate(reader, start=2):
        try:
            connector = (row.get("connector") or "").strip()
            visits.append(
                EvArrival(
                    arrival=_when(row["arrival"].strip(), start),
                    departure=_when(row["departure"].strip(), start),
                    energy_kwh=float(row["energy_kwh"]),
                    max_kw=float(row["max_kw"]),
                    station_id=(row.get("station") or "").strip() or None,
                    connector_id=int(connector) if connector else None,
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"EV CSV line {line}: {exc}") from exc
    return tuple(sorted(visits, key=lambda ev: ev.arrival))

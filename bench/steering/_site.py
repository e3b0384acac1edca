"""A European site, its cars and its prices, seeded: what the steering replay plays.

The site: a 3x63 A connection (230 V) with 16 EVSEs. A carport sub-board (3x32 A) holds four single-phase
32 A EVSEs (on L1, L2, L3, L1) and two three-phase 16 A EVSEs wired with rotation; the main board holds six
three-phase 16 A EVSEs (rotations L1-L2-L3, L2-L3-L1, L3-L1-L2) and four single-phase 32 A EVSEs on L2/L3.
Cars: three-phase 16 A (11 kW), single-phase 32 A (7.4 kW), single-phase 16 A plug-in hybrids (3.7 kW) and
two-phase 16 A cars; each parks at a free EVSE and draws its own maximum or the profile's limit, whichever is
lower, on the phases it really uses. Arrivals follow a workplace/residential mix (commuters at 7-10 h staying
the working day, residents at 17-20 h staying the night, short daytime visits); day-ahead-like prices with a
morning and an evening peak and a cheap night and midday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from fera.config import BoardConfig, SiteConfig
from fera.ocpi.locations.models import Location
from fera.ocpi.types import format_datetime

START = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
STEP = timedelta(minutes=15)
VOLTAGE = 230.0
LOCATION = "SITE1"

# EVSE uid -> (phases, max amps, board or None, wiring of its L1, L2, L3 on the site)
EVSES: dict[str, tuple[int, int, str | None, tuple[str, ...]]] = {
    "SITE1-C1": (1, 32, "CARPORT", ("L1",)),
    "SITE1-C2": (1, 32, "CARPORT", ("L2",)),
    "SITE1-C3": (1, 32, "CARPORT", ("L3",)),
    "SITE1-C4": (1, 32, "CARPORT", ("L1",)),
    "SITE1-C5": (3, 16, "CARPORT", ("L2", "L3", "L1")),
    "SITE1-C6": (3, 16, "CARPORT", ("L3", "L1", "L2")),
    "SITE1-M1": (3, 16, None, ("L1", "L2", "L3")),
    "SITE1-M2": (3, 16, None, ("L2", "L3", "L1")),
    "SITE1-M3": (3, 16, None, ("L3", "L1", "L2")),
    "SITE1-M4": (3, 16, None, ("L1", "L2", "L3")),
    "SITE1-M5": (3, 16, None, ("L2", "L3", "L1")),
    "SITE1-M6": (3, 16, None, ("L3", "L1", "L2")),
    "SITE1-M7": (1, 32, None, ("L2",)),
    "SITE1-M8": (1, 32, None, ("L3",)),
    "SITE1-M9": (1, 32, None, ("L2",)),
    "SITE1-M10": (1, 32, None, ("L3",)),
}
CONNECTION_A, CARPORT_A = 63.0, 32.0
CARS = ((3, 16.0, 0.55), (1, 32.0, 0.25), (1, 16.0, 0.10), (2, 16.0, 0.10))  # phases, max A, share


def site_config() -> SiteConfig:
    """What the CPO enforces and the SCSP is given for this contracted site."""
    carport = [uid for uid, (_, _, board, _) in EVSES.items() if board == "CARPORT"]
    return SiteConfig(
        location=LOCATION,
        phase_amps=CONNECTION_A,
        boards=[BoardConfig(id="CARPORT", phase_amps=CARPORT_A, evses=carport)],
        phases={uid: list(wiring) for uid, (_, _, _, wiring) in EVSES.items()},
    )


def location() -> Location:
    """The Location as the CPO publishes it (OCPI: phases and amps per connector, no wiring)."""
    stamp = format_datetime(START)
    evses = [
        {
            "uid": uid,
            "status": "AVAILABLE",
            "capabilities": ["CHARGING_PROFILE_CAPABLE", "CHARGING_PREFERENCES_CAPABLE"],
            "last_updated": stamp,
            "connectors": [
                {
                    "id": "1",
                    "standard": "IEC_62196_T2",
                    "format": "SOCKET",
                    "power_type": "AC_3_PHASE" if phases == 3 else "AC_1_PHASE",
                    "max_voltage": int(VOLTAGE),
                    "max_amperage": amps,
                    "last_updated": stamp,
                }
            ],
        }
        for uid, (phases, amps, _, _) in EVSES.items()
    ]
    return Location.model_validate(
        {
            "country_code": "NL", "party_id": "CPO", "id": LOCATION, "publish": True,
            "address": "Stationsplein 1", "city": "Utrecht", "country": "NLD",
            "coordinates": {"latitude": "52.08940", "longitude": "5.11070"},
            "time_zone": "Europe/Amsterdam", "last_updated": stamp, "evses": evses,
        }
    )  # fmt: skip


@dataclass(frozen=True)
class Car:
    id: str
    arrival: int  # step
    departure: int  # step (leaves at its start)
    energy_kwh: float
    phases: int
    max_amps: float
    evse: str = ""

    def site_phases(self) -> tuple[str, ...]:
        evse_phases, _, _, wiring = EVSES[self.evse]
        return wiring[: min(self.phases, evse_phases)]

    def amps_at(self, limit_a: float) -> float:
        return min(limit_a, self.max_amps, float(EVSES[self.evse][1]))

    def max_kw(self) -> float:
        return self.amps_at(1e9) * VOLTAGE * len(self.site_phases()) / 1000


def _visit(rng: np.random.Generator, day: int) -> tuple[float, float, float]:
    """(arrival hour, stay hours, kWh) of one visit."""
    kind = rng.choice(3, p=[0.45, 0.35, 0.20])
    if kind == 0:  # commuter
        arrival, stay = rng.normal(8.3, 0.8), rng.normal(8.5, 1.0)
    elif kind == 1:  # resident, overnight
        arrival, stay = rng.normal(18.5, 1.0), rng.normal(12.5, 1.5)
    else:  # daytime visit
        arrival, stay = rng.uniform(10, 16), rng.uniform(1.5, 4)
    energy = float(np.clip(rng.lognormal(np.log(14), 0.5), 3, 45))
    return day * 24 + float(np.clip(arrival, 0, 23.5)), float(max(stay, 1.0)), energy


def fleet(days: int, seed: int, per_day: int = 26) -> list[Car]:
    """Visits over `days`, each at a free EVSE (a car that finds none goes elsewhere)."""
    rng = np.random.default_rng(seed)
    steps_per_hour = int(timedelta(hours=1) / STEP)
    wanted = []
    for day in range(days):
        for _ in range(int(rng.poisson(per_day))):
            arrival_h, stay_h, energy = _visit(rng, day)
            phases, amps, _ = CARS[int(rng.choice(len(CARS), p=[c[2] for c in CARS]))]
            arrival = int(arrival_h * steps_per_hour)
            departure = arrival + max(2, int(stay_h * steps_per_hour))
            wanted.append((arrival, departure, energy, phases, amps))
    busy: dict[str, int] = {}  # EVSE -> step it frees up
    cars = []
    for n, (arrival, departure, energy, phases, amps) in enumerate(sorted(wanted)):
        free = [uid for uid in EVSES if busy.get(uid, 0) <= arrival]
        if not free:
            continue
        evse = free[int(rng.integers(len(free)))]
        busy[evse] = departure
        cars.append(Car(f"S{n:04d}", arrival, departure, round(energy, 1), phases, amps, evse))
    return cars


def prices(days: int, seed: int) -> np.ndarray:
    """EUR/kWh per step: a day-ahead-like curve, each day scaled and shifted a little."""
    rng = np.random.default_rng(seed + 1000)
    steps_per_day = int(timedelta(days=1) / STEP)
    hours = np.arange(steps_per_day) * STEP.total_seconds() / 3600
    out = []
    for _ in range(days):
        base = 0.09 + 0.12 * np.exp(-(((hours - 8) / 1.5) ** 2)) + 0.16 * np.exp(-(((hours - 19) / 2) ** 2))
        base -= 0.05 * np.exp(-(((hours - 13.5) / 2) ** 2))
        out.append(base * rng.uniform(0.8, 1.2) + rng.normal(0, 0.004, steps_per_day))
    return np.round(np.concatenate(out), 4)

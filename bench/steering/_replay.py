"""The SCSP's own path, replayed: a `SteeringPlanner` fed Location and Session events, CHEAP preferences, a
capacity forecast in amps and a price series; cars draw what its profiles allow on the phases they use.

Time is stepped by hand (the planner's clock reads a variable): at each 15-minute step the cars that leave
are COMPLETED, the cars that arrive become ACTIVE sessions with their drivers' preferences, the planner
re-plans once (`replan()`, what its loop does every step), and every car draws for the step what the
profile it was last sent allows; the CPO's meter data comes back as a charging period with POWER and CURRENT.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import numpy as np

from bench.steering._site import CARPORT_A, CONNECTION_A, EVSES, LOCATION, START, STEP, VOLTAGE, Car
from bench.steering._site import location as site_location
from fera.clock import Clock
from fera.config import SiteConfig
from fera.events import EventBus
from fera.ocpi.chargingprofiles.models import ChargingProfile
from fera.ocpi.sessions.models import ChargingPreferences, Session
from fera.ocpi.types import format_datetime
from fera.scsp.planning_loop import SteeringPlanner
from fera.scsp.planning_profiles import limit_at
from fera.sessions_events import LocationChanged, SessionChanged
from fera.signals import CapacityForecast, SignalSeries
from fera.signals.board import SignalBoard
from fera.smartcharging.sender import ProfileSender
from fera.store.sqlalchemy.database import Database

PARTNER = "cpo"
HOURS = STEP.total_seconds() / 3600


class _Sender:
    """Takes the planner's profiles as a CPO would: the newest one per session applies."""

    def __init__(self) -> None:
        self.profiles: dict[str, ChargingProfile] = {}
        self.sent = 0

    async def set_profile(self, partner_id: str, session_id: str, profile: ChargingProfile) -> None:
        self.profiles[session_id] = profile
        self.sent += 1


@dataclass
class Outcome:
    delivered_kwh: dict[str, float] = field(default_factory=dict)
    power_kw: dict[str, np.ndarray] = field(default_factory=dict)  # per car, per step
    over_fuse_kwh: float = 0.0
    peak_a: dict[str, float] = field(default_factory=dict)  # level/phase -> peak current
    profiles_sent: int = 0


def _session(car: Car, t: datetime, kwh: float, status: str, periods: list[dict[str, object]]) -> Session:
    return Session.model_validate(
        {
            "country_code": "NL", "party_id": "CPO", "id": car.id,
            "start_date_time": format_datetime(START + car.arrival * STEP), "kwh": round(kwh, 4),
            "cdr_token": {"country_code": "NL", "party_id": "MSP", "uid": f"T{car.id}", "type": "RFID",
                          "contract_id": f"NL-MSP-{car.id}"},
            "auth_method": "WHITELIST", "location_id": LOCATION, "evse_uid": car.evse, "connector_id": "1",
            "currency": "EUR", "status": status, "charging_periods": periods,
            "last_updated": format_datetime(t),
        }
    )  # fmt: skip


def _capacity(amps: float, days: int) -> CapacityForecast:
    return CapacityForecast.model_validate(
        {
            "group_id": LOCATION,
            "blocks": [
                {
                    "capacity": amps, "unit": "A", "phase": "ALL", "start_time": format_datetime(START),
                    "end_time": format_datetime(START + timedelta(days=days + 2)),
                }
            ],
        }
    )  # fmt: skip


def _prices(values: np.ndarray) -> SignalSeries:
    return SignalSeries.model_validate(
        {
            "intervalPeriod": {"start": format_datetime(START), "duration": "PT15M"},
            "intervals": [
                {"id": k, "payloads": [{"type": "PRICE", "values": [float(v)]}]} for k, v in enumerate(values)
            ],
        }
    )


class _World:
    def __init__(self, cars: list[Car], steps: int) -> None:
        self.cars, self.steps = cars, steps
        self.kwh = {c.id: 0.0 for c in cars}
        self.periods: dict[str, list[dict[str, object]]] = {c.id: [] for c in cars}
        self.power = {c.id: np.zeros(steps) for c in cars}
        self.loads = {
            f"{lvl}/{p}": np.zeros(steps) for lvl in ("connection", "carport") for p in ("L1", "L2", "L3")
        }

    def draw(self, car: Car, k: int, profile: ChargingProfile | None, t: datetime) -> None:
        """The car's current for step k: the profile's limit (none: its maximum), its own and the EVSE's."""
        limit = None
        if profile is not None and profile.start_date_time is not None:
            limit = limit_at(profile, profile.start_date_time, t)
        amps = car.amps_at(float("inf") if limit is None else limit)
        phases = car.site_phases()
        need = max(0.0, car.energy_kwh - self.kwh[car.id])
        kw = min(amps * VOLTAGE * len(phases) / 1000, need / HOURS)
        amps = kw * 1000 / (VOLTAGE * len(phases))
        self.kwh[car.id] += kw * HOURS
        self.power[car.id][k] = kw
        for p in phases:
            self.loads[f"connection/{p}"][k] += amps
            if EVSES[car.evse][2] == "CARPORT":
                self.loads[f"carport/{p}"][k] += amps
        dims = [{"type": "ENERGY", "volume": round(kw * HOURS, 4)}, {"type": "POWER", "volume": round(kw, 3)}]
        if amps > 0:
            dims.append({"type": "CURRENT", "volume": round(amps, 1)})
        self.periods[car.id] = [
            *self.periods[car.id],
            {"start_date_time": format_datetime(t), "dimensions": dims},
        ]

    def over_fuse_kwh(self) -> float:
        over = 0.0
        for key, amps in self.loads.items():
            fuse = CONNECTION_A if key.startswith("connection") else CARPORT_A
            over += float(np.maximum(amps - fuse - 1e-6, 0).sum()) * VOLTAGE * HOURS / 1000
        return over


async def replay(cars: list[Car], prices: np.ndarray, site: SiteConfig, days: int) -> Outcome:
    """Until the last car has left (arrivals span `days`; residents of the last evening stay the night)."""
    steps = max(c.departure for c in cars) + 1
    now = [START]
    clock = Clock(start=START, real_start=START, speed=1.0, wall=lambda: now[0])
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}")
        await database.migrate()
        events, sender = EventBus(), _Sender()
        signals = SignalBoard(database, events, now=clock.now)
        planner = SteeringPlanner(
            cast(ProfileSender, sender), events, signals, clock, lambda _p, _s: True, step=STEP, sites=[site]
        )
        await events.publish(LocationChanged(site_location(), PARTNER))
        await signals.put_capacity(_capacity(CONNECTION_A, days + 2))
        await signals.put_series(_prices(prices))
        world = _World(cars, steps)
        for k in range(steps):
            t = START + k * STEP
            now[0] = t
            for car in cars:
                if car.departure == k:
                    session = _session(car, t, world.kwh[car.id], "COMPLETED", world.periods[car.id])
                    await events.publish(SessionChanged(session, PARTNER))
                elif car.arrival == k:
                    await events.publish(SessionChanged(_session(car, t, 0.0, "ACTIVE", []), PARTNER))
                    prefs = ChargingPreferences.model_validate(
                        {
                            "profile_type": "CHEAP",
                            "departure_time": format_datetime(START + car.departure * STEP),
                            "energy_need": car.energy_kwh,
                        }
                    )
                    await planner.set_preferences((PARTNER, car.id), prefs)
            await planner.replan()
            for car in cars:
                if car.arrival <= k < car.departure:
                    world.draw(car, k, sender.profiles.get(car.id), t)
                    meter = _session(car, t + STEP, world.kwh[car.id], "ACTIVE", world.periods[car.id])
                    await events.publish(SessionChanged(meter, PARTNER))
        await database.close()
    return Outcome(
        delivered_kwh=dict(world.kwh),
        power_kw=world.power,
        over_fuse_kwh=world.over_fuse_kwh(),
        peak_a={key: float(v.max()) for key, v in world.loads.items()},
        profiles_sent=sender.sent,
    )

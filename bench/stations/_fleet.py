"""The benchmark's CPO set-up: one location of two EVSEs per station, the stations' configuration, the eMSP's
tokens, and the child process that runs the simulated stations."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from bench._harness import RunningNode
from fera.config import StationConfig
from fera.cpo import cpo_of
from fera.emsp import emsp_of
from fera.ocpi.locations.models import Location
from fera.ocpi.tokens.models import Token
from fera.ocpi.types import format_datetime
from fera.ocpp.simulator import EvArrival, SimulationConfig, run_simulation, station_specs

PASSWORD = "bench"
STAMP = format_datetime(datetime(2025, 1, 1, tzinfo=UTC))
SPEED = 1.0  # real time: each connector meters once a minute, as a real fleet would


def prefix(step: int) -> str:
    return f"S{step}-"


def location_id(station_id: str) -> str:
    return f"L-{station_id}"


def stations(steps: tuple[int, ...]) -> list[StationConfig]:
    """Every station of every step, each at a location of its own with EVSEs {location}-E1/E2."""
    specs = [spec for n in steps for spec in station_specs(n, password=PASSWORD, prefix=prefix(n))]
    return [
        StationConfig.model_validate(
            {
                "id": spec.station_id,
                "password": PASSWORD,
                "location": location_id(spec.station_id),
                "evses": [{"ocpp_id": i, "evse_uid": f"{location_id(spec.station_id)}-E{i}"} for i in (1, 2)],
            }
        )
        for spec in specs
    ]


def _location(station_id: str) -> Location:
    connector = {
        "id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
        "max_voltage": 230, "max_amperage": 32, "last_updated": STAMP,
    }  # fmt: skip
    evse = {"status": "AVAILABLE", "capabilities": ["CHARGING_PROFILE_CAPABLE"], "last_updated": STAMP}
    loc = location_id(station_id)
    return Location.model_validate(
        {
            "country_code": "NL", "party_id": "CPO", "id": loc, "publish": True, "address": "Stationsplein 1",
            "city": "Utrecht", "country": "NLD", "time_zone": "Europe/Amsterdam", "last_updated": STAMP,
            "coordinates": {"latitude": "52.08940", "longitude": "5.11070"},
            "evses": [evse | {"uid": f"{loc}-E{i}", "connectors": [connector]} for i in (1, 2)],
        }
    )  # fmt: skip


def _token(uid: str) -> Token:
    return Token.model_validate(
        {
            "country_code": "NL", "party_id": "MSP", "uid": uid, "type": "RFID", "contract_id": f"C-{uid}",
            "issuer": "bench", "valid": True, "whitelist": "ALWAYS", "last_updated": STAMP,
        }
    )  # fmt: skip


async def populate(cpo: RunningNode, emsp: RunningNode, configs: list[StationConfig], evs: int) -> None:
    """Locations on the CPO, and the tokens SIM000000.. the simulated cars present, pushed by the eMSP."""
    for config in configs:
        await cpo_of(cpo.node).locations.put_location(_location(config.id))
    for n in range(evs):
        await emsp_of(emsp.node).tokens.put_token(_token(f"SIM{n:06d}"))


async def spawn(url: str, step: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.stations", "--child", url, str(step)
    )


async def child(url: str, step: int) -> None:
    """Child process: `step` stations (OCPP versions in turn), one long-staying car per connector."""
    specs = station_specs(step, password=PASSWORD, prefix=prefix(step))
    start = datetime.now(UTC)
    ev = EvArrival(start, start + timedelta(days=2), energy_kwh=500.0, max_kw=22.0)
    config = SimulationConfig(url, specs, (ev,) * (2 * step), start, speed=SPEED, timeout_s=30.0)
    await run_simulation(config)

"""What to simulate: stations, EVs, and how fast simulated time runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from fera.charging import Electrical
from fera.ocpp.simulator.evs import EvArrival

__all__ = ["SimulationConfig", "StationSpec", "gateway_stations", "station_specs"]

AC_22KW = Electrical("AC_3_PHASE", 230, 32, 22_000)
OCPP_VERSIONS = ("1.6", "2.0.1")


@dataclass(frozen=True)
class StationSpec:
    """One station. `reject_profiles` and `silent` make it misbehave, for tests of the CPO side."""

    station_id: str
    ocpp_version: str = "1.6"
    connectors: int = 2
    password: str | None = None
    electrical: Electrical = AC_22KW
    reject_profiles: bool = False
    silent: bool = False  # never answers the CSMS's calls

    def __post_init__(self) -> None:
        if self.ocpp_version not in OCPP_VERSIONS:
            raise ValueError(f"ocpp_version must be one of {OCPP_VERSIONS}, got {self.ocpp_version!r}")
        if self.connectors < 1:
            raise ValueError("a station needs at least one connector")


@dataclass(frozen=True)
class SimulationConfig:
    """`url` is the gateway's base, e.g. ws://127.0.0.1:9000/ocpp; stations connect to {url}/{station_id}.

    Simulated time starts at `start` once every station has booted and runs `speed` times faster than real
    time; meter values are sent every `meter_interval_s` simulated seconds and whenever the limit changes
    (a station that falls behind real time on a loaded machine sends only the latest reading due).
    """

    url: str
    stations: tuple[StationSpec, ...]
    evs: tuple[EvArrival, ...]
    start: datetime
    speed: float = 60.0
    meter_interval_s: float = 60.0
    timeout_s: float = 10.0  # real seconds to connect, and to wait for each answer of the gateway
    real_start: datetime | None = None  # wall-clock instant of `start` (shared simulated time); None: at boot
    groups: Mapping[str, str] = field(default_factory=dict)  # station id -> group (a site), for peaks

    def __post_init__(self) -> None:
        if self.speed <= 0 or self.meter_interval_s <= 0:
            raise ValueError("speed and meter_interval_s must be positive")
        _check_bound(self.evs, self.stations)


def _check_bound(evs: Iterable[EvArrival], stations: Iterable[StationSpec]) -> None:
    """An EV bound for a station (or connector) that is not simulated would just never plug in: refused."""
    connectors = {s.station_id: s.connectors for s in stations}
    for n, ev in enumerate(evs, start=1):
        if ev.station_id is None:
            continue
        if ev.station_id not in connectors:
            known = ", ".join(connectors)
            raise ValueError(f"EV {n}: station {ev.station_id!r} is not simulated (stations: {known})")
        if ev.connector_id is not None and not 1 <= ev.connector_id <= connectors[ev.station_id]:
            count = connectors[ev.station_id]
            raise ValueError(f"EV {n}: {ev.station_id} has connectors 1 to {count}, not {ev.connector_id}")


def station_specs(
    count: int,
    connectors: int = 2,
    versions: Iterable[str] = OCPP_VERSIONS,
    password: str | None = None,
    prefix: str = "SIM-",
) -> tuple[StationSpec, ...]:
    """`count` stations named {prefix}0001..., taking the OCPP versions in turn."""
    cycle = tuple(versions)
    return tuple(
        StationSpec(f"{prefix}{n + 1:04d}", cycle[n % len(cycle)], connectors, password) for n in range(count)
    )


def gateway_stations(specs: Iterable[StationSpec]) -> dict[str, str | None]:
    """The gateway's `stations` mapping that admits these simulated stations."""
    return {spec.station_id: spec.password for spec in specs}

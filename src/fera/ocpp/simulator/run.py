"""Run a simulation: connect the stations to the gateway, let the EVs come and go, report what they got."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from fera.ocpp.simulator.clock import SimClock
from fera.ocpp.simulator.config import SimulationConfig, StationSpec
from fera.ocpp.simulator.evs import EvArrival
from fera.ocpp.simulator.session import PowerTracker, SessionReport, StationClient, run_session
from fera.ocpp.simulator.station import Connector, StationModel
from fera.ocpp.simulator.v16 import SimStationV16
from fera.ocpp.simulator.v201 import SimStationV201

__all__ = ["SimulationError", "SimulationReport", "StationRefused", "run_simulation"]


class SimulationError(RuntimeError):
    """A station could not join: the gateway is unreachable, or did not accept its BootNotification."""


class StationRefused(InvalidStatus):
    """The gateway answered a station's websocket handshake with an HTTP error (its `response`)."""

    def __init__(self, station_id: str, refused: InvalidStatus) -> None:
        super().__init__(refused.response)
        self.station_id = station_id

    def __str__(self) -> str:
        status = self.response.status_code
        hint = ": it must be in the CPO's [[stations]], with its password" if status == 401 else ""
        return f"station {self.station_id}: the gateway refused it (HTTP {status}){hint}"


@dataclass(frozen=True)
class SimulationReport:
    sessions: tuple[SessionReport, ...]
    peak_power_w: float  # all connectors together
    group_peak_w: dict[str, float] = field(default_factory=dict)  # per group of stations (config.groups)
    group_samples: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)  # power over time
    # (station id, connector id) -> its power over simulated time, in order (see PowerTracker)
    connector_samples: dict[tuple[str, int], list[tuple[datetime, float]]] = field(default_factory=dict)

    @property
    def energy_need_wh(self) -> float:
        return sum(session.energy_need_wh for session in self.sessions)

    @property
    def delivered_wh(self) -> float:
        return sum(session.delivered_wh for session in self.sessions)

    def summary(self) -> str:
        served = sum(1 for session in self.sessions if session.transaction_id is not None)
        return (
            f"{served}/{len(self.sessions)} EVs charged, {self.delivered_wh / 1000:.1f} of "
            f"{self.energy_need_wh / 1000:.1f} kWh delivered, peak {self.peak_power_w / 1000:.1f} kW"
        )


@dataclass(frozen=True)
class _Running:
    client: StationClient
    connection: ClientConnection
    reader: asyncio.Task[None]

    async def close(self) -> None:
        await self.connection.close()
        await asyncio.gather(self.reader, return_exceptions=True)  # it ends with ConnectionClosed


async def _connect(spec: StationSpec, config: SimulationConfig, clock: SimClock) -> _Running:
    headers = {}
    if spec.password is not None:
        secret = base64.b64encode(f"{spec.station_id}:{spec.password}".encode()).decode()
        headers["Authorization"] = f"Basic {secret}"
    url = f"{config.url.rstrip('/')}/{quote(spec.station_id, safe='')}"
    try:
        connection = await connect(
            url,
            subprotocols=[Subprotocol(f"ocpp{spec.ocpp_version}")],
            additional_headers=headers,
            open_timeout=config.timeout_s,
        )
    except InvalidStatus as exc:
        raise StationRefused(spec.station_id, exc) from exc
    except (OSError, TimeoutError, InvalidHandshake) as exc:
        raise SimulationError(f"cannot reach the OCPP gateway at {config.url}: {exc}") from exc
    model = StationModel(spec, clock)
    client_type = SimStationV16 if spec.ocpp_version == "1.6" else SimStationV201
    client = client_type(model, connection, config.timeout_s)
    running = _Running(client, connection, asyncio.create_task(client.start()))
    try:
        if not await client.boot():
            raise SimulationError(f"station {spec.station_id}: BootNotification not accepted")
        for connector_id in model.connectors:
            await client.status(connector_id, "available")
    except BaseException:
        await running.close()
        raise
    return running


def _claim(
    clients: Sequence[StationClient], ev: EvArrival, turn: int
) -> tuple[StationClient, Connector] | None:
    """A free connector for `ev` (its own, if it names one), marked busy; stations taken in turn."""
    if ev.station_id is not None:
        candidates = [c for c in clients if c.model.spec.station_id == ev.station_id]
    else:
        candidates = [*clients[turn % len(clients) :], *clients[: turn % len(clients)]]
    for client in candidates:
        for connector in client.model.connectors.values():
            if not connector.busy and ev.connector_id in (None, connector.id):
                connector.busy = True
                return client, connector
    return None


async def _visit(
    clients: Sequence[StationClient],
    ev: EvArrival,
    turn: int,
    config: SimulationConfig,
    tracker: PowerTracker,
) -> SessionReport:
    clock = clients[0].model.clock
    await clock.sleep_until(ev.arrival)
    claimed = _claim(clients, ev, turn)
    if claimed is None:
        return SessionReport(ev, "no_connector", ended=clock.now())
    client, connector = claimed
    interval = timedelta(seconds=config.meter_interval_s)
    return await run_session(client, connector, ev, f"SIM{turn:06d}", interval, tracker)


async def _connect_all(config: SimulationConfig, clock: SimClock) -> list[_Running]:
    results = await asyncio.gather(
        *(_connect(s, config, clock) for s in config.stations), return_exceptions=True
    )
    running = [r for r in results if isinstance(r, _Running)]
    failure = next((r for r in results if isinstance(r, BaseException)), None)
    if failure is not None:
        await asyncio.gather(*(r.close() for r in running))
        raise failure
    return running


async def run_simulation(config: SimulationConfig, tracker: PowerTracker | None = None) -> SimulationReport:
    """Connect every station, run the EVs in accelerated time until the last one has left, disconnect.

    `tracker`: one the caller watches while the simulation runs (it gets the power of every connector)."""
    if not config.stations:
        raise ValueError("a simulation needs at least one station")
    clock = SimClock(config.start, config.speed, anchor=config.real_start)
    running = await _connect_all(config, clock)
    tracker = tracker or PowerTracker(config.groups)
    try:
        if config.real_start is None:  # else simulated time is shared with other processes: keep it
            clock.restart()
        clients = [r.client for r in running]
        visits = (_visit(clients, ev, turn, config, tracker) for turn, ev in enumerate(config.evs))
        sessions = await asyncio.gather(*visits)
    finally:
        await asyncio.gather(*(r.close() for r in running))
    return SimulationReport(
        tuple(sessions),
        tracker.peak_w,
        dict(tracker.group_peak_w),
        tracker.group_samples,
        tracker.connector_samples,
    )

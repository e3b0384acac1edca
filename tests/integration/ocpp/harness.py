"""Recording StationEvents and a gateway + simulated stations on 127.0.0.1, for the OCPP integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fera.ocpp import OcppGateway
from fera.ocpp.simulator import (
    EvArrival,
    SimulationConfig,
    SimulationReport,
    StationSpec,
    run_simulation,
)

START = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
WAIT_S = 20.0  # bound of every wait for an event (generous: a loaded 2-core machine)
CALL_TIMEOUT_S = 10.0  # generous: a station answering on a loaded machine must not look silent
SHORT_CALL_TIMEOUT_S = 0.5  # for the tests of silence itself, on a gateway of their own


@dataclass(frozen=True)
class Event:
    name: str
    args: tuple[Any, ...]


@dataclass
class RecordingEvents:
    """StationEvents that records every call; `wait` blocks (bounded) until a matching one arrives."""

    refused_tokens: set[str] = field(default_factory=set)
    events: list[Event] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def _record(self, name: str, *args: Any) -> None:
        self.events.append(Event(name, args))
        self._arrived.set()

    def named(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name == name]

    async def wait(self, name: str, match: Callable[[Event], bool] = lambda _: True, after: int = 0) -> Event:
        """The first `name` event from index `after` on that matches."""
        async with asyncio.timeout(WAIT_S):
            while True:
                found = [e for e in self.events[after:] if e.name == name and match(e)]
                if found:
                    return found[0]
                self._arrived.clear()
                await self._arrived.wait()

    async def station_connected(self, station_id: str, ocpp_version: str, vendor: str, model: str) -> None:
        self._record("station_connected", station_id, ocpp_version, vendor, model)

    async def station_disconnected(self, station_id: str) -> None:
        self._record("station_disconnected", station_id)

    async def connector_status(self, station_id: str, evse_id: int, connector_id: int, status: str) -> None:
        self._record("connector_status", station_id, evse_id, connector_id, status)

    async def evses_reported(self, station_id: str, evses: Sequence[tuple[int, int]]) -> None:
        self._record("evses_reported", station_id, list(evses))

    async def authorize(self, station_id: str, id_token: str) -> bool:
        self._record("authorize", station_id, id_token)
        return id_token not in self.refused_tokens

    async def transaction_started(
        self,
        station_id: str,
        evse_id: int,
        connector_id: int,
        transaction_id: str,
        id_token: str,
        meter_start_wh: float,
        timestamp: datetime,
    ) -> None:
        self._record(
            "transaction_started",
            station_id,
            evse_id,
            connector_id,
            transaction_id,
            id_token,
            meter_start_wh,
            timestamp,
        )

    async def meter_values(
        self,
        station_id: str,
        evse_id: int,
        transaction_id: str,
        timestamp: datetime,
        energy_wh: float,
        power_w: float | None,
        current_a: float | None,
    ) -> None:
        self._record(
            "meter_values", station_id, evse_id, transaction_id, timestamp, energy_wh, power_w, current_a
        )

    async def transaction_stopped(
        self,
        station_id: str,
        evse_id: int,
        transaction_id: str,
        timestamp: datetime,
        meter_stop_wh: float,
        reason: str | None,
    ) -> None:
        self._record(
            "transaction_stopped", station_id, evse_id, transaction_id, timestamp, meter_stop_wh, reason
        )


def long_visit(max_kw: float = 11.0) -> EvArrival:
    """An EV that stays (in simulated time) far longer than any test lasts."""
    return EvArrival(START, START + timedelta(hours=20), energy_kwh=200.0, max_kw=max_kw)


@dataclass
class Harness:
    events: RecordingEvents
    gateway: OcppGateway
    port: int
    runs: list[asyncio.Task[SimulationReport]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    def config(
        self, specs: tuple[StationSpec, ...], evs: tuple[EvArrival, ...], speed: float = 60.0
    ) -> SimulationConfig:
        return SimulationConfig(
            self.url, specs, evs, START, speed=speed, meter_interval_s=30.0, timeout_s=WAIT_S
        )

    async def stop(self) -> None:
        """Cancel the simulations and stop the gateway, bounded: a run that did not end fails the test."""
        for task in self.runs:
            task.cancel()
        async with asyncio.timeout(WAIT_S):
            await asyncio.gather(*self.runs, return_exceptions=True)
            await self.gateway.stop()

    def simulate(
        self, specs: tuple[StationSpec, ...], evs: tuple[EvArrival, ...]
    ) -> asyncio.Task[SimulationReport]:
        """Run a simulation in the background; the fixture cancels it at the end of the test."""
        task = asyncio.create_task(run_simulation(self.config(specs, evs)))
        self.runs.append(task)
        return task

    async def started(self, spec: StationSpec, ev: EvArrival | None = None) -> Event:
        """Connect one station with one charging EV; its transaction_started event, once metering (an OCPP 1.6
        station only knows its transaction id after StartTransaction's answer, shortly after the event)."""
        self.simulate((spec,), (ev or long_visit(),))
        started = await self.events.wait("transaction_started", lambda e: e.args[0] == spec.station_id)
        await self.events.wait("meter_values", lambda e: e.args[2] == started.args[3])
        return started

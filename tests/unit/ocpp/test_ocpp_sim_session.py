"""A simulated charge on a station slower than real time: it meters now, never its backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fera.ocpp._meter import MeterReading
from fera.ocpp.simulator import EvArrival, SimClock, StationSpec
from fera.ocpp.simulator.session import PowerTracker, run_session
from fera.ocpp.simulator.station import StationModel

START = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=60)
ROUND_TRIP_S = 150.0  # each MeterValues answer takes 2.5 meter intervals: the CSMS is that slow


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class SlowCsms:
    """A station client whose every MeterValues round trip lets ROUND_TRIP_S of real time pass."""

    def __init__(self, monotonic: FakeMonotonic) -> None:
        self.model = StationModel(StationSpec("CS", connectors=1), SimClock(START, 1.0, monotonic))
        self.monotonic = monotonic
        self.readings: list[tuple[MeterReading, datetime]] = []  # (reading, when it was sent)

    async def status(self, connector_id: int, state: str) -> None:
        pass

    async def authorize(self, id_token: str) -> bool:
        return True

    async def start_transaction(self, connector_id: int, id_token: str, meter_wh: float, t: datetime) -> str:
        return "T1"

    async def meter(
        self, connector_id: int, transaction_id: str, reading: MeterReading, changed: bool
    ) -> None:
        self.readings.append((reading, self.model.clock.now()))
        self.monotonic.t += ROUND_TRIP_S

    async def stop_transaction(
        self, connector_id: int, transaction_id: str, meter_wh: float, t: datetime
    ) -> None:
        pass


async def test_a_station_behind_real_time_skips_the_readings_it_missed() -> None:
    csms = SlowCsms(FakeMonotonic())
    ev = EvArrival(START, START + timedelta(hours=1), 500.0, 11.0, "CS", 1)
    connector = csms.model.connectors[1]
    connector.busy = True

    report = await run_session(csms, connector, ev, "TOKEN", INTERVAL, PowerTracker())

    assert report.outcome == "departed"
    assert report.delivered_wh == pytest.approx(11_000.0)  # an hour at 11 kW: skipped readings lose no energy
    stamps = [reading.timestamp for reading, _ in csms.readings]
    assert stamps[:4] == [START + timedelta(seconds=s) for s in (0, 120, 300, 420)]
    for reading, sent in csms.readings:  # taken at the latest tick due, not a backlog's
        assert sent - reading.timestamp < INTERVAL
    assert [r.energy_wh for r, _ in csms.readings] == sorted(r.energy_wh for r, _ in csms.readings)

"""A simulated charge on a station slower than real time: it meters now, never its backlog, and a new limit
takes effect when it arrives, not at a tick the station had missed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fera.charging import ChargingProfileKind, ChargingProfilePurpose, OcppChargingProfile, SchedulePeriod
from fera.ocpp._meter import MeterReading
from fera.ocpp.simulator import EvArrival, SimClock, StationSpec
from fera.ocpp.simulator.session import PowerTracker, SessionReport, run_session
from fera.ocpp.simulator.station import StationModel

START = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=60)


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def tx_limit(amps: float) -> OcppChargingProfile:
    return OcppChargingProfile(
        id=1,
        stack_level=0,
        purpose=ChargingProfilePurpose.TX,
        kind=ChargingProfileKind.RELATIVE,
        unit="A",
        periods=(SchedulePeriod(0, amps),),
        connector_id=1,
        transaction_id="T1",
    )


class SlowCsms:
    """A station client whose every MeterValues round trip lets `round_trip_s` of real time pass (the CSMS
    is that slow); after reading number `limit_after` a TxProfile of 8 A arrives (during the round trip)."""

    def __init__(self, round_trip_s: float, limit_after: int | None = None) -> None:
        self.monotonic = FakeMonotonic()
        self.model = StationModel(StationSpec("CS", connectors=1), SimClock(START, 1.0, self.monotonic))
        self.round_trip_s, self.limit_after = round_trip_s, limit_after
        self.readings: list[tuple[MeterReading, datetime]] = []  # (reading, when it was sent)
        self.limited_at: datetime | None = None

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
        self.monotonic.t += self.round_trip_s
        if len(self.readings) == self.limit_after:
            self.limited_at = self.model.clock.now()
            assert self.model.set_profile(tx_limit(8.0))

    async def stop_transaction(
        self, connector_id: int, transaction_id: str, meter_wh: float, t: datetime
    ) -> None:
        pass


async def charge(csms: SlowCsms) -> SessionReport:
    ev = EvArrival(START, START + timedelta(hours=1), 500.0, 11.0, "CS", 1)
    connector = csms.model.connectors[1]
    connector.busy = True
    return await run_session(csms, connector, ev, "TOKEN", INTERVAL, PowerTracker())


async def test_a_station_behind_real_time_skips_the_readings_it_missed() -> None:
    csms = SlowCsms(round_trip_s=150.0)  # 2.5 meter intervals per answer
    report = await charge(csms)

    assert report.outcome == "departed"
    assert report.delivered_wh == pytest.approx(11_000.0)  # an hour at 11 kW: skipped readings lose no energy
    stamps = [reading.timestamp for reading, _ in csms.readings]
    assert stamps[:4] == [START + timedelta(seconds=s) for s in (0, 120, 300, 420)]
    for reading, sent in csms.readings:  # taken at the latest tick due, not a backlog's
        assert sent - reading.timestamp < INTERVAL
    assert [r.energy_wh for r, _ in csms.readings] == sorted(r.energy_wh for r, _ in csms.readings)


async def test_a_limit_that_arrives_while_behind_applies_from_its_arrival() -> None:
    csms = SlowCsms(round_trip_s=130.0, limit_after=2)
    await charge(csms)

    assert csms.limited_at is not None
    before = [r for r, _ in csms.readings if r.timestamp < csms.limited_at]
    after = [r for r, _ in csms.readings if r.timestamp >= csms.limited_at]
    assert {r.power_w for r in before} == {11_000.0}
    assert {r.power_w for r in after} == {8 * 230 * 3}  # never earlier: a missed tick is no time to apply it
    assert after[0].timestamp == csms.limited_at

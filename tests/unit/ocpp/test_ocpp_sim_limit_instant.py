"""A simulated EV draws under a new limit from the instant its station accepted it, not from the later
instant at which a loaded event loop runs its task: the CPO raises another car once this one confirmed a
decrease, so a late switch would show a site over its fuse that the real hardware never saw."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from fera.ocpp._meter import MeterReading
from fera.ocpp.simulator import EvArrival, SimClock, StationSpec
from fera.ocpp.simulator.session import PowerTracker, _Charge, _charge
from fera.ocpp.simulator.station import StationModel
from tests.unit.ocpp.test_ocpp_sim_station import START, FakeMonotonic, tx_limit


class RecordingClient:
    """The station's OCPP face reduced to what the charging EV calls: meter readings, recorded."""

    def __init__(self, model: StationModel) -> None:
        self.model = model
        self.readings: list[tuple[MeterReading, bool]] = []
        self.arrived = asyncio.Event()

    async def meter(
        self, connector_id: int, transaction_id: str, reading: MeterReading, changed: bool
    ) -> None:
        self.readings.append((reading, changed))
        self.arrived.set()


async def _charging(
    amps: float, tracker: PowerTracker
) -> tuple[FakeMonotonic, StationModel, RecordingClient, asyncio.Task[None]]:
    """A 22 kW three-phase car charging from START under a TxProfile of `amps`, its first reading in."""
    monotonic = FakeMonotonic()
    station = StationModel(StationSpec("CS", connectors=1), SimClock(START, 60.0, monotonic))
    station.begin(1, "T1", START)
    assert station.set_profile(tx_limit(amps))
    client = RecordingClient(station)
    ev = EvArrival(START, START + timedelta(hours=8), 100.0, 22.0, "CS", 1, phases=3)
    charge = _Charge(client, station.connectors[1], ev, "T1", START, 0.0)  # type: ignore[arg-type]
    task = asyncio.create_task(_charge(charge, timedelta(hours=1), tracker))
    await asyncio.wait_for(client.arrived.wait(), 10)  # the first reading, at START
    client.arrived.clear()
    return monotonic, station, client, task


async def test_a_decrease_counts_from_the_instant_it_was_accepted() -> None:
    tracker = PowerTracker()
    monotonic, station, client, task = await _charging(32, tracker)

    monotonic.t += 30.0  # 30 simulated minutes on: the station accepts a lower limit
    accepted_at: datetime = station.clock.now()
    assert station.set_profile(tx_limit(6))
    monotonic.t += 15.0  # the EV's task runs 15 simulated minutes late
    await asyncio.wait_for(client.arrived.wait(), 10)
    task.cancel()

    reading, changed = client.readings[-1]
    assert changed and reading.timestamp == accepted_at
    assert reading.current_a == 6.0
    samples = tracker.connector_samples[("CS", 1)]
    assert (accepted_at, reading.power_w) in samples
    assert all(watts == samples[0][1] for at, watts in samples if at < accepted_at)
    assert abs(reading.energy_wh - 22_000.0 * 0.5) < 1.0  # 22 kW for half an hour, not a minute more


async def test_an_ac_car_stops_below_6_a_and_charges_again_at_6_a() -> None:
    """IEC 61851: an AC car cannot charge below 6 A per phase; a share under it is drawn by nobody."""
    monotonic, station, client, task = await _charging(5.9, PowerTracker())
    assert client.readings[-1][0].power_w == 0.0

    monotonic.t += 30.0
    assert station.set_profile(tx_limit(6))
    await asyncio.wait_for(client.arrived.wait(), 10)
    task.cancel()
    assert client.readings[-1][0].current_a == 6.0


async def _handled(station: StationModel) -> None:
    """Until the EV's task has taken the limit change (it clears the flag, then reports or not at once)."""
    async with asyncio.timeout(10):
        while station.connectors[1].changed.is_set():
            await asyncio.sleep(0.01)


async def test_a_new_limit_that_changes_nothing_drawn_is_not_reported() -> None:
    """A station reports a change of its charging rate (ChargingRateChanged), not every profile installed:
    one above what the car draws (or for another connector) leaves the rate as it was."""
    monotonic, station, client, task = await _charging(32, PowerTracker())

    monotonic.t += 30.0
    assert station.set_profile(tx_limit(40))  # the 22 kW car draws 32 A per phase under either
    await _handled(station)
    assert len(client.readings) == 1  # only the first, at START
    assert station.set_profile(tx_limit(6))
    await asyncio.wait_for(client.arrived.wait(), 10)
    task.cancel()

    assert [(reading.current_a, changed) for reading, changed in client.readings[1:]] == [(6.0, True)]

"""A simulated EV takes every step of its station's schedule at the step's own instant, even when its task
runs late: while a meter reading waits for a slow CSMS, or when a new profile replaces the schedule before
the task reached the step (a step down missed that way overlaps the next car's step up at the site)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fera.charging import ChargingProfileKind, ChargingProfilePurpose, OcppChargingProfile, SchedulePeriod
from fera.ocpp._meter import MeterReading
from fera.ocpp.simulator import EvArrival, SimClock, StationSpec
from fera.ocpp.simulator.session import PowerTracker, _Charge, _charge
from fera.ocpp.simulator.station import StationModel
from tests.unit.ocpp.test_ocpp_sim_station import START, FakeMonotonic, tx_limit

STEP_AT = START + timedelta(minutes=20)


def _step_down() -> OcppChargingProfile:
    """32 A, then 0 A from 20 simulated minutes after START (absolute, as the CPO writes TxProfiles)."""
    return OcppChargingProfile(
        id=2,
        stack_level=0,
        purpose=ChargingProfilePurpose.TX,
        kind=ChargingProfileKind.ABSOLUTE,
        unit="A",
        periods=(SchedulePeriod(0, 32.0), SchedulePeriod(20 * 60, 0.0)),
        connector_id=1,
        transaction_id="T1",
        start_schedule=START,
    )


class SlowClient:
    """A CSMS that answers meter readings only when the test lets it."""

    def __init__(self, model: StationModel) -> None:
        self.model = model
        self.readings: list[MeterReading] = []
        self.answer = asyncio.Event()
        self.waiting = asyncio.Event()

    async def meter(
        self, connector_id: int, transaction_id: str, reading: MeterReading, changed: bool
    ) -> None:
        self.waiting.set()
        await self.answer.wait()
        self.readings.append(reading)


async def test_a_step_down_is_taken_at_its_instant_though_a_new_profile_replaces_it_late() -> None:
    monotonic = FakeMonotonic()
    station = StationModel(StationSpec("CS", connectors=1), SimClock(START, 60.0, monotonic))
    station.begin(1, "T1", START)
    assert station.set_profile(_step_down())
    client = SlowClient(station)
    ev = EvArrival(START, START + timedelta(hours=8), 100.0, 22.0, "CS", 1, phases=3)
    charge = _Charge(client, station.connectors[1], ev, "T1", START, 0.0)  # type: ignore[arg-type]
    tracker = PowerTracker()
    task = asyncio.create_task(_charge(charge, timedelta(hours=1), tracker))
    await asyncio.wait_for(client.waiting.wait(), 10)  # its first reading waits for the CSMS

    monotonic.t += 30.0  # 30 simulated minutes on, past the step, before the EV's task ran again ...
    assert station.set_profile(tx_limit(0))  # ... a new profile (0 A from now) replaces the schedule
    client.answer.set()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    samples = tracker.connector_samples[("CS", 1)]
    assert samples[0] == (START, 22_000.0)
    assert (STEP_AT, 0.0) in samples  # the step down at its own instant, not 10 minutes later
    assert all(watts == 0.0 for at, watts in samples if at >= STEP_AT)
    assert abs(charge.delivered_wh - 22_000.0 / 3) < 1.0  # 22 kW for 20 minutes, not 30

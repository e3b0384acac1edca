"""run_simulation end to end: EVs that fill up, depart, find no free connector or are refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from websockets.exceptions import InvalidStatus

from fera.ocpp.simulator import EvArrival, StationSpec, run_simulation
from tests.integration.ocpp.conftest import PASSWORD
from tests.integration.ocpp.harness import START, Harness

HOUR = timedelta(hours=1)


async def test_report_follows_energy_needs_and_departures(harness: Harness) -> None:
    specs = (StationSpec("OPEN-1.6", "1.6", connectors=1), StationSpec("OPEN-2.0.1", "2.0.1", connectors=1))
    evs = (
        EvArrival(START, START + HOUR, energy_kwh=5.0, max_kw=11.0),  # full after ~27 min
        EvArrival(START, START + HOUR, energy_kwh=50.0, max_kw=7.4),  # leaves before full
        EvArrival(START, START + HOUR, energy_kwh=5.0, max_kw=11.0),  # both connectors are taken
        EvArrival(START + 2 * HOUR, START + 3 * HOUR, energy_kwh=5.0, max_kw=11.0),  # token refused
    )
    harness.events.refused_tokens.add("SIM000003")
    report = await asyncio.wait_for(run_simulation(harness.config(specs, evs, speed=3600.0)), 20)
    full, departed, no_room, refused = report.sessions
    assert (full.outcome, departed.outcome, no_room.outcome, refused.outcome) == (
        "full",
        "departed",
        "no_connector",
        "unauthorized",
    )
    assert full.delivered_wh == pytest.approx(5000.0)
    # 7.4 kW from its start to its departure. Not "about an hour": at x3600 every real millisecond the
    # plug-in and authorisation take on a loaded machine is 3.6 simulated seconds of the stay.
    started = {e.args[3]: e.args[6] for e in harness.events.named("transaction_started")}
    stay_h = (departed.ev.departure - started[departed.transaction_id]).total_seconds() / 3600
    assert 0 < stay_h < 1.0 and departed.delivered_wh == pytest.approx(7400.0 * stay_h)
    assert (full.peak_power_w, departed.peak_power_w) == (11000.0, 7400.0)
    assert full.ended is not None
    together = started[departed.transaction_id] < full.ended  # ~27 simulated minutes: nearly always
    assert report.peak_power_w == (18400.0 if together else 11000.0)
    assert report.delivered_wh == pytest.approx(full.delivered_wh + departed.delivered_wh)
    stops = {e.args[2]: e.args[4] for e in harness.events.named("transaction_stopped")}
    assert stops == pytest.approx(
        {full.transaction_id: 5000.0, departed.transaction_id: departed.delivered_wh}, abs=0.1
    )
    assert len(harness.events.named("station_disconnected")) == 2


async def test_wrong_password_fails_the_run(harness: Harness) -> None:
    spec = StationSpec("PW-1.6", "1.6", password=PASSWORD + "!")
    with pytest.raises(InvalidStatus):
        await asyncio.wait_for(run_simulation(harness.config((spec,), ())), 5)

"""After its boot the gateway asks a station for its inventory; the EVSEs/connectors reach the events."""

from __future__ import annotations

from typing import Any

import pytest

from fera.ocpp._inventory import inventory
from fera.ocpp.simulator import StationSpec
from tests.integration.ocpp.conftest import VERSIONS
from tests.integration.ocpp.harness import Harness


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_booted_station_reports_its_evses(harness: Harness, version: str) -> None:
    spec = StationSpec(f"OPEN-{version}", version, connectors=3)
    harness.simulate((spec,), ())  # no EVs: the station boots, reports its connectors available, waits

    reported = await harness.events.wait("evses_reported", lambda e: e.args[0] == spec.station_id)

    assert reported.args[1] == [(1, 1), (2, 1), (3, 1)]  # 1.6: NumberOfConnectors; 2.0.1: NotifyReport


async def test_a_silent_station_reports_nothing_and_still_charges(harness: Harness) -> None:
    spec = StationSpec("SILENT-1.6", "1.6", connectors=1, silent=True)
    await harness.started(spec)  # GetConfiguration went unanswered: the station works on
    assert harness.events.named("evses_reported") == []


def test_notify_report_components_become_evse_connector_pairs() -> None:
    report: list[dict[str, Any]] = [
        {"component": {"name": "EVSE", "evse": {"id": 2}}, "variable": {"name": "AvailabilityState"}},
        {"component": {"name": "Connector", "evse": {"id": 1, "connector_id": 2}}, "variable": {"name": "X"}},
        {"component": {"name": "ChargingStation"}, "variable": {"name": "Model"}},
        {"component": {"name": "Connector", "evse": {"id": "bad"}}, "variable": {"name": "X"}},
    ]
    assert inventory(report) == [(1, 2), (2, 1)]

"""After its boot the gateway asks a station for its inventory; the EVSEs/connectors reach the events."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from fera.ocpp._inventory import availability, inventory
from fera.ocpp.simulator import StationSpec
from tests.integration.ocpp.conftest import VERSIONS
from tests.integration.ocpp.harness import WAIT_S, Harness


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


def test_notify_report_availability_is_the_evse_status() -> None:
    def state(name: str, evse: dict[str, int], value: str, type_: str | None = None) -> dict[str, Any]:
        attribute = {"value": value} | ({} if type_ is None else {"type": type_})
        return {
            "component": {"name": name, "evse": evse},
            "variable": {"name": "AvailabilityState"},
            "variable_attribute": [attribute],
        }

    report: list[dict[str, Any]] = [
        state("EVSE", {"id": 1}, "Faulted"),
        state("Connector", {"id": 1, "connector_id": 1}, "Available"),  # the EVSE's own state wins
        state("Connector", {"id": 2, "connector_id": 2}, "Occupied"),
        state("Connector", {"id": 2, "connector_id": 1}, "Unavailable"),  # an EVSE of connectors: the lowest
        state("EVSE", {"id": 3}, "Available", "Target"),  # not what the EVSE is
        {"component": {"name": "EVSE", "evse": {"id": 4}}, "variable": {"name": "Power"}},
    ]
    assert availability(report) == {1: (1, "Faulted"), 2: (1, "Unavailable")}


async def _call(ws: ClientConnection, action: str, payload: dict[str, Any]) -> list[Any]:
    await ws.send(json.dumps([2, action, action, payload]))
    async with asyncio.timeout(WAIT_S):
        return list(json.loads(await ws.recv()))


async def test_a_201_station_reports_its_evses_status_in_notify_report(harness: Harness) -> None:
    boot = {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}}
    faulted = {
        "component": {"name": "EVSE", "evse": {"id": 1}},
        "variable": {"name": "AvailabilityState"},
        "variableAttribute": [{"type": "Actual", "value": "Faulted"}],
    }
    async with connect(f"{harness.url}/OPEN-2.0.1", subprotocols=[Subprotocol("ocpp2.0.1")]) as ws:
        assert (await _call(ws, "BootNotification", boot))[2]["status"] == "Accepted"
        async with asyncio.timeout(WAIT_S):
            asked = json.loads(await ws.recv())
        assert asked[2] == "GetBaseReport" and asked[3]["reportBase"] == "FullInventory"
        await ws.send(json.dumps([3, asked[1], {"status": "Accepted"}]))
        report = {"requestId": asked[3]["requestId"], "generatedAt": "2025-06-01T08:00:00Z", "seqNo": 0}
        assert (await _call(ws, "NotifyReport", report | {"reportData": [faulted]}))[0] == 3

        status = await harness.events.wait("connector_status")

    assert status.args == ("OPEN-2.0.1", 1, 1, "OUTOFORDER")

"""The same conversation with a real gateway over websockets, once with the `ocpp` library's own
`_handle_call` and `call` and once with FERA's (`fera.ocpp._payloads`): the same frames, byte for byte."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from ocpp.charge_point import ChargePoint
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

import fera.ocpp.gateway
from fera.charging import ChargingProfileKind, ChargingProfilePurpose, OcppChargingProfile, SchedulePeriod
from fera.ocpp import OcppGateway
from fera.ocpp.v16 import StationV16
from fera.ocpp.v201 import StationV201
from tests.integration.ocpp.conftest import VERSIONS
from tests.integration.ocpp.harness import CALL_TIMEOUT_S, WAIT_S, RecordingEvents

CUSTOM = {"vendorId": "FERA", "someKey": [{"innerKey": 1.5, "socLimit": None}, "two", None], "x_y": {}}
PROFILE = OcppChargingProfile(
    id=3,
    stack_level=1,
    purpose=ChargingProfilePurpose.TX_DEFAULT,
    kind=ChargingProfileKind.ABSOLUTE,
    unit="W",
    periods=(SchedulePeriod(0, 7400.0), SchedulePeriod(900, 3700.0, 1)),
    min_charging_rate=1000.0,
)
STATION_CALLS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "1.6": [
        ("BootNotification", {"chargePointVendor": "V", "chargePointModel": "M", "firmwareVersion": "1"}),
        ("Heartbeat", {}),
        ("StatusNotification", {"connectorId": 1, "errorCode": "NoError", "status": "Preparing"}),
        ("Authorize", {"idTag": "TAG"}),
        (
            "StartTransaction",
            {"connectorId": 1, "idTag": "TAG", "meterStart": 10, "timestamp": "2025-06-01T08:00:00Z"},
        ),
        (
            "MeterValues",
            {
                "connectorId": 1,
                "transactionId": 42,
                "meterValue": [
                    {
                        "timestamp": "2025-06-01T08:01:00Z",
                        "sampledValue": [
                            {"value": "100", "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                            {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
                        ],
                    }
                ],
            },
        ),
    ],
    "2.0.1": [
        (
            "BootNotification",
            {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}, "customData": CUSTOM},
        ),
        ("Heartbeat", {"customData": CUSTOM}),
        (
            "StatusNotification",
            {
                "timestamp": "2025-06-01T08:00:00Z",
                "connectorStatus": "Occupied",
                "evseId": 1,
                "connectorId": 1,
            },
        ),
        ("Authorize", {"idToken": {"idToken": "TAG", "type": "ISO14443", "customData": CUSTOM}}),
        (
            "TransactionEvent",
            {
                "eventType": "Started",
                "timestamp": "2025-06-01T08:00:00Z",
                "triggerReason": "Authorized",
                "seqNo": 0,
                "transactionInfo": {"transactionId": "tx-1", "customData": CUSTOM},
                "idToken": {"idToken": "TAG", "type": "ISO14443"},
                "evse": {"id": 1, "connectorId": 1},
                "meterValue": [
                    {
                        "timestamp": "2025-06-01T08:00:00Z",
                        "sampledValue": [{"value": 10.0, "measurand": "Energy.Active.Import.Register"}],
                    }
                ],
            },
        ),
        ("NotifyChargingLimit", {"chargingLimit": {"chargingLimitSource": "EMS"}, "customData": CUSTOM}),
    ],
}
# The station's answers to the gateway's calls, by action.
ANSWERS: dict[str, dict[str, dict[str, Any]]] = {
    "1.6": {
        "GetConfiguration": {
            "configurationKey": [{"key": "NumberOfConnectors", "readonly": True, "value": "1"}]
        },
        "SetChargingProfile": {"status": "Accepted"},
        "ClearChargingProfile": {"status": "Accepted"},
        "GetCompositeSchedule": {
            "status": "Accepted",
            "connectorId": 1,
            "scheduleStart": "2025-06-01T08:00:00Z",
            "chargingSchedule": {
                "chargingRateUnit": "W",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400.0, "numberPhases": 3}],
            },
        },
    },
    "2.0.1": {
        "GetBaseReport": {"status": "Accepted", "customData": CUSTOM},
        "SetChargingProfile": {
            "status": "Accepted",
            "statusInfo": {"reasonCode": "OK", "customData": CUSTOM},
        },
        "ClearChargingProfile": {"status": "Accepted"},
        "GetCompositeSchedule": {
            "status": "Accepted",
            "schedule": {
                "evseId": 1,
                "duration": 3600,
                "scheduleStart": "2025-06-01T08:00:00Z",
                "chargingRateUnit": "W",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 7400.0, "customData": CUSTOM}],
            },
        },
    },
}
TIME = re.compile(r'"currentTime":"[^"]+"')


class _LibraryV16(StationV16):
    _handle_call = ChargePoint._handle_call
    call = ChargePoint.call


class _LibraryV201(StationV201):
    _handle_call = ChargePoint._handle_call
    call = ChargePoint.call


class Conversation:
    """The frames of one station's session, gateway calls answered from ANSWERS; ids and clocks masked."""

    def __init__(self, ws: ClientConnection, version: str) -> None:
        self.ws, self.version, self.frames = ws, version, list[str]()

    def _record(self, frame: str) -> None:
        self.frames.append(TIME.sub('"currentTime":"T"', frame))

    async def _answer_calls(self, until: str) -> list[Any]:
        """Answer the gateway's calls until a frame answering `until` (a CALL id of ours) arrives."""
        async with asyncio.timeout(WAIT_S):
            while True:
                raw = str(await self.ws.recv())
                frame = json.loads(raw)
                if frame[0] != 2:
                    self._record(raw)
                    if frame[1] == until:
                        return list(frame)
                    continue
                self._record(raw.replace(frame[1], "ID"))
                await self.ws.send(json.dumps([3, frame[1], ANSWERS[self.version][frame[2]]]))

    async def station_calls(self) -> None:
        for n, (action, payload) in enumerate(STATION_CALLS[self.version]):
            frame = json.dumps([2, f"s{n}", action, payload])
            self._record(frame)
            await self.ws.send(frame)
            await self._answer_calls(f"s{n}")

    async def command(self, run: Awaitable[Any]) -> Any:
        task = asyncio.ensure_future(run)
        async with asyncio.timeout(WAIT_S):
            while not task.done():
                receiving = asyncio.ensure_future(self.ws.recv())
                await asyncio.wait((task, receiving), return_when="FIRST_COMPLETED")
                if receiving.done():
                    raw = str(receiving.result())
                    frame = json.loads(raw)
                    self._record(raw.replace(frame[1], "ID"))
                    await self.ws.send(json.dumps([3, frame[1], ANSWERS[self.version][frame[2]]]))
                else:
                    receiving.cancel()
            return task.result()


async def _session(version: str) -> tuple[list[str], list[Any]]:
    """The frames, then the commands' results and the events the handlers reported."""
    events = RecordingEvents()
    station_id = f"W-{version}"
    gateway = OcppGateway(events, {station_id: None}, CALL_TIMEOUT_S, new_transaction_id=lambda: 42)
    port = await gateway.start("127.0.0.1", 0)
    try:
        url = f"ws://127.0.0.1:{port}/ocpp/{station_id}"
        async with connect(url, subprotocols=[Subprotocol(f"ocpp{version}")]) as ws:
            talk = Conversation(ws, version)
            await talk.station_calls()
            tx_id = "42" if version == "1.6" else "tx-1"
            commands: list[Callable[[], Awaitable[Any]]] = [
                lambda: gateway.set_tx_profile(station_id, 1, tx_id, PROFILE),
                lambda: gateway.set_default_profile(station_id, PROFILE),
                lambda: gateway.clear_tx_profile(station_id, 1, tx_id),
                lambda: gateway.get_composite_schedule(station_id, 1, 3600, "W"),
            ]
            results = [await talk.command(c()) for c in commands]
            return talk.frames, [*results, *events.events]
    finally:
        await gateway.stop()


@pytest.mark.parametrize("version", VERSIONS)
async def test_the_frames_are_the_librarys(version: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ours, our_results = await _session(version)
    monkeypatch.setattr(fera.ocpp.gateway, "StationV16", _LibraryV16)
    monkeypatch.setattr(fera.ocpp.gateway, "StationV201", _LibraryV201)
    library, library_results = await _session(version)
    assert ours == library
    assert our_results == library_results
    # Not vacuous: every call answered with a result, the profile sent in the wire's names.
    assert len(ours) == 2 * len(STATION_CALLS[version]) + 1 + 4  # our answers to its calls unrecorded
    assert not any(json.loads(f)[0] == 4 for f in ours)
    profile_call = next(json.loads(f) for f in ours if '"SetChargingProfile"' in f)
    key = "csChargingProfiles" if version == "1.6" else "chargingProfile"
    schedule = profile_call[3][key]["chargingSchedule"]
    schedule = schedule if version == "1.6" else schedule[0]
    assert schedule["chargingSchedulePeriod"] == [
        {"startPeriod": 0, "limit": 7400.0},
        {"startPeriod": 900, "limit": 3700.0, "numberPhases": 1},
    ]
    assert schedule["minChargingRate"] == 1000.0

"""Hostile OCPP frames against a real CPO node's gateway: well-formed frames with impossible values (NaN,
Infinity, 1e309, huge multipliers, negative or absurd meters, timestamps that don't parse or overflow, ids
beyond 32 bits, unknown transactions and connectors). Each is answered under its MessageId: a CALLERROR
PropertyConstraintViolation for a value FERA can't take, else a CALLRESULT; the station keeps being served,
nothing is logged with a traceback, and every session the CPO keeps has finite, non-negative numbers."""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from fera.config import StationConfig
from fera.cpo import cpo_of
from fera.store.records import Visibility, Window
from tests.integration.chargingprofiles.setup import location
from tests.nodes import NodeFactory, RunningNode, role

WAIT_S = 20.0
NOW = "2030-01-01T07:00:00Z"
BAD_TIMES = ("yesterday", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2030-13-45T99:99:99Z")
BAD_VALUES = ("NaN", "Infinity", "-Infinity", "1e309", "-5", "abc", "1" * 400)


def _meter_16(value: str, timestamp: str = NOW) -> dict[str, Any]:
    sample = {"value": value, "measurand": "Energy.Active.Import.Register", "unit": "Wh"}
    return {"timestamp": timestamp, "sampledValue": [sample]}


def _start_16(
    mid: str, timestamp: str = NOW, meter: int = 0, connector: int = 2, tag: str = "T"
) -> list[Any]:
    payload = {"connectorId": connector, "idTag": tag, "meterStart": meter, "timestamp": timestamp}
    return [2, mid, "StartTransaction", payload]


def _values_16(mid: str, tx: int | None, *meter: dict[str, Any], connector: int = 1) -> list[Any]:
    payload: dict[str, Any] = {"connectorId": connector, "meterValue": list(meter)}
    return [2, mid, "MeterValues", payload if tx is None else payload | {"transactionId": tx}]


def _stop_16(mid: str, tx: int, timestamp: str = NOW, meter: int = 5) -> list[Any]:
    return [2, mid, "StopTransaction", {"meterStop": meter, "timestamp": timestamp, "transactionId": tx}]


def frames_16(tx: int) -> tuple[list[list[Any]], list[list[Any]]]:
    """(frames FERA must refuse with PropertyConstraintViolation, frames it answers as usual)."""
    kwh = {"timestamp": NOW, "sampledValue": [{"value": "1e306", "unit": "kWh"}]}
    # MessageIds by position: OCPP-J caps them at 36 characters, more than some bad values have
    refused = [_start_16(f"x-st-{i}", t) for i, t in enumerate(BAD_TIMES)]
    refused += [_values_16(f"x-mv-t{i}", tx, _meter_16("5", t)) for i, t in enumerate(BAD_TIMES)]
    refused += [_values_16(f"x-mv-v{i}", tx, _meter_16(v)) for i, v in enumerate(BAD_VALUES)]
    refused += [_values_16("x-mv-kwh", tx, kwh), _start_16("x-st-huge", meter=2**63, tag="ß☃𝄞")]
    refused += [_start_16("x-st-neg", meter=-(2**40)), _start_16("x-st-connector", connector=2**31)]
    refused += [_stop_16("x-stop-time", tx, "yesterday"), _stop_16("x-stop-huge", tx, meter=2**62)]
    status = {"connectorId": 2**31, "errorCode": "NoError", "status": "Available"}
    refused.append([2, "x-sn-connector", "StatusNotification", status])
    answered = [_values_16("mv-unknown-tx", 999999, _meter_16("5"))]
    answered += [_values_16("mv-connector", None, _meter_16("5"), connector=99999)]
    answered += [_stop_16("stop-unknown", 424242)]
    return refused, answered


def _event_201(mid: str, kind: str, ts: str, tx: str, value: Any = 0, multiplier: int = 0) -> list[Any]:
    unit = {"unit": "Wh", "multiplier": multiplier}
    sample = {"value": value, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": unit}
    return [2, mid, "TransactionEvent", {
        "eventType": kind, "timestamp": ts, "triggerReason": "Authorized", "seqNo": 0,
        "transactionInfo": {"transactionId": tx}, "evse": {"id": 1, "connectorId": 1},
        "idToken": {"idToken": "T", "type": "ISO14443"},
        "meterValue": [{"timestamp": ts, "sampledValue": [sample]}],
    }]  # fmt: skip


def frames_201() -> tuple[list[list[Any]], list[list[Any]]]:
    refused = [_event_201(f"x-te-start-{i}", "Started", t, f"TX-{t[:4]}") for i, t in enumerate(BAD_TIMES)]
    refused += [_event_201(f"x-te-up-{v}", "Updated", NOW, "TX-OK", v) for v in (1e308, -5)]
    refused += [_event_201("x-te-mult", "Updated", NOW, "TX-OK", 1, 99)]
    refused += [_event_201("x-te-end-time", "Ended", "yesterday", "TX-OK", 5)]
    status = {"timestamp": NOW, "connectorStatus": "Available", "evseId": 2**31, "connectorId": 1}
    refused.append([2, "x-sn-evse", "StatusNotification", status])
    reading = {"timestamp": "yesterday", "sampledValue": [{"value": 1}]}
    refused.append([2, "x-mv-time", "MeterValues", {"evseId": 1, "meterValue": [reading]}])
    answered = [
        _event_201("te-start", "Started", NOW, "TX-OK"),
        _event_201("te-mult", "Updated", NOW, "TX-OK", 1, 3),
    ]
    answered += [_event_201("te-unknown", "Updated", NOW, "TX-NOBODY", 5)]
    return refused, answered


BOOT: dict[str, dict[str, Any]] = {
    "1.6": {"chargePointVendor": "V", "chargePointModel": "M"},
    "2.0.1": {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}},
}


@pytest.fixture
async def cpo(node_factory: NodeFactory) -> AsyncIterator[RunningNode]:
    evses = [{"ocpp_id": 1, "evse_uid": "LOC1-E1"}, {"ocpp_id": 2, "evse_uid": "LOC1-E2"}]
    stations = [
        StationConfig.model_validate({"id": f"H{v}", "location": "LOC1", "evses": evses})
        for v in ("16", "201")
    ]
    node = await node_factory(
        role("CPO", party="CPO"), name="cpo", ocpp_listen="127.0.0.1:0", stations=stations
    )
    await cpo_of(node.node).locations.put_location(location("LOC1", evses=2))
    yield node


async def call(ws: ClientConnection, frame: list[Any]) -> list[Any]:
    await ws.send(json.dumps(frame))
    async with asyncio.timeout(WAIT_S):
        while True:  # the gateway's own CALLs (GetConfiguration, profiles) are answered and skipped
            reply = json.loads(await ws.recv())
            if reply[0] == 2:
                await ws.send(json.dumps([3, reply[1], {"status": "Rejected", "configurationKey": []}]))
                continue
            return list(reply)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_hostile_frames_are_answered_and_leave_sane_sessions(
    cpo: RunningNode, version: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stations = cpo_of(cpo.node).stations
    assert stations is not None
    station = "H16" if version == "1.6" else "H201"
    protocol = Subprotocol("ocpp1.6" if version == "1.6" else "ocpp2.0.1")
    answers: list[tuple[Any, ...]] = []
    async with connect(f"{stations.url}/{station}", subprotocols=[protocol]) as ws:
        assert (await call(ws, [2, "boot", "BootNotification", BOOT[version]]))[0] == 3
        refused, answered = frames_201()
        if version == "1.6":
            started = await call(ws, _start_16("start", connector=1))
            refused, answered = frames_16(started[2]["transactionId"])
        for frame in [*refused, *answered]:
            reply = await call(ws, frame)
            answers.append((frame[1], reply[0], reply[1], reply[2] if reply[0] == 4 else None))
        assert (await call(ws, [2, "hb", "Heartbeat", {}]))[:2] == [3, "hb"]
    must_refuse = {frame[1] for frame in refused}
    expected = [
        (mid, 4, mid, "PropertyConstraintViolation") if mid in must_refuse else (mid, 3, mid, None)
        for mid, *_ in answers
    ]
    assert answers == expected
    traced = [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert traced == []
    async with cpo.node.database.unit_of_work() as uow:
        sessions = (await uow.sessions.page(None, Visibility(all_locations=True), Window(0, 1000))).items
    numbers = [(s.id, s.kwh) for s in sessions] + [
        (s.id, d.volume) for s in sessions for p in s.charging_periods or [] for d in p.dimensions
    ]
    assert [(sid, n) for sid, n in numbers if not math.isfinite(n) or n < 0] == []

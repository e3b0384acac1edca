"""Malformed frames from a station over real websockets: the right CALLERROR or a clean close, no trace."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError
from websockets.typing import Subprotocol

from fera.ocpp.gateway import MAX_FRAME_BYTES
from tests.integration.ocpp.conftest import VERSIONS
from tests.integration.ocpp.harness import WAIT_S, Harness

pytestmark = [pytest.mark.parametrize("version", VERSIONS), pytest.mark.usefixtures("no_traceback")]
HEARTBEAT = '[2,"hb","Heartbeat",{}]'
# Each version's name for a fault (OCPP-J 1.6 has no RpcFrameworkError nor MessageTypeNotSupported).
CODES = {
    "1.6": {"rpc": "FormationViolation", "format": "FormationViolation", "type": "FormationViolation"},
    "2.0.1": {"rpc": "RpcFrameworkError", "format": "FormatViolation", "type": "MessageTypeNotSupported"},
}
BOOT: dict[str, dict[str, Any]] = {
    "1.6": {"chargePointVendor": "V", "chargePointModel": "M"},
    "2.0.1": {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}},
}
UNHANDLED = {"1.6": "DiagnosticsStatusNotification", "2.0.1": "SecurityEventNotification"}


@pytest.fixture
async def station(harness: Harness, version: str) -> AsyncIterator[ClientConnection]:
    subprotocol = Subprotocol("ocpp1.6" if version == "1.6" else "ocpp2.0.1")
    async with connect(f"{harness.url}/OPEN-{version}", subprotocols=[subprotocol]) as ws:
        yield ws


async def answer(ws: ClientConnection, frame: str | bytes) -> list[Any]:
    await ws.send(frame)
    async with asyncio.timeout(WAIT_S):
        return list(json.loads(await ws.recv()))


async def still_serves(ws: ClientConnection) -> None:
    reply = await answer(ws, HEARTBEAT)
    assert reply[:2] == [3, "hb"] and "currentTime" in reply[2]


def error(reply: list[Any]) -> tuple[Any, ...]:
    """(type, id, code) of a CALLERROR; its description is a string and its details an object."""
    assert len(reply) == 5 and isinstance(reply[3], str) and isinstance(reply[4], dict)
    return tuple(reply[:3])


async def test_invalid_json_is_answered_with_id_minus_one(station: ClientConnection, version: str) -> None:
    assert error(await answer(station, "[2, 'x'")) == (4, "-1", CODES[version]["rpc"])
    await still_serves(station)


async def test_deeply_nested_json(station: ClientConnection, version: str) -> None:
    nested = "[" * 100_000 + "]" * 100_000
    assert error(await answer(station, nested)) == (4, "-1", CODES[version]["rpc"])
    await still_serves(station)


@pytest.mark.parametrize("frame", ['{"a": 1}', "[]", '"text"', "[2]", '[2, 17, "Heartbeat", {}]'])
async def test_no_array_or_no_message_id(station: ClientConnection, version: str, frame: str) -> None:
    assert error(await answer(station, frame)) == (4, "-1", CODES[version]["rpc"])
    await still_serves(station)


async def test_call_with_missing_elements(station: ClientConnection, version: str) -> None:
    assert error(await answer(station, '[2,"m1","Heartbeat"]')) == (4, "m1", CODES[version]["rpc"])
    await still_serves(station)


async def test_message_id_over_36_characters(station: ClientConnection, version: str) -> None:
    long_id = "m" * 37
    refused = await answer(station, f'[2,"{long_id}","Heartbeat",{{}}]')
    assert error(refused) == (4, long_id, CODES[version]["rpc"])
    assert (await answer(station, f'[2,"{long_id[:36]}","Heartbeat",{{}}]'))[:2] == [3, long_id[:36]]


async def test_unknown_message_type(station: ClientConnection, version: str) -> None:
    assert error(await answer(station, '[5,"m2","Heartbeat",{}]')) == (4, "m2", CODES[version]["type"])
    await still_serves(station)


async def test_unknown_action_is_not_implemented(station: ClientConnection, version: str) -> None:
    assert error(await answer(station, '[2,"m3","Teleport",{}]')) == (4, "m3", "NotImplemented")


async def test_known_unhandled_action_is_not_supported(station: ClientConnection, version: str) -> None:
    frame = json.dumps([2, "m4", UNHANDLED[version], {}])
    assert error(await answer(station, frame)) == (4, "m4", "NotSupported")


async def test_payload_failing_the_schema(station: ClientConnection, version: str) -> None:
    extra = json.dumps([2, "m5", "BootNotification", {**BOOT[version], "colour": "red"}])
    assert error(await answer(station, extra)) == (4, "m5", CODES[version]["format"])
    missing = json.dumps([2, "m6", "BootNotification", {}])
    assert error(await answer(station, missing)) == (4, "m6", "ProtocolError")
    wrong_type = json.dumps([2, "m7", "Heartbeat", []])
    assert error(await answer(station, wrong_type)) == (4, "m7", "TypeConstraintViolation")
    await still_serves(station)


async def test_malformed_answer_is_dropped(station: ClientConnection, version: str) -> None:
    await station.send('[3,"nobody-asked"]')
    await still_serves(station)  # nothing came back for the bad answer: the next reply is the heartbeat's


async def test_binary_frame_of_utf8_is_read_as_text(station: ClientConnection, version: str) -> None:
    reply = await answer(station, HEARTBEAT.encode())
    assert reply[:2] == [3, "hb"]


@pytest.mark.parametrize("text", [True, False], ids=["text", "binary"])
async def test_invalid_utf8_closes_with_1007(station: ClientConnection, version: str, text: bool) -> None:
    await station.send(b'[2,"m8","Heartbeat",{"x":"\xff\xfe"}]', text=text)
    with pytest.raises(ConnectionClosedError) as closed:
        async with asyncio.timeout(WAIT_S):
            await station.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1007


async def test_oversized_frame_closes_with_1009(station: ClientConnection, version: str) -> None:
    frame = json.dumps([2, "m9", "DataTransfer", {"vendorId": "V", "data": "x" * MAX_FRAME_BYTES}])
    await station.send(frame)
    with pytest.raises(ConnectionClosedError) as closed:
        async with asyncio.timeout(WAIT_S):
            await station.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009

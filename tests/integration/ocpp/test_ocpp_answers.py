"""A station's answers to the gateway's calls are checked against the OCPP schemas as they arrive (the
gateway's own calls skip the library's check, `fera.ocpp._edge`): a well-formed answer counts, one that
fails the schema is a failed command, and the calls the gateway builds still pass the schemas."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ocpp.messages import Call, validate_payload
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from fera.charging import ChargingProfileKind, ChargingProfilePurpose, OcppChargingProfile, SchedulePeriod
from fera.ocpp import ProfileResult
from tests.integration.ocpp.conftest import VERSIONS
from tests.integration.ocpp.harness import WAIT_S, Harness

pytestmark = pytest.mark.parametrize("version", VERSIONS)
BOOT: dict[str, dict[str, Any]] = {
    "1.6": {"chargePointVendor": "V", "chargePointModel": "M"},
    "2.0.1": {"reason": "PowerUp", "chargingStation": {"vendorName": "V", "model": "M"}},
}
# Accepted, but not by the schema: unchecked, each would count as ACCEPTED or break the command.
FAILING: dict[str, list[dict[str, Any]]] = {
    "1.6": [{"status": "Accepted", "colour": "red"}, {}],
    "2.0.1": [
        {"status": "Accepted", "colour": "red"},
        {"status": "Accepted", "statusInfo": {"reasonCode": 5}},
    ],
}
DEFAULT = OcppChargingProfile(
    id=3,
    stack_level=0,
    purpose=ChargingProfilePurpose.TX_DEFAULT,
    kind=ChargingProfileKind.ABSOLUTE,
    unit="A",
    periods=(SchedulePeriod(0, 13.3),),
)


@pytest.fixture
async def station(harness: Harness, version: str) -> AsyncIterator[ClientConnection]:
    """OPEN-{version}, booted (its BootNotification answered)."""
    subprotocol = Subprotocol("ocpp1.6" if version == "1.6" else "ocpp2.0.1")
    async with connect(f"{harness.url}/OPEN-{version}", subprotocols=[subprotocol]) as ws:
        await ws.send(json.dumps([2, "boot", "BootNotification", BOOT[version]]))
        async with asyncio.timeout(WAIT_S):
            while json.loads(await ws.recv())[:2] != [3, "boot"]:
                pass
        yield ws


async def _answer_profile(ws: ClientConnection, version: str, payload: dict[str, Any]) -> None:
    """Wait for the gateway's SetChargingProfile (its inventory question refused on the way), check it
    against the schema as the station would, and answer it with `payload`."""
    async with asyncio.timeout(WAIT_S):
        while True:
            kind, unique_id, action, body = json.loads(await ws.recv())
            assert kind == 2
            if action == "SetChargingProfile":
                await validate_payload(Call(unique_id, action, body), version)
                await ws.send(json.dumps([3, unique_id, payload]))
                return
            await ws.send(json.dumps([4, unique_id, "NotSupported", "", {}]))


async def _set_default(harness: Harness, ws: ClientConnection, version: str, answer: dict[str, Any]) -> Any:
    setting = asyncio.create_task(harness.gateway.set_default_profile(f"OPEN-{version}", DEFAULT))
    await _answer_profile(ws, version, answer)
    async with asyncio.timeout(WAIT_S):
        return await setting


async def test_a_valid_answer_counts(harness: Harness, station: ClientConnection, version: str) -> None:
    assert await _set_default(harness, station, version, {"status": "Accepted"}) is ProfileResult.ACCEPTED


async def test_an_answer_failing_the_schema_is_a_failed_command(
    harness: Harness, station: ClientConnection, version: str
) -> None:
    for wrong in FAILING[version]:
        assert await _set_default(harness, station, version, wrong) is ProfileResult.REJECTED
    # the station is served on: its next, valid answer counts
    assert await _set_default(harness, station, version, {"status": "Accepted"}) is ProfileResult.ACCEPTED

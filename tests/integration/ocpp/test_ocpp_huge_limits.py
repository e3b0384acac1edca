"""A profile limit no Decimal can check (1e300, NaN) over real websockets: a CALLERROR or a failed command,
never silence, a hang or a dropped connection; on the gateway's side and on a simulated station's."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from fera.ocpp import CompositeSchedule
from fera.ocpp.simulator import SimClock, StationSpec
from fera.ocpp.simulator.station import StationModel
from fera.ocpp.simulator.v16 import SimStationV16
from fera.ocpp.simulator.v201 import SimStationV201
from tests.integration.ocpp.conftest import VERSIONS
from tests.integration.ocpp.harness import WAIT_S, Harness

# As a station or a CSMS writes them: Python's `json` reads NaN and Infinity, so the library meets them too.
HUGE = ["1e300", "-1e300", "1e27", "1000000000000000000000000000000", "NaN", "Infinity"]
START = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("no_traceback")


async def reply(ws: ClientConnection | ServerConnection, frame: str) -> list[Any]:
    await ws.send(frame)
    async with asyncio.timeout(WAIT_S):
        return list(json.loads(await ws.recv()))


def composite_answer(version: str, unique_id: str, limit: str) -> str:
    period = f'{{"startPeriod":0,"limit":{limit}}}'
    if version == "1.6":
        schedule = f'"chargingSchedule":{{"chargingRateUnit":"W","chargingSchedulePeriod":[{period}]}}'
        payload = f'{{"status":"Accepted","connectorId":1,"scheduleStart":"2025-06-01T08:00:00Z",{schedule}}}'
    else:
        schedule = (
            '{"evseId":1,"duration":3600,"scheduleStart":"2025-06-01T08:00:00Z",'
            f'"chargingRateUnit":"W","chargingSchedulePeriod":[{period}]}}'
        )
        payload = f'{{"status":"Accepted","schedule":{schedule}}}'
    return f'[3,"{unique_id}",{payload}]'


@pytest.mark.parametrize("limit", HUGE)
async def test_the_gateway_fails_a_16_composite_it_cannot_check(
    harness: Harness, limit: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Before, the library's Decimal check raised out of the gateway's routing: the connection dropped."""
    async with connect(f"{harness.url}/OPEN-1.6", subprotocols=[Subprotocol("ocpp1.6")]) as ws:
        assert (await reply(ws, '[2,"hb","Heartbeat",{}]'))[:2] == [3, "hb"]  # the link is up
        command = asyncio.create_task(harness.gateway.get_composite_schedule("OPEN-1.6", 1, 3600, "W"))
        async with asyncio.timeout(WAIT_S):
            request = json.loads(await ws.recv())
        assert request[:3] == [2, request[1], "GetCompositeSchedule"]
        await ws.send(composite_answer("1.6", request[1], limit))
        async with asyncio.timeout(WAIT_S):  # well within the gateway's call timeout: no wait for it
            assert await command is None
        assert (await reply(ws, '[2,"hb2","Heartbeat",{}]'))[:2] == [3, "hb2"]
    assert any("PropertyConstraintViolation" in r.getMessage() for r in caplog.records)


# 1.6: what its Decimal check lets through (below 1e27).
OUT_OF_RANGE = [("2.0.1", x) for x in ("1e300", "-1e300", "NaN", "Infinity", "-1", "1000000001")]
OUT_OF_RANGE += [("1.6", x) for x in ("1e20", "-1")]


async def composite_of(harness: Harness, version: str, limit: str) -> CompositeSchedule | None:
    """What the gateway makes of a station's composite answer with that limit; the link must stay up."""
    station = f"OPEN-{version}"
    async with connect(f"{harness.url}/{station}", subprotocols=[Subprotocol(f"ocpp{version}")]) as ws:
        assert (await reply(ws, '[2,"hb","Heartbeat",{}]'))[:2] == [3, "hb"]
        command = asyncio.create_task(harness.gateway.get_composite_schedule(station, 1, 3600, "W"))
        async with asyncio.timeout(WAIT_S):
            request = json.loads(await ws.recv())
        await ws.send(composite_answer(version, request[1], limit))
        async with asyncio.timeout(WAIT_S):  # well within the gateway's call timeout: no wait for it
            composite = await command
        assert (await reply(ws, '[2,"hb2","Heartbeat",{}]'))[:2] == [3, "hb2"]
    return composite


@pytest.mark.parametrize(("version", "limit"), OUT_OF_RANGE)
async def test_the_gateway_fails_a_composite_whose_limit_no_sender_could_take(
    harness: Harness, version: str, limit: str, caplog: pytest.LogCaptureFixture
) -> None:
    """OCPI's limit is a number from 0 to 1e9: a station's composite beyond it fails the command (as a
    CALLERROR would), where it reached the CPO and broke the ActiveChargingProfile made of it."""
    assert await composite_of(harness, version, limit) is None
    assert any("composite schedule limit" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("version", VERSIONS)
async def test_the_gateway_reads_a_composite_at_the_bound(harness: Harness, version: str) -> None:
    composite = await composite_of(harness, version, "1000000000")
    assert composite is not None and composite.periods[0].limit == 1e9


@pytest.fixture
async def csms() -> AsyncIterator[tuple[str, asyncio.Queue[ServerConnection]]]:
    """A bare CSMS on 127.0.0.1: the test speaks for it, frame by frame."""
    joined: asyncio.Queue[ServerConnection] = asyncio.Queue()
    done = asyncio.Event()

    async def handle(connection: ServerConnection) -> None:
        joined.put_nowait(connection)
        await done.wait()

    subprotocols = [Subprotocol("ocpp1.6"), Subprotocol("ocpp2.0.1")]
    async with serve(handle, "127.0.0.1", 0, subprotocols=subprotocols) as server:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/ocpp/SIM", joined
        done.set()


def set_profile(version: str, limit: str) -> str:
    period = f'{{"startPeriod":0,"limit":{limit}}}'
    schedule = f'"chargingRateUnit":"W","chargingSchedulePeriod":[{period}]'
    common = '"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile","chargingProfileKind":"Relative"'
    if version == "1.6":
        profile = f'{{"chargingProfileId":1,{common},"chargingSchedule":{{{schedule}}}}}'
        return f'[2,"sp","SetChargingProfile",{{"connectorId":0,"csChargingProfiles":{profile}}}]'
    profile = f'{{"id":1,{common},"chargingSchedule":[{{"id":1,{schedule}}}]}}'
    return f'[2,"sp","SetChargingProfile",{{"evseId":0,"chargingProfile":{profile}}}]'


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("limit", HUGE)
async def test_a_simulated_station_answers_a_limit_it_cannot_check(
    csms: tuple[str, asyncio.Queue[ServerConnection]], version: str, limit: str
) -> None:
    """1.6: PropertyConstraintViolation (before, the station's reading task died: no answer, ever again).
    2.0.1 reads the number as it is (no Decimal check) and answers as its profile rules say."""
    url, joined = csms
    subprotocol = Subprotocol(f"ocpp{version}")
    async with connect(url, subprotocols=[subprotocol]) as ws:
        model = StationModel(StationSpec("SIM", version), SimClock(START, 60.0))
        station = (SimStationV16 if version == "1.6" else SimStationV201)(model, ws, WAIT_S)
        reading = asyncio.create_task(station.start())
        try:
            gateway = await joined.get()
            answer = await reply(gateway, set_profile(version, limit))
            if version == "1.6":
                assert answer[:3] == [4, "sp", "PropertyConstraintViolation"]
                cause = "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit"
                assert answer[4] == {"cause": f"{cause}: expected a finite number of magnitude below 1e27"}
            else:
                assert answer[:2] == [3, "sp"] and answer[2]["status"] in ("Accepted", "Rejected")
            configuration = '[2,"gc","GetConfiguration",{"key":["NumberOfConnectors"]}]'
            if version == "1.6":  # still reading
                assert (await reply(gateway, configuration))[:2] == [3, "gc"]
        finally:
            reading.cancel()

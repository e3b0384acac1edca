"""Simulated stations of both OCPP versions against the gateway, over real websockets on loopback."""

from __future__ import annotations

import asyncio
import base64
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus
from websockets.typing import Subprotocol

from fera.charging import ChargingProfileKind, ChargingProfilePurpose, OcppChargingProfile, SchedulePeriod
from fera.ocpp import OcppGateway, ProfileResult
from fera.ocpp.simulator import StationSpec
from tests.integration.ocpp.conftest import PASSWORD, VERSIONS
from tests.integration.ocpp.harness import (
    CALL_TIMEOUT_S,
    SHORT_CALL_TIMEOUT_S,
    START,
    WAIT_S,
    Event,
    Harness,
    RecordingEvents,
)
from tests.integration.ocpp.roaming import RoamingStation

pytestmark = pytest.mark.parametrize("version", VERSIONS)


def limit(watts: float) -> OcppChargingProfile:
    return OcppChargingProfile(
        id=7,
        stack_level=5,
        purpose=ChargingProfilePurpose.TX,
        kind=ChargingProfileKind.RELATIVE,
        unit="W",
        periods=(SchedulePeriod(0, watts),),
    )


def power_of(event: Event) -> float:
    power = event.args[5]
    assert isinstance(power, float)
    return power


async def test_transaction_start_reaches_the_events(harness: Harness, version: str) -> None:
    spec = StationSpec(f"PW-{version}", version, connectors=1, password=PASSWORD)
    started = await harness.started(spec)
    station_id, evse_id, connector_id, tx_id, token, meter_start, timestamp = started.args
    assert (station_id, evse_id, connector_id, meter_start) == (spec.station_id, 1, 1, 0.0)
    assert tx_id and token == "SIM000000" and timestamp >= START
    assert harness.events.named("station_connected")[0].args == (
        spec.station_id,
        version,
        "FERA",
        "Simulator",
    )
    statuses = [e.args[3] for e in harness.events.named("connector_status")]
    # 2.0.1 reports AVAILABLE twice (its inventory's AvailabilityState, then StatusNotification)
    changes = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
    assert changes[:2] == ["AVAILABLE", "CHARGING"]
    assert harness.events.named("authorize")[0].args == (spec.station_id, token)
    assert harness.gateway.is_connected(spec.station_id)


async def test_tx_profile_limits_the_draw(harness: Harness, version: str) -> None:
    spec = StationSpec(f"OPEN-{version}", version, connectors=1)
    tx_id = (await harness.started(spec)).args[3]
    mark = len(harness.events.events)
    # 6.9 kW on three phases: 10 A each (under 6 A an AC car would stop, IEC 61851)
    result = await harness.gateway.set_tx_profile(spec.station_id, 1, tx_id, limit(6900.0))
    assert result is ProfileResult.ACCEPTED
    limited = await harness.events.wait("meter_values", lambda e: power_of(e) <= 6900.0, after=mark)
    later = await harness.events.wait("meter_values", after=harness.events.events.index(limited) + 1)
    assert power_of(limited) == power_of(later) == 6900.0


async def test_composite_schedule_is_the_stations(harness: Harness, version: str) -> None:
    spec = StationSpec(f"OPEN-{version}", version, connectors=1)
    tx_id = (await harness.started(spec)).args[3]
    assert (
        await harness.gateway.set_tx_profile(spec.station_id, 1, tx_id, limit(3700.0))
        is ProfileResult.ACCEPTED
    )
    watts = await harness.gateway.get_composite_schedule(spec.station_id, 1, 3600, "W")
    amps = await harness.gateway.get_composite_schedule(spec.station_id, 1, 3600, "A")
    assert watts is not None and amps is not None
    assert (watts.unit, watts.duration, [(p.start_period, p.limit) for p in watts.periods]) == (
        "W",
        3600,
        [(0, 3700.0)],
    )
    assert (amps.unit, [(p.start_period, p.limit) for p in amps.periods]) == (
        "A",
        [(0, 5.3)],
    )  # 3700 / 3 / 230
    assert watts.start >= START


async def test_clear_lifts_the_limit(harness: Harness, version: str) -> None:
    spec = StationSpec(f"OPEN-{version}", version, connectors=1)
    tx_id = (await harness.started(spec)).args[3]
    gateway = harness.gateway
    assert await gateway.set_tx_profile(spec.station_id, 1, tx_id, limit(3700.0)) is ProfileResult.ACCEPTED
    mark = len(harness.events.events)
    assert await gateway.clear_tx_profile(spec.station_id, 1, tx_id) is ProfileResult.ACCEPTED
    await harness.events.wait(
        "meter_values", lambda e: power_of(e) == 11000.0, after=mark
    )  # the EV's maximum
    composite = await gateway.get_composite_schedule(spec.station_id, 1, 600, "W")
    assert composite is not None and [p.limit for p in composite.periods] == [22000.0]  # the hardware maximum
    assert await gateway.clear_tx_profile(spec.station_id, 1, tx_id) is ProfileResult.UNKNOWN


async def test_rejecting_station_gives_rejected(harness: Harness, version: str) -> None:
    spec = StationSpec(f"REJECT-{version}", version, connectors=1, reject_profiles=True)
    tx_id = (await harness.started(spec)).args[3]
    assert (
        await harness.gateway.set_tx_profile(spec.station_id, 1, tx_id, limit(3700.0))
        is ProfileResult.REJECTED
    )


async def test_profile_for_another_transaction_is_refused(harness: Harness, version: str) -> None:
    spec = StationSpec(f"OPEN-{version}", version, connectors=1)
    await harness.started(spec)
    result = await harness.gateway.set_tx_profile(spec.station_id, 1, "123456789", limit(3700.0))
    assert result is ProfileResult.REJECTED


async def test_silent_station_times_out(version: str) -> None:
    events = RecordingEvents()
    gateway = OcppGateway(events, {f"SILENT-{version}": None}, call_timeout=SHORT_CALL_TIMEOUT_S)
    harness = Harness(events, gateway, await gateway.start())
    spec = StationSpec(f"SILENT-{version}", version, connectors=1, silent=True)
    try:
        tx_id = (await harness.started(spec)).args[3]
        began = time.monotonic()
        result = await gateway.set_tx_profile(spec.station_id, 1, tx_id, limit(3700.0))
        assert result is ProfileResult.REJECTED
        assert await gateway.get_composite_schedule(spec.station_id, 1, 600, "W") is None
        assert await gateway.clear_tx_profile(spec.station_id, 1, tx_id) is ProfileResult.REJECTED
        # Each call waited for the timeout (never less); the upper bound only says it did not hang.
        assert 3 * SHORT_CALL_TIMEOUT_S * 0.9 <= time.monotonic() - began < 3 * SHORT_CALL_TIMEOUT_S + WAIT_S
    finally:
        await harness.stop()


async def test_wrong_path_is_not_found(harness: Harness, version: str) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"ws://127.0.0.1:{harness.port}/elsewhere/OPEN-{version}")
    assert refused.value.response.status_code == 404


async def test_disconnected_station_answers_at_once(harness: Harness, version: str) -> None:
    spec = StationSpec(f"OPEN-{version}", version, connectors=1)
    tx_id = (await harness.started(spec)).args[3]
    harness.runs[-1].cancel()
    await harness.events.wait("station_disconnected")
    assert not harness.gateway.is_connected(spec.station_id)
    began = time.monotonic()
    assert (
        await harness.gateway.set_tx_profile(spec.station_id, 1, tx_id, limit(3700.0))
        is ProfileResult.REJECTED
    )
    assert await harness.gateway.clear_tx_profile(spec.station_id, 1, tx_id) is ProfileResult.REJECTED
    assert await harness.gateway.get_composite_schedule("NEVER-SEEN", 1, 600, "W") is None
    assert time.monotonic() - began < CALL_TIMEOUT_S / 2


async def test_disconnect_during_a_call_ends_it(version: str) -> None:
    """A station that drops the line mid-call yields REJECTED at once, not after the (long) call timeout."""
    events = RecordingEvents()
    gateway = OcppGateway(events, {f"SILENT-{version}": None}, call_timeout=60.0)
    harness = Harness(events, gateway, await gateway.start())
    try:
        spec = StationSpec(f"SILENT-{version}", version, connectors=1, silent=True)
        tx_id = (await harness.started(spec)).args[3]
        call = asyncio.create_task(gateway.set_tx_profile(spec.station_id, 1, tx_id, limit(3700.0)))
        harness.runs[-1].cancel()
        assert await asyncio.wait_for(call, WAIT_S) is ProfileResult.REJECTED
    finally:
        await harness.stop()


@pytest.mark.parametrize(
    ("station_id", "password"),
    [("NOBODY", None), ("PW-{v}", "wrong"), ("PW-{v}", None), ("NOBODY", "s3cret")],
)
async def test_unknown_station_or_wrong_password_is_refused(
    harness: Harness, version: str, station_id: str, password: str | None
) -> None:
    station_id = station_id.format(v=version)
    headers = {}
    if password is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{station_id}:{password}".encode()).decode()
    with pytest.raises(InvalidStatus) as refused:
        await connect(
            f"{harness.url}/{station_id}",
            subprotocols=[Subprotocol(f"ocpp{version}")],
            additional_headers=headers,
        )
    assert refused.value.response.status_code == 401
    assert harness.events.events == []


async def test_a_station_that_reconnects_mid_transaction_keeps_reporting_it(
    harness: Harness, version: str
) -> None:
    """Its meter values on the new connection (here, or at another gateway of the node) are reported: the
    transaction's start was reported on the old one."""
    station = RoamingStation(StationSpec(f"OPEN-{version}", version, connectors=1))
    try:
        await station.connect(harness.url)
        await station.start("TOKEN-1")
        await harness.events.wait("transaction_started", lambda e: e.args[0] == station.spec.station_id)
        await station.connect(harness.url)  # a new connection; the transaction runs on
        mark = len(harness.events.events)
        await station.meter(7_000.0)
        reading = await harness.events.wait("meter_values", after=mark)
        assert reading.args[2] == station.transaction_id and reading.args[5] == 7_000.0
        assert harness.events.named("transaction_started")[1:] == []  # not started a second time
    finally:
        await station.close()

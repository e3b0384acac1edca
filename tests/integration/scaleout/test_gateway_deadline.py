"""A command for a station another gateway holds travels through PostgreSQL with its job's deadline: it is
answered through the database, a silent station is abandoned at the deadline, and a command whose deadline
has passed never reaches the station.

`RoutedStations` (what a worker commands stations through) and `GatewayRelay` (what the gateway holding them
runs) on one real database, in this process; the gateway's stations are in-process ones that note when each
command reached them (the subprocess test, test_gateways.py, drives real OCPP stations).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from fera.charging import ChargingProfileKind, ChargingProfilePurpose, OcppChargingProfile, SchedulePeriod
from fera.cpo.chargingprofiles.stations import InProcessStations, StationBehaviour, commands_due
from fera.cpo.stations.commands import SetTxProfile
from fera.cpo.stations.relay import GatewayRelay
from fera.cpo.stations.routing import ANSWER_GRACE_S, RoutedStations
from fera.ocpp.link import ProfileResult
from fera.store import Database
from fera.store.gateway_protocols import StationCommand

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

CALL_TIMEOUT_S = 60.0  # the node's: far beyond every deadline here, so only the deadline can end a wait
DEADLINE_S = 3.0


class HeldHere(InProcessStations):
    """The stations of the gateway holding CS-1: each command noted when it reaches the station."""

    def __init__(self) -> None:
        super().__init__(call_timeout=600.0)  # silent means silent far beyond any deadline
        self.calls: list[datetime] = []

    def connected(self) -> list[str]:
        return ["CS-1"]

    async def set_tx_profile(
        self, station_id: str, evse_id: int, transaction_id: str, profile: OcppChargingProfile
    ) -> ProfileResult:
        self.calls.append(datetime.now(UTC))
        return await super().set_tx_profile(station_id, evse_id, transaction_id, profile)


class Elsewhere(InProcessStations):
    """The worker's own gateway: it holds no station."""

    def is_connected(self, station_id: str) -> bool:
        return False


def profile() -> OcppChargingProfile:
    return OcppChargingProfile(
        id=1,
        stack_level=1,
        purpose=ChargingProfilePurpose("TxProfile"),
        kind=ChargingProfileKind("Relative"),
        unit="A",
        periods=(SchedulePeriod(0, 10.0),),
        connector_id=1,
        transaction_id="T1",
    )


@pytest.fixture
async def station(database: Database) -> AsyncIterator[HeldHere]:
    """CS-1, held by a gateway (its relay running) that is not the worker's."""
    held = HeldHere()
    relay = GatewayRelay(held, database)
    await relay.start()
    await relay.joined("CS-1")
    try:
        yield held
    finally:
        await relay.stop()


@pytest.fixture
async def worker(database: Database) -> AsyncIterator[RoutedStations]:
    routed = RoutedStations(Elsewhere(), database, CALL_TIMEOUT_S)
    try:
        yield routed
    finally:
        await routed.stop()


async def queued_commands(database: Database) -> int:
    async with database.unit_of_work() as uow:
        return len(await uow.station_commands.take(["CS-1"], datetime.now(UTC) - timedelta(days=1)))


async def test_a_command_reaches_the_station_another_gateway_holds_and_its_answer_comes_back(
    database: Database, station: HeldHere, worker: RoutedStations
) -> None:
    sent = profile()
    assert await worker.set_tx_profile("CS-1", 1, "T1", sent) is ProfileResult.ACCEPTED
    assert list(station.stack("CS-1")) == [sent]
    schedule = await worker.get_composite_schedule("CS-1", 1, 900, "A")
    assert schedule is not None and schedule.periods[0].limit == 10.0
    assert await worker.clear_tx_profile("CS-1", 1, "T1") is ProfileResult.ACCEPTED
    assert list(station.stack("CS-1")) == []
    station.behaviour["CS-1"] = StationBehaviour.REJECT
    assert await worker.set_tx_profile("CS-1", 1, "T1", sent) is ProfileResult.REJECTED
    assert await queued_commands(database) == 0  # every command forgotten once answered
    # Connected nowhere: answered at once, as a disconnected station always is.
    assert await worker.set_tx_profile("CS-2", 1, "T2", sent) is ProfileResult.REJECTED
    assert await worker.get_composite_schedule("CS-2", 1, 900, "A") is None


async def test_a_silent_station_is_abandoned_at_the_jobs_deadline(
    database: Database, station: HeldHere, worker: RoutedStations
) -> None:
    station.behaviour["CS-1"] = StationBehaviour.SILENT
    loop = asyncio.get_running_loop()
    began, deadline = loop.time(), datetime.now(UTC) + timedelta(seconds=DEADLINE_S)
    with commands_due(deadline):
        assert await worker.set_tx_profile("CS-1", 1, "T1", profile()) is ProfileResult.REJECTED
    waited = loop.time() - began
    assert DEADLINE_S * 0.9 <= waited < CALL_TIMEOUT_S / 2  # its deadline ended the wait, not the node's
    assert len(station.calls) == 1 and station.calls[0] < deadline
    assert waited < DEADLINE_S + ANSWER_GRACE_S + 10  # and soon after it (a loaded machine: generous)
    assert await queued_commands(database) == 0


async def test_a_command_past_its_deadline_never_reaches_the_station(
    database: Database, station: HeldHere, worker: RoutedStations
) -> None:
    late = SetTxProfile(evse_id=1, transaction_id="T-late", profile=profile())
    async with database.unit_of_work() as uow:  # queued by a worker that was too slow to hand it over
        expired = datetime.now(UTC) - timedelta(seconds=1)
        await uow.station_commands.queue(
            StationCommand("late", "CS-1", late.model_dump(mode="json"), expired)
        )
    live = replace(profile(), transaction_id="T-live")
    # Its announcement makes the gateway take every queued command of CS-1 that is still in time.
    assert await worker.set_tx_profile("CS-1", 1, "T-live", live) is ProfileResult.ACCEPTED
    assert len(station.calls) == 1 and list(station.stack("CS-1")) == [live]
    assert await queued_commands(database) == 1  # still there, never taken: for the purge


async def test_a_station_that_just_left_our_own_gateway_is_answered_at_once(database: Database) -> None:
    relay = GatewayRelay(HeldHere(), database)
    await relay.joined("CS-1")  # its row still names our gateway, whose connection is already gone
    routed = RoutedStations(Elsewhere(), database, CALL_TIMEOUT_S, own_gateway=relay.gateway_id)
    loop = asyncio.get_running_loop()
    began = loop.time()
    try:
        assert await routed.set_tx_profile("CS-1", 1, "T1", profile()) is ProfileResult.REJECTED
    finally:
        await routed.stop()
        await relay.stop()
    assert loop.time() - began < CALL_TIMEOUT_S / 2  # not queued for a gateway that cannot take it
    assert await queued_commands(database) == 0

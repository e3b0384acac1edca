"""The announced `timeout` is a promise: results before it, nothing applied at a station after it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from fera.charging import OcppChargingProfile
from fera.cpo.chargingprofiles.stations import InProcessStations, StationBehaviour
from fera.ocpp.link import ProfileResult
from fera.smartcharging.model import JobState, RequestState
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(60)
TIMEOUT_S = 16  # the job gives up a quarter (4 s) before: room for the result POST on a loaded machine


class RecordingStations(InProcessStations):
    """The in-process station, noting when each command that changes its profiles reached it."""

    def __init__(self) -> None:
        super().__init__(call_timeout=600.0)  # silent means silent far beyond any deadline
        self.calls: list[datetime] = []
        self.called = asyncio.Event()

    async def set_tx_profile(
        self, station_id: str, evse_id: int, transaction_id: str, profile: OcppChargingProfile
    ) -> ProfileResult:
        self.calls.append(datetime.now(UTC))
        self.called.set()
        return await super().set_tx_profile(station_id, evse_id, transaction_id, profile)

    async def clear_tx_profile(self, station_id: str, evse_id: int, transaction_id: str) -> ProfileResult:
        self.calls.append(datetime.now(UTC))
        self.called.set()
        return await super().clear_tx_profile(station_id, evse_id, transaction_id)


async def pair(node_factory: NodeFactory) -> tuple[RunningNode, RunningNode, str, RecordingStations]:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", profile_result_timeout_s=TIMEOUT_S)
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    partner, _ = await connect(emsp, cpo)
    await seed(cpo, [location()], [session("S1", "LOC1-E1")])
    assert cpo.node.cpo_profiles is not None
    stations = RecordingStations()
    cpo.node.cpo_profiles.stations.in_process = stations
    stations.behaviour["LOC1-E1"] = StationBehaviour.SILENT
    return cpo, emsp, partner.id, stations


async def answered_in_time(emsp: RunningNode, request_id: str) -> None:
    """The CPO's own REJECTED arrived before the sender's deadline (not the sender's timer)."""
    assert emsp.node.profile_sender is not None
    done = await emsp.node.profile_sender.wait(request_id, timeout=TIMEOUT_S * 10)
    times = f"responded {done.responded_at}, deadline {done.deadline}, result {done.result_at}"
    assert done.state is RequestState.DONE and not done.late, times
    assert done.result == {"result": "REJECTED"}
    assert done.result_at is not None and done.responded_at is not None
    assert (done.result_at - done.responded_at).total_seconds() < TIMEOUT_S


async def test_silent_station_is_abandoned_and_rejected_in_time(node_factory: NodeFactory) -> None:
    cpo, emsp, cpo_id, stations = await pair(node_factory)
    assert emsp.node.profile_sender is not None and cpo.node.cpo_profiles is not None

    request = await emsp.node.profile_sender.set_profile(cpo_id, "S1", amps((0, 16.0)))
    await answered_in_time(emsp, request.id)
    await cpo.node.cpo_profiles.applier.drain()

    async with cpo.node.database.unit_of_work() as uow:
        (job,) = await uow.profile_jobs.for_session("S1")
    assert job.state is JobState.EXPIRED
    assert len(stations.calls) == 1 and stations.calls[0] < job.deadline  # called in time, never answered
    assert list(stations.stack("LOC1-E1")) == []


async def test_a_job_behind_a_busy_session_never_reaches_the_station(node_factory: NodeFactory) -> None:
    cpo, emsp, cpo_id, stations = await pair(node_factory)
    assert emsp.node.profile_sender is not None and cpo.node.cpo_profiles is not None
    applier = cpo.node.cpo_profiles.applier
    busy = asyncio.create_task(applier.resend("S1"))  # e.g. a site-limit change, stuck on the silent station
    await asyncio.wait_for(stations.called.wait(), timeout=30)

    request = await emsp.node.profile_sender.set_profile(cpo_id, "S1", amps((0, 16.0)))
    await answered_in_time(emsp, request.id)
    busy.cancel()
    await asyncio.gather(busy, return_exceptions=True)
    await applier.drain()  # the result may reach the sender before the job's end is committed (PostgreSQL)

    async with cpo.node.database.unit_of_work() as uow:
        (job,) = await uow.profile_jobs.for_session("S1")
    assert job.state is JobState.EXPIRED
    assert len(stations.calls) == 1  # only the resend's: the job gave up waiting for the session's lock


async def test_a_job_found_past_its_deadline_expires_unannounced(node_factory: NodeFactory) -> None:
    cpo, emsp, cpo_id, stations = await pair(node_factory)
    sender = emsp.node.profile_sender
    assert sender is not None and cpo.node.cpo_profiles is not None
    applier = cpo.node.cpo_profiles.applier
    await applier.stop()  # nothing runs it: as if the CPO stopped right after ACCEPTED
    submitted = asyncio.Event()
    applier.submit = lambda job, session=None, snapshot=None: submitted.set()  # type: ignore[method-assign]

    request = await sender.set_profile(cpo_id, "S1", amps((0, 16.0)))
    await submitted.wait()
    timed_out = await sender.wait(request.id, timeout=TIMEOUT_S * 10)
    assert timed_out.state is RequestState.TIMED_OUT

    del applier.submit  # the real one again, as after a restart
    await applier.resume()
    await applier.drain()
    async with cpo.node.database.unit_of_work() as uow:
        jobs = await uow.profile_jobs.for_session("S1")
    assert [job.state for job in jobs] == [JobState.EXPIRED]
    assert stations.calls == []
    after = await sender.request(request.id)
    assert after is not None and after.state is RequestState.TIMED_OUT and after.result is None

"""Requests that reach the CPO's Receiver at once are decided and written in one transaction (group commit):
each is still answered by its own rule (a second request on a session in the same group is TOO_OFTEN, as
when it comes later), and each accepted one's job runs, with its result on its own `response_url`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fera.smartcharging.model import JobState, RequestState
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, connect, role

pytestmark = pytest.mark.timeout(120)

STEERED = [f"S{n}" for n in range(1, 6)]  # the eMSP's customers on LOC1's first five EVSEs
TOGETHER = ["S1", "S2", "S3", "S4", "S1", "OTHER", "PLAIN", "NOPE"]  # S1 twice: the second is too often


async def test_requests_written_together_are_answered_each_by_its_rule_and_each_job_runs(
    node_factory: NodeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", min_profile_interval_s=3600)
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    cpo_id = (await connect(emsp, cpo))[0].id
    sessions = [session(sid, f"LOC1-E{n}") for n, sid in enumerate(STEERED, start=1)]
    sessions += [
        session("OTHER", "LOC1-E6", token_party="OTH"),
        session("PLAIN", "LOC2-E1", location_id="LOC2"),
    ]
    await seed(cpo, [location(evses=6), location("LOC2", capable=False, evses=1)], sessions)
    sender, module = emsp.node.profile_sender, cpo.node.cpo_profiles
    assert sender is not None and module is not None

    # The first group (S5 alone) is held in its transaction until the others have all arrived, S1 first:
    # they queue behind it and form the next group, together, in that order.
    arrivals: asyncio.Queue[None] = asyncio.Queue()
    entered, release = asyncio.Event(), asyncio.Event()
    receive, read_many = module.receiver.set_profile, module.sessions.read_many

    async def counted(*args: Any) -> Any:
        arrivals.put_nowait(None)
        return await receive(*args)

    async def held(*args: Any) -> Any:
        entered.set()
        await release.wait()
        return await read_many(*args)

    async def arrived(count: int) -> None:
        for _ in range(count):
            await asyncio.wait_for(arrivals.get(), 60)

    monkeypatch.setattr(module.receiver, "set_profile", counted)
    monkeypatch.setattr(module.sessions, "read_many", held)

    def send(sids: list[str]) -> list[asyncio.Task[Any]]:
        return [asyncio.create_task(sender.set_profile(cpo_id, sid, amps((0, 10.0)))) for sid in sids]

    put = send(["S5"])
    await asyncio.wait_for(entered.wait(), 60)
    await arrived(1)
    put += send(TOGETHER[:1])
    await arrived(1)
    put += send(TOGETHER[1:])
    await arrived(len(TOGETHER) - 1)
    release.set()
    requests = [await task for task in put]

    answers = [r.response for r in requests]
    assert answers[:5] == ["ACCEPTED"] * 5  # S5, then S1 to S4
    assert answers[5:] == ["TOO_OFTEN", "REJECTED", "NOT_SUPPORTED", "UNKNOWN_SESSION"]
    accepted = [r for r in requests if r.response == "ACCEPTED"]
    done = [await sender.wait(r.id, timeout=60) for r in accepted]
    assert {(r.state, (r.result or {}).get("result")) for r in done} == {(RequestState.DONE, "ACCEPTED")}
    await module.applier.drain()
    for n in range(1, 6):
        (tx,) = list(module.stations.in_process.stack(f"LOC1-E{n}"))
        assert [(p.start_period, p.limit) for p in tx.periods] == [(0, 10.0)]
    async with cpo.node.database.unit_of_work() as uow:
        jobs = [job for sid in STEERED for job in await uow.profile_jobs.for_session(sid)]
    assert sorted(job.session_id for job in jobs) == STEERED  # one per accepted request, none for the rest
    assert {job.state for job in jobs} == {JobState.DONE}

"""A Sender slow to take its results does not hold up the CPO's station work for other sessions.

The eMSP holds every result POST it receives (its write of the result waits on an event). The CPO must still
run every job to the station: a job's place among those running at once (SQLite: JOBS_AT_ONCE; PostgreSQL: a
worker's CONCURRENCY claims) is free once its station answered, not once the Sender took its result. Before,
the 17th session's job waited for a result POST to end (the Sender's answer, or its deadline)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from fera.cpo.chargingprofiles.applier import JOBS_AT_ONCE
from fera.cpo.chargingprofiles.results import ResultPoster
from fera.smartcharging.model import RequestState
from fera.store.sqlalchemy.profiles import SqlProfileRequestStore
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = pytest.mark.timeout(180)

PATIENCE_S = 60  # generous: a loaded two-core machine
SESSIONS = JOBS_AT_ONCE + 1  # also more than a worker's claims at once on PostgreSQL


async def test_jobs_reach_their_stations_while_the_sender_holds_every_result(
    node_factory: NodeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp")
    partner, _ = await connect(emsp, cpo)
    ids = [f"S{i}" for i in range(1, SESSIONS + 1)]
    await seed(cpo, [location(evses=SESSIONS)], [session(s, f"LOC1-E{i}") for i, s in enumerate(ids, 1)])
    release, posts_ended = asyncio.Event(), 0
    hold_results(monkeypatch, release)

    original_post = ResultPoster.post

    async def counted_post(poster: ResultPoster, *args: Any) -> bool:
        nonlocal posts_ended
        try:
            return await original_post(poster, *args)
        finally:
            posts_ended += 1

    monkeypatch.setattr(ResultPoster, "post", counted_post)
    sender = emsp.node.profile_sender
    assert sender is not None
    try:
        requests = [await sender.set_profile(partner.id, s, amps((0, 16.0))) for s in ids]
        assert {r.state for r in requests} == {RequestState.WAITING}  # each answered ACCEPTED
        await all_jobs_done(cpo)
        assert posts_ended == 0, "a job waited for a result POST to end"
    finally:
        release.set()  # the nodes stop cleanly whatever failed
    for request in requests:
        done = await sender.wait(request.id, timeout=PATIENCE_S)
        assert (done.state, done.result) == (RequestState.DONE, {"result": "ACCEPTED"})


def hold_results(monkeypatch: pytest.MonkeyPatch, release: asyncio.Event) -> None:
    """The eMSP's write of each result it receives waits until `release` (so does the CPO's POST)."""
    original = SqlProfileRequestStore.resulted

    async def held(store: SqlProfileRequestStore, *args: Any) -> Any:
        await release.wait()
        return await original(store, *args)

    monkeypatch.setattr(SqlProfileRequestStore, "resulted", held)


async def all_jobs_done(cpo: RunningNode) -> None:
    """Polled with a generous deadline: every job of the CPO is through its station and ended."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE_S
    while loop.time() < deadline:
        async with cpo.node.database.unit_of_work() as uow:
            if not await uow.profile_jobs.queued():
                return
        await asyncio.sleep(0.05)
    raise AssertionError("jobs still queued while the Sender held the results")

"""On PostgreSQL a CPO's claimed ChargingProfiles job is made durable, then announced: its end and the result
it owes are committed before that result is POSTed to the Sender, and a POST that failed is made again
from the stored result, without running the job again.

The CPO runs in the test process (on PostgreSQL it claims its own jobs as any worker does); the eMSP's
results endpoint sits behind a gate that looks at the CPO's database when a result arrives, and refuses
the first one when asked to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from fera.node import Node
from fera.smartcharging.model import JobState, ProfileJob, RequestState
from fera.store import Database
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

PATIENCE_S = 60  # generous: a loaded two-core machine


@dataclass
class Seen:
    """What the gate saw: the CPO's job as committed when each result arrived; how many it refused."""

    cpo: Database | None = None
    refuse: int = 0
    jobs: list[tuple[JobState, dict[str, Any] | None]] = field(default_factory=list)


class Gate:
    def __init__(self, app: ASGIApp, seen: Seen) -> None:
        self.app, self.seen = app, seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and "/results/" in scope["path"]:
            assert self.seen.cpo is not None
            async with self.seen.cpo.unit_of_work() as uow:  # another connection: what is committed
                (job,) = await uow.profile_jobs.for_session("S1")
            self.seen.jobs.append((job.state, job.result))
            if self.seen.refuse:
                self.seen.refuse -= 1
                await send({"type": "http.response.start", "status": 503, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


async def pair(node_factory: NodeFactory, seen: Seen) -> tuple[RunningNode, RunningNode, str]:
    def gated(node: Node) -> None:
        node.app.add_middleware(Gate, seen=seen)

    cpo = await node_factory(role("CPO", party="CPO"), name="cpo")
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp", prepare=gated)
    seen.cpo = cpo.node.database
    partner, _ = await connect(emsp, cpo)
    await seed(cpo, [location()], [session("S1", "LOC1-E1")])
    return cpo, emsp, partner.id


async def ran(cpo: RunningNode) -> tuple[ProfileJob, int]:
    """S1's one job, and how many times a sender's profile was kept on it (once per run of the job)."""
    async with cpo.node.database.unit_of_work() as uow:
        (job,) = await uow.profile_jobs.for_session("S1")
        return job, len(await uow.sender_profiles.changes("S1"))


async def test_the_result_is_posted_once_the_jobs_end_is_committed(node_factory: NodeFactory) -> None:
    seen = Seen()
    cpo, emsp, cpo_id = await pair(node_factory, seen)
    sender = emsp.node.profile_sender
    assert sender is not None
    request = await sender.set_profile(cpo_id, "S1", amps((0, 16.0)))
    done = await sender.wait(request.id, timeout=PATIENCE_S)
    assert (done.state, done.result) == (RequestState.DONE, {"result": "ACCEPTED"})
    assert seen.jobs == [(JobState.DONE, {"result": "ACCEPTED"})]  # a reader of the CPO saw it ended
    job, runs = await ran(cpo)
    assert (job.state, job.result, runs) == (JobState.DONE, {"result": "ACCEPTED"}, 1)


async def test_a_result_post_that_failed_is_made_again_from_the_stored_result(
    node_factory: NodeFactory,
) -> None:
    seen = Seen(refuse=1)
    cpo, emsp, cpo_id = await pair(node_factory, seen)
    sender = emsp.node.profile_sender
    assert sender is not None
    request = await sender.set_profile(cpo_id, "S1", amps((0, 16.0)))
    done = await sender.wait(request.id, timeout=PATIENCE_S)  # within its 30 s: retried 2 s later
    assert (done.state, done.result, done.late) == (RequestState.DONE, {"result": "ACCEPTED"}, False)
    assert seen.jobs == [(JobState.DONE, {"result": "ACCEPTED"})] * 2  # refused, then taken
    job, runs = await ran(cpo)
    assert (job.state, runs) == (JobState.DONE, 1)  # the station was not asked again

"""Two `fera serve --parts worker` processes share a CPO's ChargingProfiles jobs through PostgreSQL: every
job is done exactly once, also the one whose worker is killed (SIGKILL) while it posts the job's result.

The CPO's API runs in the test process (`--parts api`: it queues the jobs and runs none); the SCSP is a
real node whose results endpoint sits behind a gate: the gate holds the first result of one job forever,
so the worker that sends it is caught between the job's committed end and the result's delivery; it
refuses that result again until the worker is dead (its POST times out after 10 s, and it would post the
result again itself), and counts every result it lets through.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from fera.config import ContractConfig
from fera.node import Node
from fera.parts import Process
from fera.smartcharging.model import JobState, ProfileRequest, RequestState, ResultDelivery
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.integration.cli import SRC, write_config
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]

JOBS = 12
PATIENCE_S = 120  # generous: a loaded two-core machine starts Python processes slowly


class Gate:
    """Holds the first result posted to `held` until `release` is set, refuses it again until `opened`, and
    counts the results let through."""

    held = ""
    release = asyncio.Event()
    caught = asyncio.Event()
    opened = asyncio.Event()
    passed: Counter[str] = Counter()

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] == "POST" and "/results/" in path:
            if path == Gate.held and not Gate.opened.is_set():
                if not Gate.caught.is_set():
                    Gate.caught.set()
                    await Gate.release.wait()  # the worker is stuck mid-job; it is killed meanwhile
                await send({"type": "http.response.start", "status": 503, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
            Gate.passed[path] += 1
        await self.app(scope, receive, send)


def gated(node: Node) -> None:
    node.app.add_middleware(Gate)


def worker_config(cpo: RunningNode, tmp_path: Path) -> Path:
    """The CPO's own configuration: the workers are processes of the same node."""
    return write_config(cpo.node.config, tmp_path / "cpo.toml")


async def worker(config: Path, log: Path) -> asyncio.subprocess.Process:
    """Its output goes to `log`: a failure shows it."""
    env = os.environ | {"PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "fera", "serve", "--parts", "worker", "-c", str(config),
            stdout=out, stderr=asyncio.subprocess.STDOUT, env=env,
        )  # fmt: skip


async def settled(node: RunningNode, request: ProfileRequest) -> ProfileRequest:
    sender = node.node.profile_sender
    assert sender is not None
    return await sender.wait(request.id, timeout=PATIENCE_S)


async def posted_but_held(cpo: RunningNode) -> None:
    """Until every job's end is committed, and every result but the held one is committed as POSTED (polled:
    the Sender may take a result before its worker commits that; a worker killed in between leaves it to
    be posted again, as delivery is at least once)."""
    loop = asyncio.get_running_loop()
    deadline, ends = loop.time() + PATIENCE_S, dict[str, tuple[JobState, ResultDelivery | None]]()
    while loop.time() < deadline:
        async with cpo.node.database.unit_of_work() as uow:
            jobs = [job for n in range(1, JOBS + 1) for job in await uow.profile_jobs.for_session(f"S{n}")]
        ends = {job.session_id: (job.state, job.result_delivery) for job in jobs}
        if all(state is JobState.DONE for state, _ in ends.values()) and all(
            delivery is ResultDelivery.POSTED for s, (_, delivery) in ends.items() if s != "S1"
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the workers did not end every job and post its result: {ends}")


async def test_two_workers_do_every_job_once_even_when_one_is_killed(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    contract = ContractConfig(scsp="NL*SCS", locations=["LOC1"])
    cpo = await node_factory(
        role("CPO", party="CPO"),
        name="cpo",
        contracts=[contract],
        processes=frozenset({Process.API}),
        profile_result_timeout_s=600,
    )
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", plan_sessions=False, prepare=gated)
    cpo_id = (await connect(scsp, cpo))[0].id
    await seed(cpo, [location(evses=JOBS)], [session(f"S{n}", f"LOC1-E{n}") for n in range(1, JOBS + 1)])
    sender = scsp.node.profile_sender
    assert sender is not None
    config = worker_config(cpo, tmp_path)
    first = await worker(config, tmp_path / "first.log")
    second: asyncio.subprocess.Process | None = None
    try:
        held = await sender.set_profile(cpo_id, "S1", amps((0, 10.0)))
        Gate.held = urlparse(sender.response_url(held.id)).path
        await asyncio.wait_for(Gate.caught.wait(), PATIENCE_S)  # the first worker is mid-job now

        second = await worker(config, tmp_path / "second.log")
        others = [await sender.set_profile(cpo_id, f"S{n}", amps((0, 8.0))) for n in range(2, JOBS + 1)]
        done = [await settled(scsp, r) for r in others]
        assert {(r.state, (r.result or {}).get("result")) for r in done} == {(RequestState.DONE, "ACCEPTED")}

        await posted_but_held(cpo)  # every job ended, every result taken and so recorded, but the held one
        first.send_signal(signal.SIGKILL)  # its connection closes: PostgreSQL releases the result it held
        await first.wait()
        Gate.opened.set()
        recovered = await settled(scsp, held)  # the other worker posts the stored result
        assert (recovered.state, recovered.result) == (RequestState.DONE, {"result": "ACCEPTED"})
    finally:
        Gate.release.set()
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), PATIENCE_S)

    paths = [urlparse(sender.response_url(r.id)).path for r in [held, *others]]
    assert Gate.passed == Counter(paths)  # every result reached the SCSP once: none lost, none twice
    async with cpo.node.database.unit_of_work() as uow:
        (job,) = await uow.profile_jobs.for_session("S1")
        changes = await uow.sender_profiles.changes("S1")
    assert (job.state, job.result, len(changes)) == (JobState.DONE, {"result": "ACCEPTED"}, 1)  # run once
    stopped = (tmp_path / "second.log").read_text(errors="replace")[-2000:]
    assert second is not None and second.returncode == 0, stopped  # stopped cleanly by SIGTERM

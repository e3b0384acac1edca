"""An SCSP's planner and its Sender's deadlines each run in one of two `fera serve --parts worker`
processes, owned through a PostgreSQL advisory lock; the SCSP's API runs in the test process (`--parts api`:
it records sessions, signals and results, plans nothing and keeps no deadline). Every re-plan reaches the
CPO once: the profiles the CPO is sent are counted per session. SIGKILL the owner: the other worker takes
the planner over, relearns the sessions from the database and steers on; a session arriving through the API
afterwards is planned by it. Likewise a request's deadline, kept by one worker, is kept by the next when
that one is killed, and wakes the request's waiter in the API process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from fera.config import ContractConfig
from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.node import Node
from fera.ocpi.sessions.models import CdrToken
from fera.ocpi.types import format_datetime
from fera.parts import Process
from fera.smartcharging.model import RequestKind, RequestState
from fera.smartcharging.sender import ProfileSender
from fera.store.sqlalchemy.ownership import OWNER_LOCKS, lock_key
from tests.integration.chargingprofiles.setup import amps, location, seed, session
from tests.integration.cli import SRC, write_config
from tests.nodes import NodeFactory, RunningNode, connect, role

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(400)]

PATIENCE_S = 120  # generous: a loaded two-core machine starts Python processes slowly
TAKEOVER_S = 30  # a lock let go by a killed process is taken within a retry (1 s) or so; slack for the load
ADMIN = "admin-token-for-tests-0123456789"
EVSES = 4


class Profiles:
    """Counts the ChargingProfiles the CPO is sent (PUT), per session."""

    sent: Counter[str] = Counter()

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and scope["method"] == "PUT" and "/chargingprofiles/" in path:
            Profiles.sent[path.rstrip("/").rsplit("/", 1)[-1]] += 1
        await self.app(scope, receive, send)


def counted(node: Node) -> None:
    node.app.add_middleware(Profiles)


async def worker(config: Path, log: Path) -> asyncio.subprocess.Process:
    env = os.environ | {"PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with log.open("w") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "fera", "serve", "--parts", "worker", "-c", str(config),
            stdout=out, stderr=out, env=env,
        )  # fmt: skip


async def until(what: str | Callable[[], str], holds: Callable[[], object]) -> None:
    """Polls `holds` (awaited when it returns an awaitable) until it is true, within PATIENCE_S."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE_S
    while loop.time() < deadline:
        result = holds()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {PATIENCE_S} s: {what if isinstance(what, str) else what()}")


async def planner_owner(scsp: RunningNode) -> int | None:
    return await lock_holder(scsp, "planner")


async def lock_holder(scsp: RunningNode, name: str) -> int | None:
    """The database backend (pid) holding the lock on the work `name`, if one does."""
    query = text(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
        " AND classid = :ns AND objid = :key"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    async with scsp.node.database.engine.connect() as conn:
        pid = await conn.scalar(query, {"ns": OWNER_LOCKS, "key": lock_key(name) & 0xFFFFFFFF})
    return None if pid is None else int(pid)


async def start_session(cpo: RunningNode, n: int) -> None:
    token = CdrToken(country_code="NL", party_id="MSP", uid=f"T{n}", type="RFID", contract_id=f"NL-MSP-{n}")
    await cpo_of(cpo.node).sessions.start_session(
        token=token, location_id="LOC1", evse_uid=f"LOC1-E{n}", connector_id="1", session_id=f"S{n}"
    )
    await exchange_of(cpo.node).pusher.drain()


async def capacity(scsp: RunningNode, kw: float) -> None:
    """A capacity forecast for LOC1, put through the SCSP's API process."""
    now = scsp.node.clock.now()
    block = {
        "capacity": kw,
        "unit": "KW",
        "start_time": format_datetime(now - timedelta(hours=1)),
        "end_time": format_datetime(now + timedelta(days=1)),
    }
    async with httpx.AsyncClient() as http:
        response = await http.put(
            scsp.url + "/fera/admin/capacity",
            json={"group_id": "LOC1", "blocks": [block]},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
    assert response.json()["status_code"] == 1000


async def recorded_layout(node_factory: NodeFactory, sessions: int) -> tuple[RunningNode, RunningNode]:
    """A CPO (the profiles it is sent counted) and an SCSP's API process contracted for LOC1, `sessions`
    charging there and 30 kW of capacity: recorded by the API process, planned by nobody yet."""
    Profiles.sent.clear()
    contract = ContractConfig(scsp="NL*SCS", locations=["LOC1"])
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", contracts=[contract], prepare=counted)
    scsp = await node_factory(
        role("SCSP", party="SCS"), name="scsp", admin_token=ADMIN, processes=frozenset({Process.API})
    )
    await connect(scsp, cpo)
    await cpo_of(cpo.node).locations.put_location(location(evses=EVSES))
    for n in range(1, sessions + 1):
        await start_session(cpo, n)
    await capacity(scsp, 30)
    return cpo, scsp


async def requests_sent(scsp: RunningNode) -> Counter[str]:
    """The SET requests the SCSP's planner recorded per session, once each has its result."""
    async with scsp.node.database.unit_of_work() as uow:
        sets = [r for r in await uow.profile_requests.all() if r.kind is RequestKind.SET]
    return Counter(r.session_id for r in sets if r.state.final)


async def sent_and_done(scsp: RunningNode, expected: dict[str, int]) -> None:
    """Until the CPO was sent `expected` profiles per session and the SCSP holds each one's result."""
    await until(
        lambda: f"profiles {expected}, sent {dict(Profiles.sent)}", lambda: Profiles.sent == Counter(expected)
    )
    await until(f"results {expected}", lambda: results_are(scsp, expected))


async def results_are(scsp: RunningNode, expected: dict[str, int]) -> bool:
    return await requests_sent(scsp) == Counter(expected)


async def station_watts(cpo: RunningNode, evses: int) -> list[float]:
    module = cpo.node.cpo_profiles
    assert module is not None
    await module.applier.drain()
    watts = []
    for i in range(1, evses + 1):
        (tx,) = list(module.stations.in_process.stack(f"LOC1-E{i}"))
        watts.append(tx.periods[0].limit * 230 * 3)
    return watts


async def test_one_worker_plans_and_another_takes_over_when_it_is_killed(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    cpo, scsp = await recorded_layout(node_factory, sessions=3)
    assert Profiles.sent == Counter()
    config = write_config(scsp.node.config, tmp_path / "scsp.toml")
    first = await worker(config, tmp_path / "first.log")
    second: asyncio.subprocess.Process | None = None
    try:
        await until("the first worker owns the planner", lambda: planner_owner(scsp))
        second = await worker(config, tmp_path / "second.log")
        # The owner relearnt the three sessions from the database and planned them once.
        await sent_and_done(scsp, {"S1": 1, "S2": 1, "S3": 1})
        assert 0 < sum(await station_watts(cpo, 3)) <= 30_000 + 1

        await capacity(scsp, 12)  # through the API process: NOTIFY reaches the owner, which re-plans
        await sent_and_done(scsp, {"S1": 2, "S2": 2, "S3": 2})
        assert 0 < sum(await station_watts(cpo, 3)) <= 12_000 + 1

        owner = await planner_owner(scsp)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        async with asyncio.timeout(TAKEOVER_S):
            while (now := await planner_owner(scsp)) in (None, owner):
                await asyncio.sleep(0.1)
        assert now is not None
        # The new owner relearns everything and sends its plan: the same limits, once each.
        await sent_and_done(scsp, {"S1": 3, "S2": 3, "S3": 3})

        await start_session(cpo, 4)  # a session arriving through the API: planned by the new owner
        # One re-plan: the newcomer gets its profile, each of the three at most one more (a car joining the
        # line moves the turns planned ahead, whose ends are in the holders' profiles).
        await until(lambda: f"S4 once, sent {dict(Profiles.sent)}", lambda: Profiles.sent["S4"] == 1)
        await until("every result", lambda: results_are(scsp, dict(Profiles.sent)))
        assert all(Profiles.sent[s] in (3, 4) for s in ("S1", "S2", "S3")), Profiles.sent
        assert 0 < sum(await station_watts(cpo, 4)) <= 12_000 + 1
        assert second.returncode is None
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), PATIENCE_S)
    assert second.returncode == 0  # stopped cleanly by SIGTERM


def owner_of(scsp: RunningNode, name: str) -> Callable[[], Awaitable[int | None]]:
    return lambda: lock_holder(scsp, name)


async def test_a_deadline_is_kept_by_one_worker_and_by_the_next_when_it_is_killed(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    # The CPO runs no worker: it accepts with a 10 s timeout and its job never runs, so no result comes.
    cpo = await node_factory(
        role("CPO", party="CPO"),
        name="cpo",
        contracts=[ContractConfig(scsp="NL*SCS", locations=["LOC1"])],
        processes=frozenset({Process.API}),
        profile_result_timeout_s=10,
    )
    scsp = await node_factory(
        role("SCSP", party="SCS"), name="scsp", plan_sessions=False, processes=frozenset({Process.API})
    )
    cpo_id = (await connect(scsp, cpo))[0].id
    await seed(cpo, [location()], [session("S1", "LOC1-E1")])
    config = write_config(scsp.node.config, tmp_path / "scsp.toml")
    first = await worker(config, tmp_path / "first.log")
    second: asyncio.subprocess.Process | None = None
    try:
        await until("the first worker keeps the deadlines", owner_of(scsp, "profile deadlines"))
        second = await worker(config, tmp_path / "second.log")
        sender = scsp.node.profile_sender
        assert sender is not None
        waiting = await sender.set_profile(cpo_id, "S1", amps((0, 10.0)))  # sent by the API process
        assert waiting.state is RequestState.WAITING and waiting.deadline is not None
        waiter = asyncio.create_task(sender.wait(waiting.id, timeout=PATIENCE_S))  # here, in the API process
        owner = await lock_holder(scsp, "profile deadlines")
        first.send_signal(signal.SIGKILL)  # before the deadline: the next owner must keep it
        await first.wait()
        await until("another worker keeps the deadlines", lambda: _moved(scsp, owner))
        await until("the request timed out", lambda: _state(sender, waiting.id, RequestState.TIMED_OUT))
        timed_out = await sender.request(waiting.id)
        assert timed_out is not None and timed_out.result is None
        assert scsp.node.clock.now() >= waiting.deadline  # not before its deadline
        woken = await waiter  # the deadline kept in a worker woke the waiter in the API process
        assert (woken.id, woken.state, woken.result) == (waiting.id, RequestState.TIMED_OUT, None)
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), PATIENCE_S)


async def _moved(scsp: RunningNode, owner: int | None) -> bool:
    return (await lock_holder(scsp, "profile deadlines")) not in (None, owner)


async def _state(sender: ProfileSender, request_id: str, state: RequestState) -> bool:
    request = await sender.request(request_id)
    return request is not None and request.state is state


async def test_a_waiter_reads_the_stored_state_when_no_announcement_comes(node_factory: NodeFactory) -> None:
    # No worker at all: nobody keeps the deadline, and the request is ended behind the Sender's back (as by a
    # process whose announcement this one missed): the waiter still learns it, from the database.
    cpo = await node_factory(
        role("CPO", party="CPO"),
        name="cpo",
        contracts=[ContractConfig(scsp="NL*SCS", locations=["LOC1"])],
        processes=frozenset({Process.API}),
    )
    scsp = await node_factory(
        role("SCSP", party="SCS"), name="scsp", plan_sessions=False, processes=frozenset({Process.API})
    )
    cpo_id = (await connect(scsp, cpo))[0].id
    await seed(cpo, [location()], [session("S1", "LOC1-E1")])
    sender = scsp.node.profile_sender
    assert sender is not None
    waiting = await sender.set_profile(cpo_id, "S1", amps((0, 10.0)))
    assert waiting.state is RequestState.WAITING
    waiter = asyncio.create_task(sender.wait(waiting.id, timeout=PATIENCE_S))
    async with scsp.node.database.unit_of_work() as uow:
        assert await uow.profile_requests.expire(waiting.id) is not None  # no NOTIFY
    woken = await waiter
    assert (woken.id, woken.state) == (waiting.id, RequestState.TIMED_OUT)

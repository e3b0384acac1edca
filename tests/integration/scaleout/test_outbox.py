"""A CPO's Locations and Sessions pushes go through the outbox on PostgreSQL: written with each change by the
API process (which sends nothing itself), delivered by `fera serve --parts worker` processes.

Two workers, one killed (SIGKILL) while the eMSP holds its PATCH: every change still reaches the eMSP, in
order per session, and its copy of every session ends equal to the CPO's (every ChargingPeriod once).
Delivery is at least once: what the dead worker may have sent goes again, as the whole Session as it is
now (the outbox keeps a Session's changes, not copies of it), which stands for every change written by then.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from fera.cpo import cpo_of
from fera.exchange import exchange_of
from fera.node import Node
from fera.parts import Process
from fera.sessions_events import LocationChanged, SessionChanged
from tests.integration.cli import SRC, write_config
from tests.integration.test_sessions_support import T0, location, register, token
from tests.nodes import NodeFactory, RunningNode, role

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]

PATIENCE_S = 120  # generous: a loaded two-core machine starts Python processes slowly
SESSIONS = 4
READINGS = 5
HELD = "/ocpi/2.2.1/receiver/sessions/NL/CPO/S1"


class Gate:
    """Holds the first PATCH of session S1 until `release` is set (its worker is killed meanwhile)."""

    release = asyncio.Event()
    caught = asyncio.Event()

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "PATCH" and scope.get("path") == HELD:
            if not Gate.caught.is_set():
                Gate.caught.set()
                await Gate.release.wait()
                await send({"type": "http.response.start", "status": 503, "headers": []})
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


def gated(node: Node) -> None:
    node.app.add_middleware(Gate)


async def worker(config: Path) -> asyncio.subprocess.Process:
    env = os.environ | {"PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fera", "serve", "--parts", "worker", "-c", str(config),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env=env,
    )  # fmt: skip


async def stop(*processes: asyncio.subprocess.Process | None) -> None:
    for process in processes:
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), PATIENCE_S)


async def api_only_cpo(node_factory: NodeFactory, **config: Any) -> tuple[RunningNode, RunningNode]:
    cpo = await node_factory(role("CPO"), name="cpo", processes=frozenset({Process.API}), **config)
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp", prepare=gated)
    await register(emsp, cpo)
    await exchange_of(emsp.node).sync.drain()  # its pull of our lists is over: it gets only pushes now
    return cpo, emsp


async def pending(cpo: RunningNode) -> int:
    async with cpo.node.database.reading() as uow:
        return await uow.outbox.pending()


async def test_two_workers_deliver_every_change_in_order_when_one_is_killed(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    cpo, emsp = await api_only_cpo(node_factory, session_update_interval_s=0.0)
    seen: defaultdict[str, list[SessionChanged]] = defaultdict(list)

    async def record(event: SessionChanged) -> None:
        seen[event.session.id].append(event)

    emsp.node.events.subscribe(SessionChanged, record)
    sessions = cpo_of(cpo.node).sessions
    config = write_config(cpo.node.config, tmp_path / "cpo.toml")
    first = await worker(config)
    second: asyncio.subprocess.Process | None = None
    try:
        for n in range(1, SESSIONS + 1):
            await cpo_of(cpo.node).locations.put_location(location(f"LOC{n}"))
            await sessions.start_session(
                session_id=f"S{n}", token=token(), location_id=f"LOC{n}", evse_uid=f"LOC{n}-E1",
                connector_id="1", at=T0,
            )  # fmt: skip
        await asyncio.wait_for(exchange_of(cpo.node).pusher.drain(), PATIENCE_S)  # the eMSP has them
        await sessions.meter_values("S1", kwh=0.5, at=T0 + timedelta(minutes=1))
        await asyncio.wait_for(Gate.caught.wait(), PATIENCE_S)  # the first worker is mid-delivery now

        second = await worker(config)
        for r in range(1, READINGS + 1):
            for n in range(1, SESSIONS + 1):
                await sessions.meter_values(f"S{n}", kwh=float(r), at=T0 + timedelta(minutes=5 * r))
        first.send_signal(signal.SIGKILL)  # its claim is rolled back: PostgreSQL lets its objects go
        await first.wait()
        await asyncio.wait_for(exchange_of(cpo.node).pusher.drain(), PATIENCE_S)  # the outbox is empty
    finally:
        Gate.release.set()
        await stop(first, second)

    for n in range(1, SESSIONS + 1):
        ours = await sessions.session(f"S{n}")
        async with emsp.node.database.reading() as uow:
            theirs = await uow.sessions.get("NL", "CPO", f"S{n}")
        assert ours is not None and theirs is not None and theirs.session == ours.session  # nothing lost
        kwh = [event.session.kwh for event in seen[f"S{n}"]]
        assert kwh == sorted(kwh) and kwh[-1] == float(READINGS)  # in order, up to the last reading
    held = seen["S1"]  # the PATCH the dead worker held went again as the Session whole, as it is now:
    assert [e.patch is None for e in held] == [True, True]  # it has every reading since, sent no more
    assert held[1].session.kwh == float(READINGS)
    assert await pending(cpo) == 0
    assert second is not None and second.returncode == 0  # stopped cleanly by SIGTERM


async def test_an_api_process_writes_its_pushes_and_a_worker_sends_them(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    cpo, emsp = await api_only_cpo(node_factory)
    arrived: list[LocationChanged] = []
    delivered = asyncio.Event()

    async def record(event: LocationChanged) -> None:
        arrived.append(event)
        delivered.set()

    emsp.node.events.subscribe(LocationChanged, record)
    await cpo_of(cpo.node).locations.put_location(location("LOC1"))
    assert await pending(cpo) == 1  # written with the change, for the eMSP
    # Nothing in the API process may send it; were it to, it would do so at once (no interval, no retry
    # for a first push): give it that chance on a loaded machine before looking.
    await exchange_of(cpo.node).pusher.close()
    await asyncio.sleep(1.0)
    assert arrived == [] and await pending(cpo) == 1

    process = await worker(write_config(cpo.node.config, tmp_path / "cpo.toml"))
    try:
        await asyncio.wait_for(delivered.wait(), PATIENCE_S)
        await asyncio.wait_for(exchange_of(cpo.node).pusher.drain(), PATIENCE_S)
    finally:
        await stop(process)
    assert [event.location.id for event in arrived] == ["LOC1"] and await pending(cpo) == 0

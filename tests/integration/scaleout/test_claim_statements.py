"""On PostgreSQL a claim of jobs is one statement whatever it takes, and queueing them another.

Each statement is a round trip to the server: the claim's rows, its sessions' advisory locks and its look for
older queued jobs of those sessions were three, the queueing's INSERT and NOTIFY two. The locks are still
taken before the claim returns (a session another claim holds is waited for), and an older job the claim
saw queued still holds its session's newer ones back (test_job_order.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import event, text

from fera.store import Database
from fera.store.profile_protocols import PROFILE_JOBS_CHANNEL
from fera.store.sqlalchemy.profile_jobs import SESSION_LOCKS
from tests.integration.scaleout._jobs import job, jobs_database

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[tuple[Database, str]]:
    async with jobs_database(tmp_path, "claims") as both:
        yield both


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The statements sent to the server meanwhile (BEGIN and COMMIT are not cursor executions)."""
    sent: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", executed)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", executed)


@pytest.mark.parametrize("count", [1, 12])
async def test_a_claim_is_one_statement_whatever_it_takes(database: tuple[Database, str], count: int) -> None:
    store, _ = database
    jobs = [job(f"S{n % 5}", n) for n in range(count)]  # sessions with several jobs among them
    with statements(store) as queueing:
        async with store.unit_of_work() as uow:
            await uow.profile_jobs.add_many(jobs)
    with statements(store) as claiming:
        async with store.unit_of_work() as uow:
            claimed = await uow.profile_jobs.claim_many(16)
    assert [j.id for j in claimed] == [j.id for j in jobs]
    # One job: the INSERT with its NOTIFY (was 2); more: INSERT, NOTIFY. The claim: 1 (was 3) for any.
    assert (len(queueing), len(claiming)) == (1 if count == 1 else 2, 1)


@pytest.mark.parametrize("count", [1, 2])
async def test_queued_jobs_notify_the_workers_once_on_commit(
    database: tuple[Database, str], count: int
) -> None:
    store, url = database
    listener = await asyncpg.connect(url)
    heard: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(PROFILE_JOBS_CHANNEL, lambda *args: heard.put_nowait(args[3]))
    try:
        jobs = [job(f"S{n}", n) for n in range(count)]
        async with store.unit_of_work() as uow:
            await uow.profile_jobs.add_many(jobs)
            await uow.session.execute(text("SELECT pg_sleep(0.2)"))  # not heard before the commit
            assert heard.empty()
        assert await asyncio.wait_for(heard.get(), 30) == jobs[0].id
        await listener.execute("SELECT 1")  # a round trip: anything else sent is in by now
        assert heard.empty()
    finally:
        await listener.close()


async def test_a_claim_waits_for_the_session_another_claim_holds(database: tuple[Database, str]) -> None:
    store, url = database
    queued = job("s1", 0)  # the lock is the upper-cased session id's
    async with store.unit_of_work() as uow:
        await uow.profile_jobs.add_many([queued])
    other = await asyncpg.connect(url)
    try:
        held = other.transaction()
        await held.start()
        await other.execute("SELECT pg_advisory_xact_lock($1, hashtext('S1'))", SESSION_LOCKS)

        async def claim() -> list[str]:
            async with store.unit_of_work() as uow:
                return [j.id for j in await uow.profile_jobs.claim_many(16)]

        claiming = asyncio.get_running_loop().create_task(claim())
        await _waiting_for_advisory_lock(other)
        assert not claiming.done()
        await held.rollback()
        assert await asyncio.wait_for(claiming, 30) == [queued.id]
    finally:
        await other.close()


async def _waiting_for_advisory_lock(conn: Any) -> None:
    """Until some other backend waits for an advisory lock (polled: PostgreSQL sends no event for it)."""
    query = (
        "SELECT count(*) FROM pg_locks"
        " WHERE locktype = 'advisory' AND NOT granted AND pid <> pg_backend_pid()"
    )
    async with asyncio.timeout(30):
        while not await conn.fetchval(query):
            await asyncio.sleep(0.05)

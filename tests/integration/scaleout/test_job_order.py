"""On PostgreSQL a session's ChargingProfiles jobs run in the order they came, whichever claims take them.

A claim locks the oldest queued rows first and their sessions' advisory locks after. A newer job of the same
session, claimed by another worker in between, got the session's lock first: it ran, then the older one over
it, and the station kept the older profile while the Sender, both ACCEPTED, took the newer as in force (a
car drew its site share, 16.3 A, against a plan of 7.3 A for good). Here one claim is caught in between:
it holds the older job's row (as `FOR UPDATE SKIP LOCKED` left it), not yet its session's lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from fera.store import Database
from tests.integration.scaleout._jobs import job, jobs_database

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[tuple[Database, str]]:
    async with jobs_database(tmp_path, "jobs") as both:
        yield both


async def claim(database: Database) -> list[str]:
    async with database.unit_of_work() as uow:
        return [j.id for j in await uow.profile_jobs.claim_many(16)]


async def test_a_newer_job_waits_for_an_older_one_another_claim_holds(
    database: tuple[Database, str],
) -> None:
    store, url = database
    older, newer, elsewhere = job("S1", 0), job("s1", 1), job("S2", 2)  # session ids: case-insensitive
    async with store.unit_of_work() as uow:
        await uow.profile_jobs.add_many([older, newer, elsewhere])
    other = await asyncpg.connect(url)
    try:
        held = other.transaction()
        await held.start()
        await other.execute("SELECT id FROM profile_jobs WHERE id = $1 FOR UPDATE", older.id)
        assert await claim(store) == [elsewhere.id]  # not `newer`: `older` goes first
        await held.rollback()  # that claim failed: `older` is queued again, and free
    finally:
        await other.close()
    assert await claim(store) == [older.id, newer.id, elsewhere.id]

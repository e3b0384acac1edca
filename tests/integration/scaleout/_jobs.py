"""ChargingProfiles jobs queued straight into a real database, for the claim tests on PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fera.smartcharging.model import ProfileJob, RequestKind
from fera.store import Database
from tests.nodes import Databases

T0 = datetime(2030, 1, 1, 7, 0, tzinfo=UTC)


def job(session_id: str, seconds: int) -> ProfileJob:
    """A SET job of sender P1 on the session, created `seconds` after T0, with 30 s to run."""
    at = T0 + timedelta(seconds=seconds)
    response_url = f"http://sender.test/results/{uuid.uuid4().hex}"
    return ProfileJob(
        uuid.uuid4().hex, RequestKind.SET, session_id, "P1", response_url, at, at + timedelta(seconds=30)
    )


@asynccontextmanager
async def jobs_database(tmp_path: Path, name: str) -> AsyncIterator[tuple[Database, str]]:
    """A migrated database of its own, and its URL for asyncpg (dropped at the end)."""
    databases = Databases(tmp_path)
    url = await databases.new(name)
    database = Database(url)
    try:
        await database.migrate()
        yield database, url.replace("postgresql+asyncpg://", "postgresql://")
    finally:
        await database.close()
        await databases.drop_all()

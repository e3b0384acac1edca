"""SQLite through aiosqlite: a read ends without a ROLLBACK (nothing began; each is a hand-off to the
connection's thread), and a unit of work that fails is still rolled back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from fera.store.records import Visibility, Window
from fera.store.sqlalchemy.database import Database
from tests.integration.test_sessions_support import location

ALL = Visibility(all_locations=True)


@pytest.fixture
async def database(tmp_path: Path) -> Any:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fera.sqlite3'}")
    await db.migrate()
    yield db
    await db.engine.dispose()


def count_rollbacks(monkeypatch: pytest.MonkeyPatch) -> list[None]:
    rollbacks: list[None] = []
    plain = aiosqlite.Connection.rollback

    async def rollback(connection: aiosqlite.Connection) -> None:
        rollbacks.append(None)
        await plain(connection)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", rollback)
    return rollbacks


async def test_a_read_sends_sqlite_no_rollback(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    async with database.unit_of_work() as uow:
        await uow.locations.put(location("LOC1"), None)
    rollbacks = count_rollbacks(monkeypatch)

    for _ in range(3):
        async with database.reading() as uow:
            page = await uow.locations.wire_page(None, ALL, Window(0, 50))
            assert page.total == 1

    assert rollbacks == []  # two per read before: the read's own and the pool's on its return


async def test_a_failed_unit_of_work_is_still_rolled_back(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rollbacks = count_rollbacks(monkeypatch)

    with pytest.raises(RuntimeError):
        async with database.unit_of_work() as uow:
            await uow.locations.put(location("LOC1"), None)
            raise RuntimeError("the request failed after its write")

    assert len(rollbacks) == 1
    async with database.reading() as uow:
        assert (await uow.locations.wire_page(None, ALL, Window(0, 50))).total == 0

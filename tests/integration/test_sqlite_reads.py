"""SQLite through aiosqlite: a statement is one hand-off to the connection's thread, with its rows, counts and
errors as SQLAlchemy expects; a read ends without a ROLLBACK (nothing began; each is a hand-off), and a unit
of work that fails is still rolled back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import exc, text

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


def count_calls(monkeypatch: pytest.MonkeyPatch, method: str) -> list[None]:
    """Counts calls of aiosqlite's connection `method` (`_execute`: every hand-off to its thread)."""
    calls: list[None] = []
    plain = getattr(aiosqlite.Connection, method)

    async def counted(connection: aiosqlite.Connection, *args: Any, **kwargs: Any) -> Any:
        calls.append(None)
        return await plain(connection, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, method, counted)
    return calls


async def test_a_read_is_one_hand_off_and_no_rollback(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with database.unit_of_work() as uow:
        await uow.locations.put(location("LOC1"), None)
    rollbacks = count_calls(monkeypatch, "rollback")
    hand_offs = count_calls(monkeypatch, "_execute")

    for _ in range(3):
        async with database.reading() as uow:
            assert (await uow.locations.wire_page(None, ALL, Window(0, 50))).total == 1

    assert rollbacks == []  # two per read before: the read's own and the pool's on its return
    assert len(hand_offs) == 3  # aiosqlite's own cursor: four each (cursor, execute, fetch, close)


async def test_statements_keep_their_rows_counts_and_errors(database: Database) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
        many = await conn.execute(text("INSERT INTO t (name) VALUES (:name)"), [{"name": n} for n in "abc"])
        assert many.rowcount == 3
        one = await conn.execute(text("INSERT INTO t (name) VALUES ('d')"))
        assert one.lastrowid == 4
        changed = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id <= 2"))
        assert changed.rowcount == 2
        rows = (await conn.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "a!"), (2, "b!"), (3, "c"), (4, "d")]
        streamed = await conn.stream(text("SELECT name FROM t ORDER BY id"))
        assert [list(part) for part in [r async for r in streamed.partitions(3)]] == [
            [("a!",), ("b!",), ("c",)],
            [("d",)],
        ]

    with pytest.raises(exc.IntegrityError):
        async with database.engine.begin() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('d')"))
    async with database.engine.connect() as conn:  # the pool's connection still serves
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 4


async def test_a_failed_unit_of_work_is_still_rolled_back(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rollbacks = count_calls(monkeypatch, "rollback")

    with pytest.raises(RuntimeError):
        async with database.unit_of_work() as uow:
            await uow.locations.put(location("LOC1"), None)
            raise RuntimeError("the request failed after its write")

    assert len(rollbacks) == 1
    async with database.reading() as uow:
        assert (await uow.locations.wire_page(None, ALL, Window(0, 50))).total == 0

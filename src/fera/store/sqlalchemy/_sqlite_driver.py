"""aiosqlite with one hand-off to the connection's thread per statement instead of four.

SQLAlchemy's aiosqlite adapter opens a cursor, executes, fetches and closes it, each awaited through
aiosqlite's queue to the connection's thread and back (a queue put, a thread wake-up, a write to the event
loop's self-pipe and a loop wake-up). Here the cursor does all four in the thread at once and keeps the rows:
a statement is one hand-off. SQLite still runs in its own thread, so its work (and a wait on another
process's lock) never blocks the event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator, Iterable
from functools import partial
from typing import Any

import aiosqlite

__all__ = ["connect"]

_Description = tuple[tuple[str, None, None, None, None, None, None], ...] | None


class _Ran:
    """What a statement left once its cursor is closed: rows, description and counts."""

    __slots__ = ("description", "lastrowid", "rowcount", "rows")

    def __init__(self, cursor: sqlite3.Cursor, fetch: bool) -> None:
        self.description: _Description = cursor.description
        self.rows: list[Any] = cursor.fetchall() if fetch and cursor.description else []
        self.lastrowid: int | None = cursor.lastrowid
        self.rowcount: int = cursor.rowcount
        cursor.close()


def _run(connection: sqlite3.Connection, sql: str, parameters: Any, many: bool) -> _Ran:
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        elif parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        return _Ran(cursor, fetch=not many)
    except BaseException:
        cursor.close()
        raise


class _Cursor:
    """The part of aiosqlite's Cursor that SQLAlchemy's adapter uses, each statement run whole in one hop.
    Rows are fetched with the statement (SQLAlchemy's adapter fetches them all at once anyway)."""

    arraysize = 1

    def __init__(self, connection: _Connection) -> None:
        self._connection = connection
        self._ran: _Ran | None = None
        self._next = 0

    def __await__(self) -> Generator[Any, None, _Cursor]:
        return self.__aenter__().__await__()  # SQLAlchemy 2.0 awaits `cursor()`, 2.1 enters it

    async def __aenter__(self) -> _Cursor:
        return self  # no sqlite3 cursor yet: it is made in the thread with the statement

    async def __aexit__(self, *_exc: object) -> None:
        return None

    async def execute(self, sql: str, parameters: Any = None) -> _Cursor:
        self._keep(await self._connection.run_statement(sql, parameters, many=False))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> _Cursor:
        self._keep(await self._connection.run_statement(sql, parameters, many=True))
        return self

    def _keep(self, ran: _Ran) -> None:
        self._ran, self._next = ran, 0

    async def fetchall(self) -> list[Any]:
        rows = self._rows[self._next :]
        self._next += len(rows)
        return rows

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        end = self._next + (size or self.arraysize)
        rows = self._rows[self._next : end]
        self._next += len(rows)
        return rows

    async def fetchone(self) -> Any:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def close(self) -> None:
        if self._ran:  # counts stay readable after close, as on sqlite3's cursor (SQLAlchemy reads them then)
            self._ran.rows = []

    @property
    def _rows(self) -> list[Any]:
        return self._ran.rows if self._ran else []

    @property
    def description(self) -> _Description:
        return self._ran.description if self._ran else None

    @property
    def lastrowid(self) -> int | None:
        return self._ran.lastrowid if self._ran else None

    @property
    def rowcount(self) -> int:
        return self._ran.rowcount if self._ran else -1


class _Connection(aiosqlite.Connection):
    """aiosqlite's connection (its thread, commit, rollback, close) with the one-hop cursor."""

    def cursor(self) -> _Cursor:  # type: ignore[override]
        return _Cursor(self)

    async def run_statement(self, sql: str, parameters: Any, *, many: bool) -> _Ran:
        return await self._execute(_run, self._conn, sql, parameters, many)  # type: ignore[no-untyped-call,no-any-return]


def connect(database: str, **kwargs: Any) -> Callable[[], _Connection]:
    """An `async_creator` for SQLAlchemy: each call opens a connection to `database` (sqlite3.connect's
    keyword arguments as given), started like aiosqlite.connect's, its thread a daemon as SQLAlchemy makes
    aiosqlite's (an interpreter exiting with a pooled connection open does not wait on it)."""

    def create() -> _Connection:
        connection = _Connection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size=64)
        connection._thread.daemon = True
        return connection

    return create

"""SQLite writers of one process take turns in an asyncio queue instead of SQLite's busy handler.

SQLite has one writer at a time. A second connection that wants to write while another holds the lock
waits in the busy handler, which sleeps (1, 2, 5 ... 100 ms) with the event loop idle, so under load
requests take hundreds of ms for a few ms of work. Here the first data-changing statement of a
transaction first takes an in-process lock (awaited through SQLAlchemy's greenlet bridge), held until the
transaction commits or rolls back. Other processes (the CLI) still meet the busy timeout, as before.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.engine import Engine
from sqlalchemy.util import await_only

__all__ = ["serialise_writers"]

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_HOLDS = "fera_writer"
WAIT_S = 30.0  # as the busy timeout: a writer stuck that long is a bug, reported as one


class _Writers:
    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None

    def lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def before_cursor_execute(self, conn: Connection, _c: Any, statement: str, *_args: Any) -> None:
        if conn.info.get(_HOLDS) or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        await_only(asyncio.wait_for(self.lock().acquire(), WAIT_S))
        conn.info[_HOLDS] = True

    def end(self, conn: Connection) -> None:
        if conn.invalidated:  # its info is gone with it; the pool's checkin releases the lock
            return
        self.release(conn.info)

    def checkin(self, _dbapi_conn: Any, record: Any) -> None:
        """Safety net: a connection back in the pool holds nothing (its info is the Connection's)."""
        self.release(record.info)

    def release(self, info: dict[Any, Any]) -> None:
        if info.pop(_HOLDS, False):
            self.lock().release()


def serialise_writers(engine: Engine) -> None:
    writers = _Writers()
    event.listen(engine, "before_cursor_execute", writers.before_cursor_execute)
    event.listen(engine, "commit", writers.end)
    event.listen(engine, "rollback", writers.end)
    event.listen(engine.pool, "checkin", writers.checkin)

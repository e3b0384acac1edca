"""One owner per named piece of background work across a node's processes (PostgreSQL).

A session-level advisory lock taken on a connection of its own, kept out of the pool: the lock is the
connection's, so a process that dies (even `kill -9`) lets it go when PostgreSQL sees the socket close,
and another process's next try takes it. SQLite has one process: it always owns.
"""

from __future__ import annotations

import logging
import zlib

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

__all__ = ["AdvisoryLease", "OneProcessLease", "try_own"]

log = logging.getLogger(__name__)
OWNER_LOCKS = 0x464F  # the advisory-lock namespace of "one owner per piece of work" ("FO")


def lock_key(name: str) -> int:
    """A stable int4 for a name (the second half of a two-int advisory lock)."""
    return zlib.crc32(name.encode()) - 2**31


class AdvisoryLease:
    """The lock on `name`, held by its own connection until `release` or until that connection dies."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def held(self) -> bool:
        """Still ours: the connection holding the lock still answers (a lost connection lost the lock)."""
        try:
            await self._connection.execute(select(1))
            await self._connection.commit()
        except (DBAPIError, SQLAlchemyError, OSError):
            log.warning("lost the connection that held an owner lock: giving the work up")
            return False
        return True

    async def release(self) -> None:
        # Closing the database connection itself (not returning it to the pool) ends the lock with it.
        try:
            await self._connection.invalidate()
        except (DBAPIError, SQLAlchemyError, OSError):
            pass
        await self._connection.close()


class OneProcessLease:
    """SQLite: the node is one process, which owns everything."""

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


async def try_own(engine: AsyncEngine, name: str) -> AdvisoryLease | None:
    """The lease when no other process holds `name`; None when one does (or the database is away)."""
    try:
        connection = await engine.connect()
    except (DBAPIError, SQLAlchemyError, OSError):
        return None
    lease = AdvisoryLease(connection)
    try:
        taken = await connection.scalar(select(func.pg_try_advisory_lock(OWNER_LOCKS, lock_key(name))))
        await connection.commit()  # a session-level lock outlives the transaction that took it
    except (DBAPIError, SQLAlchemyError, OSError):
        taken = False
    if not taken:
        await lease.release()
        return None
    return lease

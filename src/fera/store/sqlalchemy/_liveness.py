"""PostgreSQL connections are checked before use only after they sat idle in the pool.

SQLAlchemy's `pool_pre_ping` checks every checkout, and on asyncpg a check is three round trips (BEGIN, an
empty statement, ROLLBACK): more than a list GET's own query. Under load a pooled connection is reused
within milliseconds, so the check only pays off on one that sat idle long enough for the server to have
restarted or dropped it. One that dies while in use fails that request, and SQLAlchemy then replaces every
pooled connection opened before the failure.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError

__all__ = ["IDLE_CHECK_S", "check_when_idle"]

IDLE_CHECK_S = 10.0  # a connection idle this long is pinged before it is handed out
_IDLE_SINCE = "fera_idle_since"


def check_when_idle(engine: Engine, idle_s: float = IDLE_CHECK_S) -> None:
    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def handed_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_s:
            return  # new, or back in the pool moments ago
        try:
            dbapi_connection.ping()
        except Exception as error:  # the pool throws it away and hands out another (SQLAlchemy's contract)
            raise DisconnectionError("a pooled connection no longer answers") from error

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", handed_out)

"""Datetimes read back from the database: SQLite keeps no time zone, and everything FERA stores is UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

__all__ = ["utc"]


@overload
def utc(at: datetime) -> datetime: ...
@overload
def utc(at: datetime | None) -> datetime | None: ...
def utc(at: datetime | None) -> datetime | None:
    return at if at is None or at.tzinfo is not None else at.replace(tzinfo=UTC)

"""SignalStore on SQLAlchemy: the latest signal of each kind per group."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fera.store.sqlalchemy._upsert import put_row
from fera.store.sqlalchemy.tables import Base

__all__ = ["SignalRow", "SqlSignalStore"]


class SignalRow(Base):
    __tablename__ = "signals"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]


class SqlSignalStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, kind: str, group_id: str, payload: dict[str, Any], at: datetime) -> None:
        keys = {"kind": kind, "group_id": group_id}
        await put_row(self._session, SignalRow, keys, {"payload": payload, "received_at": at})

    async def get(self, kind: str, group_id: str) -> dict[str, Any] | None:
        row = await self._session.get(SignalRow, (kind, group_id))
        return None if row is None else row.payload

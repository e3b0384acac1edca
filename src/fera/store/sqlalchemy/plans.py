"""PlanViewStore on SQLAlchemy: the last plan a steering party published, and the history its view shows."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import String, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fera.store.sqlalchemy._upsert import put_rows
from fera.store.sqlalchemy.tables import Base

__all__ = ["PlanViewRow", "SqlPlanViewStore"]


class PlanViewRow(Base):
    __tablename__ = "plan_view"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    body: Mapped[dict[str, Any]]


class SqlPlanViewStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, rows: Mapping[tuple[str, str], dict[str, Any]]) -> None:
        if rows:
            given = [{"kind": kind, "key": key, "body": body} for (kind, key), body in rows.items()]
            await put_rows(self._session, PlanViewRow, ("kind", "key"), given)

    async def keep_only(self, kind: str, keys: Collection[str]) -> None:
        row = PlanViewRow
        await self._session.execute(delete(row).where(row.kind == kind, row.key.not_in(list(keys))))

    async def rows(self, kind: str) -> dict[str, dict[str, Any]]:
        query = select(PlanViewRow).where(PlanViewRow.kind == kind)
        return {row.key: row.body for row in await self._session.scalars(query)}

    async def get(self, kind: str, key: str) -> dict[str, Any] | None:
        query = select(PlanViewRow.body).where(PlanViewRow.kind == kind, PlanViewRow.key == key)
        return (await self._session.scalars(query)).first()

"""SiteShareStore on SQLAlchemy (used on PostgreSQL, where several processes balance the same sites; the
tables exist on SQLite too, unused by its one process)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fera.store.site_protocols import SiteRow
from fera.store.sqlalchemy._upsert import put_row
from fera.store.sqlalchemy.tables import Base

__all__ = ["SITE_LOCKS", "SiteRoundRow", "SiteShareRow", "SqlSiteShareStore"]

SITE_LOCKS = 0x4653  # the advisory-lock namespace of "one balancing round per site" ("FS")


class SiteShareRow(Base):
    __tablename__ = "site_shares"

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site: Mapped[str] = mapped_column(String(80), index=True)
    share: Mapped[dict[str, Any] | None]
    in_force: Mapped[dict[str, Any] | None]
    unapplied: Mapped[bool] = mapped_column(Boolean, default=False)


class SiteRoundRow(Base):
    __tablename__ = "site_rounds"

    site: Mapped[str] = mapped_column(String(80), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class SqlSiteShareStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, site: str) -> None:
        if self._session.get_bind().dialect.name == "postgresql":
            key = func.hashtext(site)
            await self._session.execute(select(func.pg_advisory_xact_lock(SITE_LOCKS, key)))

    async def rows(self, site: str) -> dict[str, SiteRow]:
        query = select(SiteShareRow).where(SiteShareRow.site == site)
        return {r.session_id: SiteRow(r.share, r.in_force) for r in await self._session.scalars(query)}

    async def share(self, session_id: str) -> dict[str, Any] | None:
        query = select(SiteShareRow.share).where(SiteShareRow.session_id == session_id)
        return (await self._session.scalars(query)).first()

    async def put_shares(self, site: str, shares: Mapping[str, dict[str, Any]]) -> None:
        row = SiteShareRow
        await self._session.execute(delete(row).where(row.site == site, row.session_id.not_in(list(shares))))
        for session_id, share in shares.items():
            await put_row(self._session, row, {"session_id": session_id}, {"site": site, "share": share})

    async def put_in_force(self, site: str, session_id: str, in_force: dict[str, Any]) -> None:
        values = {"site": site, "in_force": in_force}
        await put_row(self._session, SiteShareRow, {"session_id": session_id}, values)

    async def put_unapplied(self, session_id: str, unapplied: bool) -> None:
        row = SiteShareRow
        query = update(row).where(row.session_id == session_id, row.unapplied.is_not(unapplied))
        await self._session.execute(query.values(unapplied=unapplied))

    async def unapplied(self) -> list[str]:
        query = select(SiteShareRow.session_id).where(SiteShareRow.unapplied.is_(True))
        return list(await self._session.scalars(query))

    async def round_started(self, site: str, at: datetime) -> None:
        values = {"started_at": at, "finished_at": None}
        await put_row(self._session, SiteRoundRow, {"site": site}, values)

    async def round_finished(self, site: str, at: datetime) -> None:
        values = {"started_at": at, "finished_at": at}
        await put_row(self._session, SiteRoundRow, {"site": site}, values)

    async def unfinished(self) -> list[str]:
        query = select(SiteRoundRow.site).where(SiteRoundRow.finished_at.is_(None))
        return list(await self._session.scalars(query))

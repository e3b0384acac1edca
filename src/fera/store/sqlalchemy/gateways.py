"""StationPresenceStore and StationCommandStore on SQLAlchemy (used on PostgreSQL, where gateways and
workers are processes of their own; the tables exist on SQLite too, unused by its one process)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import String, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fera.store.gateway_protocols import STATION_ANSWERS_CHANNEL, STATION_COMMANDS_CHANNEL, StationCommand
from fera.store.sqlalchemy._times import utc
from fera.store.sqlalchemy._upsert import upsert
from fera.store.sqlalchemy.tables import Base

__all__ = ["SqlStationCommandStore", "SqlStationPresenceStore", "StationCommandRow", "StationPresenceRow"]

_QUEUED, _TAKEN, _ANSWERED = "QUEUED", "TAKEN", "ANSWERED"


class StationPresenceRow(Base):
    __tablename__ = "station_presence"

    station_id: Mapped[str] = mapped_column(String(48), primary_key=True)
    gateway_id: Mapped[str] = mapped_column(String(96), index=True)
    seen_at: Mapped[datetime]


class StationCommandRow(Base):
    __tablename__ = "station_commands"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(48), index=True)
    state: Mapped[str] = mapped_column(String(8))
    command: Mapped[dict[str, Any]]
    expires_at: Mapped[datetime]
    answer: Mapped[dict[str, Any] | None]


async def _notify(session: AsyncSession, channel: str, payload: str) -> None:
    if session.get_bind().dialect.name == "postgresql":  # delivered when the transaction commits
        await session.execute(select(func.pg_notify(channel, payload)))


class SqlStationPresenceStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def hold(self, station_id: str, gateway_id: str, at: datetime) -> None:
        values = {"gateway_id": gateway_id, "seen_at": at}
        await upsert(self._session, StationPresenceRow, {"station_id": station_id}, values)

    async def release(self, station_id: str, gateway_id: str) -> bool:
        row = StationPresenceRow
        query = delete(row).where(row.station_id == station_id, row.gateway_id == gateway_id)
        return bool((await self._session.execute(query.returning(row.station_id))).first())

    async def stamp(self, gateway_id: str, at: datetime) -> None:
        row = StationPresenceRow
        await self._session.execute(update(row).where(row.gateway_id == gateway_id).values(seen_at=at))

    async def holder(self, station_id: str, alive_since: datetime) -> str | None:
        row = StationPresenceRow
        query = select(row.gateway_id).where(row.station_id == station_id, row.seen_at >= alive_since)
        return (await self._session.scalars(query)).first()

    async def held(self, alive_since: datetime) -> dict[str, str]:
        row = StationPresenceRow
        query = select(row.station_id, row.gateway_id).where(row.seen_at >= alive_since)
        return {station: gateway for station, gateway in (await self._session.execute(query)).all()}


class SqlStationCommandStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def queue(self, command: StationCommand) -> None:
        self._session.add(
            StationCommandRow(
                id=command.id,
                station_id=command.station_id,
                state=_QUEUED,
                command=command.command,
                expires_at=command.expires_at,
            )
        )
        await self._session.flush()
        await _notify(self._session, STATION_COMMANDS_CHANNEL, command.station_id)

    async def take(self, station_ids: Collection[str], now: datetime) -> list[StationCommand]:
        row = StationCommandRow
        query = (
            select(row)
            .where(row.station_id.in_(list(station_ids)), row.state == _QUEUED, row.expires_at > now)
            .with_for_update(skip_locked=True)  # two gateways holding one station (briefly): one takes it
        )
        rows = list(await self._session.scalars(query))
        if rows:
            ids = [r.id for r in rows]
            await self._session.execute(update(row).where(row.id.in_(ids)).values(state=_TAKEN))
        return [StationCommand(r.id, r.station_id, r.command, utc(r.expires_at)) for r in rows]

    async def answer(self, command_id: str, answer: dict[str, Any]) -> None:
        row = StationCommandRow
        await self._session.execute(
            update(row).where(row.id == command_id).values(state=_ANSWERED, answer=answer)
        )
        await _notify(self._session, STATION_ANSWERS_CHANNEL, command_id)

    async def answer_of(self, command_id: str) -> dict[str, Any] | None:
        row = StationCommandRow
        query = select(row.answer).where(row.id == command_id, row.state == _ANSWERED)
        return (await self._session.scalars(query)).first()

    async def forget(self, command_id: str) -> None:
        await self._session.execute(delete(StationCommandRow).where(StationCommandRow.id == command_id))

    async def purge(self, expired_before: datetime) -> None:
        row = StationCommandRow
        await self._session.execute(delete(row).where(row.expires_at < expired_before))

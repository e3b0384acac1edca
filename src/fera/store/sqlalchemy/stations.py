"""StationBindingStore and StationLookupStore on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fera.ocpi.sessions.models import Session
from fera.ocpi.tokens.models import Token
from fera.store.records import StoredToken
from fera.store.sqlalchemy._upsert import put_row
from fera.store.sqlalchemy.tables import Base, SessionRow, TokenRow
from fera.store.station_protocols import TransactionBinding

__all__ = ["SqlStationBindingStore", "SqlStationLookupStore", "StationBindingRow"]

_ONGOING = ("ACTIVE", "PENDING")


class StationBindingRow(Base):
    __tablename__ = "station_bindings"
    __table_args__ = (UniqueConstraint("station_id", "transaction_id", name="uq_station_bindings_tx"),)

    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(48))
    evse_id: Mapped[int] = mapped_column(Integer)
    transaction_id: Mapped[str] = mapped_column(String(64))
    meter_start_wh: Mapped[float] = mapped_column(Float)


def _binding(row: StationBindingRow) -> TransactionBinding:
    return TransactionBinding(
        row.session_id, row.station_id, row.evse_id, row.transaction_id, row.meter_start_wh
    )


class SqlStationBindingStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, binding: TransactionBinding) -> None:
        values = {
            "station_id": binding.station_id,
            "evse_id": binding.evse_id,
            "transaction_id": binding.transaction_id,
            "meter_start_wh": binding.meter_start_wh,
        }
        await put_row(self._session, StationBindingRow, {"session_id": binding.session_id.upper()}, values)

    async def by_transaction(self, station_id: str, transaction_id: str) -> TransactionBinding | None:
        query = select(StationBindingRow).where(
            StationBindingRow.station_id == station_id, StationBindingRow.transaction_id == transaction_id
        )
        row = (await self._session.execute(query)).scalar_one_or_none()
        return None if row is None else _binding(row)

    async def by_session(self, session_id: str) -> TransactionBinding | None:
        row = await self._session.get(StationBindingRow, session_id.upper())
        return None if row is None else _binding(row)

    async def remove(self, session_id: str) -> None:
        await self._session.execute(
            delete(StationBindingRow).where(StationBindingRow.session_id == session_id.upper())
        )

    async def all(self) -> list[TransactionBinding]:
        rows = await self._session.scalars(select(StationBindingRow))
        return [_binding(row) for row in rows]


class SqlStationLookupStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def ongoing_sessions(self, location_id: str) -> list[Session]:
        query = (
            select(SessionRow.data)
            .where(
                SessionRow.partner_id.is_(None),
                SessionRow.location_id == location_id.upper(),
                SessionRow.data["status"].as_string().in_(_ONGOING),
            )
            .order_by(SessionRow.pk)
        )
        rows: Sequence[dict[str, Any]] = (await self._session.scalars(query)).all()
        return [Session.from_stored(data) for data in rows]

    async def tokens_by_uid(self, uid: str) -> list[StoredToken]:
        query = (
            select(TokenRow)
            .where(TokenRow.uid == uid.upper(), TokenRow.partner_id.is_not(None))
            .order_by(TokenRow.pk)
        )
        rows = await self._session.scalars(query)
        return [StoredToken(Token.model_validate(row.data), row.partner_id) for row in rows]

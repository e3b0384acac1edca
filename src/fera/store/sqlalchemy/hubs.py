"""HubClientInfoStore on SQLAlchemy: key columns upper-cased, `data` the ClientInfo as the hub sent it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fera.ocpi.hubclientinfo.models import ClientInfo
from fera.store.sqlalchemy._upsert import upsert
from fera.store.sqlalchemy.tables import Base

__all__ = ["HubClientInfoRow", "SqlHubClientInfoStore"]


class HubClientInfoRow(Base):
    __tablename__ = "hub_client_infos"
    __table_args__ = (
        UniqueConstraint("partner_id", "country_code", "party_id", name="uq_hub_client_infos_party"),
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner_id: Mapped[str] = mapped_column(String(36))
    country_code: Mapped[str] = mapped_column(String(2))
    party_id: Mapped[str] = mapped_column(String(3))
    last_updated: Mapped[datetime]
    data: Mapped[dict[str, Any]]


class SqlHubClientInfoStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, partner_id: str, info: ClientInfo) -> bool:
        keys = {
            "partner_id": partner_id,
            "country_code": info.country_code.upper(),
            "party_id": info.party_id.upper(),
        }
        values = {"last_updated": info.last_updated, "data": info.to_wire()}
        return await upsert(self._session, HubClientInfoRow, keys, values)

    async def get(self, partner_id: str, country_code: str, party_id: str) -> ClientInfo | None:
        query = select(HubClientInfoRow.data).where(
            HubClientInfoRow.partner_id == partner_id,
            HubClientInfoRow.country_code == country_code.upper(),
            HubClientInfoRow.party_id == party_id.upper(),
        )
        data = await self._session.scalar(query)
        return None if data is None else ClientInfo.model_validate(data)

    async def of_hub(self, partner_id: str) -> list[ClientInfo]:
        query = select(HubClientInfoRow.data).where(HubClientInfoRow.partner_id == partner_id)
        rows: list[dict[str, Any]] = list(await self._session.scalars(query.order_by(HubClientInfoRow.pk)))
        return [ClientInfo.model_validate(data) for data in rows]

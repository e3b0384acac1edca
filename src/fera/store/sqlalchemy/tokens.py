"""TokenStore on SQLAlchemy."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Text, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from fera.ocpi.envelope import WireJson
from fera.ocpi.pagination import Page
from fera.ocpi.tokens.models import Token
from fera.store.records import StoredToken, Window
from fera.store.sqlalchemy._paging import (
    PageStatement,
    WindowShape,
    fetch_page,
    owner_is,
    page_statement,
    window_shape,
)
from fera.store.sqlalchemy._upsert import upsert
from fera.store.sqlalchemy.tables import TokenRow

__all__ = ["SqlTokenStore"]


class SqlTokenStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, country_code: str, party_id: str, uid: str, type_: str) -> StoredToken | None:
        row = await self._row(country_code, party_id, uid, type_)
        return None if row is None else StoredToken(Token.model_validate(row.data), row.partner_id)

    async def put(self, token: Token, partner_id: str | None) -> bool:
        keys = {
            "country_code": token.country_code.upper(),
            "party_id": token.party_id.upper(),
            "uid": token.uid.upper(),
            "type": token.type.value,
        }
        values = {"partner_id": partner_id, "last_updated": token.last_updated, "data": token.to_wire()}
        return await upsert(self._session, TokenRow, keys, values)

    async def page(self, partner_id: str | None, window: Window) -> Page:
        statement = _page_statement(False, partner_id is not None, window_shape(window))
        rows, total = await fetch_page(self._session, statement, window, partner_id=partner_id)
        return Page([Token.model_validate(r.data) for r in rows], total)

    async def wire_page(self, partner_id: str | None, window: Window) -> Page:
        statement = _page_statement(True, partner_id is not None, window_shape(window))
        rows, total = await fetch_page(self._session, statement, window, partner_id=partner_id)
        return Page([WireJson(r.data) for r in rows], total)

    async def _row(self, country_code: str, party_id: str, uid: str, type_: str) -> TokenRow | None:
        query = select(TokenRow).where(
            TokenRow.country_code == country_code.upper(),
            TokenRow.party_id == party_id.upper(),
            TokenRow.uid == uid.upper(),
            TokenRow.type == type_,
        )
        return (await self._session.execute(query)).scalar_one_or_none()


@cache
def _page_statement(wire: bool, partner: bool, shape: WindowShape) -> PageStatement:
    """`wire`: the JSON as stored text, put in a response as is."""
    data = cast(TokenRow.data, Text).label("data") if wire else TokenRow.data
    query = select(data).where(owner_is(TokenRow.partner_id, partner))
    return page_statement(query, TokenRow.pk, TokenRow.last_updated, shape)

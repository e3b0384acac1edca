"""ForwardedSessionStore on SQLAlchemy: the eMSP's own session ids towards its SCSP delegate.

The CPO's ids are kept exactly as the CPO sent them (the eMSP relays them back to it, and a CiString is
compared case-insensitively but never rewritten); lookups compare them upper-cased.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, and_, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fera.ocpi.pagination import Page
from fera.ocpi.sessions.models import Session
from fera.store.records import ForwardedSession, Window
from fera.store.sqlalchemy._paging import PageStatement, WindowShape, fetch_page, page_statement, window_shape
from fera.store.sqlalchemy.tables import ForwardedSessionRow, SessionRow

__all__ = ["SqlForwardedSessionStore"]


class SqlForwardedSessionStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, forwarded: ForwardedSession) -> None:
        self._session.add(
            ForwardedSessionRow(
                id=forwarded.id,
                cpo_partner_id=forwarded.cpo_partner_id,
                country_code=forwarded.country_code,
                party_id=forwarded.party_id,
                session_id=forwarded.session_id,
                scsp_partner_id=forwarded.scsp_partner_id,
            )
        )
        await self._session.flush()

    async def get(self, forwarded_id: str) -> ForwardedSession | None:
        row = await self._session.scalar(
            # Our own ids, compared as the CiString they are: an SCSP may send them back in another case.
            select(ForwardedSessionRow).where(func.lower(ForwardedSessionRow.id) == forwarded_id.lower())
        )
        return None if row is None else _record(row)

    async def by_source(
        self, cpo_partner_id: str, country_code: str, party_id: str, session_id: str
    ) -> list[ForwardedSession]:
        query = select(ForwardedSessionRow).where(
            ForwardedSessionRow.cpo_partner_id == cpo_partner_id,
            func.upper(ForwardedSessionRow.country_code) == country_code.upper(),
            func.upper(ForwardedSessionRow.party_id) == party_id.upper(),
            func.upper(ForwardedSessionRow.session_id) == session_id.upper(),
        )
        return [_record(r) for r in (await self._session.scalars(query.order_by(ForwardedSessionRow.pk)))]

    async def page(self, scsp_partner_id: str, window: Window) -> Page:
        """Items are (ForwardedSession, the CPO's Session as we hold it), oldest forward first."""
        statement, params = _page_statement(window_shape(window)), {"scsp_partner_id": scsp_partner_id}
        rows, total = await fetch_page(self._session, statement, window, params)
        return Page([(_record(r[0]), Session.from_stored(r[1])) for r in rows], total)


@cache
def _page_statement(shape: WindowShape) -> PageStatement:
    query = (
        select(ForwardedSessionRow, SessionRow.data)
        .join(SessionRow, _same_session())
        .where(ForwardedSessionRow.scsp_partner_id == bindparam("scsp_partner_id"))
    )
    return page_statement(query, ForwardedSessionRow.pk, SessionRow.last_updated, shape)


def _same_session() -> ColumnElement[bool]:
    return and_(
        SessionRow.partner_id == ForwardedSessionRow.cpo_partner_id,
        SessionRow.country_code == func.upper(ForwardedSessionRow.country_code),
        SessionRow.party_id == func.upper(ForwardedSessionRow.party_id),
        SessionRow.id == func.upper(ForwardedSessionRow.session_id),
    )


def _record(row: ForwardedSessionRow) -> ForwardedSession:
    return ForwardedSession(
        row.id, row.cpo_partner_id, row.country_code, row.party_id, row.session_id, row.scsp_partner_id
    )

"""LocationStore on SQLAlchemy."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, exists, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from fera.ocpi.envelope import WireJson
from fera.ocpi.locations.models import Location
from fera.ocpi.pagination import Page
from fera.store.records import StoredLocation, Visibility, Window
from fera.store.sqlalchemy._paging import fetch_page, read_rows, windowed
from fera.store.sqlalchemy._upsert import upsert
from fera.store.sqlalchemy.tables import LocationRow

__all__ = ["SqlLocationStore", "owned_by"]


# Indexed column, not the JSON: most nodes have none, and a list GET asks on every request.
_UNPUBLISHED = (
    select(LocationRow.data)
    .where(LocationRow.partner_id.is_(None), LocationRow.publish.is_(False))
    .order_by(LocationRow.pk)
)


# A column of the page's statement: an alias, so it is not correlated with the page's own rows.
_unpublished_rows = aliased(LocationRow, name="unpublished")
_ANY_UNPUBLISHED = (
    exists()
    .where(_unpublished_rows.partner_id.is_(None), _unpublished_rows.publish.is_(False))
    .label("any_unpublished")
)


def owned_by(column: Any, partner_id: str | None) -> ColumnElement[bool]:
    return column.is_(None) if partner_id is None else column == partner_id  # type: ignore[no-any-return]


class SqlLocationStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, country_code: str, party_id: str, location_id: str) -> StoredLocation | None:
        row = await self._row(country_code, party_id, location_id)
        return None if row is None else StoredLocation(Location.model_validate(row.data), row.partner_id)

    async def own(self, location_id: str) -> Location | None:
        query = select(LocationRow).where(
            LocationRow.partner_id.is_(None), LocationRow.id == location_id.upper()
        )
        row = (await self._session.execute(query.limit(1))).scalar_one_or_none()
        return None if row is None else Location.model_validate(row.data)

    async def put(self, location: Location, partner_id: str | None) -> bool:
        keys = {
            "country_code": location.country_code.upper(),
            "party_id": location.party_id.upper(),
            "id": location.id.upper(),
        }
        values = {
            "partner_id": partner_id,
            "last_updated": location.last_updated,
            "data": location.to_wire(),
            "publish": location.publish,
        }
        return await upsert(self._session, LocationRow, keys, values)

    async def ids(self) -> set[str]:
        rows = await self._session.scalars(select(LocationRow.id).distinct())
        return {r.upper() for r in rows}

    async def page(self, partner_id: str | None, visibility: Visibility, window: Window) -> Page:
        query = select(LocationRow.data).where(
            owned_by(LocationRow.partner_id, partner_id), _visible(visibility)
        )
        rows, total = await fetch_page(
            self._session, windowed(query, LocationRow.last_updated, window), LocationRow.pk, window
        )
        return Page([Location.model_validate(r.data) for r in rows], total)

    async def unpublished(self) -> list[Location]:
        """Our own locations with `publish` false, oldest first."""
        rows = await read_rows(self._session, _UNPUBLISHED)
        return [Location.model_validate(row.data) for row in rows]

    async def wire_page(self, partner_id: str | None, visibility: Visibility, window: Window) -> Page:
        rows, total = await self._wire_rows(partner_id, visibility, window)
        return Page([WireJson(r.data) for r in rows], total)

    async def public_wire_page(self, visibility: Visibility, window: Window) -> Page | None:
        rows, total = await self._wire_rows(None, visibility, window, _ANY_UNPUBLISHED)
        if not rows or rows[0].any_unpublished:
            return None
        return Page([WireJson(r.data) for r in rows], total)

    async def _wire_rows(
        self, partner_id: str | None, visibility: Visibility, window: Window, *extra: Any
    ) -> tuple[list[Any], int]:
        query = select(cast(LocationRow.data, Text).label("data")).where(
            owned_by(LocationRow.partner_id, partner_id), _visible(visibility)
        )
        query = windowed(query, LocationRow.last_updated, window)
        return await fetch_page(self._session, query, LocationRow.pk, window, *extra)

    async def _row(self, country_code: str, party_id: str, location_id: str) -> LocationRow | None:
        query = select(LocationRow).where(
            and_(
                LocationRow.country_code == country_code.upper(),
                LocationRow.party_id == party_id.upper(),
                LocationRow.id == location_id.upper(),
            )
        )
        return (await self._session.execute(query)).scalar_one_or_none()


def _visible(visibility: Visibility) -> ColumnElement[bool]:
    if visibility.hidden_location_ids:
        return and_(
            LocationRow.id.not_in(sorted(visibility.hidden_location_ids)),
            _visible(replace(visibility, hidden_location_ids=frozenset())),
        )
    if visibility.all_locations:
        return true()
    if not visibility.location_ids:
        return false()
    return LocationRow.id.in_(sorted(visibility.location_ids))

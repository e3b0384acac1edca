"""LocationStore on SQLAlchemy."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from sqlalchemy import ColumnElement, Text, and_, bindparam, cast, exists, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from fera.ocpi.envelope import WireJson
from fera.ocpi.locations.models import Location
from fera.ocpi.pagination import Page
from fera.store.records import StoredLocation, Visibility, Window
from fera.store.sqlalchemy._paging import (
    PageStatement,
    WindowShape,
    fetch_page,
    owner_is,
    page_statement,
    read_rows,
    window_shape,
)
from fera.store.sqlalchemy._upsert import upsert
from fera.store.sqlalchemy.tables import LocationRow

__all__ = ["SqlLocationStore"]


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
        rows, total = await self._page_rows(False, partner_id, visibility, window, False)
        return Page([Location.model_validate(r.data) for r in rows], total)

    async def unpublished(self) -> list[Location]:
        """Our own locations with `publish` false, oldest first."""
        rows = await read_rows(self._session, _UNPUBLISHED)
        return [Location.model_validate(row.data) for row in rows]

    async def wire_page(self, partner_id: str | None, visibility: Visibility, window: Window) -> Page:
        rows, total = await self._page_rows(True, partner_id, visibility, window, False)
        return Page([WireJson(r.data) for r in rows], total)

    async def public_wire_page(self, visibility: Visibility, window: Window) -> Page | None:
        rows, total = await self._page_rows(True, None, visibility, window, True)
        if not rows or rows[0].any_unpublished:
            return None
        return Page([WireJson(r.data) for r in rows], total)

    async def _page_rows(
        self, wire: bool, partner_id: str | None, visibility: Visibility, window: Window, unpublished: bool
    ) -> tuple[list[Any], int]:
        seen, ids = _seen(visibility)
        statement = _page_statement(wire, partner_id is not None, seen, window_shape(window), unpublished)
        return await fetch_page(self._session, statement, window, ids, partner_id)

    async def _row(self, country_code: str, party_id: str, location_id: str) -> LocationRow | None:
        query = select(LocationRow).where(
            and_(
                LocationRow.country_code == country_code.upper(),
                LocationRow.party_id == party_id.upper(),
                LocationRow.id == location_id.upper(),
            )
        )
        return (await self._session.execute(query)).scalar_one_or_none()


Seen = tuple[Literal["all", "some", "none"], bool]  # which locations, and are some of them hidden?


def _seen(visibility: Visibility) -> tuple[Seen, dict[str, list[str]]]:
    """The shape of a caller's visibility, and its ids as the statement's parameters."""
    kind: Literal["all", "some", "none"] = (
        "all" if visibility.all_locations else "some" if visibility.location_ids else "none"
    )
    ids = {
        "location_ids": sorted(visibility.location_ids),
        "hidden_ids": sorted(visibility.hidden_location_ids),
    }
    return (kind, bool(visibility.hidden_location_ids)), ids


@cache
def _page_statement(
    wire: bool, partner: bool, seen: Seen, shape: WindowShape, unpublished: bool
) -> PageStatement:
    """`wire`: the JSON as stored text (put in a response as is); `unpublished`: a column saying whether any
    of our locations is unpublished (then the caller takes the exact path)."""
    data = cast(LocationRow.data, Text).label("data") if wire else LocationRow.data
    query = select(data).where(owner_is(LocationRow.partner_id, partner), _visible(*seen))
    extra = (_ANY_UNPUBLISHED,) if unpublished else ()
    return page_statement(query, LocationRow.pk, LocationRow.last_updated, shape, *extra)


def _visible(kind: Literal["all", "some", "none"], hidden: bool) -> ColumnElement[bool]:
    if hidden:
        return and_(LocationRow.id.not_in(bindparam("hidden_ids", expanding=True)), _visible(kind, False))
    if kind == "all":
        return true()
    if kind == "none":
        return false()
    return LocationRow.id.in_(bindparam("location_ids", expanding=True))

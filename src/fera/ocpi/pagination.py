"""Paginated list GETs: offset/limit/date_from/date_to in; Link, X-Total-Count, X-Limit out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from fera.ocpi.envelope import WireJson, ocpi_response, raw_list_response
from fera.ocpi.errors import InvalidParameters
from fera.ocpi.types import DateTime, format_datetime

__all__ = [
    "MAX_OFFSET",
    "MAX_PAGE_SIZE",
    "Page",
    "PageQuery",
    "page_query",
    "page_response",
    "required_date_from",
]

MAX_PAGE_SIZE = 100
MAX_OFFSET = 2**31 - 1  # fits every database's integer: beyond it a peer gets 2001, never a 500


@dataclass(frozen=True)
class PageQuery:
    offset: int = 0
    limit: int = MAX_PAGE_SIZE
    date_from: datetime | None = None  # inclusive, on last_updated
    date_to: datetime | None = None  # exclusive


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    total: int  # matching objects for this caller, ignoring offset/limit


async def page_query(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int | None, Query(ge=1, le=MAX_OFFSET)] = None,
    date_from: Annotated[DateTime | None, Query()] = None,
    date_to: Annotated[DateTime | None, Query()] = None,
) -> PageQuery:
    """FastAPI dependency; the server caps `limit` at its own page size. `async` although it awaits nothing:
    FastAPI runs a plain `def` dependency in its thread pool, a thread hop per list GET."""
    return PageQuery(offset, min(limit or MAX_PAGE_SIZE, MAX_PAGE_SIZE), date_from, date_to)


def required_date_from(query: PageQuery) -> PageQuery:
    """Sessions Sender GET marks `date_from` as required."""
    if query.date_from is None:
        raise InvalidParameters("date_from is required")
    return query


def page_response(request: Request, page: Page, query: PageQuery) -> Response:
    headers = {"X-Total-Count": str(page.total), "X-Limit": str(MAX_PAGE_SIZE)}
    next_offset = query.offset + len(page.items)
    if page.items and next_offset < page.total:
        headers["Link"] = f'<{_next_url(request, query, next_offset)}>; rel="next"'
    if page.items and all(isinstance(item, WireJson) for item in page.items):
        return raw_list_response(page.items, headers)  # stored wire JSON: not parsed, not validated again
    return ocpi_response(list(page.items), headers=headers)


def _next_url(request: Request, query: PageQuery, offset: int) -> str:
    params: dict[str, str] = {"offset": str(offset), "limit": str(query.limit)}
    if query.date_from is not None:
        params["date_from"] = format_datetime(query.date_from)
    if query.date_to is not None:
        params["date_to"] = format_datetime(query.date_to)
    base = str(request.url.replace(query=""))
    return f"{base}?{urlencode(params)}"

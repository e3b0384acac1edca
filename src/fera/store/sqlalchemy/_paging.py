"""One page of a list query: date window on `last_updated`, stable order, total ignoring offset/limit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fera.store.records import Window

__all__ = ["fetch_page", "windowed"]


def windowed(query: Select[Any], last_updated: Any, window: Window) -> Select[Any]:
    if window.date_from is not None:
        query = query.where(last_updated >= window.date_from)
    if window.date_to is not None:
        query = query.where(last_updated < window.date_to)
    return query


async def fetch_page(
    session: AsyncSession, query: Select[Any], order: Any, window: Window
) -> tuple[list[Any], int]:
    """Rows of the page and the total; `query` selects what the caller maps, already filtered.

    One statement: each row carries the total (`count(*) OVER ()`, a trailing column the caller ignores);
    only a page past the end, which has no row to carry it, costs a count of its own."""
    counted = query.add_columns(func.count().over().label("_total"))
    rows = (await session.execute(counted.order_by(order).offset(window.offset).limit(window.limit))).all()
    if rows:
        return list(rows), int(rows[0]._total)
    if window.offset == 0:
        return [], 0
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    return [], int(total)

"""One page of a list query: date window on `last_updated`, stable order, total ignoring offset/limit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fera.store.records import Window

__all__ = ["fetch_page", "read_rows", "windowed"]


def windowed(query: Select[Any], last_updated: Any, window: Window) -> Select[Any]:
    if window.date_from is not None:
        query = query.where(last_updated >= window.date_from)
    if window.date_to is not None:
        query = query.where(last_updated < window.date_to)
    return query


async def fetch_page(
    session: AsyncSession, query: Select[Any], key: Any, window: Window, *extra: Any
) -> tuple[list[Any], int]:
    """Rows of the page and the total; `query` selects what the caller maps, already filtered; `key` is the
    table's integer primary key (the stable, oldest-first order); `extra` columns ride along on each row.

    One statement: the page's keys and the total (`count(*) OVER ()`) come from the key column alone, and
    only the page's rows are joined back for what `query` selects. Counting over the selected rows
    themselves made every page copy every matching object's JSON into the window, whatever its size (each
    row carries the total as a trailing column the caller ignores). Only a page past the end, which has no
    row to carry it, costs a count of its own."""
    keys = (
        query.with_only_columns(key.label("_key"), func.count().over().label("_total"))
        .order_by(key)
        .offset(window.offset)
        .limit(window.limit)
        .subquery("page")
    )
    paged = query.add_columns(keys.c._total, *extra).join(keys, key == keys.c._key).order_by(key)
    rows = await read_rows(session, paged)
    if rows:
        return rows, int(rows[0]._total)
    if window.offset == 0:
        return [], 0
    total = (await read_rows(session, select(func.count()).select_from(query.subquery())))[0][0]
    return [], int(total)


async def read_rows(session: AsyncSession, query: Select[Any]) -> list[Row[Any]]:
    """All rows of a read: through SQLAlchemy Core when `query` selects columns (the ORM's per-statement
    machinery costs several times the statement itself on a page), through the ORM when it selects mapped
    objects, which only the ORM builds."""
    if any(d["expr"] is d.get("entity") for d in query.column_descriptions):
        return list((await session.execute(query)).all())
    connection = await session.connection()
    return list((await connection.execute(query)).all())

"""One page of a list query: date window on `last_updated`, stable order, total ignoring offset/limit.

A list GET's statement is built once per *shape* (is a date bound given? is the owner a partner? which
visibility rule?) with its values as bind parameters, and kept: building a Select, generating its cache key
and looking it up cost about twice what SQLite takes to run the page, on every request. A kept statement's
cache key is memoised on it, so a request only binds its values. Callers cache their statement builders
(`functools.cache` over the shape) and pass the values in `params`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Integer, Row, Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fera.store.records import Window

__all__ = [
    "PageStatement",
    "WindowShape",
    "fetch_page",
    "owner_is",
    "page_statement",
    "read_rows",
    "window_shape",
]

WindowShape = tuple[bool, bool]  # (date_from given, date_to given)
_PARTNER = "owner_partner_id"


def window_shape(window: Window) -> WindowShape:
    return window.date_from is not None, window.date_to is not None


def owner_is(column: Any, partner: bool) -> ColumnElement[bool]:
    """Our own objects (`partner` false), or those of the partner bound as `partner_id` in `fetch_page`."""
    return column.is_(None) if not partner else column == bindparam(_PARTNER)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class PageStatement:
    rows: Select[Any]  # the page's rows, each with the total as `_total`
    count: Select[Any]  # the total alone, for a page past the end
    orm: bool  # selects mapped objects, which only the ORM builds


def page_statement(
    query: Select[Any], key: Any, last_updated: Any, shape: WindowShape, *extra: Any
) -> PageStatement:
    """`query` selects what the caller maps, already filtered; `key` is the table's integer primary key (the
    stable, oldest-first order); `extra` columns ride along on each row.

    One statement: the page's keys and the total (`count(*) OVER ()`) come from the key column alone, and
    only the page's rows are joined back for what `query` selects. Counting over the selected rows
    themselves made every page copy every matching object's JSON into the window, whatever its size (each
    row carries the total as a trailing column the caller ignores). Only a page past the end, which has no
    row to carry it, costs a count of its own."""
    if shape[0]:
        query = query.where(last_updated >= bindparam("date_from"))
    if shape[1]:
        query = query.where(last_updated < bindparam("date_to"))
    keys = (
        query.with_only_columns(key.label("_key"), func.count().over().label("_total"))
        .order_by(key)
        .offset(_integer("page_offset"))
        .limit(_integer("page_limit"))
        .subquery("page")
    )
    rows = query.add_columns(keys.c._total, *extra).join(keys, key == keys.c._key).order_by(key)
    count = select(func.count()).select_from(query.subquery())
    orm = any(d["expr"] is d.get("entity") for d in query.column_descriptions)
    return PageStatement(rows, count, orm)


def _integer(name: str) -> BindParameter[int]:
    return bindparam(name, type_=Integer)  # typed: asyncpg must know what LIMIT and OFFSET receive


async def fetch_page(
    session: AsyncSession,
    statement: PageStatement,
    window: Window,
    params: Mapping[str, Any] | None = None,
    partner_id: str | None = None,
) -> tuple[list[Any], int]:
    """Rows of the page and the total; `params` binds the caller's own parameters, `partner_id` the owner
    named by `owner_is(..., partner=True)`."""
    values = {
        "page_offset": window.offset,
        "page_limit": window.limit,
        "date_from": window.date_from,
        "date_to": window.date_to,
        _PARTNER: partner_id,
        **(params or {}),
    }
    rows = await _read(session, statement.rows, values, statement.orm)
    if rows:
        return rows, int(rows[0]._total)
    if window.offset == 0:
        return [], 0
    return [], int((await _read(session, statement.count, values, False))[0][0])


async def _read(session: AsyncSession, query: Select[Any], values: dict[str, Any], orm: bool) -> list[Any]:
    # SQLAlchemy ignores values for parameters a statement does not have: every shape takes the same dict.
    if orm:
        return list((await session.execute(query, values)).all())
    connection = await session.connection()
    return list((await connection.execute(query, values)).all())


async def read_rows(session: AsyncSession, query: Select[Any]) -> list[Row[Any]]:
    """All rows of a read: through SQLAlchemy Core when `query` selects columns (the ORM's per-statement
    machinery costs several times the statement itself on a page), through the ORM when it selects mapped
    objects, which only the ORM builds."""
    if any(d["expr"] is d.get("entity") for d in query.column_descriptions):
        return list((await session.execute(query)).all())
    connection = await session.connection()
    return list((await connection.execute(query)).all())

"""Insert-or-update of one row by its unique key, safe when two writers race for the same new key, and with
no SELECT first.

A read-then-insert loses that race (both see nothing, the second insert breaks the unique constraint); an
`INSERT … ON CONFLICT DO UPDATE` in the database's own dialect doesn't.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, and_, bindparam, literal_column, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from fera.store.sqlalchemy.tables import Base, table_of

__all__ = ["put_row", "put_rows", "upsert"]


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _params(*columns: dict[str, Any] | None) -> dict[str, Any]:
    return {"p_" + name: value for given in columns for name, value in (given or {}).items()}


@functools.cache
def _upsert_of(
    postgres: bool, table: Table, keys: tuple[str, ...], values: tuple[str, ...], insert_only: tuple[str, ...]
) -> Any:
    """Built once per shape, with bound parameters (`p_<column>`): building one (its `excluded` alias
    above all) costs more than running it."""
    insert = postgresql.insert if postgres else sqlite.insert
    names = (*insert_only, *keys, *values)
    statement = insert(table).values({n: bindparam("p_" + n, type_=table.c[n].type) for n in names})
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in values}
    )


def _statement(
    session: AsyncSession,
    table: Table,
    keys: dict[str, Any],
    values: dict[str, Any],
    insert_only: dict[str, Any] | None = None,
) -> Any:
    return _upsert_of(_postgres(session), table, tuple(keys), tuple(values), tuple(insert_only or ()))


async def put_row(
    session: AsyncSession,
    model: type[Base],
    keys: dict[str, Any],
    values: dict[str, Any],
    insert_only: dict[str, Any] | None = None,
) -> None:
    """Write the row whose unique key is `keys`, in one statement. Columns left out of `values` keep what they
    hold; a new row takes `insert_only` for them."""
    statement = _statement(session, table_of(model), keys, values, insert_only)
    await session.execute(statement, _params(insert_only, keys, values))
    session.expire_all()  # ORM objects loaded earlier in this unit of work must not hide the new values


async def put_rows(
    session: AsyncSession,
    model: type[Base],
    keys: tuple[str, ...],
    rows: list[dict[str, Any]],
    insert_only: tuple[str, ...] = (),
) -> None:
    """`put_row` for many rows of the same columns in one statement run (executemany): each row's
    columns other than `keys` are its values (those in `insert_only` only for a new row)."""
    values = tuple(name for name in rows[0] if name not in keys and name not in insert_only)
    statement = _upsert_of(_postgres(session), table_of(model), keys, values, insert_only)
    await session.execute(statement, [{"p_" + name: value for name, value in row.items()} for row in rows])
    session.expire_all()


async def upsert(
    session: AsyncSession, model: type[Base], keys: dict[str, Any], values: dict[str, Any]
) -> bool:
    """Write the row whose unique key is `keys`; True when it did not exist before."""
    table = table_of(model)
    if _postgres(session):  # a row the statement inserted has no deleting transaction yet: xmax = 0
        statement = _statement(session, table, keys, values).returning(literal_column("(xmax = 0)"))
        created = bool((await session.execute(statement, _params(keys, values))).scalar_one())
    else:
        # SQLite has no such marker: update first (an update takes the database's write lock, so no other
        # writer can insert the key before the insert that follows when nothing was there).
        where = and_(*(table.c[name] == value for name, value in keys.items()))
        updated = await session.execute(update(table).where(where).values(**values))
        created = updated.rowcount == 0  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        if created:
            await session.execute(_statement(session, table, keys, values), _params(keys, values))
    session.expire_all()
    return created

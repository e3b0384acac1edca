"""Insert-or-update of one row by its unique key, safe when two writers race for the same new key.

A read-then-insert loses that race (both see nothing, the second insert breaks the unique constraint); an
`INSERT … ON CONFLICT DO UPDATE` in the database's own dialect doesn't.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, and_, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from fera.store.sqlalchemy.tables import Base

__all__ = ["upsert"]


async def upsert(
    session: AsyncSession, model: type[Base], keys: dict[str, Any], values: dict[str, Any]
) -> bool:
    """Write the row whose unique key is `keys`; True when it did not exist before."""
    table: Table = model.__table__  # type: ignore[assignment]  # declarative classes map one Table
    where = and_(*(table.c[name] == value for name, value in keys.items()))
    existed = await session.scalar(select(literal(1)).select_from(table).where(where).limit(1))
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table).values(**keys, **values)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in values}
    )
    await session.execute(statement)
    session.expire_all()  # ORM objects loaded earlier in this unit of work must not hide the new values
    return existed is None

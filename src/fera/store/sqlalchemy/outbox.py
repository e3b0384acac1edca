"""OutboxStore on SQLAlchemy: pushes written with their change, claimed per object by one worker at a time.

An object is claimed with a transaction-level advisory lock on its key (PostgreSQL), not with row locks:
the API processes only insert, and only the lock's holder reads, deletes or postpones the object's rows, so
a worker killed mid-delivery lets the object go with its connection and the next claim sees its rows again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Integer,
    String,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from fera.ocpi.auth import Party
from fera.ocpi.peer import PeerRequest
from fera.ocpi.types import Role
from fera.store.outbox_protocols import OUTBOX_CHANNEL, CurrentObject, OutboxPush, PushedObject, QueuedPush
from fera.store.sqlalchemy._times import utc
from fera.store.sqlalchemy._upsert import put_row
from fera.store.sqlalchemy.tables import Base, SessionRow, table_of

__all__ = ["OutboxObjectRow", "OutboxRow", "SqlOutboxStore"]

OUTBOX_LOCKS = 0x4650  # the advisory-lock namespace of "one worker per pushed object" ("FP")
_TRY_LOCK = text(
    "SELECT k FROM unnest(CAST(:keys AS text[])) AS k"
    " WHERE pg_try_advisory_xact_lock(:namespace, hashtext(k))"
)


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    key: Mapped[str] = mapped_column(String(300), index=True)
    push: Mapped[dict[str, Any]]
    due_at: Mapped[datetime] = mapped_column(index=True)
    written_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    tried: Mapped[bool] = mapped_column(Boolean, default=False)


class OutboxObjectRow(Base):
    __tablename__ = "outbox_objects"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    held_sent_at: Mapped[datetime | None]
    released_through: Mapped[datetime | None]


_OUTBOX = table_of(OutboxRow)
_NEW = ("key", "push", "due_at", "written_at", "attempts", "tried")
_WRITTEN_ONE = insert(_OUTBOX).values({k: bindparam(f"new_{k}") for k in _NEW}).returning(_OUTBOX.c.key)
_WRITE_CTE = _WRITTEN_ONE.cte("written")
_WRITE_ONE = select(func.pg_notify(OUTBOX_CHANNEL, _WRITE_CTE.c.key))  # sent on commit


class SqlOutboxStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _postgres(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

    async def add(self, pushes: Sequence[OutboxPush], at: datetime, hold_s: float = 0.0) -> None:
        if not pushes:
            return
        released = await self._held_released(pushes, at, hold_s)
        due = [released.get(p.key, at) if p.held else at for p in pushes]
        rows = [
            {
                "key": p.key,
                "push": _stored(p),
                "due_at": due_at,
                "written_at": at,
                "attempts": 0,
                "tried": False,
            }
            for p, due_at in zip(pushes, due, strict=True)
        ]
        if not (self._postgres and min(due) <= at):
            await self._session.execute(insert(_OUTBOX), rows)  # Core: the ORM's RETURNING of ids unread
        elif len(rows) == 1:  # the workers' wake-up in the insert's statement (one round trip, not two)
            await self._session.execute(_WRITE_ONE, {f"new_{k}": v for k, v in rows[0].items()})
        else:  # a statement per number of rows would crowd out asyncpg's prepared statements: two
            await self._session.execute(insert(_OUTBOX), rows)
            await self._session.execute(select(func.pg_notify(OUTBOX_CHANNEL, pushes[0].key)))

    async def _held_released(
        self, pushes: Sequence[OutboxPush], at: datetime, hold_s: float
    ) -> dict[str, datetime]:
        """When a held push may go, per object that sent one within `hold_s`: it is not due before (no
        worker is woken for a reading that waits anyway; a change after it makes its object due)."""
        keys = sorted({p.key for p in pushes if p.held})
        if not keys or hold_s <= 0:
            return {}
        hold = timedelta(seconds=hold_s)
        return {
            row.key: max(at, sent + hold)
            for row in await self._session.execute(_held_sent(), {"keys": keys})
            if (sent := utc(row.held_sent_at)) is not None
        }

    async def claim(self, most: int, due_by: datetime) -> list[QueuedPush]:
        # An object waiting to try a failed push again is left alone (its later pushes wait behind it).
        retrying = select(OutboxRow.key).where(OutboxRow.attempts > 0, OutboxRow.due_at > due_by)
        oldest = (
            select(OutboxRow.key)
            .where(OutboxRow.due_at <= due_by, OutboxRow.key.not_in(retrying))
            .group_by(OutboxRow.key)
        )
        keys = list(await self._session.scalars(oldest.order_by(func.min(OutboxRow.id)).limit(most)))
        if keys and self._postgres:
            locked = await self._session.scalars(_TRY_LOCK, {"keys": keys, "namespace": OUTBOX_LOCKS})
            keys = sorted(locked)
        if not keys:
            return []
        rows = await self._session.scalars(
            select(OutboxRow).where(OutboxRow.key.in_(keys)).order_by(OutboxRow.id)
        )
        return [_queued(row) for row in rows]

    async def mark_tried(self, ids: Sequence[int]) -> None:
        if ids:
            query = update(OutboxRow).where(OutboxRow.id.in_(list(ids)), OutboxRow.tried.is_(False))
            await self._session.execute(query.values(tried=True))

    async def remove(self, ids: Sequence[int]) -> None:
        if ids:
            await self._session.execute(delete(OutboxRow).where(OutboxRow.id.in_(list(ids))))

    async def current(self, push: OutboxPush) -> CurrentObject:
        if push.current is None or push.current[0] != "sessions":
            raise ValueError(f"no stored object of {push.key} to read")
        _, country_code, party_id, session_id = push.current
        given = {"country_code": country_code.upper(), "party_id": party_id.upper(), "id": session_id.upper()}
        row = (await self._session.execute(_current_session(), given | {"key": push.key})).one()
        return CurrentObject(row.wire, row.through)

    async def remove_through(self, key: str, through: int) -> None:
        await self._session.execute(delete(OutboxRow).where(OutboxRow.key == key, OutboxRow.id <= through))

    async def postpone(self, ids: Sequence[int], due_at: datetime, attempts: int) -> None:
        if ids:
            query = update(OutboxRow).where(OutboxRow.id.in_(list(ids)))
            await self._session.execute(query.values(due_at=due_at, attempts=attempts))

    async def objects(self, keys: Sequence[str]) -> dict[str, PushedObject]:
        if not keys:
            return {}
        query = select(OutboxObjectRow).where(OutboxObjectRow.key.in_(list(keys)))
        return {
            row.key: PushedObject(row.stale, utc(row.held_sent_at), utc(row.released_through))
            for row in await self._session.scalars(query)
        }

    async def set_object(self, key: str, state: PushedObject) -> None:
        values = {
            "stale": state.stale,
            "held_sent_at": state.held_sent_at,
            "released_through": state.released_through,
        }
        await put_row(self._session, OutboxObjectRow, {"key": key}, values)

    async def release_held(self, at: datetime) -> None:
        queued = select(OutboxRow.key).distinct()
        objects = update(OutboxObjectRow).where(OutboxObjectRow.key.in_(queued))
        await self._session.execute(objects.values(released_through=at))
        await self._session.execute(update(OutboxRow).where(OutboxRow.due_at > at).values(due_at=at))

    async def pending(self, keys: Sequence[str] | None = None) -> int:
        query = select(func.count()).select_from(OutboxRow)
        if keys is not None:
            query = query.where(OutboxRow.key.in_(list(keys)))
        return int(await self._session.scalar(query) or 0)


@cache
def _held_sent() -> Any:
    """Built once (Core): every group of meter readings asks it."""
    objects = table_of(OutboxObjectRow)
    keys = objects.c.key.in_(bindparam("keys", expanding=True))
    return select(objects.c.key, objects.c.held_sent_at).where(keys, objects.c.held_sent_at.is_not(None))


@cache
def _current_session() -> Any:
    """One statement, so one snapshot: the Session holds the changes of exactly the pushes up to `through`
    (a change writes its Session and its pushes in one transaction, and a later change of the Session
    waits for the row, so its pushes come after)."""
    wire = select(SessionRow.data).where(
        SessionRow.partner_id.is_(None),
        SessionRow.country_code == bindparam("country_code"),
        SessionRow.party_id == bindparam("party_id"),
        SessionRow.id == bindparam("id"),
    )
    through = select(func.max(OutboxRow.id)).where(OutboxRow.key == bindparam("key"))
    return select(wire.scalar_subquery().label("wire"), through.scalar_subquery().label("through"))


def _queued(row: OutboxRow) -> QueuedPush:
    return QueuedPush(row.id, _push(row.key, row.push), row.attempts, utc(row.written_at), row.tried)


def _stored(push: OutboxPush) -> dict[str, Any]:
    to = push.to
    put, current = push.put, None
    if push.current is not None and push.change is not None:  # read if it must go whole, not copied
        put, current = PeerRequest(put.method, put.url, None, put.params), list(push.current)
    return {
        "partner_id": push.partner_id,
        "module": push.module,
        "to": [to.country_code, to.party_id, to.role.value],
        "from_role": push.from_role,
        "put": put.stored(),
        "change": None if push.change is None else push.change.stored(),
        "held": push.held,
        "current": current,
    }


def _push(key: str, given: dict[str, Any]) -> OutboxPush:
    country_code, party_id, role = given["to"]
    change = given.get("change")
    return OutboxPush(
        key=key,
        partner_id=given["partner_id"],
        module=given["module"],
        to=Party(country_code, party_id, Role(role)),
        from_role=given["from_role"],
        put=PeerRequest.from_stored(given["put"]),
        change=None if change is None else PeerRequest.from_stored(change),
        held=bool(given.get("held")),
        current=None if (current := given.get("current")) is None else tuple(current),
    )

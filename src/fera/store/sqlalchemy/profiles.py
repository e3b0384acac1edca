"""ChargingProfiles stores on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    ColumnElement,
    CompoundSelect,
    and_,
    bindparam,
    case,
    cast,
    insert,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from fera.smartcharging.model import (
    ProfileRequest,
    RequestKind,
    RequestState,
    SenderProfile,
    SenderProfileChange,
)
from fera.store.sqlalchemy._times import utc
from fera.store.sqlalchemy._upsert import put_row, put_rows
from fera.store.sqlalchemy.profile_tables import (
    ProfileRequestRow,
    PushedActiveProfileRow,
    ReceivedActiveProfileRow,
    SenderProfileChangeRow,
    SenderProfileRow,
)
from fera.store.sqlalchemy.tables import table_of

__all__ = ["SqlActiveProfileStore", "SqlProfileRequestStore", "SqlSenderProfileStore"]

_REQUEST_FIELDS = (
    "id",
    "partner_id",
    "session_id",
    "created_at",
    "payload",
    "response",
    "timeout_s",
    "responded_at",
    "deadline",
    "result",
    "result_at",
    "late",
    "error",
    "upstream_partner_id",
    "upstream_response_url",
)
_TIMES = ("created_at", "responded_at", "deadline", "result_at")
_TABLE = table_of(ProfileRequestRow)
_COLUMNS = tuple(_TABLE.columns)
# Two comparisons, not IN: an IN list is rendered again at every execution (an "expanding" parameter).
_OPEN = or_(_TABLE.c.state == RequestState.PENDING.value, _TABLE.c.state == RequestState.WAITING.value)


class SqlProfileRequestStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, request: ProfileRequest) -> None:
        values = {name: getattr(request, name) for name in _REQUEST_FIELDS}
        values |= {"kind": request.kind.value, "state": request.state.value}
        await self._session.execute(_insert_request(), values)  # Core, one statement built once

    async def answered(
        self, request_id: str, response: str, timeout_s: int, at: datetime, state: RequestState
    ) -> ProfileRequest | None:
        """The answer's fields; the state only while open (a result or a deadline recorded first stays)."""
        params: dict[str, Any] = {"a_id": request_id, "a_response": response, "a_timeout": timeout_s}
        params |= {"a_at": at, "a_state": state.value}
        waiting = state is RequestState.WAITING
        if waiting:
            params["a_deadline"] = at + timedelta(seconds=timeout_s)
        return await self._returning(_answer_statement(waiting), params)

    async def resulted(
        self, request_id: str, partner_id: str, result: dict[str, Any], at: datetime
    ) -> ProfileRequest | None:
        """DONE whatever the state was; late when it had timed out or its deadline had passed (every SET
        reads the row as it was, so the answer or the deadline committed just before counts)."""
        params = {"r_id": request_id, "r_partner": partner_id, "r_result": result, "r_at": at}
        return await self._returning(_result_statement(), params)

    async def failed(self, request_id: str, error: str) -> ProfileRequest | None:
        row = ProfileRequestRow
        values = {
            "error": case((_OPEN, error), else_=row.error),
            "state": case((_OPEN, RequestState.FAILED.value), else_=row.state),
        }
        return await self._update(request_id, values)

    async def set_deadline(self, request_id: str, deadline: datetime) -> None:
        await self._session.execute(
            update(ProfileRequestRow)
            .where(ProfileRequestRow.id == request_id, ProfileRequestRow.deadline.is_(None))
            .values(deadline=deadline)
        )

    async def _update(
        self, request_id: str, values: dict[str, Any], *where: ColumnElement[bool]
    ) -> ProfileRequest | None:
        """One statement: the row as this UPDATE left it comes back with it (RETURNING), no read after."""
        query = (
            update(ProfileRequestRow)
            .where(ProfileRequestRow.id == request_id, *where)
            .values(values)
            .returning(*_COLUMNS)
        )
        row = (await self._session.execute(query.execution_options(synchronize_session=False))).first()
        self._session.expire_all()  # ORM objects loaded earlier in this unit of work are stale now
        return None if row is None else _request(row)

    async def _returning(self, statement: Any, params: dict[str, Any]) -> ProfileRequest | None:
        """A built statement (`_answer_statement`, `_result_statement`) and the row as it left it."""
        row = (await self._session.execute(statement, params)).first()
        self._session.expire_all()  # ORM objects loaded earlier in this unit of work are stale now
        return None if row is None else _request(row)

    async def get(self, request_id: str) -> ProfileRequest | None:
        row = await self._session.get(ProfileRequestRow, request_id)
        return None if row is None else _request(row)

    async def expire(self, request_id: str) -> ProfileRequest | None:
        """TIMED_OUT if still open, in one statement: a result another process records at the same time
        is never overwritten. The request as it now is; None when it was final already."""
        return await self._update(request_id, {"state": RequestState.TIMED_OUT.value}, _OPEN)

    async def open(self) -> list[ProfileRequest]:
        rows = await self._session.scalars(select(ProfileRequestRow).where(_OPEN))
        return [_request(r) for r in rows]

    async def all(self) -> list[ProfileRequest]:
        """Every request, oldest first (reports; a node keeps them as its audit trail)."""
        query = select(ProfileRequestRow).order_by(ProfileRequestRow.created_at)
        return [_request(r) for r in await self._session.scalars(query)]

    async def for_session(self, partner_id: str, session_id: str) -> list[ProfileRequest]:
        query = (
            select(ProfileRequestRow)
            .where(ProfileRequestRow.partner_id == partner_id, ProfileRequestRow.session_id == session_id)
            .order_by(ProfileRequestRow.created_at)
        )
        return [_request(r) for r in await self._session.scalars(query)]


# The Sender's statements of every round trip (request stored, answer, result), built once with their
# parameters bound at execution: building, caching-keying and ORM-planning a statement per call cost more
# than running it. Core on the table (an ORM UPDATE of the row would plan a bulk update per call).


@cache
def _insert_request() -> Any:
    return insert(_TABLE)


@cache
def _answer_statement(waiting: bool) -> Any:
    """The answer's fields; the state only while open; a WAITING answer's deadline."""
    c = _TABLE.c
    values: dict[str, Any] = {
        "response": bindparam("a_response"),
        "timeout_s": bindparam("a_timeout"),
        "responded_at": bindparam("a_at"),
        "state": case((_OPEN, bindparam("a_state", type_=c.state.type)), else_=c.state),
    }
    if waiting:
        values["deadline"] = bindparam("a_deadline")
    return update(_TABLE).where(c.id == bindparam("a_id")).values(values).returning(*_COLUMNS)


@cache
def _result_statement() -> Any:
    """DONE whatever the state was; late when it had timed out or its deadline had passed."""
    c = _TABLE.c
    passed = and_(c.deadline.is_not(None), c.deadline < bindparam("r_at"))
    late = or_(c.state == RequestState.TIMED_OUT.value, passed)
    values = {
        "result": bindparam("r_result"),
        "result_at": bindparam("r_at"),
        "late": late,
        "state": RequestState.DONE.value,
    }
    where = (c.id == bindparam("r_id"), c.partner_id == bindparam("r_partner"))
    return update(_TABLE).where(*where).values(values).returning(*_COLUMNS)


def _request(row: Any) -> ProfileRequest:
    """From a `ProfileRequestRow` or a row of its columns (`_COLUMNS`)."""
    values: dict[str, Any] = {name: getattr(row, name) for name in _REQUEST_FIELDS}
    values.update({name: utc(values[name]) for name in _TIMES})
    return ProfileRequest(kind=RequestKind(row.kind), state=RequestState(row.state), **values)


class SqlActiveProfileStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, partner_id: str, session_id: str, profile: dict[str, Any], at: datetime) -> None:
        keys = {"partner_id": partner_id, "session_id": session_id}
        await put_row(self._session, ReceivedActiveProfileRow, keys, {"profile": profile, "received_at": at})

    async def get(self, partner_id: str, session_id: str) -> dict[str, Any] | None:
        row = await self._session.get(ReceivedActiveProfileRow, (partner_id, session_id))
        return None if row is None else row.profile


class SqlSenderProfileStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, session_id: str, partner_id: str) -> SenderProfile | None:
        row = await self._session.get(SenderProfileRow, (session_id, partner_id))
        return None if row is None else _sender_profile(row)

    async def save(self, profile: SenderProfile) -> None:
        keys = {"session_id": profile.session_id, "partner_id": profile.partner_id}
        values = {
            "profile": profile.profile,
            "set_at": profile.set_at,
            "last_request_at": profile.last_request_at,
        }
        await put_row(self._session, SenderProfileRow, keys, values)

    async def mark_request(self, session_id: str, partner_id: str, at: datetime) -> None:
        await self.mark_requests([(session_id, partner_id, at)])

    async def mark_requests(self, marks: Sequence[tuple[str, str, datetime]]) -> None:
        """(session_id, partner_id, at) each: one statement run for all of them."""
        rows = [{"session_id": s, "partner_id": p, "last_request_at": at} for s, p, at in marks]
        if rows:
            await put_rows(self._session, SenderProfileRow, ("session_id", "partner_id"), rows)

    async def set_profile(
        self, session_id: str, partner_id: str, profile: dict[str, Any] | None, at: datetime
    ) -> None:
        keys = {"session_id": session_id, "partner_id": partner_id}
        values: dict[str, Any] = {"profile": profile} | ({} if profile is None else {"set_at": at})
        await put_row(self._session, SenderProfileRow, keys, values, insert_only={"last_request_at": at})

    async def set_profiles(
        self, profiles: Sequence[tuple[str, str, dict[str, Any] | None]], at: datetime
    ) -> None:
        """The profiles set (with `set_at`) in one statement run, the cleared ones (keeping it) in another."""
        keys, new = ("session_id", "partner_id"), ("last_request_at",)
        for cleared in (False, True):
            rows = [
                {"session_id": s, "partner_id": p, "profile": profile, "last_request_at": at}
                | ({} if cleared else {"set_at": at})
                for s, p, profile in profiles
                if (profile is None) is cleared
            ]
            if rows:
                await put_rows(self._session, SenderProfileRow, keys, rows, insert_only=new)

    async def for_session(self, session_id: str) -> list[SenderProfile]:
        return await self.for_sessions([session_id])

    async def for_sessions(self, session_ids: Iterable[str]) -> list[SenderProfile]:
        """Every sender's row on any of `session_ids`, in one query (Core: no ORM identity map to fill)."""
        table = table_of(SenderProfileRow)  # its columns: an ORM attribute would make it an ORM statement
        query = select(*table.c).where(table.c.session_id.in_(sorted(set(session_ids))))
        return [_sender_profile(r) for r in await self._session.execute(query)]

    async def inputs_of(
        self, session_ids: Iterable[str]
    ) -> tuple[list[SenderProfile], dict[str, dict[str, Any]]]:
        """`for_sessions` and `last_pushed_many` in one statement: one round trip, and on PostgreSQL one
        snapshot even outside a transaction (each session's last push is a row without a partner)."""
        rows = list(await self._session.execute(_inputs_query(), {"ids": sorted(set(session_ids))}))
        held = [_sender_profile(row) for row in rows if row.partner_id is not None]
        return held, {row.session_id: row.pushed for row in rows if row.partner_id is None}

    async def last_pushed(self, session_id: str) -> dict[str, Any] | None:
        return (await self.last_pushed_many([session_id])).get(session_id)

    async def last_pushed_many(self, session_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        table = table_of(PushedActiveProfileRow)
        query = select(table.c.session_id, table.c.profile).where(
            table.c.session_id.in_(sorted(set(session_ids)))
        )
        return {row.session_id: row.profile for row in await self._session.execute(query)}

    async def set_pushed(self, session_id: str, profile: dict[str, Any], at: datetime) -> None:
        await self.set_pushed_many([(session_id, profile, at)])

    async def set_pushed_many(self, pushes: Sequence[tuple[str, dict[str, Any], datetime]]) -> None:
        rows = [{"session_id": s, "profile": profile, "pushed_at": at} for s, profile, at in pushes]
        if rows:
            await put_rows(self._session, PushedActiveProfileRow, ("session_id",), rows)

    async def add_change(self, change: SenderProfileChange) -> None:
        self._session.add(
            SenderProfileChangeRow(
                session_id=change.session_id,
                partner_id=change.partner_id,
                at=change.at,
                profile=change.profile,
            )
        )

    async def add_changes(self, changes: Sequence[SenderProfileChange]) -> None:
        """Inserted in one statement run (Core: no ORM flush)."""
        if changes:
            rows = [
                {"session_id": c.session_id, "partner_id": c.partner_id, "at": c.at, "profile": c.profile}
                for c in changes
            ]
            await self._session.execute(insert(table_of(SenderProfileChangeRow)), rows)

    async def changes(self, session_id: str) -> list[SenderProfileChange]:
        query = (
            select(SenderProfileChangeRow)
            .where(SenderProfileChangeRow.session_id == session_id)
            .order_by(SenderProfileChangeRow.at, SenderProfileChangeRow.pk)
        )
        return [
            SenderProfileChange(r.session_id, r.partner_id, utc(r.at), r.profile)
            for r in await self._session.scalars(query)
        ]


@cache
def _inputs_query() -> CompoundSelect[Any]:
    held, pushed = table_of(SenderProfileRow), table_of(PushedActiveProfileRow)
    ids: BindParameter[list[str]] = bindparam("ids", expanding=True)
    columns = (held.c.session_id, held.c.partner_id, held.c.profile, held.c.set_at, held.c.last_request_at)
    return union_all(
        select(*columns, cast(null(), JSON).label("pushed")).where(held.c.session_id.in_(ids)),
        select(pushed.c.session_id, null(), null(), null(), null(), pushed.c.profile).where(
            pushed.c.session_id.in_(ids)
        ),
    )


def _sender_profile(row: Any) -> SenderProfile:  # an ORM row or a Core one: the same attributes
    return SenderProfile(
        row.session_id,
        row.partner_id,
        row.profile,
        utc(row.set_at),
        utc(row.last_request_at),
    )

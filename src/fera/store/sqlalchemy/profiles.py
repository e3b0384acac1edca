"""ChargingProfiles stores on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, case, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from fera.smartcharging.model import (
    JobState,
    ProfileJob,
    ProfileRequest,
    RequestKind,
    RequestState,
    ResultDelivery,
    SenderProfile,
    SenderProfileChange,
)
from fera.store.profile_protocols import PROFILE_JOBS_CHANNEL
from fera.store.sqlalchemy._upsert import put_row, put_rows
from fera.store.sqlalchemy.profile_tables import (
    ProfileJobRow,
    ProfileRequestRow,
    PushedActiveProfileRow,
    ReceivedActiveProfileRow,
    SenderProfileChangeRow,
    SenderProfileRow,
)

__all__ = ["SqlActiveProfileStore", "SqlProfileJobStore", "SqlProfileRequestStore", "SqlSenderProfileStore"]

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
_OPEN = ProfileRequestRow.state.in_((RequestState.PENDING.value, RequestState.WAITING.value))


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything FERA stores is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class SqlProfileRequestStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, request: ProfileRequest) -> None:
        self._session.add(_request_row(request, ProfileRequestRow()))
        await self._session.flush()

    async def answered(
        self, request_id: str, response: str, timeout_s: int, at: datetime, state: RequestState
    ) -> ProfileRequest | None:
        """The answer's fields; the state only while open (a result or a deadline recorded first stays)."""
        values: dict[str, Any] = {"response": response, "timeout_s": timeout_s, "responded_at": at}
        if state is RequestState.WAITING:
            values["deadline"] = at + timedelta(seconds=timeout_s)
        values["state"] = case((_OPEN, state.value), else_=ProfileRequestRow.state)
        return await self._update(request_id, values)

    async def resulted(
        self, request_id: str, partner_id: str, result: dict[str, Any], at: datetime
    ) -> ProfileRequest | None:
        """DONE whatever the state was; late when it had timed out or its deadline had passed (every SET
        reads the row as it was, so the answer or the deadline committed just before counts)."""
        row = ProfileRequestRow
        late = or_(
            row.state == RequestState.TIMED_OUT.value, and_(row.deadline.is_not(None), row.deadline < at)
        )
        values = {"result": result, "result_at": at, "late": late, "state": RequestState.DONE.value}
        return await self._update(request_id, values, row.partner_id == partner_id)

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
        query = update(ProfileRequestRow).where(ProfileRequestRow.id == request_id, *where).values(values)
        done = await self._session.execute(query.execution_options(synchronize_session=False))
        if not done.rowcount:  # type: ignore[attr-defined]
            return None
        self._session.expire_all()  # the row now holds what this UPDATE made of it: read it back
        return await self.get(request_id)

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


def _request_row(request: ProfileRequest, row: ProfileRequestRow) -> ProfileRequestRow:
    for name in _REQUEST_FIELDS:
        setattr(row, name, getattr(request, name))
    row.kind, row.state = request.kind.value, request.state.value
    return row


def _request(row: ProfileRequestRow) -> ProfileRequest:
    values: dict[str, Any] = {name: getattr(row, name) for name in _REQUEST_FIELDS}
    values.update({name: _utc(values[name]) for name in _TIMES})
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
        query = select(*SenderProfileRow.__table__.c).where(
            SenderProfileRow.session_id.in_(sorted(set(session_ids)))
        )
        return [_sender_profile(r) for r in await self._session.execute(query)]

    async def last_pushed(self, session_id: str) -> dict[str, Any] | None:
        return (await self.last_pushed_many([session_id])).get(session_id)

    async def last_pushed_many(self, session_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        table = PushedActiveProfileRow.__table__
        query = select(table.c.session_id, table.c.profile).where(
            table.c.session_id.in_(sorted(set(session_ids)))
        )
        return {row.session_id: row.profile for row in await self._session.execute(query)}

    async def set_pushed(self, session_id: str, profile: dict[str, Any], at: datetime) -> None:
        values = {"profile": profile, "pushed_at": at}
        await put_row(self._session, PushedActiveProfileRow, {"session_id": session_id}, values)

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
            await self._session.execute(insert(SenderProfileChangeRow), rows)

    async def changes(self, session_id: str) -> list[SenderProfileChange]:
        query = (
            select(SenderProfileChangeRow)
            .where(SenderProfileChangeRow.session_id == session_id)
            .order_by(SenderProfileChangeRow.at, SenderProfileChangeRow.pk)
        )
        return [
            SenderProfileChange(r.session_id, r.partner_id, _utc(r.at) or r.at, r.profile)
            for r in await self._session.scalars(query)
        ]


def _sender_profile(row: Any) -> SenderProfile:  # an ORM row or a Core one: the same attributes
    return SenderProfile(
        row.session_id,
        row.partner_id,
        row.profile,
        _utc(row.set_at),
        _utc(row.last_request_at) or row.last_request_at,
    )


class SqlProfileJobStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: ProfileJob) -> None:
        await self.add_many([job])

    async def add_many(self, jobs: Sequence[ProfileJob]) -> None:
        """Queued in one statement run (Core: no ORM flush to pay); on PostgreSQL one notification wakes the
        workers once this commits."""
        if not jobs:
            return
        await self._session.execute(insert(ProfileJobRow), [_job_values(job) for job in jobs])
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(select(func.pg_notify(PROFILE_JOBS_CHANNEL, jobs[0].id)))

    async def done(self, job_id: str, state: JobState = JobState.DONE) -> None:
        await self.done_many([job_id], state)

    async def done_many(self, job_ids: Sequence[str], state: JobState = JobState.DONE) -> None:
        if not job_ids:  # a group of claimed jobs only (their states go with their claims)
            return
        await self._session.execute(
            update(ProfileJobRow).where(ProfileJobRow.id.in_(job_ids)).values(state=state.value)
        )

    async def queued(self) -> list[ProfileJob]:
        return await self._jobs(ProfileJobRow.state == JobState.QUEUED.value)

    async def for_session(self, session_id: str) -> list[ProfileJob]:
        """Every job on the session, in any state (what became of each request), oldest first."""
        return await self._jobs(ProfileJobRow.session_id == session_id)

    async def _jobs(self, where: ColumnElement[bool]) -> list[ProfileJob]:
        query = select(ProfileJobRow).where(where).order_by(ProfileJobRow.created_at)
        return [_job(r) for r in await self._session.scalars(query)]

    async def claim_many(self, most: int) -> list[ProfileJob]:
        """Up to `most` of the oldest queued jobs that no other unit of work holds, locked until this one
        ends (PostgreSQL: FOR UPDATE SKIP LOCKED, and their sessions' advisory locks; a process that dies
        mid-job lets both go with its connection). The advisory locks are taken in one order (by key), so
        two workers whose claims share sessions wait for each other instead of deadlocking."""
        query = (
            select(ProfileJobRow)
            .where(ProfileJobRow.state == JobState.QUEUED.value)
            .order_by(ProfileJobRow.created_at)
            .limit(most)
            .with_for_update(skip_locked=True)
        )
        jobs = [_job(row) for row in await self._session.scalars(query)]
        if jobs and self._session.get_bind().dialect.name == "postgresql":
            ids = sorted({job.session_id for job in jobs})
            await self._session.execute(_LOCK_SESSIONS, {"namespace": SESSION_LOCKS, "ids": ids})
        return jobs

    async def finish_many(
        self, ends: Sequence[tuple[str, JobState, dict[str, Any] | None]], due_at: datetime
    ) -> None:
        """One statement run for all of them (Core, by primary key)."""
        if not ends:
            return
        table = cast(Table, ProfileJobRow.__table__)
        query = (
            update(table)
            .where(table.c.id == bindparam("job_id"))
            .values(
                state=bindparam("job_state"),
                result=bindparam("job_result"),
                result_delivery=bindparam("job_delivery"),
                result_due_at=due_at,
            )
        )
        pending = ResultDelivery.PENDING.value
        rows = [
            {"job_id": i, "job_state": state.value, "job_result": r, "job_delivery": pending if r else None}
            for i, state, r in ends
        ]
        await self._session.execute(query, rows)

    async def claim_results(
        self, most: int, job_ids: Sequence[str] | None = None, due_by: datetime | None = None
    ) -> list[ProfileJob]:
        query = select(ProfileJobRow).where(ProfileJobRow.result_delivery == ResultDelivery.PENDING.value)
        if job_ids is not None:
            query = query.where(ProfileJobRow.id.in_(job_ids))
        if due_by is not None:
            query = query.where(ProfileJobRow.result_due_at <= due_by)
        query = query.order_by(ProfileJobRow.created_at).limit(most).with_for_update(skip_locked=True)
        return [_job(row) for row in await self._session.scalars(query)]

    async def delivered_many(self, job_ids: Sequence[str], delivery: ResultDelivery) -> None:
        await self._set_results(job_ids, result_delivery=delivery.value)

    async def postpone_results(self, job_ids: Sequence[str], due_at: datetime) -> None:
        await self._set_results(job_ids, result_due_at=due_at)

    async def _set_results(self, job_ids: Sequence[str], **values: Any) -> None:
        if job_ids:
            await self._session.execute(
                update(ProfileJobRow).where(ProfileJobRow.id.in_(job_ids)).values(**values)
            )


def _job_values(job: ProfileJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind.value,
        "session_id": job.session_id,
        "partner_id": job.partner_id,
        "response_url": job.response_url,
        "created_at": job.created_at,
        "deadline": job.deadline,
        "state": job.state.value,
        "payload": job.payload,
    }


SESSION_LOCKS = 0x4645  # the advisory-lock namespace of "one job per session" ("FE")
# Each session's lock (one job of a session at a time across workers: each recomputes the minimum of
# every sender's profile), taken in the order of the keys so two workers wait instead of deadlocking.
_LOCK_SESSIONS = text(
    "SELECT pg_advisory_xact_lock(:namespace, k) FROM (SELECT DISTINCT hashtext(upper(s)) AS k"
    " FROM unnest(CAST(:ids AS text[])) AS s ORDER BY k) AS keys"
)


def _job(r: ProfileJobRow) -> ProfileJob:
    return ProfileJob(
        r.id,
        RequestKind(r.kind),
        r.session_id,
        r.partner_id,
        r.response_url,
        _utc(r.created_at) or r.created_at,
        _utc(r.deadline) or r.deadline,
        JobState(r.state),
        r.payload,
        r.result,
    )

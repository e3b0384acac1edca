"""The CPO's ChargingProfiles jobs on SQLAlchemy: queued, claimed (PostgreSQL), ended, results delivered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, DateTime, bindparam, column, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from fera.smartcharging.model import JobState, ProfileJob, RequestKind, ResultDelivery
from fera.store.profile_protocols import PROFILE_JOBS_CHANNEL
from fera.store.sqlalchemy._times import utc
from fera.store.sqlalchemy.profile_tables import ProfileJobRow
from fera.store.sqlalchemy.tables import table_of

__all__ = ["SESSION_LOCKS", "SqlProfileJobStore"]


class SqlProfileJobStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: ProfileJob) -> None:
        await self.add_many([job])

    async def add_many(self, jobs: Sequence[ProfileJob]) -> None:
        """Queued in one statement run (Core: no ORM flush to pay); on PostgreSQL a notification wakes the
        workers once this commits (one job: in the same statement)."""
        if not jobs:
            return
        rows = [_job_values(job) for job in jobs]
        if self._session.get_bind().dialect.name != "postgresql":
            await self._session.execute(insert(_JOBS), rows)
        elif len(rows) == 1:  # the workers' wake-up in the insert's statement (one round trip, not two)
            await self._session.execute(_QUEUE_ONE, {f"new_{k}": v for k, v in rows[0].items()})
        else:  # a statement per number of rows would crowd out asyncpg's prepared statements: two
            await self._session.execute(insert(_JOBS), rows)
            await self._session.execute(select(func.pg_notify(PROFILE_JOBS_CHANNEL, jobs[0].id)))

    async def done(self, job_id: str, state: JobState = JobState.DONE) -> None:
        await self.done_many([job_id], state)

    async def done_many(self, job_ids: Sequence[str], state: JobState = JobState.DONE) -> None:
        if not job_ids:  # a group of claimed jobs only (their states go with their claims)
            return
        await self._session.execute(_DONE, {"job_ids": list(job_ids), "state": state.value})

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
        two workers whose claims share sessions wait for each other instead of deadlocking.

        A session's jobs run in the order they came: a job is left queued while an older one of its session
        still is, held by another claim (`_after_older`).

        On PostgreSQL one statement claims the rows, takes their sessions' locks and looks for older queued
        jobs (`_CLAIM`), where these were three round trips. Its look sees the database as it was when the
        statement began, before it waited for any lock: only when it saw an older job is the look repeated,
        now that the locks are held (that claim may have ended meanwhile)."""
        if self._session.get_bind().dialect.name != "postgresql":
            query = select(*_JOBS.c).where(_JOBS.c.state == JobState.QUEUED.value)
            query = query.order_by(_JOBS.c.created_at).limit(most)
            return [_job(row) for row in await self._session.execute(query)]
        rows = list(await self._session.execute(_CLAIM, {**_CLAIMING, "most": most}))
        jobs = [_job(row) for row in rows]
        if any(r.older_at is not None and utc(r.older_at) <= utc(r.created_at) for r in rows):
            return await self._after_older(jobs)
        return jobs

    async def _after_older(self, jobs: list[ProfileJob]) -> list[ProfileJob]:
        """The claimed jobs less those an older queued job of their session, outside this claim, must go
        before. Another claim may hold that older job's row and not yet its session's lock (taken after the
        rows): this claim got the lock first, and would otherwise apply the newer profile, then that claim
        the older one over it, both ACCEPTED (a Sender that sent the newer one last takes it as in force).
        Read under the sessions' locks, so an older job still queued is one whose claim has not ended."""
        columns = _JOBS.c
        oldest = (
            select(func.upper(columns.session_id), func.min(columns.created_at))
            .where(
                columns.state == JobState.QUEUED.value,
                func.upper(columns.session_id).in_(sorted({job.session_id.upper() for job in jobs})),
                columns.id.not_in([job.id for job in jobs]),
            )
            .group_by(func.upper(columns.session_id))
        )
        rows = await self._session.execute(oldest)
        waiting = {str(session): utc(cast(datetime, at)) for session, at in rows}
        return [
            job
            for job in jobs
            if (before := waiting.get(job.session_id.upper())) is None or job.created_at < before
        ]

    async def finish_many(
        self, ends: Sequence[tuple[str, JobState, dict[str, Any] | None]], due_at: datetime
    ) -> None:
        """One statement run for all of them (Core, by primary key)."""
        if not ends:
            return
        query = (
            update(_JOBS)
            .where(_JOBS.c.id == bindparam("job_id"))
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
        query = select(*_JOBS.c).where(_JOBS.c.result_delivery == ResultDelivery.PENDING.value)
        if job_ids is not None:
            query = query.where(_JOBS.c.id.in_(job_ids))
        if due_by is not None:
            query = query.where(_JOBS.c.result_due_at <= due_by)
        query = query.order_by(_JOBS.c.created_at).limit(most).with_for_update(skip_locked=True)
        return [_job(row) for row in await self._session.execute(query)]

    async def delivered_many(self, job_ids: Sequence[str], delivery: ResultDelivery) -> None:
        await self._set_results(job_ids, result_delivery=delivery.value)

    async def postpone_results(self, job_ids: Sequence[str], due_at: datetime) -> None:
        await self._set_results(job_ids, result_due_at=due_at)

    async def _set_results(self, job_ids: Sequence[str], **values: Any) -> None:
        if job_ids:
            await self._session.execute(update(_JOBS).where(_JOBS.c.id.in_(job_ids)).values(**values))


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


# Core, not the ORM class: statements naming ORM attributes go through the ORM's compile and result
# layers (bulk inserts and updates included), a cost per statement the jobs' hot path has no use for.
_JOBS = table_of(ProfileJobRow)
_DONE = (
    update(_JOBS).where(_JOBS.c.id.in_(bindparam("job_ids", expanding=True))).values(state=bindparam("state"))
)
_NEW = ("id", "kind", "session_id", "partner_id", "response_url", "created_at", "deadline", "state")
_QUEUED_ONE = (
    insert(_JOBS).values({k: bindparam(f"new_{k}") for k in (*_NEW, "payload")}).returning(_JOBS.c.id)
).cte("queued")
_QUEUE_ONE = select(func.pg_notify(PROFILE_JOBS_CHANNEL, _QUEUED_ONE.c.id))  # sent on commit
SESSION_LOCKS = 0x4645  # the advisory-lock namespace of "one job per session" ("FE")
# A claim on PostgreSQL, one statement: the oldest queued rows no other claim holds, then each session's lock
# (one job of a session at a time across workers: each recomputes the minimum of every sender's profile),
# taken in the order of the keys so two workers wait instead of deadlocking, and per row the oldest queued job
# of its session outside the claim (`older_at`, one scan of the queued jobs for the claim, not one per row).
# MATERIALIZED: each runs once, the locks before any row is returned (the main query's condition waits).
_COLUMNS = ", ".join(column.name for column in _JOBS.c)
_CLAIM = text(
    f"WITH claimed AS MATERIALIZED (SELECT {_COLUMNS} FROM profile_jobs WHERE state = :queued"
    " ORDER BY created_at LIMIT :most FOR UPDATE SKIP LOCKED),"
    " locked AS MATERIALIZED (SELECT pg_advisory_xact_lock(:namespace, k) FROM"
    " (SELECT DISTINCT hashtext(upper(session_id)) AS k FROM claimed ORDER BY k) AS keys),"
    " older AS (SELECT upper(o.session_id) AS session, min(o.created_at) AS at FROM profile_jobs AS o"
    " WHERE o.state = :queued AND upper(o.session_id) IN (SELECT upper(session_id) FROM claimed)"
    " AND o.id NOT IN (SELECT id FROM claimed) GROUP BY upper(o.session_id))"
    " SELECT claimed.*, older.at AS older_at FROM claimed"
    " LEFT JOIN older ON older.session = upper(claimed.session_id)"
    " WHERE (SELECT count(*) FROM locked) >= 0 ORDER BY claimed.created_at"
).columns(*_JOBS.c, column("older_at", DateTime(timezone=True)))
_CLAIMING = {"queued": JobState.QUEUED.value, "namespace": SESSION_LOCKS}


def _job(r: Any) -> ProfileJob:  # a Core row: the ORM row's attribute names
    return ProfileJob(
        r.id,
        RequestKind(r.kind),
        r.session_id,
        r.partner_id,
        r.response_url,
        utc(r.created_at),
        utc(r.deadline),
        JobState(r.state),
        r.payload,
        r.result,
        None if r.result_delivery is None else ResultDelivery(r.result_delivery),
    )

"""Store Protocols of the ChargingProfiles module."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from fera.smartcharging.model import (
    JobState,
    ProfileJob,
    ProfileRequest,
    RequestState,
    ResultDelivery,
    SenderProfile,
    SenderProfileChange,
)

__all__ = [
    "PROFILE_JOBS_CHANNEL",
    "ActiveProfileStore",
    "ProfileJobStore",
    "ProfileRequestStore",
    "SenderProfileStore",
]


class ProfileRequestStore(Protocol):
    """A request's transitions are single conditional UPDATEs, never a read-modify-write: its answer, its
    result, a failure and its deadline may be recorded by different processes at once, and a final state
    (a result above all) is never moved back. Each returns the request as it now is (None: unknown)."""

    async def add(self, request: ProfileRequest) -> None: ...
    async def answered(  # the synchronous answer; the state moves to `state` only while still open
        self, request_id: str, response: str, timeout_s: int, at: datetime, state: RequestState
    ) -> ProfileRequest | None: ...
    async def resulted(  # DONE with the result whatever came before (late if after the deadline)
        self, request_id: str, partner_id: str, result: dict[str, Any], at: datetime
    ) -> ProfileRequest | None: ...
    async def failed(self, request_id: str, error: str) -> ProfileRequest | None: ...  # FAILED unless final
    async def set_deadline(self, request_id: str, deadline: datetime) -> None: ...  # only if it had none
    async def get(self, request_id: str) -> ProfileRequest | None: ...
    async def open(self) -> list[ProfileRequest]: ...
    async def expire(self, request_id: str) -> ProfileRequest | None: ...  # TIMED_OUT unless final
    async def for_session(self, partner_id: str, session_id: str) -> list[ProfileRequest]: ...
    async def all(self) -> list[ProfileRequest]: ...


class ActiveProfileStore(Protocol):
    """Sender side: the latest ActiveChargingProfile each Receiver pushed per session."""

    async def put(self, partner_id: str, session_id: str, profile: dict[str, Any], at: datetime) -> None: ...
    async def get(self, partner_id: str, session_id: str) -> dict[str, Any] | None: ...


class SenderProfileStore(Protocol):
    """CPO side: each Sender's profile on each session, and when it last asked (TOO_OFTEN)."""

    async def get(self, session_id: str, partner_id: str) -> SenderProfile | None: ...
    async def save(self, profile: SenderProfile) -> None: ...
    async def mark_request(self, session_id: str, partner_id: str, at: datetime) -> None: ...
    async def mark_requests(self, marks: Sequence[tuple[str, str, datetime]]) -> None: ...
    async def set_profile(  # None clears it; `at` is its set_at (kept on a clear)
        self, session_id: str, partner_id: str, profile: dict[str, Any] | None, at: datetime
    ) -> None: ...
    async def set_profiles(
        self, profiles: Sequence[tuple[str, str, dict[str, Any] | None]], at: datetime
    ) -> None:
        """`set_profile` for each (session_id, partner_id, profile), in a statement run per shape."""
        ...

    async def for_session(self, session_id: str) -> list[SenderProfile]: ...
    async def for_sessions(self, session_ids: Iterable[str]) -> list[SenderProfile]: ...
    async def inputs_of(
        self, session_ids: Iterable[str]
    ) -> tuple[list[SenderProfile], dict[str, dict[str, Any]]]:
        """`for_sessions` and `last_pushed_many` at once (one statement)."""
        ...

    async def last_pushed(self, session_id: str) -> dict[str, Any] | None: ...
    async def last_pushed_many(self, session_ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...
    async def set_pushed(self, session_id: str, profile: dict[str, Any], at: datetime) -> None: ...
    # (session_id, profile, at) each, one statement run for all (a group of jobs' pushes).
    async def set_pushed_many(self, pushes: Sequence[tuple[str, dict[str, Any], datetime]]) -> None: ...
    async def add_change(self, change: SenderProfileChange) -> None: ...
    async def add_changes(self, changes: Sequence[SenderProfileChange]) -> None: ...
    async def changes(self, session_id: str) -> list[SenderProfileChange]:
        """Every profile set or cleared on the session, by any Sender, oldest first."""
        ...


PROFILE_JOBS_CHANNEL = "fera_profile_jobs"  # notified with a job's id when it is queued (PostgreSQL)


class ProfileJobStore(Protocol):
    async def add(self, job: ProfileJob) -> None: ...
    async def add_many(self, jobs: Sequence[ProfileJob]) -> None: ...
    async def done(self, job_id: str, state: JobState = JobState.DONE) -> None: ...
    async def done_many(self, job_ids: Sequence[str], state: JobState = JobState.DONE) -> None: ...
    async def queued(self) -> list[ProfileJob]: ...
    async def for_session(self, session_id: str) -> list[ProfileJob]: ...
    async def claim_many(self, most: int) -> list[ProfileJob]:
        """Up to `most` of the oldest queued jobs no other unit of work holds; held until this one ends."""
        ...

    async def finish_many(
        self, ends: Sequence[tuple[str, JobState, dict[str, Any] | None]], due_at: datetime
    ) -> None:
        """(job id, state, result) each: the job's end, with the result it owes its Sender (None: nobody is
        told), PENDING delivery: any worker may post it from `due_at` (its own worker posts it at once)."""
        ...

    async def claim_results(
        self, most: int, job_ids: Sequence[str] | None = None, due_by: datetime | None = None
    ) -> list[ProfileJob]:
        """Up to `most` of the oldest results PENDING delivery that no other unit of work holds, held until
        this one ends: of `job_ids` only, or those due by `due_by`."""
        ...

    async def delivered_many(self, job_ids: Sequence[str], delivery: ResultDelivery) -> None: ...
    async def postpone_results(self, job_ids: Sequence[str], due_at: datetime) -> None: ...

"""The CPO's ChargingProfiles Receiver: every ChargingProfileResponse value by a real rule, then the job.

An accepted request is persisted as a job before ACCEPTED goes out, so a restart loses nothing; the job runs
in the background and POSTs its result to the sender's `response_url` within the announced `timeout`.
Requests that arrive while a group is being written wait and are decided and written together in the next
transaction (group commit): under load a commit serves many requests.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fera.config import ContractConfig
from fera.cpo.chargingprofiles.applier import ProfileApplier
from fera.cpo.chargingprofiles.sessions import SteerableSession, SteerableSessions, may_steer
from fera.ocpi.auth import Caller
from fera.ocpi.chargingprofiles.models import (
    ChargingProfileResponse,
    ChargingProfileResponseType,
    SetChargingProfile,
)
from fera.smartcharging.model import ProfileJob, RequestKind
from fera.store.group import GroupCommit
from fera.store.protocols import Store, UnitOfWork

__all__ = ["CpoChargingProfiles"]

Response = ChargingProfileResponseType


@dataclass(frozen=True)
class _Ask:
    """A request as it arrived, waiting for its group's transaction."""

    caller: Caller
    session_id: str
    kind: RequestKind
    response_url: str
    payload: dict[str, Any] | None
    at: datetime


class CpoChargingProfiles:
    def __init__(
        self,
        store: Store,
        sessions: SteerableSessions,
        applier: ProfileApplier,
        contracts: list[ContractConfig],
        *,
        timeout_s: int,
        min_interval_s: float,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        governing: Callable[[str], str] = lambda location_id: "minimum",
    ) -> None:
        self._store, self._sessions, self._applier, self._contracts = store, sessions, applier, contracts
        self._governing = governing  # location id -> whose profiles govern there (SteeringConfig)
        self._timeout_s, self._min_interval = timeout_s, timedelta(seconds=min_interval_s)
        self._now = now
        # Requests arriving together are decided and written in one transaction (group commit).
        self._accepting = GroupCommit(self._accept_group)

    async def set_profile(
        self, caller: Caller, session_id: str, request: SetChargingProfile
    ) -> ChargingProfileResponse:
        payload = request.charging_profile.to_wire()
        return await self._accept(caller, session_id, RequestKind.SET, request.response_url, payload)

    async def get_active_profile(
        self, caller: Caller, session_id: str, duration: int, response_url: str
    ) -> ChargingProfileResponse:
        return await self._accept(caller, session_id, RequestKind.GET, response_url, {"duration": duration})

    async def clear_profile(
        self, caller: Caller, session_id: str, response_url: str
    ) -> ChargingProfileResponse:
        return await self._accept(caller, session_id, RequestKind.CLEAR, response_url, None)

    async def _accept(
        self,
        caller: Caller,
        session_id: str,
        kind: RequestKind,
        response_url: str,
        payload: dict[str, Any] | None,
    ) -> ChargingProfileResponse:
        return await self._accepting(_Ask(caller, session_id, kind, response_url, payload, self._now()))

    async def _accept_group(self, asks: Sequence[_Ask]) -> list[ChargingProfileResponse]:
        """One transaction for the requests that arrived together: what decides each answer is read, and the
        accepted ones' jobs and rate-limit marks are written, durable before any ACCEPTED goes out. The
        jobs are handed to the applier once committed (not by the callers: one whose client went away
        meanwhile still has its job run)."""
        generations = self._applier.generations([ask.session_id for ask in asks])
        async with self._store.unit_of_work() as uow:
            sessions = await self._sessions.read_many(uow, [ask.session_id for ask in asks])
            last = await self._last_requests(uow, sessions.values())
            decided = [self._decide(ask, sessions.get(ask.session_id.upper()), last) for ask in asks]
            accepted = [(job, session) for job, session, _ in decided if job is not None and session]
            await uow.profile_jobs.add_many([job for job, _ in accepted])
            marks = {(job.session_id, job.partner_id): job.created_at for job, _ in accepted}
            await uow.sender_profiles.mark_requests([(s, p, at) for (s, p), at in marks.items()])
            snapshots = {}  # the jobs' inputs, read here once for the group instead of by each job
            if generations is not None and accepted:
                steered = list({s.session_id: None for _, s in accepted})
                snapshots = await self._applier.snapshots(uow, steered, generations)
        for job, session in accepted:
            self._applier.submit(job, session, snapshots.get(session.session_id.upper()))
        return [response for _, _, response in decided]

    def _decide(
        self, ask: _Ask, session: SteerableSession | None, last: dict[tuple[str, str], datetime]
    ) -> tuple[ProfileJob | None, SteerableSession | None, ChargingProfileResponse]:
        """The answer to one request, and its job when accepted; `last` (each sender's latest request on
        each session) takes an accepted one at once, so a second one in the same group is TOO_OFTEN too."""
        refusal = self._refusal(ask, session, last)
        if refusal is not None or session is None:
            return None, None, ChargingProfileResponse(result=refusal or Response.UNKNOWN_SESSION, timeout=0)
        job = ProfileJob(
            id=uuid.uuid4().hex,
            kind=ask.kind,
            session_id=session.session_id,
            partner_id=ask.caller.partner_id,
            response_url=ask.response_url,
            created_at=ask.at,
            deadline=ask.at + timedelta(seconds=self._timeout_s),
            payload=ask.payload,
        )
        last[(session.session_id, ask.caller.partner_id)] = ask.at
        return job, session, ChargingProfileResponse(result=Response.ACCEPTED, timeout=self._timeout_s)

    def _refusal(
        self, ask: _Ask, session: SteerableSession | None, last: dict[tuple[str, str], datetime]
    ) -> Response | None:
        if session is None:
            return Response.UNKNOWN_SESSION
        if not may_steer(ask.caller, session, self._contracts, self._governing(session.location_id)):
            return Response.REJECTED  # neither the token's eMSP nor a contracted SCSP, or not governing
        if not session.profile_capable:
            return Response.NOT_SUPPORTED
        if not session.ongoing:
            return Response.REJECTED  # a finished session has no charging left to steer
        previous = last.get((session.session_id, ask.caller.partner_id))
        if self._min_interval and previous is not None and ask.at - previous < self._min_interval:
            return Response.TOO_OFTEN
        return None

    async def _last_requests(
        self, uow: UnitOfWork, sessions: Iterable[SteerableSession]
    ) -> dict[tuple[str, str], datetime]:
        """When each sender last asked on these sessions (only read when a minimum interval is set)."""
        if not self._min_interval:
            return {}
        rows = await uow.sender_profiles.for_sessions([s.session_id for s in sessions])
        return {(row.session_id, row.partner_id): row.last_request_at for row in rows}

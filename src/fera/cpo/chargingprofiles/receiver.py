"""The CPO's ChargingProfiles Receiver: every ChargingProfileResponse value by a real rule, then the job.

An accepted request is persisted as a job before ACCEPTED goes out, so a restart loses nothing; the job runs
in the background and POSTs its result to the sender's `response_url` within the announced `timeout`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
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
from fera.store.protocols import Store, UnitOfWork

__all__ = ["CpoChargingProfiles"]

Response = ChargingProfileResponseType


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
        now = self._now()
        # One transaction: what decides the answer is read, and on ACCEPTED the job and the rate-limit mark
        # are written, durable before ACCEPTED goes out.
        async with self._store.unit_of_work() as uow:
            session = await self._sessions.read(uow, session_id)
            refusal = await self._refusal(uow, caller, session, now)
            if refusal is not None or session is None:
                return ChargingProfileResponse(result=refusal or Response.UNKNOWN_SESSION, timeout=0)
            job = ProfileJob(
                id=uuid.uuid4().hex,
                kind=kind,
                session_id=session.session_id,
                partner_id=caller.partner_id,
                response_url=response_url,
                created_at=now,
                deadline=now + timedelta(seconds=self._timeout_s),
                payload=payload,
            )
            await uow.profile_jobs.add(job)
            await uow.sender_profiles.mark_request(session.session_id, caller.partner_id, now)
        self._applier.submit(job, session)
        return ChargingProfileResponse(result=Response.ACCEPTED, timeout=self._timeout_s)

    async def _refusal(
        self, uow: UnitOfWork, caller: Caller, session: SteerableSession | None, now: datetime
    ) -> Response | None:
        if session is None:
            return Response.UNKNOWN_SESSION
        if not may_steer(caller, session, self._contracts, self._governing(session.location_id)):
            return Response.REJECTED  # neither the token's eMSP nor a contracted SCSP, or not governing
        if not session.profile_capable:
            return Response.NOT_SUPPORTED
        if not session.ongoing:
            return Response.REJECTED  # a finished session has no charging left to steer
        if await self._too_often(uow, session.session_id, caller.partner_id, now):
            return Response.TOO_OFTEN
        return None

    async def _too_often(self, uow: UnitOfWork, session_id: str, partner_id: str, now: datetime) -> bool:
        if not self._min_interval:
            return False
        previous = await uow.sender_profiles.get(session_id, partner_id)
        return previous is not None and now - previous.last_request_at < self._min_interval

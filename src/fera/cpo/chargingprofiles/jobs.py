"""What one ChargingProfiles job asks of the station, and the result it makes for the sender.

The job runner (`applier.py`) decides when a job runs and what is stored; here is what it does: SET sends the
minimum of every sender's profile with the new one, CLEAR sends it without the sender's, GET asks the
station for its composite schedule.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from fera.cpo.chargingprofiles.active import ActiveProfiles, SessionInputs, rate_profile
from fera.cpo.chargingprofiles.sessions import SteerableSession
from fera.ocpi.chargingprofiles.models import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfileResult,
    ChargingProfileResultType,
    ClearProfileResult,
)
from fera.smartcharging.model import ProfileJob, RequestKind
from fera.smartcharging.results import RESULT_MODELS

__all__ = ["UNCHANGED", "Kept", "Unchanged", "accepted", "apply", "rejected", "timeout_s"]

Result = ChargingProfileResultType


class Unchanged:
    """No change to the sender's stored profile (a None profile means: cleared)."""


UNCHANGED = Unchanged()
Kept = dict[str, Any] | None | Unchanged


def accepted(result: BaseModel) -> bool:
    return getattr(result, "result", None) is Result.ACCEPTED


def rejected(kind: RequestKind) -> BaseModel:
    return RESULT_MODELS[kind].model_validate({"result": Result.REJECTED.value})


def timeout_s(job: ProfileJob) -> float:
    """The `timeout` announced for the job."""
    return (job.deadline - job.created_at).total_seconds()


async def apply(
    active: ActiveProfiles, job: ProfileJob, session: SteerableSession, inputs: SessionInputs
) -> tuple[BaseModel, Kept]:
    """The result for the sender, and the sender's profile to keep (`UNCHANGED`: nothing to write)."""
    if job.kind is RequestKind.SET:
        outcome = await _set(active, job, session, inputs)
        kept = job.payload if outcome is Result.ACCEPTED else UNCHANGED
        return ChargingProfileResult(result=outcome), kept
    if job.kind is RequestKind.CLEAR:
        outcome = await _clear(active, job, session, inputs)
        return ClearProfileResult(result=outcome), None if outcome is Result.ACCEPTED else UNCHANGED
    return await _get(active, job, session), UNCHANGED


async def _set(
    active: ActiveProfiles, job: ProfileJob, session: SteerableSession, inputs: SessionInputs
) -> Result:
    assert job.payload is not None
    others = inputs.profiles(exclude=job.partner_id)
    return await active.send(session, [*others, rate_profile(job.payload)])


async def _clear(
    active: ActiveProfiles, job: ProfileJob, session: SteerableSession, inputs: SessionInputs
) -> Result:
    if not inputs.holds(job.partner_id):
        return Result.UNKNOWN  # this sender has nothing on the session to clear
    return await active.send(session, inputs.profiles(exclude=job.partner_id))


async def _get(active: ActiveProfiles, job: ProfileJob, session: SteerableSession) -> BaseModel:
    duration = int((job.payload or {}).get("duration", 900))
    found: ActiveChargingProfile | None = await active.from_station(session, duration)
    if found is None:
        return ActiveChargingProfileResult(result=Result.REJECTED)
    return ActiveChargingProfileResult(result=Result.ACCEPTED, profile=found)

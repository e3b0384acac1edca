"""ChargingProfiles state as the services see it: requests a Sender issued, profiles a CPO holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "JobState",
    "ProfileJob",
    "ProfileRequest",
    "RequestKind",
    "RequestState",
    "ResultDelivery",
    "SenderProfile",
    "SenderProfileChange",
]


class RequestKind(StrEnum):
    SET = "set"  # PUT SetChargingProfile -> ChargingProfileResult
    GET = "get"  # GET ActiveChargingProfile -> ActiveChargingProfileResult
    CLEAR = "clear"  # DELETE -> ClearProfileResult


class RequestState(StrEnum):
    PENDING = "PENDING"  # created; no synchronous answer yet
    WAITING = "WAITING"  # ACCEPTED; waiting for the result on our response_url
    DONE = "DONE"  # result received
    REFUSED = "REFUSED"  # synchronous answer other than ACCEPTED
    TIMED_OUT = "TIMED_OUT"  # no result within `timeout`
    FAILED = "FAILED"  # the receiver could not be reached or answered nonsense

    @property
    def final(self) -> bool:
        return self not in (RequestState.PENDING, RequestState.WAITING)


@dataclass
class ProfileRequest:
    """One request a Sender made; its id is the last segment of the `response_url` we handed out."""

    id: str
    kind: RequestKind
    partner_id: str  # the Receiver we asked
    session_id: str  # as the Receiver knows it
    state: RequestState
    created_at: datetime
    payload: dict[str, Any] | None = None  # the ChargingProfile (set) or {"duration": n} (get)
    response: str | None = None  # ChargingProfileResponseType
    timeout_s: int | None = None
    responded_at: datetime | None = None
    deadline: datetime | None = None
    result: dict[str, Any] | None = None  # the result body as received
    result_at: datetime | None = None
    late: bool = False  # the result came after the deadline
    error: str | None = None
    # Set when this request relays one from upstream (an eMSP proxying its SCSP).
    upstream_partner_id: str | None = None
    upstream_response_url: str | None = None

    @property
    def result_type(self) -> str | None:
        return None if self.result is None else str(self.result.get("result"))

    @property
    def result_latency_s(self) -> float | None:
        if self.result_at is None:
            return None
        return (self.result_at - self.created_at).total_seconds()


@dataclass
class SenderProfile:
    """CPO side: one Sender's profile on one session (None once cleared; the row remembers it set one)."""

    session_id: str
    partner_id: str
    profile: dict[str, Any] | None
    set_at: datetime | None
    last_request_at: datetime


@dataclass(frozen=True)
class SenderProfileChange:
    """CPO side: a Sender's profile on a session took effect at `at` (the station accepted it).

    `profile` None: the Sender cleared its profile."""

    session_id: str
    partner_id: str
    at: datetime
    profile: dict[str, Any] | None


class JobState(StrEnum):
    QUEUED = "QUEUED"
    DONE = "DONE"
    EXPIRED = "EXPIRED"  # its deadline came before the station's answer: not applied, REJECTED (or dropped)


class ResultDelivery(StrEnum):
    """Where a claimed job's result stands: stored with the job's end, then POSTed to `response_url`."""

    PENDING = "PENDING"  # committed, not yet delivered: any worker may POST it (until the deadline)
    POSTED = "POSTED"  # the Sender took it
    UNSENT = "UNSENT"  # the deadline came first: the Sender no longer listens


@dataclass
class ProfileJob:
    """CPO side: an accepted request, persisted before answering ACCEPTED, applied to the station after."""

    id: str
    kind: RequestKind
    session_id: str
    partner_id: str
    response_url: str
    created_at: datetime
    deadline: datetime
    state: JobState = JobState.QUEUED
    payload: dict[str, Any] | None = None
    result: dict[str, Any] | None = None  # the result owed to the Sender, once stored (claimed jobs)
    result_delivery: ResultDelivery | None = None  # where that stored result stands (claimed jobs)

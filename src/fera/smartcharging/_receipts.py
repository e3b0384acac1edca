"""The Sender's writes of a request's life, in groups: requests stored before they go out, the Receivers'
answers, their results and ActiveChargingProfiles. What arrives together, of any kind, is written in one
transaction (`GroupCommit`), and each caller goes on only once its own write is committed (a request still
leaves this node only once stored). A busy Sender (a round of profiles sent at once, a CPO answering them)
so pays a transaction per group instead of one per request. A group that fails fails each of its writes
(nothing of it was committed), whatever their kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fera.smartcharging.model import ProfileRequest, RequestState
from fera.store.group import GroupCommit
from fera.store.protocols import Store, UnitOfWork

__all__ = ["Receipts"]


@dataclass(frozen=True)
class _Answer:
    request_id: str
    response: str
    timeout_s: int
    at: datetime
    state: RequestState


@dataclass(frozen=True)
class _Result:
    request_id: str
    partner_id: str
    result: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class _Active:
    partner_id: str
    session_id: str
    profile: dict[str, Any]
    at: datetime


_Receipt = ProfileRequest | _Answer | _Result | _Active


class Receipts:
    """One group for every kind: a round trip's request, answer and result, which arrive at different
    moments, share their transactions with other round trips' (three groups of each kind were three
    transactions where one does)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._group: GroupCommit[_Receipt, ProfileRequest | None] = GroupCommit(self._write)

    async def request(self, request: ProfileRequest) -> None:
        """The new request, stored (durable before anything leaves this node)."""
        await self._group(request)

    async def answer(
        self, request_id: str, response: str, timeout_s: int, at: datetime, state: RequestState
    ) -> ProfileRequest | None:
        """The Receiver's synchronous answer recorded (`ProfileRequestStore.answered`)."""
        return await self._group(_Answer(request_id, response, timeout_s, at, state))

    async def result(
        self, request_id: str, partner_id: str, result: dict[str, Any], at: datetime
    ) -> ProfileRequest | None:
        """The request made DONE with this result; None when it is unknown or another partner's."""
        return await self._group(_Result(request_id, partner_id, result, at))

    async def active_profile(
        self, partner_id: str, session_id: str, profile: dict[str, Any], at: datetime
    ) -> None:
        await self._group(_Active(partner_id, session_id, profile, at))

    async def _write(self, group: Sequence[_Receipt]) -> list[ProfileRequest | None]:
        """In the order they came: a request's answer is only handed in once its INSERT is committed, and of
        one session's ActiveChargingProfiles the last one received stays."""
        async with self._store.unit_of_work() as uow:
            return [await _write_one(uow, receipt) for receipt in group]


async def _write_one(uow: UnitOfWork, receipt: _Receipt) -> ProfileRequest | None:
    match receipt:
        case ProfileRequest():
            await uow.profile_requests.add(receipt)
            return None
        case _Answer(request_id, response, timeout_s, at, state):
            return await uow.profile_requests.answered(request_id, response, timeout_s, at, state)
        case _Result(request_id, partner_id, result, at):
            return await uow.profile_requests.resulted(request_id, partner_id, result, at)
        case _Active(partner_id, session_id, profile, at):
            await uow.active_profiles.put(partner_id, session_id, profile, at)
            return None

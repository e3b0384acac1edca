"""The Sender's writes of a request's life, in groups: requests stored before they go out, the Receivers'
answers, their results and ActiveChargingProfiles. What arrives together is written in one transaction
(`GroupCommit`), and each caller goes on only once its own write is committed (a request still leaves this
node only once stored). A busy Sender (a round of profiles sent at once, a CPO answering them) so pays a
transaction per group instead of one per request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fera.smartcharging.model import ProfileRequest, RequestState
from fera.store.group import GroupCommit
from fera.store.protocols import Store

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


class Receipts:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._requests: GroupCommit[ProfileRequest, None] = GroupCommit(self._write_requests)
        self._answers: GroupCommit[_Answer, ProfileRequest | None] = GroupCommit(self._write_answers)
        self._results: GroupCommit[_Result, ProfileRequest | None] = GroupCommit(self._write_results)
        self._actives: GroupCommit[_Active, None] = GroupCommit(self._write_actives)

    async def request(self, request: ProfileRequest) -> None:
        """The new request, stored (durable before anything leaves this node)."""
        await self._requests(request)

    async def answer(
        self, request_id: str, response: str, timeout_s: int, at: datetime, state: RequestState
    ) -> ProfileRequest | None:
        """The Receiver's synchronous answer recorded (`ProfileRequestStore.answered`)."""
        return await self._answers(_Answer(request_id, response, timeout_s, at, state))

    async def result(
        self, request_id: str, partner_id: str, result: dict[str, Any], at: datetime
    ) -> ProfileRequest | None:
        """The request made DONE with this result; None when it is unknown or another partner's."""
        return await self._results(_Result(request_id, partner_id, result, at))

    async def active_profile(
        self, partner_id: str, session_id: str, profile: dict[str, Any], at: datetime
    ) -> None:
        await self._actives(_Active(partner_id, session_id, profile, at))

    async def _write_requests(self, group: Sequence[ProfileRequest]) -> list[None]:
        async with self._store.unit_of_work() as uow:
            for request in group:
                await uow.profile_requests.add(request)
        return [None] * len(group)

    async def _write_answers(self, group: Sequence[_Answer]) -> list[ProfileRequest | None]:
        async with self._store.unit_of_work() as uow:
            return [
                await uow.profile_requests.answered(a.request_id, a.response, a.timeout_s, a.at, a.state)
                for a in group
            ]

    async def _write_results(self, group: Sequence[_Result]) -> list[ProfileRequest | None]:
        async with self._store.unit_of_work() as uow:
            return [
                await uow.profile_requests.resulted(r.request_id, r.partner_id, r.result, r.at) for r in group
            ]

    async def _write_actives(self, group: Sequence[_Active]) -> list[None]:
        async with self._store.unit_of_work() as uow:
            for a in group:  # in order: of one session, the last one received stays
                await uow.active_profiles.put(a.partner_id, a.session_id, a.profile, a.at)
        return [None] * len(group)

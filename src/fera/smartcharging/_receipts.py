"""What Receivers send the Sender, written in groups: the results and the ActiveChargingProfiles that arrive
together are each written in one transaction (`GroupCommit`), and every request is answered only once its
own write is committed. A busy Sender (a CPO answering a whole round of profiles at once) so pays a
transaction per group instead of one per request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fera.smartcharging.model import ProfileRequest
from fera.store.group import GroupCommit
from fera.store.protocols import Store

__all__ = ["Receipts"]


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
        self._results: GroupCommit[_Result, ProfileRequest | None] = GroupCommit(self._write_results)
        self._actives: GroupCommit[_Active, None] = GroupCommit(self._write_actives)

    async def result(
        self, request_id: str, partner_id: str, result: dict[str, Any], at: datetime
    ) -> ProfileRequest | None:
        """The request made DONE with this result; None when it is unknown or another partner's."""
        return await self._results(_Result(request_id, partner_id, result, at))

    async def active_profile(
        self, partner_id: str, session_id: str, profile: dict[str, Any], at: datetime
    ) -> None:
        await self._actives(_Active(partner_id, session_id, profile, at))

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

"""The results a CPO's ChargingProfiles jobs owe their Senders, POSTed on each request's `response_url`.

One process alone (SQLite) posts a job's result straight after committing its outcome. Workers sharing a
database (PostgreSQL) make it durable first, then announce it: a claimed job's result is committed with the
job's end (PENDING delivery), then posted at once by the same worker from a second transaction that holds
the job's row while it posts (FOR UPDATE SKIP LOCKED). A worker killed in between leaves the result PENDING,
never the job queued: once the result is due (LEASE_S after the commit: its own worker goes first) any
worker's poll posts the stored result (the station is not called again). A POST that failed stays PENDING,
due again RETRY_S later, until the request's deadline; past it, the Sender no longer listens and the
result is marked UNSENT. Delivery is at least once: a worker killed after the Sender took the result but
before its commit leaves it to be posted again (FERA's Sender keeps the last).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel

from fera.ocpi.chargingprofiles.client import ChargingProfilesSenderClient
from fera.ocpi.errors import PeerError
from fera.ocpi.types import Role
from fera.partners import PartnerService
from fera.smartcharging.model import ProfileJob, ResultDelivery
from fera.smartcharging.results import RESULT_MODELS
from fera.store.protocols import Store

__all__ = ["DELIVERY_BATCH", "LEASE_S", "RETRY_S", "ResultPoster", "wire"]

log = logging.getLogger(__name__)
DELIVERY_BATCH = 16  # results one delivery holds and posts at once
LEASE_S = 3.0  # a committed result is left to its own worker this long before any worker may post it
RETRY_S = 2.0  # a POST that failed is tried again this much later (while the request's deadline runs)


def wire(result: BaseModel) -> dict[str, object]:
    """A result as it is stored and posted."""
    return result.model_dump(mode="json", exclude_none=True)


class ResultPoster:
    def __init__(
        self,
        store: Store,
        partners: PartnerService,
        client: ChargingProfilesSenderClient,
        now: Callable[[], datetime],
    ) -> None:
        self._store, self._partners, self._client, self._now = store, partners, client, now
        self._delivering = False  # `deliver_left` under way

    async def post(self, job: ProfileJob, result: BaseModel) -> bool:
        """POST it now, bounded by the job's deadline (past it the Sender no longer listens); True when the
        Sender took it, or when there is no one left to tell (the partner is gone)."""
        partner = await self._partners.cached(job.partner_id)
        if partner is None:
            return True
        target = self._partners.peer_target(partner, from_role=Role.CPO)
        try:
            async with asyncio.timeout(max((job.deadline - self._now()).total_seconds(), 0.0)):
                await self._client.post_result(target, job.response_url, result)
        except (PeerError, TimeoutError) as exc:
            log.warning("result of %s %s not delivered: %r", job.kind.value, job.session_id, exc)
            return False
        return True

    def due_at(self) -> datetime:
        """When results committed now may be posted by any worker."""
        return self._now() + timedelta(seconds=LEASE_S)

    async def deliver(self, job_ids: Sequence[str] | None = None) -> None:
        """Post stored results PENDING delivery that no one else holds, holding their rows meanwhile: those
        of `job_ids` (just committed here), else the oldest that are due. What failed is due again later."""
        if job_ids is not None and not job_ids:
            return
        async with self._store.unit_of_work() as uow:
            due_by = None if job_ids is not None else self._now()
            jobs = await uow.profile_jobs.claim_results(DELIVERY_BATCH, job_ids, due_by)
            if not jobs:
                return
            posted = await asyncio.gather(*(self._post_stored(job) for job in jobs))
            ids = {d: [job.id for job, done in zip(jobs, posted, strict=True) if done is d] for d in posted}
            for delivery in (ResultDelivery.POSTED, ResultDelivery.UNSENT):
                await uow.profile_jobs.delivered_many(ids.get(delivery, []), delivery)
            retry_at = self._now() + timedelta(seconds=RETRY_S)
            await uow.profile_jobs.postpone_results(ids.get(ResultDelivery.PENDING, []), retry_at)

    async def deliver_left(self) -> None:
        """What is left PENDING (a dead worker's results, a failed POST's), unless that runs already."""
        if self._delivering:
            return
        self._delivering = True
        try:
            await self.deliver()
        except Exception:  # they stay PENDING: the next poll tries again
            log.exception("delivering profile results failed")
        finally:
            self._delivering = False

    async def _post_stored(self, job: ProfileJob) -> ResultDelivery:
        assert job.result is not None, job.id
        if job.deadline <= self._now():
            log.warning("result of %s %s not delivered by its deadline", job.kind.value, job.session_id)
            return ResultDelivery.UNSENT
        if await self.post(job, RESULT_MODELS[job.kind].model_validate(job.result)):
            return ResultDelivery.POSTED
        return ResultDelivery.PENDING

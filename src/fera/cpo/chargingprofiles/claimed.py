"""What a worker's claim reads for its jobs, in the claim's own transaction: their sessions and inputs.

Read once for the batch (one joined read of sessions and locations, one of every sender's profile and the
last push) instead of a transaction per job. The claim holds its sessions' advisory locks, so no other worker
writes their inputs until it ends; inputs this process writes meanwhile (an earlier job of the batch on the
same session) make the snapshot stale, and that job reads them again (`ActiveProfiles.still`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fera.cpo.chargingprofiles.active import ActiveProfiles, Snapshot
from fera.cpo.chargingprofiles.sessions import SteerableSession, SteerableSessions
from fera.smartcharging.model import ProfileJob
from fera.store.protocols import UnitOfWork

__all__ = ["Claimed", "read_claimed"]


@dataclass(frozen=True)
class Claimed:
    sessions: dict[str, SteerableSession]  # by upper-cased session id (those found)
    snapshots: dict[str, Snapshot]

    def of(self, job: ProfileJob) -> tuple[SteerableSession | None, Snapshot | None]:
        key = job.session_id.upper()
        return self.sessions.get(key), self.snapshots.get(key)


async def read_claimed(
    claim: UnitOfWork, jobs: Sequence[ProfileJob], sessions: SteerableSessions, active: ActiveProfiles
) -> Claimed:
    ids = list({job.session_id.upper(): job.session_id for job in jobs}.values())
    generations = active.generations(ids)  # before the read: what this process writes later shows
    found = await sessions.read_many(claim, ids)
    steered = [i for i in ids if i.upper() in found]
    return Claimed(found, await active.snapshots(claim, steered, generations) if steered else {})

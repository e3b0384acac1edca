"""Runs accepted ChargingProfiles jobs: station first, then the result to the sender, then the update push.

Jobs of one session run one at a time (each recomputes the minimum of every sender's profile), jobs of
different sessions run concurrently. `drain()` lets tests and shutdown wait for everything in flight.

The announced `timeout` is a promise (spec: past it the Sender "can assume that the message might never be
sent"): a job must be through the station by its deadline less a margin for the result POST. A job that
waits too long behind the session's earlier jobs, or whose station stays silent, is not applied (no station
call starts late; a call in flight is abandoned), is marked EXPIRED, and the sender gets REJECTED before its
deadline. A job whose deadline has already passed (found at a restart) is marked EXPIRED and nobody is told:
the sender gave up on it at that deadline.

On a database several processes share (PostgreSQL), jobs are claimed rather than handed over in memory: a
worker takes up to CLAIM_BATCH of the oldest queued jobs no one holds (FOR UPDATE SKIP LOCKED, then their
sessions' advisory locks; a session's jobs run in the order they came, whichever worker claims them), reads
their sessions and inputs in that transaction, and keeps them until the station answered and the jobs' ends
are committed with the results they owe (the profile the station took is committed under its site's lock: a
rebalance reads it); only then are the results posted (`results.py`), outside the claim (the next claim need
not wait for the senders to take them). A worker killed mid-job releases its jobs with its connection and
another runs them again; one killed after the commit leaves its results to another worker to post (a result
may reach the sender twice; never lost). SQLite: one process runs the jobs it accepted, with the session and
inputs the Receiver read, JOBS_AT_ONCE at a time until their stations answered (the result POST and the push
then hold only the session). The other database work of jobs running at once (outcomes, reads) is grouped
(`fera.store.group`): one transaction per group, not per job.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel

from fera.cpo.chargingprofiles.active import ActiveProfiles, SessionInputs, Snapshot
from fera.cpo.chargingprofiles.claimed import Claimed, read_claimed
from fera.cpo.chargingprofiles.jobs import (
    UNCHANGED,
    Kept,
    Unchanged,
    accepted,
    apply,
    rejected,
    timeout_s,
)
from fera.cpo.chargingprofiles.results import ResultPoster, wire
from fera.cpo.chargingprofiles.sessions import SteerableSession, SteerableSessions
from fera.cpo.chargingprofiles.stations import commands_due
from fera.keyed_locks import KeyedLocks
from fera.ocpi.chargingprofiles.client import ChargingProfilesSenderClient
from fera.ocpi.chargingprofiles.models import (
    ChargingProfileResultType,
)
from fera.partners import PartnerService
from fera.smartcharging.model import JobState, ProfileJob, RequestKind
from fera.store.claimers import Claimers
from fera.store.group import GroupCommit
from fera.store.profile_protocols import PROFILE_JOBS_CHANNEL
from fera.store.protocols import Store, UnitOfWork

__all__ = ["ProfileApplier"]

log = logging.getLogger(__name__)
Result = ChargingProfileResultType
# Time kept back from the deadline for the result POST: 5 s, or a quarter of a short timeout. The POST and,
# on PostgreSQL, the commits before it took over 2 s (the margin before) at a load of 9 on two cores.
RESULT_MARGIN_S = 5.0
# A station call is only started with at least this much time left (1 s, or a tenth of a short timeout):
# one abandoned a moment later could still be applied by the station after the sender was told REJECTED.
STATION_MINIMUM_S = 1.0
POLL_S = 0.5  # how often an idle worker looks for jobs besides being notified of new ones
CONCURRENCY = 4  # claims one worker process holds at once (each holds a pooled connection while it runs)
CLAIM_BATCH = 16  # jobs one claim takes at most: one transaction (and one commit) for all of them
STOP_GRACE_S = 5.0  # a stopping worker finishes the jobs it holds this long (else another redoes them)
JOBS_AT_ONCE = 16  # jobs one process runs at once on its own (SQLite): the rest wait their turn


_Outcome = tuple[str | None, ProfileJob, Kept]  # the id to mark done (None: not here), the job, its profile
# A claimed job's state, the result it owes (None: none), and its session when its profile is to be pushed.
_End = tuple[JobState, dict[str, object] | None, SteerableSession | None]


class ProfileApplier:
    def __init__(
        self,
        store: Store,
        sessions: SteerableSessions,
        active: ActiveProfiles,
        partners: PartnerService,
        client: ChargingProfilesSenderClient,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        *,
        claims: bool = False,
        works: bool = True,
    ) -> None:
        self._store, self._sessions, self._active, self._now = store, sessions, active, now
        self._results = ResultPoster(store, partners, client, now)
        # claims: jobs are claimed from the shared database; works: this process runs jobs (a worker).
        self._claims, self._works = claims, works
        self._locks: KeyedLocks[str] = KeyedLocks()
        self._tasks: set[asyncio.Task[None]] = set()
        self._claimers = Claimers(self._claim_batch, CLAIM_BATCH, CONCURRENCY, self._track)
        self._poller: asyncio.Task[None] | None = None
        # Jobs running at once: under a burst the rest wait their turn (they are stored, and each has its
        # deadline), so the requests being accepted meanwhile still get the event loop and the database.
        self._running = asyncio.Semaphore(JOBS_AT_ONCE)
        self._outcomes = GroupCommit(self._write_outcomes)
        # Told when a sender's profile on a session was set or cleared (site load management rebalances).
        self.profiles_changed: list[Callable[[SteerableSession], None]] = []

    def submit(
        self, job: ProfileJob, session: SteerableSession | None = None, snapshot: Snapshot | None = None
    ) -> None:
        """A job just queued in the store: run it here, or let a worker (maybe this process) claim it.
        `session`, `snapshot`: the session and its inputs as the Receiver read them while accepting (used
        when still current; else read when the job runs)."""
        if not self._claims:
            self._track(self._run(job, session, snapshot))
        elif self._works:
            self._claimers.queued_here(job.id)

    def generations(self, session_ids: list[str]) -> dict[str, int] | None:
        """Taken before the Receiver's transaction when this process runs what it accepts (else None: the
        worker that claims a job reads its inputs)."""
        return None if self._claims else self._active.generations(session_ids)

    async def snapshots(
        self, uow: UnitOfWork, session_ids: list[str], generations: dict[str, int]
    ) -> dict[str, Snapshot]:
        return await self._active.snapshots(uow, session_ids, generations)

    async def start(self) -> None:
        """A worker starts: claim what is queued, and keep looking; one process alone resumes its jobs."""
        if not self._claims:
            await self.resume()
        elif self._works:
            self._poller = asyncio.get_running_loop().create_task(self._poll())

    def _track(self, job: Coroutine[None, None, None]) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._tasks.add(task)
        task.add_done_callback(self._untrack)

    def _untrack(self, task: asyncio.Task[None]) -> None:
        """A failure nothing else caught (a database error in a push, say) is logged when it happens, not
        when the task is collected."""
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("profile work failed: %r", error, exc_info=error)

    async def _poll(self) -> None:
        # Woken by the API processes' notifications; the poll finds what no one announced (a job released
        # by a worker that died, or queued while this worker was starting).
        async with self._store.messages(PROFILE_JOBS_CHANNEL, self._claimers.heard):
            while True:
                self._claimers.poll()
                self._track(self._results.deliver_left())  # a dead worker's results, a failed POST's
                await asyncio.sleep(POLL_S)

    async def _claim_batch(self) -> int:
        """Up to CLAIM_BATCH queued jobs claimed in one transaction, run at once (one session's in turn),
        and their ends written in it, with the results they owe: a worker that dies first leaves them all
        queued. The results are posted once that is committed."""
        async with self._store.unit_of_work() as claim:
            jobs = await claim.profile_jobs.claim_many(CLAIM_BATCH)
            if not jobs:
                return 0
            claimed = await read_claimed(claim, jobs, self._sessions, self._active)
            ends = await asyncio.gather(*(self._run_claimed(job, claimed) for job in jobs))
            done = [(job, *end) for job, end in zip(jobs, ends, strict=True) if end is not None]
            ended = [(job.id, state, result) for job, state, result, _ in done]
            await claim.profile_jobs.finish_many(ended, self._results.due_at())
        # The claim's place goes to the next claim now: held through the result POSTs and the pushes, it
        # capped a worker at CONCURRENCY claims per round trip to the senders.
        results = [job.id for job, _, result, _ in done if result is not None]
        sessions = {session.session_id.upper(): session for *_, session in done if session is not None}
        self._track(self._tell_senders(results, list(sessions.values())))
        return len(jobs)

    async def _tell_senders(self, results: list[str], sessions: list[SteerableSession]) -> None:
        """The Sender takes its result before the update it brings (an eMSP relays an update only then)."""
        try:
            await self._results.deliver(results)
        except Exception:  # committed PENDING: a poll posts them (`deliver_left`)
            log.exception("posting the results of claimed profile jobs failed; they stay pending")
        finally:
            await asyncio.gather(*(self._refresh(session) for session in sessions))

    async def _run_claimed(self, job: ProfileJob, claimed: Claimed) -> _End | None:
        """What became of a claimed job (None: it failed, and stays queued for another try)."""
        try:
            if job.deadline <= self._now():  # the sender gave up on it at that deadline: nobody is told
                return JobState.EXPIRED, None, None
            lock = await self._session_lock(job)  # with `resend`, and its batch's other jobs
            if lock is None:
                await self._expire(job, "it waited for the session's earlier jobs", claimed=True)
                return JobState.EXPIRED, wire(rejected(job.kind)), None
            try:
                return await self._apply_claimed(job, *claimed.of(job))
            finally:
                lock.release()
        except Exception:
            log.exception("profile job %s failed; it stays queued", job.id)
            return None

    async def _apply_claimed(
        self, job: ProfileJob, session: SteerableSession | None, snapshot: Snapshot | None
    ) -> _End:
        inputs = None if session is None else await self._inputs(job, session, snapshot)
        async with self._active.steering(session):  # a site's rounds wait until the profile is kept too
            applied = await self._apply_in_time(job, session, inputs, claimed=True)
            if applied is None:
                return JobState.EXPIRED, wire(rejected(job.kind)), None
            result, kept = applied
            if inputs is not None and not isinstance(kept, Unchanged):
                # Committed before the site is told (its rebalance reads every sender's profile elsewhere);
                # a worker dying after this runs the job again, which keeps the same profile.
                await self._outcomes((None, job, kept))
        self._tell_site(job, session, result)  # the result and the update go once its end is committed
        changed = session is not None and job.kind is not RequestKind.GET
        return JobState.DONE, wire(result), session if changed else None

    async def drain(self) -> None:
        """Wait until every submitted job has finished (tests, and callers that need the station's answer)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Shutdown: in-flight jobs stay QUEUED in the store and resume at the next start (no stuck station
        call can hold the node up); a worker first finishes what it holds, for a while."""
        self._claimers.stopping = True
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            if self._tasks:  # claimed jobs: finishing them beats another worker running them again
                await asyncio.wait(list(self._tasks), timeout=STOP_GRACE_S)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def resume(self) -> None:
        """After a restart: jobs within their deadline run; the others expire unannounced (sender gave up)."""
        async with self._store.unit_of_work() as uow:
            queued = await uow.profile_jobs.queued()
            for job in queued:
                if job.deadline <= self._now():
                    await uow.profile_jobs.done(job.id, JobState.EXPIRED)
        for job in queued:
            if job.deadline > self._now():
                self.submit(job)

    def _seconds_left(self, job: ProfileJob, margin: bool = True) -> float:
        """Until the job's deadline (less the result margin): how long the station work may still take."""
        keep = min(RESULT_MARGIN_S, timeout_s(job) / 4) if margin else 0.0
        return (job.deadline - self._now()).total_seconds() - keep

    async def _run(
        self, job: ProfileJob, accepted: SteerableSession | None = None, snapshot: Snapshot | None = None
    ) -> None:
        # One session's jobs and refreshes never interleave: each reads every profile and the last push.
        # The site is told of a new profile as soon as it is stored, and the result travels while the
        # ActiveChargingProfile is pushed: the site's other stations (and this session's next share) wait
        # for neither round trip to the sender.
        lock = await self._session_lock(job, slot=True)
        if lock is None:
            await self._expire(job, "it waited for the session's earlier jobs")
            return
        try:
            try:
                session = accepted or await self._sessions.find(job.session_id)
                inputs = None if session is None else await self._inputs(job, session, snapshot)
                applied = await self._apply_in_time(job, session, inputs)
            finally:
                # The station answered: the job's place goes to the next one. Kept through the commit, the
                # result POST and the push, it capped the jobs at JOBS_AT_ONCE per round trip to the sender.
                self._running.release()
            if applied is None:
                return
            result, kept = applied
            # The job's outcome, committed with those of the jobs finishing at the same time.
            at = await self._outcomes((job.id, job, UNCHANGED if inputs is None else kept))
            if inputs is not None and at is not None and not isinstance(kept, Unchanged):
                inputs = inputs.with_profile(job.partner_id, kept, at)
            await self._finish(job, session, result, inputs)
        finally:
            lock.release()

    async def _write_outcomes(self, outcomes: Sequence[_Outcome]) -> list[datetime | None]:
        """Jobs done (those given by id: a claimed job's state is written with its claim), and each one's
        sender profile as the station took it, in one transaction; when each was kept (None: not kept)."""
        profiles = [(j.session_id, j.partner_id, k) for _, j, k in outcomes if not isinstance(k, Unchanged)]
        async with self._store.unit_of_work() as uow:
            await uow.profile_jobs.done_many([done for done, _, _ in outcomes if done is not None])
            at = await self._active.keep_in(uow, profiles) if profiles else None
        self._active.written(session_id for session_id, _, _ in profiles)
        return [None if isinstance(kept, Unchanged) else at for _, _, kept in outcomes]

    async def _session_lock(self, job: ProfileJob, slot: bool = False) -> asyncio.Lock | None:
        """The session's lock (and with `slot`, then a place among the jobs running at once; the caller
        releases both), acquired while the job still has time; None when its time ran out waiting."""
        lock = self._locks[job.session_id.upper()]
        try:
            async with asyncio.timeout(self._seconds_left(job)):
                await lock.acquire()
                try:
                    if slot:
                        await self._running.acquire()
                except BaseException:  # the deadline came while waiting for a slot
                    lock.release()
                    raise
        except TimeoutError:
            return None
        return lock

    async def _inputs(
        self, job: ProfileJob, session: SteerableSession, snapshot: Snapshot | None = None
    ) -> SessionInputs:
        """A GET only asks the station: it needs no sender's profile."""
        if job.kind is RequestKind.GET:
            return SessionInputs((), None)
        return self._active.still(snapshot, session.session_id) or await self._active.inputs(
            session.session_id
        )

    async def _finish(
        self,
        job: ProfileJob,
        session: SteerableSession | None,
        result: BaseModel,
        inputs: SessionInputs | None,
    ) -> None:
        """The site is told at once; the result is posted while the ActiveChargingProfile is pushed."""
        self._tell_site(job, session, result)
        posting = asyncio.get_running_loop().create_task(self._results.post(job, result))
        try:
            if session is not None and job.kind is not RequestKind.GET:
                await self._active.refresh(session, inputs)
        finally:
            await posting

    def _tell_site(self, job: ProfileJob, session: SteerableSession | None, result: BaseModel) -> None:
        if session is not None and job.kind is not RequestKind.GET and accepted(result):
            for listener in self.profiles_changed:
                listener(session)

    async def _apply_in_time(
        self,
        job: ProfileJob,
        session: SteerableSession | None,
        inputs: SessionInputs | None,
        claimed: bool = False,
    ) -> tuple[BaseModel, Kept] | None:
        """The station's answer as a result (and the sender's profile to keep), or None when the deadline
        came first (the job expired).

        A call abandoned at the deadline may still reach the station; FERA keeps its inputs unchanged then,
        and the session's next TxProfile (any later set, clear or site change) restates them. `claimed`: its
        state is written with its claim, not here."""
        if session is None or inputs is None:
            return rejected(job.kind), UNCHANGED
        if self._seconds_left(job) < min(STATION_MINIMUM_S, timeout_s(job) / 10):
            await self._expire(job, "too little time was left for the station", claimed)
            return None
        try:
            left = self._seconds_left(job)
            async with asyncio.timeout(left):
                with commands_due(self._now() + timedelta(seconds=left)):  # also in a gateway elsewhere
                    return await apply(self._active, job, session, inputs)
        except TimeoutError:
            await self._expire(job, "the station did not answer in time", claimed)
            return None
        except Exception:  # a bug must not leave the job QUEUED and the sender waiting: REJECTED, logged
            log.exception("%s on %s failed", job.kind.value, job.session_id)
            return rejected(job.kind), UNCHANGED

    async def _expire(self, job: ProfileJob, why: str, claimed: bool = False) -> None:
        """Not applied: recorded as EXPIRED, and REJECTED to the sender while its deadline still runs (a
        claimed job: both with its claim, then posted from the store)."""
        log.warning("%s on %s expired unapplied: %s", job.kind.value, job.session_id, why)
        if not claimed:
            async with self._store.unit_of_work() as uow:
                await uow.profile_jobs.done(job.id, JobState.EXPIRED)
            await self._results.post(job, rejected(job.kind))

    async def resend(self, session_id: str, after_jobs: bool = True) -> Result | None:
        """Send the session's TxProfile again from its current inputs (its local limit changed), the senders'
        profiles read once it steers the session (read before the site's lock, one a job applied meanwhile
        was undone); once the station took it, its ActiveChargingProfile is pushed. None: no such session.

        Returns with the station's answer, before the push (site load management raises the others once the
        decreases are there); a push states the inputs of its own moment, so a later one is never stale."""
        async with self._locks[session_id.upper()] if after_jobs else asyncio.Lock():
            session = await self._sessions.find(session_id)
            if session is None or not session.ongoing:
                return None
            async with self._active.steering(session):
                profiles = await self._active.sender_profiles(session.session_id)
                outcome = await self._active.send(session, profiles)
        if outcome is Result.ACCEPTED:
            self._track(self._refresh(session))
        return outcome

    async def _refresh(self, session: SteerableSession) -> None:
        async with self._locks[session.session_id.upper()]:
            await self._active.refresh(session)

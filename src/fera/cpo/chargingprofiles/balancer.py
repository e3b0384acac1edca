"""Keeps every site balanced: recomputes a site's shares when its sessions, their senders' profiles, its
capacity, the phases a car is seen to use or what it takes, or its driver's stated preferences change, and
sends each session whose share changed its new TxProfile (and ActiveChargingProfile).

Each site recomputes in one task at a time; requests that arrive meanwhile fold into one more run. A TxProfile
the station didn't accept is sent again on the session's next update (e.g. its next meter values).

Shared by several processes (PostgreSQL), a recomputation and the TxProfiles it sends hold the site's lock
(`SiteLimits.round`): any process may run it, one at a time. Its sends steer the sessions under that lock,
without waiting for their jobs (a job waits for the lock while it holds its session: waiting for the job
under the lock would wait forever). A worker looks every `SWEEP_S` for a round a dead process left
unfinished (some of its TxProfiles may not have been sent) and runs it again, and sends again the
TxProfiles a station refused or did not get (recorded with the site's shares: the session's next meter
values may reach another process), less and less often while the station keeps refusing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from fera.cpo.chargingprofiles.applier import ProfileApplier
from fera.cpo.chargingprofiles.sessions import SteerableSession
from fera.cpo.chargingprofiles.site import Release, SiteLimits
from fera.events import EventBus
from fera.ocpi.chargingprofiles.models import ChargingProfileResultType
from fera.sessions_events import PreferencesChanged, SessionChanged
from fera.signals.board import SignalsChanged

__all__ = ["SiteBalancer"]

log = logging.getLogger(__name__)
SWEEP_S = 2.0  # how often a worker looks for rounds a dead process left unfinished (shared sites)
RETRY_MAX_S = 60.0  # a station that keeps refusing its share is tried again at most this far apart


class SiteBalancer:
    def __init__(self, limits: SiteLimits, applier: ProfileApplier) -> None:
        self.limits, self._applier = limits, applier
        self._dirty: set[int] = set()
        self._running: set[int] = set()
        self._unapplied: set[str] = set()  # sessions whose station has not taken their current share
        self._tasks: set[asyncio.Task[None]] = set()
        self._rounds: dict[int, set[asyncio.Task[None]]] = {}  # per site: resends of its computations
        self._lowering: dict[int, set[asyncio.Task[None]]] = {}  # per site: its decreases on their way
        self._sweeper: asyncio.Task[None] | None = None
        self._resending: set[str] = set()  # sessions a resend is under way for (not started twice by sweeps)
        self._retries: dict[str, tuple[int, float]] = {}  # per session: sweeps' resends so far, and the last
        limits.on_change = self._resend_all
        applier.profiles_changed.append(self._profiles_changed)

    def subscribe(self, events: EventBus) -> None:
        events.subscribe(SessionChanged, self.on_session)
        events.subscribe(SignalsChanged, self.on_signals)
        events.subscribe(PreferencesChanged, self.on_preferences)

    def request(self, site: int) -> None:
        """Recompute the site soon (once more if it is being recomputed now)."""
        self._dirty.add(site)
        if site not in self._running:
            self._running.add(site)
            self._spawn(self._run(site))

    async def on_session(self, event: SessionChanged) -> None:
        if event.source_partner_id is not None:
            return  # a partner's session, not one of ours
        session = event.session
        site = self.limits.site_of(session.location_id, session.evse_uid)
        if site is None:
            return
        if event.patch is None or event.patch.status is not None:  # started, or its status changed
            self.request(site)
        elif self.limits.learned(session):  # its meter showed the phases the car really uses
            self.request(site)
        elif session.id.upper() in self._unapplied:
            self._spawn(self._resend(session.id.upper()))

    async def on_preferences(self, event: PreferencesChanged) -> None:
        """A driver stated a departure and an energy need: the site serves stated needs first."""
        site = self.limits.site_of(event.location_id, event.evse_uid)
        if site is not None:
            self.request(site)

    async def on_signals(self, event: SignalsChanged) -> None:
        for site in self.limits.sites_at(event.group_id):
            self.request(site)

    async def drain(self) -> None:
        """Wait until every recomputation and resend has finished (tests, benchmarks)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def start(self) -> None:
        if self.limits.shared is not None:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep())

    async def _sweep(self) -> None:
        while True:
            try:
                for site in await self.limits.unfinished():
                    self.request(site)
                unapplied = await self.limits.unapplied()
                self._retries = {k: v for k, v in self._retries.items() if k in unapplied}
                for session_id in unapplied:
                    if session_id not in self._resending and self._retry_due(session_id):
                        self._spawn(self._resend(session_id))
            except Exception:  # the database away for a moment: the next sweep tries again
                log.exception("looking for unfinished site rounds failed")
            await asyncio.sleep(SWEEP_S)

    def _retry_due(self, session_id: str) -> bool:
        """Again after 2, 4, 8 ... s (at most RETRY_MAX_S) since this process last tried."""
        tries, last = self._retries.get(session_id, (0, 0.0))
        now = asyncio.get_running_loop().time()
        if tries and now - last < min(SWEEP_S * 2**tries, RETRY_MAX_S):
            return False
        self._retries[session_id] = (tries + 1, now)
        return True

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _profiles_changed(self, session: SteerableSession) -> None:
        site = self.limits.site_of(session.location_id, session.evse_uid)
        if site is not None:
            self.request(site)

    async def _run(self, site: int) -> None:
        try:
            while site in self._dirty:
                self._dirty.discard(site)
                async with self.limits.round(site):
                    await self.limits.recompute(site)
                    # One computation at a time goes out: a new one meanwhile would supersede this one's
                    # increases (see `SiteLimits`), and a steady stream of them would hold increases back.
                    await asyncio.gather(*self._rounds.get(site, ()), return_exceptions=True)
        except Exception:
            log.exception("site %s: rebalancing failed", self.limits.sites[site].location)
        finally:
            self._running.discard(site)

    def _resend_all(self, site: int, lowered: set[str], raised: set[str], release: Release) -> None:
        # The decreases of the site's earlier computations still on their way count too: a computation made
        # meanwhile (a job reading the share of a session the last one did not know) sees them as
        # unchanged, not as its own, and would raise a station before they arrived.
        lowering = self._lowering.setdefault(site, set())
        earlier = set(lowering)
        decreases = {self._spawn(self._resend(session_id)) for session_id in lowered}
        for decrease in decreases:
            lowering.add(decrease)
            decrease.add_done_callback(lowering.discard)
        task = self._spawn(self._resend_in_order(decreases | earlier, raised, release))
        rounds = self._rounds.setdefault(site, set())
        rounds.add(task)
        task.add_done_callback(rounds.discard)

    async def _resend_in_order(
        self, decreases: set[asyncio.Task[None]], raised: set[str], release: Release
    ) -> None:
        """Decreases reach their stations before any increase takes effect (`release`) and is sent: the sum
        stays within capacity meanwhile. A superseded computation sends no increase: the later one does."""
        await asyncio.gather(*decreases, return_exceptions=True)
        if await release():
            await asyncio.gather(*(self._resend(session_id) for session_id in raised))

    async def _resend(self, session_id: str) -> None:
        self._resending.add(session_id)
        try:
            outcome = await self._applier.resend(session_id, after_jobs=self.limits.shared is None)
        except Exception:
            log.exception("session %s: sending its site share failed", session_id)
            outcome = ChargingProfileResultType.REJECTED
        finally:
            self._resending.discard(session_id)
        applied = outcome is None or outcome is ChargingProfileResultType.ACCEPTED
        if applied:
            self._unapplied.discard(session_id)
            self._retries.pop(session_id, None)
        else:
            self._unapplied.add(session_id)
        await self.limits.applied(session_id, applied)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

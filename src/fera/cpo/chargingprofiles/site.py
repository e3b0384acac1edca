"""Site load management: each site's limits shared among its ongoing sessions; a `LocalLimits`.

A site is a `SiteConfig`: a location (or some of its EVSEs) behind one grid connection, with its fuse per
phase (`phase_amps`), nested sub-boards, and the phases each EVSE is wired to (`site_grid`). The connection's
limits are the latest capacity forecast for the location's group (`SignalBoard.limits(location_id)`) where it
has values, else the configured `capacity_kw`; the configured fuse always holds, whatever a forecast says.
Each session's demand is capped by the minimum of its senders' profiles and its hardware, with the highest of
the senders' `min_charging_rate`s, and loads the site phases its car really uses (from its metered POWER and
CURRENT; until metered, every phase of its EVSE). `share_capacity` shares per phase, max-min fairly, so
whatever profiles arrive, from whichever sender, no phase of any level goes over its limit.

Stated needs are served in the order of the site's last computation unless another can wait clearly less
(`priority`; the order is kept per process: on PostgreSQL a process that did not compute the site's last
shares starts from least laxity first). A car whose meter showed its own maximum is given no more.

Shares are cached per site and recomputed by `recompute` (the balancer calls it on every change). A share that
is the same from now on as before keeps its old object, so ActiveChargingProfile fingerprints stay stable;
the sessions whose share did change are reported to `on_change`, which sends them their new TxProfile.

A new share that goes up anywhere is held back (the session keeps the lower of its old and new share; a new
session, which draws nothing behind the site's zero TxDefaultProfile, keeps 0) until the balancer has sent
every decrease of the same computation and calls its `release`: whatever reads a share meanwhile (a sender's
profile being applied, a later computation's decreases) never raises a station before the others went down.
A later computation supersedes an unreleased one: its own release covers what is still held.

Unless nothing needs to wait: every TxProfile sent to a managed session is recorded (`sending`, `sent`) as
what its station may be enforcing (while a send is in flight, the higher of the old and the new one). When
the site holds even with every session at the higher of that and its new share, the increases go out in the
same round as the decreases (a hand-over whose old car's sender already lowered it costs no round trip).

On a database several processes share (PostgreSQL, `SharedSites`), whatever computes a site's shares or
sends a TxProfile to one of its sessions holds the site's lock (`round`, `steering`) and works from the
site's state as stored, written back before anything is sent; outside the lock a share is read from the
database. A share not computed yet is 0 there (as the site's TxDefaultProfile): its round is coming.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial

from fera.charging import Electrical, Schedule, maximum
from fera.charging.metering import car_amps, car_max_amps, car_phases
from fera.charging.site import SiteDemand, SiteLevel, priority, share_capacity, within_capacity
from fera.charging.site_turns import TURNS_AHEAD
from fera.config import SiteConfig
from fera.cpo.chargingprofiles.active import rate_profile
from fera.cpo.chargingprofiles.sessions import SteerableSession, steerable
from fera.cpo.chargingprofiles.site_grid import connection_w, demand, site_levels
from fera.cpo.chargingprofiles.site_rounds import (
    SHARE_HORIZON,
    Round,
    Share,
    described,
    go,
    hold,
    same_from,
    spliced,
)
from fera.cpo.chargingprofiles.site_shared import SharedSites, SiteState
from fera.keyed_locks import KeyedLocks
from fera.ocpi.sessions.models import Session
from fera.ocpi.types import ci_equal
from fera.signals import CapacityLimits
from fera.store.protocols import Store

__all__ = ["SHARE_HORIZON", "SiteLimits"]

log = logging.getLogger(__name__)
CapacitySource = Callable[[str], Awaitable[CapacityLimits | None]]
Release = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class _Takes:
    """What a session's share assumed of its car: W per A (as its share counts, as it draws), what it is
    known to take (`car_amps`), and its stated need (kWh) while not met."""

    watts_per_amp: float
    draw_w_per_amp: float
    car_a: float | None
    car_max_a: float | None
    need_kwh: float | None


def _in_site(site: SiteConfig, location_id: str, evse_uid: str) -> bool:
    if not ci_equal(site.location, location_id):
        return False
    return not site.evses or any(ci_equal(uid, evse_uid) for uid in site.evses)


class SiteLimits:
    def __init__(
        self,
        sites: Sequence[SiteConfig],
        store: Store,
        capacity: CapacitySource,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        shared: SharedSites | None = None,
    ) -> None:
        self.sites = list(sites)
        self._store, self._capacity, self._clock = store, capacity, now
        self.shared = shared  # several processes balance the sites (PostgreSQL)
        self._shares: dict[int, dict[str, Share]] = {}
        self._locks: KeyedLocks[int] = KeyedLocks()
        self._generations: defaultdict[int, int] = defaultdict(int)
        self._phases: dict[str, tuple[Electrical, int | None]] = {}  # per session: as its share assumed
        self._in_force: dict[str, Schedule] = {}  # per session: the most its station may enforce (W)
        # Per session: what its station accepted over time (W), and what its car is known to take as its
        # share last assumed (`car_amps`): a car seen drawing far less than it was given is not put first
        # with more than it takes (the others would wait beside unused capacity).
        self._allowed: dict[str, Schedule] = {}
        self._takes: dict[str, _Takes] = {}
        self._order: dict[int, list[str]] = {}  # per site: its stated needs as last served (`priority`)
        self._turns_until: dict[int, datetime] = {}  # per site with sessions waiting their turn: the end of
        # the turns planned ahead
        # (site, sessions whose share went down, those whose share goes up, release): the balancer sends the
        # decreases, then calls release (the raised shares take effect) and sends the increases, so the site
        # never exceeds its capacity while the new shares travel to the stations.
        self.on_change: Callable[[int, set[str], set[str], Release], None] = lambda *_: None

    def key(self, site: int) -> str:
        """The site's name in the database: its place in the configuration and its location."""
        return f"{site}:{self.sites[site].location.upper()}"

    def site_of(self, location_id: str, evse_uid: str) -> int | None:
        return next((i for i, s in enumerate(self.sites) if _in_site(s, location_id, evse_uid)), None)

    def learned(self, session: Session) -> bool:
        """Does the session's meter now show a different phase count than its share was computed with, or,
        for a stated need, a car that takes a different current (`car_amps`) or the need met? Or have the
        turns planned ahead at its site run out (`site_turns`)?"""
        site = self.site_of(session.location_id, session.evse_uid)
        turns = None if site is None else self._turns_until.get(site)
        if turns is not None and self._clock() >= turns:
            return True  # the turns planned ahead have run out: plan the next ones (`site_turns`)
        key = session.id.upper()
        seen = self._phases.get(key)
        if seen is None:  # shared: another process computed its share; a round here learns what it assumed
            return self.shared is not None
        electrical, used = seen
        if car_phases(session, electrical.max_voltage, electrical.phases) != used:
            return True
        takes, allowed = self._takes[key], self._allowed.get(key)
        if car_max_amps(session, allowed, takes.watts_per_amp, takes.draw_w_per_amp) != takes.car_max_a:
            return True  # its car's own maximum showed: what it cannot take goes to the others
        if takes.need_kwh is None:
            return False  # what else its car takes only matters to a stated need: no churn for the others
        if session.kwh >= takes.need_kwh:
            return True  # its stated need is met: it no longer comes first
        return car_amps(session, allowed, takes.watts_per_amp, takes.draw_w_per_amp) != takes.car_a

    def sites_at(self, location_id: str) -> list[int]:
        return [i for i, s in enumerate(self.sites) if ci_equal(s.location, location_id)]

    async def for_session(self, session: SteerableSession) -> Schedule | None:
        site = self.site_of(session.location_id, session.evse_uid)
        if site is None or not session.ongoing:
            return None
        key = session.session_id.upper()
        if self.shared is not None:
            return await self._shared_share(site, key)
        shares = self._shares.get(site)
        if shares is None or key not in shares:  # a session the last computation didn't know yet
            shares = await self.recompute(site)
        share = shares.get(key)
        return None if share is None else share.limit

    async def recompute(self, site: int) -> dict[str, Share]:
        """Share the site's capacity again; sessions whose share changed go to `on_change`."""
        async with self._locks[site]:
            now = self._clock().replace(microsecond=0)
            demands = await self._demands(self.sites[site])
            levels = site_levels(self.sites[site], await self._capacity(self.sites[site].location))
            order = self._order[site] = priority(levels, demands, now, self._order.get(site, ()))
            old = self._shares.get(site, {})
            holding = {key for key, share in old.items() if (share.limit.limit_at(now) or 0.0) > 0}
            fresh = share_capacity(levels, demands, now, now + SHARE_HORIZON, order, holding)
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "site %s at %s: %s",
                    self.sites[site].location,
                    now.isoformat(),
                    described(demands, fresh, now),
                )
            self._note_turns(site, demands, fresh, now)
            round_ = hold(old, fresh, now)
            if self.shared is not None:  # a process died before its station's answer: send it again first
                round_.lowered.update(self._above(round_.published, now))
            if round_.held and self._at_once(site, round_, levels, demands, now):
                round_ = Round(round_.published | round_.held, {}, set(), round_.lowered | round_.raised)
            for gone in set(self._shares.get(site, {})) - set(fresh):
                for memory in (self._phases, self._in_force, self._allowed, self._takes):
                    memory.pop(gone, None)
            self._shares[site] = round_.published
            self._generations[site] += 1
            generation = self._generations[site]
            await self._store_shares(site)
        if round_.lowered or round_.raised:
            # Shares published at once hold nothing back: they go out even if a later computation comes
            # (it sees them as unchanged and would not send them).
            release = partial(self._release, site, generation, round_.held) if round_.held else go
            self.on_change(site, round_.lowered, round_.raised, release)
        return round_.published

    def _note_turns(
        self, site: int, demands: list[SiteDemand], shares: dict[str, Schedule], now: datetime
    ) -> None:
        """Sessions wait their turn at this site: compute it again when the turns planned ahead run out."""
        waiting = any(d.min_rate_w > 0 and shares[d.session_id].limit_at(now) == 0 for d in demands)
        if waiting:
            self._turns_until[site] = now + TURNS_AHEAD
        else:
            self._turns_until.pop(site, None)

    async def _release(self, site: int, generation: int, held: dict[str, Share]) -> bool:
        """The decreases of computation `generation` reached their stations: its increases take effect.
        False if a later computation superseded it (its own release covers what is still held)."""
        if self._generations[site] != generation:
            return False
        self._shares[site] = self._shares.get(site, {}) | held
        await self._store_shares(site)
        return True

    def _above(self, shares: dict[str, Share], now: datetime) -> set[str]:
        """The sessions whose station may still enforce more than their share."""
        above = set()
        for key, share in shares.items():
            before = self._in_force.get(key)
            if before is not None and not same_from(share, maximum(before, share.limit), now):
                above.add(key)
        return above

    def _at_once(
        self, site: int, round_: Round, levels: list[SiteLevel], demands: list[SiteDemand], now: datetime
    ) -> bool:
        """Does the site hold with the raised shares in force before any decrease reached its station?"""
        old, worst = self._shares.get(site, {}), {}
        for key, share in (round_.published | round_.held).items():
            before = self._in_force.get(key)
            if before is None and key in old:  # nothing sent since a restart: its last share
                before = old[key].limit
            worst[key] = share.limit if before is None else maximum(before, share.limit)
        return within_capacity(levels, demands, worst, now, now + SHARE_HORIZON)

    async def sending(self, session: SteerableSession, limit: Schedule) -> None:
        """A TxProfile with `limit` goes to the session's station: until it answers, either may be in force.
        Nothing sent before (by this process): its share so far, or the site's zero TxDefaultProfile."""
        key = session.session_id.upper()
        before = self._in_force.get(key)
        if before is None:
            share = next((s[key] for s in self._shares.values() if key in s), None)
            before = Schedule.constant(0.0) if share is None else share.limit
        await self._store_in_force(session, maximum(before, limit))

    async def sent(self, session: SteerableSession, limit: Schedule, accepted: bool) -> None:
        """The station answered: an accepted TxProfile replaced the previous one."""
        now = self._clock()
        log.debug(
            "%s at %s: TxProfile accepted %s, %s W now",
            session.session_id[:8],
            now,
            accepted,
            limit.limit_at(now),
        )
        if accepted:
            key = session.session_id.upper()
            self._allowed[key] = spliced(self._allowed.get(key), limit, self._clock())
            await self._store_in_force(session, limit)

    async def _store_in_force(self, session: SteerableSession, limit: Schedule) -> None:
        key = session.session_id.upper()
        self._in_force[key] = limit
        site = self.site_of(session.location_id, session.evse_uid)
        if self.shared is not None and site is not None:
            await self.shared.put_in_force(self.key(site), key, limit)

    @asynccontextmanager
    async def steering(self, session: SteerableSession) -> AsyncIterator[None]:
        """A TxProfile is computed and sent to the session: shared, under its site's lock."""
        site = self.site_of(session.location_id, session.evse_uid)
        if self.shared is None or site is None:
            yield
            return
        async with self.shared.exclusive(self.key(site)) as state:
            if state is not None:
                self._load(site, state)
            yield

    @asynccontextmanager
    async def round(self, site: int) -> AsyncIterator[None]:
        """A recomputation and the TxProfiles it sends: shared, under the site's lock, and recorded as
        started until it finished (a process dying meanwhile leaves it to another one: `unfinished`)."""
        if self.shared is None:
            yield
            return
        key = self.key(site)
        async with self.shared.exclusive(key) as state:
            if state is not None:
                self._load(site, state)
            await self.shared.round_started(key, self._clock())
            yield
            await self.shared.round_finished(key, self._clock())

    async def applied(self, session_id: str, applied: bool) -> None:
        """Whether the session's station took its share (shared: any worker sends it again until it does)."""
        if self.shared is not None:
            await self.shared.put_unapplied(session_id, not applied)

    async def unapplied(self) -> list[str]:
        return [] if self.shared is None else await self.shared.unapplied()

    async def unfinished(self) -> list[int]:
        """The sites whose last round a process started and never finished (shared only)."""
        keys = set() if self.shared is None else set(await self.shared.unfinished())
        return [site for site in range(len(self.sites)) if self.key(site) in keys]

    def _load(self, site: int, state: SiteState) -> None:
        for key in self._shares.get(site, {}):
            self._in_force.pop(key, None)
        self._shares[site] = {k: Share(limit, until) for k, (limit, until) in state.shares.items()}
        self._in_force.update(state.in_force)

    async def _store_shares(self, site: int) -> None:
        if self.shared is not None:
            shares = {k: (s.limit, s.until) for k, s in self._shares.get(site, {}).items()}
            await self.shared.put_shares(self.key(site), shares)

    async def _shared_share(self, site: int, key: str) -> Schedule:
        assert self.shared is not None
        if self.shared.holds(self.key(site)):
            share = self._shares.get(site, {}).get(key)
            limit = None if share is None else share.limit
        else:
            limit = await self.shared.share(key)
        return Schedule.constant(0.0) if limit is None else limit

    async def current(self, site: int) -> list[Schedule]:
        """The shares last computed for a site's sessions (empty before the first computation); shared, as
        any process last stored them."""
        if self.shared is not None:
            return list((await self.shared.shares(self.key(site))).values())
        return [share.limit for share in self._shares.get(site, {}).values()]

    async def capacity_of(self, site: int) -> Schedule:
        """The connection's limit as one total in W (dashboards; the shares keep every phase and level)."""
        config = self.sites[site]
        return connection_w(config, site_levels(config, await self._capacity(config.location))[0])

    async def _demands(self, site: SiteConfig) -> list[SiteDemand]:
        async with self._store.unit_of_work() as uow:
            sessions = await uow.station_lookups.ongoing_sessions(site.location)
            sessions = [s for s in sessions if _in_site(site, s.location_id, s.evse_uid)]
            location = await uow.locations.own(site.location)
            stored = await uow.sessions.own_many([s.id for s in sessions])
            demands = []
            for session in sessions:
                key = session.id.upper()
                held = await uow.sender_profiles.for_session(session.id)
                profiles = [rate_profile(p.profile) for p in held if p.profile is not None]
                electrical = steerable(session, location).electrical
                used = car_phases(session, electrical.max_voltage, electrical.phases)
                self._phases[key] = (electrical, used)
                preferences = stored[key].preferences if key in stored else None
                base = demand(site, session, profiles, electrical, used, preferences)
                allowed, per_a, draw_per_a = self._allowed.get(key), base.watts_per_amp, base.draw_w_per_amp
                car_a = car_amps(session, allowed, per_a, draw_per_a)
                own = car_max_amps(session, allowed, per_a, draw_per_a)
                need = preferences.energy_need if base.need_wh > 0 and preferences is not None else None
                self._takes[key] = _Takes(per_a, draw_per_a, car_a, own, need)
                demands.append(replace(base, car_a=car_a, car_max_a=own))
            return demands

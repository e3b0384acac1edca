"""Site load management across processes (PostgreSQL): one process at a time balances or steers a site.

Every process of a node may change a site (a gateway sees a session start or meter, a worker applies a
sender's profile, an API process receives a capacity forecast). Each holds the site's lock while it does:
an advisory lock per site taken in a transaction held open meanwhile (PostgreSQL lets it go with the
connection of a process that dies, even by SIGKILL), behind an in-process lock so one process queues its
own tasks without holding a connection each. Under the lock the site's state is read from the database
(each session's share, and what its station may be enforcing) and every change is written back before
anything is sent: the next holder, in whichever process, starts from what the stations may really have.

Whoever holds the lock in a task holds it in the tasks it starts (a context variable): a round's sends
steer their sessions under the round's lock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fera.charging import Schedule
from fera.keyed_locks import KeyedLocks
from fera.store.protocols import Store

__all__ = ["SharedSites", "SiteState", "decode", "encode"]

# The site locks this task holds (site -> the hold), inherited by the tasks it starts; a task that outlives
# the hold it inherited sees it is over (`SharedSites.holds`).
_HELD: ContextVar[tuple[tuple[str, object], ...]] = ContextVar("fera_sites_held", default=())


def encode(limit: Schedule, until: datetime | None = None) -> dict[str, Any]:
    points = [[t.isoformat(), v] for t, v in limit.breakpoints()]
    encoded: dict[str, Any] = {"initial": limit.initial, "points": points}
    if until is not None:
        encoded["until"] = until.isoformat()
    return encoded


def decode(encoded: Mapping[str, Any]) -> Schedule:
    points = [(datetime.fromisoformat(t), v) for t, v in encoded["points"]]
    return Schedule(points, encoded["initial"])


def until_of(encoded: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(encoded["until"])


@dataclass(frozen=True)
class SiteState:
    """A site as the database has it: each session's share (with its horizon) and what it may enforce."""

    shares: dict[str, tuple[Schedule, datetime]]
    in_force: dict[str, Schedule]


class SharedSites:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._locks: KeyedLocks[str] = KeyedLocks()
        self._holds: dict[str, object] = {}  # the site locks this process holds now

    def holds(self, site: str) -> bool:
        hold = self._holds.get(site)
        return hold is not None and (site, hold) in _HELD.get()

    @asynccontextmanager
    async def exclusive(self, site: str) -> AsyncIterator[SiteState | None]:
        """The site's lock, and its state as stored; None when this task already holds it."""
        if self.holds(site):
            yield None
            return
        async with self._locks[site], self._store.unit_of_work() as lock:
            await lock.site_shares.lock(site)
            state = await self._state(site)
            hold = self._holds[site] = object()
            held = _HELD.set((*_HELD.get(), (site, hold)))
            try:
                yield state
            finally:
                _HELD.reset(held)
                del self._holds[site]

    async def _state(self, site: str) -> SiteState:
        async with self._store.unit_of_work() as uow:
            rows = await uow.site_shares.rows(site)
        shares = {k: (decode(r.share), until_of(r.share)) for k, r in rows.items() if r.share is not None}
        in_force = {k: decode(r.in_force) for k, r in rows.items() if r.in_force is not None}
        return SiteState(shares, in_force)

    async def shares(self, site: str) -> dict[str, Schedule]:
        """Every session's share as last stored."""
        return {k: limit for k, (limit, _) in (await self._state(site)).shares.items()}

    async def share(self, session_id: str) -> Schedule | None:
        """The session's share as last stored (read without the lock: pushes and dashboards)."""
        async with self._store.unit_of_work() as uow:
            encoded = await uow.site_shares.share(session_id.upper())
        return None if encoded is None else decode(encoded)

    async def put_shares(self, site: str, shares: Mapping[str, tuple[Schedule, datetime]]) -> None:
        encoded = {k: encode(limit, until) for k, (limit, until) in shares.items()}
        async with self._store.unit_of_work() as uow:
            await uow.site_shares.put_shares(site, encoded)

    async def put_in_force(self, site: str, session_id: str, limit: Schedule) -> None:
        """Committed before the TxProfile leaves: a process dying while it travels leaves the higher bound."""
        async with self._store.unit_of_work() as uow:
            await uow.site_shares.put_in_force(site, session_id, encode(limit))

    async def put_unapplied(self, session_id: str, unapplied: bool) -> None:
        async with self._store.unit_of_work() as uow:
            await uow.site_shares.put_unapplied(session_id.upper(), unapplied)

    async def unapplied(self) -> list[str]:
        async with self._store.unit_of_work() as uow:
            return await uow.site_shares.unapplied()

    async def round_started(self, site: str, at: datetime) -> None:
        async with self._store.unit_of_work() as uow:
            await uow.site_shares.round_started(site, at)

    async def round_finished(self, site: str, at: datetime) -> None:
        async with self._store.unit_of_work() as uow:
            await uow.site_shares.round_finished(site, at)

    async def unfinished(self) -> list[str]:
        async with self._store.unit_of_work() as uow:
            return await uow.site_shares.unfinished()

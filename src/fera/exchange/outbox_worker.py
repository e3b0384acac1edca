"""Delivers the outbox (a database several processes share): any number of workers, each object by one.

A worker claims up to CLAIM_OBJECTS objects with due pushes (`OutboxStore.claim`: a transaction-level lock
per object), sends each object's pushes in the order they were written, and removes what went out in the
same transaction: a worker killed mid-delivery (even `kill -9`) removes nothing, its locks go with its
connection, and another worker sends those pushes again. Delivery is at least once, never out of order.

Per object, as the in-memory `Pusher` does: a newer whole object supersedes the older pushes not yet sent; a
run of held pushes (a Session's readings) goes as one joined PATCH, at most once per `hold_s` unless another
change follows it; a change goes as its smaller message unless the object is stale, and as the whole object
when the partner refuses it. The whole of one of our own stored objects (`OutboxPush.current`) is read as it
is now; it has the changes of every push of it written by then, which it supersedes. A push that fails is
tried again ATTEMPTS times, RETRY_S × 2ⁿ apart (its object's later pushes wait behind it); then it is dropped
and the object marked stale, so its next push goes whole (spec: the receiver resynchronises by pulling).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import groupby

from fera.exchange._outbox_plan import Plan, Step, plan
from fera.exchange.outbox import Outbox
from fera.exchange.pusher import Pusher
from fera.ocpi.errors import PeerError
from fera.ocpi.peer import PeerClient, PeerRequest, PeerTarget
from fera.partners import Partner, PartnerService
from fera.store.outbox_protocols import OUTBOX_CHANNEL, OutboxPush, PushedObject, QueuedPush
from fera.store.protocols import Store, UnitOfWork

__all__ = ["ATTEMPTS", "OutboxWorker", "outbox_settled"]

log = logging.getLogger(__name__)
POLL_S = 0.5  # an idle worker looks this often for what no one announced (a dead worker's pushes, retries)
CLAIM_OBJECTS = 32  # objects one claim holds at once (one transaction and one pooled connection)
CONCURRENCY = 2  # claims one worker runs at once
SENDS_AT_ONCE = 16  # objects of one claim sent at once
ATTEMPTS = 4  # tries of one push before it is dropped and its object marked stale
RETRY_S = 0.5  # the first retry's delay; each next one doubles it
STOP_GRACE_S = 5.0  # a stopping worker finishes its claims this long (what is left is sent by another)


@dataclass
class _Outcome:
    sent: list[int]  # removed: delivered, superseded or given up
    later: list[tuple[list[int], datetime, int]]  # postponed: ids, due, attempts
    state: PushedObject
    before: PushedObject
    through: int | None = None  # every push of the object up to this one went out in a whole read now


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        outbox: Outbox,
        pusher: Pusher,
        partners: PartnerService,
        peer: PeerClient,
        target: Callable[[Partner, OutboxPush], PeerTarget],
    ) -> None:
        self._store, self._outbox, self._pusher = store, outbox, pusher
        self._partners, self._peer, self._target = partners, peer, target
        self._claimers, self._stopping = 0, False
        self._tasks: set[asyncio.Task[None]] = set()
        self._poller: asyncio.Task[None] | None = None
        self._sends = asyncio.Semaphore(SENDS_AT_ONCE)

    async def start(self) -> None:
        self._poller = asyncio.get_running_loop().create_task(self._poll())

    async def stop(self) -> None:
        self._stopping = True
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=STOP_GRACE_S)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _poll(self) -> None:
        async with self._store.notifications(OUTBOX_CHANNEL, self._claim_more):
            while True:
                self._claim_more()
                await asyncio.sleep(POLL_S)

    def _claim_more(self) -> None:
        for _ in range(0 if self._stopping else CONCURRENCY - self._claimers):
            self._claimers += 1
            task = asyncio.get_running_loop().create_task(self._claim_until_empty())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _claim_until_empty(self) -> None:
        try:
            while not self._stopping and await self._claim():
                pass
        except Exception:  # nothing was removed (rolled back): the next poll sends it again
            log.exception("delivering the outbox failed; its pushes stay queued")
        finally:
            self._claimers -= 1

    async def _claim(self) -> bool:
        async with self._store.unit_of_work() as uow:
            now = self._outbox.now()
            claimed = await uow.outbox.claim(CLAIM_OBJECTS, now)
            if not claimed:
                return False
            per_object = [list(rows) for _, rows in groupby(sorted(claimed, key=_by_key), key=_key)]
            states = await uow.outbox.objects([rows[0].push.key for rows in per_object])
            before = [states.get(rows[0].push.key, PushedObject()) for rows in per_object]
            plans = [
                plan(rows, b, self._pusher.hold_s, now) for rows, b in zip(per_object, before, strict=True)
            ]
            if sending := [i for p in plans for step in p.steps for i in step.ids]:
                async with self._store.unit_of_work() as marking:  # committed before anything is sent
                    await marking.outbox.mark_tried(sending)
            outcomes = await asyncio.gather(
                *(self._object(p, b, now) for p, b in zip(plans, before, strict=True))
            )
            await _record(uow, per_object, outcomes)
        return True

    async def _object(self, planned: Plan, state: PushedObject, now: datetime) -> _Outcome:
        async with self._sends:
            after = replace(state, held_sent_at=planned.held_sent_at)
            outcome = _Outcome(planned.superseded, [], after, state)
            if planned.later is not None:
                outcome.later.append((*planned.later, 0))
            for n, step in enumerate(planned.steps):
                if not await self._step(step, outcome):
                    rest = [i for s in planned.steps[n:] for i in s.ids] + (planned.later or ([], now))[0]
                    due = now + timedelta(seconds=RETRY_S * 2**step.attempts)
                    outcome.later = [(rest, due, step.attempts + 1)]
                    # What was not sent was not held back by an interval: tried again as it is.
                    outcome.state = replace(outcome.state, held_sent_at=state.held_sent_at)
                    break
                if outcome.through is not None:  # the object as it is now went: the rest is in it
                    outcome.later = []  # any push left after `through` stays queued as it was
                    break
            return outcome

    async def _step(self, step: Step, outcome: _Outcome) -> bool:
        """True when the push is done with (sent, its partner gone, or given up); False: try again later."""
        try:
            stale, outcome.through = await self._send(step.push, outcome.state.stale)
        except Exception as exc:
            if step.attempts + 1 < ATTEMPTS:
                log.info("push %s failed, tried again later: %s", step.push.key, exc)
                return False
            self._pusher.failures += 1
            log.warning("push %s failed, the receiver will resynchronise by pulling: %s", step.push.key, exc)
            stale = True
        outcome.sent += step.ids
        outcome.state = replace(outcome.state, stale=stale)
        return True

    async def _send(self, push: OutboxPush, stale: bool) -> tuple[bool, int | None]:
        """Sends the push; whether the object is stale after it, and the last push a whole read now had."""
        partner = await self._partners.cached(push.partner_id)
        if partner is None or not partner.registered:
            return stale, None  # gone: nobody to tell (a new registration pulls and is announced everything)
        target = self._target(partner, push)
        if push.change is not None and not stale:
            try:
                await self._peer.send(target, push.change)
                return False, None
            except PeerError as exc:  # e.g. the receiver missed the PUT: replace the whole object
                log.info("PATCH refused, sending the full object: %s", exc)
        put, through = await self._whole(push)
        if put is not None:
            await self._peer.send(target, put)
        return False, through

    async def _whole(self, push: OutboxPush) -> tuple[PeerRequest | None, int | None]:
        """The object whole: as the push holds it, or (our own stored object) as it is now."""
        if push.current is None:
            return push.put, None
        async with self._store.reading() as uow:
            now = await uow.outbox.current(push)
        if now.wire is None:
            log.warning("push %s: the object is no longer stored, nothing to send", push.key)
            return None, now.through
        return replace(push.put, body=now.wire), now.through


def _key(row: QueuedPush) -> str:
    return row.push.key


def _by_key(row: QueuedPush) -> tuple[str, int]:
    return row.push.key, row.id


async def _record(uow: UnitOfWork, objects: Sequence[list[QueuedPush]], outcomes: Sequence[_Outcome]) -> None:
    for rows, outcome in zip(objects, outcomes, strict=True):
        await uow.outbox.remove(outcome.sent)
        if outcome.through is not None:
            await uow.outbox.remove_through(rows[0].push.key, outcome.through)
        for ids, due, attempts in outcome.later:
            await uow.outbox.postpone(ids, due, attempts)
        if outcome.state != outcome.before:
            await uow.outbox.set_object(rows[0].push.key, outcome.state)


async def outbox_settled(store: Store, now: Callable[[], datetime], poll_s: float = 0.02) -> None:
    """Held pushes go now; then until no push is left in the outbox (tests and tools that wait for the
    partners to have it, as `Pusher.drain`)."""
    async with store.unit_of_work() as uow:
        await uow.outbox.release_held(now())
    while True:
        async with store.reading() as uow:
            if not await uow.outbox.pending():
                return
        await asyncio.sleep(poll_s)

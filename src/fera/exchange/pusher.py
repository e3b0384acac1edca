"""Pushes of client-owned objects to partners from memory, after the owner's transaction has committed: one
process's way (SQLite); on a database several processes share, the outbox does this (`outbox.py`).

Ordered per (partner, object), concurrent across objects up to a bound, never blocking the caller. A failed
push is logged and never retried or queued (spec: the receiver resynchronises by pulling); the object is
marked stale so that its next change is sent as a full PUT instead of a PATCH it could not apply.

A change that may wait (`hold`, a Session's meter readings) goes out at most once per `hold_s` per key: the
first at once, later ones joined to it (`Push.joined`) and sent when the interval has passed. Anything else
submitted for the key, `drain` and `close` send what is held first, so nothing is lost or reordered.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import partial

from fera.ocpi.errors import PeerError

__all__ = ["Push", "Pusher"]

log = logging.getLogger(__name__)
Send = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class Push:
    key: Hashable  # (partner id, module, object key): pushes with one key go out in order
    put: Send  # the full object
    patch: Send | None = None  # the change; None sends `put`

    def joined(self, later: Push) -> Push:
        """What this push, held, becomes when `later` (same key) joins it: here the later one alone."""
        return later


class Pusher:
    def __init__(self, concurrency: int = 16, hold_s: float = 0.0) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._tails: dict[Hashable, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stale: set[Hashable] = set()
        self.failures = 0
        self.hold_s = hold_s  # real seconds between two held pushes of one key; 0: none is held
        self._held: dict[Hashable, tuple[Push, asyncio.TimerHandle]] = {}
        self._sent: OrderedDict[Hashable, float] = OrderedDict()  # key -> loop time of its last held push
        # Pushes delivered by another path (a shared database's outbox): `drain` waits for them too.
        self.elsewhere: Callable[[], Awaitable[None]] | None = None

    def hold(self, push: Push) -> None:
        """Send at once if the key sent no held push within `hold_s`, else combine it with what is held
        for the key and send that when the interval has passed."""
        loop = asyncio.get_running_loop()
        now, key = loop.time(), push.key
        if (held := self._held.get(key)) is not None:
            self._held[key] = (held[0].joined(push), held[1])
            return
        self._forget_before(now - self.hold_s)
        last = self._sent.get(key)
        if last is None or now - last >= self.hold_s:
            self._send_held(push, now)
            return
        self._held[key] = (push, loop.call_at(last + self.hold_s, self._release, key))

    def submit(self, push: Push) -> asyncio.Task[None]:
        self._release(push.key)  # a held change of the same object goes first
        return self._submit(push)

    def _submit(self, push: Push) -> asyncio.Task[None]:
        task = asyncio.create_task(self._run(push, self._tails.get(push.key)))
        self._tails[push.key] = task
        self._tasks.add(task)
        task.add_done_callback(partial(self._done, push.key))
        return task

    async def drain(self) -> None:
        """Send what is held now, then wait until every submitted push (and any submitted since) has ended,
        and every push in the outbox was delivered (`elsewhere`)."""
        await self._drain()
        if self.elsewhere is not None:
            await self.elsewhere()

    async def _drain(self) -> None:
        for key in list(self._held):
            self._release(key)
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self, timeout: float = 5.0) -> None:
        """What this process holds in memory goes out (the outbox is the workers' to deliver)."""
        try:
            await asyncio.wait_for(self._drain(), timeout)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _release(self, key: Hashable) -> None:
        held = self._held.pop(key, None)
        if held is not None:
            held[1].cancel()
            self._send_held(held[0], asyncio.get_running_loop().time())

    def _send_held(self, push: Push, now: float) -> None:
        self._sent[push.key] = now
        self._sent.move_to_end(push.key)
        self._submit(push)

    def _forget_before(self, instant: float) -> None:
        """Keys whose last held push is older than the interval need no entry (oldest first)."""
        while self._sent and next(iter(self._sent.values())) < instant:
            self._sent.popitem(last=False)

    async def _run(self, push: Push, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        async with self._slots:
            try:
                await self._send(push)
            except PeerError as exc:
                self._stale.add(push.key)
                self.failures += 1
                log.warning("push failed, the receiver will resynchronise by pulling: %s", exc)
            except Exception:
                self._stale.add(push.key)
                self.failures += 1
                log.exception("push %r failed", push.key)

    async def _send(self, push: Push) -> None:
        if push.patch is not None and push.key not in self._stale:
            try:
                await push.patch()
                return
            except PeerError as exc:  # e.g. the receiver missed the PUT: replace the whole object
                log.info("PATCH refused, sending the full object: %s", exc)
        await push.put()
        self._stale.discard(push.key)

    def _done(self, key: Hashable, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._tails.get(key) is task:
            del self._tails[key]

"""Pushes of client-owned objects to partners, after the owner's transaction has committed.

Ordered per (partner, object), concurrent across objects up to a bound, never blocking the caller. A failed
push is logged and never retried or queued (spec: the receiver resynchronises by pulling); the object is
marked stale so that its next change is sent as a full PUT instead of a PATCH it could not apply.
"""

from __future__ import annotations

import asyncio
import logging
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


class Pusher:
    def __init__(self, concurrency: int = 16) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._tails: dict[Hashable, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stale: set[Hashable] = set()
        self.failures = 0

    def submit(self, push: Push) -> asyncio.Task[None]:
        task = asyncio.create_task(self._run(push, self._tails.get(push.key)))
        self._tails[push.key] = task
        self._tasks.add(task)
        task.add_done_callback(partial(self._done, push.key))
        return task

    async def drain(self) -> None:
        """Wait until every submitted push (and any submitted meanwhile) has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self, timeout: float = 5.0) -> None:
        try:
            await asyncio.wait_for(self.drain(), timeout)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

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

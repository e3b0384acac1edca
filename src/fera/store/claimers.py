"""Claimers: how many claims of queued work one process runs at once, woken by notifications.

Each notification of new work (and a poll, unless claims ran since the last one) wakes one claimer, up to
`most` at once; a claimer keeps claiming while its last claim came back full (more is queued) or while a
notification arrived that no new claimer could take. A wake while a claimer is about to begin its claim is
not needed (that claim sees the work), nor the notification of work this process queued and already woke a
claimer for. So a job that is announced costs one claim, not one per claimer: waking every claimer on every
notification (and the process that queued it once more) made all but one of them find nothing, each an
empty transaction (three round trips to PostgreSQL), three in four of the claims a busy worker ran.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

__all__ = ["Claimers"]

log = logging.getLogger(__name__)


TOLD_MOST = 4096  # work ids kept for a second telling at most (then forgotten: at worst one more claim)


class Claimers:
    def __init__(
        self,
        claim: Callable[[], Awaitable[int]],
        batch: int,
        most: int,
        start: Callable[[Coroutine[Any, Any, None]], None],
    ) -> None:
        """`claim` runs one claim and returns how many items it took (at most `batch`); `most`: claimers at
        once; `start` runs a claimer as a task the owner tracks."""
        self._claim, self._batch, self._most, self._start = claim, batch, most, start
        self.running, self.stopping = 0, False
        self._missed = False  # work announced while every claimer was busy
        self._starting = 0  # claimers started that have not begun their first claim
        self._claimed = False  # a claim began since the last poll
        self._told: set[str] = set()  # work ids told once (by this process or by a notification)

    def wake(self) -> None:
        """New work may be queued: one more claimer, or (all busy) one more claim by a running one. None
        while a claimer is about to claim: its claim sees the work (queued before this was called)."""
        if self.stopping or self._starting:
            return
        if self.running >= self._most:
            self._missed = True
            return
        self.running += 1
        self._starting += 1
        self._start(self._run())

    def poll(self) -> None:
        """The periodic look for work nobody announced (released by a process that died): a wake, unless a
        claim began since the last look (it took the oldest queued work, announced or not)."""
        if self._claimed:
            self._claimed = False
            return
        self.wake()

    def queued_here(self, work_id: str) -> None:
        """This process queued (and committed) it: a wake, unless its own notification came first."""
        if self._first(work_id):
            self.wake()

    def heard(self, payload: str) -> None:
        """A notification (its payload the id of work queued): a wake, unless this process queued that work
        and woke a claimer for it already. The notification may come before or after `queued_here`."""
        if self._first(payload):
            self.wake()

    def _first(self, work_id: str) -> bool:
        """True the first time a work id is told (the second telling is forgotten with it)."""
        if work_id in self._told:
            self._told.discard(work_id)
            return False
        if len(self._told) >= TOLD_MOST:  # other processes' ids are told once: forget them in bulk
            self._told.clear()
        self._told.add(work_id)
        return True

    async def _run(self) -> None:
        first = True
        try:
            while not self.stopping:
                self._missed = False  # whoever clears it claims next: that claim sees the announced work
                if first:
                    self._starting, first = self._starting - 1, False
                self._claimed = True
                if await self._claim() < self._batch and not self._missed:
                    break
        except Exception:  # its work stays queued (the transaction rolled back): the next poll retries it
            log.exception("claiming queued work failed; it stays queued")
        finally:
            if first:  # stopped before its first claim
                self._starting -= 1
            self.running -= 1

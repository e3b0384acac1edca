"""Claimers: how many claims of queued work one process runs at once, woken by notifications.

Each notification of new work (and each idle poll) wakes one claimer, up to `most` at once; a claimer keeps
claiming while its last claim came back full (more is queued) or while a notification arrived that no new
claimer could take. So a job that is announced costs one claim, not one per claimer: waking every claimer
on every notification made all but one of them find nothing, each an empty transaction (three round trips
to PostgreSQL), three in four of the claims a busy worker ran.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

__all__ = ["Claimers"]

log = logging.getLogger(__name__)


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

    def wake(self) -> None:
        """New work may be queued: one more claimer, or (all busy) one more claim by a running one."""
        if self.stopping:
            return
        if self.running >= self._most:
            self._missed = True
            return
        self.running += 1
        self._start(self._run())

    async def _run(self) -> None:
        try:
            while not self.stopping:
                self._missed = False  # whoever clears it claims next: that claim sees the announced work
                if await self._claim() < self._batch and not self._missed:
                    break
        except Exception:  # its work stays queued (the transaction rolled back): the next poll retries it
            log.exception("claiming queued work failed; it stays queued")
        finally:
            self.running -= 1

"""Accelerated simulated time: every timestamp the simulator sends is simulated time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime, timedelta

__all__ = ["SimClock"]


class SimClock:
    """`speed` simulated seconds pass per real second, from `start` on (re)start()."""

    def __init__(
        self,
        start: datetime,
        speed: float,
        monotonic: Callable[[], float] = time.monotonic,
        anchor: datetime | None = None,
    ) -> None:
        """With `anchor` (a wall-clock instant), `start` is simulated time at that instant, as in
        `fera.clock.Clock`: several processes then agree on simulated time."""
        self._start = start
        self.speed = speed
        self._monotonic = monotonic
        self._origin = monotonic()
        if anchor is not None:
            self._origin -= (datetime.now(anchor.tzinfo) - anchor).total_seconds()

    def restart(self) -> None:
        """Make `now()` equal `start` again (the run begins once every station has booted)."""
        self._origin = self._monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(self._monotonic() - self._origin) * self.speed)

    def real_seconds(self, until: datetime) -> float:
        """Real seconds from now until simulated `until` (0 when it has passed)."""
        return max(0.0, (until - self.now()).total_seconds() / self.speed)

    async def sleep_until(self, until: datetime) -> None:
        await asyncio.sleep(self.real_seconds(until))

    async def wait(self, event: asyncio.Event, until: datetime) -> bool:
        """Wait for `event` until simulated `until`; whether the event came first."""
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives as
        # the event is set, and a cancelled simulation then runs on.
        try:
            async with asyncio.timeout(self.real_seconds(until)):
                await event.wait()
        except TimeoutError:
            return False
        return True

"""Meter readings written in batches: one transaction for every reading that arrived meanwhile.

A station's MeterValues is answered once its reading is committed, so nothing acknowledged is lost; but
while one batch is being written, the readings that arrive wait and go together in the next one (one read
of their sessions, one write per session, one commit) instead of a transaction each. Under load that is
what keeps readings from queueing behind each other's commits; alone, a reading is written at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from fera.ocpi.sessions.models import Session, SessionPatch

__all__ = ["Reading", "ReadingBatches"]


@dataclass
class Reading:
    session_id: str
    make: Callable[[Session], SessionPatch]  # the change, computed from the session as stored
    done: asyncio.Future[Session] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class ReadingBatches:
    def __init__(self, write: Callable[[Sequence[Reading]], Awaitable[None]]) -> None:
        self._write = write  # settles every reading's `done` (the session as changed, or the error)
        self._queue: list[Reading] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, session_id: str, make: Callable[[Session], SessionPatch]) -> Session:
        reading = Reading(session_id, make)
        self._queue.append(reading)
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain())
        return await asyncio.shield(reading.done)  # a caller that gives up leaves the batch intact

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch, self._queue = self._queue, []
                try:
                    await self._write(batch)
                except Exception as exc:  # the batch's transaction failed: each reading says so
                    for reading in batch:
                        if not reading.done.done():
                            reading.done.set_exception(exc)
        finally:
            self._writer = None

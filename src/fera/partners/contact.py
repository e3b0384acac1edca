"""Partner health from our outbound calls: when a partner last answered, and the last failure it gave; and
when it last called us (the Authenticator tells us of every caller it recognised).

Written by `PeerClient`'s observer and the Authenticator, read by `fera status` and by `fera.partners.reach`
(a hub whose last call failed is sent nothing until its still-alive check succeeds). A success (or an inbound
request) is written at most every `SUCCESS_EVERY_S` per partner (a busy node calls and is called many times a
second); failures always.
Writes run in tasks of their own: a caller may hold a transaction open across its call, and must not wait on
our write.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from fera.ocpi.errors import PeerError
from fera.ocpi.peer import PeerTarget
from fera.store.protocols import Store

__all__ = ["ContactLog", "is_health_error"]

log = logging.getLogger(__name__)
SUCCESS_EVERY_S = 30.0


def is_health_error(error: PeerError) -> bool:
    """No answer, a server error or a refused token: the link is unwell. Business refusals are answers."""
    return error.http_status is None or error.http_status >= 500 or error.http_status in (401, 403)


class ContactLog:
    def __init__(
        self,
        store: Store,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store, self._now, self._monotonic = store, now, monotonic
        self._written: dict[str, tuple[float, bool]] = {}  # token -> (when written, was it an error)
        self._writes: set[asyncio.Task[None]] = set()

    async def observe(self, target: PeerTarget, error: PeerError | None) -> None:
        failed = error is not None and is_health_error(error)
        if not failed and not self._due(target.token):
            return
        self._written[target.token] = (self._monotonic(), failed)
        self._spawn(self._write(target.token, self._now(), str(error) if failed else None))

    def heard_from(self, partner_id: str) -> None:
        """The partner called us: its last contact, as `fera status` shows it, counts this too."""
        key = f"in:{partner_id}"
        if not self._due(key):
            return
        self._written[key] = (self._monotonic(), False)
        self._spawn(self._write_inbound(partner_id, self._now()))

    def _spawn(self, write: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(write)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def drain(self) -> None:
        """Wait for the writes under way (before the database closes)."""
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    async def _write(self, token: str, at: datetime, error: str | None) -> None:
        try:
            async with self._store.unit_of_work() as uow:
                await uow.partners.record_contact(token, at, error)
        except Exception:  # bookkeeping: never worth more than a log line
            log.exception("recording a partner contact failed")

    async def _write_inbound(self, partner_id: str, at: datetime) -> None:
        try:
            async with self._store.unit_of_work() as uow:
                await uow.partners.record_inbound(partner_id, at)
        except Exception:  # bookkeeping: never worth more than a log line
            log.exception("recording a partner's request failed")

    def _due(self, token: str) -> bool:
        last = self._written.get(token)
        return last is None or last[1] or self._monotonic() - last[0] >= SUCCESS_EVERY_S

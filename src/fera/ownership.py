"""Background work that must run in exactly one of a node's processes at a time (the planner, the Sender's
deadlines): every process that may run it tries to own it; the one holding the lease runs it, and when that
process dies the lease is let go (PostgreSQL ends its lock with its connection) and another takes over within
`retry_s` or so. On SQLite the node is one process, which owns at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack

from fera.store.protocols import Lease, Store

__all__ = ["Owned"]

log = logging.getLogger(__name__)
Work = Callable[[], AbstractAsyncContextManager[None]]  # entered when owned, left when given up


class Owned:
    """Runs `work` (entered, held, left) while this process holds the lease on `name`."""

    def __init__(self, store: Store, name: str, work: Work, *, retry_s: float = 1.0) -> None:
        self._store, self.name, self._work, self._retry_s = store, name, work, retry_s
        self._task: asyncio.Task[None] | None = None
        self._held: tuple[Lease, AsyncExitStack] | None = None

    @property
    def owner(self) -> bool:
        """This process runs the work now (tests, status)."""
        return self._held is not None

    async def start(self) -> None:
        # A process that finds the work free owns it before its start returns: what comes next sees it run.
        await self._try()
        self._task = asyncio.get_running_loop().create_task(self._keep())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._give_up()

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self._retry_s)
            try:
                if self._held is None:
                    await self._try()
                elif not await self._held[0].held():
                    # The connection holding the lock is gone: another process may own the work already.
                    await self._give_up()
            except Exception:  # the database away for a while: try again, never stop trying
                log.exception("owning %s", self.name)

    async def _try(self) -> None:
        lease = await self._store.try_own(self.name)
        if lease is None:
            return
        stack = AsyncExitStack()
        try:
            await stack.enter_async_context(self._work())
        except Exception:
            log.exception("could not take up %s", self.name)
            await stack.aclose()
            await lease.release()
            return
        self._held = lease, stack
        log.info("this process now runs %s", self.name)

    async def _give_up(self) -> None:
        if self._held is None:
            return
        (lease, stack), self._held = self._held, None
        try:
            await stack.aclose()
        except Exception:
            log.exception("stopping %s failed", self.name)
        with contextlib.suppress(Exception):
            await lease.release()
        log.info("this process no longer runs %s", self.name)

"""How a change's pushes leave: through the outbox on a database several processes share, else from memory.

The role services describe each push once (`Outgoing`: to whom, the whole object, the change) while they
write the change, and hand it here twice: `stage` inside the change's unit of work (PostgreSQL: the pushes
are rows of the outbox, committed with the change, delivered by a worker, `outbox_worker.py`), and `send`
after the commit (SQLite, one process: the in-memory `Pusher`, as fast as before and with nothing to claim).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial

from fera.exchange.pusher import Push, Pusher
from fera.ocpi.auth import Party
from fera.ocpi.peer import PeerClient, PeerRequest, PeerTarget
from fera.ocpi.sessions.models import SessionPatch, joined_patch
from fera.store.outbox_protocols import OutboxPush
from fera.store.protocols import Store, UnitOfWork

__all__ = ["Outbox", "Outgoing", "join", "outbox_key"]

DELIVERED_WAIT_S = 60.0  # `send(wait=True)` waits this long at most for a worker to deliver
DELIVERED_POLL_S = 0.1


def outbox_key(partner_id: str, module: str, *ids: str) -> str:
    """One object of one partner: its pushes go out in order. Ids compare case-insensitively (CiString)."""
    return "|".join([partner_id, module, *(i.upper() for i in ids)])


@dataclass(frozen=True)
class Outgoing:
    push: OutboxPush
    target: PeerTarget  # as resolved now (the in-memory path); a worker resolves it again when it sends


def join(earlier: OutboxPush, later: OutboxPush) -> OutboxPush:
    """Two held pushes of one object as one: a Session's readings in one PATCH (`joined_patch`), with the
    later Session for a receiver that needs the whole object; anything else: the later push alone."""
    if earlier.module != "sessions" or earlier.change is None or later.change is None:
        return later
    patch = joined_patch(_session_patch(earlier.change), _session_patch(later.change))
    return replace(later, change=replace(later.change, body=patch))


def _session_patch(request: PeerRequest) -> SessionPatch:
    """The model itself in one process; read back from its JSON when it comes from the outbox."""
    if isinstance(request.body, SessionPatch):
        return request.body
    return SessionPatch.model_validate(request.json)


@dataclass(frozen=True, kw_only=True)
class _MemoryPush(Push):
    """An `Outgoing` on the in-memory pusher."""

    outgoing: Outgoing
    peer: PeerClient

    def joined(self, later: Push) -> Push:
        if not isinstance(later, _MemoryPush):
            return later
        pushed = join(self.outgoing.push, later.outgoing.push)
        return _memory_push(Outgoing(pushed, later.outgoing.target), self.peer)


def _memory_push(outgoing: Outgoing, peer: PeerClient) -> _MemoryPush:
    push, target = outgoing.push, outgoing.target
    change = None if push.change is None else partial(_send, peer, target, push.change)
    return _MemoryPush(
        key=push.key, put=partial(_send, peer, target, push.put), patch=change, outgoing=outgoing, peer=peer
    )


async def _send(peer: PeerClient, target: PeerTarget, request: PeerRequest) -> None:
    await peer.send(target, request)


class Outbox:
    def __init__(self, store: Store, shared: bool, pusher: Pusher, peer: PeerClient) -> None:
        self._store, self.shared, self._pusher, self._peer = store, shared, pusher, peer
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)  # real time: deliveries are real

    def outgoing(
        self,
        target: PeerTarget,
        partner_id: str,
        to: Party,
        from_role: str,
        ids: tuple[str, ...],
        put: PeerRequest,
        change: PeerRequest | None = None,
        held: bool = False,
        stored: bool = False,
    ) -> Outgoing:
        """`stored`: the object is our own stored one (`OutboxPush.current`: the outbox reads it whole)."""
        module = ids[0]
        key = outbox_key(partner_id, *ids)
        current = ids if stored else None
        push = OutboxPush(key, partner_id, module, to, from_role, put, change, held, current)
        return Outgoing(push, target)

    async def stage(self, uow: UnitOfWork, outgoing: Sequence[Outgoing]) -> None:
        """In the change's unit of work: on a shared database the pushes are written with the change."""
        if self.shared and outgoing:
            await uow.outbox.add([o.push for o in outgoing], self.now(), self._pusher.hold_s)

    def send(self, outgoing: Sequence[Outgoing], wait: bool = False) -> list[asyncio.Task[None]]:
        """After the commit: one process sends them from memory; on a shared database a worker does, and
        with `wait` each task ends when its object has no push left (for a caller that answers once
        partners have it: the admin API; at most `DELIVERED_WAIT_S`)."""
        if self.shared:
            loop = asyncio.get_running_loop()
            return [loop.create_task(self._delivered(o.push.key)) for o in outgoing] if wait else []
        tasks = []
        for o in outgoing:
            push = _memory_push(o, self._peer)
            if o.push.held:
                self._pusher.hold(push)
            else:
                tasks.append(self._pusher.submit(push))
        return tasks

    async def _delivered(self, key: str) -> None:
        with contextlib.suppress(TimeoutError):  # no worker sent it meanwhile: it stays queued
            async with asyncio.timeout(DELIVERED_WAIT_S):
                while True:
                    async with self._store.reading() as uow:
                        if not await uow.outbox.pending([key]):
                            return
                    await asyncio.sleep(DELIVERED_POLL_S)

"""The outbox of pushes (Locations, Sessions, Tokens) on a database several processes share.

A push is written in the transaction of the change it announces, and delivered by whichever worker claims
its object: rows of one object (`OutboxPush.key`) are claimed together and in order, by one worker at a
time, so pushes of one object reach the partner in the order they were written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fera.ocpi.auth import Party
from fera.ocpi.peer import PeerRequest

__all__ = ["OUTBOX_CHANNEL", "CurrentObject", "OutboxPush", "OutboxStore", "PushedObject", "QueuedPush"]

OUTBOX_CHANNEL = "fera_outbox"  # NOTIFY: pushes were written (the payload: the first one's key)


@dataclass(frozen=True)
class OutboxPush:
    """One push to one partner: the whole object (`put`), and the change as a smaller message (`change`,
    None: the push is the whole object). A held push (a Session's meter readings) may wait and be joined
    with the next ones of its object.

    `current`: the push is of one of our own stored objects (("sessions", country, party, id)). A change
    of it is stored without the whole, which is read if the change must go whole after all
    (`OutboxStore.current`): no copy of the object per change (a day-long Session's reading: its PATCH,
    not 480 ChargingPeriods). A push of the whole object keeps it, so it goes as it was."""

    key: str  # the partner and the object: "partner id|module|country|party|id…"
    partner_id: str
    module: str
    to: Party  # whom the push is addressed to (OCPI-to), from our party of `from_role`
    from_role: str
    put: PeerRequest
    change: PeerRequest | None = None
    held: bool = False
    current: tuple[str, ...] | None = None


@dataclass(frozen=True)
class QueuedPush:
    id: int  # the order in which pushes were written
    push: OutboxPush
    attempts: int  # deliveries tried and failed so far
    written_at: datetime
    tried: bool = False  # a worker started sending it and died (or failed) before removing it


@dataclass(frozen=True)
class CurrentObject:
    """A stored object's whole as it is now, and the last push of it written by then (read at once: the
    object has every change of the pushes up to `through`, none of a later one)."""

    wire: Any  # its wire form; None: no longer stored
    through: int | None  # None: no push of it is queued


@dataclass(frozen=True)
class PushedObject:
    """What the workers keep per object: whether its partner may lack it (the next push goes whole), and
    when its last held push went out (the next held one waits `session_update_interval_s` after it)."""

    stale: bool = False
    held_sent_at: datetime | None = None
    released_through: datetime | None = None  # held pushes written by then go at once (a drain)


class OutboxStore(Protocol):
    async def add(self, pushes: Sequence[OutboxPush], at: datetime, hold_s: float = 0.0) -> None:
        """Written with the change at `at`; the workers are told once this commits (PostgreSQL NOTIFY). A
        held push of an object that sent one less than `hold_s` ago is due only when that has passed."""
        ...

    async def claim(self, most: int, due_by: datetime) -> list[QueuedPush]:
        """Every push of up to `most` objects that have a push due and that no other unit of work holds,
        in the order they were written, held until this one ends. An object waiting to try a failed push
        again is left out until it is due."""
        ...

    async def mark_tried(self, ids: Sequence[int]) -> None:
        """Committed before they are sent: should the sender die, its successor knows the partner may
        have them already."""
        ...

    async def remove(self, ids: Sequence[int]) -> None: ...

    async def current(self, push: OutboxPush) -> CurrentObject:
        """The whole of `push.current` now, with the last push of `push.key` written by then."""
        ...

    async def remove_through(self, key: str, through: int) -> None:
        """The object's pushes written up to `through` (a whole read with them went out)."""
        ...

    async def postpone(self, ids: Sequence[int], due_at: datetime, attempts: int) -> None: ...

    async def objects(self, keys: Sequence[str]) -> dict[str, PushedObject]: ...

    async def set_object(self, key: str, state: PushedObject) -> None: ...

    async def release_held(self, at: datetime) -> None:
        """Held pushes written by `at` go at once (`Pusher.drain`), and every queued push is due."""
        ...

    async def pending(self, keys: Sequence[str] | None = None) -> int:
        """Pushes not yet delivered (of the objects `keys`, else of all)."""
        ...

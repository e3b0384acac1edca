"""What a worker sends of one object's claimed pushes, and when: the in-memory `Pusher`'s rules, replayed.

A newer whole object supersedes the older pushes not yet sent. Held pushes (a Session's readings) go as the
`Pusher` would have sent them had it seen them arrive (`written_at`): one at once when the object sent no
held push within `hold_s`, the later ones joined into one, sent `hold_s` after it, or at once when another
change follows them. A push some worker started sending before it died goes again whole (`_as_tried`).
Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from fera.exchange.outbox import join
from fera.store.outbox_protocols import OutboxPush, PushedObject, QueuedPush

__all__ = ["Plan", "Step", "plan"]


@dataclass
class Step:
    ids: list[int]
    push: OutboxPush
    attempts: int


@dataclass
class Plan:
    superseded: list[int] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)  # sent in this order
    later: tuple[list[int], datetime] | None = None  # held pushes that wait for their interval
    held_sent_at: datetime | None = None  # when the last held push is taken to have gone


def plan(rows: Sequence[QueuedPush], state: PushedObject, hold_s: float, now: datetime) -> Plan:
    """`state.released_through`: held pushes written by then go now (a drain, as `Pusher.drain`)."""
    held_sent_at = state.held_sent_at
    rows = [_as_tried(row) for row in rows]
    whole = [n for n, row in enumerate(rows) if row.push.change is None]
    first = whole[-1] if whole else 0
    out = Plan(superseded=[row.id for row in rows[:first]], held_sent_at=held_sent_at)
    hold = timedelta(seconds=hold_s)
    pending: list[QueuedPush] = []
    for row in rows[first:]:
        if not (row.push.held and hold_s > 0):
            if pending:  # anything else goes after what is held, at once
                out.held_sent_at = row.written_at
                _flush(out, pending)
            out.steps.append(Step([row.id], row.push, row.attempts))
            continue
        last = out.held_sent_at
        if pending and last is not None and row.written_at >= last + hold:
            out.held_sent_at = last + hold  # the `Pusher` sent the joined ones when the interval passed
            _flush(out, pending)
            last = out.held_sent_at
        if not pending and (last is None or row.written_at >= last + hold):
            out.steps.append(Step([row.id], row.push, row.attempts))
            out.held_sent_at = row.written_at
        else:
            pending.append(row)
    if pending:
        release = (out.held_sent_at or now) + hold
        released = state.released_through is not None and pending[-1].written_at <= state.released_through
        if release <= now or released:
            out.held_sent_at = release
            _flush(out, pending)
        else:
            out.later = ([row.id for row in pending], release)
    return out


def _as_tried(row: QueuedPush) -> QueuedPush:
    """A push a dead worker may have sent goes again as the whole object: sent twice, a PATCH would add
    its ChargingPeriods twice; the object as it was then is the same whichever of them arrived."""
    if not row.tried or row.push.change is None:
        return row
    return replace(row, push=replace(row.push, change=None, held=False))


def _flush(out: Plan, pending: list[QueuedPush]) -> None:
    """The held pushes as one step (joined), sent now."""
    if not pending:
        return
    push = pending[0].push
    for row in pending[1:]:
        push = join(push, row.push)
    out.steps.append(Step([row.id for row in pending], push, max(row.attempts for row in pending)))
    pending.clear()

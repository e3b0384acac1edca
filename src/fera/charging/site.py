"""Site load management: share a grid connection's capacity among the sessions behind it (pure).

Max-min fair (water-filling): every session gets an equal share, except that a session whose own limit is
lower keeps only what it can take and leaves the rest to the others; so sessions already limited by a sender
are not penalised twice. A session with a minimum charging rate gets either at least that rate or nothing:
when the minima don't all fit, the most recently arrived sessions wait (get 0) first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fera.charging.schedule import Schedule

__all__ = ["SiteDemand", "share_capacity", "share_instant"]


@dataclass(frozen=True)
class SiteDemand:
    session_id: str
    limit: Schedule  # what the session may take on its own (senders' profiles, hardware), in W
    arrived: datetime  # who waits first when minimum rates don't fit
    min_rate_w: float = 0.0


def share_instant(
    capacity: float, caps: Sequence[float], minima: Sequence[float], order: Sequence[int]
) -> list[float]:
    """One instant: allocations (W) for sessions with `caps`, never above a cap, summing to <= `capacity`.

    `order` lists session indices by priority (first = last to be dropped for its minimum rate).
    """
    floors = [min(m, c) for m, c in zip(minima, caps, strict=True)]
    active = list(order)
    while sum(floors[i] for i in active) > capacity + 1e-9:
        floors[active.pop()] = 0.0  # the latest arrival waits
    share = [floors[i] if i in active else 0.0 for i in range(len(caps))]
    room = {i: caps[i] - share[i] for i in active if caps[i] - share[i] > 1e-9}
    remaining = capacity - sum(share)
    while room and remaining > 1e-9:
        level = remaining / len(room)
        full = {i: r for i, r in room.items() if r <= level}
        if not full:  # everyone can take the equal level: done
            for i in room:
                share[i] += level
            break
        for i, r in full.items():  # those needing less than the level are capped; share their rest again
            share[i] += r
            remaining -= r
            del room[i]
    return share


def share_capacity(
    capacity: Schedule, demands: Sequence[SiteDemand], start: datetime, end: datetime
) -> dict[str, Schedule]:
    """Each session's local limit on [start, end): its share of `capacity` (none where capacity has none)."""
    order = sorted(range(len(demands)), key=lambda i: (demands[i].arrived, demands[i].session_id))
    times = sorted(
        {
            start,
            *(t for d in demands for t, _ in d.limit.breakpoints() if start < t < end),
            *(t for t, _ in capacity.breakpoints() if start < t < end),
        }
    )
    points: dict[str, list[tuple[datetime, float | None]]] = {d.session_id: [] for d in demands}
    for t in times:
        cap = capacity.limit_at(t)
        if cap is None:
            for d in demands:
                points[d.session_id].append((t, None))
            continue
        caps = [_finite(d.limit.limit_at(t), cap) for d in demands]
        shares = share_instant(cap, caps, [d.min_rate_w for d in demands], order)
        for d, share in zip(demands, shares, strict=True):
            points[d.session_id].append((t, share))
    return {sid: Schedule([*p, (end, None)]) for sid, p in points.items()}


def _finite(limit: float | None, ceiling: float) -> float:
    return ceiling if limit is None else min(limit, ceiling)

"""One computation of a site's shares, as it goes out (pure): what is published at once, what is held back
until the decreases reached their stations (`SiteLimits`), and why each car got its share (DEBUG)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fera.charging import Schedule, minimum
from fera.charging.site import SiteDemand

__all__ = ["SHARE_HORIZON", "Round", "Share", "described", "go", "hold", "same_from", "spliced"]

SHARE_HORIZON = timedelta(hours=48)  # beyond the 24 h TxProfile horizon: a TxProfile never outlives its share


@dataclass(frozen=True)
class Share:
    limit: Schedule
    until: datetime  # the end of the horizon it was computed for


def same_from(old: Share, new: Schedule, now: datetime) -> bool:
    return old.limit.clip(now, old.until) == new.clip(now, old.until)


@dataclass(frozen=True)
class Round:
    """One computation's outcome: what to publish now, and the raised shares held back until release."""

    published: dict[str, Share]
    held: dict[str, Share]
    lowered: set[str]
    raised: set[str]


def spliced(before: Schedule | None, limit: Schedule, at: datetime) -> Schedule:
    """`before` until `at`, then `limit` (before anything was accepted: unknown)."""
    earlier = [] if before is None else [p for p in before.breakpoints() if p[0] < at]
    initial = None if before is None else before.initial
    return Schedule(
        [*earlier, (at, limit.limit_at(at)), *(p for p in limit.breakpoints() if p[0] > at)], initial
    )


def described(demands: list[SiteDemand], shares: dict[str, Schedule], now: datetime) -> str:
    """Each session's share now (W) with what it was computed from: why a car got what it got."""
    parts = []
    for d in demands:
        departure = "-" if d.departure is None else d.departure.strftime("%H:%M")
        share = shares[d.session_id].limit_at(now)
        parts.append(
            f"{d.session_id[:8]} share={share} cap={d.limit.limit_at(now)} min={d.min_rate_w:.0f} "
            f"car_a={d.car_a} own={d.car_max_a} need={d.need_wh:.0f}Wh by {departure}"
        )
    return "; ".join(parts)


async def go() -> bool:
    return True


def hold(old: dict[str, Share], fresh: dict[str, Schedule], now: datetime) -> Round:
    """A computation's `fresh` shares against the `old` ones: unchanged ones keep their object, a share that
    goes down anywhere is sent first (`lowered`), one that goes up is published at the lower of old and new
    and held back (`held`, `raised`) until the decreases reached their stations."""
    until = now + SHARE_HORIZON
    round_ = Round({}, {}, set(), set())
    for key, limit in fresh.items():
        previous = old.get(key)
        if previous is not None and same_from(previous, limit, now):
            round_.published[key] = previous
            continue
        target = Share(limit, until)
        safe = Schedule.constant(0.0) if previous is None else minimum(previous.limit, limit)
        if previous is not None and not same_from(previous, safe, now):
            round_.lowered.add(key)  # down somewhere: sent first
        if safe.clip(now, until) == limit.clip(now, until):
            round_.published[key] = target
            continue
        round_.published[key] = Share(safe, until)
        round_.held[key] = target
        round_.raised.add(key)
    return round_

"""Site shares that go up wait until every decrease of the same computation reached its station."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from fera.charging import Schedule
from fera.cpo.chargingprofiles.applier import ProfileApplier
from fera.cpo.chargingprofiles.balancer import SiteBalancer
from fera.cpo.chargingprofiles.site import SHARE_HORIZON, SiteLimits, _hold, _Share
from fera.ocpi.chargingprofiles.models import ChargingProfileResultType

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def share(watts: float) -> _Share:
    return _Share(Schedule.constant(watts), NOW + SHARE_HORIZON)


def watts(s: _Share) -> float | None:
    return s.limit.limit_at(NOW)


def test_a_decrease_is_published_at_once_an_increase_is_held_at_the_old_share() -> None:
    old = {"A": share(11_000), "B": share(5_000), "C": share(3_000)}
    fresh = {k: Schedule.constant(w) for k, w in {"A": 8_000, "B": 8_000, "C": 3_000, "D": 6_000}.items()}

    round_ = _hold(old, fresh, NOW)

    assert {k: watts(v) for k, v in round_.published.items()} == {"A": 8_000, "B": 5_000, "C": 3_000, "D": 0}
    assert round_.published["C"] is old["C"]  # unchanged: the same object (stable fingerprints)
    assert {k: watts(v) for k, v in round_.held.items()} == {"B": 8_000, "D": 6_000}
    assert (round_.lowered, round_.raised) == ({"A"}, {"B", "D"})


def test_a_share_down_now_and_up_later_is_sent_in_both_phases() -> None:
    later = NOW + timedelta(hours=1)
    fresh = {"A": Schedule([(NOW, 4_000.0), (later, 9_000.0)])}

    round_ = _hold({"A": share(6_000)}, fresh, NOW)

    assert (round_.lowered, round_.raised) == ({"A"}, {"A"})
    held = round_.published["A"].limit
    assert (held.limit_at(NOW), held.limit_at(later)) == (4_000, 6_000)


class _Limits:
    """What the balancer needs of `SiteLimits`, with published shares the test can watch."""

    def __init__(self) -> None:
        self.published: dict[str, float] = {"A": 11_000, "B": 5_000}
        self.on_change: Callable[[int, set[str], set[str], Callable[[], bool]], None] = lambda *_: None


class _Applier:
    def __init__(self, limits: _Limits) -> None:
        self.limits, self.sent = limits, list[tuple[str, float]]()
        self.profiles_changed: list[Any] = []

    async def resend(self, session_id: str) -> ChargingProfileResultType:
        await asyncio.sleep(0)  # a station round trip
        self.sent.append((session_id, self.limits.published[session_id]))
        return ChargingProfileResultType.ACCEPTED


async def _round(superseded: bool) -> list[tuple[str, float]]:
    limits = _Limits()
    applier = _Applier(limits)
    balancer = SiteBalancer(cast(SiteLimits, limits), cast(ProfileApplier, applier))
    limits.published["A"] = 8_000  # A's decrease is published at once; B's increase is held

    def release() -> bool:
        if not superseded:
            limits.published["B"] = 8_000
        return not superseded

    limits.on_change(0, {"A"}, {"B"}, release)
    await balancer.drain()
    return applier.sent


async def test_the_increase_goes_out_after_the_decrease_and_only_once_released() -> None:
    assert await _round(superseded=False) == [("A", 8_000), ("B", 8_000)]
    assert await _round(superseded=True) == [("A", 8_000)]  # the later computation sends B

"""Site shares that go up wait until every decrease of the same computation reached its station, unless
the site holds even with every station still at what it may be enforcing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from fera.charging import Electrical, Schedule
from fera.charging.site import SiteDemand, share_capacity
from fera.config import SiteConfig
from fera.cpo.chargingprofiles.applier import ProfileApplier
from fera.cpo.chargingprofiles.balancer import SiteBalancer
from fera.cpo.chargingprofiles.sessions import SteerableSession
from fera.cpo.chargingprofiles.site import Release, SiteLimits
from fera.cpo.chargingprofiles.site_grid import site_levels
from fera.cpo.chargingprofiles.site_rounds import SHARE_HORIZON, Round, Share, hold
from fera.ocpi.chargingprofiles.models import ChargingProfileResultType
from fera.store.protocols import Store

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def share(watts: float) -> Share:
    return Share(Schedule.constant(watts), NOW + SHARE_HORIZON)


def watts(s: Share) -> float | None:
    return s.limit.limit_at(NOW)


def test_a_decrease_is_published_at_once_an_increase_is_held_at_the_old_share() -> None:
    old = {"A": share(11_000), "B": share(5_000), "C": share(3_000)}
    fresh = {k: Schedule.constant(w) for k, w in {"A": 8_000, "B": 8_000, "C": 3_000, "D": 6_000}.items()}

    round_ = hold(old, fresh, NOW)

    assert {k: watts(v) for k, v in round_.published.items()} == {"A": 8_000, "B": 5_000, "C": 3_000, "D": 0}
    assert round_.published["C"] is old["C"]  # unchanged: the same object (stable fingerprints)
    assert {k: watts(v) for k, v in round_.held.items()} == {"B": 8_000, "D": 6_000}
    assert (round_.lowered, round_.raised) == ({"A"}, {"B", "D"})


def test_a_share_down_now_and_up_later_is_sent_in_both_phases() -> None:
    later = NOW + timedelta(hours=1)
    fresh = {"A": Schedule([(NOW, 4_000.0), (later, 9_000.0)])}

    round_ = hold({"A": share(6_000)}, fresh, NOW)

    assert (round_.lowered, round_.raised) == ({"A"}, {"A"})
    held = round_.published["A"].limit
    assert (held.limit_at(NOW), held.limit_at(later)) == (4_000, 6_000)


class _Limits:
    """What the balancer needs of `SiteLimits`, with published shares the test can watch."""

    def __init__(self) -> None:
        self.published: dict[str, float] = {"A": 11_000, "B": 5_000}
        self.on_change: Callable[[int, set[str], set[str], Release], None] = lambda *_: None
        self.shared = None  # one process

    async def applied(self, session_id: str, applied: bool) -> None:
        pass


class _Applier:
    def __init__(self, limits: _Limits) -> None:
        self.limits, self.sent = limits, list[tuple[str, float]]()
        self.profiles_changed: list[Any] = []

    async def resend(self, session_id: str, after_jobs: bool = True) -> ChargingProfileResultType:
        await asyncio.sleep(0)  # a station round trip
        self.sent.append((session_id, self.limits.published[session_id]))
        return ChargingProfileResultType.ACCEPTED


async def _round(superseded: bool) -> list[tuple[str, float]]:
    limits = _Limits()
    applier = _Applier(limits)
    balancer = SiteBalancer(cast(SiteLimits, limits), cast(ProfileApplier, applier))
    limits.published["A"] = 8_000  # A's decrease is published at once; B's increase is held

    async def release() -> bool:
        if not superseded:
            limits.published["B"] = 8_000
        return not superseded

    limits.on_change(0, {"A"}, {"B"}, release)
    await balancer.drain()
    return applier.sent


async def test_a_station_that_keeps_refusing_is_tried_less_and_less_often() -> None:
    limits = _Limits()
    balancer = SiteBalancer(cast(SiteLimits, limits), cast(ProfileApplier, _Applier(limits)))
    assert balancer._retry_due("A") is True
    assert balancer._retry_due("A") is False  # tried a moment ago: in 4 s at the earliest
    assert balancer._retry_due("B") is True  # each session on its own


async def test_the_increase_goes_out_after_the_decrease_and_only_once_released() -> None:
    assert await _round(superseded=False) == [("A", 8_000), ("B", 8_000)]
    assert await _round(superseded=True) == [("A", 8_000)]  # the later computation sends B


def _at_site(session_id: str) -> SteerableSession:
    electrical = Electrical("AC_3_PHASE", 230, 16)
    return SteerableSession(session_id, True, NOW, ("NL", "MSP"), "LOC", "E1", True, electrical)


def _site_limits() -> SiteLimits:
    async def no_forecast(location: str) -> None:
        return None

    return SiteLimits([SiteConfig(location="LOC", capacity_kw=11)], cast(Store, None), no_forecast)


def _handover(limits: SiteLimits) -> tuple[bool, Round]:
    """A had the site (11 kW); its sender lowers it to 0 and B, which arrived meanwhile, is to get it all."""
    limits._shares[0] = {"A": share(11_000)}
    demands = [
        SiteDemand("A", Schedule.constant(0.0), NOW - timedelta(hours=1)),
        SiteDemand("B", Schedule.constant(22_000.0), NOW),
    ]
    levels = site_levels(limits.sites[0], None)
    fresh = share_capacity(levels, demands, NOW, NOW + SHARE_HORIZON)
    round_ = hold(limits._shares[0], fresh, NOW)
    return limits._at_once(0, round_, levels, demands, NOW), round_


async def test_an_increase_goes_out_at_once_when_the_decrease_is_already_in_force() -> None:
    limits = _site_limits()
    await limits.sending(_at_site("A"), Schedule.constant(0.0))  # the sender's 0 reached A's station ...
    await limits.sent(_at_site("a"), Schedule.constant(0.0), accepted=True)
    at_once, round_ = _handover(limits)
    assert round_.held and at_once  # ... so B's 11 kW needs no round trip


async def test_an_increase_waits_while_a_station_may_still_enforce_the_old_share() -> None:
    limits = _site_limits()
    assert _handover(limits)[0] is False  # nothing known of A's station: its last share, 11 kW
    await limits.sending(_at_site("A"), Schedule.constant(0.0))  # in flight: either may be in force
    assert _handover(limits)[0] is False
    refused = limits.sent(_at_site("A"), Schedule.constant(0.0), accepted=False)
    await refused  # refused: the old TxProfile stays
    assert _handover(limits)[0] is False


async def test_a_later_computation_raises_nothing_before_an_earlier_ones_decrease_arrived() -> None:
    """The first computation lowers A and holds B; a second one, made while A's station has not answered,
    sees A's share as unchanged (nothing of its own to lower): B still waits for A's station."""
    limits = _Limits()
    answered, order = asyncio.Event(), list[str]()

    class _SlowStationOfA(_Applier):
        async def resend(self, session_id: str, after_jobs: bool = True) -> ChargingProfileResultType:
            order.append(f"send {session_id}")
            if session_id == "A":
                await answered.wait()
            order.append(f"{session_id} in force")
            return ChargingProfileResultType.ACCEPTED

    balancer = SiteBalancer(cast(SiteLimits, limits), cast(ProfileApplier, _SlowStationOfA(limits)))

    async def superseded() -> bool:
        return False

    async def released() -> bool:
        return True

    limits.on_change(0, {"A"}, {"B"}, superseded)
    await asyncio.sleep(0)  # A's TxProfile is on its way
    limits.on_change(0, set(), {"B"}, released)
    for _ in range(5):
        await asyncio.sleep(0)
    answered.set()
    await balancer.drain()
    assert order == ["send A", "A in force", "send B", "B in force"]

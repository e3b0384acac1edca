"""Site load management as the dashboard reads it (`fera.web.sources.LocationLoadSource`): what the CPO lets
the sessions of a location draw from now on (the sum of their shares), and the capacity over time (the
configured one, with any capacity forecast such as a grid operator's cut laid over it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fera.charging import Schedule, total
from fera.cpo.chargingprofiles.site import SiteLimits

__all__ = ["SiteLoadView"]

Point = tuple[datetime, float]
BEHIND, AHEAD = timedelta(hours=12), timedelta(hours=24)


def _points(schedule: Schedule, start: datetime, end: datetime) -> list[Point]:
    segments = schedule.segments(start, end)
    points = [(s, round(limit / 1000, 3)) for s, _, limit in segments if limit is not None]
    return [*points, (end, points[-1][1])] if points else []


class SiteLoadView:
    def __init__(self, limits: SiteLimits, now: Callable[[], datetime]) -> None:
        self._limits, self._now = limits, now

    async def load(self, location_id: str) -> list[Point]:
        shares = [s for site in self._limits.sites_at(location_id) for s in await self._limits.current(site)]
        if not shares:
            return []
        now = self._now().replace(microsecond=0)
        return _points(total(*shares), now, now + AHEAD)

    async def capacity(self, location_id: str) -> list[Point] | None:
        sites = self._limits.sites_at(location_id)
        if not sites:
            return None
        now = self._now().replace(microsecond=0)
        capacity = total(*[await self._limits.capacity_of(site) for site in sites])
        return _points(capacity, now - BEHIND, now + AHEAD)

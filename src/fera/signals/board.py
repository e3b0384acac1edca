"""The signals a node currently holds: one capacity forecast per group, one price/CO2 series per group.

Durable (a restart keeps them) and announced with `SignalsChanged`, so the CPO's site load management and
the SCSP's planner react at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fera.charging import Schedule
from fera.events import EventBus
from fera.signals.models import CapacityForecast, SignalSeries
from fera.signals.series import CapacityLimits, capacity_limits, capacity_schedule
from fera.store.protocols import Store

__all__ = ["GLOBAL", "SignalBoard", "SignalsChanged"]

GLOBAL = "*"  # the group id of a series that applies everywhere


@dataclass(frozen=True)
class SignalsChanged:
    group_id: str  # GLOBAL for a series without a group


class SignalBoard:
    def __init__(
        self, store: Store, events: EventBus, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._store, self._events, self._now = store, events, now

    async def put_capacity(self, forecast: CapacityForecast) -> Schedule:
        capacity_limits(forecast)  # refuses overlapping blocks before anything is stored
        schedule = capacity_schedule(forecast)
        async with self._store.unit_of_work() as uow:
            await uow.signals.put(
                "capacity", forecast.group_id, forecast.model_dump(mode="json"), self._now()
            )
        await self._events.publish(SignalsChanged(forecast.group_id))
        return schedule

    async def limits(self, group_id: str) -> CapacityLimits | None:
        """The group's capacity per phase (A) and in total (W); None without a forecast."""
        async with self._store.unit_of_work() as uow:
            raw = await uow.signals.get("capacity", group_id)
        return None if raw is None else capacity_limits(CapacityForecast.model_validate(raw))

    async def put_series(self, series: SignalSeries) -> None:
        group = series.group_id or GLOBAL
        async with self._store.unit_of_work() as uow:
            await uow.signals.put("series", group, series.model_dump(mode="json", by_alias=True), self._now())
        await self._events.publish(SignalsChanged(group))

    async def capacity(self, group_id: str) -> Schedule | None:
        async with self._store.unit_of_work() as uow:
            raw = await uow.signals.get("capacity", group_id)
        return None if raw is None else capacity_schedule(CapacityForecast.model_validate(raw))

    async def series(self, group_id: str | None = None) -> list[SignalSeries]:
        """The series for a group: its own, then the global one (a group's own values win)."""
        async with self._store.unit_of_work() as uow:
            raws = [await uow.signals.get("series", g) for g in dict.fromkeys([group_id or GLOBAL, GLOBAL])]
        return [SignalSeries.model_validate(r) for r in reversed(raws) if r is not None]

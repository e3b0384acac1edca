"""What the planner planned, kept after the sessions it planned are gone: per session, each step as last
planned before it began; per group, the flexibility band likewise. Bounded in sessions and in time, so that
an operator still sees a day's plan once the cars have left (the latest plan alone is then empty)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta

from fera.planning import FlexibilityRow
from fera.scsp.planning_state import LatestPlan

__all__ = ["PlanHistory"]

Point = tuple[datetime, float]
KEEP_SESSIONS = 200
KEEP_FOR = timedelta(hours=48)


class PlanHistory:
    def __init__(self) -> None:
        self.sessions: OrderedDict[str, list[Point]] = OrderedDict()  # plan id -> (step start, kW)
        self.bands: dict[str, list[FlexibilityRow]] = {}  # group id -> rows
        self.step: timedelta | None = None

    def record(self, latest: LatestPlan) -> None:
        series = {pid: latest.session_series(pid) for pid in latest.plan.session_ids}
        self.add(latest.plan.start, latest.plan.step, series, latest.forecast.rows)

    def add(
        self,
        start: datetime,
        step: timedelta,
        series: dict[str, list[Point]],
        band: Sequence[FlexibilityRow],
    ) -> None:
        """A plan from `start` replaces what older ones said from then on; what came before stays."""
        self.step = step
        for plan_id, points in series.items():
            kept = [p for p in self.sessions.pop(plan_id, []) if p[0] < start]
            self.sessions[plan_id] = kept + points
        while len(self.sessions) > KEEP_SESSIONS:
            self.sessions.popitem(last=False)
        for group in {r.group_id for r in band} | set(self.bands):
            rows = [r for r in self.bands.get(group, []) if r.time < start]
            self.bands[group] = rows + [r for r in band if r.group_id == group]
        self._forget_before(start - KEEP_FOR)

    def _forget_before(self, horizon: datetime) -> None:
        for plan_id, points in list(self.sessions.items()):
            if points and points[-1][0] < horizon:
                del self.sessions[plan_id]
        self.bands = {g: [r for r in rows if r.time >= horizon] for g, rows in self.bands.items()}

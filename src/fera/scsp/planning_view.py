"""The planner as the dashboard reads it (`fera.web.sources.ScspPlanSource`): the plan, signals, the band."""

from __future__ import annotations

from datetime import datetime, timedelta

from fera.scsp.planning_loop import SteeringPlanner
from fera.signals import SignalKind, step_values
from fera.signals.board import SignalBoard
from fera.web.sources import (
    FlexibilityPoint,
    PlannedSession,
    SignalSeries,
)

__all__ = ["PlannerView"]

_SIGNALS = ((SignalKind.PRICE, "Price", "per kWh"), (SignalKind.GHG, "CO2", "g/kWh"))


class PlannerView:
    def __init__(self, planner: SteeringPlanner, signals: SignalBoard) -> None:
        self._planner, self._signals = planner, signals

    async def flexibility(self, group_id: str) -> list[FlexibilityPoint]:
        latest = self._planner.latest
        if latest is None:
            return []
        return [
            FlexibilityPoint(r.time, r.planned_w / 1000, r.min_w / 1000, r.max_w / 1000)
            for r in latest.forecast.of_group(group_id.upper())
        ]

    async def signals(self) -> list[SignalSeries]:
        latest = self._planner.latest
        start = latest.plan.start if latest else datetime.now().astimezone()
        steps = latest.plan.steps if latest else 96
        series = await self._signals.series(None)
        out = []
        for kind, name, unit in _SIGNALS:
            values = step_values(series, kind, start, self._planner.step, steps, default=float("nan"))
            points = [(start + k * self._planner.step, v) for k, v in enumerate(values) if v == v]
            if points:
                out.append(
                    SignalSeries(name, unit, [*points, (points[-1][0] + self._planner.step, points[-1][1])])
                )
        return out

    async def plan(self) -> list[PlannedSession]:
        latest = self._planner.latest
        if latest is None:
            return []
        sessions = []
        for plan_id in latest.plan.session_ids:
            points = latest.session_series(plan_id)
            end = points[-1][0] + latest.plan.step if points else latest.plan.start + timedelta(0)
            sessions.append(
                PlannedSession(plan_id.split("/", 1)[-1], [*points, (end, points[-1][1])] if points else [])
            )
        return sessions

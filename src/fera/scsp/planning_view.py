"""The planner as the dashboard reads it (`fera.web.sources.ScspPlanSource`): the plan, signals, the band."""

from __future__ import annotations

from datetime import datetime

from fera.scsp.planning_loop import SteeringPlanner
from fera.signals import SignalKind, step_values
from fera.signals.board import SignalBoard
from fera.web.sources import (
    FlexibilityPoint,
    PlannedSession,
    SignalSeries,
    signal_unit,
)

__all__ = ["PlannerView"]

_SIGNALS = ((SignalKind.PRICE, "Price"), (SignalKind.GHG, "CO2"))


class PlannerView:
    def __init__(self, planner: SteeringPlanner, signals: SignalBoard) -> None:
        self._planner, self._signals = planner, signals

    async def flexibility(self, group_id: str) -> list[FlexibilityPoint]:
        return [
            FlexibilityPoint(r.time, r.planned_w / 1000, r.min_w / 1000, r.max_w / 1000)
            for r in self._planner.history.bands.get(group_id.upper(), [])
        ]

    async def signals(self) -> list[SignalSeries]:
        latest = self._planner.latest
        start = latest.plan.start if latest else datetime.now().astimezone()
        steps = latest.plan.steps if latest else 96
        series = await self._signals.series(None)
        out = []
        for kind, name in _SIGNALS:
            unit = signal_unit(series, kind)
            values = step_values(series, kind, start, self._planner.step, steps, default=float("nan"))
            points = [(start + k * self._planner.step, v) for k, v in enumerate(values) if v == v]
            if points:
                out.append(
                    SignalSeries(name, unit, [*points, (points[-1][0] + self._planner.step, points[-1][1])])
                )
        return out

    async def plan(self) -> list[PlannedSession]:
        """Every session planned lately, current or gone: each step as last planned before it began."""
        history = self._planner.history
        sessions = []
        for plan_id, points in history.sessions.items():
            if points and history.step is not None:
                closed = [*points, (points[-1][0] + history.step, points[-1][1])]
                sessions.append(PlannedSession(plan_id.split("/", 1)[-1], closed))
        return sessions

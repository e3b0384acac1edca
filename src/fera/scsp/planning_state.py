"""The latest plan of a steering party, and what it publishes from it: planned power and flexibility."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fera.planning import FlexibilityForecast, Plan, PlanningProblem, Session, flexibility, to_csv_rows

__all__ = ["LatestPlan"]


@dataclass(frozen=True)
class LatestPlan:
    problem: PlanningProblem
    plan: Plan
    forecast: FlexibilityForecast
    at: datetime

    @classmethod
    def of(cls, problem: PlanningProblem, plan: Plan, at: datetime) -> LatestPlan:
        return cls(problem, plan, flexibility(problem, plan), at)

    def session(self, plan_id: str) -> Session:
        return next(s for s in self.problem.sessions if s.id == plan_id)

    def planned_w(self, plan_id: str, t: datetime) -> float | None:
        k = int((t - self.plan.start) / self.plan.step)
        if plan_id not in self.plan.session_ids or not 0 <= k < self.plan.steps:
            return None
        return float(self.plan.schedule(plan_id)[k])

    def session_series(self, plan_id: str) -> list[tuple[datetime, float]]:
        """(step start, planned kW) for one session."""
        row = self.plan.schedule(plan_id)
        return [(self.plan.start + k * self.plan.step, float(row[k]) / 1000) for k in range(self.plan.steps)]

    def flexibility_rows(self, group_id: str | None = None) -> list[dict[str, Any]]:
        rows = self.forecast.rows if group_id is None else self.forecast.of_group(group_id.upper())
        return [
            {
                "group_id": r.group_id,
                "time": r.time.isoformat().replace("+00:00", "Z"),
                "planned_kw": round(r.planned_w / 1000, 3),
                "min_kw": round(r.min_w / 1000, 3),
                "max_kw": round(r.max_w / 1000, 3),
            }
            for r in rows
        ]

    def flexibility_csv(self, group_id: str | None = None) -> str:
        forecast = (
            self.forecast
            if group_id is None
            else FlexibilityForecast(tuple(self.forecast.of_group(group_id)))
        )
        out = io.StringIO()
        csv.writer(out).writerows(to_csv_rows(forecast))
        return out.getvalue()

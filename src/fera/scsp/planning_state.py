"""The latest plan of a steering party, and what it publishes from it: planned power and flexibility."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fera.planning import (
    FlexibilityForecast,
    FlexibilityRow,
    Plan,
    PlanningProblem,
    Session,
    flexibility,
    to_csv_rows,
)

__all__ = ["LatestPlan", "band_csv", "band_rows"]


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


def band_rows(rows: Sequence[FlexibilityRow], group_id: str | None = None) -> list[dict[str, Any]]:
    """The band as the admin API publishes it (JSON): kW, UTC times; one group's or every group's."""
    return [
        {
            "group_id": r.group_id,
            "time": r.time.isoformat().replace("+00:00", "Z"),
            "planned_kw": round(r.planned_w / 1000, 3),
            "min_kw": round(r.min_w / 1000, 3),
            "max_kw": round(r.max_w / 1000, 3),
        }
        for r in _of_group(rows, group_id)
    ]


def band_csv(rows: Sequence[FlexibilityRow], group_id: str | None = None) -> str:
    """The band as CSV (W), with its header."""
    out = io.StringIO()
    csv.writer(out).writerows(to_csv_rows(FlexibilityForecast(tuple(_of_group(rows, group_id)))))
    return out.getvalue()


def _of_group(rows: Sequence[FlexibilityRow], group_id: str | None) -> Sequence[FlexibilityRow]:
    return rows if group_id is None else [r for r in rows if r.group_id == group_id.upper()]

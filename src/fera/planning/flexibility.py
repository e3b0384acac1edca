"""The flexibility band an SCSP publishes per group and step: planned, least and most power.

At each step k, given that the plan was followed before k:
- `max_w`: what the members could take at k (as soon as possible): each session min(max power, its
  remaining need / step), capped by the group's limits at k. An upper bound (child limits are not applied).
- `min_w`: the least power at k that still lets every member receive its planned energy by its departure
  (as late as possible): per session, what cannot be moved to later steps at full power, and for the group,
  what cannot fit under its capacity in the later steps. A lower bound.
So `min_w <= planned_w <= max_w` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from fera.planning._grid import Floats, Grid, GroupArrays, build_grid
from fera.planning.model import Plan, PlanningProblem

__all__ = ["FlexibilityForecast", "FlexibilityRow", "flexibility", "to_csv_rows"]


@dataclass(frozen=True, slots=True)
class FlexibilityRow:
    group_id: str
    time: datetime
    planned_w: float
    min_w: float
    max_w: float


@dataclass(frozen=True, slots=True)
class FlexibilityForecast:
    rows: tuple[FlexibilityRow, ...]

    def of_group(self, group_id: str) -> list[FlexibilityRow]:
        return [r for r in self.rows if r.group_id == group_id]


def _session_bounds(grid: Grid, power: Floats) -> tuple[Floats, Floats]:
    """Per session and step (kW): the least and most power at k, given the plan before k."""
    h, k = grid.hours, np.arange(grid.steps)[None, :]
    active = (k >= grid.start[:, None]) & (k < grid.end[:, None])
    before_kwh = (np.cumsum(power, axis=1) - power) * h
    pmax = grid.pmax_kw[:, None]
    most = np.minimum(pmax, np.maximum(grid.energy_kwh[:, None] - before_kwh, 0.0) / h)
    later_steps = np.maximum(grid.end[:, None] - k - 1, 0)
    planned_kwh = power.sum(axis=1, keepdims=True) * h
    least = np.maximum(planned_kwh - before_kwh - pmax * h * later_steps, 0.0) / h
    return np.where(active, np.minimum(least, power), 0.0), np.where(active, np.maximum(most, power), 0.0)


def _capacity(grid: Grid, group: GroupArrays) -> Floats:
    """What the group could draw at each step: its limits and its present members' maxima."""
    k = np.arange(grid.steps)[None, :]
    m = group.members
    active = (k >= grid.start[m, None]) & (k < grid.end[m, None])
    cap = (active * grid.pmax_kw[m, None]).sum(axis=0)
    if group.cap_kw is not None:
        cap = np.minimum(cap, group.cap_kw)
    if group.phase_cap_kw is not None:
        cap = np.minimum(cap, group.phase_cap_kw.sum(axis=0))
    return np.asarray(cap, dtype=np.float64)


def _group_band(grid: Grid, group: GroupArrays, power: Floats, least: Floats, most: Floats) -> Floats:
    m, h = group.members, grid.hours
    planned = power[m].sum(axis=0)
    cap = _capacity(grid, group)
    after_kwh = (cap[::-1].cumsum()[::-1] - cap) * h
    left_kwh = (power[m].sum() - np.cumsum(planned) + planned) * h
    floor = np.maximum(least[m].sum(axis=0), (left_kwh - after_kwh) / h)
    ceiling = np.minimum(most[m].sum(axis=0), cap)
    return np.stack([planned, np.minimum(floor, planned), np.maximum(ceiling, planned)])


def flexibility(problem: PlanningProblem, plan: Plan) -> FlexibilityForecast:
    """Rows (group, step start, planned, min, max) in W for every group over the plan's horizon."""
    grid = build_grid(problem)
    power = plan.power_w / 1e3
    if power.shape != (len(problem.sessions), grid.steps):
        raise ValueError("the plan was not made for this problem")
    least, most = _session_bounds(grid, power)
    rows: list[FlexibilityRow] = []
    for group in grid.groups:
        band = _group_band(grid, group, power, least, most) * 1e3
        for k in range(grid.steps):
            time = plan.start + k * plan.step
            rows.append(
                FlexibilityRow(group.id, time, float(band[0, k]), float(band[1, k]), float(band[2, k]))
            )
    return FlexibilityForecast(tuple(rows))


def to_csv_rows(forecast: FlexibilityForecast) -> list[list[str]]:
    """Header plus one row per group and step, ready for `csv.writer(...).writerows`."""
    header = ["group_id", "time", "planned_w", "min_w", "max_w"]
    body = [
        [r.group_id, r.time.isoformat(), f"{r.planned_w:.1f}", f"{r.min_w:.1f}", f"{r.max_w:.1f}"]
        for r in forecast.rows
    ]
    return [header, *body]

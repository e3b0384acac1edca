"""Which parent limits `plan()` prices (`_columns`) rather than joins, and on which rows.

After the first round (parents relaxed, one LP per part), a relaxed parent the plan breaks is priced when
its sessions span many cells (`COLUMNS_CELLS`); below that, joining its parts into one LP is exact and fast.
Its rows are those at the steps where its members could exceed it (`_columns.rows_of`); another relaxed
parent the priced plan then breaks is priced with it. A relaxation whose optimum holds every row is optimal,
so this is exact too. A re-plan given the previous plan allots each site its share of the limit along that
plan (`carried_power`, `_allot`): near the optimum when little changed.
"""

from __future__ import annotations

import numpy as np

from fera.planning._columns import Block, Linking, Priced, Runner, Unsolved, rows_of, solve
from fera.planning._components import broken as broken_groups
from fera.planning._grid import Floats, Grid, Ints
from fera.planning.model import Plan, PlanningProblem

COLUMNS_CELLS = 20_000  # binding parents over fewer cells are joined into one LP (exact, and fast there)
DIMENSIONS = ("total", "L1", "L2", "L3")


def carried_power(problem: PlanningProblem, previous: Plan | None, grid: Grid) -> Floats | None:
    """A previous plan's power (kW) per cell of this plan, moved to its steps; NaN where it has none (a new
    session, or a step past its horizon). The priced blocks' allotments follow it (`_allot`)."""
    if previous is None or previous.step != problem.step:
        return None
    shift = (problem.now - previous.start) // problem.step
    index = {sid: i for i, sid in enumerate(previous.session_ids)}
    row = np.array([index.get(s.id, -1) for s in problem.sessions], dtype=np.int64)[grid.cell_session]
    at = grid.cell_step + shift
    known = (row >= 0) & (at >= 0) & (at < previous.steps)
    out = np.full(grid.cells, np.nan)
    out[known] = previous.power_w[row[known], at[known]] / 1e3
    return out


class Pricing:
    """What `plan()` keeps of its first round to price binding parents instead of joining their parts."""

    def __init__(self, grid: Grid, cost: Floats, pools: list[Ints], run: Runner, threads: int,
                 power: Floats | None = None) -> None:  # fmt: skip
        self.grid, self.cost, self.pools, self.run = grid, cost, pools, run
        self.power = power  # a previous plan's, per cell (`carried_power`)
        self.threads = threads
        self.parts: list[Ints] = []
        self.blocks: list[Block] = []
        self.linking: set[int] = set()
        self.x = np.zeros(0)
        self.result: Priced | None = None
        self.rows: Linking | None = None

    def first_round(self, parts: list[Ints], blocks: list[Block], x: Floats) -> None:
        self.parts, self.blocks, self.x = parts, blocks, x.copy()

    def worth(self, broken: set[int]) -> bool:
        """Price rather than join: a parent already priced, or the parents join many cells."""
        if self.linking:
            return True
        sessions = np.unique(np.concatenate([self.grid.groups[k].members for k in broken]))
        return int(self.grid.cells_of(sessions).size) >= COLUMNS_CELLS

    def enforce(
        self, broken: set[int], relaxed: set[int], x: Floats, power: Floats, margin: float
    ) -> set[int]:
        """Price the `broken` parents (and any other relaxed one the plan then breaks) into `x` and `power`;
        returns the parents still to join (all priced ones when pricing did not converge)."""
        grid = self.grid
        linking = self.linking | broken
        while True:
            result, rows = self._priced(rows_of(grid, linking))
            if result is None:
                self.result = None
                x[:] = self.x  # back to the first round: the joined LP replaces the priced parts
                return linking
            self.linking, self.result, self.rows = linking, result, rows
            x[:] = result.x
            power[grid.cell_session, grid.cell_step] = x
            more = broken_groups(grid, power, relaxed - linking, margin)
            if not more:
                return set()
            linking = linking | more

    def _priced(self, rows: Linking) -> tuple[Priced | None, Linking]:
        """The plan with `rows` priced; None when pricing fails (no convergence, or an LP HiGHS did not
        solve): the caller joins the parts instead."""
        try:
            result = solve(self.grid, self.cost, self.grid.hours, self.pools, self.parts, self.blocks, rows,
                           self.x, self.run, self.threads, self._reference())  # fmt: skip
        except Unsolved:
            return None, rows
        return (result if result.converged else None), rows

    def _reference(self) -> Floats:
        """What the allotments follow: the previous plan where it has a value, else the relaxed optimum."""
        if self.power is None:
            return self.x
        reference: Floats = np.where(np.isnan(self.power), self.x, self.power)
        return reference

    def shadow_prices(self, steps: int) -> dict[tuple[str, str], Floats]:
        """Per priced group and dimension, the price of its limit per step (objective units per kW)."""
        if self.result is None or self.rows is None:
            return {}
        out: dict[tuple[str, str], Floats] = {}
        rows = self.rows
        for r in range(rows.rows):
            key = (self.grid.groups[int(rows.group[r])].id, DIMENSIONS[int(rows.dim[r])])
            series = out.setdefault(key, np.zeros(steps))
            if rows.step[r] < steps:
                series[rows.step[r]] = self.result.prices[r]
        return out

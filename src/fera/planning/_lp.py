"""The planning LP on HiGHS, built as sparse numpy arrays and passed in one call.

Columns: one power variable (kW) per cell (session, step), then one peak variable per smoothing pool.
Rows: energy per session (Σ x·h ≤ need), capacity per group, step and dimension (total, L1, L2, L3), and
for each pool Σ x − peak ≤ 0. Unmet energy is the implicit slack of the energy row: every delivered kWh earns
`UNMET_PENALTY`, far above any other term, so the LP first delivers all it can and x = 0 is always feasible.
Rows that can never bind (all members at full power fit) are left out to keep re-plans small.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from fera.planning._grid import Floats, Grid, Ints
from fera.planning.model import SolveStats

UNMET_PENALTY = 100.0  # per kWh; objective terms of the profile types stay within [0, 1] per kWh
CAPACITY_MARGIN_KW = 1e-6  # keeps solver tolerance from ever showing up as a (tiny) violation
DUST_KW = 1e-3  # solver residue below 1 W is no plan


@dataclass
class _Rows:
    rows: list[Ints] = field(default_factory=list)
    cols: list[Ints] = field(default_factory=list)
    vals: list[Floats] = field(default_factory=list)
    upper: list[Floats] = field(default_factory=list)
    count: int = 0

    def add(self, row_of_entry: Ints, cols: Ints, vals: Floats, upper: Floats) -> None:
        self.rows.append(row_of_entry + self.count)
        self.cols.append(cols)
        self.vals.append(vals)
        self.upper.append(upper)
        self.count += upper.size


def _energy_rows(grid: Grid, need_kwh: Floats, out: _Rows) -> None:
    reachable = grid.pmax_kw * grid.hours * np.diff(grid.offsets)
    binding = np.flatnonzero(need_kwh < reachable - 1e-9)
    cells = grid.cells_of(binding)
    row_of_session = np.full(need_kwh.size, -1, dtype=np.int64)
    row_of_session[binding] = np.arange(binding.size)
    out.add(
        row_of_session[grid.cell_session[cells]], cells, np.full(cells.size, grid.hours), need_kwh[binding]
    )


def _limit_rows(grid: Grid, cells: Ints, coef: Floats, cap_kw: Floats, out: _Rows) -> None:
    """Σ coef·x ≤ cap at each step where the members could exceed it."""
    keep = coef > 0
    cells, coef = cells[keep], coef[keep]
    steps = grid.cell_step[cells]
    worst = np.bincount(steps, weights=coef * grid.pmax_kw[grid.cell_session[cells]], minlength=grid.steps)
    binding = np.flatnonzero(worst > cap_kw + 1e-9)
    if binding.size == 0:
        return
    row_of_step = np.full(grid.steps, -1, dtype=np.int64)
    row_of_step[binding] = np.arange(binding.size)
    used = row_of_step[steps] >= 0
    upper = np.maximum(cap_kw[binding] - CAPACITY_MARGIN_KW, 0.0)
    out.add(row_of_step[steps[used]], cells[used], coef[used], upper)


def _group_rows(grid: Grid, out: _Rows) -> None:
    for group in grid.groups:
        cells = grid.cells_of(group.members)
        if group.cap_kw is not None:
            _limit_rows(grid, cells, np.ones(cells.size), group.cap_kw, out)
        if group.phase_cap_kw is not None:
            for phase in range(3):
                _limit_rows(
                    grid, cells, grid.phase_share[grid.cell_session[cells], phase], group.phase_cap_kw, out
                )


def _pool_rows(grid: Grid, pools: list[Ints], out: _Rows) -> None:
    for k, pool in enumerate(pools):
        cells = grid.cells_of(pool)
        steps = np.unique(grid.cell_step[cells])
        row_of_step = np.zeros(grid.steps, dtype=np.int64)
        row_of_step[steps] = np.arange(steps.size)
        peak_col = np.full(steps.size, grid.cells + k, dtype=np.int64)
        rows = np.concatenate([row_of_step[grid.cell_step[cells]], np.arange(steps.size)])
        cols = np.concatenate([cells, peak_col])
        vals = np.concatenate([np.ones(cells.size), -np.ones(steps.size)])
        out.add(rows, cols, vals, np.zeros(steps.size))


def _pass_model(h: highspy.Highs, cost: Floats, upper: Floats, rows: _Rows) -> int:
    ncol = cost.size
    r, c, v = (np.concatenate(a) if a else np.zeros(0) for a in (rows.rows, rows.cols, rows.vals))
    order = np.argsort(c, kind="stable")
    start = np.searchsorted(c[order], np.arange(ncol)).astype(np.int32)
    row_upper = np.concatenate(rows.upper) if rows.upper else np.zeros(0)
    status = h.passModel(
        ncol, rows.count, v.size, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize), 0.0,
        cost, np.zeros(ncol), upper, np.full(rows.count, -np.inf), row_upper,
        start, r[order].astype(np.int32), v[order].astype(np.float64), np.zeros(ncol, dtype=np.int32),
    )  # fmt: skip
    if status != highspy.HighsStatus.kOk:
        raise RuntimeError(f"HiGHS rejected the planning model: {status}")
    return int(v.size)


def solve(
    grid: Grid, cell_cost: Floats, need_kwh: Floats, pools: list[Ints], peak_cost: float, threads: int
) -> tuple[Floats, SolveStats]:
    """Power per cell (kW). `cell_cost` is per kWh and per cell, in [0, 1]."""
    began = time.perf_counter()
    rows = _Rows()
    _energy_rows(grid, need_kwh, rows)
    _group_rows(grid, rows)
    _pool_rows(grid, pools, rows)
    cost = np.concatenate([grid.hours * (cell_cost - UNMET_PENALTY), np.full(len(pools), peak_cost)])
    upper = np.concatenate([grid.pmax_kw[grid.cell_session], np.full(len(pools), np.inf)])
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    nnz = _pass_model(h, cost, upper, rows)
    built = time.perf_counter()
    h.run()
    x = np.asarray(h.getSolution().col_value[: grid.cells], dtype=np.float64)
    x[x < DUST_KW] = 0.0  # dropping dust only lowers loads, so limits still hold
    status = h.modelStatusToString(h.getModelStatus())
    stats = SolveStats(
        status=status,
        variables=cost.size,
        constraints=rows.count,
        nonzeros=nnz,
        iterations=int(h.getInfo().simplex_iteration_count),
        build_s=built - began,
        solve_s=time.perf_counter() - built,
    )
    return np.minimum(x, upper[: grid.cells]), stats

"""The linking rows of `_columns` (a relaxed parent limit's rows where its members could exceed it) and the
parts' costs and loads on them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from fera.planning import _lp
from fera.planning._grid import Floats, Grid, Ints


@dataclass(frozen=True, slots=True)
class Linking:
    """Rows of the relaxed parent limits: entries (row, cell, coefficient) and per row its group index,
    dimension (0 total, 1-3 L1-L3), step and capacity (kW, margin applied as in `_lp`)."""

    entry_row: Ints
    entry_cell: Ints
    entry_coef: Floats
    group: Ints
    dim: Ints
    step: Ints
    cap: Floats

    @property
    def rows(self) -> int:
        return int(self.cap.size)

    def loads(self, x: Floats) -> Floats:
        return sums(self.entry_row, self.entry_coef * x[self.entry_cell], self.rows)


def rows_of(grid: Grid, groups: Iterable[int]) -> Linking:
    """The rows of `groups` (by index) at the steps where their members could exceed the limit."""
    parts: list[tuple[Ints, Ints, Floats, int, int, Ints, Floats]] = []
    for k in sorted(groups):
        group = grid.groups[k]
        cells = grid.cells_of(group.members)
        of = grid.cell_session[cells]
        dims = [] if group.cap_kw is None else [(0, grid.total_weight[of], group.cap_kw)]
        if group.phase_cap_kw is not None:
            dims += [(p + 1, grid.phase_share[of, p], group.phase_cap_kw[p]) for p in range(3)]
        for dim, coef, cap in dims:
            keep = coef > 0
            used, weight = cells[keep], coef[keep]
            steps = grid.cell_step[used]
            worst = np.bincount(
                steps, weights=weight * grid.pmax_kw[grid.cell_session[used]], minlength=grid.steps
            )
            binding = np.flatnonzero(worst > cap + 1e-9)
            row_of_step = np.full(grid.steps, -1, dtype=np.int64)
            row_of_step[binding] = np.arange(binding.size)
            inside = row_of_step[steps] >= 0
            upper = np.maximum(cap[binding] - _lp.CAPACITY_MARGIN_KW, 0.0)
            parts.append((row_of_step[steps[inside]], used[inside], weight[inside], k, dim, binding, upper))
    offsets = np.cumsum([0, *(p[5].size for p in parts)])
    return Linking(
        entry_row=np.concatenate([p[0] + o for p, o in zip(parts, offsets, strict=False)] or [ints()]),
        entry_cell=np.concatenate([p[1] for p in parts] or [ints()]),
        entry_coef=np.concatenate([p[2] for p in parts] or [np.zeros(0)]),
        group=np.concatenate([np.full(p[5].size, p[3]) for p in parts] or [ints()]).astype(np.int64),
        dim=np.concatenate([np.full(p[5].size, p[4]) for p in parts] or [ints()]).astype(np.int64),
        step=np.concatenate([p[5] for p in parts] or [ints()]).astype(np.int64),
        cap=np.concatenate([p[6] for p in parts] or [np.zeros(0)]),
    )


class Parts:
    """Costs and linking-row loads of the parts' plans, computed from a vector of cell powers."""

    def __init__(self, grid: Grid, cost: Floats, peak_cost: float, pools: list[Ints], parts: list[Ints],
                 rows: Linking) -> None:  # fmt: skip
        part_of_session = np.full(grid.start.size, -1, dtype=np.int64)
        for k, sessions in enumerate(parts):
            part_of_session[sessions] = k
        touched = np.unique(part_of_session[grid.cell_session[rows.entry_cell]])
        index = np.full(len(parts) + 1, -1, dtype=np.int64)  # global part -> priced part (-1: fixed)
        index[touched] = np.arange(touched.size)
        self.count = int(touched.size)
        self.part_of_cell = index[part_of_session[grid.cell_session]]
        self.cells = np.flatnonzero(self.part_of_cell >= 0)
        self.cost, self.steps, self.peak_cost = cost, grid.steps, peak_cost
        # the priced parts' pools, flattened: one bincount per call gives every pool's load per step
        pool_cells = [grid.cells_of(p) for p in pools]
        priced = [c for c in pool_cells if c.size and self.part_of_cell[c[0]] >= 0]
        self.pool_cell = np.concatenate([ints(), *priced])
        self.pool_key = np.concatenate(
            [ints(), *(k * grid.steps + grid.cell_step[c] for k, c in enumerate(priced))]
        )
        self.pool_part = np.array([self.part_of_cell[c[0]] for c in priced], dtype=np.int64)
        key = self.part_of_cell[rows.entry_cell] * rows.rows + rows.entry_row
        pairs, self.pair_of_entry = np.unique(key, return_inverse=True)
        self.pair_part, self.pair_row = pairs // rows.rows, pairs % rows.rows
        self.rows = rows

    def costs(self, x: Floats) -> Floats:
        """Each priced part's objective under `x`; a pool's peak is its highest load (what its LP sets)."""
        c = self.cells
        out = sums(self.part_of_cell[c], self.cost[c] * x[c], self.count)
        if self.pool_part.size:
            size = self.pool_part.size * self.steps
            load = np.bincount(self.pool_key, weights=x[self.pool_cell], minlength=size)
            peak = np.maximum(load.reshape(self.pool_part.size, self.steps).max(axis=1), 0.0)
            np.add.at(out, self.pool_part, self.peak_cost * peak)
        return out

    def loads(self, x: Floats) -> Floats:
        """Load of each (part, linking row) pair."""
        r = self.rows
        return sums(self.pair_of_entry, r.entry_coef * x[r.entry_cell], self.pair_row.size)

    def priced(self, loads: Floats, prices: Floats) -> Floats:
        """Per part, Σ prices · load over its rows."""
        return sums(self.pair_part, prices[self.pair_row] * loads, self.count)


def ints() -> Ints:
    return np.zeros(0, dtype=np.int64)


def sums(index: Ints, weights: Floats, size: int) -> Floats:
    """Sum of `weights` per value of `index` (0..size-1)."""
    out: Floats = np.bincount(index, weights=weights, minlength=size).astype(np.float64, copy=False)
    return out

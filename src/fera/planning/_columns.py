"""Column generation (Dantzig–Wolfe) over the parts that binding parent limits couple.

A feeder or transformer limit that binds over many sites used to join them all into one LP: 10,000
sessions x 96 steps took minutes, most of it the dual simplex pulling the dense parent rows into line. Here
the parent rows ("linking rows": one per group, dimension and step where the limit can bind) stay out of
the parts' LPs and are priced instead. A small master LP picks, for every part (a site), a convex
combination of the plans that part proposed (its columns) such that the linking rows hold. The master's
duals π price the parts' load on each linking row; every part re-solves its own LP (kept from the first
round, so HiGHS restarts from its optimal basis) with cost c + πA, and a plan cheaper than the master's
current mix is added as a column.

Exactness: every pricing round gives a Lagrangian lower bound, Σ_s min_x (c + πA) x − π·cap, and the master
an upper bound (a plan that holds every limit). We stop when they meet within `GAP` of the objective; the
plan is the master's mix, which holds each part's limits (they are convex) and the linking rows (the
master's). Prices are smoothed towards the best bound so far (Wentges) to damp the duals' oscillation.

The first columns decide the speed. Besides the relaxed optimum and that plan scaled down until it holds,
every block (one or more parts sharing an LP) plans under its allotment of the linking rows (`_allot`):
a feasible plan that moves energy rather than dropping it, from which the master starts (no phase 1). The
allotment's share rows also price the first round: what one more kW of its share is worth to each block,
averaged. On `bench.planning scale` (10,000 x 96, 1,000 sites) the allotment alone proves the gap: one
master LP, no pricing round, 2.9 s of CPU where pricing from zero prices took 7 rounds and 10.4 s.

Where the limit costs energy (8 kW per site there) pricing takes 20-40 rounds, and the master's primal
simplex prices every column at each pivot: columns out of the basis for `IDLE_ROUNDS` master LPs are dropped
(5,000 x 96: 15.7 -> 12.7 s of CPU; after 3 idle LPs instead, the master lost columns it needed again and
did not converge in 80 rounds); the first columns (one per site and first plan) after `FIRST_IDLE_ROUNDS`.
A master solved by interior point (central duals) or the dual simplex took as many rounds and more time.
Bundle steps over the prices instead of Wentges smoothing (a box around the best-bound prices, or a
proximal QP over the master's columns or over one aggregated cut a round) took more master LPs
(`bench/planning/README.md`).
The master's primal simplex runs on one thread; the first pricing round's prices (the allotment's) are known
before its first LP, so the blocks are re-solved at them on the second core meanwhile (`_ahead`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from fera.planning import _ahead, _allot, _lp
from fera.planning._grid import Floats, Grid, Ints
from fera.planning._linking import Linking, Parts, ints, rows_of

__all__ = ["Block", "Linking", "Priced", "Runner", "Unsolved", "rows_of", "solve"]

# Relative gap between the bounds at which the plan counts as optimal (issue 11 asks 1e-3 of the optimum).
# The true gap is far smaller, since the Lagrangian bound lags the plan: a feeder that costs energy
# (bench.planning scale, 5,000 x 96 at 8 kW per site) stopped at a proven 8.8e-4 was 6.9e-5 from the single
# LP's optimum after 11 master LPs (1e-4: 20; 1e-5: ~30). Half of 1e-3, because at 1e-3 a small feeder's
# unmet energy was 0.12 % off the single LP's (`test_a_limit_that_costs_energy_is_priced_...`).
GAP = 5e-4
MAX_ROUNDS = 80  # a safety net: past it the caller joins the parts into one LP instead
SMOOTHING = 0.8  # weight of the best-bound prices in the prices the parts are solved with
COLUMNS_PER_ROUND = 200  # new columns per pricing round at most (10,000 x 96 at 8 kW/site: 57 s CPU, not 122)
IDLE_ROUNDS = 10  # master LPs a column may stay out of the basis before it is dropped (3: 2.6x the rounds)
# The first four batches (one column per site each) weigh on every pivot while pricing's columns replace
# them: out of the basis for 5 master LPs they go (hard feeder, 10,000 x 96: 15.3 -> 14.4 s of CPU, 14 -> 15
# master LPs; after 1 or 2 idle LPs the master's mix improved more slowly: 18-20 master LPs)
FIRST_IDLE_ROUNDS = 5
_FIRST_BATCHES = 4
_REDUCED = 1e-7  # a column must improve the master by more than this (objective units) to be added


@dataclass(frozen=True, slots=True)
class Block:
    """One LP kept from the first round (one or more parts): its global cells, in its column order."""

    cells: Ints
    model: _lp.Model


Column = tuple[Ints, Floats]  # the cells of the parts a column batch covers, and their power


@dataclass(frozen=True, slots=True)
class Priced:
    x: Floats
    prices: Floats  # per linking row, ≥ 0: the master's duals at the end
    rounds: int  # master LPs solved: 1 when the first columns already prove the gap, +1 per pricing round
    gap: float
    converged: bool
    solve_s: float


Runner = Callable[[Callable[[Block], Floats], Sequence[Block]], list[Floats]]


class _Master:
    """min Σ cost·μ: linking rows ≤ cap, one convexity row (= 1) per part, μ ≥ 0."""

    def __init__(self, parts: Parts) -> None:
        self.parts, self.rows = parts, parts.rows.rows
        self.h = _lp.highs()
        self.h.setOptionValue("presolve", "off")
        self.h.setOptionValue("parallel", "off")
        self.h.setOptionValue("simplex_strategy", 4)  # new columns keep the mix feasible: primal simplex
        # HiGHS's max-value scaling rather than its default choice (equilibration): on the hard feeder at
        # 10,000 x 96 the same 15 master LPs take 13 % fewer pivots and ~10 % less time
        self.h.setOptionValue("simplex_scale_strategy", 4)
        # Row-wise pricing: the same pivots, each cheaper on a master of few rows and thousands of columns
        # (hard feeder, 10,000 x 96: its 15 master LPs in 3.6 s against 4.2 with HiGHS's 3, means of six)
        self.h.setOptionValue("simplex_price_strategy", 2)
        lower = np.concatenate([np.full(self.rows, -np.inf), np.ones(parts.count)])
        upper = np.concatenate([parts.rows.cap, np.ones(parts.count)])
        self.h.addRows(lower.size, lower, upper, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        self.owner: list[Ints] = []  # per batch of columns: its parts
        self.stored: list[Column] = []  # per batch: the cells of its parts and their power
        self.batch = ints()  # per column of the master, in its order: its batch and its place in the batch
        self.place = ints()
        self.idle = ints()  # per column: master LPs in a row it stayed out of the basis
        self.mu: tuple[Floats, Ints, Ints] = (np.zeros(0), ints(), ints())  # the last mix, by batch
        self.add(np.arange(parts.count), np.zeros(parts.count), np.zeros(self.parts.pair_row.size), None)

    def add(self, which: Ints, costs: Floats, loads: Floats, x: Floats | None) -> None:
        """Columns for the parts `which` (sorted), from their costs, loads and (None: zero) powers."""
        p = self.parts
        wanted = np.zeros(p.count, dtype=bool)
        wanted[which] = True
        pick = np.flatnonzero(wanted[p.pair_part] & (loads != 0))
        column_of = np.full(p.count, -1, dtype=np.int64)
        column_of[which] = np.arange(which.size)
        cols = np.concatenate([column_of[p.pair_part[pick]], np.arange(which.size)])
        rows = np.concatenate([p.pair_row[pick], self.rows + which])
        vals = np.concatenate([loads[pick], np.ones(which.size)])
        order = np.argsort(cols, kind="stable")
        starts = np.searchsorted(cols[order], np.arange(which.size)).astype(np.int32)
        self.h.addCols(
            which.size, costs[which], np.zeros(which.size), np.full(which.size, np.inf), vals.size,
            starts, rows[order].astype(np.int32), vals[order].astype(np.float64),
        )  # fmt: skip
        self.batch = np.concatenate([self.batch, np.full(which.size, len(self.owner))])
        self.place = np.concatenate([self.place, np.arange(which.size)])
        # the first batches (zero, relaxed, scaled, allotted plans) leave after FIRST_IDLE_ROUNDS idle LPs
        first = IDLE_ROUNDS - FIRST_IDLE_ROUNDS if len(self.owner) < _FIRST_BATCHES else 0
        self.idle = np.concatenate([self.idle, np.full(which.size, first, dtype=np.int64)])
        self.owner.append(which)
        cells = p.cells[wanted[p.part_of_cell[p.cells]]] if x is not None else ints()
        self.stored.append((cells, x[cells] if x is not None else np.zeros(0)))

    def start_from_last(self) -> None:
        """Start from the basis in which every part takes its last column (a full batch, one per part, that
        holds every linking row): no phase 1 over thousands of convexity rows."""
        count = self.parts.count
        lower, basic = highspy.HighsBasisStatus.kLower, highspy.HighsBasisStatus.kBasic
        columns = self.h.getNumCol()
        basis = highspy.HighsBasis()
        basis.col_status = [lower] * (columns - count) + [basic] * count
        basis.row_status = [basic] * self.rows + [lower] * count
        self.h.setBasis(basis)

    def solve(self) -> tuple[float, Floats, Floats]:
        """Objective, prices π ≥ 0 per linking row and the convexity duals σ."""
        self.h.run()
        _optimal(self.h)
        solution = self.h.getSolution()
        dual = np.asarray(solution.row_dual, dtype=np.float64)
        self.mu = (np.asarray(solution.col_value, dtype=np.float64), self.batch, self.place)
        value = float(self.h.getInfo().objective_function_value)
        self._drop_idle()
        return value, np.maximum(-dual[: self.rows], 0.0), dual[self.rows :]

    def _drop_idle(self) -> None:
        """Drop the columns out of the basis for `IDLE_ROUNDS` master LPs in a row: each primal pivot prices
        every column (one linking-row entry per step and site), and a column needed again is found again by
        pricing. Only non-basic columns go, so the next master LP starts from this optimal basis."""
        status = np.fromiter(map(int, self.h.getBasis().col_status), dtype=np.int64)
        self.idle = np.where(status == _lp.BASIC, 0, self.idle + 1)
        keep = self.idle < IDLE_ROUNDS
        if keep.all():
            return
        gone = np.flatnonzero(~keep).astype(np.int32)
        self.h.deleteCols(gone.size, gone)
        self.batch, self.place, self.idle = self.batch[keep], self.place[keep], self.idle[keep]

    def mix(self, x: Floats) -> None:
        """Write the master's convex combination of the stored plans into `x` (priced parts only)."""
        p = self.parts
        mu, batch, place = self.mu  # read before the idle columns were dropped
        x[p.cells] = 0.0
        for b, (owner, (cells, power)) in enumerate(zip(self.owner, self.stored, strict=True)):
            mine = batch == b
            weight = np.zeros(p.count)
            weight[owner[place[mine]]] = mu[mine]
            if cells.size:
                x[cells] += weight[p.part_of_cell[cells]] * power


def solve(
    grid: Grid, cost: Floats, peak_cost: float, pools: list[Ints], parts: list[Ints], blocks: Sequence[Block],
    rows: Linking, x: Floats, run: Runner, threads: int, reference: Floats | None = None,
) -> Priced:  # fmt: skip
    """Powers per cell with the linking rows enforced. `cost`: the LP's cost per cell (per kW of a step);
    `parts`: sessions of each part as solved in `blocks`, whose optimum (no linking rows) `x` holds;
    `reference`: the cell powers the blocks' allotments follow (`_allot`; None: `x`)."""
    began = time.perf_counter()
    p = Parts(grid, cost, peak_cost, pools, parts, rows)
    master = _Master(p)
    x = x.copy()
    costs, loads = p.costs(x), p.loads(x)
    master.add(np.arange(p.count), costs, loads, x)
    best, center = float(costs.sum()), np.zeros(rows.rows)  # prices 0: the relaxed optimum bounds it
    scaled = _scaled(grid, rows, x)
    master.add(np.arange(p.count), p.costs(scaled), p.loads(scaled), scaled)
    touched = [b for b in blocks if (p.part_of_cell[b.cells] >= 0).any()]
    for block in touched:  # devex: ~5 % more dual pivots than steepest edge, each cheaper (hard feeder,
        block.model.highs.setOptionValue("simplex_dual_edge_weight_strategy", 1)  # 10,000 x 96: -0.9 s CPU)
    allotted, worth = _allotted(touched, rows, cost, reference if reference is not None else x, run)
    allotted_costs = p.costs(allotted)
    master.add(np.arange(p.count), allotted_costs, p.loads(allotted), allotted)
    master.start_from_last()

    def priced(prices: Floats) -> Floats:
        weights = prices[rows.entry_row] * rows.entry_coef
        return cost + np.bincount(rows.entry_cell, weights=weights, minlength=x.size)

    def price(prices: Floats, values: list[Floats] | None) -> tuple[Floats, Floats, Floats, float]:
        if values is None:
            at = priced(prices)
            values = run(lambda b: _resolve(b, at), touched)
        found = x.copy()
        for block, value in zip(touched, values, strict=True):
            found[block.cells] = value
        c, load = p.costs(found), p.loads(found)
        return found, c, load, float((c + p.priced(load, prices)).sum() - prices @ rows.cap)

    upper, smoothing, rounds = np.inf, SMOOTHING, 0
    pending: Floats | None = worth  # the first pricing round's prices: what the blocks' shares are worth
    # The first pricing round runs while the first master LP does, unless the allotted plans already prove
    # the gap (a limit that only shifts energy): then that LP does too, and the round is not needed.
    proven = float(allotted_costs.sum()) - best <= GAP * max(1.0, abs(float(allotted_costs.sum())))
    ahead = _first_round(touched, priced(worth)) if threads > 1 and not proven else None
    prices = center
    try:
        while rounds < MAX_ROUNDS:
            upper, prices, sigma = master.solve()
            if upper - best <= GAP * max(1.0, abs(upper)):
                break
            rounds += 1
            trial = smoothing * center + (1 - smoothing) * prices if pending is None else pending
            values, pending, ahead = (ahead.results() if ahead is not None else None), None, None
            found, c, load, bound = price(trial, values)
            if bound > best:
                best, center = bound, trial
            reduced = c + p.priced(load, prices) - sigma
            better = np.flatnonzero(reduced < -_REDUCED)
            if better.size > COLUMNS_PER_ROUND:  # the most improving: each column costs the master pivots
                better = np.sort(better[np.argsort(reduced[better])[:COLUMNS_PER_ROUND]])
            if better.size:
                master.add(better, c, load, found)
                smoothing = SMOOTHING
            elif smoothing == 0:
                break  # the master's own prices find nothing better: it is optimal
            else:
                smoothing = 0.0  # smoothed prices found nothing: try the master's own
    finally:
        if ahead is not None:  # the first master LP proved the gap (or failed): its pricing is not needed
            ahead.cancel()
    master.mix(x)
    x[x < _lp.DUST_KW] = 0.0
    gap = (upper - best) / max(1.0, abs(upper))
    elapsed = time.perf_counter() - began
    return Priced(x, prices, rounds + 1, max(gap, 0.0), gap <= GAP, elapsed)


def _first_round(blocks: Sequence[Block], cost: Floats) -> _ahead.Ahead[Block, Floats]:
    """The blocks re-solved at `cost` on a second thread (`_ahead`): the first pricing round's prices are
    the allotment's, known before the master's first LP, whose primal simplex leaves the second core idle."""
    return _ahead.Ahead(lambda b: _resolve(b, cost), blocks)


def _scaled(grid: Grid, rows: Linking, x: Floats) -> Floats:
    """`x` scaled down at each step until every linking row holds: a feasible first mix. One factor for all
    cells of a step keeps every part's rows too (lower loads, and shares' ratios unchanged)."""
    load = np.bincount(rows.entry_row, weights=rows.entry_coef * x[rows.entry_cell], minlength=rows.rows)
    ratio = np.minimum(1.0, rows.cap / np.maximum(load, 1e-12))
    factor = np.ones(grid.steps)
    np.minimum.at(factor, rows.step, ratio)
    scaled: Floats = x * factor[grid.cell_step]
    return scaled


class Unsolved(Exception):
    """HiGHS did not prove a site's or the master's LP optimal: no bound holds, the caller joins instead."""


def _optimal(h: highspy.Highs) -> None:
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise Unsolved(h.modelStatusToString(h.getModelStatus()))


def _allotted(
    blocks: Sequence[Block], rows: Linking, cost: Floats, reference: Floats, run: Runner
) -> tuple[Floats, Floats]:
    """Every block's plan under its allotment of the linking rows (`_allot`), other cells as `reference`;
    and per linking row a price: the mean over the blocks of what one more kW of their share is worth to
    them (the share rows' duals), weighted by their share. Where the allotment is the optimum's, every
    block values its share alike and that is the optimum's price."""
    upper = np.zeros(reference.size)
    for block in blocks:
        upper[block.cells] = block.model.upper[: block.cells.size]
    shares = _allot.allotments(
        [b.cells for b in blocks], reference.size, rows.entry_row, rows.entry_cell, rows.entry_coef,
        rows.cap, reference, upper,
    )  # fmt: skip
    share_of = {id(b): a for b, a in zip(blocks, shares, strict=True)}
    found = reference.copy()
    worth, weight = np.zeros(rows.rows), np.zeros(rows.rows)
    solved = run(lambda b: _within(b, cost, share_of[id(b)]), blocks)
    for block, share, value in zip(blocks, shares, solved, strict=True):
        n = block.cells.size
        found[block.cells] = value[:n]
        np.add.at(worth, share.rows, value[n:] * share.upper)
        np.add.at(weight, share.rows, share.upper)
    return found, worth / np.maximum(weight, 1e-12)


def _within(block: Block, cost: Floats, share: _allot.Allotment) -> Floats:
    """The block's LP with its share rows added, solved, and the rows removed again; its plan, then what one
    more kW of each share is worth to it."""
    h, n, count = block.model.highs, block.cells.size, share.upper.size
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost[block.cells])
    first, basis = h.getNumRow(), h.getBasis()
    h.addRows(
        count, np.full(count, -np.inf), share.upper, share.value.size, share.starts.astype(np.int32),
        share.index.astype(np.int32), share.value,
    )  # fmt: skip
    h.run()
    try:
        _optimal(h)
        solution = h.getSolution()
        values = np.asarray(solution.col_value[:n], dtype=np.float64)
        worth = np.maximum(-np.asarray(solution.row_dual[first:], dtype=np.float64), 0.0)
    finally:
        h.deleteRows(count, np.arange(first, first + count, dtype=np.int32))
        if basis.valid:  # HiGHS drops the basis with the rows: pricing restarts from the relaxed optimum's
            h.setBasis(basis)
    return np.concatenate([np.clip(values, 0.0, block.model.upper[:n]), worth])


def _resolve(block: Block, cost: Floats) -> Floats:
    """The block's LP again with new cell costs, from its last optimal basis."""
    model, n = block.model, block.cells.size
    h = model.highs
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost[block.cells])
    h.run()
    _optimal(h)
    values = np.asarray(h.getSolution().col_value[:n], dtype=np.float64)
    return np.clip(values, 0.0, model.upper[:n])

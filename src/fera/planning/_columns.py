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
a feasible plan that moves energy rather than dropping it, from which the master starts (no phase 1). Share
a block leaves unused goes to the blocks it binds (`_rebalance`), as if they were one. The share rows also
price the first rounds: per linking row, a quantile of what one more kW of its share is worth to the blocks
(`FIRST_PRICES`): near the optimum's prices, so the first bound is near the optimum too. On `bench.planning
scale` (10,000 x 96, 1,000 sites) the allotment alone proves the gap where the limit only shifts energy: one
master LP, no pricing round, 2.9 s of CPU where pricing from zero prices took 7 rounds and 10.4 s; where it
costs energy (8 kW per site), 3-4 master LPs where the blocks' mean worth as the first prices took 15.

Where pricing goes on for many rounds (small feeders take 20-50), the master's primal
simplex prices every column at each pivot: columns out of the basis for `IDLE_ROUNDS` master LPs are dropped
(5,000 x 96: 15.7 -> 12.7 s of CPU; after 3 idle LPs instead, the master lost columns it needed again and
did not converge in 80 rounds); the first columns (one per site and first plan) after `FIRST_IDLE_ROUNDS`.
A master solved by interior point (central duals) or the dual simplex took as many rounds and more time.
Bundle steps over the prices instead of Wentges smoothing (a box around the best-bound prices, or a
proximal QP over the master's columns or over one aggregated cut a round) took more master LPs
(`bench/planning/README.md`).
The master's primal simplex runs on one thread; the first pricing round's prices (the allotment's) are known
before its first LP, so the blocks are re-solved at them on the second core meanwhile (`_ahead`). A bound
that proves the last master LP's mix ends the pricing there, without another master LP.
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
# Since the first prices are the shares' worth quantiles (`FIRST_PRICES`) the bound no longer lags the plan,
# so the proven gap is about the true one: at 5e-4 a small feeder's unmet energy was 0.1 % off the single
# LP's (`test_a_limit_that_costs_energy_is_priced_...`), at 2e-4 within it; the hard feeder at 10,000 x 96
# then takes 3-4 master LPs at 2e-4, 6-8 at 1e-4.
GAP = 2e-4
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
# The first pricing rounds' prices per linking row, in turn: these quantiles of what one more kW of their
# share is worth to the blocks (`_allotted`). Their share-weighted mean (what the first round priced at
# before) gave a Lagrangian bound 28,000-41,000 below the optimum on the hard feeder at 10,000 x 96 (of a
# 2e-3 gap at the start, 1.5e-3 was the bound's) and it stayed the best bound for 8 rounds; the 0.75
# quantile came within 110-1,700 (1,000-10,000 sessions), 0.6 within 700-3,100, 0.9 within 1,800-9,100.
FIRST_PRICES = (0.75, 0.6, 0.9)
# Rounds of moving unused share to the blocks it binds (`_rebalance`) before the master's first LP: each
# re-solves only the blocks that gained (hard feeder, 10,000 x 96: the allotted plan 9,000 nearer the
# optimum, 1-3 fewer master LPs).
REBALANCE_ROUNDS = 3
_BINDS = 1e-6  # a share worth more than this per kW binds its block
_MOVED_KW = 1e-6  # less unused share than this in all: nothing to move


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
    rounds: int  # master LPs solved: 1 when the first columns already prove the gap
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

    def proves(costs: Floats) -> bool:  # a plan's costs against the relaxed optimum's (prices 0)
        total = float(costs.sum())
        return total - best <= GAP * max(1.0, abs(total))

    reference = reference if reference is not None else x
    allotted, candidates = _allotted(touched, rows, cost, reference, run, lambda plan: proves(p.costs(plan)))
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

    upper, smoothing, rounds, masters = np.inf, SMOOTHING, 0, 0
    pending = candidates  # the first pricing rounds' prices, in turn: what the blocks' shares are worth
    # The first pricing round runs while the first master LP does, unless the allotted plans already prove
    # the gap (a limit that only shifts energy): then that LP does too, and the round is not needed.
    first = threads > 1 and bool(pending) and not proves(allotted_costs)
    ahead = _first_round(touched, priced(pending[0])) if first else None
    prices = center
    try:
        while rounds < MAX_ROUNDS:
            upper, prices, sigma = master.solve()
            masters += 1
            if upper - best <= GAP * max(1.0, abs(upper)):
                break
            rounds += 1
            guessed = bool(pending)  # a first round's prices: finding nothing there proves nothing
            trial = pending.pop(0) if pending else smoothing * center + (1 - smoothing) * prices
            values, ahead = (ahead.results() if ahead is not None else None), None
            found, c, load, bound = price(trial, values)
            if bound > best:
                best, center = bound, trial
                if upper - best <= GAP * max(1.0, abs(upper)):
                    break  # the new bound proves the master's mix: no master LP more
            reduced = c + p.priced(load, prices) - sigma
            better = np.flatnonzero(reduced < -_REDUCED)
            if better.size > COLUMNS_PER_ROUND:  # the most improving: each column costs the master pivots
                better = np.sort(better[np.argsort(reduced[better])[:COLUMNS_PER_ROUND]])
            if better.size:
                master.add(better, c, load, found)
                smoothing = SMOOTHING
            elif guessed:
                continue
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
    return Priced(x, prices, masters, max(gap, 0.0), gap <= GAP, elapsed)


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
    blocks: Sequence[Block], rows: Linking, cost: Floats, reference: Floats, run: Runner,
    proven: Callable[[Floats], bool],
) -> tuple[Floats, list[Floats]]:  # fmt: skip
    """Every block's plan under its allotment of the linking rows (`_allot`), other cells as `reference`,
    share left unused moved to the blocks it binds (`_rebalance`) until `proven` holds for the plan; and
    prices per linking row for the first pricing rounds (`_worth_quantiles`)."""
    upper = np.zeros(reference.size)
    for block in blocks:
        upper[block.cells] = block.model.upper[: block.cells.size]
    shares = _allot.allotments(
        [b.cells for b in blocks], reference.size, rows.entry_row, rows.entry_cell, rows.entry_coef,
        rows.cap, reference, upper,
    )  # fmt: skip
    held = {id(b): _Within(b, cost, a) for b, a in zip(blocks, shares, strict=True)}
    within = list(held.values())
    try:
        _run_all(run, held, blocks)
        for _ in range(REBALANCE_ROUNDS):
            if proven(_plan(reference, within)):
                break
            grown = _rebalance(within, rows.rows)
            if not grown:
                break
            _run_all(run, held, grown)
    finally:
        for one in within:  # every run has ended: no thread is solving these models any more
            one.remove()
    at = np.concatenate([ints(), *(w.share.rows for w in within)])
    worth = np.concatenate([np.zeros(0), *(w.worth for w in within)])
    return _plan(reference, within), _worth_quantiles(at, worth, rows.rows)


def _plan(reference: Floats, within: Sequence[_Within]) -> Floats:
    found = reference.copy()
    for one in within:
        found[one.block.cells] = one.values
    return found


def _run_all(run: Runner, held: dict[int, _Within], blocks: Sequence[Block]) -> None:
    """Each block solved within its shares; a failure (an LP HiGHS did not solve: `Unsolved`) is raised
    once every run has ended, since the caller then removes rows from models the runs solve."""
    run(lambda b: held[id(b)].solve(), blocks)
    for block in blocks:
        if (failed := held[id(block)].failed) is not None:
            raise failed


class _Within:
    """A block's LP with one row per share added (what one of its linking rows allows it), kept while the
    allotment is made and moved, then removed: pricing goes on from the LP's relaxed optimum."""

    def __init__(self, block: Block, cost: Floats, share: _allot.Allotment) -> None:
        self.block, self.share, self.cost = block, share, cost
        self.upper = share.upper.copy()
        n = block.cells.size
        self.share_of_entry = np.repeat(
            np.arange(share.upper.size), np.diff(np.append(share.starts, share.index.size))
        )
        # what the block could draw on each share's row at most
        self.reach = self._on_rows(block.model.upper[:n])
        self.first, self.basis = -1, block.model.highs.getBasis()
        self.values, self.worth = np.zeros(n), np.zeros(share.upper.size)
        self.failed: Exception | None = None

    def _on_rows(self, power: Floats) -> Floats:
        weights = self.share.value * power[self.share.index]
        return np.bincount(self.share_of_entry, weights=weights, minlength=self.upper.size).astype(np.float64)

    def load(self) -> Floats:
        return self._on_rows(self.values)

    def solve(self) -> Floats:
        """Its plan within its shares now, and what one more kW of each share is worth to it (the rows'
        duals). A failure is kept, not raised: the caller raises it once every block's run has ended."""
        try:
            self._solve()
        except Exception as exc:  # kept, raised by `_run_all`
            self.failed = exc
        return self.values

    def _solve(self) -> None:
        h, n, count, share = self.block.model.highs, self.block.cells.size, self.upper.size, self.share
        if self.first < 0:
            h.changeColsCost(n, np.arange(n, dtype=np.int32), self.cost[self.block.cells])
            self.first = h.getNumRow()
            h.addRows(
                count, np.full(count, -np.inf), self.upper, share.value.size, share.starts.astype(np.int32),
                share.index.astype(np.int32), share.value,
            )  # fmt: skip
        else:
            at = np.arange(self.first, self.first + count, dtype=np.int32)
            lower = np.full(count, -np.inf)
            h.changeRowsBounds(count, at, lower, self.upper)  # type: ignore[attr-defined]  # not in the stub
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            h.clearSolver()  # "Unknown" once after new bounds (12 kW per site): again from scratch
            h.run()
        _optimal(h)
        solution = h.getSolution()
        self.values = np.clip(
            np.asarray(solution.col_value[:n], dtype=np.float64), 0.0, self.block.model.upper[:n]
        )
        duals = np.asarray(solution.row_dual[self.first : self.first + count], dtype=np.float64)
        self.worth = np.maximum(-duals, 0.0)

    def remove(self) -> None:
        if self.first < 0:
            return
        h, count = self.block.model.highs, self.upper.size
        h.deleteRows(count, np.arange(self.first, self.first + count, dtype=np.int32))
        # HiGHS drops the basis with the rows: pricing restarts from the relaxed optimum's
        if self.basis.valid:
            h.setBasis(self.basis)
        self.first = -1


def _rebalance(within: Sequence[_Within], rows: int) -> list[Block]:
    """Share a block leaves unused on a linking row goes to the blocks whose share binds there, in proportion
    to what each could still draw, as if they were one block; the shares still sum to the row's capacity.
    Returns the blocks whose shares grew."""
    loads = [w.load() for w in within]
    pool, room = np.zeros(rows), np.zeros(rows)
    for w, load in zip(within, loads, strict=True):
        binds = w.worth > _BINDS
        np.add.at(pool, w.share.rows[~binds], np.maximum(w.upper - load, 0.0)[~binds])
        np.add.at(room, w.share.rows[binds], np.maximum(w.reach - load, 0.0)[binds])
    moved = np.minimum(pool, room)
    if moved.sum() <= _MOVED_KW:
        return []
    given, taken = moved / np.maximum(pool, 1e-12), moved / np.maximum(room, 1e-12)
    grown = []
    for w, load in zip(within, loads, strict=True):
        binds, r = w.worth > _BINDS, w.share.rows
        change = np.where(
            binds, taken[r] * np.maximum(w.reach - load, 0.0), -given[r] * np.maximum(w.upper - load, 0.0)
        )
        w.upper = np.maximum(w.upper + change, 0.0)
        if (change[binds] > 1e-9).any():
            grown.append(w.block)
    return grown


def _worth_quantiles(rows: Ints, worth: Floats, count: int) -> list[Floats]:
    """Per linking row, the `FIRST_PRICES` quantiles of what one more kW of their share is worth to the blocks
    that have one there (0 where none has)."""
    order = np.lexsort((worth, rows))
    rows, worth = rows[order], worth[order]
    starts = np.searchsorted(rows, np.arange(count))
    counts = np.bincount(rows, minlength=count)
    out = []
    for q in FIRST_PRICES:
        at = np.minimum(
            starts + np.floor(q * np.maximum(counts - 1, 0)).astype(np.int64), max(worth.size - 1, 0)
        )
        out.append(np.where(counts > 0, worth[at] if worth.size else 0.0, 0.0))
    return out


def _resolve(block: Block, cost: Floats) -> Floats:
    """The block's LP again with new cell costs, from its last optimal basis."""
    model, n = block.model, block.cells.size
    h = model.highs
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost[block.cells])
    h.run()
    _optimal(h)
    values = np.asarray(h.getSolution().col_value[:n], dtype=np.float64)
    return np.clip(values, 0.0, model.upper[:n])

"""The planning LP on HiGHS, built as sparse numpy arrays and passed in one call.

Columns: one power variable (kW) per cell (session, step), then one peak variable per smoothing pool.
Rows: energy per session (Σ x·h ≤ need), capacity per group, step and dimension (total, L1, L2, L3), for
each pool Σ x − peak ≤ 0, and for each share (guessed needs in one group) x_a/w_a = x_b/w_b between
neighbours present at a step, w = min(p̄, level) with the level that fills the capacity (water-filling):
guesses split a tight limit evenly, a car that can take less than that getting all it can take.
Unmet energy is the implicit slack of the energy row: every delivered kWh earns `UNMET_PENALTY`, far above
any other term, so the LP first delivers all it can and x = 0 is always feasible.
Rows that can never bind (all members at full power fit) are left out to keep re-plans small.

Every row has a global key (kind, session/group/pool, dimension, step), so the optimal basis of several
independent LPs can start the LP that joins them (`Labels`, `Solved.basis`, `solve(..., start=)`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import highspy
import numpy as np

from fera.planning._grid import Floats, Grid, Ints
from fera.planning._rounding import Held, floor_kw
from fera.planning.model import SolveStats

UNMET_PENALTY = 100.0  # per kWh; objective terms of the profile types stay within [0, 1] per kWh
CAPACITY_MARGIN_KW = 1e-6  # keeps solver tolerance from ever showing up as a (tiny) violation
DUST_KW = 1e-3  # solver residue below 1 W is no plan
MAX_ROUNDINGS = 25  # rounds of minimum-rate rounding (each holds every cell found below its minimum)
PRESOLVE_CELLS = 20_000  # below this, HiGHS's presolve costs more than it saves (1.2 ms vs 3-4 ms per site)
HIGHS_THREADS = 2  # every HiGHS instance's (see `highs`); the planner's own pools take `plan(threads=)`


_ENERGY, _LIMIT, _POOL, _SHARE, _LINK = 0, 1, 2, 3, 4
BASIC = int(highspy.HighsBasisStatus.kBasic)
_STATUS = {int(v): v for v in highspy.HighsBasisStatus.__members__.values()}


@dataclass(frozen=True, slots=True)
class Labels:
    """Global indices of this LP's sessions, groups and pools: they name its rows across LPs."""

    session: Ints
    group: Ints
    pool: Ints


def _labels(grid: Grid, pools: int) -> Labels:
    count = grid.start.size
    return Labels(np.arange(count), np.arange(len(grid.groups)), np.arange(pools))


_Key = tuple[int, Ints | int, int, Ints]  # kind, owner (global session/group/pool), dimension, steps


@dataclass
class _Rows:
    steps: int
    rows: list[Ints] = field(default_factory=list)
    cols: list[Ints] = field(default_factory=list)
    vals: list[Floats] = field(default_factory=list)
    upper: list[Floats] = field(default_factory=list)
    lower: list[Floats] = field(default_factory=list)
    keys: list[Ints] = field(default_factory=list)
    count: int = 0

    def add(
        self, row_of_entry: Ints, cols: Ints, vals: Floats, upper: Floats, key: _Key, *, equal: bool = False
    ) -> None:
        kind, owner, dim, step = key
        self.rows.append(row_of_entry + self.count)
        self.cols.append(cols)
        self.vals.append(vals)
        self.upper.append(upper)
        self.lower.append(upper if equal else np.full(upper.size, -np.inf))
        packed = ((kind * 2**32 + np.asarray(owner, dtype=np.int64)) * 4 + dim) * self.steps + step
        self.keys.append(np.broadcast_to(packed, upper.shape).astype(np.int64))
        self.count += upper.size


def _energy_rows(grid: Grid, need_kwh: Floats, labels: Labels, out: _Rows) -> None:
    reachable = grid.pmax_kw * grid.hours * np.diff(grid.offsets)
    binding = np.flatnonzero(need_kwh < reachable - 1e-9)
    cells = grid.cells_of(binding)
    row_of_session = np.full(need_kwh.size, -1, dtype=np.int64)
    row_of_session[binding] = np.arange(binding.size)
    out.add(
        row_of_session[grid.cell_session[cells]], cells, np.full(cells.size, grid.hours), need_kwh[binding],
        (_ENERGY, labels.session[binding], 0, np.zeros(binding.size, dtype=np.int64)),
    )  # fmt: skip


def _limit_rows(
    grid: Grid, cells: Ints, coef: Floats, cap_kw: Floats, out: _Rows, owner: int, dim: int
) -> None:
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
    out.add(row_of_step[steps[used]], cells[used], coef[used], upper, (_LIMIT, owner, dim, binding))


def _group_rows(grid: Grid, labels: Labels, out: _Rows) -> None:
    for group, owner in zip(grid.groups, labels.group.tolist(), strict=True):
        cells = grid.cells_of(group.members)
        if group.cap_kw is not None:
            weight = grid.total_weight[grid.cell_session[cells]]
            _limit_rows(grid, cells, weight, group.cap_kw, out, owner, 0)
        if group.phase_cap_kw is not None:
            for phase in range(3):
                share = grid.phase_share[grid.cell_session[cells], phase]
                _limit_rows(grid, cells, share, group.phase_cap_kw[phase], out, owner, phase + 1)


def _pool_rows(grid: Grid, pools: list[Ints], labels: Labels, out: _Rows) -> None:
    for k, pool in enumerate(pools):
        cells = grid.cells_of(pool)
        steps = np.unique(grid.cell_step[cells])
        row_of_step = np.zeros(grid.steps, dtype=np.int64)
        row_of_step[steps] = np.arange(steps.size)
        peak_col = np.full(steps.size, grid.cells + k, dtype=np.int64)
        rows = np.concatenate([row_of_step[grid.cell_step[cells]], np.arange(steps.size)])
        cols = np.concatenate([cells, peak_col])
        vals = np.concatenate([np.ones(cells.size), -np.ones(steps.size)])
        out.add(rows, cols, vals, np.zeros(steps.size), (_POOL, int(labels.pool[k]), 0, steps))


@dataclass(frozen=True, slots=True)
class Share:
    """Sessions (indices) that split what their group leaves them; `cap_kw`: the group's limit per step."""

    members: Ints
    cap_kw: Floats


def _filled(pmax: Floats, steps: Ints, cap_kw: Floats) -> Floats:
    """Per cell (grouped by step) min(p̄, level), the level at which the step's cells fill its capacity."""
    out = pmax.copy()
    bounds = np.flatnonzero(np.diff(steps, prepend=-1, append=-1))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        p = np.sort(pmax[lo:hi])
        below = np.concatenate([[0.0], np.cumsum(p)[:-1]])
        level = (cap_kw[steps[lo]] - below) / (p.size - np.arange(p.size))
        fits = np.flatnonzero(level <= p)
        if fits.size:
            out[lo:hi] = np.minimum(pmax[lo:hi], max(float(level[fits[0]]), 0.0))
    return out


def _share_rows(grid: Grid, need_kwh: Floats, shares: list[Share], labels: Labels, out: _Rows) -> None:
    """x_a·w_b − x_b·w_a = 0 for neighbours a, b of a share present at the same step.

    Only members that can take power and whose need can't run out join: a filled car must not hold the
    others at its level."""
    reachable = grid.pmax_kw * grid.hours * np.diff(grid.offsets)
    for share in shares:
        m = share.members
        members = m[(need_kwh[m] >= reachable[m] - 1e-9) & (grid.pmax_kw[m] > 1e-9)]
        cells = grid.cells_of(members)
        if cells.size < 2:
            continue
        cells = cells[np.lexsort((grid.cell_session[cells], grid.cell_step[cells]))]
        steps = grid.cell_step[cells]
        pair = np.flatnonzero(steps[:-1] == steps[1:])
        if pair.size == 0:
            continue
        weight = _filled(grid.pmax_kw[grid.cell_session[cells]], steps, share.cap_kw)
        a, b = cells[pair], cells[pair + 1]
        pa, pb = weight[pair], weight[pair + 1]
        rows = np.arange(pair.size, dtype=np.int64)
        owner = labels.session[grid.cell_session[a]]
        out.add(
            np.concatenate([rows, rows]), np.concatenate([a, b]), np.concatenate([pb, -pa]),
            np.zeros(pair.size), (_SHARE, owner, 0, grid.cell_step[a]), equal=True,
        )  # fmt: skip


def _link_rows(grid: Grid, links: tuple[Ints, Ints], labels: Labels, out: _Rows) -> None:
    """x_a − x_b = 0 for each pair of cells (scenario copies of one decision)."""
    a, b = links
    if a.size == 0:
        return
    rows = np.arange(a.size, dtype=np.int64)
    ones = np.ones(a.size)
    out.add(
        np.concatenate([rows, rows]), np.concatenate([a, b]), np.concatenate([ones, -ones]),
        np.zeros(a.size), (_LINK, labels.session[grid.cell_session[a]], 0, grid.cell_step[a]), equal=True,
    )  # fmt: skip


def _pass_model(h: highspy.Highs, cost: Floats, bounds: tuple[Floats, Floats], rows: _Rows) -> int:
    ncol = cost.size
    r, c, v = (np.concatenate(a) if a else np.zeros(0) for a in (rows.rows, rows.cols, rows.vals))
    order = np.argsort(c, kind="stable")
    start = np.searchsorted(c[order], np.arange(ncol)).astype(np.int32)
    row_upper = np.concatenate(rows.upper) if rows.upper else np.zeros(0)
    row_lower = np.concatenate(rows.lower) if rows.lower else np.zeros(0)
    status = h.passModel(
        ncol, rows.count, v.size, int(highspy.MatrixFormat.kColwise), int(highspy.ObjSense.kMinimize), 0.0,
        cost, bounds[0], bounds[1], row_lower, row_upper,
        start, r[order].astype(np.int32), v[order].astype(np.float64), np.zeros(ncol, dtype=np.int32),
    )  # fmt: skip
    if status != highspy.HighsStatus.kOk:
        raise RuntimeError(f"HiGHS rejected the planning model: {status}")
    return int(v.size)


@dataclass
class Model:
    """A built planning LP, kept to be solved (again, e.g. with new costs: `_columns`)."""

    highs: highspy.Highs
    cost: Floats
    upper: Floats
    keys: Ints
    rows: int
    nonzeros: int
    build_s: float


@dataclass
class Solved:
    """One LP's result; `basis()` reads its optimal basis (column statuses, row keys, row statuses)."""

    x: Floats
    stats: SolveStats
    basis: Callable[[], tuple[Ints, Ints, Ints]]
    model: Model


def _basis_reader(h: highspy.Highs, keys: Ints) -> Callable[[], tuple[Ints, Ints, Ints]]:
    def read() -> tuple[Ints, Ints, Ints]:
        basis = h.getBasis()
        cols = np.fromiter(map(int, basis.col_status), dtype=np.int64)
        rows = np.fromiter(map(int, basis.row_status), dtype=np.int64)
        return cols, keys, rows

    return read


def _set_start(h: highspy.Highs, start: tuple[Ints, Ints, Ints], keys: Ints) -> None:
    """Start from known statuses; rows without one (the joining limits) start with a basic slack."""
    cols, known_keys, known_rows = start
    rows = np.full(keys.size, BASIC, dtype=np.int64)
    if known_keys.size:
        order = np.argsort(known_keys)
        at = np.minimum(np.searchsorted(known_keys[order], keys), known_keys.size - 1)
        found = known_keys[order][at] == keys
        rows[found] = known_rows[order][at][found]
    if int((cols == BASIC).sum() + (rows == BASIC).sum()) != keys.size:
        return  # not a basis of this LP: solve from scratch
    basis = highspy.HighsBasis()
    basis.col_status = [_STATUS[v] for v in cols.tolist()]
    basis.row_status = [_STATUS[v] for v in rows.tolist()]
    h.setBasis(basis)


def highs() -> highspy.Highs:
    """A silent HiGHS instance. Its thread count is `HIGHS_THREADS` whatever the plan's: HiGHS's scheduler
    is process-wide and keeps the first count it is given, and a model run with another one comes back
    unsolved (status Not Set). The planner's own parallelism is its thread pools'; HiGHS's simplex runs
    serially on the caller's thread."""
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", HIGHS_THREADS)
    return h


def model(
    grid: Grid,
    cell_cost: Floats,
    need_kwh: Floats,
    pools: list[Ints],
    peak_cost: float,
    labels: Labels | None = None,
    shares: list[Share] | None = None,
    *,
    presolve: bool = True,
    links: tuple[Ints, Ints] | None = None,
) -> Model:
    """The planning LP on HiGHS, built but not run (see `solve`). A cell whose minimum rate exceeds its
    maximum (`Grid.min_kw`) can't charge at all: its upper bound is 0."""
    began = time.perf_counter()
    labels = labels if labels is not None else _labels(grid, len(pools))
    rows = _Rows(grid.steps)
    _energy_rows(grid, need_kwh, labels, rows)
    _group_rows(grid, labels, rows)
    _pool_rows(grid, pools, labels, rows)
    _share_rows(grid, need_kwh, shares or [], labels, rows)
    if links is not None:
        _link_rows(grid, links, labels, rows)
    cost = np.concatenate([grid.hours * (cell_cost - UNMET_PENALTY), np.full(len(pools), peak_cost)])
    pmax = grid.pmax_kw[grid.cell_session]
    blocked = floor_kw(grid) > pmax + 1e-12
    upper = np.concatenate([np.where(blocked, 0.0, pmax), np.full(len(pools), np.inf)])
    keys = np.concatenate(rows.keys) if rows.keys else np.zeros(0, dtype=np.int64)
    h = highs()
    if grid.cells < PRESOLVE_CELLS or not presolve:
        h.setOptionValue("presolve", "off")
    nnz = _pass_model(h, cost, (np.zeros(cost.size), upper), rows)
    return Model(h, cost, upper, keys, rows.count, nnz, time.perf_counter() - began)


def solve(
    grid: Grid,
    cell_cost: Floats,
    need_kwh: Floats,
    pools: list[Ints],
    peak_cost: float,
    labels: Labels | None = None,
    start: tuple[Ints, Ints, Ints] | None = None,
    shares: list[Share] | None = None,
    links: tuple[Ints, Ints] | None = None,
    *,
    min_rates: bool = True,
) -> Solved:
    """Power per cell (kW). `cell_cost` is per kWh and per cell, in [0, 1]; `start`: column statuses, row
    keys and row statuses of an earlier optimum to start the dual simplex from; `shares`: sessions that
    split their group's capacity evenly (each up to its maximum power); `links`: pairs of cells that take
    the same power (the shared first step of scenario copies). `min_rates`: the minimum rates kept inside
    (`with_min_rates`), or the LP's optimum as it is (a caller that may not keep it rounds it later)."""
    built = model(
        grid, cell_cost, need_kwh, pools, peak_cost, labels, shares, presolve=start is None,
        links=links,
    )  # fmt: skip
    h, began = built.highs, time.perf_counter()
    if start is not None:
        _set_start(h, start, built.keys)
    started = time.perf_counter()
    h.run()
    stats = SolveStats(
        status=h.modelStatusToString(h.getModelStatus()),
        variables=built.cost.size,
        constraints=built.rows,
        nonzeros=built.nonzeros,
        iterations=int(h.getInfo().simplex_iteration_count),
        build_s=built.build_s + started - began,
        solve_s=time.perf_counter() - started,
    )
    solved = Solved(_read(h, grid.cells, built.upper), stats, _basis_reader(h, built.keys), built)
    return with_min_rates(solved, grid, need_kwh, links) if min_rates else solved


def with_min_rates(
    solved: Solved, grid: Grid, need_kwh: Floats, links: tuple[Ints, Ints] | None = None
) -> Solved:
    """`solved` with its minimum rates (`Grid.min_kw`) kept inside the optimisation: a cell planned above 0
    but below its minimum is rounded (up to the minimum where the minima held at its step fit its groups'
    limits and its need, else to 0) and held there, and the LP is solved again around it (warm, with new
    bounds), until no cell is left below its minimum. The energy a rounding to 0 removes goes back to the
    next solve, which plans it wherever there is room instead of dropping it (`bench.planning minrates`,
    10-60 cars x 96 steps: all the LP's energy, where rounding alone lost 0.6-1.1 %); the held minima fit
    every limit and need, so each solve stays feasible. Not an exact MIP: one with semi-continuous cells
    took seconds for ten cars and hit a 10 s limit at thirty, too slow for a re-plan; this takes a few LPs
    (5-7 there; a session low in two rounds keeps to the steps it uses: `_rounding.Held`). Cells still low
    after `MAX_ROUNDINGS` are left to `apply_min_rates`. The kept `Model` gets its bounds back (column
    generation re-solves it with other costs; what it plans below a minimum is rounded after)."""
    built, x = solved.model, solved.x
    h, started, iterations = built.highs, time.perf_counter(), 0
    held = Held(grid, built.upper[: grid.cells])
    for _ in range(MAX_ROUNDINGS):
        if solved.stats.status != "Optimal":
            break
        cols = held.round(x, need_kwh, links=links)
        if not cols.size:
            break
        h.changeColsBounds(cols.size, cols.astype(np.int32), held.lower[cols], held.upper[cols])
        h.run()
        iterations += int(h.getInfo().simplex_iteration_count)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break  # held minima the solver could not meet (numerics): keep the last plan, rounded later
        x = np.maximum(_read(h, grid.cells, held.upper), held.lower)  # tolerance just below a held minimum
    if held.lower.any() or (held.upper < built.upper[: grid.cells]).any():
        cols = np.arange(grid.cells, dtype=np.int32)
        h.changeColsBounds(cols.size, cols, np.zeros(grid.cells), built.upper[: grid.cells])
    stats = replace(
        solved.stats,
        iterations=solved.stats.iterations + iterations,
        solve_s=solved.stats.solve_s + time.perf_counter() - started,
    )
    return replace(solved, x=x, stats=stats)


def _read(h: highspy.Highs, cells: int, upper: Floats) -> Floats:
    x = np.asarray(h.getSolution().col_value[:cells], dtype=np.float64)
    x[x < DUST_KW] = 0.0  # dropping dust only lowers loads, so limits still hold
    return np.minimum(x, upper[:cells])

"""Line-current limits of unbalanced three-phase networks, |Σ_i a_i·p_i| ≤ L per step, held by refined cuts.

A magnitude of a complex sum is a second-order cone, which an LP cannot hold directly. Each cut
Re(e^{-jφ}·Σ a_i·p_i) ≤ L' is a tangent of the disc of radius L' (an outer polygon, so a relaxation). The
first cuts of a (limit, step) that can bind lie at the angles of the limit's coefficients and of its
worst case (everybody at full power); after each solve, every (limit, step) whose current is above L gets
one more cut at the angle of that current, and HiGHS re-solves from its last basis (rows added to a solved
model keep it). Cuts lie at L' = L·(1 − `CUT_MARGIN`) but a limit counts as held at L: the loop ends after
finitely many rounds with every current ≤ L, and the plan delivers at least (1 − `CUT_MARGIN`) of the exact
cone optimum (the final polygon contains the disc of radius L', and scaling an optimal plan by L'/L fits it).

Should `MAX_ROUNDS` pass first, every step still over a limit is scaled down as a whole (all its sessions by
the same factor), which scales every current of that step alike: no limit is ever exceeded.

Minimum rates are rounded inside it as in `_lp.solve` (held at the minimum where the held minima fit every
limit and line current at the cuts' level, else at 0, and the cuts refined again around them).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from fera.planning import _lp
from fera.planning._grid import Floats, Grid, Ints, Lines
from fera.planning._rounding import Held
from fera.planning.model import Plan, PlanningProblem, SolveStats

CUT_MARGIN = 1e-3  # cuts at 99.9 % of the limit: a few rounds reach it, 0.1 % of the optimum at most is lost
MAX_ROUNDS = 60
_SAME_ANGLE = 1e-6  # rad: coefficient angles closer than this give one first cut


def cones(grid: Grid) -> Lines:
    """The grid's line currents (a network problem always has some)."""
    if grid.lines is None:
        raise ValueError("a network plan needs line-current limits (PlanningProblem.currents)")
    return grid.lines


@dataclass
class _Cuts:
    """Rows Re(e^{-jφ}·a_k)·x ≤ L' for (limit, step, angle) triples, built over the cells of each step."""

    grid: Grid
    cones: Lines
    by_step: Ints
    step_start: Ints
    added: int = 0

    @classmethod
    def of(cls, grid: Grid, cones: Lines) -> _Cuts:
        by_step = np.argsort(grid.cell_step, kind="stable")
        start = np.searchsorted(grid.cell_step[by_step], np.arange(grid.steps + 1)).astype(np.int64)
        return cls(grid, cones, by_step, start)

    def add(self, h: highspy.Highs, limit: Ints, step: Ints, angle: Floats) -> None:
        counts = self.step_start[step + 1] - self.step_start[step]
        row = np.repeat(np.arange(limit.size), counts)
        first = np.repeat(self.step_start[step] - np.cumsum(counts) + counts, counts)
        cells = self.by_step[first + np.arange(row.size)]
        a = self.cones.coef[limit[row], self.grid.cell_session[cells]]
        keep = a != 0
        row, cells = row[keep], cells[keep]
        vals = (a[keep] * np.exp(-1j * angle[row])).real
        starts = np.searchsorted(row, np.arange(limit.size)).astype(np.int32)
        upper = self.cones.limit_a[limit, step] * (1 - CUT_MARGIN)
        h.addRows(
            limit.size, np.full(limit.size, -np.inf), upper, vals.size, starts,
            cells.astype(np.int32), vals.astype(np.float64),
        )  # fmt: skip
        self.added += limit.size


def _first_cuts(grid: Grid, cones: Lines, seen: Floats | None) -> tuple[Ints, Ints, Floats]:
    """(limit, step, angle) of the first cuts where a limit can bind: at the limit's coefficient angles,
    at its worst case's (when they are several) and at the angle a previous plan's current had (`seen`)."""
    present = np.zeros((grid.start.size, grid.steps))
    present[grid.cell_session, grid.cell_step] = grid.pmax_kw[grid.cell_session]
    worst = cones.coef @ present
    reach = np.abs(cones.coef) @ present  # no current can be larger than this
    limits, steps, angles = [], [], []
    for k in range(cones.coef.shape[0]):
        binding = np.flatnonzero(reach[k] > cones.limit_a[k] * (1 - CUT_MARGIN))
        if binding.size == 0:
            continue
        own = np.angle(cones.coef[k][cones.coef[k] != 0])
        chosen = [np.full(binding.size, phi) for phi in np.unique(np.round(own / _SAME_ANGLE) * _SAME_ANGLE)]
        if len(chosen) > 1:  # one angle makes the limit linear: its first cut is exact
            chosen.append(np.angle(worst[k, binding]))
            if seen is not None:
                chosen.append(seen[k, binding])
        for phi in chosen:
            known = np.isfinite(phi)
            limits.append(np.full(int(known.sum()), k))
            steps.append(binding[known])
            angles.append(phi[known])
    if not limits:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(limits), np.concatenate(steps), np.concatenate(angles)


def carried(problem: PlanningProblem, previous: Plan | None, steps: int) -> Floats | None:
    """Angles (limit, step) of the line currents `previous` planned for the same steps; NaN where none."""
    if previous is None or not previous.line_currents or previous.step != problem.step:
        return None
    shift = (problem.now - previous.start) // problem.step
    out = np.full((len(problem.currents), steps), np.nan)
    for k, limit in enumerate(problem.currents):
        current = previous.line_currents.get(limit.id)
        if current is None or shift < 0:
            continue
        known = current[shift : shift + steps]
        out[k, : known.size] = np.where(np.abs(known) > 0, np.angle(known), np.nan)
    return out


def _scaled_to_fit(grid: Grid, cones: Lines, power: Floats) -> Floats:
    """The plan with every step still over a limit scaled down as a whole (currents scale alike)."""
    size = np.abs(cones.currents(power))
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(size > cones.limit_a, cones.limit_a / size, 1.0)
    factor = room.min(axis=0, initial=1.0)
    scaled: Floats = power * factor[None, :]
    return scaled


@dataclass
class _Refined:
    """The LP being refined: its cuts, the bounds of its cells (minimum rates held) and what it took."""

    h: highspy.Highs
    cuts: _Cuts
    held: Held
    rounds: int = 0
    iterations: int = 0

    def run(self) -> tuple[Floats, bool]:
        """Solve, adding cuts where a line current is above its limit, until every one holds (True) or
        `MAX_ROUNDS` pass (False); the power per (session, step)."""
        grid, lines = self.cuts.grid, self.cuts.cones
        power = np.zeros((grid.start.size, grid.steps))
        began = self.rounds
        while True:
            self.rounds += 1
            self.h.run()
            self.h.setOptionValue("presolve", "off")  # later rounds start from this basis
            self.iterations += int(self.h.getInfo().simplex_iteration_count)
            x = np.asarray(self.h.getSolution().col_value[: grid.cells], dtype=np.float64)
            x = np.minimum(np.where(x < _lp.DUST_KW, 0.0, x), self.held.upper)
            power[grid.cell_session, grid.cell_step] = np.maximum(x, self.held.lower)  # tolerance below a min
            current = lines.currents(power)
            limit, step = np.nonzero(np.abs(current) > lines.limit_a)
            if limit.size == 0:
                return power, True
            if self.rounds - began >= MAX_ROUNDS:
                return power, False
            self.cuts.add(self.h, limit, step, np.angle(current[limit, step]))

    def round_minima(self, power: Floats) -> bool:
        """Holds every cell planned below its minimum at it (where the held minima fit every limit at the
        cuts' level, so the LP stays feasible) or at 0; False when none was low."""
        grid, held = self.cuts.grid, self.held
        cols = held.round(power[grid.cell_session, grid.cell_step], grid.energy_kwh, 1 - CUT_MARGIN)
        if cols.size:
            self.h.changeColsBounds(cols.size, cols.astype(np.int32), held.lower[cols], held.upper[cols])
        return bool(cols.size)


def solve(
    grid: Grid, cones: Lines, cost: Floats, pools: list[Ints], shares: list[_lp.Share],
    seen: Floats | None = None,
) -> tuple[Floats, SolveStats]:  # fmt: skip
    """Power per cell (kW) of the planning LP with the cone limits refined by cuts (see the module);
    `seen`: angles of an earlier plan's currents (`carried`), where the first cuts most likely belong.

    Minimum rates are kept inside it as in `_lp.solve`: a cell planned below its minimum is held at it
    where the minima held fit every group and line current (`_rounding`), else at 0, and the cuts are
    refined again around what is held, `_lp.MAX_ROUNDINGS` times at most."""
    built = _lp.model(grid, cost, grid.energy_kwh, pools, grid.hours, shares=shares)
    h, began = built.highs, time.perf_counter()
    cuts = _Cuts.of(grid, cones)
    first = _first_cuts(grid, cones, seen)
    if first[0].size:
        cuts.add(h, *first)
    build_s = built.build_s + time.perf_counter() - began
    refined = _Refined(h, cuts, Held(grid, built.upper[: grid.cells]))
    solve_began = time.perf_counter()
    power, held = refined.run()
    for _ in range(_lp.MAX_ROUNDINGS):
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or not refined.round_minima(power):
            break
        power, held = refined.run()
    if not held:
        power = _scaled_to_fit(grid, cones, power)  # below a minimum now: `apply_min_rates` drops it
    stats = SolveStats(
        status=h.modelStatusToString(h.getModelStatus()),
        variables=built.cost.size,
        constraints=built.rows + cuts.added,
        nonzeros=built.nonzeros,
        iterations=refined.iterations,
        build_s=build_s,
        solve_s=time.perf_counter() - solve_began,
        rounds=refined.rounds,
    )
    return power[grid.cell_session, grid.cell_step], stats

"""`plan(problem)`: the SCSP's charging plan for every session, from one LP solved with HiGHS.

Objective per kWh, on top of the unmet-energy penalty (see `_lp`): CHEAP pays the price and GREEN the CO₂,
both rescaled to [0, 1] over the horizon; FAST pays its delay relative to its own departure, (k + 1) / d
for step k of a session whose window ends at step d, so a car leaving soon is served first; REGULAR adds
the peak of all REGULAR sessions in the same innermost group, so their load is flattened. Sessions whose need
is a guess (`Session.estimated`) split their innermost limited group's capacity evenly, each up to its
maximum power (`_lp` share rows): with needs nobody stated, every car is a tie, and an LP breaks ties at a
vertex, one car at full power and the others at 0. Every session
also pays `EARLINESS` times that relative delay: among equal plans the earliest, most urgent one wins, which
keeps capacity free for cars that have not arrived yet (on the ACN replay this lifts the online result from
99.6 % to 99.97 % of the offline bound at 20 kW).

Parts of the problem that share no limit are solved as separate LPs (`_components`): the optimum is the same
and 10,000 sessions on 1,000 sites take seconds instead of minutes. A feeder or transformer limit that binds
over many sites (`_pricing.COLUMNS_CELLS`) is priced over them by column generation (`_columns`: exact within
a proven `_columns.GAP`) instead of making one LP of everything; over few sites it joins them into one LP.

Foresight comes two ways: `expected` fluid cars that hold room (price-free, `EXPECTED_WEIGHT`), or
`scenarios`, a scenario MPC (`_scenarios`: one copy of the present cars per possible future, the first
step shared) in which a scenario's cars pay their price and weigh `SCENARIO_WEIGHT`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from fera.planning import _columns, _components, _lp, _network, _pricing, _scenarios
from fera.planning._grid import Floats, Grid, Ints, build_grid, resolve
from fera.planning.model import Plan, PlanningProblem, ProfileType, SolveStats
from fera.planning.profile import guesses_at_min_rates

__all__ = ["EARLINESS", "EXPECTED_WEIGHT", "GUESS_WEIGHT", "SCENARIO_WEIGHT", "plan"]

EARLINESS = 1e-2  # per kWh at the departure: a tie-break below any price difference that matters
EXPECTED_WEIGHT = 0.5  # unmet energy of a car not yet arrived counts half: present cars win a true conflict
# A guess's kWh (`Session.estimated`: "all it takes until it leaves") counts 0.9 of a stated need's: a stated
# need wins a true conflict, as at the CPO. Equal, a site bound by a new guess taken at its EVSE's maximum
# left a stated car with two hours to spare at 0 until it left with half its need (its FAST cost, steeper
# for a sooner departure, broke the tie against it).
GUESS_WEIGHT = 0.9
SCENARIO_WEIGHT = 0.05  # a scenario car's kWh is worth 5x the horizon's price spread (a present car's: 100x)
BATCH_CELLS = 2_000  # small independent parts share one LP up to this many cells (HiGHS has ~1 ms overhead)
_T = TypeVar("_T")
_R = TypeVar("_R")
_CODES = {ProfileType.CHEAP: 0, ProfileType.FAST: 1, ProfileType.GREEN: 2, ProfileType.REGULAR: 3}


def _rescaled(values: Floats) -> Floats:
    spread = float(values.max(initial=0.0) - values.min(initial=0.0))
    return (values - values.min(initial=0.0)) / spread if spread > 0 else np.zeros_like(values)


def cell_costs(problem: PlanningProblem, grid: Grid) -> Floats:
    """Cost per kWh of each cell by its session's profile type."""
    steps = grid.cell_step
    urgency = (steps + 1) / grid.end[grid.cell_session]
    code = np.array([_CODES[s.profile_type] for s in problem.sessions], dtype=np.int64)[grid.cell_session]
    by_type = np.stack(
        [
            _rescaled(resolve(problem.price, grid.steps))[steps],
            urgency,
            _rescaled(resolve(problem.co2, grid.steps))[steps],
            np.zeros(steps.size),
        ]
    )
    chosen: Floats = np.take_along_axis(by_type, code[None, :], axis=0)[0]
    return chosen + EARLINESS * urgency


def _smoothing_pools(problem: PlanningProblem, grid: Grid, known: int | None = None) -> list[Ints]:
    """REGULAR sessions per innermost group (one extra pool for those in no group); expected cars in none.

    Innermost keeps each pool's rows short: one pool across a whole transformer made large plans 7x slower.
    """
    regular = {i for i, s in enumerate(problem.sessions[:known]) if s.profile_type is ProfileType.REGULAR}
    pools: list[Ints] = []
    for group in sorted(grid.groups, key=lambda g: g.members.size):
        members = sorted(regular.intersection(group.members.tolist()))
        regular.difference_update(members)
        pools.append(np.array(members, dtype=np.int64))
    pools.append(np.array(sorted(regular), dtype=np.int64))
    return [p for p in pools if grid.cells_of(p).size > 0]


def _shares(problem: PlanningProblem, grid: Grid) -> list[_lp.Share]:
    """Estimated-need sessions per innermost group with a limit (a group without one never binds)."""
    guessed = {i for i, s in enumerate(problem.sessions) if s.estimated}
    out: list[_lp.Share] = []
    for group in sorted(grid.groups, key=lambda g: g.members.size):
        phases = None if group.phase_cap_kw is None else group.phase_cap_kw.sum(axis=0)  # L1 + L2 + L3
        caps = [c for c in (group.cap_kw, phases) if c is not None]
        if not caps:
            continue
        members = sorted(guessed.intersection(group.members.tolist()))
        guessed.difference_update(members)
        if len(members) > 1:
            out.append(_lp.Share(np.array(members, dtype=np.int64), np.minimum.reduce(caps)))
    return out


def _merge(
    stats: list[SolveStats], build_s: float, parts: int, rounds: int, priced: _columns.Priced | None = None
) -> SolveStats:
    bad = [s.status for s in stats if s.status != "Optimal"]
    return SolveStats(
        status=bad[0] if bad else "Optimal",
        variables=sum(s.variables for s in stats),
        constraints=sum(s.constraints for s in stats),
        nonzeros=sum(s.nonzeros for s in stats),
        iterations=sum(s.iterations for s in stats),
        build_s=build_s + sum(s.build_s for s in stats),
        solve_s=sum(s.solve_s for s in stats) + (0.0 if priced is None else priced.solve_s),
        parts=parts,
        rounds=rounds,
        priced=0 if priced is None else priced.rounds,
        gap=0.0 if priced is None else priced.gap,
    )


class _Bases:
    """Optimal bases of solved parts, read only when a later round joins them (reading costs ~1 µs/column)."""

    def __init__(self, columns: int) -> None:
        self.col_status = np.full(columns, -1, dtype=np.int64)
        self.keys: list[Ints] = []
        self.rows: list[Ints] = []
        self.pending: list[tuple[Ints, _lp.Solved]] = []

    def read(self, needed: Ints) -> None:
        wanted = np.zeros(self.col_status.size, dtype=bool)
        wanted[needed] = True
        still = []
        for cols, solved in self.pending:
            if wanted[cols].any():
                col_status, keys, rows = solved.basis()
                self.col_status[cols] = col_status
                self.keys.append(keys)
                self.rows.append(rows)
            else:
                still.append((cols, solved))
        self.pending = still

    def start(self, cols: Ints) -> tuple[Ints, Ints, Ints] | None:
        status = self.col_status[cols]
        if (status < 0).any() or not self.keys:
            return None
        return status, np.concatenate(self.keys), np.concatenate(self.rows)


@dataclass(frozen=True)
class _Part:
    """One batch of parts, solved: its columns in the master's numbering, its cells, its own grid."""

    cols: Ints
    cells: Ints
    grid: Grid
    solved: _lp.Solved

    def with_min_rates(self) -> _Part:
        return replace(self, solved=_lp.with_min_rates(self.solved, self.grid, self.grid.energy_kwh))


def _solve_parts(
    grid: Grid, cost: Floats, pools: list[Ints], shares: list[_lp.Share], parents: set[int], threads: int,
    pricing: Callable[[_columns.Runner], _pricing.Pricing],
) -> tuple[Floats, SolveStats, _pricing.Pricing]:  # fmt: skip
    """Power per cell (kW), solving independent parts on a pool of `threads` threads (see `_components`);
    a parent limit that binds over many cells is priced (`_columns`) rather than joining its parts.

    The parts' minimum rates are rounded (`_lp.with_min_rates`) once it is known that their plans are kept:
    a priced plan is the master's, from the sites' models with their original bounds, and its minimum rates
    are rounded after it (`apply_min_rates`), so rounding its first round's was lost work (10,000 sessions
    on one binding feeder with 6 A minima: most of the plan's time)."""
    began = time.perf_counter()
    linked = [*pools, *(s.members for s in shares)]  # a share's members stay in one LP, like a pool's
    relaxed = _components.relaxable(grid, linked, parents)
    pool_of = np.full(grid.start.size, -1, dtype=np.int64)
    for k, p in enumerate(pools):
        pool_of[p] = k
    lengths = np.diff(grid.offsets)
    x = np.zeros(grid.cells)
    power = np.zeros((grid.start.size, grid.steps))
    bases = _Bases(grid.cells + len(pools))
    done: set[bytes] = set()
    stats: list[SolveStats] = []
    setup_s, rounds, count = 0.0, 0, 0

    def columns(sessions: Ints) -> tuple[Ints, Ints]:
        pool_ids = np.array([k for k in np.unique(pool_of[sessions]).tolist() if k >= 0], dtype=np.int64)
        return np.concatenate([grid.cells_of(sessions), grid.cells + pool_ids]), pool_ids

    def solve(sessions: Ints) -> _Part:
        sub, cells, group_ids = _components.restrict(grid, sessions, relaxed)
        cols, pool_ids = columns(sessions)
        local = np.full(grid.start.size, -1, dtype=np.int64)
        local[sessions] = np.arange(sessions.size)
        inner = [local[pools[k]] for k in pool_ids.tolist()]
        shared = [_lp.Share(local[s.members], s.cap_kw) for s in shares if local[s.members[0]] >= 0]
        labels = _lp.Labels(sessions, group_ids, pool_ids)
        start = bases.start(cols) if rounds > 1 else None
        solved = _lp.solve(
            sub, cost[cells], sub.energy_kwh, inner, grid.hours, labels, start, shared, min_rates=False
        )
        return _Part(cols, cells, sub, solved)

    def placed(parts: list[_Part]) -> set[int]:
        """The relaxed parents the plan breaks once `parts` are in it."""
        for part in parts:
            x[part.cells] = part.solved.x
        power[grid.cell_session, grid.cell_step] = x
        return _components.broken(grid, power, relaxed, _lp.CAPACITY_MARGIN_KW / 2)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as executor:
        priced = pricing(lambda f, blocks: list(executor.map(f, blocks)))
        while True:
            rounds += 1
            found = [p for p in _components.parts(grid, linked, relaxed) if p.tobytes() not in done]
            done.update(p.tobytes() for p in found)
            count += len(found)
            todo = _components.batches(found, lengths, BATCH_CELLS)
            if not todo:
                break  # no part changed since the last round: nothing new to solve
            if rounds > 1:
                bases.read(np.concatenate([columns(t)[0] for t in todo]))
            setup_s += time.perf_counter() - began
            results = _each(executor, solve, todo)
            to_price = False
            if rounds == 1:  # only a first round is priced: later ones join, on the rounded plans
                broken = placed(results)
                to_price = bool(broken) and priced.worth(broken)
            if not to_price:
                results = _each(executor, _Part.with_min_rates, results)
                broken = placed(results)
                to_price = bool(broken) and rounds == 1 and priced.worth(broken)
            began = time.perf_counter()
            if to_price:
                priced.first_round(found, [_columns.Block(p.cells, p.solved.model) for p in results], x)
                broken = priced.enforce(broken, relaxed, x, power, _lp.CAPACITY_MARGIN_KW / 2)
                if priced.result is None:  # not priced after all: the first round's plans are kept
                    results = _each(executor, _Part.with_min_rates, results)
                    placed(results)
            for part in results:
                stats.append(part.solved.stats)
                if relaxed:
                    bases.pending.append((part.cols, part.solved))
            if not broken:
                break
            relaxed -= broken
    setup_s += time.perf_counter() - began
    if priced.result is not None:  # its time is solve time (summed in `_merge`), not set-up
        setup_s -= priced.result.solve_s
    return x, _merge(stats, setup_s, count, rounds, priced.result), priced


def _each(executor: ThreadPoolExecutor, f: Callable[[_T], _R], items: list[_T]) -> list[_R]:
    """`f` over `items`, on the pool's threads when there are several."""
    return list(executor.map(f, items)) if len(items) > 1 else [f(item) for item in items]


def _plan_scenarios(problem: PlanningProblem, steps: int) -> Plan:
    """Scenario MPC (`_scenarios`): one LP over every scenario's copy; the plan is the copies' mean."""
    known = len(problem.sessions)
    combined = _scenarios.combine(problem)
    whole = combined.problem
    grid = build_grid(whole)
    power_kw = np.zeros((len(whole.sessions), grid.steps))
    if grid.cells == 0:
        stats = SolveStats("Empty", 0, 0, 0, 0, 0.0, 0.0, 0, 0)
    else:
        cost = cell_costs(whole, grid)
        # A scenario's car pays its price like any car, but is worth less: it is one possible future.
        weight = SCENARIO_WEIGHT if problem.scenario_weight is None else problem.scenario_weight
        cost[np.isin(grid.cell_session, combined.future)] += (1 - weight) * _lp.UNMET_PENALTY
        links = _scenarios.first_step_links(grid, combined.present)
        pools, shares = _smoothing_pools(whole, grid), _shares(whole, grid)
        solved = _lp.solve(grid, cost, grid.energy_kwh, pools, grid.hours, shares=shares, links=links)
        power_kw[grid.cell_session, grid.cell_step] = solved.x
        stats = solved.stats
    # The mean of plans that each keep every limit with their own arrivals keeps it with none of them.
    mean_kw = power_kw[combined.present].mean(axis=0)[:, : max(steps, 0)]
    delivered = mean_kw.sum(axis=1) * grid.hours
    energy = np.array([s.energy_kwh for s in problem.sessions], dtype=np.float64)
    return Plan(
        start=problem.now,
        step=problem.step,
        session_ids=tuple(s.id for s in problem.sessions[:known]),
        power_w=mean_kw * 1e3,
        unmet_kwh=np.maximum(energy - delivered, 0.0),
        stats=stats,
    )


def plan(
    problem: PlanningProblem, *, threads: int = 2, decompose: bool = True, previous: Plan | None = None
) -> Plan:
    """Plan every session of `problem`; an overloaded site gets its best plan, with unmet energy reported.

    Never exceeds a session's maximum power or any group's capacity (total and per phase). Sessions
    departing before `now + step` get nothing. Independent parts (sessions not linked by a shared limit)
    are solved as separate LPs on up to `threads` threads, which gives the same optimum as one LP
    (`decompose=False`) in a fraction of the time (HiGHS's own thread count is fixed: `_lp.highs`).
    Sessions in `problem.expected` hold capacity (their unmet energy weighs `EXPECTED_WEIGHT`) but get no
    row in the plan.
    A parent limit binding over many sites is priced (`_columns`, exact within `_columns.GAP`); `previous`,
    the last plan of the same place, gives each site its first share of that limit (`_allot`).
    `problem.scenarios` make it a scenario MPC (`_plan_scenarios`), solved as one LP.
    Line-current limits (`problem.currents`) are held by cuts refined until every one holds (`_network`),
    in one LP; `previous` starts them at the angles of its `line_currents`.
    Every power is 0 or at least its session's minimum rate: a stated need's inside the LP (`_lp.solve`), a
    guess's (`Session.estimated`) afterwards, by `guesses_at_min_rates` (its even split and turns); only a
    need smaller than one step at the minimum is left below it, to `apply_min_rates`, and the powers of a
    priced plan (the master's mix of the sites' plans knows no minimum rate: `apply_min_rates` after it).
    """
    return guesses_at_min_rates(problem, _plan(problem, threads, decompose, previous))


def _plan(problem: PlanningProblem, threads: int, decompose: bool, previous: Plan | None) -> Plan:
    known = len(problem.sessions)
    # The plan covers the problem's own horizon: expected cars may stay later, but the profiles, minimum
    # rates and flexibility built from `problem` afterwards know only its sessions.
    steps = problem.horizon_steps
    if steps is None:
        steps = max(((s.departure - problem.now) // problem.step for s in problem.sessions), default=0)
    if problem.scenarios:
        return _plan_scenarios(problem, steps)
    if problem.expected:
        problem = replace(problem, sessions=[*problem.sessions, *problem.expected], expected=())
    grid = build_grid(problem)
    power_kw = np.zeros((len(problem.sessions), grid.steps))
    if grid.cells == 0:
        stats = SolveStats("Empty", 0, 0, 0, 0, 0.0, 0.0, 0, 0)
    shadow_prices: dict[tuple[str, str], Floats] = {}
    line_currents: dict[str, NDArray[np.complex128]] = {}
    if grid.cells:
        cost = cell_costs(problem, grid)
        # Expected cars pay no price: they only hold what later arrivals will need, so a present car keeps
        # a cheap slot unless giving it away is the only way a later car can still be served.
        cost[grid.cell_session >= known] = (1 - EXPECTED_WEIGHT) * _lp.UNMET_PENALTY
        # A guess's kWh weighs GUESS_WEIGHT of a stated need's.
        guessed = np.array(
            [s.estimated for s in problem.sessions[:known]] + [False] * (grid.pmax_kw.size - known)
        )
        cost[guessed[grid.cell_session]] += (1 - GUESS_WEIGHT) * _lp.UNMET_PENALTY
        pools, shares = _smoothing_pools(problem, grid, known), _shares(problem, grid)
        if problem.currents:  # a network's line currents couple its sessions: one LP, cuts refined
            cones = _network.cones(grid)
            seen = _network.carried(problem, previous, grid.steps)
            x, stats = _network.solve(grid, cones, cost, pools, shares, seen)
            power_kw[grid.cell_session, grid.cell_step] = x
            line_currents = dict(zip((c.id for c in problem.currents), cones.currents(power_kw), strict=True))
        elif decompose:
            named = {g.parent for g in problem.groups}
            parents = {k for k, g in enumerate(problem.groups) if g.id in named}
            lp_cost = grid.hours * (cost - _lp.UNMET_PENALTY)
            power = _pricing.carried_power(problem, previous, grid)
            x, stats, priced = _solve_parts(
                grid, cost, pools, shares, parents, threads,
                lambda run: _pricing.Pricing(grid, lp_cost, pools, run, threads, power),
            )  # fmt: skip
            shadow_prices = priced.shadow_prices(max(steps, 0))
        else:
            solved = _lp.solve(grid, cost, grid.energy_kwh, pools, grid.hours, shares=shares)
            x, stats = solved.x, solved.stats
        power_kw[grid.cell_session, grid.cell_step] = x
    power_kw = power_kw[:known, : max(steps, 0)]
    delivered = power_kw.sum(axis=1) * grid.hours
    return Plan(
        start=problem.now,
        step=problem.step,
        session_ids=tuple(s.id for s in problem.sessions[:known]),
        power_w=power_kw * 1e3,
        unmet_kwh=np.maximum(grid.energy_kwh[:known] - delivered, 0.0),
        stats=stats,
        shadow_prices=shadow_prices,
        line_currents={k: v[: max(steps, 0)] for k, v in line_currents.items()},
    )

"""Scale: one plan over N sessions x 96 quarter-hours, sites of 10 EVSEs behind 3x63 A fuses, feeders of
10 sites and one transformer; time and peak memory of `plan()`.

Four scenarios: `sites`, where feeders and transformer (30 kW per site) never bind, so the plan splits into
one LP per site; `shared`, where the transformer over all sites is cut to 12 kW per site and binds at the
evening peak: `plan()` prices it over the sites (column generation, `fera.planning._columns`); `hard` (8 kW
per site), where it binds at most steps and costs energy, and `between` (10 kW). For every scenario but
`sites` the bench also times a warm re-plan (`previous=` the plan just made) and solves the single LP
(`decompose=False`, dual simplex: minutes at 10,000 sessions) to check the priced optimum against it.
A second table plans `hard` with a 6 A minimum rate on every session (1.38 kW single-phase, 4.14 kW
three-phase), then `apply_min_rates` as the SCSP loop does: a priced plan's minimum rates are rounded after
it (the master's mix knows none), so the table shows what that costs in time and energy.
"""

from __future__ import annotations

import os
import resource
import sys
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np

from fera.planning import (
    THREE_PHASE,
    GridGroup,
    Phase,
    Plan,
    PlanningProblem,
    ProfileType,
    Session,
    apply_min_rates,
    phase_watts,
    plan,
)
from fera.planning._grid import build_grid
from fera.planning._lp import UNMET_PENALTY
from fera.planning.planner import _smoothing_pools, cell_costs

NOW = datetime(2024, 3, 4, tzinfo=UTC)
STEP = timedelta(minutes=15)
STEPS = 96
EVSES_PER_SITE = 10  # 10 x 11 kW behind 3x63 A (43 kW): 2.5x oversubscribed


def synthetic(count: int, seed: int = 1, transformer_kw_per_site: float = 30.0) -> PlanningProblem:
    rng = np.random.default_rng(seed)
    sites = max(1, count // EVSES_PER_SITE)
    feeders = max(1, sites // 10)
    groups = [GridGroup("transformer", capacity_w=sites * transformer_kw_per_site * 1e3)]
    groups += [GridGroup(f"f{f}", capacity_w=10 * 30_000.0, parent="transformer") for f in range(feeders)]
    groups += [
        GridGroup(f"s{s}", phase_capacity_w=phase_watts(63), parent=f"f{s % feeders}") for s in range(sites)
    ]
    arrival = rng.integers(0, 80, count)
    stay = rng.integers(4, 60, count)
    single = rng.random(count) < 0.3
    types = list(ProfileType)
    sessions = [
        Session(
            id=f"x{i}",
            arrival=NOW + int(arrival[i]) * STEP,
            departure=NOW + int(min(arrival[i] + stay[i], STEPS)) * STEP,
            energy_kwh=float(rng.uniform(5, 40)),
            max_power_w=7_400.0 if single[i] else 11_000.0,
            profile_type=types[int(rng.integers(0, 4))],
            phases=(list(Phase)[int(rng.integers(0, 3))],) if single[i] else THREE_PHASE,
            group_id=f"s{i % sites}",
        )
        for i in range(count)
    ]
    price = 0.2 + 0.1 * np.sin(np.arange(STEPS) / STEPS * 2 * np.pi) + rng.normal(0, 0.01, STEPS)
    return PlanningProblem(NOW, STEP, sessions, groups, price=price.tolist(), co2=300.0, horizon_steps=STEPS)


# transformer kW per site: never binding / binding at the evening peak / binding at most steps, where it
# costs energy (8 kW; 10 kW in between)
SCENARIOS = {"sites": 30.0, "shared": 12.0, "between": 10.0, "hard": 8.0}
MIN_AMPS_W = 6 * 230.0  # a 6 A minimum per phase (IEC 61851's lowest charging current)


def objective(problem: PlanningProblem, result: Plan) -> float:
    """The planner's objective, recomputed from a plan's schedules."""
    grid = build_grid(problem)
    x = result.power_w[grid.cell_session, grid.cell_step] / 1e3
    value = float((grid.hours * (cell_costs(problem, grid) - UNMET_PENALTY) * x).sum())
    for pool in _smoothing_pools(problem, grid):
        value += grid.hours * float((result.power_w[pool] / 1e3).sum(axis=0).max())
    return value


def _check(problem: PlanningProblem, result: Plan) -> str:
    """Warm re-plan time and the gap to the single LP's optimum (every scenario with a binding limit)."""
    began, cpu = time.perf_counter(), time.process_time()
    again = plan(problem, previous=result)
    warm, warm_cpu = time.perf_counter() - began, time.process_time() - cpu
    began = time.perf_counter()
    whole = plan(problem, decompose=False)
    single = time.perf_counter() - began
    gap = (objective(problem, result) - objective(problem, whole)) / abs(objective(problem, whole))
    return (
        f"{warm:.2f} / {warm_cpu:.2f} ({again.stats.priced}) | {single:.1f} | {100 * gap:+.5f} | "
        f"{result.unmet_kwh.sum() - whole.unmet_kwh.sum():+.2f} |"
    )


def run(quick: bool, sizes: tuple[int, ...] | None = None) -> list[str]:
    """The table; `sizes` (sessions) replaces the default ones (1,000, 5,000 and, unless quick, 10,000)."""
    lines = [
        "| scenario | sessions x steps | load | LPs | rounds | master LPs | proven gap | variables |"
        " constraints | build s | solve s (sum) | plan() s | plan() CPU s | tracemalloc peak MB |"
        " max RSS MB | unmet % | warm re-plan s / CPU s (master LPs) | single LP s |"
        " objective vs single LP % | unmet kWh vs single LP |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scenario, per_site in SCENARIOS.items():
        for count in sizes or ((1_000, 5_000) if quick else (1_000, 5_000, 10_000)):
            problem = synthetic(count, transformer_kw_per_site=per_site)
            load = os.getloadavg()[0]
            began, cpu = time.perf_counter(), time.process_time()  # CPU: every thread's, HiGHS's too
            result = plan(problem)
            elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
            tracemalloc.start()  # a second, traced run: tracing slows numpy-heavy code several-fold
            plan(problem)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            s = result.stats
            unmet = 100 * result.unmet_kwh.sum() / sum(x.energy_kwh for x in problem.sessions)
            checked = "— | — | — | — |" if scenario == "sites" else _check(problem, result)
            lines.append(
                f"| {scenario} | {count:,} x {STEPS} | {load:.1f} | {s.parts:,} | {s.rounds} | {s.priced} | "
                f"{s.gap:.1e} | {s.variables:,} | {s.constraints:,} | {s.build_s:.2f} | {s.solve_s:.2f} | "
                f"{elapsed:.2f} | {cpu:.2f} | "
                f"{peak:.0f} | {rss:.0f} | {unmet:.1f} | {checked}"
            )
            print(
                f"  scale {scenario}: {count} sessions in {elapsed:.2f} s ({s.status})",
                file=sys.stderr,
                flush=True,
            )
    return [*lines, "", *run_minima(quick, sizes)]


def with_minima(problem: PlanningProblem) -> PlanningProblem:
    sessions = [replace(s, min_rate_w=MIN_AMPS_W * len(s.phases)) for s in problem.sessions]
    return replace(problem, sessions=sessions)


def run_minima(quick: bool, sizes: tuple[int, ...] | None = None) -> list[str]:
    """`hard` with minimum rates: the plan, then `apply_min_rates` on it. Energy counts each session's at
    most its need: a power raised to the minimum beyond it is a limit the car stops under when full, while
    a power dropped is energy a car needed."""
    lines = [
        "| scenario | sessions x steps | load | master LPs | plan() s | plan() CPU s |"
        " powers below their minimum | apply_min_rates s | kWh planned | kWh after apply_min_rates |"
        " lost % | unmet % after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for count in sizes or ((1_000, 5_000) if quick else (1_000, 5_000, 10_000)):
        problem = with_minima(synthetic(count, transformer_kw_per_site=SCENARIOS["hard"]))
        load = os.getloadavg()[0]
        began, cpu = time.perf_counter(), time.process_time()
        result = plan(problem)
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu
        minimum = np.array([s.min_rate_w for s in problem.sessions])[:, None]
        low = int(((result.power_w > 1e-3) & (result.power_w < minimum - 1e-3)).sum())
        began = time.perf_counter()
        kept = apply_min_rates(problem, result)
        rounding = time.perf_counter() - began
        need = np.array([s.energy_kwh for s in problem.sessions])
        planned, after = _needed_kwh(result, need), _needed_kwh(kept, need)
        lost, unmet = 100 * (planned - after) / planned, 100 * (1 - after / need.sum())
        lines.append(
            f"| hard, 6 A minima | {count:,} x {STEPS} | {load:.1f} | {result.stats.priced} | {elapsed:.2f} |"
            f" {cpu:.2f} | {low:,} | {rounding:.2f} | {planned:,.1f} | {after:,.1f} | {lost:.2f} |"
            f" {unmet:.1f} |"
        )
        print(f"  scale hard with minima: {count} sessions in {elapsed:.2f} s", file=sys.stderr, flush=True)
    return lines


def _needed_kwh(result: Plan, need: np.ndarray) -> float:
    """The plan's energy, each session's at most its need."""
    delivered = result.power_w.sum(axis=1) * STEP.total_seconds() / 3.6e6
    return float(np.minimum(delivered, need).sum())

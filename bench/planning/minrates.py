"""Minimum rates inside the planner vs rounding after it: energy kept and time, on one oversubscribed site.

Cars (11 kW, 6 A minimum = 4.14 kW, CHEAP, stated needs) arrive over 10 hours on a 3-phase site whose
limit is 2.5x oversubscribed, under a wavy price. "rounded after" is the LP without minimum rates followed by
`apply_min_rates` (the greedy pass the planner had); "inside" is `plan()` as it is (rounding and re-solving).
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np

from fera.planning import GridGroup, PlanningProblem, ProfileType, Session, apply_min_rates, phase_watts, plan

NOW = datetime(2024, 3, 5, tzinfo=UTC)
STEP = timedelta(minutes=15)


def _problem(cars: int, seed: int = 1) -> PlanningProblem:
    rng = np.random.default_rng(seed)
    sessions = []
    for i in range(cars):
        arrival = int(rng.integers(0, 40))
        stay = int(rng.integers(8, 56))
        sessions.append(
            Session(
                f"c{i}", NOW + arrival * STEP, NOW + (arrival + stay) * STEP, float(rng.uniform(5, 40)),
                11_000, min_rate_w=4_140, profile_type=ProfileType.CHEAP, group_id="site",
            )
        )  # fmt: skip
    price = (0.2 + 0.1 * np.sin(np.arange(96) / 8)).tolist()
    site = GridGroup("site", phase_capacity_w=phase_watts(63) * cars / 20)
    return PlanningProblem(NOW, STEP, sessions, [site], price=price)


def _kwh(problem: PlanningProblem, power_w: np.ndarray) -> float:
    need = np.array([s.energy_kwh for s in problem.sessions])
    return float(np.minimum(power_w.sum(axis=1) * problem.step_hours / 1e3, need).sum())


def run(quick: bool) -> list[str]:
    lines = [
        "| cars x steps | requested kWh | LP without minimum kWh | rounded after kWh | inside kWh | LP ms"
        " | inside ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for cars in (10, 30) if quick else (10, 30, 60):
        problem = _problem(cars)
        free = replace(problem, sessions=[replace(s, min_rate_w=0.0) for s in problem.sessions])
        began = time.perf_counter()
        lp = plan(free)
        lp_ms = 1e3 * (time.perf_counter() - began)
        rounded = apply_min_rates(problem, lp)
        began = time.perf_counter()
        inside = apply_min_rates(problem, plan(problem))
        inside_ms = 1e3 * (time.perf_counter() - began)
        requested = sum(s.energy_kwh for s in problem.sessions)
        lines.append(
            f"| {cars} x 96 | {requested:.1f} | {_kwh(problem, lp.power_w):.1f} | "
            f"{_kwh(problem, rounded.power_w):.1f} | {_kwh(problem, inside.power_w):.1f} | {lp_ms:.0f} | "
            f"{inside_ms:.0f} |"
        )
    return lines

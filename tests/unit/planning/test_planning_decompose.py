"""plan() solves independent parts (sites not linked by a binding limit) apart: same optimum as one LP."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from fera.planning import THREE_PHASE, GridGroup, Phase, Plan, PlanningProblem, ProfileType, Session, plan
from fera.planning._grid import build_grid
from fera.planning._lp import UNMET_PENALTY
from fera.planning.planner import _smoothing_pools, cell_costs
from tests.unit.planning.factory import NOW, STEP


def _problem(seed: int, feeder_kw: float) -> PlanningProblem:
    rng = np.random.default_rng(seed)
    sites = 6
    groups = [GridGroup("feeder", capacity_w=feeder_kw * 1e3)]
    groups += [GridGroup(f"s{k}", phase_capacity_w=32 * 230.0, parent="feeder") for k in range(sites)]
    sessions = []
    for i in range(40):
        arrival = int(rng.integers(-2, 30))
        single = bool(rng.random() < 0.3)
        sessions.append(
            Session(
                id=f"c{i}",
                arrival=NOW + arrival * STEP,
                departure=NOW + int(arrival + rng.integers(4, 40)) * STEP,
                energy_kwh=float(rng.uniform(2, 40)),
                max_power_w=7_400.0 if single else 11_000.0,
                profile_type=list(ProfileType)[int(rng.integers(0, 4))],
                phases=(list(Phase)[int(rng.integers(0, 3))],) if single else THREE_PHASE,
                group_id=None if i % 10 == 9 else f"s{i % sites}",  # a few cars in no group
            )
        )
    price = (0.2 + 0.1 * np.sin(np.arange(64) / 9) + rng.normal(0, 0.01, 64)).tolist()
    return PlanningProblem(NOW, STEP, sessions, groups, price=price, co2=rng.uniform(100, 400, 64).tolist())


def _objective(problem: PlanningProblem, result: Plan) -> float:
    """The planner's objective, recomputed from a plan."""
    grid = build_grid(problem)
    x = result.power_w[grid.cell_session, grid.cell_step] / 1e3
    value = float((grid.hours * (cell_costs(problem, grid) - UNMET_PENALTY) * x).sum())
    for pool in _smoothing_pools(problem, grid):
        value += grid.hours * float((result.power_w[pool] / 1e3).sum(axis=0).max())
    return value


def _check_limits(problem: PlanningProblem, result: Plan) -> None:
    kw = result.power_w / 1e3
    for k in range(6):
        rows = [i for i, s in enumerate(problem.sessions) if s.group_id == f"s{k}"]
        share = np.array([[(p in s.phases) / len(s.phases) for p in Phase] for s in problem.sessions])
        assert (share[rows].T @ kw[rows]).max() <= 32 * 0.23 + 1e-6
    feeder = [i for i, s in enumerate(problem.sessions) if s.group_id is not None]
    cap = next(g.capacity_w for g in problem.groups if g.id == "feeder")
    assert isinstance(cap, float)
    assert kw[feeder].sum(axis=0).max() <= cap / 1e3 + 1e-6


@pytest.mark.parametrize(("seed", "feeder_kw", "rounds"), [(1, 500.0, 1), (2, 500.0, 1), (3, 60.0, 2)])
def test_the_decomposed_plan_equals_the_single_lp(seed: int, feeder_kw: float, rounds: int) -> None:
    problem = _problem(seed, feeder_kw)
    parts = plan(problem)
    whole = plan(problem, decompose=False)
    assert parts.stats.status == whole.stats.status == "Optimal"
    assert parts.stats.rounds == rounds and parts.stats.parts > 1
    assert _objective(problem, parts) == pytest.approx(_objective(problem, whole), rel=1e-7, abs=1e-5)
    assert parts.unmet_kwh.sum() == pytest.approx(whole.unmet_kwh.sum(), abs=1e-4)
    assert parts.session_ids == whole.session_ids
    _check_limits(problem, parts)
    # the schedules themselves agree (on these seeds the optimum has no ties left)
    assert np.abs(parts.power_w - whole.power_w).max() < 1.0


def test_a_binding_feeder_joins_its_sites_and_is_respected() -> None:
    problem = _problem(3, 60.0)
    result = plan(problem)
    grouped = [i for i, s in enumerate(problem.sessions) if s.group_id is not None]
    load = result.power_w[grouped].sum(axis=0) / 1e3
    assert load.max() == pytest.approx(60.0, abs=1e-3)  # it binds, and holds
    assert result.stats.rounds == 2


def test_sessions_in_no_group_are_planned_alone() -> None:
    cars = [
        Session(f"c{i}", NOW, NOW + timedelta(hours=1), 5, 7_000, profile_type=ProfileType.FAST) for i in "ab"
    ]
    result = plan(PlanningProblem(NOW, STEP, cars))
    assert result.delivered_kwh("ca") == pytest.approx(5) and result.delivered_kwh("cb") == pytest.approx(5)

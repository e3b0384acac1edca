"""Property: whatever the sessions and limits, no plan exceeds a session maximum or any group limit, on any
phase, at any level of nested sub-boards."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fera.planning import (
    THREE_PHASE,
    GridGroup,
    Phase,
    Plan,
    PlanningProblem,
    ProfileType,
    Session,
    _pricing,
    flexibility,
    plan,
)
from tests.unit.planning.factory import NOW, STEP

TOL_W = 1e-3
_PHASES = st.sampled_from(
    [THREE_PHASE, (Phase.L1,), (Phase.L2,), (Phase.L3,), (Phase.L2, Phase.L3, Phase.L1), (Phase.L3, Phase.L1)]
)
_MEMBERS = {"a": {"a"}, "b": {"b", "c"}, "c": {"c"}, "site": {"site", "a", "b", "c"}}


@st.composite
def problems(draw: st.DrawFn) -> PlanningProblem:
    count = draw(st.integers(1, 6))
    sessions = [
        Session(
            id=f"s{i}",
            arrival=NOW + STEP * draw(st.integers(-2, 4)),
            departure=NOW + timedelta(minutes=draw(st.integers(0, 180))),
            energy_kwh=draw(st.floats(0, 60)),
            max_power_w=draw(st.floats(0, 22_000)),
            profile_type=draw(st.sampled_from(list(ProfileType))),
            phases=draw(_PHASES),
            loads=draw(st.none() | st.just(THREE_PHASE)),
            group_id=draw(st.sampled_from(sorted(_MEMBERS))),
        )
        for i in range(count)
    ]
    caps = st.none() | st.floats(0, 30_000)
    groups = [
        GridGroup("site", capacity_w=draw(caps), phase_capacity_w=draw(caps)),
        GridGroup(
            "a", capacity_w=draw(st.lists(st.floats(0, 20_000), min_size=1, max_size=8)), parent="site"
        ),
        GridGroup("b", phase_capacity_w=draw(caps), parent="site"),
        GridGroup("c", phase_capacity_w=draw(_per_phase()), parent="b"),  # a sub-board under a sub-board
    ]
    price = draw(st.lists(st.floats(-0.2, 1.0), min_size=1, max_size=12))
    return PlanningProblem(NOW, STEP, sessions, groups, price=price, co2=draw(st.floats(0, 500)))


def _per_phase() -> st.SearchStrategy[dict[Phase, float | list[float]]]:
    series = st.floats(0, 10_000) | st.lists(st.floats(0, 10_000), min_size=1, max_size=8)
    return st.dictionaries(st.sampled_from(list(Phase)), series, max_size=3)


def _phase_limit(value: object, phase: Phase, steps: int) -> np.ndarray:
    if isinstance(value, dict):
        return _limit(value[phase], steps) if phase in value else np.full(steps, np.inf)
    return _limit(value, steps)


def _limit(value: object, steps: int) -> np.ndarray:
    values = np.atleast_1d(np.asarray(value, dtype=np.float64))
    return np.concatenate([values, np.full(max(steps - values.size, 0), values[-1])])[:steps]


@settings(max_examples=60, deadline=None)
@given(problems())
def test_no_schedule_exceeds_any_limit(problem: PlanningProblem) -> None:
    _holds(problem, plan(problem))


@settings(max_examples=60, deadline=None)
@given(problems())
def test_no_priced_schedule_exceeds_any_limit(problem: PlanningProblem) -> None:
    """The same with every binding parent priced (column generation) however small the plan."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_pricing, "COLUMNS_CELLS", 0)
        _holds(problem, plan(problem))


def _holds(problem: PlanningProblem, result: Plan) -> None:
    power, steps = result.power_w, result.steps
    for row, s in zip(power, problem.sessions, strict=True):
        assert row.min(initial=0) >= 0 and row.max(initial=0) <= s.max_power_w + TOL_W
        window = [NOW + STEP * k >= s.arrival and NOW + STEP * (k + 1) <= s.departure for k in range(steps)]
        assert not np.any(row[~np.array(window, dtype=bool)])
        assert row.sum() * STEP.total_seconds() / 3.6e6 <= s.energy_kwh + 1e-6
    for group in problem.groups:
        inside = np.array([s.group_id in _MEMBERS[group.id] for s in problem.sessions])
        if group.capacity_w is not None:  # a car whose loads exceed its phases may draw that much more
            weight = np.array([len(s.loads or s.phases) / len(s.phases) for s in problem.sessions])
            load = (power * (weight * inside)[:, None]).sum(axis=0)
            assert np.all(load <= _limit(group.capacity_w, steps) + TOL_W)
        if group.phase_capacity_w is not None:
            for phase in Phase:
                share = np.array([(phase in (s.loads or s.phases)) / len(s.phases) for s in problem.sessions])
                load = (power * (share * inside)[:, None]).sum(axis=0)
                assert np.all(load <= _phase_limit(group.phase_capacity_w, phase, steps) + TOL_W)


@settings(max_examples=30, deadline=None)
@given(problems())
def test_flexibility_band_is_ordered(problem: PlanningProblem) -> None:
    for row in flexibility(problem, plan(problem)).rows:
        assert row.min_w <= row.planned_w + TOL_W and row.planned_w <= row.max_w + TOL_W

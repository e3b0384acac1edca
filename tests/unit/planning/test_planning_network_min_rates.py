"""Minimum rates on unbalanced networks: rounding (inside the plan, then `apply_min_rates`) never pushes a
line current (`CurrentLimit`) over its limit, never plans above a need, and leaves every power 0 or at least
its minimum."""

from __future__ import annotations

import cmath
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fera.planning import CurrentLimit, Plan, PlanningProblem, Session, SolveStats, apply_min_rates, plan
from tests.unit.planning.factory import NOW, STEP

H = STEP.total_seconds() / 3600
TOL_W = 1e-6
_EVSES = [f"e{k}" for k in range(5)]


def _phasor(degrees: float) -> complex:
    """A per W of a 230 V EVSE whose current lies at `degrees`."""
    return cmath.exp(1j * math.radians(degrees)) / 230


def _line_currents(problem: PlanningProblem, power_w: np.ndarray) -> dict[str, np.ndarray]:
    out = {}
    for limit in problem.currents:
        coef = [
            complex(limit.coefficients.get(s.id, limit.coefficients.get(s.evse_id or "", 0)))
            for s in problem.sessions
        ]
        out[limit.id] = np.asarray(coef) @ power_w if coef else np.zeros(power_w.shape[1])
    return out


def _assert_lines_hold(problem: PlanningProblem, power_w: np.ndarray) -> None:
    for limit in problem.currents:
        values = np.atleast_1d(np.asarray(limit.limit_a, dtype=np.float64))
        cap = np.concatenate([values, np.full(max(power_w.shape[1] - values.size, 0), values[-1])])
        current = np.abs(_line_currents(problem, power_w)[limit.id])
        assert np.all(current <= np.maximum(cap[: power_w.shape[1]], 0.0) + 1e-9), (limit.id, current, cap)


@st.composite
def networks(draw: st.DrawFn) -> PlanningProblem:
    """Single-phase 230 V EVSEs wired at random angles (a delta's ±30°, −90°, 150°, or any), some sessions
    with guessed needs, minimum rates of 0, 6 A or 18 A."""
    sessions = [
        Session(
            id=f"s{i}",
            arrival=NOW + STEP * draw(st.integers(-1, 2)),
            departure=NOW + STEP * draw(st.integers(1, 8)),
            energy_kwh=draw(st.floats(0, 30)),
            max_power_w=draw(st.floats(1_000, 11_000)),
            min_rate_w=draw(st.sampled_from([0.0, 1_380.0, 4_140.0])),
            evse_id=_EVSES[i % len(_EVSES)],
            estimated=draw(st.booleans()),
        )
        for i in range(draw(st.integers(1, 6)))
    ]
    angles = st.sampled_from([30.0, -90.0, 150.0, -150.0, 0.0, 180.0]) | st.floats(-180, 180)
    currents = []
    for k in range(draw(st.integers(1, 3))):
        named = draw(st.lists(st.sampled_from(_EVSES), min_size=1, unique=True))
        coefficients = {n: _phasor(draw(angles)) for n in named}
        amps = st.just(0.0) | st.floats(0.1, 60)  # not 1e-162 A: cuts at that scale never converge
        limit = draw(amps | st.lists(amps, min_size=1, max_size=8))
        currents.append(CurrentLimit(f"line{k}", coefficients, limit))
    return PlanningProblem(NOW, STEP, sessions, currents=currents)


@settings(max_examples=80, deadline=None)
@given(networks())
def test_no_rounding_puts_a_line_current_over_its_limit(problem: PlanningProblem) -> None:
    planned = plan(problem)
    _assert_lines_hold(problem, planned.power_w)
    for row, s in zip(planned.power_w, problem.sessions, strict=True):
        if s.estimated:  # a guessed need: `plan` rounds it too (`guesses_at_min_rates`), up to its minimum
            assert np.all((row == 0) | (row >= s.min_rate_w - TOL_W)), (s.id, row)
            continue
        assert row.sum() * H / 1e3 <= s.energy_kwh + 1e-6  # no energy above a stated need
        if s.energy_kwh >= s.min_rate_w / 1e3 * H:  # held inside the plan
            assert np.all((row == 0) | (row >= s.min_rate_w - TOL_W)), (s.id, row)
    applied = apply_min_rates(problem, planned)
    _assert_lines_hold(problem, applied.power_w)
    for row, s in zip(applied.power_w, problem.sessions, strict=True):
        assert row.min(initial=0) >= 0 and row.max(initial=0) <= s.max_power_w + TOL_W
        assert np.all((row == 0) | (row >= s.min_rate_w - TOL_W)), (s.id, row)  # minimum rates held


def _cars(*specs: tuple[str, float, float]) -> list[Session]:
    """(EVSE, minimum W, need kWh): one step, 11 kW each."""
    return [
        Session(sid, NOW, NOW + STEP, kwh, 11_000.0, min_rate_w=minimum, evse_id=sid)
        for sid, minimum, kwh in specs
    ]


def _hand_plan(problem: PlanningProblem, watts: list[float]) -> Plan:
    stats = SolveStats("Optimal", 0, 0, 0, 0, 0.0, 0.0)
    return Plan(
        NOW,
        STEP,
        tuple(s.id for s in problem.sessions),
        np.array(watts)[:, None],
        np.zeros(len(watts)),
        stats,
    )


def test_a_minimum_above_what_the_line_leaves_is_not_raised() -> None:
    """2 kW planned below a 4.14 kW minimum, the line holding 10 A (2.3 kW): raised, 18 A would flow."""
    problem = PlanningProblem(
        NOW, STEP, _cars(("a", 4_140.0, 1.0)), currents=[CurrentLimit("L1", {"a": _phasor(0)}, 10.0)]
    )
    assert apply_min_rates(problem, _hand_plan(problem, [2_000.0])).power_w[:, 0].tolist() == [0.0]


def test_a_car_stepping_aside_makes_the_car_in_line_with_the_current_give_way() -> None:
    """Opposite phasors cancel: 'b' (below its minimum) held line current down. When it steps aside, 'a''s
    current alone is over the limit, so 'a' gives way to what fits (23 A limit: 5.29 kW), not below its own
    minimum."""
    line = CurrentLimit("n", {"a": _phasor(0), "b": _phasor(180)}, 23.0)
    problem = PlanningProblem(NOW, STEP, _cars(("a", 1_380.0, 5.0), ("b", 4_140.0, 5.0)), currents=[line])
    applied = apply_min_rates(problem, _hand_plan(problem, [7_000.0, 2_000.0]))
    assert applied.power_w[1, 0] == 0.0
    assert applied.power_w[0, 0] == pytest.approx(23.0 * 230, abs=1e-3)
    assert applied.power_w[0, 0] <= 23.0 * 230


def test_the_plan_holds_minima_inside_a_line_instead_of_planning_below_them() -> None:
    """Two 5 kW cars at an 18 A (4.14 kW) minimum on one line of 30 A (6.9 kW): the LP alone fills the line,
    one car at 5 kW and the other at 1.9 kW, below its minimum (the charger would get nothing). The plan holds
    that one at 0, re-solved: no power between 0 and the minimum, no current over the limit."""
    line = CurrentLimit("n", {"a": _phasor(0), "b": _phasor(0)}, 30.0)
    cars = [replace(car, max_power_w=5_000.0) for car in _cars(("a", 4_140.0, 20.0), ("b", 4_140.0, 20.0))]
    planned = plan(PlanningProblem(NOW, STEP, cars, currents=[line]))
    assert sorted(planned.power_w[:, 0].tolist()) == [0.0, pytest.approx(5_000.0)]
    assert planned.stats.rounds >= 2  # solved again around the car held at 0

"""Line-current limits of unbalanced networks (|Σ a_i·p_i| ≤ L): never exceeded, near the cone optimum."""

from __future__ import annotations

import cmath
import math
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fera.planning import CurrentLimit, GridGroup, Plan, PlanningProblem, ProfileType, Session, _network, plan
from tests.unit.planning.factory import NOW, STEP

_EVSES = [f"e{k}" for k in range(6)]


def _phasor(degrees: float, scale: float = 1e-3) -> complex:
    return scale * cmath.exp(1j * math.radians(degrees))


def _currents(problem: PlanningProblem, schedule: Plan) -> dict[str, np.ndarray]:
    """Line current (A) per limit and step, computed here from the plan in W."""
    out = {}
    for limit in problem.currents:
        total = np.zeros(schedule.steps, dtype=np.complex128)
        for s in problem.sessions:
            a = limit.coefficients.get(s.id, limit.coefficients.get(s.evse_id or "", 0))
            total += complex(a) * schedule.schedule(s.id)
        out[limit.id] = total
    return out


@st.composite
def problems(draw: st.DrawFn) -> PlanningProblem:
    count = draw(st.integers(1, 8))
    site = draw(st.booleans())
    sessions = [
        Session(
            id=f"s{i}",
            arrival=NOW + STEP * draw(st.integers(-2, 3)),
            departure=NOW + timedelta(minutes=draw(st.integers(0, 150))),
            energy_kwh=draw(st.floats(0, 40)),
            max_power_w=draw(st.floats(0, 11_000)),
            profile_type=draw(st.sampled_from(list(ProfileType))),
            evse_id=_EVSES[i % len(_EVSES)],
            group_id="site" if site else None,
        )
        for i in range(count)
    ]
    angles = st.sampled_from([30.0, -90.0, 150.0, -150.0, 0.0]) | st.floats(-180, 180)
    currents = []
    for k in range(draw(st.integers(1, 3))):
        named = draw(st.lists(st.sampled_from(_EVSES + [s.id for s in sessions]), min_size=1, unique=True))
        coefficients = {n: _phasor(draw(angles), draw(st.floats(1e-4, 5e-3))) for n in named}
        limit = draw(st.floats(0, 40) | st.lists(st.floats(0, 40), min_size=1, max_size=6))
        currents.append(CurrentLimit(f"line{k}", coefficients, limit))
    groups = [GridGroup("site", capacity_w=draw(st.floats(0, 40_000)))] if site else []
    return PlanningProblem(NOW, STEP, sessions, groups, currents=currents)


def _limit_series(value: object, steps: int) -> np.ndarray:
    values = np.atleast_1d(np.asarray(value, dtype=np.float64))
    return np.concatenate([values, np.full(max(steps - values.size, 0), values[-1])])[:steps]


def _holds(problem: PlanningProblem, schedule: Plan) -> None:
    for limit_id, current in _currents(problem, schedule).items():
        limit = next(c for c in problem.currents if c.id == limit_id)
        cap = np.maximum(_limit_series(limit.limit_a, schedule.steps), 0.0)
        assert np.all(np.abs(current) <= cap + 1e-9), (limit_id, np.abs(current) - cap)
    for i, s in enumerate(problem.sessions):
        assert np.all(schedule.power_w[i] <= s.max_power_w + 1e-6)
        assert schedule.delivered_kwh(s.id) <= s.energy_kwh + 1e-6
    assert np.all(schedule.power_w >= 0)


@settings(max_examples=80, deadline=None)
@given(problems())
def test_no_plan_exceeds_any_line_current(problem: PlanningProblem) -> None:
    _holds(problem, plan(problem))


@settings(max_examples=30, deadline=None)
@given(problems())
def test_a_plan_cut_short_is_scaled_into_every_limit(problem: PlanningProblem) -> None:
    """With a single round (the cuts not yet refined), the plan is still scaled until every limit holds."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_network, "MAX_ROUNDS", 1)
        _holds(problem, plan(problem))


def _two_branches(limit_a: float) -> PlanningProblem:
    """Two EVSEs whose currents are 60° apart on one line, one step, plenty of need and power."""
    sessions = [
        Session(
            id=sid, arrival=NOW, departure=NOW + STEP, energy_kwh=100.0, max_power_w=50_000.0, evse_id=sid
        )
        for sid in ("ab", "ca")
    ]
    line = CurrentLimit("a", {"ab": _phasor(30.0), "ca": _phasor(-30.0)}, limit_a)
    return PlanningProblem(NOW, STEP, sessions, currents=[line])


def test_refined_cuts_reach_the_cone_optimum() -> None:
    """max p1 + p2 with |p1·e^{j30°} + p2·e^{-j30°}| ≤ L (mA per W) is 2L/√3 at p1 = p2."""
    schedule = plan(_two_branches(10.0))
    total_kw = schedule.power_w[:, 0].sum() / 1e3
    optimum = 2 * 10.0 / math.sqrt(3)
    assert optimum * (1 - _network.CUT_MARGIN) - 1e-6 <= total_kw <= optimum + 1e-9
    assert abs(_currents(_two_branches(10.0), schedule)["a"][0]) <= 10.0
    assert schedule.stats.rounds > 1  # the first cuts (at ±30° and 0°) were not enough or were refined


def test_in_phase_sum_is_exact_in_one_round() -> None:
    """Coefficients of one angle make a linear limit: its first cut is exact."""
    sessions = [
        Session(id=f"s{i}", arrival=NOW, departure=NOW + 4 * STEP, energy_kwh=50.0, max_power_w=7_000.0)
        for i in range(3)
    ]
    pod = CurrentLimit("pod", {s.id: 1 / 208 for s in sessions}, 50.0)
    schedule = plan(PlanningProblem(NOW, STEP, sessions, currents=[pod]))
    assert schedule.stats.rounds == 1
    expected_w = 50.0 * 208 * (1 - _network.CUT_MARGIN)
    assert schedule.power_w.sum(axis=0) == pytest.approx(np.full(4, expected_w), rel=1e-6)


def test_members_by_evse_id_and_others_untouched() -> None:
    """A limit names an EVSE; the session at another EVSE charges at full power."""
    sessions = [
        Session(
            id="x", arrival=NOW, departure=NOW + STEP, energy_kwh=50.0, max_power_w=7_000.0, evse_id="e1"
        ),
        Session(
            id="y", arrival=NOW, departure=NOW + STEP, energy_kwh=50.0, max_power_w=7_000.0, evse_id="e2"
        ),
    ]
    line = CurrentLimit("l", {"e1": _phasor(90.0)}, [2.0])
    schedule = plan(PlanningProblem(NOW, STEP, sessions, currents=[line]))
    assert schedule.power_w[:, 0].tolist() == [pytest.approx(2_000.0 * (1 - _network.CUT_MARGIN)), 7_000.0]


def _delta_site(limit_a: float) -> PlanningProblem:
    """Three EVSEs on the branches A-B, B-C and C-A of a delta, over four steps, line a limited."""
    angles = {"ab": 30.0, "bc": -90.0, "ca": 150.0}
    sessions = [
        Session(id=b, arrival=NOW, departure=NOW + 4 * STEP, energy_kwh=e, max_power_w=7_000.0, evse_id=b)
        for b, e in (("ab", 6.0), ("bc", 3.0), ("ca", 5.0))
    ]
    line_a = {"ab": _phasor(angles["ab"]), "ca": -_phasor(angles["ca"])}  # I_a = I_AB − I_CA
    line_b = {"bc": _phasor(angles["bc"]), "ab": -_phasor(angles["ab"])}
    currents = [CurrentLimit("a", line_a, limit_a), CurrentLimit("b", line_b, [limit_a, limit_a / 2])]
    return PlanningProblem(NOW, STEP, sessions, currents=currents)


def test_plan_reports_its_line_currents() -> None:
    problem = _delta_site(9.0)
    schedule = plan(problem)
    computed = _currents(problem, schedule)
    for limit in problem.currents:
        assert schedule.line_currents[limit.id] == pytest.approx(computed[limit.id], abs=1e-9)
    assert np.abs(schedule.line_currents["a"]).max() <= 9.0


def test_replan_from_previous_plan_holds_and_loses_nothing() -> None:
    """Cuts started at the previous plan's angles, one step later: the limits hold, and the energy is the
    optimum's within the cut margin, as without it."""
    first = plan(_delta_site(9.0))
    later = _delta_site(9.0)
    delivered = {sid: first.schedule(sid)[0] * STEP.total_seconds() / 3.6e6 for sid in first.session_ids}
    sessions = [
        Session(
            id=s.id, arrival=s.arrival, departure=s.departure, energy_kwh=s.energy_kwh - delivered[s.id],
            max_power_w=s.max_power_w, evse_id=s.evse_id,
        )
        for s in later.sessions
    ]  # fmt: skip
    later = PlanningProblem(NOW + STEP, STEP, sessions, currents=later.currents)
    warm, cold = plan(later, previous=first), plan(later)
    _holds(later, warm)
    total = warm.power_w.sum()
    assert total == pytest.approx(cold.power_w.sum(), rel=_network.CUT_MARGIN)


def test_scenarios_with_line_currents_are_refused() -> None:
    """The scenario MPC knows no line currents: asking for both is an error, never a plan that breaks them."""
    problem = _delta_site(9.0)
    with pytest.raises(ValueError, match="scenarios"):
        PlanningProblem(NOW, STEP, problem.sessions, currents=problem.currents, scenarios=[problem.sessions])

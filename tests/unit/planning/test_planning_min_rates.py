"""Minimum rates inside the optimisation: a stated need is planned at 0 or at least its minimum rate (rounded
and re-solved, `_lp.solve`), so `apply_min_rates` has nothing left to drop; properties hold on every phase
with separate L1/L2/L3 limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from bench.planning.scale import synthetic
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
    _loads,
    _pricing,
    apply_min_rates,
    plan,
)
from tests.unit.planning.factory import NOW, STEP, problem, session

TOL_W = 1e-3
H = STEP.total_seconds() / 3600


def test_the_plan_keeps_minimum_rates_instead_of_losing_energy_to_rounding() -> None:
    """The cheap half hour has 3 kW of room, below the 6 A minimum: an LP would plan 1.5 kWh there that
    rounding drops afterwards (1.035 kWh delivered); the plan puts all 2.5 kWh where the car can take it."""
    car = session("a", 1, 2.5, min_rate_w=4_140, group_id="site", profile_type=ProfileType.CHEAP)
    site = GridGroup("site", capacity_w=[10_000, 10_000, 3_000, 3_000])
    result = plan(problem([car], groups=[site], price=[0.40, 0.40, 0.10, 0.10]))
    first, second, *cheap = result.schedule("a").tolist()
    assert cheap == [0, 0] and min(first, second) >= 4_140 - TOL_W
    assert result.unmet("a") == pytest.approx(0, abs=1e-6)
    kept = apply_min_rates(problem([car], groups=[site]), result)
    assert kept.schedule("a").tolist() == pytest.approx(result.schedule("a").tolist())


def test_a_car_whose_cheap_steps_have_no_room_for_its_minimum_charges_at_the_others() -> None:
    """The LP plans all 1.5 kWh in the cheap half hour (3 kW of room, below the 4.14 kW minimum) and nothing
    before it: rounded to 0 there, the car may still go to steps it did not use."""
    car = session("a", 1, 1.5, min_rate_w=4_140, group_id="site", profile_type=ProfileType.CHEAP)
    site = GridGroup("site", capacity_w=[10_000, 10_000, 3_000, 3_000])
    result = plan(problem([car], groups=[site], price=[0.40, 0.40, 0.10, 0.10]))
    assert result.schedule("a")[2:].tolist() == [0, 0]
    assert result.unmet("a") == pytest.approx(0, abs=1e-6)


def test_a_session_low_again_and_again_keeps_to_the_steps_it_uses() -> None:
    """On full sites each solve moved a session's remainder to a step next to the last, below the minimum
    there too, for all 25 roundings (500 sessions: 2 powers left low; 10,000: 89, and 2,630 solves instead
    of 870): from its second low round a session's unused steps stay unused."""
    base = synthetic(500, seed=1, transformer_kw_per_site=30.0)
    minima = np.array([1_380.0 if len(s.phases) == 1 else 4_140.0 for s in base.sessions])
    sessions = [replace(s, min_rate_w=float(m)) for s, m in zip(base.sessions, minima, strict=True)]
    result = plan(replace(base, sessions=sessions))
    power = result.power_w
    assert not ((power > TOL_W) & (power < minima[:, None] - TOL_W)).any()
    assert result.unmet_kwh.sum() == pytest.approx(plan(base).unmet_kwh.sum(), rel=1e-4)


def test_a_minimum_above_the_maximum_plans_nothing() -> None:
    result = plan(problem([session("a", 1, 5, kw=3.0, min_rate_w=4_140)]))
    assert result.schedule("a").max() == 0


def test_a_need_below_one_step_at_the_minimum_is_left_to_apply_min_rates() -> None:
    """0.5 kWh at 4.14 kW takes 7 minutes of a 15-minute step: the car stops when full, which the plan
    can't say; rounding up (the charger limit) delivers it."""
    car = session("a", 1, 0.5, min_rate_w=4_140)
    result = apply_min_rates(problem([car]), plan(problem([car])))
    assert result.schedule("a")[0] == pytest.approx(4_140)


@st.composite
def problems(draw: st.DrawFn) -> PlanningProblem:
    phases = st.sampled_from([THREE_PHASE, (Phase.L1,), (Phase.L2,), (Phase.L3,)])
    sessions = [
        Session(
            id=f"s{i}",
            arrival=NOW + STEP * draw(st.integers(0, 3)),
            departure=NOW + STEP * draw(st.integers(1, 10)),
            energy_kwh=draw(st.floats(0, 30)),
            max_power_w=draw(st.floats(1_000, 22_000)),
            min_rate_w=draw(st.sampled_from([0.0, 1_380.0, 4_140.0])),
            profile_type=draw(st.sampled_from(list(ProfileType))),
            phases=draw(phases),
            group_id=draw(st.sampled_from(["a", "b"])),
        )
        for i in range(draw(st.integers(1, 5)))
    ]
    series = st.lists(st.floats(0, 12_000), min_size=1, max_size=10)
    per_phase = {p: draw(series) for p in Phase}  # L1, L2, L3 each with its own series
    groups = [
        GridGroup("site", phase_capacity_w=per_phase),
        GridGroup("a", capacity_w=draw(st.floats(0, 20_000)), parent="site"),
        GridGroup("b", phase_capacity_w={Phase.L1: draw(series), Phase.L3: draw(series)}, parent="site"),
    ]
    price = draw(st.lists(st.floats(-0.2, 1.0), min_size=1, max_size=10))
    return PlanningProblem(NOW, STEP, sessions, groups, price=price)


def _limit(values: object, steps: int) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    return np.concatenate([arr, np.full(max(steps - arr.size, 0), arr[-1])])[:steps]


def _phase_loads(problem: PlanningProblem, power: np.ndarray, members: set[str]) -> dict[Phase, np.ndarray]:
    inside = np.array([s.group_id in members for s in problem.sessions], dtype=float)
    return {
        p: (
            (np.array([(p in s.phases) / len(s.phases) for s in problem.sessions]) * inside)[:, None] * power
        ).sum(0)
        for p in Phase
    }


@settings(max_examples=60, deadline=None)
@given(problems())
def test_minimum_rates_are_planned_and_no_limit_is_exceeded_on_any_phase(problem: PlanningProblem) -> None:
    planned = plan(problem)
    result = apply_min_rates(problem, planned)
    steps = result.steps
    for row, before, s in zip(result.power_w, planned.power_w, problem.sessions, strict=True):
        assert row.min(initial=0) >= 0 and row.max(initial=0) <= s.max_power_w + TOL_W
        assert np.all((row == 0) | (row >= s.min_rate_w - TOL_W))  # minimum rates respected
        assert before.sum() * H / 1e3 <= s.energy_kwh + 1e-6  # the plan never goes above the need
        if s.energy_kwh >= s.min_rate_w / 1e3 * H:  # planned at its minimum: nothing for rounding to drop
            assert (row >= before - TOL_W).all()  # (it may take room another's rounding freed: `_shortfall`)
    site = _phase_loads(problem, result.power_w, {"a", "b"})
    board = _phase_loads(problem, result.power_w, {"b"})
    caps = problem.groups[0].phase_capacity_w
    assert isinstance(caps, dict)
    for p in Phase:
        assert np.all(site[p] <= _limit(caps[p], steps) + TOL_W)
    for p in (Phase.L1, Phase.L3):
        board_caps = problem.groups[2].phase_capacity_w
        assert isinstance(board_caps, dict)
        assert np.all(board[p] <= _limit(board_caps[p], steps) + TOL_W)
    inside_a = np.array([s.group_id == "a" for s in problem.sessions], dtype=float)
    assert np.all(inside_a @ result.power_w <= float(problem.groups[1].capacity_w or 0) + TOL_W)  # type: ignore[arg-type]


def test_the_phase_limits_are_separate_series() -> None:
    """L1 has room only in the second hour, L2 only in the first: each car charges when its phase can."""
    cars = [
        Session(sid, NOW, NOW + timedelta(hours=2), 7.0, 7_000, phases=(p,), group_id="site")
        for sid, p in (("l1", Phase.L1), ("l2", Phase.L2))
    ]
    per_phase: dict[Phase, float | list[float]] = {
        Phase.L1: [0.0] * 4 + [7_000.0] * 4,
        Phase.L2: [7_000.0] * 4 + [0.0] * 4,
        Phase.L3: 0.0,
    }
    result = plan(problem(cars, groups=[GridGroup("site", phase_capacity_w=per_phase)]))
    assert result.schedule("l1").tolist() == pytest.approx([0] * 4 + [7_000] * 4)
    assert result.schedule("l2").tolist() == pytest.approx([7_000] * 4 + [0] * 4)


def test_raising_to_minimum_rates_looks_for_givers_once_per_low_power(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A plan can leave powers below the minimum (a priced feeder's mix of the sites' plans: 10,000 x 96,
    10,820 of them); raising each looked up the room left once per session in turn, whether it could give
    way or not (1,000 sessions: 40 s; 10,000: minutes). Only guesses charging above their minimum can give
    way, found at once: one room computation per low power here, where no session is a guess; then at most
    two per session short of its need (`_shortfall`: what the rounding took, taken back)."""
    calls = 0
    room = _loads.GroupLoads.room

    def counted(loads: _loads.GroupLoads, i: int) -> np.ndarray:
        nonlocal calls
        calls += 1
        return room(loads, i)

    feeder, minima, result = _priced_feeder(monkeypatch)
    low = int(((result.power_w > TOL_W) & (result.power_w < minima[:, None] - TOL_W)).sum())
    monkeypatch.setattr(_loads.GroupLoads, "room", counted)
    raised = apply_min_rates(feeder, result)
    assert low > 0 and calls <= 2 * low + 2 * len(feeder.sessions)  # before: 1,007 for 6 low powers
    power = raised.power_w
    assert not ((power > TOL_W) & (power < minima[:, None] - TOL_W)).any()


def test_rounding_a_priced_feeder_to_its_minima_keeps_its_energy_and_its_limits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rounding raised cars beyond their need and dropped powers others needed: 1.2 % of the energy the plan
    gave within needs was lost here (3,681.4 of 3,725.5 kWh). What the rounding did is put right where the
    limits leave room (`_shortfall`): 0.06 % lost; the transformer and every site's phases still hold."""
    feeder, minima, result = _priced_feeder(monkeypatch)
    power = apply_min_rates(feeder, result).power_w
    need = np.array([s.energy_kwh for s in feeder.sessions])
    kwh = [float(np.minimum(p.sum(axis=1) * H / 1e3, need).sum()) for p in (result.power_w, power)]
    assert kwh[1] >= 0.998 * kwh[0]
    assert not ((power > TOL_W) & (power < minima[:, None] - TOL_W)).any()
    transformer = next(g for g in feeder.groups if g.id == "transformer")
    assert power.sum(axis=0).max() <= np.asarray(transformer.capacity_w) + TOL_W
    for site in (g for g in feeder.groups if g.id.startswith("s")):
        for phase, load in _phase_loads(feeder, power, {site.id}).items():
            assert load.max() <= _limit(site.phase_capacity_w, power.shape[1]).max() + TOL_W, (site.id, phase)


def _priced_feeder(monkeypatch: pytest.MonkeyPatch) -> tuple[PlanningProblem, np.ndarray, Plan]:
    """One transformer binding at most steps over 20 sites (`bench.planning scale`'s hard feeder), every
    session with a 6 A minimum, priced however small, as a city's feeder is."""
    base = synthetic(200, seed=1, transformer_kw_per_site=8.0)
    minima = np.array([1380.0 if len(s.phases) == 1 else 4140.0 for s in base.sessions])
    sessions = [replace(s, min_rate_w=float(m)) for s, m in zip(base.sessions, minima, strict=True)]
    feeder = replace(base, sessions=sessions)
    monkeypatch.setattr(_pricing, "COLUMNS_CELLS", 0)
    return feeder, minima, plan(feeder)

"""Guessed needs share a tight limit: an LP tie never gives one car everything and the others 0."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fera.planning import THREE_PHASE, GridGroup, Phase, Session, apply_min_rates, plan
from fera.planning.profile import TURN
from tests.unit.planning.factory import NOW, STEP, problem, session


def _guesses(count: int, kw: float = 22.0, **extra: object) -> list:  # type: ignore[type-arg]
    # Needs nobody stated: as much as the car takes until it leaves (planning_inputs), all ties.
    return [
        session(f"s{i}", 4 + i * 0.5, kw * (4 + i * 0.5), kw, estimated=True, group_id="site", **extra)
        for i in range(count)
    ]


def test_a_tie_between_guesses_splits_the_limit_in_proportion() -> None:
    p = problem(_guesses(4), groups=[GridGroup("site", capacity_w=22_000)])
    result = plan(p)
    first = np.array([result.schedule(f"s{i}")[0] for i in range(4)])
    assert np.allclose(first, 5_500, atol=1.0)  # not 22 kW for one and 0 for three


def test_a_car_that_takes_less_gets_all_it_takes_and_the_rest_is_split() -> None:
    cars = [*_guesses(2), session("slow", 6, 3.7 * 6, 3.7, estimated=True, group_id="site")]
    result = plan(problem(cars, groups=[GridGroup("site", capacity_w=22_000)]))
    first = [result.schedule(s)[0] for s in ("s0", "s1", "slow")]
    assert first == pytest.approx([9_150, 9_150, 3_700])  # water-filled: no capacity left unused


def test_a_stated_need_competes_and_the_guesses_split_what_is_left() -> None:
    stated = session("stated", 2, 22.0, 11, group_id="site")
    result = plan(problem([*_guesses(2), stated], groups=[GridGroup("site", capacity_w=22_000)]))
    for k in range(8):
        stated_w, s0, s1 = (result.schedule(s)[k] for s in ("stated", "s0", "s1"))
        assert s0 == pytest.approx(s1) and stated_w + s0 + s1 == pytest.approx(22_000)


def test_without_the_guess_flag_the_lp_may_pick_one() -> None:
    """The case the share rows exist for: the same tie with stated needs goes to the most urgent car."""
    cars = [session(f"s{i}", 4 + i * 0.5, 22 * (4 + i * 0.5), 22, group_id="site") for i in range(4)]
    result = plan(problem(cars, groups=[GridGroup("site", capacity_w=22_000)]))
    assert sorted(result.schedule(f"s{i}")[0] for i in range(4)) == pytest.approx([0, 0, 0, 22_000])


def test_a_filled_guess_does_not_hold_the_others_down() -> None:
    cars = [*_guesses(2), session("full", 4, 0.0, 22, estimated=True, group_id="site")]
    result = plan(problem(cars, groups=[GridGroup("site", capacity_w=22_000)]))
    assert result.schedule("full").sum() == 0
    assert [result.schedule(s)[0] for s in ("s0", "s1")] == pytest.approx([11_000, 11_000])


def test_below_the_minimum_rate_the_car_held_at_zero_changes_every_turn() -> None:
    """Six 22 kW guesses under 22 kW: 3.7 kW each is below 6 A, so one must drop; never the same one for
    more than a turn (`TURN`, longer than a step: every hand-over costs energy at the stations)."""
    cars = _guesses(6, min_rate_w=4_140)
    zero_at = []
    for k in range(6):
        p = problem(cars, groups=[GridGroup("site", capacity_w=22_000)])
        shifted = [replace(c, arrival=c.arrival + k * TURN, departure=c.departure + k * TURN) for c in cars]
        p = type(p)(NOW + k * TURN, STEP, shifted, p.groups)
        result = apply_min_rates(p, plan(p))
        first = [result.schedule(f"s{i}")[0] for i in range(6)]
        assert sum(first) <= 22_000 + 1e-6
        assert sorted(first)[1] >= 4_140 - 1e-6  # at most one car at 0
        zero_at.append(next(i for i, w in enumerate(first) if w == 0))
    assert sorted(zero_at) == list(range(6))


def test_what_a_dropped_guess_leaves_goes_to_the_one_raised() -> None:
    """8 kW for two guesses of 6 A minimum: 4 kW each won't charge; one waits, the other takes all 8 kW."""
    cars = _guesses(2, min_rate_w=4_140)
    p = problem(cars, groups=[GridGroup("site", capacity_w=8_000)])
    result = apply_min_rates(p, plan(p))
    assert sorted(result.schedule(s)[0] for s in ("s0", "s1")) == pytest.approx([0, 8_000], abs=1e-3)


def _single_and_three_phase() -> tuple[Session, Session]:
    guess = {"estimated": True, "group_id": "site"}
    one = session("one", 3, 7.36 * 3, 7.36, phases=(Phase.L1,), min_rate_w=1_380, **guess)
    return one, session("three", 3, 22 * 3, 22.0, min_rate_w=4_140, **guess)


def test_a_three_phase_guess_is_raised_by_lowering_a_single_phase_one_to_fill_the_site() -> None:
    """8 kW for a single-phase guess (7.36 kW, 1.38 kW minimum) and a three-phase one (22 kW, 6 A = 4.14 kW
    minimum): the even split, 4 kW each, is below the three-phase car's minimum; it charges at 4.14 kW and
    the single-phase car at the 3.86 kW left (not 4 kW and the other at 0, half the site idle)."""
    one, three = _single_and_three_phase()
    p = problem([one, three], groups=[GridGroup("site", capacity_w=8_000)])
    result = apply_min_rates(p, plan(p))
    assert result.schedule("three") == pytest.approx([4_140] * 12, abs=1e-3)
    assert result.schedule("one") == pytest.approx([3_860] * 12, abs=1e-3)


def test_a_guess_left_charging_takes_what_a_dropped_one_left() -> None:
    """5 kW for a single-phase guess and a three-phase one: 2.5 kW each; the three-phase car can't be raised
    to 4.14 kW (the single-phase one has only 1.12 kW above its minimum to give), so it waits, and what it
    left goes to the single-phase car, which was charging already: 5 kW, not 2.5 kW and 2.5 kW idle."""
    one, three = _single_and_three_phase()
    p = problem([one, three], groups=[GridGroup("site", capacity_w=5_000)])
    result = apply_min_rates(p, plan(p))
    assert result.schedule("three") == pytest.approx([0] * 12, abs=1e-3)
    assert result.schedule("one") == pytest.approx([5_000] * 12, abs=1e-3)


def test_the_plan_alone_never_leaves_a_guess_below_its_minimum_rate() -> None:
    """Four single-phase guesses of unknown wiring (each counts on every phase) under 2.67 kW a phase: an
    even split is 667 W each, below their 1,380 W minimum, which no charger draws. `plan` itself (without
    `apply_min_rates`) gives one of them the whole room and the others 0."""
    one_phase = {"phases": (Phase.L1,), "loads": THREE_PHASE, "min_rate_w": 1_380}
    cars = _guesses(4, kw=7.36, **one_phase)
    p = problem(cars, groups=[GridGroup("site", phase_capacity_w=2_668)])
    result = plan(p)
    first = sorted(result.schedule(f"s{i}")[0] for i in range(4))
    assert first == pytest.approx([0, 0, 0, 2_668], abs=0.1)
    assert np.all((result.power_w == 0) | (result.power_w >= 1_380 - 1e-6))
    assert np.allclose(apply_min_rates(p, result).power_w, result.power_w)  # nothing left to round


def test_a_stated_need_wins_a_true_conflict_with_a_guess() -> None:
    """11 kW for a guess (all it can take for 8 h) and a car whose driver stated 10 kWh within the hour:
    the stated need is met in its hour (the guess's kWh weigh `GUESS_WEIGHT`), though its urgency costs more
    per kWh than the long guess's and the site delivers as much either way."""
    guess = session("guess", 8, 22 * 8, 22, estimated=True, group_id="site")
    stated = session("stated", 1, 10, 22, group_id="site")
    result = plan(problem([guess, stated], groups=[GridGroup("site", capacity_w=11_000)]))
    assert result.delivered_kwh("stated") == pytest.approx(10, abs=1e-3)
    assert result.delivered_kwh("guess") == pytest.approx(11 * 8 - 10, abs=1e-3)

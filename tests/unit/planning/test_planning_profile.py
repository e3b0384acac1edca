"""apply_min_rates and to_charging_profile."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pytest

from fera.planning import (
    GridGroup,
    Phase,
    Plan,
    PlanningProblem,
    ProfilePeriod,
    RateUnit,
    Session,
    SolveStats,
    apply_min_rates,
    floor_tenth,
    to_charging_profile,
)
from fera.planning._turns import rotated
from fera.planning.profile import TURN
from tests.unit.planning.factory import NOW, STEP, problem, session


def _plan(rows: dict[str, list[float]]) -> Plan:
    stats = SolveStats("Optimal", 0, 0, 0, 0, 0.0, 0.0)
    power = np.array(list(rows.values()), dtype=np.float64)
    return Plan(NOW, STEP, tuple(rows), power, np.zeros(len(rows)), stats)


def test_ac_limits_are_amps_per_phase_rounded_down_and_merged() -> None:
    car = session("a", 1, 10, kw=11)
    profile = to_charging_profile(_plan({"a": [11_000, 11_000, 7_000, 0]}), car)
    assert profile.charging_rate_unit is RateUnit.A
    # 11000 / (230 * 3) = 15.94 A -> 15.9; 7000 / 690 = 10.14 -> 10.1
    assert profile.periods == (ProfilePeriod(0, 15.9), ProfilePeriod(1800, 10.1), ProfilePeriod(2700, 0.0))
    assert profile.start_date_time == NOW and profile.duration == 3600
    assert profile.min_charging_rate is None


def test_single_phase_amps_use_one_phase() -> None:
    car = session("a", 1, 10, kw=7.4, phases=(Phase.L2,))
    profile = to_charging_profile(_plan({"a": [3680.0]}), car)
    assert profile.periods == (ProfilePeriod(0, 16.0),)


def test_dc_limits_are_watts() -> None:
    car = session("a", 1, 10, kw=50)
    profile = to_charging_profile(_plan({"a": [49_999.97, 20_000]}), car, dc=True)
    assert profile.charging_rate_unit is RateUnit.W
    assert profile.periods == (ProfilePeriod(0, 49_999.9), ProfilePeriod(900, 20_000.0))


def test_no_limit_exceeds_the_plan() -> None:
    for watts in np.linspace(0, 22_000, 997):
        assert floor_tenth(watts / 690) * 690 <= watts + 1e-6


def test_a_rate_below_the_minimum_is_raised_when_the_site_has_room() -> None:
    car = session("a", 1, 10, min_rate_w=4_140, group_id="site")  # 6 A on three phases
    p = problem([car], groups=[GridGroup("site", capacity_w=5_000)])
    adjusted = apply_min_rates(p, _plan({"a": [2_000, 0, 5_000, 0]}))
    assert adjusted.schedule("a").tolist() == pytest.approx([4_140, 0, 5_000, 0])
    profile = to_charging_profile(adjusted, car)
    assert profile.periods[0] == ProfilePeriod(0, 6.0) and profile.min_charging_rate == 6.0


def test_a_rate_below_the_minimum_is_dropped_when_the_site_is_full() -> None:
    cars = [session(s, 1, 10, min_rate_w=4_140, group_id="site") for s in "ab"]
    p = problem(cars, groups=[GridGroup("site", capacity_w=6_000)])
    adjusted = apply_min_rates(p, _plan({"a": [2_000] * 4, "b": [2_000] * 4}))
    # "a" would need 2140 W more with 2000 W left: dropped; that frees room to raise "b"
    assert adjusted.schedule("a").tolist() == pytest.approx([0] * 4)
    assert adjusted.schedule("b").tolist() == pytest.approx([4_140] * 4)


def test_a_car_raised_beyond_its_need_takes_less_later_and_leaves_that_room() -> None:
    """ "a" is planned its 3 kWh with 2 kW at first: raised to 4.14 kW, it is full 2.14 kW x 15 min sooner,
    so it takes that much less at its last step (`_shortfall`); "b", dropped there by the rounding and short
    of its need where the plan had the site full, takes the room that leaves: 5.14 kW, not 0."""
    a = session("a", 1, 3, kw=11, min_rate_w=4_140, group_id="site")
    b = session("b", 1, 10, kw=11, min_rate_w=4_140, group_id="site")
    p = problem([a, b], groups=[GridGroup("site", capacity_w=[20_000, 13_000, 20_000, 20_000])])
    adjusted = apply_min_rates(p, _plan({"a": [2_000, 10_000, 0, 0], "b": [0, 3_000, 0, 0]}))
    assert adjusted.schedule("a").tolist() == pytest.approx([4_140, 7_860, 0, 0])
    assert adjusted.schedule("b").tolist() == pytest.approx([0, 5_140, 0, 0])
    assert adjusted.delivered_kwh("a") == pytest.approx(3.0)


def test_a_power_the_rounding_drops_is_taken_back_at_a_step_with_room() -> None:
    """ "a" cannot be raised beside "b" under 6 kW (2 kW left, 4.14 kW wanted): its 0.75 kWh is dropped there
    and planned at the next step, where the site has room; before, it was lost (`_shortfall`)."""
    a = session("a", 1, 0.75, kw=11, min_rate_w=4_140, group_id="site")
    b = session("b", 1, 1.0, kw=7.4, min_rate_w=1_380, phases=(Phase.L1,), group_id="site")
    p = problem([a, b], groups=[GridGroup("site", capacity_w=[6_000, 6_000, 10_000, 10_000])])
    adjusted = apply_min_rates(p, _plan({"a": [3_000, 0, 0, 0], "b": [4_000, 0, 0, 0]}))
    assert adjusted.schedule("a").tolist() == pytest.approx([0, 4_140, 0, 0])
    assert adjusted.schedule("b").tolist() == pytest.approx([4_000, 0, 0, 0])


def test_a_car_raised_at_its_last_step_gives_the_excess_back_before_it() -> None:
    """ "a" is planned its 2.5 kWh, 2 kW at its last step: raised there to 4.14 kW, it takes 2.14 kW less at
    the step before, not 0.535 kWh beyond its need that the site cannot give anyone else."""
    a = session("a", 0.5, 2.5, kw=11, min_rate_w=4_140, group_id="site")
    p = problem([a], groups=[GridGroup("site", capacity_w=20_000)])
    adjusted = apply_min_rates(p, _plan({"a": [8_000, 2_000]}))
    assert adjusted.schedule("a").tolist() == pytest.approx([5_860, 4_140])
    assert adjusted.delivered_kwh("a") == pytest.approx(2.5)


def test_a_rate_below_the_minimum_is_dropped_when_the_phase_is_full() -> None:
    car = Session(
        "a", NOW, NOW + timedelta(hours=1), 10, 7_400, min_rate_w=1_380, phases=(Phase.L1,), group_id="s"
    )
    p = problem([car], groups=[GridGroup("s", phase_capacity_w=1_000)])
    adjusted = apply_min_rates(p, _plan({"a": [900.0] * 4}))
    assert adjusted.schedule("a").max() == 0


def test_profile_alone_drops_rates_below_the_minimum() -> None:
    car = session("a", 1, 10, min_rate_w=4_140)
    profile = to_charging_profile(_plan({"a": [2_000, 6_900]}), car)
    assert profile.periods == (ProfilePeriod(0, 0.0), ProfilePeriod(900, 10.0))


def test_an_ac_limit_is_never_between_0_and_the_least_a_car_charges_at() -> None:
    # A 3.7 kW car on three phases takes 5.4 A: sent 5.3 A it stops (IEC 61851), sent 6 A it draws its own.
    car = session("a", 1, 10, min_rate_w=3_700)
    profile = to_charging_profile(_plan({"a": [0, 3_700]}), car, min_amps=6.0)
    assert profile.periods == (ProfilePeriod(0, 0.0), ProfilePeriod(900, 6.0))
    assert profile.min_charging_rate == 6.0
    assert to_charging_profile(_plan({"a": [0, 3_700]}), car).periods[1].limit == 5.3  # no such rule given


def test_the_session_held_at_0_keeps_its_place_for_a_turn_then_the_next_one_is() -> None:
    """Every hand-over costs energy at the stations: re-plans within a turn keep the same session at 0."""
    cars = [session(s, 3, 10, min_rate_w=4_140, group_id="site") for s in "ab"]

    def dropped(at: datetime) -> str:
        later = [replace(c, arrival=at, departure=at + timedelta(hours=1)) for c in cars]
        p = PlanningProblem(at, STEP, later, groups=[GridGroup("site", capacity_w=6_000)])
        stats = SolveStats("Optimal", 0, 0, 0, 0, 0.0, 0.0)
        plan = Plan(at, STEP, ("a", "b"), np.full((2, 4), 2_000.0), np.zeros(2), stats)
        adjusted = apply_min_rates(p, plan)
        return next(s for s in "ab" if adjusted.schedule(s)[0] == 0)

    within = {dropped(NOW + k * STEP) for k in range(4)}
    assert len(within) == 1 and dropped(NOW + TURN) != within.pop()


def test_a_turn_that_ends_within_the_plan_is_handed_over_at_its_step() -> None:
    """The holder's turn ends after two steps: the plan hands over then, so both profiles carry the step
    and the stations make it on their own clocks (not at the next re-plan, through a round trip at 0)."""
    line = rotated(2, NOW, STEP)  # who charges once nobody holds a turn: the line from its end
    holder, other = line[0], line[1]
    cars = [
        session(
            s, 1, 10, min_rate_w=4_140, group_id="site", holding=i == holder, holding_until=NOW + 2 * STEP
        )
        for i, s in enumerate("ab")
    ]
    p = problem(cars, groups=[GridGroup("site", capacity_w=6_000)])
    adjusted = apply_min_rates(p, _plan({"a": [2_000] * 4, "b": [2_000] * 4}))
    assert adjusted.schedule("ab"[holder]).tolist() == pytest.approx([4_140, 4_140, 0, 0])
    assert adjusted.schedule("ab"[other]).tolist() == pytest.approx([0, 0, 4_140, 4_140])


def test_the_session_holding_its_turn_keeps_charging_whatever_the_line() -> None:
    """An arrival moves the line; the car charging now (in its turn) still gets the room, not a newcomer."""
    for holder in "ab":
        cars = [session(s, 1, 10, min_rate_w=4_140, group_id="site", holding=s == holder) for s in "ab"]
        p = problem(cars, groups=[GridGroup("site", capacity_w=6_000)])
        adjusted = apply_min_rates(p, _plan({"a": [2_000] * 4, "b": [2_000] * 4}))
        assert adjusted.schedule(holder).tolist() == pytest.approx([4_140] * 4)

"""Scenario MPC: one copy of the present cars per scenario of future arrivals, the first step shared."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fera.planning import GridGroup, Phase, PlanningProblem, ProfileType, Session, SessionStatistics, plan
from tests.unit.planning.factory import NOW, STEP, problem, session

HOUR = timedelta(hours=1)
PRICE = [0.50] * 4 + [0.40] * 8 + [0.10] * 4  # dearest first, cheap in the fourth hour
SITE = [GridGroup("site", capacity_w=7_000)]


def _urgent() -> Session:
    """A car that must charge flat out for the whole fourth hour."""
    return Session(
        "u", NOW + 3 * HOUR, NOW + 4 * HOUR, 7.0, 7_000, profile_type=ProfileType.CHEAP, group_id="site"
    )


def test_a_car_with_slack_waits_even_if_some_future_needs_its_cheap_hour() -> None:
    """Only the first step is applied: it can still charge in the dear hours later if the urgent car comes,
    so it does not pay for the hedge now."""
    car = session("a", 4, 7.0, profile_type=ProfileType.CHEAP, group_id="site")
    result = plan(problem([car], groups=SITE, price=PRICE, scenarios=[[_urgent()], []]))
    assert result.schedule("a")[0] == 0
    # The mean plan: half of it in the cheap hour (the empty day), half before it (the urgent car's day).
    assert result.schedule("a")[12:].sum() / 1e3 * 0.25 == pytest.approx(3.5)
    assert result.delivered_kwh("a") == pytest.approx(7.0)


def test_a_car_without_slack_charges_now_when_one_future_needs_its_cheap_hour() -> None:
    car = session("a", 4, 21.0, profile_type=ProfileType.CHEAP, group_id="site")  # three of four hours
    alone = plan(problem([car], groups=SITE, price=PRICE))
    assert alone.schedule("a")[0] == 0  # skips the dearest hour and takes the cheap one
    hedged = plan(problem([car], groups=SITE, price=PRICE, scenarios=[[_urgent()], []]))
    assert hedged.schedule("a")[0] == pytest.approx(7_000)
    assert hedged.delivered_kwh("a") == pytest.approx(21.0)


def test_a_scenario_car_worth_less_than_the_price_gap_gets_no_hedge() -> None:
    """Weight 0.001: the urgent car's kWh is worth 0.1, below the dear hour's premium (1, rescaled)."""
    car = session("a", 4, 21.0, profile_type=ProfileType.CHEAP, group_id="site")
    cheap = problem([car], groups=SITE, price=PRICE, scenarios=[[_urgent()], []], scenario_weight=0.001)
    assert plan(cheap).schedule("a")[0] == 0


@pytest.mark.parametrize("weight", [0.0, -0.1, 1.5])
def test_a_scenario_weight_outside_0_1_is_refused(weight: float) -> None:
    with pytest.raises(ValueError, match="scenario_weight"):
        problem([], scenarios=[[_urgent()]], scenario_weight=weight)


def test_the_mean_plan_keeps_every_limit_of_every_phase() -> None:
    board = GridGroup(
        "board", phase_capacity_w={Phase.L1: 7_400, Phase.L2: 3_700}, members=frozenset({"e1", "e2"})
    )
    cars = [
        Session("a", NOW, NOW + 2 * HOUR, 10.0, 7_400, phases=(Phase.L1,), evse_id="e1"),
        Session("b", NOW, NOW + 2 * HOUR, 10.0, 7_400, phases=(Phase.L2,), evse_id="e2"),
    ]
    later = Session("x", NOW + HOUR, NOW + 2 * HOUR, 7.0, 7_400, phases=(Phase.L1,), evse_id="e1")
    result = plan(PlanningProblem(NOW, STEP, cars, [board], scenarios=[[later], [], [later]]))
    assert (result.schedule("a") <= 7_400 + 1e-3).all() and (result.schedule("b") <= 3_700 + 1e-3).all()
    assert result.schedule("a")[0] == pytest.approx(7_400)  # charges before the car that may take L1


def test_expected_and_scenarios_are_one_or_the_other() -> None:
    with pytest.raises(ValueError, match="give one"):
        problem([], expected=[_urgent()], scenarios=[[_urgent()]])


def test_each_day_of_history_is_one_scenario_of_the_arrivals_ahead() -> None:
    stats = SessionStatistics()
    for days_back, hours in ((1, (9, 20)), (2, (10,)), (8, (7, 11))):
        for h in hours:
            arrival = NOW.replace(hour=h) - timedelta(days=days_back)
            stats.add("loc", arrival, arrival + 2 * HOUR, 5.0 + h)
    # NOW is 08:00 on a Friday; 16 hours ahead reach 00:00 (a time of day before 08:00 is the next day's).
    days = stats.scenarios("loc", NOW, NOW + 16 * HOUR, max_power_w=7_400, count=2)
    assert [[s.arrival.hour for s in day] for day in days] == [[9, 20], [10]]  # the two latest weekdays
    first = days[0][0]
    assert first.departure - first.arrival == 2 * HOUR and first.energy_kwh == 14.0
    everyone = stats.scenarios("loc", NOW, NOW + 24 * HOUR, max_power_w=7_400)
    assert [[s.arrival for s in day] for day in everyone][-1] == [
        NOW.replace(hour=11),
        NOW.replace(hour=7) + timedelta(days=1),
    ]


def test_minimum_rates_hold_in_every_scenario_and_the_shared_first_step() -> None:
    """A 6 A minimum under a 5 kW limit shared with a later car: every copy plans 0 or at least 4.14 kW,
    and the first step is one value in all of them."""
    car = session("a", 2, 5.0, min_rate_w=4_140, profile_type=ProfileType.CHEAP, group_id="site")
    later = Session("x", NOW + STEP, NOW + HOUR, 2.0, 7_000, profile_type=ProfileType.CHEAP, group_id="site")
    site = [GridGroup("site", capacity_w=[5_000] * 2 + [7_000] * 6)]
    p = problem([car], groups=site, price=[0.3, 0.1] * 4, scenarios=[[later], [], [later]])
    result = plan(p)
    first = result.schedule("a")[0]
    assert first == 0 or first >= 4_140 - 1e-3
    assert result.delivered_kwh("a") == pytest.approx(5.0)

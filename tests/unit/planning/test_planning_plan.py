"""plan(): small cases that can be checked by hand."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from fera.planning import GridGroup, Phase, PlanningProblem, ProfileType, Session, phase_watts, plan
from tests.unit.planning.factory import NOW, STEP, kwh, problem, session, total_kw


def test_two_sessions_share_a_site_limit_and_both_get_their_energy() -> None:
    sessions = [session("a", 2, 10, group_id="site"), session("b", 2, 10, group_id="site")]
    result = plan(problem(sessions, groups=[GridGroup("site", capacity_w=10_000)]))
    assert kwh(result, "a") == pytest.approx(10) and kwh(result, "b") == pytest.approx(10)
    assert total_kw(result, "a", "b").max() <= 10.0
    assert result.unmet_kwh.tolist() == pytest.approx([0, 0], abs=1e-4)
    assert result.stats.status == "Optimal"


def test_the_early_departure_is_served_before_it_leaves() -> None:
    sessions = [session("soon", 1, 6, group_id="site"), session("late", 4, 10, group_id="site")]
    result = plan(problem(sessions, groups=[GridGroup("site", capacity_w=7_000)]))
    assert kwh(result, "soon") == pytest.approx(6) and kwh(result, "late") == pytest.approx(10)
    assert result.schedule("soon")[4:].max() == 0  # nothing after its departure


def test_cheap_charges_in_the_cheapest_steps() -> None:
    price = [0.30] * 4 + [0.10] * 4 + [0.40] * 8
    result = plan(problem([session("a", 4, 7, profile_type=ProfileType.CHEAP)], price=price))
    assert result.schedule("a").tolist() == pytest.approx([0] * 4 + [7000] * 4 + [0] * 8)


def test_green_charges_when_co2_is_lowest() -> None:
    co2 = [400.0] * 8 + [100.0] * 4 + [300.0] * 4
    result = plan(problem([session("a", 4, 7, profile_type=ProfileType.GREEN)], co2=co2))
    assert result.schedule("a").tolist() == pytest.approx([0] * 8 + [7000] * 4 + [0] * 4)


def test_fast_charges_at_full_power_from_now() -> None:
    result = plan(problem([session("a", 4, 7, profile_type=ProfileType.FAST)], price=[0.5] * 4 + [0.1]))
    assert result.schedule("a").tolist() == pytest.approx([7000] * 4 + [0] * 12)


def test_regular_sessions_are_flattened_under_their_site() -> None:
    sessions = [session(s, 4, 7, group_id="site") for s in "ab"]
    result = plan(problem(sessions, groups=[GridGroup("site", capacity_w=22_000)]))
    assert total_kw(result, "a", "b").tolist() == pytest.approx([3.5] * 16)


def test_a_single_phase_evse_is_limited_by_its_phase() -> None:
    fuse = GridGroup("site", phase_capacity_w=phase_watts(16))  # 3680 W per phase
    one = session("one", 1, 100, kw=7.4, phases=(Phase.L1,), group_id="site")
    three = session("three", 1, 100, kw=11, group_id="site")
    result = plan(problem([one, three], groups=[fuse]))
    # 11 kW on three phases puts 3667 W on L1: what is left there goes to the single-phase car
    assert result.schedule("three").tolist() == pytest.approx([11_000] * 4)
    assert result.schedule("one").tolist() == pytest.approx([3680 - 11_000 / 3] * 4, abs=0.01)


def test_single_phase_cars_on_different_phases_do_not_compete() -> None:
    fuse = GridGroup("site", phase_capacity_w=phase_watts(16))
    cars = [session(p, 1, 100, kw=7.4, phases=(p,), group_id="site") for p in (Phase.L1, Phase.L2)]
    result = plan(problem(cars, groups=[fuse]))
    assert result.schedule("L1").tolist() == pytest.approx([3680] * 4)
    assert result.schedule("L2").tolist() == pytest.approx([3680] * 4)


def test_overload_reports_unmet_energy_and_never_exceeds_the_limit() -> None:
    sessions = [session("a", 1, 100, kw=50, group_id="site"), session("b", 1, 100, kw=50, group_id="site")]
    result = plan(problem(sessions, groups=[GridGroup("site", capacity_w=10_000)]))
    assert total_kw(result, "a", "b").max() <= 10.0
    assert result.unmet_kwh.sum() == pytest.approx(200 - 10)


def test_nested_groups_limit_sites_and_their_feeder() -> None:
    groups = [
        GridGroup("feeder", capacity_w=12_000),
        GridGroup("a", capacity_w=5_000, parent="feeder"),
        GridGroup("b", capacity_w=10_000, parent="feeder"),
    ]
    sessions = [session("x", 1, 50, kw=22, group_id="a"), session("y", 1, 50, kw=22, group_id="b")]
    result = plan(problem(sessions, groups=groups))
    x, y = result.schedule("x"), result.schedule("y")
    assert x.max() <= 5000 and y.max() <= 10_000
    assert (x + y).tolist() == pytest.approx([12_000] * 4, abs=0.01)


def test_members_may_be_named_by_evse() -> None:
    site = GridGroup("site", capacity_w=3_000, members=frozenset({"evse-1"}))
    result = plan(problem([session("a", 1, 50, evse_id="evse-1")], groups=[site]))
    assert result.schedule("a").max() == pytest.approx(3000)


def test_time_varying_capacity_holds_its_last_value() -> None:
    site = GridGroup("site", capacity_w=[2_000, 4_000])
    result = plan(problem([session("a", 1, 50, group_id="site")], groups=[site]))
    assert result.schedule("a").tolist() == pytest.approx([2000, 4000, 4000, 4000])


def test_a_car_leaving_within_the_first_step_gets_nothing() -> None:
    leaving = session("a", 0.2, 5)
    result = plan(problem([leaving, session("b", 1, 1)]))
    assert result.schedule("a").max() == 0 and result.unmet("a") == pytest.approx(5)


def test_a_future_arrival_gets_power_only_from_its_arrival() -> None:
    later = Session("a", NOW + timedelta(minutes=20), NOW + timedelta(hours=2), 20, 7_000)
    result = plan(PlanningProblem(NOW, STEP, [later]))
    assert result.schedule("a")[:2].max() == 0  # arrives inside step 1, so from step 2
    assert kwh(result, "a") == pytest.approx(7 * 1.5)


def test_nothing_to_plan_gives_an_empty_plan() -> None:
    result = plan(problem([]))
    assert result.power_w.shape == (0, 0) and result.stats.status == "Empty"


@pytest.mark.parametrize(
    "groups",
    [
        [GridGroup("a", parent="nowhere")],
        [GridGroup("a", parent="b"), GridGroup("b", parent="a")],
        [GridGroup("a"), GridGroup("a")],
    ],
)
def test_bad_group_trees_are_rejected(groups: list[GridGroup]) -> None:
    with pytest.raises(ValueError):
        plan(problem([session("s", 1, 1)], groups=groups))


def test_sessions_validate_their_phases_and_rates() -> None:
    with pytest.raises(ValueError):
        session("s", 1, 1, phases=())
    with pytest.raises(ValueError):
        session("s", 1, -1)


def test_solve_stats_describe_the_model() -> None:
    result = plan(problem([session("a", 2, 10, group_id="g")], groups=[GridGroup("g", capacity_w=5000)]))
    assert result.stats.variables >= 8 and result.stats.nonzeros > 0
    assert np.all(result.power_w >= 0)

"""Expected arrivals: fluid sessions from past days that hold capacity for cars not yet arrived."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fera.planning import GridGroup, ProfileType, Session, SessionStatistics, apply_min_rates, plan
from tests.unit.planning.factory import NOW, STEP, problem, session

CHEAP_LAST_HOUR = [0.40] * 12 + [0.10] * 4  # the fourth hour is the cheap one


def _expected(kwh: float = 7.0) -> Session:
    """A car expected for the last of four hours."""
    hour = timedelta(hours=1)
    return Session("exp", NOW + 3 * hour, NOW + 4 * hour, kwh, 7_000, group_id="site")


def _site(**extra: object) -> dict[str, object]:
    return {"groups": [GridGroup("site", capacity_w=7_000)], "price": CHEAP_LAST_HOUR, **extra}


def test_a_known_car_leaves_the_cheap_hour_to_an_expected_arrival() -> None:
    car = session("a", 4, 7, profile_type=ProfileType.CHEAP, group_id="site")
    alone = plan(problem([car], **_site()))
    assert alone.schedule("a")[12:].tolist() == pytest.approx([7000] * 4)
    reserved = plan(problem([car], **_site(expected=[_expected()])))
    assert reserved.session_ids == ("a",) and reserved.power_w.shape[0] == 1
    assert reserved.schedule("a")[12:].max() == pytest.approx(0, abs=1e-6)
    assert reserved.delivered_kwh("a") == pytest.approx(7)


def test_a_present_car_wins_a_true_conflict() -> None:
    car = session("a", 4, 28, profile_type=ProfileType.CHEAP, group_id="site")  # needs all four hours
    result = plan(problem([car], **_site(expected=[_expected()])))
    assert result.delivered_kwh("a") == pytest.approx(28) and result.unmet("a") == pytest.approx(0, abs=1e-5)


def test_expected_sessions_follow_the_arrivals_seen_per_day() -> None:
    stats = SessionStatistics(min_samples=1)
    for day, count in ((1, 2), (2, 1)):  # 3 arrivals at 8:xx over two days: 1.5 per day in that hour
        for k in range(count):
            arrival = NOW - timedelta(days=day) + timedelta(minutes=10 * k)
            stats.add("loc", arrival, arrival + timedelta(hours=2), 12.0)
    assert stats.arrivals_per_hour("loc", NOW) == pytest.approx(1.5)
    assert stats.arrivals_per_hour("loc", NOW + timedelta(hours=1)) == 0.0
    expected = stats.expected_sessions(
        "loc", NOW, NOW + timedelta(hours=3), STEP, max_power_w=10_000, group_id="site"
    )
    assert [s.id for s in expected] == [f"expected:loc:{k}:2" for k in range(4)]  # only the 8:00 hour
    first = expected[0]
    assert first.arrival == NOW + STEP and first.departure == first.arrival + timedelta(hours=2)
    assert first.energy_kwh == pytest.approx(1.5 / 4 * 12.0) and first.max_power_w == pytest.approx(3_750)
    assert first.group_id == "site" and first.profile_type is ProfileType.REGULAR


def test_no_history_expects_nobody() -> None:
    assert (
        SessionStatistics().expected_sessions("loc", NOW, NOW + timedelta(hours=8), STEP, max_power_w=1) == []
    )


def test_expected_cars_staying_longer_do_not_lengthen_the_plan() -> None:
    car = session("a", 1, 3, group_id="site")
    late = Session("exp", NOW + STEP, NOW + timedelta(hours=6), 5.0, 7_000, group_id="site")
    result = plan(problem([car], groups=[GridGroup("site", capacity_w=7_000)], expected=[late]))
    assert result.steps == 4 and result.delivered_kwh("a") == pytest.approx(3)
    assert apply_min_rates(problem([car], groups=[GridGroup("site", capacity_w=7_000)]), result).steps == 4

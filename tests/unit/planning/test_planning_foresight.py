"""Foresight: arrivals learnt per type of day, hour and urgency; expected cars hold room, pay no price."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fera.planning import DayType, GridGroup, ProfileType, Session, SessionStatistics, plan
from tests.unit.planning.factory import NOW, STEP, problem, session

HOUR = timedelta(hours=1)


def _seen(
    stats: SessionStatistics, days_back: int, stay_h: float, kwh: float, token: str | None = None
) -> None:
    arrival = NOW - timedelta(days=days_back)
    stats.add("loc", arrival, arrival + timedelta(hours=stay_h), kwh, token=token)


def test_urgent_arrivals_are_expected_as_such_not_averaged_away() -> None:
    stats = SessionStatistics(min_samples=1)
    _seen(stats, 1, 8, 8.0)  # 1 kW on average: plenty of slack
    _seen(stats, 1, 2, 14.0)  # 7 kW for two hours: must charge the moment it arrives
    expected = stats.expected_sessions("loc", NOW, NOW + STEP, STEP, max_power_w=7_000)
    assert [e.departure - e.arrival for e in expected] == [timedelta(hours=8), timedelta(hours=2)]
    assert [e.energy_kwh for e in expected] == pytest.approx([8.0 / 4, 14.0 / 4])
    assert [e.id for e in expected] == ["expected:loc:0:0", "expected:loc:0:2"]


def test_arrivals_are_counted_per_type_of_day() -> None:
    assert DayType.of(NOW) is DayType.WEEKDAY  # a Friday
    stats = SessionStatistics()
    _seen(stats, 1, 2, 5.0)  # Thursday
    _seen(stats, 6, 2, 5.0)  # Saturday
    _seen(stats, 6, 2, 5.0)
    assert stats.arrivals_per_hour("loc", NOW) == pytest.approx(1.0)
    assert stats.arrivals_per_hour("loc", NOW + timedelta(days=1)) == pytest.approx(2.0)
    only_weekends = SessionStatistics()
    _seen(only_weekends, 6, 2, 5.0)
    assert only_weekends.arrivals_per_hour("loc", NOW) == pytest.approx(1.0)  # better than nothing


def test_a_token_s_own_habits_come_before_the_location_s() -> None:
    stats = SessionStatistics(min_samples=2)
    for days_back in (1, 2):
        _seen(stats, days_back, 9, 30.0, token="commuter")
        _seen(stats, days_back, 1, 4.0)
    assert stats.estimate("loc", NOW, NOW, token="commuter").departure == NOW + timedelta(hours=9)
    assert stats.estimate("loc", NOW, NOW, token="stranger").energy_kwh == pytest.approx(17.0)


def test_buckets_group_the_arrivals_of_an_hour() -> None:
    stats = SessionStatistics(min_samples=1)
    _seen(stats, 1, 8, 8.0)
    expected = stats.expected_sessions(
        "loc", NOW, NOW + HOUR, STEP, max_power_w=7_000, bucket=HOUR, reserve=2
    )
    assert len(expected) == 1 and expected[0].arrival == NOW + STEP
    assert expected[0].energy_kwh == pytest.approx(16.0) and expected[0].max_power_w == pytest.approx(14_000)


def test_a_present_car_keeps_the_cheap_hour_when_the_expected_car_fits_elsewhere() -> None:
    price = [0.40] * 12 + [0.10] * 4
    site = [GridGroup("site", capacity_w=7_000)]
    car = session("a", 4, 7, profile_type=ProfileType.CHEAP, group_id="site")
    later = Session(
        "exp", NOW + HOUR, NOW + 4 * HOUR, 7.0, 7_000, profile_type=ProfileType.CHEAP, group_id="site"
    )
    result = plan(problem([car], groups=site, price=price, expected=[later]))
    assert result.schedule("a")[12:].tolist() == pytest.approx([7000] * 4)


@st.composite
def _days(draw: st.DrawFn) -> tuple[list[Session], list[Session], list[float]]:
    def car(sid: str, first: int) -> Session:
        arrival = NOW + STEP * draw(st.integers(first, 8))
        return Session(
            sid, arrival, arrival + STEP * draw(st.integers(1, 12)), draw(st.floats(0, 30)),
            draw(st.floats(1_000, 11_000)), group_id="site",
            profile_type=draw(st.sampled_from(list(ProfileType))),
        )  # fmt: skip

    present = [car(f"s{i}", 0) for i in range(draw(st.integers(1, 5)))]
    expected = [car(f"e{i}", 1) for i in range(draw(st.integers(0, 5)))]
    price = draw(st.lists(st.floats(-0.2, 0.6), min_size=1, max_size=24))
    return present, expected, price


@settings(max_examples=60, deadline=None)
@given(_days(), st.floats(3_000, 30_000))
def test_expected_cars_never_take_energy_from_present_ones(
    day: tuple[list[Session], list[Session], list[float]], capacity_w: float
) -> None:
    present, expected, price = day
    site = [GridGroup("site", capacity_w=capacity_w)]
    alone = plan(problem(present, groups=site, price=price))
    reserved = plan(problem(present, groups=site, price=price, expected=expected))
    assert float(reserved.unmet_kwh.sum()) == pytest.approx(float(alone.unmet_kwh.sum()), abs=1e-4)


def test_the_reserve_can_hold_more_room_for_urgent_cars() -> None:
    stats = SessionStatistics(min_samples=1)
    _seen(stats, 1, 8, 8.0)
    _seen(stats, 1, 2, 14.0)
    expected = stats.expected_sessions("loc", NOW, NOW + STEP, STEP, max_power_w=7_000, reserve=(1.0, 3.0))
    assert [e.energy_kwh for e in expected] == pytest.approx([8.0 / 4, 3 * 14.0 / 4])


def test_a_share_that_changes_over_time_holds_room_only_where_cars_can_arrive() -> None:
    stats = SessionStatistics(min_samples=1)
    for hour in range(3):
        arrival = NOW - timedelta(days=1) + hour * HOUR
        stats.add("loc", arrival, arrival + 2 * HOUR, 4.0)

    def free_from_the_second_hour(at: datetime) -> float:  # every EVSE here is taken for an hour
        return 0.0 if at < NOW + HOUR else 0.5

    expected = stats.expected_sessions(
        "loc", NOW, NOW + 3 * HOUR, STEP, max_power_w=7_000, bucket=HOUR, share=free_from_the_second_hour
    )
    assert [e.arrival for e in expected] == [NOW + HOUR, NOW + 2 * HOUR]
    assert [e.energy_kwh for e in expected] == pytest.approx([2.0, 2.0])

"""Electrical conversions and OCPI ChargingProfile <-> Schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fera.charging import Electrical, RateProfile, Schedule, profile_from_schedule, schedule_from_profile
from fera.charging._rounding import floor_one_decimal
from fera.charging.rate_profile import FLOAT_NOISE

T0 = datetime(2025, 1, 1, tzinfo=UTC)
AC3 = Electrical("AC_3_PHASE", 230, 32, 22_000)
AC1 = Electrical("AC_1_PHASE", 230, 16, None)
DC = Electrical("DC", 800, 200, 150_000)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


limits = st.one_of(st.none(), st.floats(min_value=0, max_value=50_000, allow_nan=False))
connectors = st.sampled_from([AC3, AC1, DC, Electrical("AC_2_PHASE_SPLIT", 120, 40, None)])


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    offsets = sorted(draw(st.sets(st.integers(-600, 7_200), max_size=8)))
    return Schedule([(at(offset), draw(limits)) for offset in offsets], initial=draw(limits))


@pytest.mark.parametrize(
    ("power_type", "phases"),
    [("AC_1_PHASE", 1), ("AC_2_PHASE", 2), ("AC_2_PHASE_SPLIT", 2), ("AC_3_PHASE", 3), ("DC", 1)],
)
def test_phases(power_type: str, phases: int) -> None:
    assert Electrical(power_type, 230, 16).phases == phases


def test_max_power_is_the_lower_of_rating_and_v_a_phases() -> None:
    assert AC3.max_power_w == 22_000  # 230 x 32 x 3 = 22,080
    assert AC1.max_power_w == 3_680
    assert DC.max_power_w == 150_000  # 800 x 200 = 160,000


def test_amps_watts_with_one_and_three_phases() -> None:
    assert AC3.amps_to_watts(16) == 11_040
    assert AC1.amps_to_watts(16) == 3_680
    assert AC3.watts_to_amps(11_040) == 16
    assert AC1.amps_to_watts(16, number_phases=3) == 3_680  # a profile can't add phases the connector lacks
    assert AC3.amps_to_watts(16, number_phases=1) == 3_680
    assert DC.amps_to_watts(100) == 80_000


def test_unknown_power_type_is_rejected() -> None:
    with pytest.raises(ValueError):
        Electrical("AC_4_PHASE", 230, 16)


@pytest.mark.parametrize(
    ("value", "floored"), [(0.3, 0.3), (7.25, 7.2), (7.29999, 7.2), (3680, 3680), (0.05, 0)]
)
def test_floor_one_decimal(value: float, floored: float) -> None:
    assert floor_one_decimal(value) == floored


def test_relative_profile_in_amps_runs_from_charging_start() -> None:
    profile = RateProfile(charging_rate_unit="A", periods=((0, 16.0), (3600, 8.0)))
    assert schedule_from_profile(profile, AC3, at(100)) == Schedule(
        [(at(100), 11_040.0), (at(3700), 5_520.0)]
    )


def test_absolute_profile_ends_at_its_duration() -> None:
    profile = RateProfile(
        start_date_time=at(0), duration=1800, charging_rate_unit="W", periods=((0, 7400.0),)
    )
    schedule = schedule_from_profile(profile, AC3, at(999))
    assert schedule == Schedule([(at(0), 7400.0), (at(1800), None)])


def test_periods_after_the_duration_are_ignored() -> None:
    profile = RateProfile(
        start_date_time=at(0), duration=60, charging_rate_unit="W", periods=((0, 1.0), (60, 2.0))
    )
    assert schedule_from_profile(profile, AC3, at(0)) == Schedule([(at(0), 1.0), (at(60), None)])


def test_rate_profile_checks_unit_and_order() -> None:
    with pytest.raises(ValueError):
        RateProfile(charging_rate_unit="kW")
    with pytest.raises(ValueError):
        RateProfile(charging_rate_unit="W", periods=((60, 1.0), (0, 2.0)))


def test_profile_rounds_down_fills_gaps_and_merges() -> None:
    schedule = Schedule([(at(0), 7400.07), (at(60), 7400.01), (at(120), None), (at(180), 1000.0)])
    profile = profile_from_schedule(schedule, AC3, at(0), 240, "W", min_charging_rate=1380)
    assert profile == RateProfile(
        start_date_time=at(0),
        duration=240,
        charging_rate_unit="W",
        min_charging_rate=1380,
        periods=((0, 7400.0), (120, 22_000.0), (180, 1000.0)),
    )


def test_profile_in_amps_for_a_three_phase_connector() -> None:
    profile = profile_from_schedule(Schedule.constant(11_000), AC3, at(0), 60, "A")
    assert profile.periods == ((0, 15.9),)  # 11,000 / 690 = 15.94


def test_a_limit_in_amps_that_went_through_watts_comes_back_to_its_tenth() -> None:
    # A site share of 23.4 A on a three-phase EVSE: 23.4 x 690 = 16145.999999999998 W (23.4 x 230 x 3 is
    # 16146.0). It was written as 23.2 A: floored for the noise, then a tenth off floored once more.
    assert 23.4 * 690 < AC3.amps_to_watts(23.4)
    profile = profile_from_schedule(Schedule.constant(23.4 * 690), AC3, at(0), 60, "A")
    assert profile.periods == ((0, 23.4),)
    for tenths in range(0, 319):  # every limit up to the EVSE's 22 kW, as a site share computes it
        written = profile_from_schedule(Schedule.constant(tenths / 10 * 690), AC3, at(0), 60, "A")
        assert written.periods == ((0, tenths / 10),)


def test_a_limit_changing_inside_a_second_takes_the_lower_for_that_second() -> None:
    schedule = Schedule([(at(0), 100.0), (at(10.5), 50.0), (at(20.25), 200.0), (at(20.75), 300.0)])
    profile = profile_from_schedule(schedule, AC3, at(0), 30, "W")
    assert profile.periods == ((0, 100.0), (10, 50.0), (21, 300.0))


@settings(max_examples=150, deadline=None)
@given(schedules(), connectors, st.sampled_from(["A", "W"]), st.integers(1, 7_200))
def test_written_profile_never_exceeds_the_schedule(
    schedule: Schedule, electrical: Electrical, unit: str, duration: int
) -> None:
    written = schedule_from_profile(
        profile_from_schedule(schedule, electrical, at(0), duration, unit), electrical, at(0)
    )
    filled = schedule.fill(electrical.max_power_w)
    for t, limit in written.breakpoints():
        for probe in (t, t + timedelta(microseconds=1)):
            source = filled.limit_at(probe)
            assert limit is None or (source is not None and limit <= source * (1 + FLOAT_NOISE))
    assert written.limit_at(at(duration)) is None  # after the duration: no limit


@settings(max_examples=150, deadline=None)
@given(schedules(), connectors, st.integers(1, 7_200))
def test_round_trip_in_watts_is_the_floored_clipped_schedule(
    schedule: Schedule, electrical: Electrical, duration: int
) -> None:
    profile = profile_from_schedule(schedule, electrical, at(0), duration, "W")
    expected = schedule.fill(electrical.max_power_w).map(floor_one_decimal).clip(at(0), at(duration))
    assert schedule_from_profile(profile, electrical, at(0)) == expected
    assert profile.periods[0][0] == 0


@settings(max_examples=100, deadline=None)
@given(schedules(), connectors, st.integers(1, 7_200))
def test_round_trip_in_amps_is_stable(schedule: Schedule, electrical: Electrical, duration: int) -> None:
    profile = profile_from_schedule(schedule, electrical, at(0), duration, "A")
    again = profile_from_schedule(
        schedule_from_profile(profile, electrical, at(0)), electrical, at(0), duration, "A"
    )
    assert again == profile

"""Composite schedules: one hand-checked test per OCPP rule, and a property against a naive evaluator."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fera.charging import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    Electrical,
    OcppChargingProfile,
    ProfileStack,
    RecurrencyKind,
    Schedule,
    SchedulePeriod,
    composite_schedule,
    connector_limit_at,
    station_composite_schedule,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)
DAY = 86_400
AC3 = Electrical("AC_3_PHASE", 230, 32, None)  # 22,080 W
AC1 = Electrical("AC_1_PHASE", 230, 32, None)  # 7,360 W
DC = Electrical("DC", 800, 200, 150_000)
Purpose = ChargingProfilePurpose
Kind = ChargingProfileKind


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def profile(
    id: int, purpose: Purpose, level: int, *periods: tuple[int, float], **changes: Any
) -> OcppChargingProfile:
    """An Absolute W profile on connector 1 starting at T0, unless `changes` say otherwise."""
    base = OcppChargingProfile(
        id=id,
        stack_level=level,
        purpose=purpose,
        kind=Kind.ABSOLUTE,
        unit="W",
        periods=tuple(SchedulePeriod(start, limit) for start, limit in periods),
        connector_id=0 if purpose is Purpose.CHARGE_POINT_MAX else 1,
        start_schedule=T0,
    )
    return dataclasses.replace(base, **changes)


def composite(
    profiles: list[OcppChargingProfile],
    electrical: Electrical = AC3,
    duration: int = DAY,
    transaction_start: datetime | None = None,
) -> Schedule:
    return composite_schedule(profiles, 1, T0, duration, electrical, transaction_start)


def test_no_profile_no_limit() -> None:
    assert composite([]) == Schedule.unlimited()


def test_the_result_only_covers_the_requested_window() -> None:
    result = composite([profile(1, Purpose.TX_DEFAULT, 0, (0, 5000.0))], duration=3600)
    assert result == Schedule([(at(0), 5000.0), (at(3600), None)])


def test_highest_stack_level_wins_even_when_higher() -> None:
    low = profile(1, Purpose.TX_DEFAULT, 0, (0, 3000.0))
    high = profile(2, Purpose.TX_DEFAULT, 1, (0, 9000.0))
    assert composite([low, high], duration=60).limit_at(at(0)) == 9000.0


def test_a_higher_level_falls_back_after_its_duration_but_not_without_one() -> None:
    low = profile(1, Purpose.TX_DEFAULT, 0, (0, 3000.0))
    high = profile(2, Purpose.TX_DEFAULT, 1, (0, 9000.0), duration=600)
    result = composite([low, high], duration=1200)
    assert [result.limit_at(at(s)) for s in (0, 599, 600, 1199)] == [9000.0, 9000.0, 3000.0, 3000.0]
    endless = profile(2, Purpose.TX_DEFAULT, 1, (0, 9000.0))
    assert composite([low, endless], duration=1200).limit_at(at(1199)) == 9000.0


def test_a_connector_profile_beats_the_station_wide_default_at_equal_level() -> None:
    station_wide = profile(1, Purpose.TX_DEFAULT, 0, (0, 3000.0), connector_id=0)
    own = profile(2, Purpose.TX_DEFAULT, 0, (0, 5000.0))
    other = profile(3, Purpose.TX_DEFAULT, 0, (0, 1.0), connector_id=2)
    assert composite([station_wide, own, other], duration=60).limit_at(at(0)) == 5000.0
    assert composite([station_wide, other], duration=60).limit_at(at(0)) == 3000.0


def test_tx_overrides_tx_default_where_it_has_a_limit() -> None:
    default = profile(1, Purpose.TX_DEFAULT, 5, (0, 3000.0))
    tx = profile(2, Purpose.TX, 0, (0, 9000.0), duration=600)
    result = composite([default, tx], duration=1200)
    assert [result.limit_at(at(s)) for s in (0, 600)] == [9000.0, 3000.0]


def test_charge_point_max_caps_everything() -> None:
    station_max = profile(1, Purpose.CHARGE_POINT_MAX, 0, (0, 11_000.0), (600, 4000.0))
    tx = profile(2, Purpose.TX, 0, (0, 32.0), unit="A")  # 22,080 W
    result = composite([station_max, tx], duration=1200)
    assert result == Schedule([(at(0), 11_000.0), (at(600), 4000.0), (at(1200), None)])


def test_charge_point_max_on_a_connector_is_ignored() -> None:
    misplaced = profile(1, Purpose.CHARGE_POINT_MAX, 0, (0, 1.0), connector_id=1)
    assert composite([misplaced]) == Schedule.unlimited()


def test_relative_profiles_start_at_the_transaction() -> None:
    relative = profile(1, Purpose.TX, 0, (0, 1000.0), (600, 2000.0), kind=Kind.RELATIVE, start_schedule=None)
    result = composite([relative], duration=3600, transaction_start=at(-300))
    assert [result.limit_at(at(s)) for s in (0, 299, 300)] == [1000.0, 1000.0, 2000.0]
    without_transaction = composite([relative], duration=3600)  # as if it started at the window's start
    assert [without_transaction.limit_at(at(s)) for s in (0, 599, 600)] == [1000.0, 1000.0, 2000.0]


def test_an_absolute_profile_limits_nothing_before_its_start() -> None:
    later = profile(1, Purpose.TX_DEFAULT, 1, (0, 1000.0), start_schedule=at(600))
    fallback = profile(2, Purpose.TX_DEFAULT, 0, (0, 5000.0))
    result = composite([later, fallback], duration=1200)
    assert [result.limit_at(at(s)) for s in (0, 600)] == [5000.0, 1000.0]
    assert composite([later], duration=1200).limit_at(at(0)) is None


def test_recurring_daily_repeats_every_day() -> None:
    night = profile(
        1,
        Purpose.TX_DEFAULT,
        0,
        (0, 2000.0),
        (3600, 4000.0),
        kind=Kind.RECURRING,
        recurrency=RecurrencyKind.DAILY,
        start_schedule=at(-2 * DAY + 22 * 3600),
        duration=8 * 3600,
    )
    result = composite([night], duration=3 * DAY)
    hours = [result.limit_at(at(h * 3600)) for h in (0, 5, 6, 12, 22, 23, 24 + 5, 24 + 12, 2 * 24 + 22)]
    assert hours == [4000.0, 4000.0, None, None, 2000.0, 4000.0, 4000.0, None, 2000.0]


def test_recurring_weekly_repeats_every_week() -> None:
    monday = profile(
        1,
        Purpose.TX_DEFAULT,
        0,
        (0, 1000.0),
        kind=Kind.RECURRING,
        recurrency=RecurrencyKind.WEEKLY,
        start_schedule=at(0),
        duration=DAY,
    )
    result = composite([monday], duration=15 * DAY)
    assert [result.limit_at(at(d * DAY)) for d in (0, 1, 6, 7, 8, 14)] == [
        1000.0,
        None,
        None,
        1000.0,
        None,
        1000.0,
    ]


def test_valid_from_and_valid_to_bound_a_profile() -> None:
    bounded = profile(1, Purpose.TX_DEFAULT, 1, (0, 1000.0), valid_from=at(600), valid_to=at(1200))
    fallback = profile(2, Purpose.TX_DEFAULT, 0, (0, 5000.0))
    result = composite([bounded, fallback], duration=1800)
    assert [result.limit_at(at(s)) for s in (0, 600, 1199, 1200)] == [5000.0, 1000.0, 1000.0, 5000.0]


def test_amps_with_three_and_one_phases() -> None:
    amps = profile(1, Purpose.TX, 0, (0, 16.0), unit="A")
    assert composite([amps], AC3).limit_at(at(0)) == 11_040.0  # 16 A x 230 V x 3
    assert composite([amps], AC1).limit_at(at(0)) == 3_680.0  # numberPhases 3 capped to the connector's 1
    one_phase = dataclasses.replace(amps, periods=(SchedulePeriod(0, 16.0, number_phases=1),))
    assert composite([one_phase], AC3).limit_at(at(0)) == 3_680.0


def test_amps_and_watts_in_one_period_take_the_lower() -> None:
    station_max = profile(1, Purpose.CHARGE_POINT_MAX, 0, (0, 10_000.0))
    amps = profile(2, Purpose.TX, 0, (0, 16.0), (600, 10.0), unit="A")
    result = composite([station_max, amps], duration=1200)
    assert [result.limit_at(at(s)) for s in (0, 600)] == [10_000.0, 6_900.0]


def test_dc_limits() -> None:
    watts = profile(1, Purpose.TX, 0, (0, 50_000.0))
    assert composite([watts], DC).limit_at(at(0)) == 50_000.0
    amps = profile(1, Purpose.TX, 0, (0, 100.0), unit="A")
    assert composite([amps], DC).limit_at(at(0)) == 80_000.0  # 100 A x 800 V


def test_connector_limit_at_and_the_stack() -> None:
    stack = ProfileStack()
    stack.install(profile(1, Purpose.TX_DEFAULT, 0, (0, 7000.0), connector_id=0))
    stack.install(profile(2, Purpose.TX, 0, (0, 3000.0)))
    assert connector_limit_at(stack, 1, at(10), AC3, at(0)) == 3000.0
    stack.end_transaction(1)
    assert connector_limit_at(stack, 1, at(10), AC3, None) == 7000.0
    assert connector_limit_at(stack, 2, at(10), AC3, None) == 7000.0


def test_station_composite_sums_connectors_then_caps() -> None:
    station_max = profile(1, Purpose.CHARGE_POINT_MAX, 0, (0, 30_000.0))
    default = profile(2, Purpose.TX_DEFAULT, 0, (0, 10_000.0), connector_id=0)
    connectors = {1: AC3, 2: AC3, 3: AC1}
    result = station_composite_schedule([default], connectors, T0, 60, AC3)
    assert result.limit_at(at(0)) == 30_000.0  # 10 kW x 3 connectors: the default applies to each
    assert (
        station_composite_schedule([station_max, default], connectors, T0, 60, AC3).limit_at(at(0))
        == 30_000.0
    )
    only_one = profile(3, Purpose.TX, 0, (0, 1_000.0), connector_id=2)
    unlimited = station_composite_schedule([only_one], connectors, T0, 60, AC3).limit_at(at(0))
    assert unlimited == 22_080.0 + 1_000.0 + 7_360.0  # unlimited connectors count their maximum


# --- property: the composite equals a naive evaluation of the rules at any instant -------------------------

RECURRENCE = {RecurrencyKind.DAILY: DAY, RecurrencyKind.WEEKLY: 7 * DAY}


def naive_limit(
    p: OcppChargingProfile, t: datetime, electrical: Electrical, tx_start: datetime
) -> float | None:
    """One profile's limit at `t`, straight from the rules, independent of Schedule."""
    if (p.valid_from and t < p.valid_from) or (p.valid_to and t >= p.valid_to):
        return None
    origin = tx_start if p.kind is Kind.RELATIVE else p.start_schedule
    assert origin is not None
    offset = (t - origin).total_seconds()
    if p.kind is Kind.RECURRING and p.recurrency is not None:
        offset = offset - RECURRENCE[p.recurrency] * math.floor(offset / RECURRENCE[p.recurrency])
    if offset < 0 or (p.duration is not None and offset >= p.duration):
        return None
    period = [q for q in p.periods if q.start_period <= offset][-1]
    if p.unit == "W":
        return period.limit
    return electrical.amps_to_watts(period.limit, period.number_phases or 3)


def naive_composite(
    profiles: list[OcppChargingProfile], t: datetime, electrical: Electrical, tx_start: datetime
) -> float | None:
    def winner(purposes: set[Purpose]) -> float | None:
        ranked = sorted(
            (p for p in profiles if p.purpose in purposes),
            key=lambda p: (-p.stack_level, p.connector_id == 0),
        )
        return next(
            (limit for p in ranked if (limit := naive_limit(p, t, electrical, tx_start)) is not None), None
        )

    tx = winner({Purpose.TX})
    candidates = [winner({Purpose.CHARGE_POINT_MAX}), tx if tx is not None else winner({Purpose.TX_DEFAULT})]
    present = [c for c in candidates if c is not None]
    return min(present) if present else None


@st.composite
def ocpp_profiles(draw: st.DrawFn, id: int) -> OcppChargingProfile:
    purpose = draw(st.sampled_from([Purpose.CHARGE_POINT_MAX, Purpose.TX_DEFAULT, Purpose.TX]))
    kinds = [Kind.ABSOLUTE, Kind.RECURRING] + ([] if purpose is Purpose.CHARGE_POINT_MAX else [Kind.RELATIVE])
    kind = draw(st.sampled_from(kinds))
    starts = sorted(draw(st.sets(st.integers(1, 2 * DAY), max_size=5)))
    unit = draw(st.sampled_from(["A", "W"]))
    limit = (
        st.integers(0, 320).map(lambda n: n / 10)
        if unit == "A"
        else st.integers(0, 220).map(lambda n: n * 100.0)
    )
    phases = st.sampled_from([None, 1, 2, 3])
    valid_from = draw(st.none() | st.integers(-DAY, 2 * DAY).map(at))
    return OcppChargingProfile(
        id=id,
        stack_level=draw(st.integers(0, 3)),
        purpose=purpose,
        kind=kind,
        unit=unit,
        periods=tuple(SchedulePeriod(s, draw(limit), draw(phases)) for s in [0, *starts]),
        connector_id={Purpose.CHARGE_POINT_MAX: 0, Purpose.TX: 1}.get(purpose, draw(st.sampled_from([0, 1]))),
        recurrency=draw(st.sampled_from(list(RecurrencyKind))) if kind is Kind.RECURRING else None,
        valid_from=valid_from,
        valid_to=draw(
            st.none() | st.integers(1, 2 * DAY).map(lambda s: (valid_from or T0) + timedelta(seconds=s))
        ),
        start_schedule=None if kind is Kind.RELATIVE else draw(st.integers(-8 * DAY, 2 * DAY).map(at)),
        duration=draw(st.none() | st.integers(1, 3 * DAY)),
    )


@st.composite
def stacks(draw: st.DrawFn) -> list[OcppChargingProfile]:
    stack = ProfileStack()
    for id in range(draw(st.integers(0, 6))):
        stack.install(draw(ocpp_profiles(id)))
    return list(stack)


@settings(max_examples=150, deadline=None)
@given(
    stacks(),
    st.sampled_from([AC3, AC1, DC]),
    st.integers(-DAY, DAY),
    st.lists(st.integers(0, 2 * DAY), max_size=20),
)
def test_composite_matches_the_rules_at_every_instant(
    profiles: list[OcppChargingProfile], electrical: Electrical, tx_offset: int, samples: list[int]
) -> None:
    tx_start = at(tx_offset)
    result = composite(profiles, electrical, 2 * DAY, tx_start)
    probes = [t + timedelta(microseconds=d) for t, _ in result.breakpoints() for d in (-1, 0)]
    for t in [*probes, *map(at, samples)]:
        expected = naive_composite(profiles, t, electrical, tx_start) if T0 <= t < at(2 * DAY) else None
        assert result.limit_at(t) == expected

"""Schedule, minimum, overlay, total: hand-checked cases and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fera.charging import Limit, Schedule, maximum, minimum, overlay, total

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


limits = st.one_of(st.none(), st.floats(min_value=0, max_value=50_000, allow_nan=False))


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    offsets = sorted(draw(st.sets(st.integers(0, 86_400), max_size=8)))
    return Schedule([(at(offset), draw(limits)) for offset in offsets], initial=draw(limits))


def probes(*inputs: Schedule) -> list[datetime]:
    """Every breakpoint, and instants just before and after it: where a step function can change."""
    times = {t for schedule in inputs for t, _ in schedule.breakpoints()} | {T0}
    return sorted(t + timedelta(microseconds=d) for t in times for d in (-1, 0, 1))


def test_limit_at_steps() -> None:
    schedule = Schedule([(at(0), 7400.0), (at(60), None), (at(120), 3700.0)])
    assert [schedule.limit_at(at(s)) for s in (-1, 0, 59, 60, 119, 120, 10**6)] == [
        None,
        7400.0,
        7400.0,
        None,
        None,
        3700.0,
        3700.0,
    ]


def test_constant_and_unlimited() -> None:
    assert Schedule.constant(11_000).limit_at(T0) == 11_000.0
    assert Schedule.unlimited().limit_at(T0) is None
    assert Schedule.unlimited() == Schedule()
    assert Schedule.constant(5) != Schedule.unlimited()


def test_equal_neighbours_merge_so_equality_is_by_value() -> None:
    assert Schedule([(at(0), 5.0), (at(10), 5.0), (at(20), 6.0)]) == Schedule([(at(0), 5.0), (at(20), 6.0)])
    assert Schedule([(at(0), None)]) == Schedule.unlimited()
    assert hash(Schedule([(at(0), 5.0), (at(10), 5.0)])) == hash(Schedule([(at(0), 5.0)]))


def test_times_are_normalised_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    local = Schedule([(datetime(2025, 1, 1, 1, tzinfo=paris), 3.0)])
    assert local == Schedule([(T0, 3.0)])
    assert local.breakpoints()[0][0].tzinfo is UTC


@pytest.mark.parametrize(
    "points",
    [
        [(at(10), 1.0), (at(10), 2.0)],
        [(at(10), 1.0), (at(5), 2.0)],
        [(datetime(2025, 1, 1), 1.0)],
        [(at(0), -1.0)],
        [(at(0), float("nan"))],
    ],
)
def test_invalid_breakpoints_are_rejected(points: list[tuple[datetime, Limit]]) -> None:
    with pytest.raises(ValueError):
        Schedule(points)


def test_clip_limits_only_inside_the_window() -> None:
    schedule = Schedule([(at(0), 1.0), (at(100), 2.0)], initial=9.0)
    clipped = schedule.clip(at(50), at(150))
    assert clipped.breakpoints() == ((at(50), 1.0), (at(100), 2.0), (at(150), None))
    assert clipped.limit_at(at(49)) is None
    assert schedule.clip(at(10), at(10)) == Schedule.unlimited()


def test_segments_cover_the_window() -> None:
    schedule = Schedule([(at(0), 1.0), (at(100), None)])
    assert list(schedule.segments(at(-10), at(200))) == [
        (at(-10), at(0), None),
        (at(0), at(100), 1.0),
        (at(100), at(200), None),
    ]


def test_minimum_ignores_gaps() -> None:
    a = Schedule([(at(0), 10.0), (at(60), None)])
    b = Schedule([(at(30), 20.0), (at(90), 5.0)])
    assert minimum(a, b) == Schedule([(at(0), 10.0), (at(60), 20.0), (at(90), 5.0)])
    assert minimum() == Schedule.unlimited()


def test_overlay_and_total() -> None:
    top = Schedule([(at(0), 1.0), (at(10), None)])
    assert overlay(top, Schedule.constant(7)) == Schedule([(at(0), 1.0), (at(10), 7.0)], initial=7.0)
    assert total(Schedule.constant(2), Schedule.constant(3)) == Schedule.constant(5)
    assert total(Schedule.constant(2), top).limit_at(at(20)) is None
    assert Schedule([(at(0), None)], initial=None).fill(4) == Schedule.constant(4)


@settings(max_examples=150, deadline=None)
@given(st.lists(schedules(), min_size=1, max_size=5))
def test_minimum_is_the_lowest_limit_at_every_instant(inputs: list[Schedule]) -> None:
    result = minimum(*inputs)
    for t in probes(*inputs):
        present = [limit for s in inputs if (limit := s.limit_at(t)) is not None]
        assert result.limit_at(t) == (min(present) if present else None)


@settings(max_examples=100, deadline=None)
@given(st.lists(schedules(), min_size=1, max_size=5))
def test_minimum_never_exceeds_any_input_and_is_merged(inputs: list[Schedule]) -> None:
    result = minimum(*inputs)
    for t in probes(*inputs):
        limit = result.limit_at(t)
        assert all(
            limit is not None and limit <= other for s in inputs if (other := s.limit_at(t)) is not None
        )
    values = [result.initial, *(limit for _, limit in result.breakpoints())]
    assert all(a != b for a, b in zip(values, values[1:], strict=False))


@settings(max_examples=100, deadline=None)
@given(schedules(), st.integers(-100, 90_000), st.integers(0, 90_000))
def test_clip_keeps_limits_inside_and_drops_them_outside(schedule: Schedule, a: int, length: int) -> None:
    clipped = schedule.clip(at(a), at(a + length))
    for t in probes(schedule, clipped):
        inside = at(a) <= t < at(a + length)
        assert clipped.limit_at(t) == (schedule.limit_at(t) if inside else None)


@settings(max_examples=100, deadline=None)
@given(st.lists(schedules(), min_size=1, max_size=5))
def test_maximum_is_the_highest_limit_and_unlimited_where_any_input_is(inputs: list[Schedule]) -> None:
    result = maximum(*inputs)
    for t in probes(*inputs):
        limits = [s.limit_at(t) for s in inputs]
        expected = None if None in limits else max(x for x in limits if x is not None)
        assert result.limit_at(t) == expected

"""Site load management: max-min fair shares, minimum rates, time-varying capacity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fera.charging.schedule import Schedule
from fera.charging.site import SiteDemand, share_capacity, share_instant

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def test_equal_shares_when_everyone_can_take_them() -> None:
    assert share_instant(30_000, [22_000, 22_000, 22_000], [0, 0, 0], [0, 1, 2]) == [10_000, 10_000, 10_000]


def test_a_session_limited_elsewhere_leaves_its_rest_to_the_others() -> None:
    assert share_instant(30_000, [4_000, 22_000, 22_000], [0, 0, 0], [0, 1, 2]) == [4_000, 13_000, 13_000]


def test_minimum_rates_that_do_not_fit_make_the_latest_arrival_wait() -> None:
    shares = share_instant(10_000, [22_000] * 3, [4_140] * 3, [2, 0, 1])  # session 1 arrived last
    assert shares[1] == 0.0 and shares[0] == shares[2] == 5_000


def test_capacity_change_over_time_reaches_every_session() -> None:
    capacity = Schedule([(T0, 20_000.0), (T0 + timedelta(hours=1), 8_000.0)])
    demands = [SiteDemand(f"S{i}", Schedule.constant(11_000.0), T0 + timedelta(minutes=i)) for i in range(2)]
    limits = share_capacity(capacity, demands, T0, T0 + timedelta(hours=2))
    for schedule in limits.values():
        assert schedule.limit_at(T0) == 10_000.0
        assert schedule.limit_at(T0 + timedelta(minutes=90)) == 4_000.0


@settings(max_examples=150, deadline=None)
@given(
    capacity=st.floats(0, 100_000),
    sessions=st.lists(st.tuples(st.floats(0, 50_000), st.floats(0, 10_000)), min_size=1, max_size=8),
)
def test_never_above_capacity_or_a_cap_and_minimum_or_nothing(
    capacity: float, sessions: list[tuple[float, float]]
) -> None:
    caps, minima = [c for c, _ in sessions], [m for _, m in sessions]
    shares = share_instant(capacity, caps, minima, list(range(len(sessions))))
    assert sum(shares) <= capacity + 1e-6
    for share, cap, minimum in zip(shares, caps, minima, strict=True):
        assert -1e-9 <= share <= cap + 1e-6
        assert share == 0.0 or share >= min(minimum, cap) - 1e-6
    if sum(caps) <= capacity:
        assert all(abs(s - c) < 1e-6 for s, c in zip(shares, caps, strict=True))  # enough for everyone

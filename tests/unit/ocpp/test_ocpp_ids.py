"""OCPP 1.6 transaction ids: increasing, clock-based, unique across restarts."""

from __future__ import annotations

from datetime import UTC, datetime

from fera.ocpp import ClockTransactionIds

T0 = datetime(2026, 3, 1, tzinfo=UTC).timestamp()


class FakeClock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_ids_follow_the_clock_in_tenths_of_seconds_since_2025() -> None:
    clock = FakeClock(T0)
    ids = ClockTransactionIds(clock)
    first = ids()
    assert first == int((T0 - datetime(2025, 1, 1, tzinfo=UTC).timestamp()) * 10)
    clock.t += 60
    assert ids() == first + 600


def test_a_burst_counts_on_past_the_clock() -> None:
    ids = ClockTransactionIds(FakeClock(T0))
    burst = [ids() for _ in range(1000)]
    assert burst == list(range(burst[0], burst[0] + 1000))


def test_a_restart_does_not_reuse_ids() -> None:
    clock = FakeClock(T0)
    before = ClockTransactionIds(clock)
    issued = {before() for _ in range(50)}  # 5 s worth of ids in an instant
    clock.t += 10  # restarted 10 s later
    assert ClockTransactionIds(clock)() not in issued


def test_ids_fit_int32_for_years() -> None:
    late_2031 = datetime(2031, 10, 1, tzinfo=UTC).timestamp()
    assert ClockTransactionIds(FakeClock(late_2031))() < 2**31

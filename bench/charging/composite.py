"""Time to compute one session's limits, against a naive minute-by-minute evaluation in the same process.

Run: .venv/bin/python -m bench.charging.composite

Two workloads per session, over a 24 h horizon, for profiles of 1, 4, 24 and 96 periods:
- "cpo": the ActiveChargingProfile a CPO writes: 3 senders' OCPI profiles + the site limit + the hardware
  maximum, minimum taken, written back as one OCPI profile (schedule_from_profile, minimum,
  profile_from_schedule);
- "station": an OCPP composite schedule: ChargePointMax + TxDefault on two stack levels + a TxProfile in A.
The naive baseline samples every minute, scans each input's periods linearly and merges equal minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from fera.charging import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    Electrical,
    OcppChargingProfile,
    RateProfile,
    Schedule,
    SchedulePeriod,
    composite_schedule,
    minimum,
    profile_from_schedule,
    schedule_from_profile,
)

HORIZON = 86_400
START = datetime(2025, 1, 1, tzinfo=UTC)
AC3 = Electrical("AC_3_PHASE", 230, 32, 22_000)
Periods = tuple[tuple[int, float], ...]


def periods(count: int, seed: int, low: float, high: float) -> Periods:
    """`count` evenly spaced periods over the horizon, shifted by `seed` so inputs don't change together."""
    step = HORIZON // count
    span = high - low
    return tuple(
        (0 if i == 0 else i * step - 60 * seed, low + (i * 7 + seed * 13) % 10 * span / 10)
        for i in range(count)
    )


def cpo_inputs(count: int) -> tuple[list[RateProfile], Schedule]:
    senders = [
        RateProfile(start_date_time=START, charging_rate_unit="W", periods=periods(count, 1, 3_000, 22_000)),
        RateProfile(start_date_time=START, charging_rate_unit="A", periods=periods(count, 2, 6, 32)),
        RateProfile(
            start_date_time=START,
            duration=HORIZON,
            charging_rate_unit="W",
            periods=periods(count, 3, 0, 11_000),
        ),
    ]
    site = Schedule((START + timedelta(seconds=s), w) for s, w in periods(count, 4, 5_000, 20_000))
    return senders, site


def cpo_ours(senders: list[RateProfile], site: Schedule) -> RateProfile:
    schedules = [schedule_from_profile(sender, AC3, START) for sender in senders]
    hardware = Schedule.constant(AC3.max_power_w)
    return profile_from_schedule(minimum(*schedules, site, hardware), AC3, START, HORIZON, "W")


def station_inputs(count: int) -> list[OcppChargingProfile]:
    def make(
        id: int, purpose: ChargingProfilePurpose, level: int, unit: str, ps: Periods
    ) -> OcppChargingProfile:
        return OcppChargingProfile(
            id=id, stack_level=level, purpose=purpose, kind=ChargingProfileKind.ABSOLUTE, unit=unit,
            periods=tuple(SchedulePeriod(s, limit) for s, limit in ps), connector_id=0 if id < 3 else 1,
            start_schedule=START,
        )  # fmt: skip

    return [
        make(1, ChargingProfilePurpose.CHARGE_POINT_MAX, 0, "W", periods(count, 1, 8_000, 40_000)),
        make(2, ChargingProfilePurpose.TX_DEFAULT, 0, "A", periods(count, 2, 6, 32)),
        make(3, ChargingProfilePurpose.TX_DEFAULT, 1, "W", periods(count, 3, 3_000, 22_000)),
        make(4, ChargingProfilePurpose.TX, 0, "A", periods(count, 4, 6, 32)),
    ]


def station_ours(profiles: list[OcppChargingProfile]) -> Schedule:
    return composite_schedule(profiles, 1, START, HORIZON, AC3, START)


def scan(ps: Periods, offset: float) -> float:
    """The limit at `offset`: a linear scan, as a naive implementation would."""
    limit = ps[0][1]
    for start, value in ps:
        if start > offset:
            break
        limit = value
    return limit


def merge(samples: list[float]) -> list[tuple[int, float]]:
    out: list[tuple[int, float]] = []
    for minute, value in enumerate(samples):
        if not out or out[-1][1] != value:
            out.append((minute * 60, value))
    return out


def cpo_naive(senders: list[RateProfile], site: Schedule) -> list[tuple[int, float]]:
    site_periods = tuple((int((t - START).total_seconds()), w or 0.0) for t, w in site.breakpoints())
    samples = []
    for minute in range(HORIZON // 60):
        watts = [scan(s.periods, minute * 60) * (690 if s.charging_rate_unit == "A" else 1) for s in senders]
        samples.append(min([*watts, scan(site_periods, minute * 60), AC3.max_power_w]))
    return merge(samples)


def station_naive(profiles: list[OcppChargingProfile]) -> list[tuple[int, float]]:
    tables = {
        p.id: tuple((q.start_period, q.limit * (690 if p.unit == "A" else 1)) for q in p.periods)
        for p in profiles
    }
    samples = []
    for minute in range(HORIZON // 60):
        limit = {i: scan(table, minute * 60) for i, table in tables.items()}
        samples.append(min(limit[1], limit[4]))  # Tx covers the whole horizon, so it overrides TxDefault
    return merge(samples)


def agree(ours: list[tuple[int, float]], naive: list[tuple[int, float]]) -> bool:
    """Same limit every minute, up to our rounding down to one decimal."""
    return all(
        abs(scan(tuple(ours), m * 60) - scan(tuple(naive), m * 60)) < 0.1 for m in range(HORIZON // 60)
    )


def check(count: int) -> None:
    senders, site = cpo_inputs(count)
    assert agree(list(cpo_ours(senders, site).periods), cpo_naive(senders, site)), "cpo results differ"
    stack = station_inputs(count)
    ours = [((t - START).total_seconds(), w or 0.0) for t, w in station_ours(stack).breakpoints()]
    assert agree([(int(s), w) for s, w in ours], station_naive(stack)), "station results differ"


def per_call_us(fn: Callable[[], object], budget_s: float = 0.3) -> float:
    fn()  # warm up
    calls, began = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - began) < budget_s:
        fn()
        calls += 1
    return elapsed / calls * 1e6


def main() -> None:
    print(f"{'workload':<9}{'periods':>8}{'ours µs':>12}{'naive µs':>12}{'naive/ours':>12}")
    for count in (1, 4, 24, 96):
        check(count)
        senders, site = cpo_inputs(count)
        stack = station_inputs(count)
        rows: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
            ("cpo", partial(cpo_ours, senders, site), partial(cpo_naive, senders, site)),
            ("station", partial(station_ours, stack), partial(station_naive, stack)),
        ]
        for name, ours_fn, naive_fn in rows:
            ours, naive = per_call_us(ours_fn), per_call_us(naive_fn)
            print(f"{name:<9}{count:>8}{ours:>12.1f}{naive:>12.1f}{naive / ours:>11.1f}x")


if __name__ == "__main__":
    main()

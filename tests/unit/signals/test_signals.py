"""Signals in: OSCP-like capacity blocks and OpenADR-3-like price events, JSON and CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from fera.signals import (
    CapacityForecast,
    SignalKind,
    SignalSeries,
    capacity_limits,
    capacity_schedule,
    forecast_from_csv,
    series_from_csv,
    step_values,
)

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_oscp_blocks_become_watts_with_fallback_between_and_outside() -> None:
    forecast = CapacityForecast.model_validate(
        {
            "group_id": "LOC1",
            "fallback": 20,
            "blocks": [
                {
                    "capacity": 50,
                    "unit": "KW",
                    "start_time": "2026-03-01T12:00:00Z",
                    "end_time": "2026-03-01T13:00:00Z",
                },
                {
                    "capacity": 30,
                    "unit": "KW",
                    "start_time": "2026-03-01T14:00:00Z",
                    "end_time": "2026-03-01T15:00:00Z",
                },
            ],
        }
    )
    schedule = capacity_schedule(forecast)
    assert [schedule.limit_at(T0 + timedelta(minutes=m)) for m in (-1, 0, 70, 130, 190)] == [
        20_000.0,
        50_000.0,
        20_000.0,
        30_000.0,
        20_000.0,
    ]


def test_amps_per_phase_and_no_fallback_means_no_limit() -> None:
    forecast = CapacityForecast.model_validate(
        {
            "group_id": "G",
            "blocks": [
                {
                    "capacity": 63,
                    "unit": "A",
                    "phase": "ALL",
                    "start_time": "2026-03-01T12:00:00",
                    "end_time": "2026-03-01T13:00:00",
                }
            ],
        }
    )
    schedule = capacity_schedule(forecast)
    assert schedule.limit_at(T0) == 63 * 230 * 3 and schedule.limit_at(T0 + timedelta(hours=2)) is None


def test_overlapping_or_inverted_blocks_are_refused() -> None:
    with pytest.raises(ValidationError):
        CapacityForecast.model_validate(
            {
                "group_id": "G",
                "blocks": [
                    {"capacity": 1, "start_time": "2026-03-01T13:00:00Z", "end_time": "2026-03-01T12:00:00Z"}
                ],
            }
        )
    text = (
        "start,end,capacity\n2026-03-01T12:00:00+00:00,2026-03-01T13:00:00+00:00,10\n"
        "2026-03-01T12:30:00+00:00,2026-03-01T14:00:00+00:00,10\n"
    )
    with pytest.raises(ValueError, match="overlap"):
        capacity_schedule(forecast_from_csv("G", text))


def test_openadr_price_event_gives_one_value_per_step() -> None:
    event = SignalSeries.model_validate(
        {
            "intervalPeriod": {"start": "2026-03-01T12:00:00Z", "duration": "PT1H"},
            "intervals": [
                {
                    "id": 0,
                    "payloads": [{"type": "PRICE", "values": [0.30]}, {"type": "GHG", "values": [400]}],
                },
                {"id": 1, "payloads": [{"type": "PRICE", "values": [0.10]}]},
            ],
        }
    )
    prices = step_values([event], SignalKind.PRICE, T0, timedelta(minutes=30), 6, default=0.2)
    assert prices == [0.30, 0.30, 0.10, 0.10, 0.2, 0.2]
    assert step_values([event], SignalKind.GHG, T0, timedelta(hours=1), 2, default=0.0) == [400, 0.0]


def test_csv_series() -> None:
    text = "start,end,value\n2026-03-01T12:00:00+00:00,2026-03-01T12:15:00+00:00,0.25\n"
    series = series_from_csv(SignalKind.PRICE, text)
    assert series.points(SignalKind.PRICE) == [(T0, T0 + timedelta(minutes=15), 0.25)]


def test_per_phase_blocks_may_overlap_in_time_and_stay_per_phase() -> None:
    def block(capacity: float, unit: str, phase: str, hours: int) -> dict[str, object]:
        return {
            "capacity": capacity,
            "unit": unit,
            "phase": phase,
            "start_time": "2026-03-01T12:00:00Z",
            "end_time": f"2026-03-01T{12 + hours}:00:00Z",
        }

    forecast = CapacityForecast.model_validate(
        {
            "group_id": "G",
            "blocks": [block(40, "A", "ONE", 1), block(50, "A", "TWO", 2), block(30, "KW", "ALL", 2)],
        }
    )
    limits = capacity_limits(forecast)
    assert sorted(limits.phase_a) == ["L1", "L2"]  # THREE has no block: no limit on L3
    assert (limits.phase_a["L1"].limit_at(T0), limits.phase_a["L2"].limit_at(T0)) == (40, 50)
    assert limits.phase_a["L1"].limit_at(T0 + timedelta(minutes=90)) is None
    assert limits.total_w is not None and limits.total_w.limit_at(T0) == 30_000
    assert capacity_schedule(forecast).limit_at(T0) == 30_000  # the total view keeps the W/kW limit

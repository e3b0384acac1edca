"""Signals normalised to time series: capacity as a `Schedule` in W, prices per planning step (pure)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime, timedelta

from fera.charging import Schedule
from fera.signals.models import CapacityBlock, CapacityForecast, CapacityUnit, Phase, SignalKind, SignalSeries

__all__ = ["capacity_schedule", "forecast_from_csv", "series_from_csv", "step_values"]

_PHASES = {Phase.ONE: 1, Phase.TWO: 2, Phase.THREE: 3, Phase.ALL: 3, Phase.UNKNOWN: 3}


def _watts(value: float, unit: CapacityUnit, phase: Phase, voltage: float) -> float:
    if unit is CapacityUnit.KW:
        return value * 1000.0
    if unit is CapacityUnit.A:  # per phase current over the phases the block names (ALL: three)
        return value * voltage * _PHASES[phase]
    return value


def capacity_schedule(forecast: CapacityForecast) -> Schedule:
    """Blocks in W; between and outside them the fallback (or no limit when there is none)."""
    blocks = sorted(forecast.blocks, key=lambda b: b.start_time)
    unit, phase = blocks[0].unit, blocks[0].phase
    fallback = None if forecast.fallback is None else _watts(forecast.fallback, unit, phase, forecast.voltage)
    points: list[tuple[datetime, float | None]] = []
    for block in blocks:
        if points and points[-1][0] == block.start_time:
            points.pop()  # a block starting where the previous ended replaces the fallback point
        points.append((block.start_time, _watts(block.capacity, block.unit, block.phase, forecast.voltage)))
        points.append((block.end_time, fallback))
    return Schedule(_strictly_increasing(points), initial=fallback)


def _strictly_increasing(points: list[tuple[datetime, float | None]]) -> list[tuple[datetime, float | None]]:
    out: list[tuple[datetime, float | None]] = []
    for t, v in points:
        if out and t <= out[-1][0]:
            raise ValueError(f"capacity blocks overlap at {t.isoformat()}")
        out.append((t, v))
    return out


def step_values(
    series: Sequence[SignalSeries],
    kind: SignalKind,
    start: datetime,
    step: timedelta,
    steps: int,
    default: float,
) -> list[float]:
    """One value per planning step (at each step's start); `default` where no interval covers it."""
    spans = [p for s in series for p in s.points(kind)]
    values = []
    for k in range(steps):
        t = start + k * step
        values.append(next((v for a, b, v in reversed(spans) if a <= t < b), default))
    return values


def _rows(text: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows by column name; without its header line a CSV would silently lose its first row: refused."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise ValueError(
            f"the first line must be the header {','.join(columns)} (missing: {', '.join(missing)})"
        )
    return list(reader)


def forecast_from_csv(
    group_id: str, text: str, unit: str = "KW", fallback: float | None = None
) -> CapacityForecast:
    """CSV with a header `start,end,capacity` (ISO times); the unit applies to every row."""
    rows = _rows(text, ("start", "end", "capacity"))
    blocks = [
        CapacityBlock(
            capacity=float(r["capacity"]),
            unit=CapacityUnit(unit.upper()),
            start_time=datetime.fromisoformat(r["start"]),
            end_time=datetime.fromisoformat(r["end"]),
        )
        for r in rows
    ]
    return CapacityForecast(group_id=group_id, blocks=blocks, fallback=fallback)


def series_from_csv(kind: SignalKind, text: str, group_id: str | None = None) -> SignalSeries:
    """CSV with a header `start,end,value`; intervals may have different lengths."""
    intervals = []
    for i, row in enumerate(_rows(text, ("start", "end", "value"))):
        start, end = datetime.fromisoformat(row["start"]), datetime.fromisoformat(row["end"])
        intervals.append(
            {
                "id": i,
                "intervalPeriod": {"start": start, "duration": end - start},
                "payloads": [{"type": kind.value, "values": [float(row["value"])]}],
            }
        )
    if not intervals:
        raise ValueError("no rows")
    first = intervals[0]["intervalPeriod"]
    return SignalSeries.model_validate(
        {"intervalPeriod": first, "intervals": intervals, "group_id": group_id}
    )

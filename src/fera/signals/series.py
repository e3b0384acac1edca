"""Signals normalised to time series: capacity as per-phase amps and total watts, prices per step (pure).

Capacity blocks in A are per phase: `phase` ALL (or UNKNOWN) limits every phase, ONE/TWO/THREE only L1/L2/L3
(OSCP's phase indication), so per-phase blocks may overlap in time. Blocks in W/kW limit the total.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fera.charging import Schedule, total
from fera.signals.models import CapacityBlock, CapacityForecast, CapacityUnit, Phase, SignalKind, SignalSeries

__all__ = [
    "PHASE_NAMES",
    "CapacityLimits",
    "capacity_limits",
    "capacity_schedule",
    "forecast_from_csv",
    "series_from_csv",
    "step_values",
]

PHASE_NAMES = ("L1", "L2", "L3")
_NAMED = {Phase.ONE: ("L1",), Phase.TWO: ("L2",), Phase.THREE: ("L3",)}
_TOTAL = "total"


@dataclass(frozen=True)
class CapacityLimits:
    """A capacity forecast normalised: `total_w` (W, all phases) and `phase_a` (A, per phase "L1".."L3");
    a limit that is absent, or None at some instant, does not limit there."""

    total_w: Schedule | None = None
    phase_a: Mapping[str, Schedule] = field(default_factory=dict)
    voltage: float = 230.0

    def as_total_w(self) -> Schedule | None:
        """One total-power view (dashboards): the total limit, else the per-phase limits summed in W."""
        if self.total_w is not None:
            return self.total_w
        if set(self.phase_a) != set(PHASE_NAMES):
            return None
        return total(*(s.map(lambda a: a * self.voltage) for s in self.phase_a.values()))


def _keys(block: CapacityBlock) -> tuple[str, ...]:
    if block.unit is not CapacityUnit.A:
        return (_TOTAL,)
    return _NAMED.get(block.phase, PHASE_NAMES)


def _value(value: float, unit: CapacityUnit) -> float:
    return value * 1000.0 if unit is CapacityUnit.KW else value  # A stays A, W stays W


def _schedule(blocks: list[CapacityBlock], fallback: float | None) -> Schedule:
    """Blocks of one dimension; between and outside them the fallback (or no limit when there is none)."""
    points: list[tuple[datetime, float | None]] = []
    for block in sorted(blocks, key=lambda b: b.start_time):
        if points and points[-1][0] == block.start_time:
            points.pop()  # a block starting where the previous ended replaces the fallback point
        points.append((block.start_time, _value(block.capacity, block.unit)))
        points.append((block.end_time, fallback))
    return Schedule(_strictly_increasing(points), initial=fallback)


def capacity_limits(forecast: CapacityForecast) -> CapacityLimits:
    """Per-phase amps from A blocks, total watts from W/kW blocks; refuses overlapping blocks of one phase."""
    by_key: dict[str, list[CapacityBlock]] = {}
    for block in forecast.blocks:
        for key in _keys(block):
            by_key.setdefault(key, []).append(block)
    schedules: dict[str, Schedule] = {}
    for key, blocks in by_key.items():
        unit = blocks[0].unit
        fallback = None if forecast.fallback is None else _value(forecast.fallback, unit)
        schedules[key] = _schedule(blocks, fallback)
    total_w = schedules.pop(_TOTAL, None)
    return CapacityLimits(total_w, schedules, forecast.voltage)


def capacity_schedule(forecast: CapacityForecast) -> Schedule:
    """The forecast as one total-power limit in W (per-phase amps summed over L1..L3; see `capacity_limits`
    for the per-phase view that site load management and planning use)."""
    return capacity_limits(forecast).as_total_w() or Schedule.unlimited()


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

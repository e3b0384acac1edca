"""Location and SCSP charts: load vs capacity, the flexibility band, the plan and the signals.

Sources come from `node.dashboard_sources` (see `fera.web.sources`, declared by the roles); what a node
lacks is said in words.
Without a source, what the node already has is used: the power metered by the location's sessions, its
SignalBoard (capacity forecasts and price/CO2 series posted to the admin API) and the flexibility it
publishes on the admin API (`dashboard_sources.flexibility`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fera.ocpi.types import Role
from fera.signals import SignalKind
from fera.store.records import StoredLocation
from fera.web._charts import FALLBACK_ELECTRICAL, Chart, trace
from fera.web._data import DashboardData, electrical_of
from fera.web._series import Series, drawn, schedule_series, sum_steps
from fera.web.sources import (
    FlexibilityPoint,
    LocationLoadSource,
    ScspPlanSource,
    SignalSeries,
    signal_unit,
)

__all__ = ["location_chart", "plan_chart", "signals_chart"]

MARGIN = timedelta(hours=1)
AHEAD = timedelta(hours=24)  # how far ahead a capacity forecast is drawn at most
_SIGNAL_NAMES = {SignalKind.PRICE: "Price", SignalKind.GHG: "CO2"}


def _load_source(data: DashboardData) -> LocationLoadSource | None:
    return data.node.dashboard_sources.location_load


def _plan_source(data: DashboardData) -> ScspPlanSource | None:
    return data.node.dashboard_sources.scsp_plan


def _span(traces: list[dict[str, Any]], now: datetime) -> tuple[datetime, datetime]:
    times = [datetime.fromisoformat(x) for t in traces for x in t["x"]]
    now = now.replace(microsecond=0)
    return min([*times, now - MARGIN]), max([*times, now + MARGIN])


def _band(points: list[FlexibilityPoint]) -> list[dict[str, Any]]:
    """min and max as a filled band, and the planned power; the last step lasts as long as the one before."""
    step = points[-1].time - points[-2].time if len(points) > 1 else None

    def series(pick: str) -> Series:
        values: Series = [(p.time, getattr(p, pick)) for p in points]
        return values if step is None else [*values, (values[-1][0] + step, values[-1][1])]

    return [
        trace("Flexibility min", series("min_kw"), "band"),
        trace("Flexibility max", series("max_kw"), "band", fill="tonexty"),
        trace("Planned", series("planned_kw"), "planned"),
    ]


async def location_chart(data: DashboardData, stored: StoredLocation, now: datetime) -> Chart:
    location = stored.location
    chart = Chart(f"Location {location.id}: load and capacity", traces=[], notes=[])
    assert chart.traces is not None and chart.notes is not None
    sessions = await data.location_sessions(stored)
    metered = sum_steps([drawn(s, electrical_of(s, location) or FALLBACK_ELECTRICAL) for s in sessions])
    if metered:
        chart.traces.append(trace("Drawn by sessions (metered)", metered, "drawn", fill="tozeroy"))
    else:
        chart.notes.append("No power metered by sessions at this location.")
    await _site_load(data, location.id, chart, now)
    await _flexibility(data, location.id, chart)
    return chart


async def _site_load(data: DashboardData, location_id: str, chart: Chart, now: datetime) -> None:
    assert chart.traces is not None and chart.notes is not None
    source = _load_source(data)
    capacity = None
    capacity = None if source is None else await source.capacity(location_id)
    if source is None or capacity is None:
        chart.notes.append("This node manages no site at this location: only what it knows is shown.")
    else:
        managed = await source.load(location_id)
        chart.traces.append(trace("Managed: sum of the sessions' limits", managed, "load"))
        name = "Capacity (configured, with forecasts and cuts)"
        chart.traces.append(trace(name, capacity, "capacity", dash="dash"))
        return
    forecast = await data.node.signals.capacity(location_id)
    if forecast is None:
        chart.notes.append("No capacity is known for this location.")
        return
    start, end = _span(chart.traces, now)
    ahead = [t for t, _ in forecast.breakpoints() if t <= now + AHEAD]
    series = schedule_series(forecast, start, max([end, *(t + MARGIN for t in ahead)]))
    name = f"Capacity forecast of group {location_id}"
    chart.traces.append(trace(name, series, "capacity", dash="dash"))


async def _published_band(data: DashboardData, location_id: str) -> list[FlexibilityPoint] | None:
    """The band the node publishes on its admin API (fera.admin.FlexibilitySource)."""
    source = data.node.dashboard_sources.flexibility
    if source is None:
        return None
    band = []
    for row in await source.flexibility_rows(location_id):
        try:
            kw = [float(row[k]) for k in ("planned_kw", "min_kw", "max_kw")]
            band.append(FlexibilityPoint(datetime.fromisoformat(str(row["time"])), *kw))
        except (KeyError, TypeError, ValueError):
            continue  # a row in another shape: not drawn rather than guessed
    return band


async def _flexibility(data: DashboardData, location_id: str, chart: Chart) -> None:
    assert chart.traces is not None and chart.notes is not None
    source = _plan_source(data)
    if source is not None:
        band: list[FlexibilityPoint] | None = await source.flexibility(location_id)
    else:
        band = await _published_band(data, location_id)
    if band is None:
        if data.node.config.has_role(Role.SCSP):
            chart.notes.append("No SCSP planner source on this node: the flexibility band is not shown.")
        return
    if band:
        chart.traces += _band(sorted(band, key=lambda p: p.time))
    else:
        chart.notes.append("The planner plans nothing at this location: no flexibility band.")


async def plan_chart(data: DashboardData) -> Chart:
    chart = Chart("SCSP plan: planned power per session", traces=[], notes=[])
    assert chart.traces is not None and chart.notes is not None
    source = _plan_source(data)
    if source is None:
        chart.notes.append("No SCSP planner source on this node: the plan is not shown.")
        return chart
    plan = await source.plan()
    for planned in plan:
        chart.traces.append(trace(planned.label, planned.points, "planned", stack="plan"))
    if not plan:
        chart.notes.append("The planner has no plan yet (no sessions to plan).")
    return chart


async def _board_signals(data: DashboardData) -> list[SignalSeries]:
    """The node's own SignalBoard (global series): what the admin API received."""
    out = []
    for series in await data.node.signals.series(None):
        for kind, name in _SIGNAL_NAMES.items():
            unit = signal_unit([series], kind)
            spans = series.points(kind)
            if spans:
                points = [(a, v) for a, _, v in spans] + [(spans[-1][1], spans[-1][2])]
                out.append(SignalSeries(name, unit, points))
    return out


async def signals_chart(data: DashboardData) -> Chart:
    chart = Chart("Signals", y_title="", traces=[], notes=[])
    assert chart.traces is not None and chart.notes is not None
    source = _plan_source(data)
    signals = await source.signals() if source is not None else await _board_signals(data)
    units = list(dict.fromkeys(s.unit for s in signals))[:2]
    chart.y_title, chart.y2_title = (units + ["", ""])[0], (units[1] if len(units) > 1 else None)
    for signal in signals:
        axis = "y2" if len(units) > 1 and signal.unit == units[1] else "y"
        chart.traces.append(trace(f"{signal.name} ({signal.unit})", signal.points, "signal", axis=axis))
    if not signals:
        chart.notes.append("No price or CO2 signal has been received.")
    return chart

"""The plan as every process shows it (`fera.web.sources.ScspPlanSource` and `SteeringSource` for the
dashboard, `fera.admin.FlexibilitySource` for `GET /fera/admin/flexibility`): read from what the planning
process published in the database (`planning_published`), so an API process that plans nothing shows the
same plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fera.scsp.planning_published import LATEST, decode_band, decode_points
from fera.scsp.planning_state import band_csv, band_rows
from fera.signals import SignalKind, step_values
from fera.signals.board import SignalBoard
from fera.store.protocols import Store
from fera.web.sources import (
    FlexibilityPoint,
    PlannedSession,
    SignalSeries,
    signal_unit,
)

__all__ = ["PlannerView"]

_SIGNALS = ((SignalKind.PRICE, "Price"), (SignalKind.GHG, "CO2"))
_DEFAULT_STEPS = 96  # the signals shown before any plan: a day of 15-minute steps


class PlannerView:
    def __init__(self, store: Store, signals: SignalBoard, step: timedelta) -> None:
        self._store, self._signals, self._step = store, signals, step

    async def _latest(self) -> dict[str, Any] | None:
        async with self._store.unit_of_work() as uow:
            return await uow.plan_view.get(*LATEST)

    async def flexibility(self, group_id: str) -> list[FlexibilityPoint]:
        """The band per step as planned lately (kept after the sessions are gone), in kW."""
        async with self._store.unit_of_work() as uow:
            band = await uow.plan_view.get("band", group_id.upper())
        rows = [] if band is None else decode_band(band["rows"])
        return [FlexibilityPoint(r.time, r.planned_w / 1000, r.min_w / 1000, r.max_w / 1000) for r in rows]

    async def flexibility_rows(self, group_id: str | None) -> list[dict[str, Any]]:
        """The latest plan's band (JSON rows), one group's or every group's."""
        latest = await self._latest()
        return band_rows(decode_band([] if latest is None else latest["band"]), group_id)

    async def flexibility_csv(self, group_id: str | None) -> str:
        latest = await self._latest()
        return band_csv(decode_band([] if latest is None else latest["band"]), group_id)

    async def steered_as(self, partner_id: str, session_id: str) -> tuple[str, str] | None:
        """A copy of a charge that reached the planner twice: the copy it steers (`SteeringSource`)."""
        latest = await self._latest()
        for copy_partner, copy_id, steered_partner, steered_id in (latest or {}).get("shadowed", []):
            if (copy_partner, copy_id) == (partner_id, session_id):
                return steered_partner, steered_id
        return None

    async def signals(self) -> list[SignalSeries]:
        latest = await self._latest()
        step = timedelta(seconds=latest["step_s"]) if latest else self._step
        start = datetime.fromisoformat(latest["start"]) if latest and latest["start"] else None
        steps = latest["steps"] if latest and start else _DEFAULT_STEPS
        start = start or datetime.now().astimezone()
        series = await self._signals.series(None)
        out = []
        for kind, name in _SIGNALS:
            unit = signal_unit(series, kind)
            values = step_values(series, kind, start, step, steps, default=float("nan"))
            points = [(start + k * step, v) for k, v in enumerate(values) if v == v]
            if points:
                out.append(SignalSeries(name, unit, [*points, (points[-1][0] + step, points[-1][1])]))
        return out

    async def plan(self) -> list[PlannedSession]:
        """Every session planned lately, current or gone: each step as last planned before it began."""
        latest = await self._latest()
        if latest is None or latest["history_step_s"] is None:
            return []
        step = timedelta(seconds=latest["history_step_s"])
        async with self._store.unit_of_work() as uow:
            published = await uow.plan_view.rows("session")
        sessions = []
        for plan_id, body in published.items():
            if points := decode_points(body["points"]):
                closed = [*points, (points[-1][0] + step, points[-1][1])]
                sessions.append(PlannedSession(plan_id.split("/", 1)[-1], closed))
        return sorted(sessions, key=lambda s: s.points[0][0])

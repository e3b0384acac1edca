"""What the planner publishes, kept in the database: every process of a node shows the plan, not only the one
that plans (on PostgreSQL a worker, which serves no routes).

After each re-plan the planner hands itself to `PlanPublisher.publish`, which writes what the view reads
(`fera.scsp.planning_view`) and what changed only: the latest plan (its start, steps and flexibility band,
and which copy of a charge that reached it twice it steers), each group's band and each session's planned
steps as `PlanHistory` keeps them. The size is the history's: a session or band it let go is deleted. A
process that starts planning (at start, or taking the planner over from a dead worker) first takes the
published history back, so the view goes on from it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from fera.planning import FlexibilityRow
from fera.scsp.planning_history import PlanHistory
from fera.scsp.planning_state import LatestPlan
from fera.store.protocols import Store

__all__ = ["LATEST", "PlanPublisher", "Planned", "decode_band", "decode_points"]

log = logging.getLogger(__name__)
LATEST = ("plan", "latest")  # the row of the latest plan
Rows = dict[tuple[str, str], dict[str, Any]]


class Planned(Protocol):
    """What is published of the planner (`fera.scsp.planning_loop.SteeringPlanner`)."""

    @property
    def history(self) -> PlanHistory: ...

    @property
    def latest(self) -> LatestPlan | None: ...

    @property
    def step(self) -> timedelta: ...

    @property
    def shadowed(self) -> Mapping[tuple[str, str], tuple[str, str]]: ...


class PlanPublisher:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._written: Rows = {}  # what the database holds, as this process last wrote or read it
        self._unsure = True  # the database may hold rows this process does not know of: delete them

    async def publish(self, planner: Planned) -> None:
        """Write what changed since the last re-plan; a failure is logged (the view lags, steering not)."""
        rows = _rows(planner, self._written)
        changed = {key: body for key, body in rows.items() if self._written.get(key) != body}
        try:
            async with self._store.unit_of_work() as uow:
                await uow.plan_view.put(changed)
                for kind in ("band", "session"):
                    if self._unsure or any(key[0] == kind and key not in rows for key in self._written):
                        await uow.plan_view.keep_only(kind, [key for k, key in rows if k == kind])
        except Exception:
            log.exception("the plan could not be published (shown again after the next re-plan)")
            self._written, self._unsure = {}, True  # the next re-plan writes everything
            return
        self._written, self._unsure = rows, False

    async def take_back(self, planner: Planned) -> None:
        """The history published so far becomes the planner's (which it goes on from)."""
        async with self._store.unit_of_work() as uow:
            sessions, bands = await uow.plan_view.rows("session"), await uow.plan_view.rows("band")
            latest = await uow.plan_view.get(*LATEST)
        history = planner.history
        step_s = None if latest is None else latest.get("history_step_s")
        history.step = None if step_s is None else timedelta(seconds=step_s)
        by_age = sorted(sessions.items(), key=lambda kv: max((p[0] for p in kv[1]["points"]), default=""))
        history.sessions = OrderedDict((key, decode_points(body["points"])) for key, body in by_age)
        history.bands = {group: decode_band(body["rows"]) for group, body in bands.items()}
        self._written = {("session", k): v for k, v in sessions.items()}
        self._written |= {("band", k): v for k, v in bands.items()}
        self._unsure = False


def _rows(planner: Planned, written: Rows) -> Rows:
    """What the view reads now. A session the latest plan left out is as it was (`PlanHistory` changes the
    planned ones only): its row is not encoded again."""
    history, latest = planner.history, planner.latest
    planned = set() if latest is None else set(latest.plan.session_ids)
    rows: Rows = {
        LATEST: {
            "start": None if latest is None else latest.plan.start.isoformat(),
            "steps": 0 if latest is None else latest.plan.steps,
            "step_s": planner.step.total_seconds(),
            "history_step_s": None if history.step is None else history.step.total_seconds(),
            "band": [] if latest is None else _band(latest.forecast.rows),
            "shadowed": [[*copy, *steered] for copy, steered in planner.shadowed.items()],
        }
    }
    rows |= {("band", group): {"rows": _band(band)} for group, band in history.bands.items()}
    for key, points in history.sessions.items():
        known = written.get(("session", key))
        rows["session", key] = {"points": _points(points)} if known is None or key in planned else known
    return rows


def _band(rows: tuple[FlexibilityRow, ...] | list[FlexibilityRow]) -> list[list[Any]]:
    return [[r.group_id, r.time.isoformat(), r.planned_w, r.min_w, r.max_w] for r in rows]


def _points(points: list[tuple[datetime, float]]) -> list[list[Any]]:
    return [[t.isoformat(), kw] for t, kw in points]


def decode_band(rows: list[list[Any]]) -> list[FlexibilityRow]:
    return [
        FlexibilityRow(group, datetime.fromisoformat(t), float(planned), float(low), float(high))
        for group, t, planned, low, high in rows
    ]


def decode_points(points: list[list[Any]]) -> list[tuple[datetime, float]]:
    return [(datetime.fromisoformat(t), float(kw)) for t, kw in points]

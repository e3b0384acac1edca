"""What a steering party's planner publishes for the view of every process (`plan_view`): what changed only,
bounded by the history it keeps, and taken back by the next process that plans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from fera.events import EventBus
from fera.planning import FlexibilityRow
from fera.scsp import planning_history
from fera.scsp.planning_history import PlanHistory
from fera.scsp.planning_published import PlanPublisher
from fera.scsp.planning_state import LatestPlan
from fera.scsp.planning_view import PlannerView
from fera.signals.board import SignalBoard
from fera.store import Database

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)


@dataclass
class Planner:
    history: PlanHistory = field(default_factory=PlanHistory)
    latest: LatestPlan | None = None
    step: timedelta = STEP
    shadowed: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)


def planned(start: datetime, *kw: float) -> list[tuple[datetime, float]]:
    return [(start + k * STEP, v) for k, v in enumerate(kw)]


def band(start: datetime, *kw: float) -> list[FlexibilityRow]:
    return [FlexibilityRow("LOC1", start + k * STEP, v * 1000, 0.0, 22_000.0) for k, v in enumerate(kw)]


async def test_the_view_reads_what_was_published_and_forgets_what_the_history_let_go(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning_history, "KEEP_SESSIONS", 2)
    planner, publisher = Planner(), PlanPublisher(database)
    view = PlannerView(database, SignalBoard(database, EventBus()), STEP)
    assert await view.plan() == [] and await view.flexibility("LOC1") == []
    planner.history.add(T0, STEP, {"p/S1": planned(T0, 11, 5), "p/S2": planned(T0, 7, 7)}, band(T0, 18, 12))
    await publisher.publish(planner)
    assert {s.label: s.points for s in await view.plan()} == {
        "S1": planned(T0, 11, 5, 5),  # the last step lasts one step
        "S2": planned(T0, 7, 7, 7),
    }
    assert [p.planned_kw for p in await view.flexibility("loc1")] == [18.0, 12.0]
    assert await view.steered_as("p-emsp", "E1") is None

    planner.shadowed = {("p-emsp", "E1"): ("p-cpo", "S1")}  # one charge by two paths: steered on the CPO's

    later = T0 + STEP
    planner.history.add(later, STEP, {"p/S3": planned(later, 3)}, band(later, 3))  # S1, the oldest, let go
    await publisher.publish(planner)
    assert sorted(s.label for s in await view.plan()) == ["S2", "S3"]
    assert [p.planned_kw for p in await view.flexibility("LOC1")] == [18.0, 3.0]
    assert await view.steered_as("p-emsp", "E1") == ("p-cpo", "S1")
    assert await view.steered_as("p-cpo", "S1") is None

    successor = Planner()  # the next process that plans goes on from what was published
    await PlanPublisher(database).take_back(successor)
    assert successor.history.sessions == planner.history.sessions
    assert successor.history.bands == planner.history.bands and successor.history.step == STEP

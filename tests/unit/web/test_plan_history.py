"""The SCSP's plan on the dashboard outlives its sessions: each step as last planned before it began."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.planning import FlexibilityRow
from fera.scsp.planning_history import KEEP_FOR, PlanHistory

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
STEP = timedelta(minutes=15)


def steps(start: datetime, *kw: float) -> list[tuple[datetime, float]]:
    return [(start + k * STEP, v) for k, v in enumerate(kw)]


def band(start: datetime, *kw: float) -> list[FlexibilityRow]:
    return [FlexibilityRow("LOC1", t, v * 1000, 0.0, 2 * v * 1000) for t, v in steps(start, *kw)]


def test_a_replan_keeps_the_past_and_a_gone_session_stays() -> None:
    history = PlanHistory()
    history.add(T0, STEP, {"p/S1": steps(T0, 11, 11, 11), "p/S2": steps(T0, 7, 7, 7)}, band(T0, 18, 18, 18))
    history.add(T0 + STEP, STEP, {"p/S1": steps(T0 + STEP, 5, 5)}, band(T0 + STEP, 5, 5))  # S2 left
    assert history.sessions["p/S1"] == steps(T0, 11, 5, 5)
    assert history.sessions["p/S2"] == steps(T0, 7, 7, 7)
    assert [r.planned_w for r in history.bands["LOC1"]] == [18000.0, 5000.0, 5000.0]


def test_history_is_bounded_in_time() -> None:
    history = PlanHistory()
    history.add(T0, STEP, {"p/OLD": steps(T0, 3)}, band(T0, 3))
    later = T0 + KEEP_FOR + 2 * STEP
    history.add(later, STEP, {"p/NEW": steps(later, 4)}, band(later, 4))
    assert list(history.sessions) == ["p/NEW"]
    assert [r.time for r in history.bands["LOC1"]] == [later]

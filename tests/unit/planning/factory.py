"""Small builders shared by the planning tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from fera.planning import Plan, PlanningProblem, Session

NOW = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)


def session(sid: str, hours: float, kwh: float, kw: float = 7.0, **extra: Any) -> Session:
    """Plugged in now, leaving after `hours`."""
    return Session(sid, NOW, NOW + timedelta(hours=hours), kwh, kw * 1e3, **extra)


def problem(sessions: list[Session], **extra: Any) -> PlanningProblem:
    return PlanningProblem(NOW, STEP, sessions, **extra)


def kwh(plan: Plan, sid: str) -> float:
    return plan.delivered_kwh(sid)


def total_kw(plan: Plan, *sids: str) -> np.ndarray:
    return np.asarray(sum(plan.schedule(s) for s in sids)) / 1e3

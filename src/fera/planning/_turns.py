"""Turns below the minimum rate (`apply_min_rates`): who is raised first at each step of a plan.

The sessions holding their turn (charging now, until `Session.holding_until`) first; then the one that has
taken least so far (`Session.charged_kwh`, and what the plan gives it step by step), then the one that has
waited longest (since its last turn ended, `Session.waiting_since`, or since it arrived), ties broken by
arrival (a cut stops every car at once: their waits tie, and a line counted over the sessions present would
reorder them at every arrival), then by a line that moves with the clock (`TURN`). A session raised at a
step it did not hold starts a turn of `TURN` there, and one whose turn ends waits from then: the plan
carries every hand-over of its horizon, so each is in both cars' profiles ahead and the stations make it
on their own clocks (a hand-over found only by the next re-plan costs both cars a round trip through the
CPO at 0); a departure never reshuffles who is next, and an arrival only takes the next turn.

Least taken first, not longest waiting: nobody knows when a guess leaves, and a car that has been there for
hours has had its share, while one that just came may leave soon with nothing (in the demo a car stayed 70
minutes at 0 while one there for 5.5 hours went on charging). Over random days of one 16/8 kW site
re-planned every step (`tests/unit/scsp/test_planning_turns_fair.py`) it delivered 97.4 % of the hindsight
bound where longest waiting first delivered 96.5 %.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from fera.planning.model import PlanningProblem

TURN = timedelta(hours=1)  # how long a session keeps its place once it charges in its turn


class Turns:
    """Kept in arrays (times as microseconds since 2000): ordering 10,000 sessions at every step of a plan
    is one numpy sort, not a Python key per session."""

    def __init__(self, problem: PlanningProblem) -> None:
        self.problem = problem
        self.until = {
            i: s.holding_until or datetime.max.replace(tzinfo=problem.now.tzinfo)
            for i, s in enumerate(problem.sessions)
            if s.holding
        }
        self.waiting = np.array([_us(s.waiting_since or s.arrival) for s in problem.sessions], dtype=np.int64)
        self.arrival = np.array([_us(s.arrival) for s in problem.sessions], dtype=np.int64)
        # kWh so far, and as planned step by step
        self.taken = np.array([s.charged_kwh for s in problem.sessions], dtype=float)

    def order(self, at: datetime) -> np.ndarray:
        """Who is raised first at `at`: the holders (in the line's order), then the least taken."""
        line = np.array(rotated(len(self.problem.sessions), at, self.problem.step), dtype=np.int64)
        holding = np.zeros(len(line), dtype=bool)
        holding[[i for i, until in self.until.items() if until > at]] = True
        held, others = line[holding[line]], line[~holding[line]]
        place = np.empty(len(line), dtype=np.int64)
        place[line] = np.arange(len(line) - 1, -1, -1)  # the line's last first, as in reversed(line)
        keys = (place[others], self.arrival[others], self.waiting[others], np.round(self.taken[others], 3))
        return np.concatenate([held, others[np.lexsort(keys)]])

    def charged(self, session: int, at: datetime) -> None:
        """`session` charges at `at` (raised to its minimum): its turn goes on, or starts there."""
        if self.until.get(session, at) <= at:
            self.until[session] = at + TURN

    def stopped(self, session: int, at: datetime) -> None:
        """`session` holds its turn but does not charge at `at` (no room for it there): its turn ends and
        it waits from then, as the SCSP counts it when a plan stops it now (`planning_turns`)."""
        if self.until.get(session, at) > at:
            self.until[session] = at
            self.waiting[session] = _us(at)

    def took(self, kwh: np.ndarray) -> None:
        """Each session is planned to take `kwh[i]` more before the next step ordered."""
        self.taken += kwh

    def holders(self, at: datetime) -> list[int]:
        return [i for i, until in self.until.items() if until > at]

    def ended(self, at: datetime) -> None:
        """Turns over by `at` wait from their end."""
        for i, until in self.until.items():
            if until <= at:
                self.waiting[i] = max(int(self.waiting[i]), _us(until))


def _us(t: datetime) -> int:
    return (t - datetime(2000, 1, 1, tzinfo=t.tzinfo)) // timedelta(microseconds=1)


def rotated(count: int, now: datetime, step: timedelta) -> list[int]:
    """0..count-1 starting at (turns since 2000-01-01) mod count: a fair turn that moves with the clock."""
    if count == 0:
        return []
    first = ((now - datetime(2000, 1, 1, tzinfo=now.tzinfo)) // max(step, TURN)) % count
    return [*range(first, count), *range(first)]

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

from fera.planning.model import PlanningProblem

TURN = timedelta(hours=1)  # how long a session keeps its place once it charges in its turn


class Turns:
    def __init__(self, problem: PlanningProblem) -> None:
        self.problem = problem
        self.until = {
            i: s.holding_until or datetime.max.replace(tzinfo=problem.now.tzinfo)
            for i, s in enumerate(problem.sessions)
            if s.holding
        }
        self.waiting = {i: s.waiting_since or s.arrival for i, s in enumerate(problem.sessions)}
        self.taken = [s.charged_kwh for s in problem.sessions]  # kWh so far, and as planned step by step

    def order(self, at: datetime) -> list[int]:
        """Who is raised first at `at`: the holders (in the line's order), then the longest waiting."""
        line = rotated(len(self.problem.sessions), at, self.problem.step)
        holders = [i for i in line if self.until.get(i, at) > at]
        place = {i: k for k, i in enumerate(reversed(line))}
        sessions = self.problem.sessions
        others = sorted(
            (i for i in line if i not in holders),
            key=lambda i: (round(self.taken[i], 3), self.waiting[i], sessions[i].arrival, place[i]),
        )
        return holders + others

    def charged(self, session: int, at: datetime) -> None:
        """`session` charges at `at` (raised to its minimum): its turn goes on, or starts there."""
        if self.until.get(session, at) <= at:
            self.until[session] = at + TURN

    def stopped(self, session: int, at: datetime) -> None:
        """`session` holds its turn but does not charge at `at` (no room for it there): its turn ends and
        it waits from then, as the SCSP counts it when a plan stops it now (`planning_turns`)."""
        if self.until.get(session, at) > at:
            self.until[session] = at
            self.waiting[session] = at

    def took(self, session: int, kwh: float) -> None:
        """`session` is planned to take `kwh` more before the next step ordered."""
        self.taken[session] += kwh

    def holders(self, at: datetime) -> list[int]:
        return [i for i, until in self.until.items() if until > at]

    def ended(self, at: datetime) -> None:
        """Turns over by `at` wait from their end."""
        for i, until in self.until.items():
            if until <= at:
                self.waiting[i] = max(self.waiting[i], until)


def rotated(count: int, now: datetime, step: timedelta) -> list[int]:
    """0..count-1 starting at (turns since 2000-01-01) mod count: a fair turn that moves with the clock."""
    if count == 0:
        return []
    first = ((now - datetime(2000, 1, 1, tzinfo=now.tzinfo)) // max(step, TURN)) % count
    return [*range(first, count), *range(first)]

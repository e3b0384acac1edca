"""Scenario MPC: one copy of the present sessions per scenario of future arrivals, the first step shared.

Each scenario is a problem of its own (the present sessions, that scenario's arrivals and a copy of every
group, its members resolved to the copies), all solved as one LP. Only the first step is applied before the
next re-plan, so only it must be the same in every scenario (non-anticipativity); later steps may differ,
as they will once the truth is known. A present car then charges at a dear hour only as far as that pays
on average over the scenarios, instead of as far as one mean (or reserved) future demands.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from fera.planning._grid import Grid, Ints, memberships
from fera.planning.model import GridGroup, PlanningProblem, Session

__all__ = ["Combined", "combine", "first_step_links"]


@dataclass(frozen=True, slots=True)
class Combined:
    """Every scenario's copy of the problem in one; `present[k, i]`: the copy of session i in scenario k."""

    problem: PlanningProblem
    present: Ints
    future: Ints  # indices of the scenarios' own cars


def combine(problem: PlanningProblem) -> Combined:
    known = len(problem.sessions)
    sessions: list[Session] = []
    groups: list[GridGroup] = []
    present: list[Ints] = []
    future: list[Ints] = []
    for k, arrivals in enumerate(problem.scenarios):
        one = replace(problem, sessions=[*problem.sessions, *arrivals], scenarios=())
        members = memberships(one)
        ids = [f"{s.id}@{k}" for s in one.sessions]
        offset = len(sessions)
        present.append(np.arange(offset, offset + known, dtype=np.int64))
        future.append(np.arange(offset + known, offset + len(ids), dtype=np.int64))
        # Copies name no EVSE and no group: each group copy lists its members (children included) itself.
        sessions += [
            replace(s, id=sid, group_id=None, evse_id=None) for s, sid in zip(one.sessions, ids, strict=True)
        ]
        groups += [
            GridGroup(
                f"{g.id}@{k}",
                g.capacity_w,
                g.phase_capacity_w,
                members=frozenset(ids[i] for i in members[g.id]),
            )
            for g in problem.groups
        ]
    return Combined(
        problem=replace(problem, sessions=sessions, groups=groups, scenarios=()),
        present=np.stack(present),
        future=np.concatenate(future),
    )


def first_step_links(grid: Grid, present: Ints) -> tuple[Ints, Ints]:
    """Cell pairs (scenario 0's copy, scenario k's copy) of each present session's first step."""
    at_start = (grid.start == 0) & (grid.end > 0)
    first = grid.offsets[:-1]
    a: list[Ints] = []
    b: list[Ints] = []
    for k in range(1, present.shape[0]):
        both = at_start[present[0]] & at_start[present[k]]
        a.append(first[present[0][both]])
        b.append(first[present[k][both]])
    empty = np.zeros(0, dtype=np.int64)
    return (np.concatenate(a), np.concatenate(b)) if a else (empty, empty)

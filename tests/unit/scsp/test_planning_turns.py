"""Site B after the cut, re-planned step by step: guesses take turns, and every hand-over is planned ahead."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from itertools import groupby

import numpy as np
import pytest

from fera.planning import GridGroup, Plan, PlanningProblem, Session, apply_min_rates, plan
from fera.planning.profile import TURN
from fera.scsp.planning_turns import TurnBook
from tests.unit.planning.factory import NOW, STEP

SITE = GridGroup("site", capacity_w=8_000)  # one three-phase car at a time: two at 6 A need 8.28 kW
CUT = 3  # the step from which the site has 8 kW instead of 16 (`_with_cut`)


def _cars() -> list[Session]:
    """Three 11 kW guesses (6 A = 4.14 kW minimum) staying all day; the third arrives while the first two
    take turns (an arrival must not reshuffle who is next)."""
    return [
        Session(f"car{i}", NOW + at * STEP, NOW + timedelta(hours=10), 110.0, 11_000, 4_140,
                group_id="site", estimated=True)
        for i, at in enumerate((0, 1, 6))
    ]  # fmt: skip


def _with_cut(k: int) -> GridGroup:
    return GridGroup("site", capacity_w=[16_000.0 if k + j < CUT else 8_000.0 for j in range(48)])


def _replan(turns: TurnBook[str], cars: list[Session], k: int, site: GridGroup = SITE) -> Plan:
    now = NOW + k * STEP
    holding, waited = turns.holding(now), turns.waiting(now)
    present = [
        replace(c, holding=c.id in holding, holding_until=holding.get(c.id), waiting_since=waited.get(c.id))
        for c in cars
        if c.arrival <= now
    ]
    problem = PlanningProblem(now, STEP, present, [site])
    result = apply_min_rates(problem, plan(problem))
    turns.keep(result, [(s.id, s) for s in present], now)
    return result


def _run(cars: list[Session], steps: range, site: Callable[[int], GridGroup]) -> list[int]:
    """Re-plan at every step; who charges at each. Every step's plan does now what the last one said."""
    turns: TurnBook[str] = TurnBook()
    previous: Plan | None = None
    charging = []
    for k in steps:
        group = site(k)
        result = _replan(turns, cars, k, group)
        now = [result.schedule(c.id)[0] if c.id in result.session_ids else 0.0 for c in cars]
        capacity = group.capacity_w[0] if isinstance(group.capacity_w, list) else group.capacity_w
        assert sum(now) == pytest.approx(capacity, abs=1e-3)  # the whole site, whoever charges
        charging.append(int(np.argmax(now)))
        if previous is not None and k > CUT:  # what this step's plan does now, the last one said a step ahead
            ahead = [previous.schedule(c.id)[1] if c.id in previous.session_ids else 0.0 for c in cars]
            assert now == pytest.approx(ahead, abs=1e-3)
        previous = result
    return charging


def test_every_hand_over_is_in_the_plan_a_step_ahead_and_each_car_gets_its_turn() -> None:
    charging = _run(_cars(), range(CUT, 26), lambda k: SITE)  # six hours at 8 kW
    turns = [len(list(run)) for _, run in groupby(charging)]
    assert set(charging) == {0, 1, 2}
    assert turns[:-1] == [TURN // STEP] * (len(turns) - 1)  # a hand-over per turn, none between


def test_after_a_cut_stops_every_car_at_once_an_arrival_does_not_reshuffle_the_turns() -> None:
    """Three cars share 16 kW; from the cut one charges and the other two wait from the same instant (a
    tie, broken by arrival); a fourth car arrives later: the planned hand-overs stay as they were."""
    cars = [replace(c, arrival=NOW - i * timedelta(minutes=1)) for i, c in enumerate(_cars())]
    late = replace(cars[0], id="late", arrival=NOW + 7 * STEP)
    charging = _run([*cars, late], range(0, 24), _with_cut)
    assert set(charging[CUT:]) == {0, 1, 2, 3}

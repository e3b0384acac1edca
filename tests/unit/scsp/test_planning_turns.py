"""Site B after the cut, re-planned step by step: guesses take turns, and every hand-over is planned ahead."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from fera.planning import GridGroup, Plan, PlanningProblem, Session, apply_min_rates, plan
from fera.planning.profile import TURN
from fera.scsp.planning_turns import TurnBook
from tests.unit.planning.factory import NOW, STEP

SITE = GridGroup("site", capacity_w=8_000)  # one three-phase car at a time: two at 6 A need 8.28 kW


def _cars() -> list[Session]:
    """Three 11 kW guesses (6 A = 4.14 kW minimum) staying all day, arriving a step apart."""
    return [
        Session(f"car{i}", NOW + i * STEP, NOW + timedelta(hours=10), 110.0, 11_000, 4_140,
                group_id="site", estimated=True)
        for i in range(3)
    ]  # fmt: skip


def _replan(turns: TurnBook[str], cars: list[Session], k: int) -> Plan:
    now = NOW + k * STEP
    holding, waited = turns.holding(now), turns.waiting(now)
    present = [
        replace(c, holding=c.id in holding, holding_until=holding.get(c.id), waiting_since=waited.get(c.id))
        for c in cars
        if c.arrival <= now
    ]
    problem = PlanningProblem(now, STEP, present, [SITE])
    result = apply_min_rates(problem, plan(problem))
    turns.keep(result, [(s.id, s) for s in present], now)
    return result


def test_every_hand_over_is_in_the_plan_a_step_ahead_and_each_car_gets_its_turn() -> None:
    turns: TurnBook[str] = TurnBook()
    cars = _cars()
    previous: Plan | None = None
    charging, flips = [], 0
    for k in range(2, 26):  # six hours, every car present
        result = _replan(turns, cars, k)
        now = [result.schedule(c.id)[0] for c in cars]
        assert sum(now) == pytest.approx(8_000, abs=1e-3)  # the whole site, one car at a time
        charging.append(int(np.argmax(now)))
        if previous is not None:  # what this step's plan does now, the last one said a step ahead
            assert now == pytest.approx([previous.schedule(c.id)[1] for c in cars], abs=1e-3)
        flips += len(charging) > 1 and charging[-1] != charging[-2]
        previous = result
    assert set(charging) == {0, 1, 2}
    assert flips == len(charging) * STEP // TURN - 1  # a hand-over per turn, none between

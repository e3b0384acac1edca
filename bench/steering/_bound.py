"""Hindsight: the same site planned with perfect foresight of every car (arrivals, needs, real phases and
currents). Its energy is the most any online planner could deliver; the same LP with each car's need set to
what the replay delivered gives the cheapest way to deliver that energy."""

from __future__ import annotations

import numpy as np

from bench.steering._site import CARPORT_A, CONNECTION_A, EVSES, START, STEP, VOLTAGE, Car
from fera.planning import GridGroup, Phase, Plan, PlanningProblem, ProfileType, Session, phase_watts, plan


def _problem(cars: list[Car], need: dict[str, float], prices: np.ndarray) -> PlanningProblem:
    sessions = [
        Session(
            id=car.id,
            arrival=START + car.arrival * STEP,
            departure=START + car.departure * STEP,
            energy_kwh=need[car.id],
            max_power_w=car.max_kw() * 1000,
            profile_type=ProfileType.CHEAP,
            phases=tuple(Phase(p) for p in car.site_phases()),
            group_id="CARPORT" if EVSES[car.evse][2] == "CARPORT" else "SITE",
        )
        for car in cars
    ]
    groups = [
        GridGroup("SITE", phase_capacity_w=phase_watts(CONNECTION_A, VOLTAGE)),
        GridGroup("CARPORT", phase_capacity_w=phase_watts(CARPORT_A, VOLTAGE), parent="SITE"),
    ]
    return PlanningProblem(
        START, STEP, sessions, groups, price=prices.tolist(), horizon_steps=max(c.departure for c in cars) + 1
    )


def hindsight(cars: list[Car], prices: np.ndarray) -> Plan:
    return plan(_problem(cars, {c.id: c.energy_kwh for c in cars}, prices))


def cheapest(cars: list[Car], delivered: dict[str, float], prices: np.ndarray) -> Plan:
    """Each car's delivered energy at the lowest cost the site allows (a hair less, so it is feasible)."""
    return plan(_problem(cars, {c.id: max(0.0, delivered[c.id] - 1e-4) for c in cars}, prices))


def cost(power_kw: np.ndarray, prices: np.ndarray) -> float:
    return float((power_kw.sum(axis=0) * prices[: power_kw.shape[1]]).sum() * STEP.total_seconds() / 3600)


def told_the_truth(cars: list[Car], prices: np.ndarray) -> float:
    """`plan()` online, every 15 minutes, told each present car's truth (phases, current, need, departure)
    at its arrival: the reference for what the SCSP's path has to learn. Delivered kWh."""
    steps = max(c.departure for c in cars) + 1
    left = {c.id: c.energy_kwh for c in cars}
    hours = STEP.total_seconds() / 3600
    for k in range(steps):
        present = [c for c in cars if c.arrival <= k < c.departure and left[c.id] > 1e-9]
        if not present:
            continue
        problem = _problem(present, left, prices)
        now = START + k * STEP
        online = PlanningProblem(now, STEP, problem.sessions, problem.groups, price=prices[k:].tolist())
        result = plan(online)
        for car in present:
            left[car.id] -= result.schedule(car.id)[0] / 1000 * hours
    return sum(c.energy_kwh - left[c.id] for c in cars)

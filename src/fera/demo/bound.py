"""The hindsight bound: what the day allowed, planned offline with perfect knowledge (`fera.planning`).

Same arrivals, departures and energy needs, the same connector each car was given, each car's own maximum
and its connector's, each site's capacity before and after the cut. A car whose connector was taken by an
earlier one in the run shares that connector's limit with it here. Cars that found no free connector could
not be served in any plan. The result is an upper bound on what any steering could have delivered.

The bound is exact per site and for the day. How an optimal plan splits a binding site among its cars is
not unique (the LP picks one vertex: one car may get nothing in it), so per car the bound is what it could
have had with its site to itself: well defined, and what its own delivery is fairly compared with.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fera.demo.scenario import SITES, Scenario
from fera.ocpp.simulator import SessionReport
from fera.planning import GridGroup, PlanningProblem, Session, plan

__all__ = ["STEP", "Bound", "hindsight"]

STEP = timedelta(seconds=30)  # a car gets power in whole steps inside its stay: at most a minute lost per car


@dataclass(frozen=True)
class Bound:
    """Deliverable kWh per EV (by its turn in the day's arrivals) and per site."""

    per_ev: dict[int, float]  # with its site to itself
    per_site: dict[str, float]  # exact: every car of the site together
    status: str

    @property
    def total_kwh(self) -> float:
        return sum(self.per_site.values())


def evse_of(session: SessionReport) -> str | None:
    if session.station_id is None or session.connector_id is None:
        return None
    return f"{session.station_id}-{session.connector_id}"


def hindsight(sessions: Sequence[SessionReport], scenario: Scenario) -> Bound:
    """The offline optimum of the day: `sessions` in the order of the day's arrivals (the simulator's)."""
    sites = {spec.station_id: site.location_id for spec, site in scenario.station_specs()}
    hardware = {spec.station_id: spec.electrical.max_power_w for spec, _ in scenario.station_specs()}
    planned: list[Session] = []
    for turn, s in enumerate(sessions):
        evse = evse_of(s)
        if evse is None or s.station_id is None:
            continue
        limit = min(s.ev.max_kw * 1000, hardware[s.station_id])
        planned.append(
            Session(
                id=str(turn),
                arrival=s.ev.arrival,
                departure=s.ev.departure,
                energy_kwh=s.ev.energy_kwh,
                max_power_w=limit,
                evse_id=evse,
                group_id=sites[s.station_id],
            )
        )
    if not planned:
        return Bound({turn: 0.0 for turn in range(len(sessions))}, {}, "Empty")
    with _quiet_stdout():
        together = plan(_problem(planned, scenario, hardware, alone=False))
        alone = plan(_problem(planned, scenario, hardware, alone=True))
    per_ev = {turn: 0.0 for turn in range(len(sessions))}
    per_site: dict[str, float] = {site.location_id: 0.0 for site in SITES}
    for session in planned:
        per_ev[int(session.id)] = min(alone.delivered_kwh(session.id), session.energy_kwh)
        per_site[session.group_id or ""] += min(together.delivered_kwh(session.id), session.energy_kwh)
    bad = [p.stats.status for p in (together, alone) if p.stats.status != "Optimal"]
    return Bound(per_ev, per_site, bad[0] if bad else "Optimal")


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS greets on the process's stdout, from C++, when its first instance is made: not in the report."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _problem(
    planned: Sequence[Session], scenario: Scenario, hardware: dict[str, float], alone: bool
) -> PlanningProblem:
    """Every car under its site's capacity and its connector's; `alone`: each car with a site of its own."""
    if alone:
        planned = [replace(s, group_id=f"{s.group_id}:{s.id}") for s in planned]
    groups = _groups(planned, scenario, {} if alone else hardware)
    return PlanningProblem(now=scenario.start, step=STEP, sessions=planned, groups=groups)


def _groups(planned: Sequence[Session], scenario: Scenario, hardware: dict[str, float]) -> list[GridGroup]:
    """Each site under its capacity (the cut from `scenario.cut_at`), each connector under its hardware
    (cars that followed each other on a connector share it; `hardware` empty: no connector limits)."""
    steps = int((max(s.departure for s in planned) - scenario.start) / STEP) + 1
    sites = {site.location_id: site for site in SITES}
    groups = []
    for group_id in sorted({s.group_id for s in planned if s.group_id is not None}):
        site = sites[group_id.split(":")[0]]
        capacity = _capacity(site.capacity_kw, site.cut_kw, scenario, steps)
        groups.append(GridGroup(id=group_id, capacity_w=capacity))
    for evse in sorted({s.evse_id for s in planned if s.evse_id is not None and hardware}):
        station = evse.rsplit("-", 1)[0]
        groups.append(GridGroup(id=f"evse:{evse}", capacity_w=hardware[station], members=frozenset({evse})))
    return groups


def _capacity(before_kw: float, after_kw: float, scenario: Scenario, steps: int) -> list[float]:
    def at(k: int) -> float:
        t: datetime = scenario.start + k * STEP
        return (after_kw if t >= scenario.cut_at else before_kw) * 1000

    return [at(k) for k in range(steps)]

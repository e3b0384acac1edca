"""The hindsight bound: what the day allowed, planned offline with perfect knowledge (`fera.planning`).

Same arrivals, departures and energy needs, the same connector each car was given, each car's own maximum
and its connector's, each site's capacity before and after the cut. A car whose connector was taken by an
earlier one in the run shares that connector's limit with it here. Cars that found no free connector could
not be served in any plan. The result is an upper bound on what any steering could have delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fera.demo.scenario import SITES, Scenario
from fera.ocpp.simulator import SessionReport
from fera.planning import GridGroup, PlanningProblem, Session, plan

__all__ = ["STEP", "Bound", "hindsight"]

STEP = timedelta(seconds=30)  # a car gets power in whole steps inside its stay: at most a minute lost per car


@dataclass(frozen=True)
class Bound:
    """Deliverable kWh per EV (by its turn in the day's arrivals) and per site."""

    per_ev: dict[int, float]
    per_site: dict[str, float]
    status: str

    @property
    def total_kwh(self) -> float:
        return sum(self.per_ev.values())


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
    problem = PlanningProblem(
        now=scenario.start, step=STEP, sessions=planned, groups=_groups(planned, scenario, hardware)
    )
    result = plan(problem)
    per_ev = {turn: 0.0 for turn in range(len(sessions))}
    per_site: dict[str, float] = {site.location_id: 0.0 for site in SITES}
    for session in planned:
        kwh = min(result.delivered_kwh(session.id), session.energy_kwh)
        per_ev[int(session.id)] = kwh
        per_site[session.group_id or ""] += kwh
    return Bound(per_ev, per_site, result.stats.status)


def _groups(planned: Sequence[Session], scenario: Scenario, hardware: dict[str, float]) -> list[GridGroup]:
    """Each site under its capacity (the cut from `scenario.cut_at`), each connector under its hardware."""
    steps = int((max(s.departure for s in planned) - scenario.start) / STEP) + 1
    groups = [
        GridGroup(id=site.location_id, capacity_w=_capacity(site.capacity_kw, site.cut_kw, scenario, steps))
        for site in SITES
    ]
    for evse in sorted({s.evse_id for s in planned if s.evse_id is not None}):
        station = evse.rsplit("-", 1)[0]
        groups.append(GridGroup(id=f"evse:{evse}", capacity_w=hardware[station], members=frozenset({evse})))
    return groups


def _capacity(before_kw: float, after_kw: float, scenario: Scenario, steps: int) -> list[float]:
    def at(k: int) -> float:
        t: datetime = scenario.start + k * STEP
        return (after_kw if t >= scenario.cut_at else before_kw) * 1000

    return [at(k) for k in range(steps)]

"""What the demo found: energy against the hindsight bound, capacity, starvation, profiles per topology.

`build_report` turns the run's raw material (the stations' power timelines, the nodes' request records)
into figures and checks; `fera.demo.render` lays them out. Every check printed is a check the exit code
obeys, and a failing one says what failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fera.demo.bound import Bound, evse_of
from fera.demo.checks import Overload, Starvation, overloads, site_power, starvations
from fera.demo.scenario import SITES, Scenario, Site
from fera.ocpp.simulator import SimulationReport
from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState

__all__ = [
    "BOUND_TARGET",
    "TOPOLOGIES",
    "Check",
    "DemoReport",
    "EvFigures",
    "SiteFigures",
    "TopologyFigures",
    "build_report",
    "topology_figures",
]

BOUND_TARGET = 0.95  # the share of the hindsight bound the demo must deliver
TOPOLOGIES = {
    "A": "eMSP -> CPO (the eMSP steers its own customers)",
    "B": "SCSP -> eMSP -> CPO (the eMSP delegates to the SCSP)",
    "C": "SCSP -> CPO (the CPO delegates site B to the SCSP)",
}


@dataclass(frozen=True)
class TopologyFigures:
    requests: int
    set: int
    cleared: int
    refused: int  # synchronous answers other than ACCEPTED
    rejected: int  # ACCEPTED, then an async REJECTED/UNKNOWN
    without_result: int  # ACCEPTED, and no result (timed out, or still waiting)
    latency_ms: list[float] = field(default_factory=list)

    def percentile(self, q: float) -> float | None:
        if not self.latency_ms:
            return None
        ordered = sorted(self.latency_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def topology_figures(requests: list[ProfileRequest]) -> TopologyFigures:
    accepted = [r for r in requests if r.response == "ACCEPTED"]
    return TopologyFigures(
        requests=len(requests),
        set=sum(1 for r in requests if r.kind is RequestKind.SET and r.result_type == "ACCEPTED"),
        cleared=sum(1 for r in requests if r.kind is RequestKind.CLEAR and r.result_type == "ACCEPTED"),
        refused=sum(1 for r in requests if r.state is RequestState.REFUSED),
        rejected=sum(1 for r in accepted if r.result_type in ("REJECTED", "UNKNOWN")),
        without_result=sum(1 for r in accepted if r.state is not RequestState.DONE),
        latency_ms=[r.result_latency_s * 1000 for r in accepted if r.result_latency_s is not None],
    )


def _percent(part: float, whole: float) -> float | None:
    return None if whole <= 1e-9 else 100 * part / whole


@dataclass(frozen=True)
class EvFigures:
    """One EV's visit: what it asked, what the day allowed (the bound), what it got, and who limited it."""

    turn: int  # its place in the day's arrivals; its token is SIM{turn:06d}
    evse: str | None  # None: every connector was taken when it arrived
    site: str | None
    outcome: str
    max_kw: float
    requested_kwh: float
    deliverable_kwh: float  # what it could have had with its site to itself (see `fera.demo.bound`)
    delivered_kwh: float
    limited_by: str | None  # the sender whose profile governed it (the CPO's data), if known
    starved: Starvation | None

    @property
    def percent(self) -> float | None:
        return _percent(self.delivered_kwh, self.deliverable_kwh)


@dataclass(frozen=True)
class SiteFigures:
    site: Site
    peak_kw: float
    overloads: list[Overload]  # instants above the capacity in force
    requested_kwh: float
    deliverable_kwh: float
    delivered_kwh: float

    @property
    def percent(self) -> float | None:
        return _percent(self.delivered_kwh, self.deliverable_kwh)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class DemoReport:
    scenario: Scenario
    simulation: SimulationReport
    sites: list[SiteFigures]
    evs: list[EvFigures]
    topologies: dict[str, TopologyFigures]
    dashboards: dict[str, str]
    bound_status: str = "Optimal"
    flexibility: list[dict[str, Any]] = field(default_factory=list)  # the SCSP's forecast for site B

    @property
    def deliverable_kwh(self) -> float:
        """The hindsight bound of the day (per EV, `deliverable_kwh` is what it could have had alone)."""
        return sum(s.deliverable_kwh for s in self.sites)

    @property
    def delivered_kwh(self) -> float:
        return sum(ev.delivered_kwh for ev in self.evs)

    @property
    def percent_of_bound(self) -> float | None:
        return _percent(self.delivered_kwh, self.deliverable_kwh)

    @property
    def starving(self) -> list[EvFigures]:
        return [ev for ev in self.evs if ev.starved is not None]

    @property
    def checks(self) -> list[Check]:
        return [
            self._topologies_check(),
            self._capacity_check(),
            self._results_check(),
            self._flexibility_check(),
            self._starvation_check(),
            self._bound_check(),
        ]

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def passed(self) -> bool:
        return not self.failed

    def _topologies_check(self) -> Check:
        missing = [k for k in TOPOLOGIES if not (self.topologies.get(k) and self.topologies[k].set > 0)]
        detail = f"no profile set in topology {', '.join(missing)}" if missing else ""
        return Check("every topology exercised", not missing, detail)

    def _capacity_check(self) -> Check:
        worst = [max(s.overloads, key=lambda o: o.power_w - o.capacity_w) for s in self.sites if s.overloads]
        detail = "; ".join(
            f"{o.site} {len(s.overloads)}x, worst {o.power_w / 1000:.1f} kW > {o.capacity_w / 1000:g} kW "
            f"at {o.at:%H:%M:%S}"
            for s, o in zip([s for s in self.sites if s.overloads], worst, strict=True)
        )
        return Check("no site over its capacity", not worst, detail)

    def _results_check(self) -> Check:
        missing = sum(t.without_result for t in self.topologies.values())
        return Check(
            "a result for every accepted request", missing == 0, f"{missing} without" if missing else ""
        )

    def _flexibility_check(self) -> Check:
        """The SCSP's band for site B after the cut: min <= planned <= max, all within the cut capacity."""
        cap = SITES[1].cut_kw + 1e-6
        within = all(
            r["min_kw"] <= r["planned_kw"] + 1e-6
            and r["planned_kw"] <= r["max_kw"] + 1e-6
            and r["max_kw"] <= cap
            for r in self.flexibility
        )
        detail = "" if self.flexibility else "no forecast was read"
        detail = detail or ("" if within else f"a step above {SITES[1].cut_kw:g} kW or out of its band")
        return Check(
            "the SCSP's flexibility forecast within the cut", bool(self.flexibility) and within, detail
        )

    def _starvation_check(self) -> Check:
        detail = ", ".join(
            f"#{s.turn} at {s.evse} from {s.since:%H:%M} for {s.duration.total_seconds() / 60:.0f} min"
            for s in (ev.starved for ev in self.starving)
            if s is not None
        )
        return Check("no starving session", not self.starving, detail)

    def _bound_check(self) -> Check:
        percent = self.percent_of_bound
        ok = percent is None or percent >= BOUND_TARGET * 100
        detail = "nothing was deliverable" if percent is None else f"{percent:.1f} %"
        if self.bound_status not in ("Optimal", "Empty"):  # Empty: no car had a connector
            ok, detail = False, f"the hindsight plan was not solved ({self.bound_status})"
        return Check(f"delivered >= {BOUND_TARGET:.0%} of the hindsight bound", ok, detail)


def build_report(
    scenario: Scenario,
    simulation: SimulationReport,
    bound: Bound,
    topologies: dict[str, TopologyFigures],
    dashboards: dict[str, str],
    limited_by: Mapping[str, str] | None = None,
) -> DemoReport:
    """`limited_by`: token uid (SIM000003) -> the sender whose profile governed that session, if known."""
    starved = {s.turn: s for s in starvations(simulation, scenario)}
    sites = {spec.station_id: site.location_id for spec, site in scenario.station_specs()}
    evs = [
        EvFigures(
            turn=turn,
            evse=evse_of(s),
            site=None if s.station_id is None else sites.get(s.station_id),
            outcome=s.outcome,
            max_kw=s.ev.max_kw,
            requested_kwh=s.ev.energy_kwh,
            deliverable_kwh=bound.per_ev.get(turn, 0.0),
            delivered_kwh=s.delivered_wh / 1000,
            limited_by=(limited_by or {}).get(f"SIM{turn:06d}"),
            starved=starved.get(turn),
        )
        for turn, s in enumerate(simulation.sessions)
    ]
    over = overloads(simulation, scenario)
    figures = [
        SiteFigures(
            site=site,
            peak_kw=max((w for _, w in site_power(simulation.connector_samples, site, scenario)), default=0)
            / 1000,
            overloads=[o for o in over if o.site == site.location_id],
            requested_kwh=sum(ev.requested_kwh for ev in evs if ev.site == site.location_id),
            deliverable_kwh=bound.per_site.get(site.location_id, 0.0),
            delivered_kwh=sum(ev.delivered_kwh for ev in evs if ev.site == site.location_id),
        )
        for site in SITES
    ]
    return DemoReport(scenario, simulation, figures, evs, topologies, dashboards, bound.status)

"""What the demo shows at the end: energy, peaks against capacity, profiles per topology, result latencies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from fera.demo.scenario import SITES, Scenario, Site
from fera.ocpp.simulator import SimulationReport
from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState

__all__ = ["DemoReport", "SiteFigures", "TopologyFigures", "site_figures", "topology_figures"]

TOPOLOGIES = {
    "A": "eMSP generates profiles (eMSP -> CPO)",
    "B": "eMSP delegates to SCSP (SCSP -> eMSP -> CPO)",
    "C": "CPO delegates to SCSP (SCSP -> CPO)",
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


@dataclass(frozen=True)
class SiteFigures:
    site: Site
    peak_kw: float
    violations: int  # samples above the capacity in force


def site_figures(report: SimulationReport, scenario: Scenario) -> list[SiteFigures]:
    out = []
    for site in SITES:
        # Connectors change one by one within one instant; the state at an instant is after the last change.
        at_instant = dict(report.group_samples.get(site.location_id, []))
        over = sum(1 for t, w in at_instant.items() if w > _capacity_w(site, scenario, t) + 1.0)
        out.append(SiteFigures(site, report.group_peak_w.get(site.location_id, 0.0) / 1000, over))
    return out


def _capacity_w(site: Site, scenario: Scenario, t: datetime) -> float:
    return (site.noon_kw if t >= scenario.noon else site.capacity_kw) * 1000


@dataclass
class DemoReport:
    simulation: SimulationReport
    sites: list[SiteFigures]
    topologies: dict[str, TopologyFigures]
    dashboards: dict[str, str]
    flexibility: list[dict[str, Any]] = field(
        default_factory=list
    )  # the SCSP's forecast for site B, at the end

    @property
    def flexibility_within_capacity(self) -> bool:
        """The SCSP's band for site B after the cut: min <= planned <= max, all within the cut capacity."""
        cap = SITES[1].noon_kw + 1e-6
        return all(
            r["min_kw"] <= r["planned_kw"] + 1e-6
            and r["planned_kw"] <= r["max_kw"] + 1e-6
            and r["max_kw"] <= cap
            for r in self.flexibility
        )

    @property
    def every_topology_exercised(self) -> bool:
        return all(self.topologies.get(k) and self.topologies[k].set > 0 for k in TOPOLOGIES)

    @property
    def capacity_respected(self) -> bool:
        return all(s.violations == 0 for s in self.sites)

    @property
    def every_accepted_request_has_its_result(self) -> bool:
        return all(t.without_result == 0 for t in self.topologies.values())

    def show(self, console: Console) -> None:
        sim = self.simulation
        console.rule("FERA demo report")
        console.print(sim.summary())
        sites = Table(title="Sites: peak against capacity")
        for column in ("location", "capacity kW", "after noon kW", "peak kW", "violations"):
            sites.add_column(column)
        for s in self.sites:
            sites.add_row(
                s.site.name,
                f"{s.site.capacity_kw:g}",
                f"{s.site.noon_kw:g}",
                f"{s.peak_kw:.1f}",
                "0" if s.violations == 0 else f"[red]{s.violations}[/]",
            )
        console.print(sites)
        table = Table(title="ChargingProfiles per topology")
        for column in (
            "topology",
            "requests",
            "set",
            "cleared",
            "refused",
            "rejected",
            "no result",
            "result p50 ms",
            "p95 ms",
        ):
            table.add_column(column)
        for key, name in TOPOLOGIES.items():
            t = self.topologies.get(key) or topology_figures([])
            p50, p95 = t.percentile(0.5), t.percentile(0.95)
            table.add_row(
                f"{key}: {name}",
                str(t.requests),
                str(t.set),
                str(t.cleared),
                str(t.refused),
                str(t.rejected),
                str(t.without_result),
                _ms(p50),
                _ms(p95),
            )
        console.print(table)
        for name, url in self.dashboards.items():
            console.print(f"Dashboard of the {name}: {url}")
        console.print("(the nodes stop with the demo; `--keep-running` keeps them and their dashboards up)")
        if self.flexibility:
            peak = max(r["planned_kw"] for r in self.flexibility)
            console.print(
                f"SCSP flexibility forecast for {SITES[1].name}: {len(self.flexibility)} steps, "
                f"planned at most {peak:.1f} kW (capacity after the cut: {SITES[1].noon_kw:g} kW)"
            )
        verdicts = (
            ("every topology exercised", self.every_topology_exercised),
            ("no capacity violation", self.capacity_respected),
            ("a result for every accepted request", self.every_accepted_request_has_its_result),
            ("the SCSP's flexibility forecast within the cut capacity", self.flexibility_within_capacity),
        )
        for text, ok in verdicts:
            console.print(("[green]✓[/] " if ok else "[red]✗[/] ") + text)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"

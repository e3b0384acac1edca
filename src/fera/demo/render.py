"""The demo report on a terminal (readable at 80 columns, as in CI logs) and in full in a file."""

from __future__ import annotations

import csv
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table

from fera.demo.report import TOPOLOGIES, Check, DemoReport, topology_figures
from fera.ocpp.simulator import SimulationReport

__all__ = ["show", "write_full", "write_power"]


def _table(title: str, *columns: str) -> Table:
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
    )
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right", no_wrap=True)
    return table


def _whole(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def summary(report: DemoReport) -> str:
    sim, percent = report.simulation, report.percent_of_bound
    served = sum(1 for s in sim.sessions if s.transaction_id is not None)
    share = "-" if percent is None else f"{percent:.1f} %"
    return (
        f"{served}/{len(sim.sessions)} EVs charged: {report.delivered_kwh:.1f} of "
        f"{sim.energy_need_wh / 1000:.1f} kWh requested. With hindsight (same arrivals, stays, connectors, "
        f"EV limits and site capacities) {report.deliverable_kwh:.1f} kWh were deliverable: {share} of it."
    )


def sites_table(report: DemoReport) -> Table:
    cut = f"{report.scenario.cut_at:%H:%M}"
    title = f"Sites (cut at mid-run, {cut}): power in kW, energy in kWh"
    table = _table(title, "site", "kW", "cut kW", "peak kW", "over", *_energy())
    for s in report.sites:
        over = "0" if not s.overloads else f"[red]{len(s.overloads)}[/]"
        table.add_row(
            s.site.location_id,
            f"{s.site.capacity_kw:g}",
            f"{s.site.cut_kw:g}",
            f"{s.peak_kw:.1f}",
            over,
            f"{s.requested_kwh:.1f}",
            f"{s.deliverable_kwh:.1f}",
            f"{s.delivered_kwh:.1f}",
            _whole(s.percent),
        )
    return table


def _energy() -> tuple[str, ...]:
    return ("asked", "bound", "got", "%")


def evs_table(report: DemoReport, full: bool = False) -> Table:
    extra = ("arrival", "departure", "outcome") if full else ()
    title = "EVs: kWh; bound: had it had its site to itself; the sender that limited it"
    table = _table(title, "EV", "EVSE", *extra, "max kW", *_energy(), "limiter", "starved")
    for ev in report.evs:
        visit = report.simulation.sessions[ev.turn].ev
        when = (f"{visit.arrival:%H:%M}", f"{visit.departure:%H:%M}", ev.outcome)
        table.add_row(
            f"#{ev.turn}",
            ev.evse or "none free",
            *(when if full else ()),
            f"{ev.max_kw:g}",
            f"{ev.requested_kwh:.1f}",
            f"{ev.deliverable_kwh:.1f}",
            f"{ev.delivered_kwh:.1f}",
            _whole(ev.percent),
            ev.limited_by or "-",
            "-" if ev.starved is None else f"[red]{ev.starved.since:%H:%M}[/]",
        )
    return table


def topologies_table(report: DemoReport) -> Table:
    table = _table(
        "ChargingProfiles per topology",
        "",
        "requests",
        "set",
        "cleared",
        "refused",
        "rejected",
        "no result",
        "p50 ms",
        "p95 ms",
    )
    for key in TOPOLOGIES:
        t = report.topologies.get(key) or topology_figures([])
        table.add_row(
            key,
            *(str(n) for n in (t.requests, t.set, t.cleared, t.refused, t.rejected, t.without_result)),
            _whole(t.percentile(0.5)),
            _whole(t.percentile(0.95)),
        )
    return table


def _check_line(check: Check) -> str:
    mark = "[green]✓[/]" if check.ok else "[red]✗[/]"
    return f"{mark} {check.name}" + (f": {check.detail}" if check.detail else "")


def show(report: DemoReport, console: Console, full_report: Path | None = None) -> None:
    console.rule("FERA demo report")
    console.print(summary(report))
    for table in (sites_table(report), evs_table(report), topologies_table(report)):
        console.print()
        console.print(table)
    for key, name in TOPOLOGIES.items():
        console.print(f"  {key}: {name}")
    if report.flexibility:
        peak = max(r["planned_kw"] for r in report.flexibility)
        site = report.sites[1].site
        console.print(
            f"SCSP flexibility forecast for {site.location_id}: {len(report.flexibility)} steps, planned "
            f"at most {peak:.1f} kW (capacity after the cut: {site.cut_kw:g} kW)"
        )
    for check in report.checks:
        console.print(_check_line(check))
    if full_report is not None:
        console.print(f"Full tables: {full_report}")
    failed = report.failed
    if failed:
        console.print(f"[red]FAILED: {'; '.join(c.name for c in failed)}[/]")


def write_power(simulation: SimulationReport, path: Path) -> None:
    """Each connector's power timeline (simulated time, W), as the stations drew it: for a closer look."""
    with path.open("w", encoding="utf-8", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(["station", "connector", "time", "watts"])
        for (station, connector), samples in sorted(simulation.connector_samples.items()):
            rows.writerows([station, connector, t.isoformat(), round(w, 1)] for t, w in samples)


def write_full(report: DemoReport, path: Path) -> None:
    """Every table with every column, the overloads, starvations and flexibility rows: for reading later."""
    with path.open("w", encoding="utf-8") as out:
        console = Console(file=out, width=160, no_color=True, highlight=False)
        console.print(summary(report))
        console.print(sites_table(report))
        console.print(evs_table(report, full=True))
        console.print(topologies_table(report))
        for key, name in TOPOLOGIES.items():
            console.print(f"  {key}: {name}")
        for site in report.sites:
            for o in site.overloads:
                console.print(
                    f"over capacity: {o.site} at {o.at:%H:%M:%S}: {o.power_w:.0f} W > {o.capacity_w:.0f} W"
                )
        for row in report.flexibility:
            console.print(f"flexibility {report.sites[1].site.location_id}: {row}")
        for check in report.checks:
            console.print(_check_line(check))

"""The demo report: hindsight bound, starvation, capacity from per-connector timelines, checks, layout."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from fera.demo.bound import Bound, hindsight
from fera.demo.checks import overloads, site_power, starvations
from fera.demo.render import show
from fera.demo.report import DemoReport, TopologyFigures, build_report
from fera.demo.scenario import SITES, Scenario
from fera.ocpp.simulator import EvArrival, SessionReport, SimulationReport

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
# Two stations: ST01 (DC, one connector) at LOC-A, ST02 (AC, two connectors) at LOC-B; the cut at 08:00.
SCENARIO = Scenario(stations=2, hours=4, evs=3, start=START)
B = SITES[1]


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def visit(
    arrive: float,
    leave: float,
    kwh: float,
    kw: float,
    station: str | None,
    connector: int | None,
    got_kwh: float,
) -> SessionReport:
    ev = EvArrival(at(arrive), at(leave), kwh, kw)
    tx = None if station is None else f"tx-{station}-{connector}-{arrive}"
    return SessionReport(ev, "departed", station, connector, tx, got_kwh * 1000, ended=at(leave))


def simulation(
    sessions: list[SessionReport], samples: dict[tuple[str, int], list[tuple[datetime, float]]]
) -> SimulationReport:
    return SimulationReport(tuple(sessions), 0.0, connector_samples=samples)


def topologies(ok: bool) -> dict[str, TopologyFigures]:
    return {k: TopologyFigures(3, 2 if ok else 0, 0, 0, 0, 0, [12.0, 40.0]) for k in "ABC"}


def test_the_bound_shares_a_binding_site_and_respects_each_car() -> None:
    # Two 11 kW cars for an hour at LOC-B (16 kW): the site binds at 16 kWh; a third found no connector.
    sessions = [
        visit(0, 60, 50, 11, "ST02", 1, 0),
        visit(0, 60, 50, 11, "ST02", 2, 0),
        visit(10, 60, 50, 11, None, None, 0),
    ]
    bound = hindsight(sessions, SCENARIO)

    assert bound.status == "Optimal"
    assert bound.per_site[B.location_id] == pytest.approx(B.capacity_kw, rel=1e-6)
    assert bound.total_kwh == pytest.approx(B.capacity_kw, rel=1e-6)
    # Per car: what it could have had with the site to itself (how an optimum splits a site isn't unique).
    assert [bound.per_ev[0], bound.per_ev[1], bound.per_ev[2]] == pytest.approx([11.0, 11.0, 0.0], rel=1e-6)
    # After the cut (08:00) the same two cars get half: the cut is part of the bound.
    later = [visit(120, 180, 50, 11, "ST02", 1, 0), visit(120, 180, 50, 11, "ST02", 2, 0)]
    assert hindsight(later, SCENARIO).total_kwh == pytest.approx(B.cut_kw, rel=1e-6)


def test_a_car_held_at_zero_with_room_on_its_site_is_starving() -> None:
    sessions = [visit(0, 60, 20, 11, "ST02", 1, 5.5), visit(0, 60, 20, 11, "ST02", 2, 11)]
    samples = {
        ("ST02", 1): [(at(0), 0.0), (at(30), 11_000.0), (at(60), 0.0)],  # 30 min at 0 with 5 kW free
        ("ST02", 2): [(at(0), 11_000.0), (at(60), 0.0)],
    }

    found = starvations(simulation(sessions, samples), SCENARIO)

    assert [(s.turn, s.evse, s.since, s.duration) for s in found] == [
        (0, "ST02-1", at(0), timedelta(minutes=30))
    ]


def test_no_starvation_when_the_site_is_full_or_the_pause_is_short() -> None:
    sessions = [visit(0, 60, 20, 11, "ST02", 1, 5.5), visit(0, 60, 20, 11, "ST02", 2, 11)]
    full_site = {
        ("ST02", 1): [(at(0), 0.0), (at(30), 8_000.0), (at(60), 0.0)],
        ("ST02", 2): [(at(0), 16_000.0), (at(30), 8_000.0), (at(60), 0.0)],  # no room while the other waits
    }
    short = {
        ("ST02", 1): [(at(0), 0.0), (at(14), 5_000.0), (at(60), 0.0)],
        ("ST02", 2): [(at(0), 11_000.0), (at(60), 0.0)],
    }
    assert starvations(simulation(sessions, full_site), SCENARIO) == []
    assert starvations(simulation(sessions, short), SCENARIO) == []


def test_site_power_follows_simulated_time_not_the_order_of_recording() -> None:
    # Connector 1 followed its 08:00 breakpoint late: its drop is recorded after connector 2's start at 08:01.
    # In simulated time the site never exceeds its cut capacity of 8 kW.
    samples = {("ST02", 1): [(at(90), 8_000.0), (at(120), 0.0)], ("ST02", 2): [(at(121), 8_000.0)]}
    sim = simulation([], samples)

    assert site_power(samples, B, SCENARIO) == [(at(90), 8_000.0), (at(120), 0.0), (at(121), 8_000.0)]
    assert overloads(sim, SCENARIO) == []


def _starving_and_overloaded() -> DemoReport:
    sessions = [visit(0, 60, 20, 11, "ST02", 1, 5.5), visit(0, 60, 20, 11, "ST02", 2, 11)]
    samples = {
        ("ST02", 1): [(at(0), 0.0), (at(30), 11_000.0), (at(60), 0.0)],
        ("ST02", 2): [(at(0), 11_000.0), (at(60), 0.0)],  # 22 kW from 06:30: over LOC-B's 16 kW
    }
    bound = Bound({0: 8.0, 1: 8.0}, {B.location_id: 16.0, SITES[0].location_id: 0.0}, "Optimal")
    return build_report(
        SCENARIO, simulation(sessions, samples), bound, topologies(True), {}, {"SIM000001": "scsp"}
    )


def test_a_starving_session_and_an_overload_fail_their_checks() -> None:
    report = _starving_and_overloaded()

    failed = {c.name: c.detail for c in report.failed}
    assert failed == {
        "no site over its capacity": "LOC-B 1x, worst 22.0 kW > 16 kW at 06:30:00",
        "no starving session": "#0 at ST02-1 from 06:00 for 30 min",
        "the SCSP's flexibility forecast within the cut": "no forecast was read",
    }
    assert not report.passed
    assert report.percent_of_bound == pytest.approx(100 * 16.5 / 16)
    assert [ev.limited_by for ev in report.evs] == [None, "scsp"]


def test_below_95_percent_of_the_bound_fails() -> None:
    sessions = [visit(0, 60, 20, 11, "ST02", 1, 9.0)]
    samples = {("ST02", 1): [(at(0), 9_000.0), (at(60), 0.0)]}
    bound = Bound({0: 11.0}, {B.location_id: 11.0}, "Optimal")
    report = build_report(SCENARIO, simulation(sessions, samples), bound, topologies(False), {})
    report.flexibility = [{"min_kw": 0.0, "planned_kw": 4.0, "max_kw": 8.0}]

    failed = {c.name: c.detail for c in report.failed}
    assert failed == {
        "every topology exercised": "no profile set in topology A, B, C",
        "delivered >= 95% of the hindsight bound": "81.8 %",
    }


def test_the_report_reads_at_80_columns_and_names_what_failed() -> None:
    out = io.StringIO()
    show(_starving_and_overloaded(), Console(file=out, width=80, no_color=True), Path("/tmp/x/report.txt"))
    lines = out.getvalue().splitlines()

    assert max(len(line) for line in lines) <= 80
    headers = [line.split() for line in lines if line.startswith(("site ", "EV ", "    requests"))]
    assert headers == [
        ["site", "kW", "cut", "kW", "peak", "kW", "over", "asked", "bound", "got", "%"],
        ["EV", "EVSE", "max", "kW", "asked", "bound", "got", "%", "limiter", "starved"],
        ["requests", "set", "cleared", "refused", "rejected", "no", "result", "p50", "ms", "p95", "ms"],
    ]
    rows = [line.split() for line in lines if line.startswith(("#", "LOC-"))]
    assert rows == [
        ["LOC-A", "22", "11", "0.0", "0", "0.0", "0.0", "0.0", "-"],
        ["LOC-B", "16", "8", "22.0", "1", "40.0", "16.0", "16.5", "103"],
        ["#0", "ST02-1", "11", "20.0", "8.0", "5.5", "69", "-", "06:00"],
        ["#1", "ST02-2", "11", "20.0", "8.0", "11.0", "138", "scsp", "-"],
    ]
    text = " ".join(line.strip() for line in lines)
    assert "Full tables: /tmp/x/report.txt" in text
    assert text.endswith(
        "FAILED: no site over its capacity; the SCSP's flexibility forecast within the cut; "
        "no starving session"
    )

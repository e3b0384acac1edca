"""A shortened `fera demo`: three node processes, simulated stations, every topology, an honest report."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from fera.demo import Scenario, run_demo
from fera.demo.run import POWER_FILE, REPORT_FILE

pytestmark = pytest.mark.timeout(300)


async def test_short_demo_exercises_every_topology_within_capacity(tmp_path: Path) -> None:
    scenario = Scenario(speed=360, stations=4, seed=3, hours=3, evs=8, preferences=True)
    workdir = tmp_path / "demo"
    with (tmp_path / "demo.txt").open("w") as out:
        report = await run_demo(Console(file=out, width=80, no_color=True), scenario, workdir)
    shown = (tmp_path / "demo.txt").read_text()

    checks = {c.name: c for c in report.checks}
    for name in (
        "every topology exercised",
        "no site over its capacity",
        "a result for every accepted request",
        "the SCSP's flexibility forecast within the cut",
    ):
        assert checks[name].ok, (name, checks[name].detail)
    outcomes = [s.outcome for s in report.simulation.sessions]
    assert "unauthorized" not in outcomes  # every driver's token reached the CPO from the eMSP
    served = [s for s in report.simulation.sessions if s.transaction_id is not None]
    assert len(served) >= 6 and report.simulation.delivered_wh > 0  # a car may find every connector taken
    # The hindsight bound was solved, and every EV that had a connector could have had something.
    assert report.bound_status == "Optimal"
    assert all(ev.deliverable_kwh > 0 for ev in report.evs if ev.evse is not None)
    # Not asserted here: that every car got some energy. On a loaded machine a short stay can still end at
    # 0 while a site hands over at x360 (the report's starvation check names such cars); see issue 10.
    # The limiter column names the sender whose profile capped a car, not the site share that followed it:
    # the SCSP governs LOC-B by contract and plans its capacity itself.
    assert any(ev.limited_by == "scsp" for ev in report.evs)
    assert report.percent_of_bound is not None and 0 < report.percent_of_bound <= 101
    assert {s.site.location_id for s in report.sites} == {"LOC-A", "LOC-B"}
    # What was shown: where things are first, an 80-column report, the failed checks named.
    lines = shown.splitlines()
    assert lines[0] == f"Workdir: {workdir}" and all("/dashboard" in line for line in lines[2:5])
    assert max(len(line) for line in lines) <= 80
    assert f"{report.percent_of_bound:.1f} % of it." in " ".join(line.strip() for line in lines)
    assert "cut announced by the grid operator" in shown and "cut applied: the stations draw LOC-A" in shown
    # The drivers stated their departure and need through the eMSP; the CPO answered each one.
    assert "drivers stated departure and energy need, the CPO answered: " in " ".join(shown.split())
    assert ("FAILED: " in shown) is (not report.passed)
    assert f"Fulltables:{workdir / REPORT_FILE}" in "".join(shown.split())  # however the path was wrapped
    assert (workdir / REPORT_FILE).read_text().count("\n#") == len(report.evs)
    power = (workdir / POWER_FILE).read_text().splitlines()  # each connector's power as drawn
    samples = sum(len(s) for s in report.simulation.connector_samples.values())
    assert power[0] == "station,connector,time,watts" and len(power) == 1 + samples
    for name in ("cpo", "emsp", "scsp"):  # every node shut down cleanly: no traceback in its log
        assert "Traceback" not in (workdir / f"{name}.log").read_text()

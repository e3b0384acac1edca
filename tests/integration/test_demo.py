"""A shortened `fera demo`: three node processes, simulated stations, every topology, a clean report."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from fera.demo import Scenario, run_demo

pytestmark = pytest.mark.timeout(240)


async def test_short_demo_exercises_every_topology_within_capacity(tmp_path: Path) -> None:
    scenario = Scenario(speed=360, stations=4, seed=3, hours=3, evs=8)
    with (tmp_path / "demo.txt").open("w") as out:
        report = await run_demo(Console(file=out, width=160), scenario, tmp_path / "demo")

    assert report.every_topology_exercised, report.topologies
    assert report.capacity_respected, [(s.site.location_id, s.violations) for s in report.sites]
    assert report.every_accepted_request_has_its_result
    assert report.flexibility and report.flexibility_within_capacity, report.flexibility
    outcomes = [s.outcome for s in report.simulation.sessions]
    assert "unauthorized" not in outcomes  # every driver's token reached the CPO from the eMSP
    served = [s for s in report.simulation.sessions if s.transaction_id is not None]
    assert len(served) >= 6 and report.simulation.delivered_wh > 0  # a car may find every connector taken
    assert {s.site.location_id for s in report.sites} == {"LOC-A", "LOC-B"}
    for name in ("cpo", "emsp", "scsp"):  # every node shut down cleanly: no traceback in its log
        assert "Traceback" not in (tmp_path / "demo" / f"{name}.log").read_text()

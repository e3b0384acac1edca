"""`fera demo` exit codes: the report's verdict (also after Ctrl-C with --keep-running), 130 before it."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

import fera.demo
from fera.cli import app
from fera.demo.bound import Bound
from fera.demo.report import DemoReport, TopologyFigures, build_report
from fera.demo.run import _stay_up
from fera.demo.scenario import SITES
from tests.unit.demo.test_demo_report import SCENARIO, at, simulation, visit


def _report(delivered_kwh: float) -> DemoReport:
    sessions = [visit(0, 60, 20, 11, "ST02", 1, delivered_kwh)]
    samples = {("ST02", 1): [(at(0), delivered_kwh * 1000), (at(60), 0.0)]}
    bound = Bound({0: 11.0}, {SITES[1].location_id: 11.0}, "Optimal")
    topologies = {k: TopologyFigures(1, 1, 0, 0, 0, 0, [5.0]) for k in "ABC"}
    report = build_report(SCENARIO, simulation(sessions, samples), bound, topologies, {})
    report.flexibility = [{"min_kw": 0.0, "planned_kw": 4.0, "max_kw": 8.0}]
    return report


def _demo_returning(monkeypatch: pytest.MonkeyPatch, outcome: DemoReport | BaseException) -> None:
    async def fake(*_args: Any, **_kwargs: Any) -> DemoReport:
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    monkeypatch.setattr(fera.demo, "run_demo", fake)


@pytest.mark.parametrize(("delivered", "code"), [(11.0, 0), (10.0, 1)])
def test_the_exit_code_is_the_reports_verdict(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, delivered: float, code: int
) -> None:
    _demo_returning(monkeypatch, _report(delivered))

    result = CliRunner().invoke(app, ["demo", "--workdir", str(tmp_path)])

    assert result.exit_code == code, result.output


def test_an_interrupt_before_the_report_exits_130(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _demo_returning(monkeypatch, KeyboardInterrupt())

    result = CliRunner().invoke(app, ["demo", "--workdir", str(tmp_path)])

    assert result.exit_code == 130
    assert "Interrupted before the report" in result.output


async def test_ctrl_c_while_kept_running_ends_the_wait_not_the_run() -> None:
    out = io.StringIO()
    report = _report(11.0)
    waiting = asyncio.create_task(_stay_up(Console(file=out, width=80), report))
    while "Ctrl-C stops them" not in out.getvalue():
        await asyncio.sleep(0)  # let the task reach its wait

    waiting.cancel()  # what asyncio.run does on Ctrl-C
    await waiting

    assert not waiting.cancelled()
    assert "(the run passed, and exits so)" in out.getvalue()

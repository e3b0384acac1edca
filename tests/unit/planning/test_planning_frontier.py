"""The frontier table's verdict: the cheapest point on the energy target, the most energy at LP-MPC's cost."""

from __future__ import annotations

from bench.planning.euro import Row
from bench.planning.frontier import verdict


def _row(name: str, energy: float, cost: float) -> Row:
    return Row(name, energy, cost, 0.1, 1.0)


def test_verdict_reads_the_target_and_lp_mpc_cost_off_the_points() -> None:
    rows = [_row("LP-MPC", 95.6, 0.1), _row("x0.5", 97.0, 0.1), _row("x1", 99.6, 3.4), _row("x2", 99.9, 3.2)]
    assert verdict(rows) == ("+3.20 %", "97.00 %")


def test_verdict_says_none_when_no_point_reaches_either() -> None:
    rows = [_row("LP-MPC", 95.6, 0.1), _row("x0.5", 97.0, 0.5), _row("x1", 99.4, 2.0)]
    assert verdict(rows) == ("none", "none")

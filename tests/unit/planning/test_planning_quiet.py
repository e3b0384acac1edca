"""The planner writes nothing to the process's standard output: `fera` commands print tables and JSON
there, and a server's stdout is its log. Run in a fresh interpreter, since a solver's banner comes once per
process (highspy 1.16 prints one from `Highs()`'s constructor, which no option silences)."""

from __future__ import annotations

import subprocess
import sys

_PLAN_ONE_SESSION = """
from tests.unit.planning.factory import problem, session
from fera.planning import GridGroup, plan
result = plan(problem([session("a", 2, 10, group_id="site")], groups=[GridGroup("site", capacity_w=7_000)]))
assert result.stats.status == "Optimal", result.stats.status
"""


def test_a_plan_prints_nothing_to_stdout() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PLAN_ONE_SESSION], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""

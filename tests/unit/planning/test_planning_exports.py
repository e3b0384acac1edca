"""The public surface of fera.planning, and its independence from the wire layer."""

from __future__ import annotations

import subprocess
import sys

import fera.planning


def test_public_names() -> None:
    assert sorted(fera.planning.__all__) == sorted(
        [
            "DEFAULT_ENERGY_KWH",
            "DEFAULT_STAY",
            "THREE_PHASE",
            "URGENCY_KW",
            "CurrentLimit",
            "DayType",
            "Estimate",
            "FlexibilityForecast",
            "FlexibilityRow",
            "GridGroup",
            "Phase",
            "Plan",
            "PlannedProfile",
            "PlanningProblem",
            "ProfilePeriod",
            "ProfileType",
            "RateUnit",
            "Series",
            "Session",
            "SessionStatistics",
            "SolveStats",
            "apply_min_rates",
            "flexibility",
            "floor_tenth",
            "phase_watts",
            "plan",
            "to_charging_profile",
            "to_csv_rows",
        ]
    )
    assert all(hasattr(fera.planning, name) for name in fera.planning.__all__)


def test_planning_does_not_import_the_wire_layer() -> None:
    code = (
        "import sys, fera.planning; print(any(m.startswith(('fera.ocpi', 'asyncio')) for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"

"""The public surface of fera.charging, and its independence from the wire layer."""

from __future__ import annotations

import subprocess
import sys

import fera.charging


def test_public_names() -> None:
    assert sorted(fera.charging.__all__) == sorted(
        [
            "EVSE_MAXIMUM",
            "LOCAL_LIMIT",
            "POWER_TYPES",
            "RATE_UNITS",
            "Breakpoint",
            "ChargingProfileKind",
            "ChargingProfilePurpose",
            "Electrical",
            "Limit",
            "OcppChargingProfile",
            "ProfileStack",
            "RateProfile",
            "RecurrencyKind",
            "Schedule",
            "SchedulePeriod",
            "composite_schedule",
            "connector_limit_at",
            "limiting",
            "maximum",
            "minimum",
            "overlay",
            "preferred_unit",
            "profile_from_schedule",
            "profile_schedule",
            "schedule_from_profile",
            "session_limit",
            "station_composite_schedule",
            "total",
            "validate_profile",
            "write_profile",
        ]
    )
    assert all(hasattr(fera.charging, name) for name in fera.charging.__all__)


def test_charging_does_not_import_the_wire_layer() -> None:
    code = (
        "import sys, fera.charging; print(any(m.startswith(('fera.ocpi', 'pydantic')) for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"

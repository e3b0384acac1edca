"""OCPP connector statuses mapped to OCPI EVSE statuses."""

from __future__ import annotations

import pytest

from fera.ocpp._status import ocpi_status_v16, ocpi_status_v201


@pytest.mark.parametrize(
    ("ocpp", "ocpi"),
    [
        ("Available", "AVAILABLE"),
        ("Preparing", "CHARGING"),
        ("Charging", "CHARGING"),
        ("SuspendedEV", "CHARGING"),
        ("SuspendedEVSE", "CHARGING"),
        ("Finishing", "BLOCKED"),
        ("Reserved", "RESERVED"),
        ("Unavailable", "INOPERATIVE"),
        ("Faulted", "OUTOFORDER"),
        ("SomethingNew", "UNKNOWN"),
    ],
)
def test_v16(ocpp: str, ocpi: str) -> None:
    assert ocpi_status_v16(ocpp) == ocpi


@pytest.mark.parametrize(
    ("ocpp", "ocpi"),
    [
        ("Available", "AVAILABLE"),
        ("Occupied", "CHARGING"),
        ("Reserved", "RESERVED"),
        ("Unavailable", "INOPERATIVE"),
        ("Faulted", "OUTOFORDER"),
        ("Preparing", "UNKNOWN"),  # a 1.6 word is no 2.0.1 status
    ],
)
def test_v201(ocpp: str, ocpi: str) -> None:
    assert ocpi_status_v201(ocpp) == ocpi

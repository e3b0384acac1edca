"""The SCSP's expected arrivals: learnt per location, split over the groups its EVSEs sit in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fera.config import BoardConfig, SiteConfig
from fera.planning import SessionStatistics
from fera.scsp.planning_expected import expected_arrivals
from tests.integration.chargingprofiles.setup import location

NOW = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)  # a Tuesday
STEP = timedelta(minutes=15)


def _stats() -> SessionStatistics:
    stats = SessionStatistics()
    for days in (1, 2):  # Monday and the Friday before: 1 arrival a weekday at 8:xx, 2 h, 4 kWh (2 kW)
        arrival = NOW - timedelta(days=days if days == 1 else 4)
        stats.add("LOC1", arrival, arrival + timedelta(hours=2), 4.0)
    return stats


def test_a_sub_board_expects_its_part_of_the_arrivals() -> None:
    site = SiteConfig(
        location="LOC1", phase_amps=63, boards=[BoardConfig(id="carport", phase_amps=32, evses=["LOC1-E1"])]
    )
    found = expected_arrivals([("LOC1", location(evses=3), 11_000.0)], _stats(), NOW, STEP, [site])
    by_group = {e.group_id: e for e in found}
    assert set(by_group) == {"LOC1", "LOC1/CARPORT"}  # 2 EVSEs on the connection itself, 1 on the carport
    assert by_group["LOC1"].energy_kwh == pytest.approx(2 * by_group["LOC1/CARPORT"].energy_kwh)
    assert sum(e.energy_kwh for e in found) == pytest.approx(4.0)  # one car of 4 kWh in the 8:00 hour
    assert by_group["LOC1"].arrival == NOW + STEP and len({e.id for e in found}) == len(found)


def test_an_unshared_location_expects_its_arrivals_in_its_own_group() -> None:
    found = expected_arrivals([("LOC1", None, 7_400.0)], _stats(), NOW, STEP)
    assert [e.group_id for e in found] == ["LOC1"]
    assert found[0].max_power_w == pytest.approx(7_400.0)

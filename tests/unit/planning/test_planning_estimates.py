"""SessionStatistics: learnt means per (location, hour), location fallback, defaults, flags."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fera.planning import DEFAULT_ENERGY_KWH, DEFAULT_STAY, SessionStatistics
from tests.unit.planning.factory import NOW


def _learnt() -> SessionStatistics:
    stats = SessionStatistics(min_samples=2)
    for hours, kwh in ((2, 6.0), (4, 10.0)):
        stats.add("loc", NOW, NOW + timedelta(hours=hours), kwh)
    return stats


def test_nothing_known_gives_the_defaults_flagged_as_estimates() -> None:
    estimate = SessionStatistics().estimate("loc", NOW, NOW)
    assert estimate.departure == NOW + DEFAULT_STAY and estimate.energy_kwh == DEFAULT_ENERGY_KWH
    assert estimate.departure_estimated and estimate.energy_estimated


def test_the_mean_of_the_same_hour_is_used() -> None:
    estimate = _learnt().estimate("loc", NOW, NOW)
    assert estimate.departure == NOW + timedelta(hours=3) and estimate.energy_kwh == pytest.approx(8.0)


def test_another_hour_falls_back_to_the_location_mean() -> None:
    stats = _learnt()
    stats.add("loc", NOW + timedelta(hours=5), NOW + timedelta(hours=6), 2.0)
    later = NOW + timedelta(hours=5)
    assert stats.expected_stay("loc", later) == timedelta(hours=7 / 3)
    assert stats.expected_energy_kwh("other", NOW) == DEFAULT_ENERGY_KWH


def test_stated_values_are_kept_and_not_flagged() -> None:
    departure = NOW + timedelta(hours=1)
    estimate = _learnt().estimate("loc", NOW, NOW, departure=departure, energy_kwh=3.0)
    assert (estimate.departure, estimate.energy_kwh) == (departure, 3.0)
    assert not estimate.departure_estimated and not estimate.energy_estimated


def test_a_car_that_outstayed_its_estimate_is_given_a_little_longer() -> None:
    now = NOW + timedelta(hours=10)
    assert _learnt().estimate("loc", NOW, now).departure == now + timedelta(minutes=30)

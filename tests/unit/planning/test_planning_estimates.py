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
    departure = _learnt().estimate("loc", NOW, now).departure
    assert now + timedelta(minutes=30) <= departure <= now + timedelta(hours=1, minutes=30)


def test_a_car_that_outstayed_its_estimate_is_expected_to_stay_as_the_longer_stays_did() -> None:
    """Stays of 2 h and 4 h seen: a car still there after 3 h (its estimate, the mean, is past) is expected
    to leave at 4 h, when the stay that lasted longer than 3 h ended."""
    stats = _learnt()
    assert stats.estimate("loc", NOW, NOW + timedelta(hours=3)).departure == NOW + timedelta(hours=4)
    at = NOW + timedelta(hours=3, minutes=15)
    assert stats.estimate("loc", NOW, at).departure == at + timedelta(minutes=45)


def test_past_every_stay_seen_the_estimate_moves_on_by_whole_hours() -> None:
    """Estimated at 3 h (the mean), stays seen up to 4 h: at 4h10 it is 5 h, and stays 5 h until 4h30 has
    passed (at least half an hour ahead), then 6 h: not a departure always half an hour away. So it is at
    3h45 already, when the longer stay seen has only 15 min left."""
    stats = _learnt()
    for minutes, hours in ((225, 5), (250, 5), (270, 5), (271, 6), (330, 6)):
        departure = stats.estimate("loc", NOW, NOW + timedelta(minutes=minutes)).departure
        assert departure == NOW + timedelta(hours=hours), minutes


def test_a_token_with_enough_stays_of_its_own_is_judged_by_them() -> None:
    stats = _learnt()
    for hours in (5, 6):
        stats.add("loc", NOW, NOW + timedelta(hours=hours), 5.0, token="t")
    assert stats.remaining_stay("loc", timedelta(hours=3), "t") == timedelta(hours=2, minutes=30)
    assert stats.remaining_stay("loc", timedelta(hours=3), "other") == timedelta(hours=2)

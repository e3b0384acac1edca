"""The European benchmark in small: half a weekday (00:00-12:00) of the same site, on the synthetic
ElaadNL-like shapes (`euro_data.synthetic`: tests use no network), history from 8 other days.

FERA with foresight must deliver at least what plain LP-MPC does and reach the benchmark's target of 99.5 %
of the hindsight bound on a priced day, and foresight must never cost energy on a day with no price signal.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from bench.planning import euro
from bench.planning.euro_data import synthetic
from bench.planning.euro_site import SITE_AMPS, Site, draw

from fera.planning import SessionStatistics


@pytest.fixture(scope="module")
def day() -> tuple[Site, SessionStatistics]:
    data = synthetic()
    return draw(data, 3, days=0.5), euro.history(data, 3, days=8)


def _energy(site: Site, stats: SessionStatistics | None) -> float:
    return float(euro.replay(site, euro.fera(site, stats, SITE_AMPS)).delivered.sum())


def test_foresight_delivers_at_least_what_lp_mpc_does(day: tuple[Site, SessionStatistics]) -> None:
    site, stats = day
    foresight, plain = _energy(site, stats), _energy(site, None)
    assert foresight >= plain - 1e-6
    assert foresight >= 0.995 * float(euro.bound(site, SITE_AMPS).sum())


def test_foresight_never_lowers_energy_without_a_price_signal(day: tuple[Site, SessionStatistics]) -> None:
    site, stats = day
    flat = replace(site, price=np.zeros(site.steps))
    assert _energy(flat, stats) >= _energy(flat, None) - 1e-6


def test_scenario_mpc_delivers_at_least_what_lp_mpc_does(day: tuple[Site, SessionStatistics]) -> None:
    site, stats = day
    scenarios = float(euro.replay(site, euro.scenario_mpc(site, stats, SITE_AMPS)).delivered.sum())
    assert scenarios >= _energy(site, None) - 1e-6
    assert scenarios >= 0.995 * float(euro.bound(site, SITE_AMPS).sum())


def test_scenario_mpc_never_lowers_energy_without_a_price_signal(day: tuple[Site, SessionStatistics]) -> None:
    site, stats = day
    flat = replace(site, price=np.zeros(site.steps))
    scenarios = float(euro.replay(flat, euro.scenario_mpc(flat, stats, SITE_AMPS)).delivered.sum())
    assert scenarios >= _energy(flat, None) - 1e-6

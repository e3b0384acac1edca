"""The European benchmark in small (one day, synthetic ElaadNL-like shapes: no network in tests).

FERA with foresight must deliver at least what plain LP-MPC does: on a priced day (the benchmark's claim)
and on a day with no price signal (foresight only moves energy earlier, it must never cost energy).
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
    return draw(data, 3, days=1), euro.history(data, 3, days=8)


def _energy(site: Site, stats: SessionStatistics | None) -> float:
    return float(euro.replay(site, euro.fera(site, stats, SITE_AMPS)).delivered.sum())


def test_foresight_delivers_at_least_what_lp_mpc_does(day: tuple[Site, SessionStatistics]) -> None:
    site, stats = day
    assert _energy(site, stats) >= _energy(site, None) - 1e-6


def test_foresight_never_lowers_energy_without_a_price_signal(day: tuple[Site, SessionStatistics]) -> None:
    site, stats = day
    flat = replace(site, price=np.zeros(site.steps))
    assert _energy(flat, stats) >= _energy(flat, None) - 1e-6

"""A stated need wins a true conflict with a guess (`GUESS_WEIGHT`), as at the CPO."""

from __future__ import annotations

import pytest

from fera.planning import GridGroup, ProfileType, plan
from tests.unit.planning.factory import kwh, problem, session


def test_a_stated_need_is_met_beside_a_guess_that_could_take_the_whole_site() -> None:
    """Demo car #3: 6.3 kWh still needed in 1.75 h at 11 kW; a new guess (its maximum not yet metered, so
    the EVSE's 16 kW) staying 8 h. Equal weights left the stated car at 0 (its FAST cost is steeper for its
    sooner departure); it must get its need, and the guess the rest."""
    stated = session("stated", 1.75, 6.3, kw=11.0, profile_type=ProfileType.FAST, group_id="site")
    guess = session(
        "guess", 8, 128.0, kw=16.0, profile_type=ProfileType.FAST, group_id="site", estimated=True
    )
    result = plan(problem([stated, guess], groups=[GridGroup("site", capacity_w=16_000)]))
    assert kwh(result, "stated") == pytest.approx(6.3, abs=1e-6)
    assert kwh(result, "guess") == pytest.approx(16 * 8 - 6.3, abs=1e-3)  # nothing of the site left idle

"""`top_up`: the room a plan leaves at its first step goes to the cars charging there, never above a limit."""

from __future__ import annotations

import pytest

from fera.planning import GridGroup, ProfileType, apply_min_rates, plan
from fera.planning.profile import top_up
from tests.unit.planning.factory import problem, session, total_kw


def test_a_stated_need_met_exactly_is_not_a_cap_while_the_site_has_room() -> None:
    """2 kWh stated, FAST: planned at 8 kW for one step; a car that takes less (its own maximum unknown)
    would never meet it under that cap. Topped up, it may take its 11 kW; the waiting car stays at 0."""
    stated = session("S", 4, 2.0, kw=11.0, profile_type=ProfileType.FAST, group_id="site")
    later = session("L", 4, 2.0, kw=11.0, profile_type=ProfileType.CHEAP, group_id="site")
    site = GridGroup("site", capacity_w=15_000)
    p = problem([stated, later], groups=[site], price=[0.5] + [0.1] * 15)
    planned = apply_min_rates(p, plan(p))
    assert planned.schedule("S")[0] == pytest.approx(8_000) and planned.schedule("L")[0] == 0
    topped = top_up(p, planned)
    assert topped.schedule("S")[0] == pytest.approx(11_000)
    assert topped.schedule("L")[0] == 0  # nobody starts charging here
    # Its cap holds after the plan has its need met (until the next re-plan's profile comes), beside the
    # CHEAP car's planned 8 kW in the first cheap step.
    assert planned.schedule("L")[1] == pytest.approx(8_000)
    assert topped.schedule("S")[1:].tolist() == pytest.approx([7_000.0] + [11_000.0] * 14)
    assert total_kw(topped, "S", "L").max() <= 15.0 + 1e-9  # never over the site


def test_the_site_limit_holds_earliest_departure_first() -> None:
    early = session("E", 2, 1.0, kw=11.0, profile_type=ProfileType.FAST, group_id="site")
    late = session("L", 6, 1.0, kw=11.0, profile_type=ProfileType.FAST, group_id="site")
    p = problem([late, early], groups=[GridGroup("site", capacity_w=16_000)])
    topped = top_up(p, apply_min_rates(p, plan(p)))
    assert total_kw(topped, "E", "L")[0] == pytest.approx(16.0)
    assert topped.schedule("E")[0] == pytest.approx(11_000)  # leaves first: raised first

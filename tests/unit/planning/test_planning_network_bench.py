"""The bench's description of Caltech's network: delta currents add up as a three-phase transformer's do."""

from __future__ import annotations

import math

import pytest
from bench.planning import caltech_site
from bench.planning.network import _room


def _line(limit_id: str, watts_per_branch: dict[str, float], cap_kw: float = 20.0) -> complex:
    limit = next(c for c in caltech_site.currents(cap_kw) if c.id == limit_id)
    total = 0j
    for branch, watts in watts_per_branch.items():
        evse = caltech_site.BRANCHES[branch][0]
        total += complex(limit.coefficients.get(evse, 0)) * watts
    return total


def test_balanced_delta_gives_root_three_on_the_secondary_and_three_quarters_on_the_primary() -> None:
    """r A in each delta branch: each secondary line carries √3·r, each primary line 3·r/4 (4:1 ratio)."""
    amps = 10.0
    balanced = dict.fromkeys(caltech_site.BRANCHES, amps * caltech_site.VOLTS)
    for line in "abc":
        assert abs(_line(f"secondary {line}", balanced)) == pytest.approx(math.sqrt(3) * amps)
    for line in "ABC":
        assert abs(_line(f"primary {line}", balanced)) == pytest.approx(0.75 * amps)


def test_one_branch_loads_two_secondary_lines() -> None:
    """A-B alone: r A on lines a and b, nothing on c."""
    alone = {"AB": 10.0 * caltech_site.VOLTS}
    assert [abs(_line(f"secondary {x}", alone)) for x in "abc"] == pytest.approx([10.0, 10.0, 0.0])


def test_limits_follow_the_transformer_rating() -> None:
    limits = {c.id: c.limit_a for c in caltech_site.currents(30.0)}
    assert limits["secondary a"] == pytest.approx(30e3 / 3 / 120)
    assert limits["primary B"] == pytest.approx(30e3 / 3 / 277)
    assert limits["CC pod"] == limits["AV pod"] == 80.0
    assert sum(len(v) for v in caltech_site.BRANCHES.values()) == 54


def test_llf_room_reaches_the_limit_exactly() -> None:
    a, z = complex(0.5, 0.3), complex(2.0, -1.0)
    r = _room(a, z, 5.0)
    assert abs(z + a * r) == pytest.approx(5.0)
    assert _room(a, complex(5.0, 0.0), 5.0) >= 0.0

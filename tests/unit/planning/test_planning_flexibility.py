"""flexibility(): the band per group and step."""

from __future__ import annotations

import pytest

from fera.planning import GridGroup, ProfileType, flexibility, plan, to_csv_rows
from tests.unit.planning.factory import NOW, STEP, problem, session


def test_band_of_one_fast_car() -> None:
    p = problem([session("a", 2, 7, profile_type=ProfileType.FAST, group_id="g")], groups=[GridGroup("g")])
    rows = flexibility(p, plan(p)).of_group("g")
    assert [r.planned_w for r in rows] == pytest.approx([7000] * 4 + [0] * 4)
    assert [r.max_w for r in rows] == pytest.approx([7000] * 4 + [0] * 4)
    # 7 kWh fit in the last hour, so nothing is needed before step 4 ... but by then it has all been delivered
    assert [r.min_w for r in rows] == pytest.approx([0] * 8)
    assert rows[1].time == NOW + STEP


def test_band_of_a_late_cheap_car_has_a_floor_near_its_departure() -> None:
    price = [0.1] * 4 + [0.5] * 4
    p = problem(
        [session("a", 2, 7, profile_type=ProfileType.CHEAP, group_id="g")],
        groups=[GridGroup("g")],
        price=price,
    )
    rows = flexibility(p, plan(p)).of_group("g")
    assert [r.planned_w for r in rows] == pytest.approx([7000] * 4 + [0] * 4)
    assert [r.min_w for r in rows][:4] == pytest.approx([0, 0, 0, 0])
    assert [r.max_w for r in rows][4:] == pytest.approx([0] * 4)


def test_group_capacity_raises_the_floor() -> None:
    cars = [session(s, 1, 5, group_id="g") for s in "ab"]
    p = problem(cars, groups=[GridGroup("g", capacity_w=10_000)])
    rows = flexibility(p, plan(p)).of_group("g")
    # 10 kWh in one hour under 10 kW: every step must run at the limit
    assert [r.min_w for r in rows] == pytest.approx([10_000] * 4, abs=0.01)
    assert [r.max_w for r in rows] == pytest.approx([10_000] * 4, abs=0.01)


def test_csv_rows() -> None:
    p = problem([session("a", 0.5, 1, group_id="g")], groups=[GridGroup("g")])
    rows = to_csv_rows(flexibility(p, plan(p)))
    assert rows[0] == ["group_id", "time", "planned_w", "min_w", "max_w"]
    assert len(rows) == 3 and rows[1][:2] == ["g", NOW.isoformat()]

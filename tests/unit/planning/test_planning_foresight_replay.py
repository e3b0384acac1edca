"""Property: on a day with no price signal, planning with foresight (expected arrivals or scenarios, right or
wrong) never delivers less energy over a replayed day than planning for the present cars alone (re-planned
every step, only the first step applied)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypedDict

from hypothesis import given, settings
from hypothesis import strategies as st

from fera.planning import GridGroup, PlanningProblem, ProfileType, Session, plan
from tests.unit.planning.factory import NOW, STEP

STEPS = 16
H = STEP.total_seconds() / 3600
# LP ties may spend a car's last Wh of slack at a different step: found once, a car at its maximum for all
# its remaining steps had 1 Wh less slack with foresight, so a car arriving next got 4 W less for its one
# step (17.815 against 17.816 kWh). Foresight's real harms (room held for a car that does not come, a
# present car that leaves without it) are tenths of a kWh here.
TIE_KWH = 0.01


class _Foresight(TypedDict, total=False):  # PlanningProblem's keywords
    expected: Sequence[Session]
    scenarios: Sequence[Sequence[Session]]


Foresight = Callable[[int], _Foresight]


@st.composite
def _cars(draw: st.DrawFn, prefix: str, count: int) -> list[Session]:
    out = []
    for i in range(count):
        arrival = draw(st.integers(0, STEPS - 2))
        stay = draw(st.integers(1, 8))
        out.append(
            Session(
                f"{prefix}{i}", NOW + arrival * STEP, NOW + min(arrival + stay, STEPS) * STEP,
                draw(st.floats(0.5, 20)), draw(st.floats(1_000, 11_000)), group_id="site",
                profile_type=draw(st.sampled_from(list(ProfileType))),
            )
        )  # fmt: skip
    return out


def _replay(cars: list[Session], capacity_w: float, foresight: Foresight) -> float:
    remaining = {c.id: c.energy_kwh for c in cars}
    delivered = 0.0
    for t in range(STEPS):
        now = NOW + t * STEP
        present = [
            replace(c, arrival=now, energy_kwh=remaining[c.id])
            for c in cars
            if c.arrival <= now < c.departure and remaining[c.id] > 1e-9
        ]
        if not present:
            continue
        problem = PlanningProblem(
            now, STEP, present, [GridGroup("site", capacity_w=capacity_w)], **foresight(t)
        )
        result = plan(problem)
        for c in present:
            kwh = min(float(result.schedule(c.id)[0]) * H / 1e3, remaining[c.id])
            remaining[c.id] -= kwh
            delivered += kwh
    return delivered


def _later(cars: list[Session], t: int) -> list[Session]:
    return [c for c in cars if c.arrival > NOW + t * STEP]


@settings(max_examples=30, deadline=None)
@given(
    st.integers(2, 7).flatmap(lambda n: _cars("c", n)),
    st.integers(0, 6).flatmap(lambda n: _cars("e", n)),
    st.floats(3_000, 25_000),
)
def test_foresight_right_or_wrong_never_lowers_the_energy_delivered(
    cars: list[Session], guess: list[Session], capacity_w: float
) -> None:
    """Expected arrivals that may never come (`guess`), and scenarios: that guess and the true day."""
    alone = _replay(cars, capacity_w, lambda t: {})
    expected = _replay(cars, capacity_w, lambda t: {"expected": _later(guess, t)})
    scenarios = _replay(cars, capacity_w, lambda t: {"scenarios": [_later(guess, t), _later(cars, t)]})
    assert expected >= alone - TIE_KWH
    assert scenarios >= alone - TIE_KWH

"""A CHEAP or GREEN wish waits for its hours only while the car has time to spare: energy comes first."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fera.ocpi.sessions.models import ChargingPreferences
from fera.ocpi.types import format_datetime
from fera.planning import ProfileType, SessionStatistics, plan
from fera.scsp.planning_inputs import DEFER_SLACK, Known, build_problem
from tests.unit.scsp.test_scsp_planning_grid import NOW, STEP, known

CAR_KW = 3 * 16 * 230 / 1000  # a three-phase 16 A car on E3 (32 A), its 16 A learnt from its meter
STAY = timedelta(hours=8)


def wishing(
    profile_type: str,
    need_kwh: float | None,
    charged_kwh: float = 0.0,
    sid: str = "S1",
    readings: tuple[tuple[float, float], ...] = ((CAR_KW, 16.0),),
) -> Known:
    car = known(sid, "E3", *readings)
    wish: dict[str, object] = {"profile_type": profile_type, "departure_time": format_datetime(NOW + STAY)}
    if need_kwh is not None:
        wish["energy_need"] = need_kwh
    session = car.session.model_copy(update={"kwh": charged_kwh})
    return replace(car, session=session, preferences=ChargingPreferences.model_validate(wish))


def planned_type(car: Known, car_amps: float | None = 16.0) -> ProfileType:
    amps = {} if car_amps is None else {car.key: car_amps}
    problem = build_problem([car], SessionStatistics(), NOW, STEP, {}, car_amps=amps)
    return problem.sessions[0].profile_type


def need_for(slack: timedelta) -> float:
    """The need (kWh) that leaves the car `slack` to spare in its stay at its maximum."""
    return (STAY - slack).total_seconds() / 3600 * CAR_KW


ROOMY, TIGHT = need_for(DEFER_SLACK + timedelta(hours=1)), need_for(DEFER_SLACK - timedelta(hours=1))


@pytest.mark.parametrize("wish", ["CHEAP", "GREEN"])
def test_a_deferring_wish_holds_while_the_car_has_time_to_spare_and_yields_when_it_has_not(wish: str) -> None:
    assert planned_type(wishing(wish, ROOMY)) is ProfileType(wish)
    assert planned_type(wishing(wish, TIGHT)) is ProfileType.FAST
    # Once it has charged enough to spare the slack again, it waits for its hours again.
    assert planned_type(wishing(wish, TIGHT, charged_kwh=TIGHT - ROOMY)) is ProfileType(wish)


def test_fast_wishes_and_guessed_needs_are_left_as_they_are_and_regular_is_fast() -> None:
    """REGULAR, no special preference: charged as soon as the grid allows, like a guess, not spread."""
    assert planned_type(wishing("REGULAR", TIGHT)) is ProfileType.FAST
    assert planned_type(wishing("REGULAR", ROOMY)) is ProfileType.FAST
    assert planned_type(wishing("FAST", ROOMY)) is ProfileType.FAST
    # No stated need: the car takes all it can until it leaves anyway (no slack to judge), its wish stands.
    assert planned_type(wishing("CHEAP", None)) is ProfileType.CHEAP


def test_a_tight_cheap_car_charges_now_at_the_peak_price_and_a_roomy_one_waits() -> None:
    tight, roomy = wishing("CHEAP", TIGHT, sid="S1"), wishing("CHEAP", ROOMY, sid="S2")
    price = [0.40] * 8 + [0.10] * 24  # the first two hours are the dearest of the stay
    problem = replace(
        build_problem(
            [tight, roomy], SessionStatistics(), NOW, STEP, {}, car_amps={tight.key: 16.0, roomy.key: 16.0}
        ),
        price=price,
    )
    result = plan(problem)
    assert result.schedule("cpo/S1")[0] == pytest.approx(CAR_KW * 1000)
    assert result.schedule("cpo/S2")[:8].sum() == 0.0
    assert result.schedule("cpo/S2").sum() * STEP.total_seconds() / 3.6e6 == pytest.approx(ROOMY)


def test_until_its_maximum_shows_a_car_is_judged_at_the_most_it_took_and_unmetered_it_charges_first() -> None:
    """16 A seen on a 32 A EVSE, its own maximum not known yet: it may be a 16 A car, so its time to spare
    is that of a 16 A car (at 32 A it would have plenty). Before any reading its phases are unknown: FAST."""
    need = ROOMY * 1.5  # at 16 A an hour less than DEFER_SLACK to spare, at 32 A four hours more
    assert planned_type(wishing("CHEAP", need), car_amps=32.0) is ProfileType.CHEAP
    assert planned_type(wishing("CHEAP", need), car_amps=None) is ProfileType.FAST
    assert planned_type(wishing("CHEAP", ROOMY), car_amps=None) is ProfileType.CHEAP
    assert planned_type(wishing("CHEAP", ROOMY, readings=()), car_amps=None) is ProfileType.FAST

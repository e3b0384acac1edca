"""What a car draws revises what the planner assumes about it: its maximum, and whether it is full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from fera.charging import Electrical
from fera.ocpi.chargingprofiles.models import ActiveChargingProfile
from fera.ocpi.types import format_datetime
from fera.planning import SessionStatistics
from fera.scsp.planning_draw import FULL_RETRY, CarDraw, DrawLog
from fera.scsp.planning_inputs import Known, planned_session
from fera.scsp.planning_profiles import lowest_offered, offered_at
from tests.integration.chargingprofiles.setup import location, session

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)
KEY = ("cpo", "S1")
MIN_W = 4_140.0
AC3 = Electrical("AC_3_PHASE", 230, 32, None)


def readings(log: DrawLog, kw: float, offered_w: float | None, start: datetime = T0) -> datetime:
    """A reading every 5 minutes for one step at `kw`, under `offered_w`; returns the last instant."""
    kwh = 0.0
    for k in range(4):
        log.record(KEY, start + k * timedelta(minutes=5), kwh, offered_w)
        kwh += kw / 12
    return start + 3 * timedelta(minutes=5)


def test_a_car_drawing_far_below_its_limit_is_planned_near_its_draw() -> None:
    log = DrawLog(STEP)
    now = readings(log, 3.7, 22_080)
    assert log.learn(KEY, now, MIN_W) == CarDraw(None, 3_700 * 1.25)


def test_drawing_what_it_was_learnt_to_take_keeps_the_estimate_and_hitting_it_drops_it() -> None:
    log = DrawLog(STEP)
    log.learnt[KEY] = CarDraw(None, 4_625.0)
    assert log.learn(KEY, readings(log, 3.7, 4_625), MIN_W).max_w == 4_625.0
    log = DrawLog(STEP)
    log.learnt[KEY] = CarDraw(None, 4_625.0)
    assert log.learn(KEY, readings(log, 4.6, 4_625), MIN_W) == CarDraw()  # it may take more: offer all


def test_a_car_that_stops_drawing_under_a_high_limit_is_full_for_a_while() -> None:
    log = DrawLog(STEP)
    now = readings(log, 0.0, 22_080)
    learnt = log.learn(KEY, now, MIN_W)
    assert learnt.full(now) and not learnt.full(now + FULL_RETRY)  # retried: a pause never starves it


def test_a_car_held_at_zero_teaches_nothing() -> None:
    log = DrawLog(STEP)
    assert log.learn(KEY, readings(log, 0.0, 0.0), MIN_W) == CarDraw()
    log = DrawLog(STEP)
    assert log.learn(KEY, readings(log, 0.0, None), MIN_W) == CarDraw()  # limit unknown


def test_too_few_readings_teach_nothing() -> None:
    log = DrawLog(STEP)
    log.record(KEY, T0, 0.0, 22_080)
    log.record(KEY, T0 + timedelta(minutes=2), 0.0, 22_080)
    assert log.learn(KEY, T0 + timedelta(minutes=2), MIN_W) == CarDraw()


def test_the_planner_sees_a_full_car_as_needing_nothing_and_a_slow_one_at_its_draw() -> None:
    known = Known(KEY, session("S1", "LOC1-E1"), location(), None)
    now = datetime.now(UTC)
    stats = SessionStatistics()
    guess = planned_session(known, stats, now)
    assert guess.estimated and guess.max_power_w == 22_080 and guess.energy_kwh > 0
    full = planned_session(Known(KEY, known.session, known.location, None, draw=CarDraw(now)), stats, now)
    assert full.energy_kwh == 0 and not full.estimated
    slow = Known(KEY, known.session, known.location, None, draw=CarDraw(None, 4_625.0))
    assert planned_session(slow, stats, now).max_power_w == 4_625.0


def test_a_one_phase_car_is_judged_by_its_current_not_its_kwh() -> None:
    """16 A on one phase of a three-phase EVSE: 3.7 kW, but it needs 16 A per phase (11 kW-equivalent)."""
    log = DrawLog(STEP)
    kwh = 0.0
    for k in range(4):
        log.record(KEY, T0 + k * timedelta(minutes=5), kwh, 22_080, 16 * 230 * 3)
        kwh += 3.68 / 12
    learnt = log.learn(KEY, T0 + timedelta(minutes=15), MIN_W)
    assert learnt.max_w == pytest.approx(16 * 230 * 3 * 1.25)  # 20 A: never below what it draws


def test_a_car_held_by_the_cpo_before_its_push_came_is_not_taken_for_a_slow_car() -> None:
    """The CPO cut the car to 5 kW at T0; its ActiveChargingProfile saying so came after the readings."""
    log = DrawLog(STEP)
    now = readings(log, 5.0, 22_080)  # stamped with the limit known when each reading came
    assert log.learn(KEY, now, MIN_W).max_w == pytest.approx(5_000 * 1.25)
    log = DrawLog(STEP)
    now = readings(log, 5.0, 22_080)
    log.restate(KEY, lambda t: 5_000.0)
    assert log.learn(KEY, now, MIN_W) == CarDraw()  # it took all it was allowed: nothing to learn


def test_the_limit_at_a_reading_is_the_active_profile_begun_last_by_then() -> None:
    def active(start: datetime, amps: float) -> ActiveChargingProfile:
        return ActiveChargingProfile.model_validate(
            {"start_date_time": format_datetime(start), "charging_profile": {"charging_rate_unit": "A",
             "charging_profile_period": [{"start_period": 0, "limit": amps}]}}
        )  # fmt: skip

    history = [active(T0, 32.0), active(T0 + STEP, 10.0)]
    assert offered_at(history, AC3, T0 - STEP) is None
    assert offered_at(history, AC3, T0 + timedelta(minutes=5)) == 32 * 690.0
    assert offered_at(history, AC3, T0 + STEP) == 10 * 690.0


def test_a_car_whose_limit_fell_to_zero_between_readings_is_not_a_small_car() -> None:
    """7.7 A at every reading, but the CPO's profile stepped to 0 ten minutes in (our plan's turn ended):
    the car drew 5.3 kW, then nothing. The lowest limit over the span is 0: nothing to learn, where the
    limits at the readings alone made it a car that takes 3.5 kW (planned at 4.4 kW, an 11 kW car)."""
    log = DrawLog(STEP)
    active = ActiveChargingProfile.model_validate(
        {"start_date_time": format_datetime(T0), "charging_profile": {"charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 7.7},
                                     {"start_period": 600, "limit": 0.0}]}}
    )  # fmt: skip
    for minute, kwh in ((0, 0.0), (5, 0.44), (9, 0.8), (15, 0.88)):
        log.record(
            KEY,
            T0 + timedelta(minutes=minute),
            kwh,
            offered_at([active], AC3, T0 + timedelta(minutes=minute)),
        )
    now = T0 + timedelta(minutes=15)
    assert log.learn(KEY, now, MIN_W).max_w == pytest.approx(4_400)  # by the limits at the readings
    log.learnt.clear()
    lowest = partial(lowest_offered, [active], AC3)
    assert log.learn(KEY, now, MIN_W, lowest) == CarDraw()

"""What a session's meter says the car takes, judged against what its station allowed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.charging.metering import PROBE, car_amps, car_max_amps
from fera.charging.schedule import Schedule
from fera.ocpi.sessions.models import Session
from fera.ocpi.types import format_datetime

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
STEP = timedelta(minutes=15)
W_PER_A = 690.0


def _session(*kw: float) -> Session:
    """One reading (POWER, kW) per 15-minute period from T0; last updated at the end of the last one."""
    periods = [
        {"start_date_time": format_datetime(T0 + k * STEP), "dimensions": [{"type": "POWER", "volume": p}]}
        for k, p in enumerate(kw)
    ]
    return Session.model_validate(
        {
            "country_code": "NL", "party_id": "CPO", "id": "S1", "start_date_time": format_datetime(T0),
            "kwh": 0.0, "cdr_token": {"country_code": "NL", "party_id": "MSP", "uid": "T", "type": "RFID",
                                      "contract_id": "C"},
            "auth_method": "WHITELIST", "location_id": "LOC1", "evse_uid": "E1", "connector_id": "1",
            "currency": "EUR", "status": "ACTIVE", "charging_periods": periods,
            "last_updated": format_datetime(T0 + len(kw) * STEP),
        }
    )  # fmt: skip


def test_nothing_is_known_before_a_reading_shows_the_car_drawing() -> None:
    assert car_amps(_session(), Schedule.constant(32 * W_PER_A), W_PER_A, W_PER_A) is None
    assert car_amps(_session(0.0), Schedule.constant(32 * W_PER_A), W_PER_A, W_PER_A) is None


def test_a_car_drawing_far_below_what_it_was_allowed_shows_its_own_maximum() -> None:
    # A 3.7 kW car (5.4 A on three phases) under a 32 A TxProfile: its maximum, rounded up to 0.5 A.
    assert car_amps(_session(3.7), Schedule.constant(32 * W_PER_A), W_PER_A, W_PER_A) == 5.5


def test_a_car_that_took_all_it_was_given_is_offered_more_to_see() -> None:
    # 11 kW under a 16 A limit: it may take more; half as much again is what it is known to be offered.
    assert car_amps(_session(11.0), Schedule.constant(16 * W_PER_A), W_PER_A, W_PER_A) == 24.0 == 16 * PROBE


def test_a_car_drawing_a_little_below_its_limit_shows_its_own_maximum_too() -> None:
    # An 11 kW car (16 A) under 20 A draws 80 % of it: cars follow a limit within an amp, so 16 A is its own.
    assert car_amps(_session(11.04), Schedule.constant(20 * W_PER_A), W_PER_A, W_PER_A) == 16.0
    assert car_max_amps(_session(11.04), Schedule.constant(20 * W_PER_A), W_PER_A, W_PER_A) == 16.0


def test_a_car_that_took_all_it_was_given_has_no_known_maximum_yet() -> None:
    assert car_max_amps(_session(11.0), Schedule.constant(16 * W_PER_A), W_PER_A, W_PER_A) is None
    assert car_max_amps(_session(), Schedule.constant(16 * W_PER_A), W_PER_A, W_PER_A) is None


def test_a_reading_is_judged_at_its_instant_not_against_a_lower_limit_earlier_in_its_period() -> None:
    # Raised from 20 A to 32 A halfway through the period; the reading that ends it (the car's 16 A) was
    # taken under 32 A: the car's own maximum, not "took all of 20 A" (offered 24 A beside unused capacity).
    raised = Schedule([(T0, 20 * W_PER_A), (T0 + STEP / 2, 32 * W_PER_A)])
    assert car_amps(_session(11.04), raised, W_PER_A, W_PER_A) == 16.0


def test_a_reading_while_a_raise_travels_is_judged_against_the_old_limit() -> None:
    # The station's answer to the raise came 30 s after its reading: either limit may have been in force.
    raised = Schedule([(T0, 16 * W_PER_A), (T0 + STEP + timedelta(seconds=30), 32 * W_PER_A)])
    assert car_amps(_session(11.04), raised, W_PER_A, W_PER_A) == 24.0 == 16 * PROBE


def test_a_reading_is_judged_against_the_lowest_limit_at_its_instant() -> None:
    # The limit fell from 32 A to 6 A at the end of the first period: its reading (4.1 kW = 6 A) shows
    # the new limit, not the car. Nothing was accepted before T0: the first period is not judged at all.
    fell = Schedule([(T0, 32 * W_PER_A), (T0 + STEP, 6 * W_PER_A)])
    assert car_amps(_session(4.14), fell, W_PER_A, W_PER_A) == 9.0  # 6 A took all: offered 9 A
    assert car_amps(_session(4.14), None, W_PER_A, W_PER_A) == 9.0  # nothing known of the limit


def test_a_single_phase_car_is_counted_in_amps_on_its_one_phase() -> None:
    # 3.68 kW on one phase is 16 A: all of its 16 A limit (11 kW as the three-phase TxProfile converts).
    assert car_amps(_session(3.68), Schedule.constant(16 * W_PER_A), W_PER_A, 230.0) == 24.0

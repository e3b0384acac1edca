"""What an SCSP plans with: a contracted site's groups and limits, and each car where it really draws."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from fera.config import BoardConfig, SiteConfig
from fera.ocpi.chargingprofiles.models import ActiveChargingProfile, ChargingProfile
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import Session
from fera.ocpi.types import format_datetime
from fera.planning import Phase, SessionStatistics, apply_min_rates, plan, to_charging_profile
from fera.scsp.planning_cars import car_phases_of, observed_car_amps
from fera.scsp.planning_grid import GroupCapacity, capacity_steps, grid_groups
from fera.scsp.planning_inputs import (
    MAX_HORIZON_STEPS,
    Known,
    build_problem,
    electrical_of,
    kept_at_hold,
    to_ocpi_profile,
)
from fera.signals import CapacityForecast, capacity_limits

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
STEP = timedelta(minutes=15)
EVSES = {
    "E1": ("AC_1_PHASE", 32),
    "E2": ("AC_3_PHASE", 16),
    "E3": ("AC_3_PHASE", 32),
    "E4": ("AC_3_PHASE", 32),
}
SITE = SiteConfig(
    location="LOC1",
    phase_amps=63,
    boards=[BoardConfig(id="carport", phase_amps=32, evses=["E1", "E2"])],
    phases={"E1": ["L2"], "E2": ["L2", "L3", "L1"]},
)


def location() -> Location:
    stamp = format_datetime(NOW)
    return Location.model_validate(
        {
            "country_code": "NL", "party_id": "CPO", "id": "LOC1", "publish": True, "address": "a",
            "city": "b", "country": "NLD", "coordinates": {"latitude": "52.00000", "longitude": "5.00000"},
            "time_zone": "Europe/Amsterdam", "last_updated": stamp,
            "evses": [
                {"uid": uid, "status": "CHARGING", "last_updated": stamp, "connectors": [
                    {"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": kind,
                     "max_voltage": 230, "max_amperage": amps, "last_updated": stamp}]}
                for uid, (kind, amps) in EVSES.items()
            ],
        }
    )  # fmt: skip


def session(sid: str, evse: str, *readings: tuple[float, float]) -> Session:
    """`readings`: (kW, A) per 15-minute period from NOW."""
    periods = [
        {"start_date_time": format_datetime(NOW + k * STEP),
         "dimensions": [{"type": "POWER", "volume": kw}, {"type": "CURRENT", "volume": amps}]}
        for k, (kw, amps) in enumerate(readings)
    ]  # fmt: skip
    return Session.model_validate(
        {
            "country_code": "NL", "party_id": "CPO", "id": sid, "start_date_time": format_datetime(NOW),
            "kwh": 0.0, "cdr_token": {"country_code": "NL", "party_id": "MSP", "uid": "T", "type": "RFID",
                                      "contract_id": "C"},
            "auth_method": "WHITELIST", "location_id": "LOC1", "evse_uid": evse, "connector_id": "1",
            "currency": "EUR", "status": "ACTIVE", "charging_periods": periods,
            "last_updated": format_datetime(NOW),
        }
    )  # fmt: skip


def known(sid: str, evse: str, *readings: tuple[float, float]) -> Known:
    return Known(("cpo", sid), session(sid, evse, *readings), location(), None)


def test_a_site_becomes_nested_groups_with_per_phase_limits() -> None:
    groups = {g.id: g for g in grid_groups(["loc1"], [SITE], {})}
    assert groups["LOC1"].phase_capacity_w == {p: 63 * 230 for p in Phase}
    assert groups["LOC1/CARPORT"].parent == "LOC1"
    assert groups["LOC1/CARPORT"].phase_capacity_w == 32 * 230


def test_a_forecast_in_amps_lowers_the_fuse_per_phase_and_never_raises_it() -> None:
    forecast = CapacityForecast.model_validate(
        {
            "group_id": "LOC1",
            "blocks": [
                {"capacity": 40, "unit": "A", "phase": "ONE", "start_time": format_datetime(NOW),
                 "end_time": format_datetime(NOW + STEP)},
                {"capacity": 80, "unit": "A", "phase": "TWO", "start_time": format_datetime(NOW),
                 "end_time": format_datetime(NOW + 2 * STEP)},
            ],
        }
    )  # fmt: skip
    steps = capacity_steps(capacity_limits(forecast), NOW, STEP, 3)
    assert steps.phase_w[Phase.L1] == [40 * 230, float("inf"), float("inf")]
    assert steps.phase_w[Phase.L2] == [80 * 230, 80 * 230, float("inf")] and Phase.L3 not in steps.phase_w
    (site, *_) = grid_groups(["LOC1"], [SITE], {"LOC1": steps})
    assert site.phase_capacity_w == {
        Phase.L1: [40 * 230, 63 * 230, 63 * 230],
        Phase.L2: [63 * 230] * 3,
        Phase.L3: 63 * 230,
    }


def test_a_location_without_a_site_keeps_its_forecast() -> None:
    (group,) = grid_groups(["LOC9"], [SITE], {"LOC9": GroupCapacity(total_w=[11_000.0])})
    assert (group.id, group.capacity_w, group.phase_capacity_w) == ("LOC9", [11_000.0], None)


@pytest.mark.parametrize(
    ("evse", "readings", "phases", "loads", "metered"),
    [
        ("E1", (), ("L2",), None, False),  # single-phase EVSE wired to L2
        ("E2", (), ("L2", "L3", "L1"), None, False),  # rotation, not metered: every EVSE phase
        ("E2", ((3.68, 16.0),), ("L2",), None, True),  # metered single-phase car: the EVSE's L1 = site L2
        ("E2", ((7.36, 16.0),), ("L2", "L3"), None, True),  # two-phase car
        ("E3", ((3.68, 16.0),), ("L1",), None, True),  # no wiring given for a three-phase EVSE: L1-L2-L3
    ],
)
def test_a_car_is_planned_on_the_phases_it_really_uses(
    evse: str, readings: tuple[tuple[float, float], ...], phases: tuple[str, ...], loads: None, metered: bool
) -> None:
    k = known("S", evse, *readings)
    draw = car_phases_of(k.session, electrical_of(k), [SITE])
    assert (tuple(p.value for p in draw.phases), draw.loads, draw.metered) == (phases, loads, metered)


def test_a_single_phase_evse_of_unknown_wiring_counts_on_every_phase() -> None:
    k = known("S", "E1", (7.36, 32.0))
    draw = car_phases_of(k.session, electrical_of(k), [])
    assert draw.phases == (Phase.L1,) and draw.loads == (Phase.L1, Phase.L2, Phase.L3)


def test_a_car_drawing_less_than_allowed_shows_its_own_maximum() -> None:
    """Readings close their periods (the last one at the session's last update): 32 A for three periods,
    then 10 A from the third one's end. The car's own limit shows in two readings in a row."""
    profile = ChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW - STEP), "charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 32.0},
                                     {"start_period": 3600, "limit": 10.0}]}
    )  # fmt: skip

    def closed(*readings: tuple[float, float]) -> Session:
        return session("S", "E1", *readings).model_copy(update={"last_updated": NOW + 3 * STEP})

    held = closed((3.68, 16.0), (3.68, 16.0), (2.3, 10.0))  # 16 A under 32 A: the car; 10 A as 10 A came: us
    assert observed_car_amps(held, profile, None, 32) == 16.0
    assert observed_car_amps(session("S", "E1", (2.3, 10.0)), profile, 16.0, 32) == 16.0  # never forgotten
    assert observed_car_amps(session("S", "E1", (7.36, 32.0)), profile, None, 32) == 32  # took all it could
    assert observed_car_amps(closed((0.0, 0.0), (2.3, 10.0)), profile, None, 32) is None
    assert observed_car_amps(session("S", "E1"), profile, None, 32) is None  # no reading yet


def test_a_car_whose_plan_changes_at_every_step_shows_its_own_maximum() -> None:
    """bench.steering's SCSP sends a new profile at every step: judged against the newest one alone, no two
    readings in a row were ever judged, and a 16 A car on a 32 A EVSE was planned at 32 A for its whole
    stay. The reading before the newest profile is judged against the one sent before it; a 16 A our
    earlier profile planned for later, never in force, is not a limit's reading."""
    before = ChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW), "charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 32.0},
                                     {"start_period": 3600, "limit": 16.0}]}
    )  # fmt: skip
    sent = ChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW + STEP), "charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 30.0}]}
    )  # fmt: skip
    car = session("S", "E1", (3.68, 16.0), (3.68, 16.0)).model_copy(update={"last_updated": NOW + 2 * STEP})
    assert observed_car_amps(car, sent, None, 32, [], before) == 16.0
    assert observed_car_amps(car, sent, None, 32, []) is None  # one reading judged: maybe a limit's late news
    # A reading from before the first profile we know of is not judged: what was allowed then is not known.
    later = sent.model_copy(update={"start_date_time": NOW + 2 * STEP})
    shifted = before.model_copy(update={"start_date_time": NOW + STEP})
    assert observed_car_amps(car, later, None, 32, [], shifted) is None  # the first reading came before both


def test_a_car_held_by_the_cpo_does_not_show_its_own_maximum() -> None:
    """3 A under our 32 A, but the CPO's site share allowed 3 A then: that is the CPO, not the car."""
    sent = ChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW - STEP), "charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 32.0}]}
    )  # fmt: skip
    active = ActiveChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW - STEP), "charging_profile": {"charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 3.0},
                                     {"start_period": 1800, "limit": 32.0}]}}
    )  # fmt: skip
    held = session("S", "E1", (0.69, 3.0))
    assert observed_car_amps(held, sent, None, 32, [active]) is None
    # Once the CPO allows 32 A (its first period there is too close to the change to tell), a car taking
    # 16 A shows its own maximum.
    taking = session("S", "E1", (0.69, 3.0), (3.68, 16.0), (3.68, 16.0), (3.68, 16.0))
    assert observed_car_amps(taking, sent, None, 32, [active]) == 16.0
    # A reading from before the CPO's last ActiveChargingProfile: what it allowed then is not known.
    later = ActiveChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW + STEP), "charging_profile": {"charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 32.0}]}}
    )  # fmt: skip
    assert observed_car_amps(held, sent, None, 32, [later]) is None


def test_a_reading_that_closes_a_period_in_which_the_limit_fell_is_not_the_car() -> None:
    """The CPO's share fell from 10.6 A to 6 A (a cut) 30 s into the period the reading closes: 6 A is the
    CPO's limit, not a 6 A car (taken for one, it was planned at 6 A for the rest of its stay)."""
    sent = ChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW - STEP), "charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 32.0}]}
    )  # fmt: skip
    active = ActiveChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW - STEP), "charging_profile": {"charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 10.6},
                                     {"start_period": 930, "limit": 6.0}]}}
    )  # fmt: skip
    closed = session("S", "E1", (4.14, 6.0), (4.14, 6.0)).model_copy(update={"last_updated": NOW + 2 * STEP})
    assert observed_car_amps(closed, sent, None, 32, [active]) is None
    # Under a limit that stayed at 32 A, 6 A twice in a row is the car's own; once may be a new share whose
    # ActiveChargingProfile has not begun (or come) yet.
    assert observed_car_amps(closed, sent, None, 32, []) == 6.0
    once = session("S", "E1", (4.14, 6.0)).model_copy(update={"last_updated": NOW + STEP})
    assert observed_car_amps(once, sent, None, 32, []) is None
    # A station steps down a little before the CPO's ActiveChargingProfile says (it leads its drops by 30 s):
    # 7.9 A read 30 s before the CPO's 7.9 A began is that step, not the car.
    lead = ActiveChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW - STEP), "charging_profile": {"charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 15.9},
                                     {"start_period": 1830, "limit": 7.9}]}}
    )  # fmt: skip
    early = session("S", "E1", (5.45, 7.9), (5.45, 7.9)).model_copy(update={"last_updated": NOW + STEP})
    assert observed_car_amps(early, sent, None, 32, [lead]) is None
    # 6 A twice under 7.9 A by every push so far, but a later push set 6 A: that push came late, not the car.
    late = ActiveChargingProfile.model_validate(
        {"start_date_time": format_datetime(NOW + 2 * STEP), "charging_profile": {"charging_rate_unit": "A",
         "charging_profile_period": [{"start_period": 0, "limit": 6.0}]}}
    )  # fmt: skip
    at_lead = session("S", "E1", (4.14, 6.0), (4.14, 6.0)).model_copy(update={"last_updated": NOW + STEP})
    assert observed_car_amps(at_lead, sent, None, 32, [lead, late]) is None


def test_a_car_the_cpo_holds_below_the_minimum_rate_is_planned_at_the_hold_not_at_0() -> None:
    """The CPO lets it charge at 2.7 A: planning 0 because 2.7 A is under 6 A would stop it for nothing."""
    held = replace(known("S", "E3", (1.86, 2.7)), held_w=1863.0)
    problem = build_problem([held], SessionStatistics(), NOW, STEP, {}, sites=[SITE])
    profile = to_charging_profile(apply_min_rates(problem, plan(problem)), problem.sessions[0])
    assert profile.periods[0].limit == pytest.approx(2.7, abs=0.1)


def test_a_hold_where_no_limit_is_known_is_not_planned_with() -> None:
    """Nothing to free for others under a limit we don't know: the profile stays what the car may take
    (sent back at the hold, it would keep the CPO's share there; a new session held at 0 would stay at 0)."""
    held = replace(known("S", "E3", (0.0, 0.0)), held_w=0.0)
    problem = build_problem([held], SessionStatistics(), NOW, STEP, {})
    assert problem.sessions[0].max_power_w == 32 * 690.0


def test_the_plan_keeps_every_phase_of_every_level_within_its_fuse() -> None:
    cars = [known(f"S{i}", evse, *r) for i, (evse, r) in enumerate(
        [("E1", ((7.36, 32.0),)), ("E2", ((3.68, 16.0),)), ("E3", ()), ("E4", ((22.08, 32.0),))]
    )]  # fmt: skip
    problem = build_problem(
        cars, SessionStatistics(), NOW, STEP, {}, sites=[SITE], car_amps={("cpo", "S1"): 10.0}
    )
    assert {s.id: s.group_id for s in problem.sessions} == {
        "cpo/S0": "LOC1/CARPORT", "cpo/S1": "LOC1/CARPORT", "cpo/S2": "LOC1", "cpo/S3": "LOC1"
    }  # fmt: skip
    assert problem.sessions[1].max_power_w == 10 * 230  # its own 10 A on one phase
    result = plan(problem)
    for level, members, fuse in (("LOC1/CARPORT", problem.sessions[:2], 32), ("LOC1", problem.sessions, 63)):
        for phase in Phase:
            on_phase = [s for s in members if phase in (s.loads or s.phases)]
            amps = sum(
                (result.schedule(s.id) / 230 / len(s.phases) for s in on_phase), np.zeros(result.steps)
            )
            assert amps.max() <= fuse + 1e-6, (level, phase)
    assert (result.schedule("cpo/S2") + result.schedule("cpo/S3"))[0] / 690 == pytest.approx(63, abs=1e-3)


def test_the_sessions_holding_their_turn_are_planned_as_such() -> None:
    cars = [known("S1", "E3", (7.0, 10.0)), known("S2", "E4", (7.0, 10.0))]
    ends = NOW + 2 * STEP
    problem = build_problem(cars, SessionStatistics(), NOW, STEP, {}, holding={("cpo", "S2"): ends})
    assert [(s.holding, s.holding_until) for s in problem.sessions] == [(False, None), (True, ends)]


def test_a_departure_years_ahead_is_planned_over_the_bounded_horizon_only() -> None:
    """A partner's session starting in 2030 (its guessed departure then too) or a driver's departure_time in
    2099 made an LP of ~100,000 steps and a profile no CPO takes; the re-plan failed for every session."""
    later = replace(
        known("S1", "E3"),
        session=session("S1", "E3").model_copy(update={"start_date_time": NOW.replace(2030)}),
    )
    problem = build_problem([later, known("S2", "E4")], SessionStatistics(), NOW, STEP, {})
    profile = to_ocpi_profile(to_charging_profile(plan(problem), problem.sessions[0]))
    assert problem.horizon_steps == MAX_HORIZON_STEPS
    assert profile.duration == MAX_HORIZON_STEPS * STEP.total_seconds()
    near = build_problem([known("S2", "E4")], SessionStatistics(), NOW, STEP, {})
    assert near.horizon_steps is None  # up to the departure, as before


def test_a_car_planned_at_the_cpos_hold_keeps_the_profile_in_force() -> None:
    """Held at 6 A (4.14 kW) by the CPO and planned there: sending 6 A back would keep it at 6 A after the
    CPO lets it go. Planned at 0 (its turn is over) or below its hold, its new profile goes out."""
    k = replace(known("S", "E3"), held_w=4_140.0)
    limit = {"LOC1": GroupCapacity(total_w=[8_000.0])}
    planned = build_problem([k], SessionStatistics(), NOW, STEP, limit).sessions[0]
    assert planned.max_power_w == pytest.approx(4_140)
    assert kept_at_hold(k, planned, 4_140.0)
    assert not kept_at_hold(k, planned, 0.0)
    assert not kept_at_hold(replace(k, held_w=None), replace(planned, max_power_w=22_080), 4_140.0)

"""Turns at a site whose minimum rates don't all fit: least taken first, each hand-over planned ahead."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fera.charging.schedule import Schedule
from fera.charging.site import PHASES, SiteDemand, SiteLevel, share_capacity, within_capacity
from fera.charging.site_turns import TURN_WH, TURNS_AHEAD

T0 = datetime(2026, 3, 1, 13, tzinfo=UTC)
HOUR = timedelta(hours=1)
MIN_W = 6 * 690.0  # a three-phase car's 6 A minimum
RATE_KW = MIN_W / 1000


def _site(amps: float) -> list[SiteLevel]:
    return [SiteLevel(phase_a={p: Schedule.constant(amps) for p in PHASES})]


def _car(sid: str, arrived_h: float, taken_kwh: float) -> SiteDemand:
    return SiteDemand(
        sid, Schedule.constant(16 * 690.0), T0 + arrived_h * HOUR, MIN_W, taken_wh=taken_kwh * 1000
    )


def _w(limits: dict[str, Schedule], sid: str, t: datetime) -> float:
    value = limits[sid].limit_at(t)
    assert value is not None
    return value


def test_a_newcomer_charges_at_once_and_the_car_that_took_most_waits() -> None:
    # 12 A per phase: two of three 6 A minima fit. The car there since before the cut has taken most.
    cars = [_car("LONG", -3, 30.0), _car("MID", -1, 5.0), _car("NEW", 0, 0.0)]
    limits = share_capacity(_site(12), cars, T0, T0 + 8 * HOUR, holding={"LONG", "MID"})
    assert _w(limits, "NEW", T0) == MIN_W
    assert _w(limits, "MID", T0) == MIN_W
    assert _w(limits, "LONG", T0) == 0.0
    assert within_capacity(_site(12), cars, limits, T0, T0 + 8 * HOUR)


def test_the_hand_over_is_in_the_schedules_ahead_when_the_holder_has_taken_a_turn_more() -> None:
    cars = [_car("A", -2, 10.0), _car("B", -1, 9.0), _car("C", 0, 0.0)]
    limits = share_capacity(_site(12), cars, T0, T0 + 8 * HOUR, holding={"B", "C"})
    # B holds until it has taken TURN_WH more than A (10 kWh), at its minimum rate.
    hand_over = T0 + timedelta(hours=(10.0 + TURN_WH / 1000 - 9.0) / RATE_KW)
    assert hand_over < T0 + TURNS_AHEAD
    before, after = hand_over - timedelta(minutes=1), hand_over + timedelta(minutes=1)
    assert (_w(limits, "A", before), _w(limits, "B", before)) == (0.0, MIN_W)
    assert (_w(limits, "A", after), _w(limits, "B", after)) == (MIN_W, 0.0)
    assert _w(limits, "C", after) == MIN_W  # C had taken least: it keeps charging through the hand-over
    assert within_capacity(_site(12), cars, limits, T0, T0 + 8 * HOUR)


def _replayed(cars: list[SiteDemand], hours: int) -> dict[str, list[float]]:
    """The site computed again every time the turns planned ahead run out, each car drawing its share:
    each car's power (W) minute by minute."""
    drawn: dict[str, list[float]] = {car.session_id: [] for car in cars}
    holding: set[str] = set()
    start = T0
    while start < T0 + hours * HOUR:
        limits = share_capacity(_site(12), cars, start, start + 48 * HOUR, holding=holding)
        assert within_capacity(_site(12), cars, limits, start, start + TURNS_AHEAD)
        for minute in range(int(TURNS_AHEAD / timedelta(minutes=1))):
            for car in cars:
                drawn[car.session_id].append(_w(limits, car.session_id, start + timedelta(minutes=minute)))
        start += TURNS_AHEAD
        taken = {sid: sum(w[-60:]) / 60 for sid, w in drawn.items()}
        cars = [replace(c, taken_wh=c.taken_wh + taken[c.session_id]) for c in cars]
        holding = {c.session_id for c in cars if _w(limits, c.session_id, start) > 0}
    return drawn


def test_every_car_gets_turns_and_nobody_waits_for_ever() -> None:
    # Four cars, room for two minima, the site computed again each time the turns planned ahead run out.
    cars = [_car(f"S{i}", -i, 2.0 * i) for i in range(4)]
    drawn = _replayed(cars, hours=12)
    for sid, watts in drawn.items():
        waits, run = [], 0
        for w in watts:
            run = run + 1 if w == 0 else 0
            waits.append(run)
        assert sum(watts) > 0, f"{sid} never charged"
        assert max(waits) < 3 * 60, f"{sid} waited {max(waits)} minutes in a row"
    taken = sorted(c.taken_wh + sum(drawn[c.session_id]) / 60 for c in cars)
    assert taken[-1] - taken[0] <= TURN_WH + 100  # least taken first: what they have taken evens out


def test_a_holder_keeps_its_turn_until_it_has_taken_a_turn_more_than_the_waiting_one() -> None:
    # Two 6 A minima, room for one: the holder has taken a little more than the waiting car, less than a turn.
    holder, waiting = _car("HOLDER", -2, 5.0), _car("WAITING", -1, 4.0)
    limits = share_capacity(_site(8), [holder, waiting], T0, T0 + 4 * HOUR, holding={"HOLDER"})
    assert (_w(limits, "HOLDER", T0), _w(limits, "WAITING", T0)) == (MIN_W + 2 * 690.0, 0.0)
    # Without the turn it holds, the car that took less would charge now.
    fresh = share_capacity(_site(8), [holder, waiting], T0, T0 + 4 * HOUR)
    assert (_w(fresh, "HOLDER", T0), _w(fresh, "WAITING", T0)) == (0.0, MIN_W + 2 * 690.0)

"""Site load management with stated needs: earliest departure first, each within its limits, the rest fair."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fera.charging.schedule import Schedule
from fera.charging.site import PHASES, SiteDemand, SiteLevel, priority, share_capacity

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)
W_PER_A = 690.0  # three-phase at 230 V
CAR_22 = Schedule.constant(32 * W_PER_A)


def _site(amps: float) -> list[SiteLevel]:
    return [SiteLevel(phase_a={p: Schedule.constant(amps) for p in PHASES})]


def _amps(limits: dict[str, Schedule], sid: str, t: datetime) -> float:
    watts = limits[sid].limit_at(t)
    assert watts is not None
    return round(watts / W_PER_A, 6)


def test_the_car_leaving_first_gets_its_need_first_then_the_other() -> None:
    # 16 A (11 kW): A leaves in 2 h needing 22 kWh (all 16 A for 2 h), B in 4 h needing 11 kWh. No room for
    # both: A gets all 16 A until it leaves, then B; max-min fairness would have left A at 8 A (11 kWh).
    demands = [
        SiteDemand("B", CAR_22, T0, departure=T0 + 4 * HOUR, need_wh=11_040),
        SiteDemand("A", CAR_22, T0 + timedelta(minutes=5), departure=T0 + 2 * HOUR, need_wh=22_080),
    ]
    limits = share_capacity(_site(16), demands, T0, T0 + 6 * HOUR)
    assert (_amps(limits, "A", T0), _amps(limits, "B", T0)) == (16.0, 0.0)
    gone = T0 + 2 * HOUR  # A's stated departure: B's turn (A, if still there, shares the rest)
    assert (_amps(limits, "A", gone), _amps(limits, "B", gone)) == (0.0, 16.0)
    # B keeps its turn until its departure: the CPO computes again when B's meter shows its need met.
    assert (_amps(limits, "A", T0 + 4 * HOUR), _amps(limits, "B", T0 + 4 * HOUR)) == (8.0, 8.0)


def test_the_later_car_still_gets_what_it_needs_to_finish_in_time_when_there_is_room() -> None:
    # 16 A: A (2 h, 11 kWh: 8 A on time) and B (4 h, 11 kWh: 4 A on time). A is first, but B's on-time rate
    # comes before A's top-up: B gets 4 A, A the other 12 A (until its meter shows its need met, or it
    # leaves: then B all 16 A).
    demands = [
        SiteDemand("A", CAR_22, T0, departure=T0 + 2 * HOUR, need_wh=11_040),
        SiteDemand("B", CAR_22, T0, departure=T0 + 4 * HOUR, need_wh=11_040),
    ]
    limits = share_capacity(_site(16), demands, T0, T0 + 6 * HOUR)
    assert (_amps(limits, "A", T0), _amps(limits, "B", T0)) == (12.0, 4.0)
    assert (_amps(limits, "A", T0 + 2 * HOUR), _amps(limits, "B", T0 + 2 * HOUR)) == (0.0, 16.0)


def test_a_car_is_given_no_more_than_its_meter_shows_it_takes_and_the_rest_goes_to_the_others() -> None:
    # A (first to leave) takes 5.4 A (a 3.7 kW car); B, also stated, gets the rest; C (unstated) what is left.
    demands = [
        SiteDemand("A", CAR_22, T0, departure=T0 + HOUR, need_wh=3_700, car_a=5.4),
        SiteDemand("B", CAR_22, T0, departure=T0 + 3 * HOUR, need_wh=50_000),
        SiteDemand("C", CAR_22, T0),
    ]
    limits = share_capacity(_site(32), demands, T0, T0 + 6 * HOUR)
    assert [_amps(limits, s, T0) for s in "ABC"] == [5.4, 26.6, 0.0]


def test_a_car_not_metered_yet_comes_first_only_at_its_on_time_rate() -> None:
    # Until its meter shows what it takes, a stated car gets the rate that meets its need by departure
    # (20 A here) ahead of the others, and no more: put first with all 32 A, a 3.7 kW car would hold the
    # others at 0 while it draws a fraction. C shares the rest.
    demands = [
        SiteDemand("A", CAR_22, T0, departure=T0 + HOUR, need_wh=20 * W_PER_A, car_a=None),
        SiteDemand("C", CAR_22, T0),
    ]
    limits = share_capacity(_site(32), demands, T0, T0 + 6 * HOUR)
    assert [_amps(limits, s, T0) for s in "AC"] == [20.0, 12.0]
    assert [_amps(limits, s, T0 + HOUR) for s in "AC"] == [16.0, 16.0]  # its departure: shared fairly


def test_never_over_a_phase_limit_with_single_phase_cars() -> None:
    # 16 A per phase; two single-phase cars on L1 and one on L2, all stated: L1's two share 16 A by
    # deadline (the first gets all it needs on time and more), the one on L2 is not held back by L1.
    one = Schedule.constant(32 * 230.0)

    def car(sid: str, phase: str, hours: float, need: float) -> SiteDemand:
        departure = T0 + hours * HOUR
        return SiteDemand(
            sid,
            one,
            T0,
            phases=(phase,),
            watts_per_amp=230,
            draw_w_per_amp=230,
            departure=departure,
            need_wh=need,
        )

    demands = [car("A", "L1", 1, 7_360), car("B", "L1", 2, 7_360), car("C", "L2", 3, 7_360)]
    limits = share_capacity(_site(16), demands, T0, T0 + 6 * HOUR)
    amps = {s: limits[s].limit_at(T0) / 230 for s in "ABC"}  # type: ignore[operator]
    assert amps == {"A": 16.0, "B": 0.0, "C": 16.0}


def test_minimum_rates_are_kept_and_the_earliest_departure_keeps_its_own() -> None:
    # 10 A, minima of 6 A: only one fits. The stated car leaving first keeps its minimum (and everything),
    # although the other one arrived first.
    demands = [
        SiteDemand("EARLY", CAR_22, T0, min_rate_w=6 * W_PER_A),
        SiteDemand(
            "LEAVES", CAR_22, T0 + HOUR / 2, min_rate_w=6 * W_PER_A, departure=T0 + HOUR, need_wh=20_000
        ),
    ]
    limits = share_capacity(_site(10), demands, T0 + HOUR / 2, T0 + 3 * HOUR)
    assert _amps(limits, "LEAVES", T0 + HOUR / 2) == 10.0 and _amps(limits, "EARLY", T0 + HOUR / 2) == 0.0
    # Its departure passes: both are unstated again and the first arrival keeps its minimum.
    assert _amps(limits, "EARLY", T0 + HOUR) == 10.0 and _amps(limits, "LEAVES", T0 + HOUR) == 0.0


def test_unstated_cars_share_what_stated_needs_leave_fairly() -> None:
    # 32 A: A stated and limited to 10 A by its sender; C and D unstated share the other 22 A equally.
    demands = [
        SiteDemand("A", Schedule.constant(10 * W_PER_A), T0, departure=T0 + HOUR, need_wh=50_000),
        SiteDemand("C", CAR_22, T0),
        SiteDemand("D", CAR_22, T0),
    ]
    limits = share_capacity(_site(32), demands, T0, T0 + 2 * HOUR)
    assert [_amps(limits, s, T0) for s in "ACD"] == [10.0, 11.0, 11.0]


@st.composite
def _stated_site(draw: st.DrawFn) -> tuple[list[SiteLevel], list[SiteDemand]]:
    fuse = draw(st.floats(0, 80))
    cut = {p: Schedule([(T0 + HOUR, fuse / 2)], initial=fuse) for p in PHASES}
    demands = []
    for i in range(draw(st.integers(1, 7))):
        phases = draw(st.sampled_from([PHASES, ("L1",), ("L2",), ("L3", "L1")]))
        stated = draw(st.booleans())
        demands.append(
            SiteDemand(
                f"S{i}",
                Schedule([(T0 + HOUR / 2, draw(st.floats(0, 22_000)))], initial=draw(st.floats(0, 22_000))),
                T0 + timedelta(minutes=draw(st.integers(0, 60))),
                min_rate_w=draw(st.sampled_from([0.0, 6 * 230.0 * len(phases)])),
                phases=phases,
                watts_per_amp=230.0 * len(phases),
                draw_w_per_amp=230.0 * len(phases),
                departure=T0 + timedelta(minutes=draw(st.integers(1, 300))) if stated else None,
                need_wh=draw(st.floats(0, 60_000)) if stated else 0.0,
                car_a=draw(st.none() | st.just(math.inf) | st.floats(1, 32)),
            )
        )
    return [SiteLevel(phase_a=cut)], demands


@settings(max_examples=200, deadline=None)
@given(_stated_site())
def test_stated_needs_never_take_a_phase_over_its_fuse_nor_a_car_over_its_limit_nor_break_a_minimum(
    site: tuple[list[SiteLevel], list[SiteDemand]],
) -> None:
    levels, demands = site
    limits = share_capacity(levels, demands, T0, T0 + 6 * HOUR)
    instants = sorted({T0, *(t for s in limits.values() for t, _ in s.breakpoints() if t < T0 + 6 * HOUR)})
    for t in instants:
        amps = {}
        for d in demands:
            w = limits[d.session_id].limit_at(t)
            own = d.limit.limit_at(t)
            assert w is not None and own is not None and w <= own + 1e-6  # never above its senders' limit
            amps[d.session_id] = w / d.watts_per_amp
            floor = min(d.min_rate_w, own) / d.watts_per_amp
            assert amps[d.session_id] <= 1e-9 or amps[d.session_id] >= floor - 1e-6  # its minimum or nothing
        for phase, fuse in levels[0].phase_a.items():
            load = sum(amps[d.session_id] for d in demands if phase in d.phases)
            assert load <= fuse.limit_at(t) + 1e-6  # type: ignore[operator]


def test_a_stated_need_comes_before_the_minimum_rates_of_cars_that_leave_later() -> None:
    # After a cut to 16 A: two cars held at their 6 A minimum leave late; the car leaving first needs 10 A
    # to be on time (3 h at 10 A) and gets them before their minima. Of those only one still fits: the
    # stated need (on time at 6.2 A) keeps it, the car that stated nothing waits (the grid may pause a car).
    demands = [
        SiteDemand("LATE", CAR_22, T0, min_rate_w=6 * W_PER_A, departure=T0 + 8 * HOUR, need_wh=30_000),
        SiteDemand("LATER", CAR_22, T0, min_rate_w=6 * W_PER_A),  # nothing stated
        SiteDemand("FIRST", CAR_22, T0 + HOUR, departure=T0 + 4 * HOUR, need_wh=3 * 10 * W_PER_A),
    ]
    limits = share_capacity(_site(16), demands, T0 + HOUR, T0 + 8 * HOUR)
    at = T0 + HOUR
    assert [_amps(limits, s, at) for s in ("FIRST", "LATE", "LATER")] == [10.0, 6.0, 0.0]


def test_the_car_that_can_wait_least_comes_first_not_the_one_leaving_first() -> None:
    # 16 A (11 kW) after a cut. Two 7.4 kW cars (10.7 A) leave in 4 h needing 8 kWh: hours to spare. An
    # 11 kW car leaves in 5.5 h needing 42 kWh: it needs 3.8 of its hours at full power. Served by departure,
    # the first two would take their 6 A minima and leave it 4 A, under its own 6 A minimum: 0 for hours.
    # By laxity it comes first: its on-time rate (11.07 A) leaves no room for a 6 A minimum, so the two
    # with hours to spare wait (the grid may pause a car) and it takes the rest.
    small = Schedule.constant(10.7 * W_PER_A)
    demands = [
        SiteDemand("A", small, T0, min_rate_w=6 * W_PER_A, departure=T0 + 4 * HOUR, need_wh=8_000),
        SiteDemand("B", small, T0, min_rate_w=6 * W_PER_A, departure=T0 + 4 * HOUR + HOUR / 4, need_wh=8_000),
        SiteDemand("BIG", CAR_22, T0, min_rate_w=6 * W_PER_A, departure=T0 + 5.5 * HOUR, need_wh=42_000),
    ]
    limits = share_capacity(_site(16), demands, T0, T0 + 8 * HOUR)
    assert 16 - 42_000 / 5.5 / W_PER_A < 6  # its on-time rate leaves less than a minimum
    assert [_amps(limits, s, T0) for s in ("BIG", "A", "B")] == [16.0, 0.0, 0.0]


def _two_hours_of_need(sid: str, leaves_in: timedelta) -> SiteDemand:
    """Needs two hours of the site's 16 A (22 kWh): its laxity is its stay less two hours."""
    return SiteDemand(sid, CAR_22, T0, departure=T0 + leaves_in, need_wh=2 * 16 * W_PER_A)


def test_the_car_served_first_keeps_its_place_until_another_can_wait_clearly_less() -> None:
    # A can wait 60 min, B 54: least laxity first puts B first, but A came first last time and B's 6
    # minutes less are no reason to move the site's power (and a TxProfile round trip) from A to B.
    a, b = _two_hours_of_need("A", 3 * HOUR), _two_hours_of_need("B", timedelta(hours=2.9))
    assert priority(_site(16), [a, b], T0) == ["B", "A"]
    assert priority(_site(16), [a, b], T0, previous=["A", "B"]) == ["A", "B"]
    kept = share_capacity(_site(16), [a, b], T0, T0 + 4 * HOUR, ["A", "B"])  # A's on-time rate first
    assert (_amps(kept, "A", T0), _amps(kept, "B", T0)) == (10.666667, 5.333333)
    strict = share_capacity(_site(16), [a, b], T0, T0 + 4 * HOUR)
    assert (_amps(strict, "A", T0), _amps(strict, "B", T0)) == (4.965517, 11.034483)
    # B can wait 18 minutes less than A (more than STICKY): it goes first now; a newcomer goes by laxity.
    b = _two_hours_of_need("B", timedelta(hours=2.7))
    c = _two_hours_of_need("C", timedelta(hours=2.8))
    assert priority(_site(16), [a, b, c], T0, previous=["A", "B"]) == ["B", "C", "A"]

"""Site load management: max-min fair shares per phase and per sub-board, minimum rates, changing limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fera.charging.schedule import Schedule
from fera.charging.site import (
    PHASES,
    Resource,
    SiteDemand,
    SiteLevel,
    share_capacity,
    share_instant,
    within_capacity,
)

T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _one(cap: float, count: int) -> list[Resource]:
    return [Resource(cap, dict.fromkeys(range(count), 1.0))]


def _fuse(amps: float) -> dict[str, Schedule]:
    return {p: Schedule.constant(amps) for p in PHASES}


def test_equal_shares_when_everyone_can_take_them() -> None:
    assert share_instant(_one(30, 3), [22, 22, 22], [0, 0, 0], [0, 1, 2]) == [10, 10, 10]


def test_a_session_limited_elsewhere_leaves_its_rest_to_the_others() -> None:
    assert share_instant(_one(30, 3), [4, 22, 22], [0, 0, 0], [0, 1, 2]) == [4, 13, 13]


def test_minimum_rates_that_do_not_fit_make_the_latest_arrival_wait() -> None:
    shares = share_instant(_one(10, 3), [22] * 3, [4.14] * 3, [2, 0, 1])  # session 1 arrived last
    assert shares[1] == 0.0 and shares[0] == shares[2] == 5


def test_a_full_phase_stops_only_the_sessions_on_it() -> None:
    # 63 A per phase; three single-phase cars on L1 and one three-phase car: L1 fills at 63 / 4 each,
    # and the three-phase car is bound by L1 too (it loads every phase), so it stops there as well.
    # A single-phase car on L2 keeps rising until its own 32 A.
    demands = [
        *(
            SiteDemand(f"A{i}", Schedule.constant(32 * 230.0), T0, phases=("L1",), watts_per_amp=230)
            for i in range(3)
        ),
        SiteDemand("T", Schedule.constant(32 * 690.0), T0),
        SiteDemand("B", Schedule.constant(32 * 230.0), T0, phases=("L2",), watts_per_amp=230),
    ]
    limits = share_capacity([SiteLevel(phase_a=_fuse(63))], demands, T0, T0 + HOUR)
    amps = {d.session_id: limits[d.session_id].limit_at(T0) / d.watts_per_amp for d in demands}  # type: ignore[operator]
    assert amps == {"A0": 15.75, "A1": 15.75, "A2": 15.75, "T": 15.75, "B": 32.0}


def test_sub_board_limits_its_own_sessions_and_the_rest_get_the_remainder() -> None:
    # A 16 A carport board under a 40 A connection: its two cars share 16 A, the third car takes what's left.
    board = SiteLevel("CARPORT", _fuse(16))
    demands = [
        SiteDemand("C1", Schedule.constant(32 * 690.0), T0, boards=("CARPORT",)),
        SiteDemand("C2", Schedule.constant(32 * 690.0), T0, boards=("CARPORT",)),
        SiteDemand("X", Schedule.constant(32 * 690.0), T0),
    ]
    limits = share_capacity([SiteLevel(phase_a=_fuse(40)), board], demands, T0, T0 + HOUR)
    assert [limits[s].limit_at(T0) for s in ("C1", "C2", "X")] == [8 * 690.0, 8 * 690.0, 24 * 690.0]


def test_capacity_change_over_time_reaches_every_session() -> None:
    capacity = Schedule([(T0, 20_000.0), (T0 + HOUR, 8_000.0)])
    demands = [SiteDemand(f"S{i}", Schedule.constant(11_000.0), T0 + timedelta(minutes=i)) for i in range(2)]
    limits = share_capacity([SiteLevel(total_w=capacity)], demands, T0, T0 + 2 * HOUR)
    for schedule in limits.values():
        assert schedule.limit_at(T0) == 10_000.0
        assert schedule.limit_at(T0 + timedelta(minutes=90)) == 4_000.0


def test_no_limit_where_no_level_limits_the_session() -> None:
    limits = share_capacity([SiteLevel(phase_a={"L1": Schedule.constant(10)})], [
        SiteDemand("ON_L2", Schedule.constant(7_000.0), T0, phases=("L2",), watts_per_amp=230)
    ], T0, T0 + HOUR)  # fmt: skip
    assert limits["ON_L2"].limit_at(T0) is None


@settings(max_examples=150, deadline=None)
@given(
    capacity=st.floats(0, 100_000),
    sessions=st.lists(st.tuples(st.floats(0, 50_000), st.floats(0, 10_000)), min_size=1, max_size=8),
)
def test_never_above_capacity_or_a_cap_and_minimum_or_nothing(
    capacity: float, sessions: list[tuple[float, float]]
) -> None:
    caps, minima = [c for c, _ in sessions], [m for _, m in sessions]
    shares = share_instant(_one(capacity, len(caps)), caps, minima, list(range(len(sessions))))
    assert sum(shares) <= capacity + 1e-6
    for share, cap, minimum in zip(shares, caps, minima, strict=True):
        assert -1e-9 <= share <= cap + 1e-6
        assert share == 0.0 or share >= min(minimum, cap) - 1e-6
    if sum(caps) <= capacity:
        assert all(abs(s - c) < 1e-6 for s, c in zip(shares, caps, strict=True))  # enough for everyone


_PHASE_SETS = st.sampled_from([PHASES, ("L1",), ("L2",), ("L3",), ("L2", "L3"), ("L3", "L1")])
_BOARDS = {"": (), "A": ("A",), "B": ("B",), "C": ("C", "B")}  # C is a sub-board of B


@st.composite
def _site(draw: st.DrawFn) -> tuple[list[SiteLevel], list[SiteDemand]]:
    amps = st.none() | st.floats(0, 80)

    def fuse() -> dict[str, Schedule]:
        values = {p: draw(amps) for p in PHASES}
        return {p: Schedule([(T0 + HOUR, v / 2)], initial=v) for p, v in values.items() if v is not None}

    total = draw(st.none() | st.floats(0, 60_000))
    levels = [SiteLevel("", fuse(), None if total is None else Schedule.constant(total))]
    levels += [SiteLevel(b, fuse()) for b in ("A", "B", "C")]
    demands = []
    for i in range(draw(st.integers(1, 8))):
        phases = draw(_PHASE_SETS)
        evse_phases = draw(st.sampled_from([1, 3]))
        demands.append(
            SiteDemand(
                f"S{i}",
                Schedule([(T0 + HOUR / 2, draw(st.floats(0, 22_000)))], initial=draw(st.floats(0, 22_000))),
                T0 + timedelta(minutes=draw(st.integers(0, 60))),
                min_rate_w=draw(st.floats(0, 4_000)),
                phases=phases,
                boards=_BOARDS[draw(st.sampled_from(sorted(_BOARDS)))],
                watts_per_amp=230.0 * evse_phases,
                draw_w_per_amp=230.0 * len(phases),
            )
        )
    return levels, demands


@settings(max_examples=200, deadline=None)
@given(_site())
def test_no_phase_of_any_level_is_exceeded(site: tuple[list[SiteLevel], list[SiteDemand]]) -> None:
    """Whatever the senders' limits, sub-boards and wiring: no phase of any level over its fuse, ever."""
    levels, demands = site
    limits = share_capacity(levels, demands, T0, T0 + 2 * HOUR)
    for t in (T0, T0 + HOUR / 2, T0 + HOUR, T0 + timedelta(minutes=90)):
        amps = {}
        for d in demands:
            w = limits[d.session_id].limit_at(t)
            own = d.limit.limit_at(t)
            assert w is None or own is None or w <= own + 1e-6  # never above what the senders allow
            amps[d.session_id] = float("inf") if w is None else w / d.watts_per_amp
        for level in levels:
            inside = [d for d in demands if d.under(level.id)]
            for phase, fuse in level.phase_a.items():
                load = sum(amps[d.session_id] for d in inside if phase in d.phases)
                assert load <= fuse.limit_at(t) + 1e-6  # type: ignore[operator]
            if level.total_w is not None:
                load = sum(amps[d.session_id] * d.draw_w_per_amp for d in inside)
                assert load <= level.total_w.limit_at(t) + 1e-6  # type: ignore[operator]


def test_a_drop_is_honoured_early_and_a_rise_is_not() -> None:
    from datetime import UTC, datetime

    from fera.charging.site import DROP_LEAD, early_drops

    cut, back = datetime(2026, 3, 1, 13, tzinfo=UTC), datetime(2026, 3, 1, 15, tzinfo=UTC)
    limit = early_drops(Schedule([(cut, 11000.0), (back, 22000.0)], initial=22000.0))
    assert limit.limit_at(cut - DROP_LEAD - timedelta(seconds=1)) == 22000.0
    assert limit.limit_at(cut - DROP_LEAD) == 11000.0  # before the stations' clocks reach the cut
    assert limit.limit_at(back - timedelta(seconds=1)) == 11000.0 and limit.limit_at(back) == 22000.0


def test_a_minimum_rate_lifts_its_session_without_putting_it_ahead_of_the_others() -> None:
    # 15.94 A (11 kW three-phase): two cars held at 6 A minimum, a DC charger without one. The DC charger
    # rises to the common level (3.94 A) rather than getting a third of what is left above the minima.
    shares = share_instant(_one(15.94, 3), [32, 32, 72], [6, 6, 0], [0, 1, 2])
    assert [round(s, 6) for s in shares] == [6.0, 6.0, 3.94]
    # Above the minima, everyone rises together again.
    assert share_instant(_one(30, 3), [32, 32, 72], [6, 6, 0], [0, 1, 2]) == [10, 10, 10]


def test_within_capacity_counts_every_session_at_its_limit_on_every_phase_and_instant() -> None:
    site = [SiteLevel(phase_a=_fuse(16))]  # 16 A per phase: 11 kW for three-phase cars
    demands = [SiteDemand(sid, Schedule.constant(32 * 690.0), T0) for sid in ("A", "B")]
    handover = T0 + HOUR / 2
    old = Schedule([(handover, 0.0)], initial=16 * 690.0)  # A steps down as B steps up: fits
    new = Schedule([(handover, 16 * 690.0)], initial=0.0)
    assert within_capacity(site, demands, {"A": old, "B": new}, T0, T0 + HOUR)
    late = Schedule([(handover + timedelta(minutes=1), 0.0)], initial=16 * 690.0)  # A a minute late: no
    assert not within_capacity(site, demands, {"A": late, "B": new}, T0, T0 + HOUR)
    assert not within_capacity(site, demands, {"A": Schedule.unlimited()}, T0, T0 + HOUR)
    assert within_capacity(site, demands, {}, T0, T0 + HOUR)  # a session without a limit here draws 0
    # A single-phase car on L2 loads only L2: 16 A there beside a three-phase car at 16 A goes over.
    one = SiteDemand("C", Schedule.constant(32 * 230.0), T0, phases=("L2",), watts_per_amp=230)
    limits = {"A": Schedule.constant(16 * 690.0), "C": Schedule.constant(230.0)}
    assert not within_capacity(site, [*demands, one], limits, T0, T0 + HOUR)


def test_a_car_whose_meter_showed_its_own_maximum_leaves_the_rest_to_the_others() -> None:
    # 32 A: fairly 16 A each, but the first car's meter showed it takes 5.5 A (a 3.7 kW car): the other
    # gets the 26.5 A it could not take, not 16 A beside 10.5 A nobody draws.
    demands = [
        SiteDemand("small", Schedule.constant(32 * 690.0), T0, car_max_a=5.5),
        SiteDemand("big", Schedule.constant(32 * 690.0), T0),
    ]
    limits = share_capacity([SiteLevel(phase_a=_fuse(32))], demands, T0, T0 + HOUR)
    assert [limits[s].limit_at(T0) for s in ("small", "big")] == [5.5 * 690, 26.5 * 690]


def test_a_car_whose_own_maximum_is_under_its_minimum_rate_still_gets_the_minimum() -> None:
    # A 3.7 kW car on three phases takes 5.4 A: under a 5.4 A limit it would stop (IEC 61851: below 6 A no
    # AC car charges), so its share is its 6 A minimum, and it draws its own 5.4 A under it.
    demands = [
        SiteDemand("small", Schedule.constant(32 * 690.0), T0, 6 * 690.0, car_max_a=5.4),
        SiteDemand("big", Schedule.constant(32 * 690.0), T0, 6 * 690.0),
    ]
    limits = share_capacity([SiteLevel(phase_a=_fuse(32))], demands, T0, T0 + HOUR)
    assert [limits[s].limit_at(T0) for s in ("small", "big")] == [6 * 690, 26 * 690]

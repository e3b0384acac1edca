"""The ActiveChargingProfile of a session: minimum of senders, local limit and hardware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.charging import (
    EVSE_MAXIMUM,
    LOCAL_LIMIT,
    Electrical,
    RateProfile,
    Schedule,
    limiting,
    schedule_from_profile,
    session_limit,
    write_profile,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
AC3 = Electrical("AC_3_PHASE", 230, 32, None)  # 22,080 W
DC = Electrical("DC", 400, 125, 50_000)


def amps(*periods: tuple[int, float], start: datetime | None = None) -> RateProfile:
    return RateProfile(start_date_time=start, charging_rate_unit="A", periods=periods)


def test_no_sender_means_the_evse_maximum() -> None:
    assert session_limit([], AC3, T0) == Schedule.constant(22_080.0)
    written = write_profile(session_limit([], AC3, T0), AC3, T0, 3600)
    assert written.charging_rate_unit == "A" and written.periods == ((0, 32.0),)


def test_two_senders_and_a_site_limit_combine_to_their_minimum() -> None:
    emsp = amps((0, 16.0), (1800, 10.0), start=T0)
    scsp = amps((0, 20.0), (600, 8.0))  # relative to the start of charging
    site = Schedule([(T0 + timedelta(minutes=40), 9 * 690.0)])
    limit = session_limit([emsp, scsp], AC3, charging_start=T0, local_limit=site)
    written = write_profile(limit, AC3, T0, 3600)
    assert written.periods == ((0, 16.0), (600, 8.0))
    assert limit.limit_at(T0 + timedelta(minutes=45)) == 8 * 690.0


def test_dc_is_written_in_watts_never_above_hardware() -> None:
    periods = ((0, 80_000.0), (900, 20_000.55))
    sender = RateProfile(start_date_time=T0, charging_rate_unit="W", periods=periods)
    written = write_profile(session_limit([sender], DC, T0), DC, T0, 3600)
    assert written.charging_rate_unit == "W"
    assert written.periods == ((0, 50_000.0), (900, 20_000.5))


def test_limiting_names_the_lowest_input_per_period() -> None:
    emsp = schedule_from_profile(amps((0, 16.0), (1800, 32.0), start=T0), AC3, T0)
    site = Schedule([(T0 + timedelta(minutes=40), 9 * 690.0)])
    named = [(EVSE_MAXIMUM, Schedule.constant(22_080.0)), (LOCAL_LIMIT, site), ("emsp", emsp)]
    assert limiting(named, T0, T0 + timedelta(hours=1)) == [
        (T0, "emsp"),  # 16 A
        (T0 + timedelta(minutes=30), EVSE_MAXIMUM),  # 32 A asked: the hardware's own maximum, not the eMSP
        (T0 + timedelta(minutes=40), LOCAL_LIMIT),
    ]


def test_a_site_share_capped_by_a_sender_names_the_sender() -> None:
    """The share was cut at the sender's 9.2 A (and came back from amps a hair off): the sender limits."""
    emsp = schedule_from_profile(amps((0, 9.2), start=T0), AC3, T0)
    site = Schedule.constant(9.2 * 690.0 + 1e-9)
    named = [(EVSE_MAXIMUM, Schedule.constant(22_080.0)), ("emsp", emsp), (LOCAL_LIMIT, site)]
    assert limiting(named, T0, T0 + timedelta(hours=1)) == [(T0, "emsp")]
    lower = Schedule.constant(6 * 690.0)  # the site below the sender: the site
    assert limiting([*named[:2], (LOCAL_LIMIT, lower)], T0, T0 + timedelta(hours=1)) == [(T0, LOCAL_LIMIT)]

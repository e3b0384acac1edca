"""Chart series: profiles and charging periods to kW step functions (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fera.charging import Electrical
from fera.ocpi.chargingprofiles.models import ActiveChargingProfile, ChargingProfile
from fera.ocpi.sessions.models import Session
from fera.web._charts import trace
from fera.web._series import (
    active_schedule,
    drawn,
    history_series,
    raw_profile_schedule,
    schedule_series,
    sum_steps,
)
from tests.integration.chargingprofiles.setup import session as make_session

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
AC3 = Electrical("AC_3_PHASE", 230, 32)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def with_periods(*periods: dict[str, object], end: datetime | None = None) -> Session:
    base = make_session("S1", "LOC1-E1").model_copy(
        update={"start_date_time": T0, "last_updated": minutes(60), "end_date_time": end}
    )
    return Session.model_validate(base.to_wire() | {"charging_periods": list(periods)})


def period(at: datetime, **dims: float) -> dict[str, object]:
    return {
        "start_date_time": at.isoformat(),
        "dimensions": [{"type": k, "volume": v} for k, v in dims.items()],
    }


def test_amps_profile_becomes_kw_with_the_connectors_phases_and_voltage() -> None:
    raw: dict[str, Any] = {
        "charging_rate_unit": "A",
        "charging_profile_period": [{"start_period": 0, "limit": 16}],
        "duration": 1800,
    }
    series = schedule_series(raw_profile_schedule(raw, AC3, T0), T0, minutes(60))
    assert series == [(T0, 11.04), (minutes(30), None), (minutes(60), None)]


def test_active_profile_starts_at_its_own_start_date_time() -> None:
    profile = ChargingProfile.model_validate(
        {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": 7400}]}
    )
    active = ActiveChargingProfile(start_date_time=minutes(10), charging_profile=profile)
    series = schedule_series(active_schedule(active, AC3, T0), T0, minutes(20))
    assert series == [(T0, None), (minutes(10), 7.4), (minutes(20), 7.4)]


def test_drawn_prefers_power_then_energy_over_the_period_then_current() -> None:
    session = with_periods(
        period(T0, POWER=11.0, ENERGY=99.0),
        period(minutes(30), ENERGY=2.5),  # 2.5 kWh in 15 minutes: 10 kW
        period(minutes(45), CURRENT=10.0),  # 10 A x 230 V x 3 phases
    )
    assert drawn(session, AC3) == [
        (T0, 11.0),
        (minutes(30), 10.0),
        (minutes(45), 6.9),
        (minutes(60), 6.9),  # the last period lasts until the session's last update
    ]


def test_drawn_of_an_ended_session_ends_with_it_and_is_empty_without_periods() -> None:
    ended = with_periods(period(T0, POWER=3.0), end=minutes(20))
    assert drawn(ended, AC3) == [(T0, 3.0), (minutes(20), 3.0)]
    assert drawn(with_periods(), AC3) == []


def test_sum_of_step_series_counts_each_only_inside_its_span() -> None:
    a = [(T0, 5.0), (minutes(30), 5.0)]
    b = [(minutes(10), 2.0), (minutes(20), None), (minutes(40), None)]
    assert sum_steps([a, b]) == [
        (T0, 5.0),
        (minutes(10), 7.0),
        (minutes(20), 5.0),
        (minutes(30), 0.0),
        (minutes(40), 0.0),
    ]


def test_a_step_before_a_gap_is_closed_so_plotly_draws_it() -> None:
    chart = trace("Capacity", [(T0, 45.0), (minutes(60), None), (minutes(90), None)], "capacity")
    assert chart["y"] == [45.0, 45.0, None, None]
    assert chart["x"][:2] == ["2026-03-01T12:00:00Z", "2026-03-01T13:00:00Z"]


def test_a_senders_history_is_one_line_with_a_gap_where_it_cleared() -> None:
    def flat(amps: float) -> Any:
        raw = {"charging_rate_unit": "A", "charging_profile_period": [{"start_period": 0, "limit": amps}]}
        return raw_profile_schedule(raw, AC3, T0)

    pieces = [(minutes(10), flat(16)), (minutes(20), flat(10)), (minutes(30), None), (minutes(40), flat(8))]
    series = history_series(pieces, minutes(0), minutes(35))
    assert series == [
        (minutes(10), 11.04),
        (minutes(20), 6.9),
        (minutes(30), None),
        (minutes(35), None),
    ]
    assert history_series(pieces, minutes(50), minutes(60)) == [(minutes(50), 5.52), (minutes(60), 5.52)]

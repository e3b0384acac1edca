"""The CPO computes a site again once the turns it planned ahead have run out (`charging.site_turns`), and
gives an AC session 6 A or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from fera.charging import Electrical, Schedule
from fera.charging.site import SiteDemand
from fera.charging.site_turns import TURNS_AHEAD
from fera.config import SiteConfig
from fera.cpo.chargingprofiles.site import SiteLimits
from fera.cpo.chargingprofiles.site_grid import demand
from fera.store.protocols import Store
from tests.integration.chargingprofiles.setup import session

NOW = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
MIN_W = 6 * 690.0


class _Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _limits(clock: _Clock) -> SiteLimits:
    async def no_forecast(location: str) -> None:
        return None

    site = SiteConfig(location="LOC1", capacity_kw=11)
    return SiteLimits([site], cast(Store, None), no_forecast, now=clock)


def _demand(sid: str) -> SiteDemand:
    return SiteDemand(sid, Schedule.constant(11_000.0), NOW, MIN_W)


def test_a_site_with_a_session_waiting_its_turn_is_computed_again_when_the_planned_turns_run_out() -> None:
    clock = _Clock()
    limits = _limits(clock)
    shares = {"A": Schedule.constant(MIN_W), "B": Schedule.constant(0.0)}  # B waits its turn
    limits._note_turns(0, [_demand("A"), _demand("B")], shares, NOW)
    reading = session("A", "EVSE1")  # a meter reading of any session at the site
    clock.now = NOW + TURNS_AHEAD - timedelta(seconds=1)
    assert limits.learned(reading) is False
    clock.now = NOW + TURNS_AHEAD
    assert limits.learned(reading) is True


def test_a_site_where_every_minimum_fits_is_not_computed_again_on_the_clock() -> None:
    clock = _Clock()
    limits = _limits(clock)
    shares = {"A": Schedule.constant(MIN_W), "B": Schedule.constant(MIN_W)}
    limits._note_turns(0, [_demand("A"), _demand("B")], shares, NOW)
    clock.now = NOW + 10 * TURNS_AHEAD
    assert limits.learned(session("A", "EVSE1")) is False


def test_an_ac_session_gets_6_a_or_nothing_even_when_no_sender_set_a_minimum() -> None:
    """IEC 61851: an AC car stops below 6 A, so a share under it is capacity nobody draws."""
    site = SiteConfig(location="LOC1", capacity_kw=11)
    three_phase, dc = Electrical("AC_3_PHASE", 230, 16), Electrical("DC", 400, 125)
    assert demand(site, session("A", "EVSE1"), [], three_phase, None).min_rate_w == 6 * 690.0
    assert demand(site, session("B", "EVSE1"), [], dc, None).min_rate_w == 0.0

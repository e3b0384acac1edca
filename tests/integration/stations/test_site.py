"""Site load management with real stations: a site's capacity is shared among its sessions, and a capacity
forecast given through the admin API reaches every session (station limits and ActiveChargingProfiles)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from fera.charging import OcppChargingProfile
from fera.config import SiteConfig
from fera.ocpi.sessions.models import CdrDimensionType
from fera.ocpi.types import format_datetime
from fera.ocpp.gateway import OcppGateway
from fera.ocpp.link import ProfileResult
from fera.sessions_events import SessionChanged
from fera.smartcharging.events import ActiveProfileReceived
from tests.integration.chargingprofiles.setup import amps
from tests.integration.stations.conftest import StageFactory
from tests.integration.stations.stage import ADMIN_TOKEN, SPECS, WAIT_S, Recorder, Stage, ev, power_w

pytestmark = pytest.mark.timeout(60)
PHASE_W = 230 * 3  # W per A on these three-phase connectors
LATE_S = 2.0  # a loaded CPO's commands to a station: this long on their way


def drawing(session_id: str, watts: float) -> Callable[[SessionChanged], bool]:
    return lambda e: e.session.id == session_id and power_w(e) == pytest.approx(watts, abs=1)


def drawing_any(watts: float) -> Callable[[SessionChanged], bool]:
    return lambda e: power_w(e) == pytest.approx(watts, abs=1)


def pushed(session_id: str, amps_limit: float) -> Callable[[ActiveProfileReceived], bool]:
    def match(e: ActiveProfileReceived) -> bool:
        periods = e.profile.charging_profile.charging_profile_period or []
        return e.session_id == session_id and bool(periods) and periods[0].limit == amps_limit

    return match


async def put_capacity(stage: Stage, kw: float) -> None:
    now = datetime.now(UTC)
    block = {
        "capacity": kw,
        "unit": "KW",
        "start_time": now - timedelta(hours=1),
        "end_time": now + timedelta(days=3),
    }
    forecast = {
        "group_id": "LOC1",
        "blocks": [{k: format_datetime(v) if isinstance(v, datetime) else v for k, v in block.items()}],
    }
    async with httpx.AsyncClient() as client:
        response = await client.put(
            f"{stage.cpo.url}/fera/admin/capacity",
            json=forecast,
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
    assert response.status_code == 200, response.text


async def test_capacity_is_shared_and_a_forecast_reaches_every_session(stages: StageFactory) -> None:
    stage = await stages(sites=[SiteConfig(location="LOC1", capacity_kw=30.0)])
    pushes = Recorder(stage.emsp.node.events, ActiveProfileReceived)
    a, b = await stage.charging(SPECS, (ev("ST16", 1), ev("ST201", 1)))
    for session in (a, b):  # 30 kW for two: 15 kW each, written as 21.7 A (rounded down)
        await stage.cpo_sessions.wait(drawing(session.id, 21.7 * PHASE_W))
    for session in (a, b):  # the eMSP steers both (no tighter than the site), so it gets their pushes
        request = await stage.sender.set_profile(stage.cpo_id, session.id, amps((0, 32.0)))
        assert (await stage.sender.wait(request.id, timeout=WAIT_S)).result == {"result": "ACCEPTED"}
        await pushes.wait(pushed(session.id, 21.7))

    mark, pushed_mark = len(stage.cpo_sessions.items), len(pushes.items)
    await put_capacity(stage, 13.8)  # the grid operator's forecast: 6.9 kW = 10 A each
    for session in (a, b):
        await stage.cpo_sessions.wait(drawing(session.id, 10 * PHASE_W), mark)
        await pushes.wait(pushed(session.id, 10.0), pushed_mark)

    mark, pushed_mark = len(stage.cpo_sessions.items), len(pushes.items)
    # a takes less (from a minute ago: a relative profile would start at the simulated session start,
    # which runs ahead of the CPO's clock) ...
    since = format_datetime(datetime.now(UTC) - timedelta(minutes=1))
    request = await stage.sender.set_profile(stage.cpo_id, a.id, amps((0, 7.0), start_date_time=since))
    assert (await stage.sender.wait(request.id, timeout=WAIT_S)).result == {"result": "ACCEPTED"}
    await stage.cpo_sessions.wait(drawing(a.id, 7 * PHASE_W), mark)
    await stage.cpo_sessions.wait(drawing(b.id, 13 * PHASE_W), mark)  # ... b gets the rest (max-min fair)
    await pushes.wait(pushed(b.id, 13.0), pushed_mark)


async def test_a_car_plugged_in_as_its_station_boots_draws_nothing_before_its_share(
    stages: StageFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loaded CPO is slow to reach the station: the zero TxDefaultProfile it gets as it boots, and the car's
    share, come seconds late. The car plugged in at once is authorized once the former is in force, and so
    never draws more than the site."""
    slow_default, slow_share = OcppGateway.set_default_profile, OcppGateway.set_tx_profile

    async def late_default(self: OcppGateway, station_id: str, profile: OcppChargingProfile) -> ProfileResult:
        await asyncio.sleep(LATE_S)
        return await slow_default(self, station_id, profile)

    async def late_share(self: OcppGateway, *args: Any) -> ProfileResult:
        await asyncio.sleep(LATE_S)
        return await slow_share(self, *args)

    monkeypatch.setattr(OcppGateway, "set_default_profile", late_default)
    monkeypatch.setattr(OcppGateway, "set_tx_profile", late_share)
    stage = await stages(sites=[SiteConfig(location="LOC1", capacity_kw=13.8)])
    stage.simulate(SPECS[1:], (ev("ST201", 1),))
    last = await stage.cpo_sessions.wait(drawing_any(20 * PHASE_W))  # 13.8 kW for one: 20 A
    periods = last.session.charging_periods or []
    drawn = [d.volume * 1000 for p in periods for d in p.dimensions if d.type is CdrDimensionType.POWER]
    assert max(drawn) <= 13_800, drawn

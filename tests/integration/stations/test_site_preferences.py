"""Site load management serves stated needs first: a driver's ChargingPreferences (PUT by the eMSP on the
CPO's sessions/{id}/charging_preferences over real HTTP) make the CPO give that car the site's capacity ahead
of a car whose driver stated nothing, as the real OCPP stations' meters show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fera.config import SiteConfig
from fera.ocpi.types import format_datetime
from fera.sessions_events import PreferencesChanged
from tests.integration.stations.conftest import StageFactory
from tests.integration.stations.stage import ADMIN_TOKEN, SPECS, WAIT_S, Recorder, Stage, ev, power_w
from tests.integration.stations.test_site import PHASE_W, drawing

pytestmark = pytest.mark.timeout(180)
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
DRIVERS = "/fera/admin/drivers"
SETTLE_S = 90.0  # a few rounds of share, TxProfile and reading on a loaded 2-core machine


async def charging_in_real_time(stage: Stage) -> tuple[str, str]:
    """Two 22 kW cars at ST16 and ST201 in real time (their energy grows as slowly as the CPO's clock runs):
    the CPO's session ids, in that order."""
    mark = len(stage.cpo_sessions.items)
    stage.simulate(SPECS, (ev("ST16", 1), ev("ST201", 1)), speed=1.0)
    ids: dict[str, str] = {}
    while len(ids) < 2:
        event = await stage.cpo_sessions.wait(
            lambda e: e.session.evse_uid not in ids and power_w(e) is not None, mark
        )
        ids[event.session.evse_uid] = event.session.id
    return ids["LOC1-E1"], ids["LOC1-E3"]


async def test_a_stated_need_gets_the_site_first_and_the_car_that_stated_nothing_the_rest(
    stages: StageFactory,
) -> None:
    stage = await stages(sites=[SiteConfig(location="LOC1", capacity_kw=11.04)])  # 16 A on three phases
    accepted = Recorder(stage.cpo.node.events, PreferencesChanged)
    first, second = await charging_in_real_time(stage)
    for session_id in (first, second):  # nothing stated: max-min fair, 8 A each
        await stage.cpo_sessions.wait(drawing(session_id, 8 * PHASE_W), within_s=SETTLE_S)

    # The driver of the second car (token SIM000001) leaves in 5 hours and needs 50 kWh (10 kW, 14.5 A):
    # their app tells the eMSP, which sends it to the CPO.
    mark = len(stage.cpo_sessions.items)
    departure = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=5)
    body = {"profile_type": "REGULAR", "departure_time": format_datetime(departure), "energy_need": 50.0}
    async with httpx.AsyncClient() as http:
        reply = await http.put(
            f"{stage.emsp.url}{DRIVERS}/SIM000001/charging_preferences", json=body, headers=AUTH
        )
        assert reply.status_code == 200 and reply.json()["data"] == "ACCEPTED"
        unknown = await http.put(
            f"{stage.emsp.url}{DRIVERS}/NOBODY/charging_preferences", json=body, headers=AUTH
        )
        assert unknown.status_code == 404 and unknown.json()["status_code"] == 2000
    stored = await accepted.wait(lambda e: e.session_id == second)
    assert stored.preferences.to_wire() == body  # as the CPO received it over OCPI

    # Its car is offered more as its meter shows it takes all it gets (8 A, then 12 A), until it has all
    # 16 A: its need by its departure comes first; the other car has what is left, none.
    await stage.cpo_sessions.wait(drawing(second, 16 * PHASE_W), mark, within_s=SETTLE_S)
    await stage.cpo_sessions.wait(drawing(first, 0.0), mark, within_s=WAIT_S)

"""EVSEs a station has beyond its configuration are learnt from what it reports, shared, and charge."""

from __future__ import annotations

import asyncio

import pytest

from fera.config import StationConfig
from fera.cpo import cpo_of
from fera.ocpi.locations.models import Location
from fera.ocpp.simulator import StationSpec
from fera.sessions_events import LocationChanged
from tests.integration.chargingprofiles.setup import location
from tests.integration.stations.conftest import StageFactory
from tests.integration.stations.stage import WAIT_S, Recorder, ev

pytestmark = pytest.mark.timeout(60)

SPECS = (StationSpec("ST16", "1.6", connectors=2), StationSpec("ST201", "2.0.1", connectors=2))
# ST16's connector 1 is configured as LOC1-E1; everything else is left to be learnt.
STATIONS = [
    StationConfig.model_validate(
        {"id": "ST16", "location": "LOC1", "evses": [{"ocpp_id": 1, "evse_uid": "LOC1-E1"}]}
    ),
    StationConfig.model_validate({"id": "ST201", "location": "LOC1"}),
]
LEARNT = {"ST16-2", "ST201-1", "ST201-2"}


def uids(location: Location) -> set[str]:
    return {e.uid for e in location.evses or []}


async def test_unconfigured_evses_are_learnt_shared_and_charge(stages: StageFactory) -> None:
    stage = await stages(stations=STATIONS, evses=1)
    emsp_locations = Recorder(stage.emsp.node.events, LocationChanged)

    sessions = await stage.charging(SPECS, (ev("ST16", 2), ev("ST201", 2)))

    assert {s.evse_uid for s in sessions} == {"ST16-2", "ST201-2"}
    location = await cpo_of(stage.cpo.node).locations.location("LOC1")
    assert location is not None and uids(location) == {"LOC1-E1", *LEARNT}
    by_uid = {e.uid: e for e in location.evses or []}
    for uid in LEARNT:
        evse = by_uid[uid]
        assert [c.value for c in evse.capabilities or []] == ["CHARGING_PROFILE_CAPABLE", "RFID_READER"]
        (connector,) = evse.connectors
        assert (connector.id, connector.standard.value, connector.power_type.value) == (
            "1",
            "IEC_62196_T2",
            "AC_3_PHASE",
        )
    assert by_uid["ST16-2"].status.value == by_uid["ST201-2"].status.value == "CHARGING"
    assert by_uid["ST201-1"].status.value == "AVAILABLE"
    shared = await emsp_locations.wait(lambda e: LEARNT <= uids(e.location))  # pushed to the eMSP
    assert shared.source_partner_id == stage.cpo_id


async def test_what_a_station_reported_before_its_location_existed_is_learnt_on_import(
    stages: StageFactory,
) -> None:
    early = StationConfig.model_validate({"id": "ST201", "location": "LOC2"})  # LOC2: not imported yet
    stage = await stages(stations=[early], evses=1)
    emsp_locations = Recorder(stage.emsp.node.events, LocationChanged)
    stage.simulate(SPECS[1:], ())  # boots, reports its inventory and statuses; no car
    learner = stage.stations.events.learner
    async with asyncio.timeout(WAIT_S):
        while learner.waiting("LOC2") != [("ST201", 1, 1), ("ST201", 2, 1)]:
            await asyncio.sleep(0.05)

    await cpo_of(stage.cpo.node).locations.import_location(location("LOC2", evses=0))

    shared = await emsp_locations.wait(lambda e: uids(e.location) == {"ST201-1", "ST201-2"})
    assert [e.status.value for e in shared.location.evses or []] == ["AVAILABLE", "AVAILABLE"]
    assert learner.waiting("LOC2") == []

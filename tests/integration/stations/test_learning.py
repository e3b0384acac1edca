"""EVSEs a station has beyond its configuration are learnt from what it reports, shared, and charge."""

from __future__ import annotations

import pytest

from fera.config import StationConfig
from fera.cpo import cpo_of
from fera.ocpi.locations.models import Location
from fera.ocpp.simulator import StationSpec
from fera.sessions_events import LocationChanged
from tests.integration.stations.conftest import StageFactory
from tests.integration.stations.stage import Recorder, ev

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

"""Station commands as data (what a worker hands a gateway in another process): every StationLink call
survives the trip through JSON, runs on the link holding the station, and its answer reads back."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fera.charging import ChargingProfileKind, ChargingProfilePurpose, OcppChargingProfile, SchedulePeriod
from fera.cpo.chargingprofiles.stations import InProcessStations, StationBehaviour
from fera.cpo.stations.commands import (
    ClearTxProfile,
    GetCompositeSchedule,
    SetTxProfile,
    execute,
    read_command,
    read_result,
    read_schedule,
)
from fera.ocpp.link import ProfileResult


def tx_profile() -> OcppChargingProfile:
    """10 A for ten minutes from now, then 6 A on three phases."""
    return OcppChargingProfile(
        id=7,
        stack_level=2,
        purpose=ChargingProfilePurpose("TxProfile"),
        kind=ChargingProfileKind("Absolute"),
        unit="A",
        periods=(SchedulePeriod(0, 10.0), SchedulePeriod(600, 6.0, 3)),
        connector_id=1,
        transaction_id="T1",
        start_schedule=datetime.now(UTC),
    )


def through_the_database(command: SetTxProfile | ClearTxProfile | GetCompositeSchedule) -> dict[str, object]:
    data: dict[str, object] = json.loads(json.dumps(command.model_dump(mode="json")))
    return data


async def test_a_set_travels_as_json_and_reaches_the_station() -> None:
    stations, profile = InProcessStations(), tx_profile()
    data = through_the_database(SetTxProfile(evse_id=1, transaction_id="T1", profile=profile))
    assert data["action"] == "set_tx_profile"
    command = read_command(data)
    assert command == SetTxProfile(evse_id=1, transaction_id="T1", profile=profile)
    answer = await execute(stations, "CS-1", command)
    assert answer == {"result": "ACCEPTED"}
    assert read_result(answer) is ProfileResult.ACCEPTED
    assert list(stations.stack("CS-1")) == [profile]

    schedule = await execute(
        stations,
        "CS-1",
        read_command(through_the_database(GetCompositeSchedule(evse_id=1, duration_s=900, unit="A"))),
    )
    composite = read_schedule(json.loads(json.dumps(schedule)))
    assert composite is not None and composite.periods[0].limit == 10.0


async def test_a_refusing_station_and_no_answer_read_as_rejected() -> None:
    stations = InProcessStations()
    stations.behaviour["CS-1"] = StationBehaviour.REJECT
    clear = read_command(through_the_database(ClearTxProfile(evse_id=1, transaction_id="T1")))
    assert await execute(stations, "CS-1", clear) == {"result": "REJECTED"}
    assert read_result(None) is ProfileResult.REJECTED  # connected nowhere, or silent past the deadline
    assert read_schedule(None) is None
    get = read_command(through_the_database(GetCompositeSchedule(evse_id=1, duration_s=900, unit="A")))
    assert await execute(stations, "CS-1", get) == {"schedule": None}

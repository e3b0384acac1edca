"""Pure wire conversions: handshake checks, meter values, profiles and composite schedules both ways."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from ocpp.charge_point import camel_to_snake_case, remove_nones, snake_to_camel_case
from ocpp.messages import Call, CallResult, validate_payload

from fera.charging import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    OcppChargingProfile,
    RateProfile,
    RecurrencyKind,
    SchedulePeriod,
)
from fera.ocpp._handshake import admits, station_id_from_path
from fera.ocpp._meter import MeterReading, read_meter_values, write_meter_value
from fera.ocpp._profiles import (
    composite_from_wire,
    composite_to_v16,
    composite_to_v201,
    profile_from_wire,
    profile_to_wire,
    tx_profile,
)
from fera.ocpp._time import from_wire, to_wire

T = datetime(2025, 6, 1, 8, 30, tzinfo=UTC)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("path", "station_id"),
    [
        ("/ocpp/CS-1", "CS-1"),
        ("/ocpp/CS%201?x=1", "CS 1"),
        ("/ocpp/", None),
        ("/ocpp/a/b", None),
        ("/x/CS", None),
    ],
)
def test_station_id_from_path(path: str, station_id: str | None) -> None:
    assert station_id_from_path(path) == station_id


def test_admission() -> None:
    stations = {"CS-1": "pw", "OPEN": None}
    assert admits(stations, "CS-1", basic("CS-1", "pw"))
    assert not admits(stations, "CS-1", basic("CS-1", "nope"))
    assert not admits(stations, "CS-1", basic("OPEN", "pw"))  # the user name is the station id
    assert not admits(stations, "CS-1", None)
    assert not admits(stations, "CS-1", "Bearer abc")
    assert admits(stations, "OPEN", None)
    assert not admits(stations, "OTHER", None)


def test_time_round_trip() -> None:
    assert to_wire(T) == "2025-06-01T08:30:00Z"
    assert from_wire("2025-06-01T10:30:00+02:00") == T == from_wire("2025-06-01T08:30:00")


def test_meter_values_with_kilo_units_phases_and_multipliers() -> None:
    v16 = [
        {
            "timestamp": "2025-06-01T08:30:00Z",
            "sampled_value": [
                {"value": "12.5", "unit": "kWh"},
                *(
                    {"value": "2.3", "measurand": "Power.Active.Import", "unit": "kW", "phase": p}
                    for p in ("L1", "L2")
                ),
                *(
                    {"value": str(a), "measurand": "Current.Import", "phase": p}
                    for a, p in ((9, "L1-N"), (10, "L2"))
                ),
            ],
        },
        {"timestamp": "2025-06-01T08:31:00Z", "sampled_value": [{"value": "1", "measurand": "Voltage"}]},
    ]
    assert read_meter_values(v16) == [MeterReading(T, 12500.0, 4600.0, 10.0)]
    v201 = [
        {
            "timestamp": "2025-06-01T08:30:00Z",
            "sampled_value": [{"value": 12.5, "unit_of_measure": {"multiplier": 3}}],
        }
    ]
    assert read_meter_values(v201) == [MeterReading(T, 12500.0)]


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_written_meter_values_read_back(version: str) -> None:
    reading = MeterReading(T, 1234.5, 7400.0, 10.7)
    assert read_meter_values([write_meter_value(reading, version)]) == [reading]


PROFILE = OcppChargingProfile(
    id=3,
    stack_level=2,
    purpose=ChargingProfilePurpose.TX_DEFAULT,
    kind=ChargingProfileKind.RECURRING,
    unit="A",
    periods=(SchedulePeriod(0, 16.0), SchedulePeriod(3600, 6.1, 1)),
    recurrency=RecurrencyKind.DAILY,
    valid_from=T,
    valid_to=datetime(2025, 7, 1, tzinfo=UTC),
    start_schedule=T,
    duration=7200,
    min_charging_rate=4.2,
)


async def _valid(action: str, payload: dict[str, object], version: str, answer: bool = False) -> None:
    """The ocpp library's own schema check of a payload we produce, prepared as its `call()` does."""
    wire = snake_to_camel_case(remove_nones(payload))
    message = CallResult("1", wire, action) if answer else Call("1", action, wire)
    await validate_payload(message, version)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
async def test_profiles_round_trip_through_the_schema(version: str) -> None:
    tx = tx_profile(PROFILE, 2, "42")
    wire = profile_to_wire(tx, version)
    key = "cs_charging_profiles" if version == "1.6" else "charging_profile"
    await _valid(
        "SetChargingProfile", {("connector_id" if version == "1.6" else "evse_id"): 2, key: wire}, version
    )
    received = camel_to_snake_case(snake_to_camel_case(wire))
    assert profile_from_wire(received, 2) == tx


def test_station_max_is_named_per_version() -> None:
    station_max = OcppChargingProfile(
        1,
        0,
        ChargingProfilePurpose.CHARGE_POINT_MAX,
        ChargingProfileKind.ABSOLUTE,
        "W",
        (SchedulePeriod(0, 5e4),),
        start_schedule=T,
    )
    assert profile_to_wire(station_max, "1.6")["charging_profile_purpose"] == "ChargePointMaxProfile"
    wire = profile_to_wire(station_max, "2.0.1")
    assert wire["charging_profile_purpose"] == "ChargingStationMaxProfile"
    assert profile_from_wire(wire, 0) == station_max


async def test_composites_both_ways() -> None:
    rate = RateProfile(
        start_date_time=T, duration=900, charging_rate_unit="W", periods=((0, 3700.0), (600, 11000.0))
    )
    expected = (SchedulePeriod(0, 3700.0), SchedulePeriod(600, 11000.0))
    v16 = composite_to_v16(rate)
    await _valid(
        "GetCompositeSchedule",
        {"status": "Accepted", "connector_id": 1, "schedule_start": to_wire(T), "charging_schedule": v16},
        "1.6",
        answer=True,
    )
    v201 = composite_to_v201(rate, 1)
    await _valid("GetCompositeSchedule", {"status": "Accepted", "schedule": v201}, "2.0.1", answer=True)
    for composite in (composite_from_wire(v16, to_wire(T)), composite_from_wire(v201, None)):
        assert (composite.start, composite.unit, composite.periods, composite.duration) == (
            T,
            "W",
            expected,
            900,
        )

"""ChargingProfiles wire models: parsing, exact wire output, one-decimal limits, validation."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from fera.ocpi.chargingprofiles import models
from fera.ocpi.chargingprofiles.models import (
    ActiveChargingProfile,
    ActiveChargingProfileResult,
    ChargingProfile,
    ChargingProfilePeriod,
    ChargingProfileResponse,
    ChargingProfileResponseType,
    ChargingProfileResult,
    ChargingProfileResultType,
    ChargingRateUnit,
    ClearProfileResult,
    SetChargingProfile,
)


def set_profile_json() -> dict[str, Any]:
    return {
        "charging_profile": {
            "start_date_time": "2024-05-01T12:00:00Z",
            "duration": 7200,
            "charging_rate_unit": "A",
            "min_charging_rate": 6.0,
            "charging_profile_period": [
                {"start_period": 0, "limit": 32.0},
                {"start_period": 900, "limit": 12.5},
                {"start_period": 3600, "limit": 6.0},
            ],
        },
        "response_url": "https://scsp.example.net/ocpi/2.2.1/chargingprofiles/results/set/1f3a9c",
    }


def test_set_charging_profile_round_trip_with_exact_field_names() -> None:
    body = SetChargingProfile.model_validate(set_profile_json())
    wire = body.to_wire()

    assert body.charging_profile.charging_rate_unit is ChargingRateUnit.A
    assert wire == set_profile_json()
    profile = wire["charging_profile"]
    assert set(profile) == {
        "start_date_time",
        "duration",
        "charging_rate_unit",
        "min_charging_rate",
        "charging_profile_period",
    }
    assert isinstance(profile["charging_profile_period"], list)


def test_limits_are_floored_to_one_decimal() -> None:
    data = set_profile_json()
    profile = data["charging_profile"]
    profile["min_charging_rate"] = 6.09
    profile["charging_profile_period"] = [
        {"start_period": 0, "limit": 16.07},
        {"start_period": 60, "limit": 11039.99},
        {"start_period": 120, "limit": 10.5},
        {"start_period": 180, "limit": 7},
    ]

    wire = SetChargingProfile.model_validate(data).to_wire()["charging_profile"]

    assert wire["min_charging_rate"] == 6.0
    assert [p["limit"] for p in wire["charging_profile_period"]] == [16.0, 11039.9, 10.5, 7.0]
    assert ChargingProfilePeriod(start_period=0, limit=16.07).limit == 16.0


def test_relative_profile_omits_absent_fields() -> None:
    body = {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": 11000}]}

    wire = ChargingProfile.model_validate(body | {"start_date_time": None}).to_wire()

    assert wire == {
        "charging_rate_unit": "W",
        "charging_profile_period": [{"start_period": 0, "limit": 11000.0}],
    }
    assert ChargingProfile.model_validate({"charging_rate_unit": "A"}).to_wire() == {
        "charging_rate_unit": "A"
    }


def test_misspelled_min_charge_rate_is_ignored_not_emitted() -> None:
    body = {"charging_rate_unit": "A", "min_charge_rate": 6.0, "numberPhases": 3}

    assert ChargingProfile.model_validate(body).to_wire() == {"charging_rate_unit": "A"}


def test_a_single_period_object_is_tolerated_and_emitted_as_a_list() -> None:
    body = {"charging_rate_unit": "A", "charging_profile_period": {"start_period": 0, "limit": 16}}

    wire = ChargingProfile.model_validate(body).to_wire()

    assert wire["charging_profile_period"] == [{"start_period": 0, "limit": 16.0}]


def test_offset_datetime_is_emitted_as_utc() -> None:
    data = set_profile_json()
    data["charging_profile"]["start_date_time"] = "2024-05-01T14:00:00+02:00"

    wire = SetChargingProfile.model_validate(data).to_wire()

    assert wire["charging_profile"]["start_date_time"] == "2024-05-01T12:00:00Z"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("response_url"),
        lambda d: d.pop("charging_profile"),
        lambda d: d["charging_profile"].pop("charging_rate_unit"),
        lambda d: d["charging_profile"].update(charging_rate_unit="kW"),
        lambda d: d["charging_profile"].update(charging_rate_unit="a"),
        lambda d: d["charging_profile"].update(duration=-1),
        lambda d: d["charging_profile"].update(start_date_time="soon"),
        lambda d: d["charging_profile"]["charging_profile_period"][0].pop("limit"),
        lambda d: d["charging_profile"]["charging_profile_period"][0].update(start_period=-60),
        lambda d: d["charging_profile"]["charging_profile_period"][0].update(limit="max"),
        lambda d: d.update(response_url=""),
        lambda d: d.update(response_url="https://x.example/" + "p" * 255),
    ],
)
def test_invalid_set_charging_profile_is_rejected(mutate: Any) -> None:
    data = set_profile_json()
    mutate(data)

    with pytest.raises(ValidationError):
        SetChargingProfile.model_validate(data)


def test_charging_profile_response() -> None:
    response = ChargingProfileResponse.model_validate({"result": "TOO_OFTEN", "timeout": 30, "message": "x"})

    assert response.result is ChargingProfileResponseType.TOO_OFTEN
    assert response.to_wire() == {"result": "TOO_OFTEN", "timeout": 30}
    with pytest.raises(ValidationError):
        ChargingProfileResponse.model_validate({"result": "ACCEPTED"})
    with pytest.raises(ValidationError):
        ChargingProfileResponse.model_validate({"result": "TIMEOUT", "timeout": 30})


def test_active_charging_profile_result() -> None:
    body = {
        "result": "ACCEPTED",
        "profile": {
            "start_date_time": "2024-05-01T12:00:05+00:00",
            "charging_profile": {
                "charging_rate_unit": "A",
                "charging_profile_period": [{"start_period": 0, "limit": 16.04}],
            },
        },
    }

    result = ActiveChargingProfileResult.model_validate(body)

    assert result.result is ChargingProfileResultType.ACCEPTED
    assert result.to_wire() == {
        "result": "ACCEPTED",
        "profile": {
            "start_date_time": "2024-05-01T12:00:05Z",
            "charging_profile": {
                "charging_rate_unit": "A",
                "charging_profile_period": [{"start_period": 0, "limit": 16.0}],
            },
        },
    }
    assert ActiveChargingProfileResult.model_validate({"result": "UNKNOWN"}).to_wire() == {
        "result": "UNKNOWN"
    }
    with pytest.raises(ValidationError):
        ActiveChargingProfile.model_validate({"charging_profile": {"charging_rate_unit": "A"}})


@pytest.mark.parametrize("model", [ChargingProfileResult, ClearProfileResult])
def test_async_results(model: type[ChargingProfileResult | ClearProfileResult]) -> None:
    assert model.model_validate({"result": "REJECTED", "extra": 1}).to_wire() == {"result": "REJECTED"}
    with pytest.raises(ValidationError):
        model.model_validate({"result": "NOT_SUPPORTED"})
    with pytest.raises(ValidationError):
        model.model_validate({})


def test_enum_values_match_the_spec() -> None:
    assert {m.value for m in ChargingRateUnit} == {"W", "A"}
    assert [m.value for m in ChargingProfileResponseType] == [
        "ACCEPTED",
        "NOT_SUPPORTED",
        "REJECTED",
        "TOO_OFTEN",
        "UNKNOWN_SESSION",
    ]
    assert [m.value for m in ChargingProfileResultType] == ["ACCEPTED", "REJECTED", "UNKNOWN"]


def test_public_names() -> None:
    assert sorted(models.__all__) == [
        "ActiveChargingProfile",
        "ActiveChargingProfileResult",
        "ChargingProfile",
        "ChargingProfilePeriod",
        "ChargingProfileResponse",
        "ChargingProfileResponseType",
        "ChargingProfileResult",
        "ChargingProfileResultType",
        "ChargingRateUnit",
        "ClearProfileResult",
        "MAX_DURATION_S",
        "MAX_PERIODS",
        "SetChargingProfile",
    ]
    assert all(hasattr(models, name) for name in models.__all__)

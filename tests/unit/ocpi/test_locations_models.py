"""Locations wire models: parsing, exact wire output, validation and PATCH semantics."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from fera.ocpi.locations import models
from fera.ocpi.locations.models import (
    EVSE,
    Capability,
    Connector,
    ConnectorPatch,
    ConnectorType,
    EvsePatch,
    GeoLocation,
    Hours,
    Location,
    LocationPatch,
    RegularHours,
    Status,
    apply_patch,
)


def connector_json(connector_id: str = "1") -> dict[str, Any]:
    return {
        "id": connector_id,
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "max_electric_power": 22000,
        "tariff_ids": ["TARIFF-AC", "TARIFF-AC-GREEN"],
        "terms_and_conditions": "https://cpo.example.org/terms",
        "last_updated": "2024-04-30T22:00:00Z",
    }


def evse_json() -> dict[str, Any]:
    return {
        "uid": "EVSE-01",
        "evse_id": "DE*FRA*E0001*1",
        "status": "AVAILABLE",
        "status_schedule": [
            {
                "period_begin": "2024-06-01T00:00:00Z",
                "period_end": "2024-06-02T00:00:00Z",
                "status": "INOPERATIVE",
            }
        ],
        "capabilities": ["CHARGING_PROFILE_CAPABLE", "CHARGING_PREFERENCES_CAPABLE", "RFID_READER"],
        "connectors": [
            connector_json(),
            connector_json("2")
            | {"standard": "IEC_60309_2_single_16", "format": "CABLE", "power_type": "AC_1_PHASE"},
        ],
        "floor_level": "-1",
        "coordinates": {"latitude": "52.520008", "longitude": "13.404954"},
        "physical_reference": "P-07",
        "directions": [{"language": "de", "text": "Tiefgarage, Ebene -1"}],
        "parking_restrictions": ["EV_ONLY", "PLUGGED"],
        "images": [{"url": "https://cpo.example.org/img/evse01.png", "category": "CHARGER", "type": "png"}],
        "last_updated": "2024-04-30T22:00:00Z",
    }


def location_json() -> dict[str, Any]:
    return {
        "country_code": "DE",
        "party_id": "FRA",
        "id": "LOC-BERLIN-01",
        "publish": False,
        "publish_allowed_to": [
            {"visual_number": "FLEET-7", "issuer": "Example Fleet"},
            {"uid": "04A1B2C3D4", "type": "RFID"},
        ],
        "name": "Alexanderplatz Garage",
        "address": "Alexanderstrasse 1",
        "city": "Berlin",
        "postal_code": "10178",
        "state": "Berlin",
        "country": "DEU",
        "coordinates": {"latitude": "52.521918", "longitude": "13.413215"},
        "related_locations": [
            {"latitude": "52.52100", "longitude": "13.41200", "name": {"language": "en", "text": "Entrance"}}
        ],
        "parking_type": "UNDERGROUND_GARAGE",
        "evses": [evse_json()],
        "directions": [{"language": "en", "text": "Follow the EV signs"}],
        "operator": {
            "name": "Example Charge GmbH",
            "website": "https://cpo.example.org",
            "logo": {
                "url": "https://cpo.example.org/logo.svg",
                "thumbnail": "https://cpo.example.org/logo-small.png",
                "category": "OPERATOR",
                "type": "svg",
                "width": 512,
                "height": 512,
            },
        },
        "owner": {"name": "Garage Owner AG"},
        "facilities": ["MALL", "TRAIN_STATION", "WIFI"],
        "time_zone": "Europe/Berlin",
        "opening_times": {
            "twentyfourseven": False,
            "regular_hours": [
                {"weekday": 1, "period_begin": "06:00", "period_end": "22:30"},
                {"weekday": 7, "period_begin": "08:00", "period_end": "24:00"},
            ],
            "exceptional_closings": [
                {"period_begin": "2024-12-25T00:00:00Z", "period_end": "2024-12-26T00:00:00Z"}
            ],
        },
        "charging_when_closed": True,
        "energy_mix": {
            "is_green_energy": False,
            "energy_sources": [{"source": "WIND", "percentage": 60}, {"source": "GAS", "percentage": 40}],
            "environ_impact": [{"category": "CARBON_DIOXIDE", "amount": 150.5}],
            "supplier_name": "Stadtwerke Example",
            "energy_product_name": "Mix 60",
        },
        "last_updated": "2024-04-30T22:00:00Z",
    }


def test_parses_and_emits_exactly_the_spec_fields() -> None:
    location = Location.model_validate(location_json())

    assert location.evses is not None
    evse = location.evses[0]
    assert evse.status is Status.AVAILABLE
    assert Capability.CHARGING_PROFILE_CAPABLE in (evse.capabilities or [])
    assert evse.connectors[1].standard is ConnectorType.IEC_60309_2_single_16
    assert location.to_wire() == location_json()


def test_minimal_location_omits_every_absent_field() -> None:
    data = {key: location_json()[key] for key in ("country_code", "party_id", "id", "publish", "address")}
    data |= {
        "city": "Berlin",
        "country": "DEU",
        "coordinates": {"latitude": "-3.10000", "longitude": "-60.02500"},
    }
    data |= {"time_zone": "America/Manaus", "last_updated": "2024-04-30T22:00:00Z", "name": None}

    wire = Location.model_validate(data).to_wire()

    del data["name"]
    assert wire == data


def test_datetimes_with_offset_are_emitted_in_utc() -> None:
    data = location_json() | {"last_updated": "2024-05-01T00:30:00+02:00"}
    data["evses"][0]["connectors"][0]["last_updated"] = "2024-04-30T22:00:00+00:00"

    wire = Location.model_validate(data).to_wire()

    assert wire["last_updated"] == "2024-04-30T22:30:00Z"
    assert wire["evses"][0]["connectors"][0]["last_updated"] == "2024-04-30T22:00:00Z"


def test_unknown_fields_are_ignored() -> None:
    data = location_json() | {"parking": {"id": "P1"}, "help_phone": "+49 30 1234"}
    data["evses"][0]["connectors"][0]["connector_image"] = "x.png"

    assert Location.model_validate(data).to_wire() == location_json()


@pytest.mark.parametrize(
    ("latitude", "longitude", "valid"),
    [
        ("52.520008", "13.404954", True),
        ("-9.1234567", "-126.104965", True),
        ("52.5200", "13.404954", False),  # fewer than 5 decimals
        ("152.52000", "13.40495", False),
        ("52,520008", "13.404954", False),
        ("52.520008", "1300.40495", False),
        ("52.12345678", "13.404954", False),
    ],
)
def test_geolocation_follows_the_spec_regex(latitude: str, longitude: str, valid: bool) -> None:
    body = {"latitude": latitude, "longitude": longitude}
    if valid:
        assert GeoLocation.model_validate(body).to_wire() == body
    else:
        with pytest.raises(ValidationError):
            GeoLocation.model_validate(body)


def test_geolocation_rejects_numbers() -> None:
    with pytest.raises(ValidationError):
        GeoLocation.model_validate({"latitude": 52.520008, "longitude": 13.404954})


def test_address_and_state_accept_the_bugfix_lengths() -> None:
    long_ok = location_json() | {"address": "a" * 255, "state": "s" * 45}
    assert Location.model_validate(long_ok).address == "a" * 255

    for field, value in (("address", "a" * 256), ("state", "s" * 46), ("city", "c" * 46)):
        with pytest.raises(ValidationError):
            Location.model_validate(location_json() | {field: value})


@pytest.mark.parametrize(
    ("mutate"),
    [
        lambda d: d.update(id="L" * 37),
        lambda d: d.update(parking_type="ROOFTOP"),
        lambda d: d.update(facilities=["SPA"]),
        lambda d: d.pop("coordinates"),
        lambda d: d.pop("time_zone"),
        lambda d: d["evses"][0].update(connectors=[]),
        lambda d: d["evses"][0].pop("connectors"),
        lambda d: d["evses"][0].update(status="FREE"),
        lambda d: d["evses"][0].update(evse_id="E" * 49),
        lambda d: d["evses"][0]["connectors"][0].update(standard="IEC_60309_2_SINGLE_16"),
        lambda d: d["evses"][0]["connectors"][0].update(power_type="AC"),
        lambda d: d["evses"][0]["connectors"][0].pop("max_amperage"),
        lambda d: d["evses"][0]["images"][0].update(type="jpeg2"),
        lambda d: d["evses"][0]["images"][0].update(category="PHOTO"),
        lambda d: d["opening_times"]["regular_hours"][0].update(weekday=8),
        lambda d: d["opening_times"]["regular_hours"][0].update(period_begin="6:00"),
        lambda d: d["opening_times"]["regular_hours"][0].update(period_begin="24:00"),
        lambda d: d["energy_mix"]["energy_sources"][0].update(percentage=101),
        lambda d: d["energy_mix"]["energy_sources"][0].update(source="HYDRO"),
        lambda d: d["publish_allowed_to"][1].update(type="CARD"),
    ],
)
def test_invalid_values_are_rejected(mutate: Any) -> None:
    data = location_json()
    mutate(data)

    with pytest.raises(ValidationError):
        Location.model_validate(data)


def test_opening_hours() -> None:
    assert Hours.model_validate({"twentyfourseven": True}).to_wire() == {"twentyfourseven": True}
    hours = RegularHours.model_validate({"weekday": 5, "period_begin": "00:00", "period_end": "23:59"})
    assert hours.period_end == "23:59"


@pytest.mark.parametrize("model", [LocationPatch, EvsePatch, ConnectorPatch])
def test_patches_require_last_updated(model: type[LocationPatch | EvsePatch | ConnectorPatch]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate({})
    assert model.model_validate({"last_updated": "2024-05-01T09:00:00Z"}).to_wire() == {
        "last_updated": "2024-05-01T09:00:00Z"
    }


def test_evse_status_patch() -> None:
    evse = EVSE.model_validate(evse_json())
    patch = EvsePatch.model_validate({"status": "CHARGING", "last_updated": "2024-05-01T08:00:00+00:00"})

    patched = apply_patch(evse, patch)

    assert patched.status is Status.CHARGING
    assert patched.to_wire() == evse_json() | {"status": "CHARGING", "last_updated": "2024-05-01T08:00:00Z"}
    assert evse.status is Status.AVAILABLE


def test_evse_patch_rejects_empty_connectors() -> None:
    with pytest.raises(ValidationError):
        EvsePatch.model_validate({"connectors": [], "last_updated": "2024-05-01T08:00:00Z"})


def test_connector_patch_replaces_lists() -> None:
    connector = Connector.model_validate(connector_json())
    patch = ConnectorPatch.model_validate(
        {"tariff_ids": ["TARIFF-NEW"], "last_updated": "2024-05-02T00:00:00Z"}
    )

    assert apply_patch(connector, patch).tariff_ids == ["TARIFF-NEW"]


def test_location_patch_keeps_unsent_and_null_fields() -> None:
    location = Location.model_validate(location_json())
    patch = LocationPatch.model_validate(
        {"name": "Alexanderplatz P2", "postal_code": None, "last_updated": "2024-05-02T00:00:00Z"}
    )

    wire = apply_patch(location, patch).to_wire()

    assert wire == location_json() | {"name": "Alexanderplatz P2", "last_updated": "2024-05-02T00:00:00Z"}


def test_location_patch_with_invalid_field_is_rejected() -> None:
    with pytest.raises(ValidationError):
        LocationPatch.model_validate(
            {"coordinates": {"latitude": "52.5", "longitude": "13.4"}, "last_updated": "2024-05-02T00:00:00Z"}
        )


def test_connector_type_keeps_mixed_case_values() -> None:
    assert ConnectorType("IEC_60309_2_three_64").name == "IEC_60309_2_three_64"
    assert len(ConnectorType) == 40


def test_public_names() -> None:
    expected = {
        "Location",
        "EVSE",
        "Connector",
        "LocationPatch",
        "EvsePatch",
        "ConnectorPatch",
        "apply_patch",
    }
    expected |= {"GeoLocation", "AdditionalGeoLocation", "BusinessDetails", "Image", "ImageCategory"}
    expected |= {"Hours", "RegularHours", "ExceptionalPeriod", "EnergyMix", "EnergySource"}
    expected |= {"EnergySourceCategory", "EnvironmentalImpact", "EnvironmentalImpactCategory"}
    expected |= {"StatusSchedule", "Status", "Capability", "ConnectorType", "ConnectorFormat", "PowerType"}
    expected |= {"ParkingType", "ParkingRestriction", "Facility", "PublishTokenType"}
    assert set(models.__all__) == expected
    assert len(models.__all__) == len(expected)
    assert all(hasattr(models, name) for name in models.__all__)

"""Sessions wire models: parsing, exact wire output, validation and PATCH semantics."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from fera.ocpi.sessions import models
from fera.ocpi.sessions.models import (
    AuthMethod,
    CdrDimensionType,
    ChargingPreferences,
    ChargingPreferencesResponse,
    ProfileType,
    Session,
    SessionPatch,
    SessionStatus,
    apply_patch,
    joined_patch,
    patched_wire,
)
from fera.ocpi.tokens.models import ProfileType as TokensProfileType
from fera.ocpi.tokens.models import TokenType


def session_json() -> dict[str, Any]:
    return {
        "country_code": "DE",
        "party_id": "FRA",
        "id": "sess-2024-0001",
        "start_date_time": "2024-05-01T08:00:00Z",
        "kwh": 4.25,
        "cdr_token": {
            "country_code": "NL",
            "party_id": "EMS",
            "uid": "04A1B2C3D4",
            "type": "RFID",
            "contract_id": "NL-EMS-C12345678-X",
        },
        "auth_method": "WHITELIST",
        "authorization_reference": "auth-77",
        "location_id": "LOC-BERLIN-01",
        "evse_uid": "EVSE-01",
        "connector_id": "1",
        "meter_id": "MTR 0042",
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2024-05-01T08:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 4.25}, {"type": "MAX_CURRENT", "volume": 16}],
                "tariff_id": "TARIFF-AC",
            }
        ],
        "total_cost": {"excl_vat": 1.49, "incl_vat": 1.77},
        "status": "ACTIVE",
        "last_updated": "2024-05-01T08:15:00Z",
    }


def period(start: str, kwh: float) -> dict[str, Any]:
    return {"start_date_time": start, "dimensions": [{"type": "ENERGY", "volume": kwh}]}


def test_parses_and_emits_exactly_the_spec_fields() -> None:
    session = Session.model_validate(session_json())

    assert session.status is SessionStatus.ACTIVE
    assert session.auth_method is AuthMethod.WHITELIST
    assert session.cdr_token.type is TokenType.RFID
    assert session.charging_periods is not None
    assert session.charging_periods[0].dimensions[1].type is CdrDimensionType.MAX_CURRENT
    assert session.to_wire() == session_json()


def test_optional_fields_are_omitted_not_null() -> None:
    data = session_json()
    for name in ("authorization_reference", "meter_id", "charging_periods", "total_cost"):
        del data[name]
    data["end_date_time"] = None

    wire = Session.model_validate(data).to_wire()

    del data["end_date_time"]
    assert wire == data


def test_offset_and_naive_datetimes_are_converted_to_utc_z() -> None:
    data = session_json() | {
        "start_date_time": "2024-05-01T10:00:00+02:00",
        "end_date_time": "2024-05-01T09:30:00.250",
        "last_updated": "2024-05-01T08:15:00+00:00",
    }

    session = Session.model_validate(data)
    wire = session.to_wire()

    assert session.start_date_time == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert wire["start_date_time"] == "2024-05-01T08:00:00Z"
    assert wire["end_date_time"] == "2024-05-01T09:30:00.250Z"
    assert wire["last_updated"] == "2024-05-01T08:15:00Z"


def test_unknown_fields_are_ignored_at_every_level() -> None:
    data = session_json()
    data["vendor_extension"] = {"x": 1}
    data["cdr_token"]["visual_number"] = "1234"
    data["charging_periods"][0]["dimensions"][0]["unit"] = "kWh"

    assert Session.model_validate(data).to_wire() == session_json()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("id",), "x" * 37),
        (("country_code",), "DEU"),
        (("cdr_token", "uid"), "u" * 37),
        (("location_id",), "LOC\n01"),
        (("currency",), "EURO"),
        (("status",), "RESERVED"),
        (("status",), "active"),
        (("auth_method",), "PIN"),
        (("cdr_token", "type"), "NFC"),
        (("charging_periods", 0, "dimensions", 0, "type"), "KWH"),
        (("charging_periods", 0, "dimensions"), []),
        (("start_date_time",), "yesterday"),
        (("kwh",), "lots"),
    ],
)
def test_invalid_values_are_rejected(path: tuple[str | int, ...], value: Any) -> None:
    data = session_json()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value

    with pytest.raises(ValidationError):
        Session.model_validate(data)


@pytest.mark.parametrize("name", ["id", "kwh", "cdr_token", "evse_uid", "currency", "status", "last_updated"])
def test_missing_required_field_is_rejected(name: str) -> None:
    data = session_json()
    del data[name]

    with pytest.raises(ValidationError):
        Session.model_validate(data)


def test_na_placeholder_is_accepted_for_evse_and_connector() -> None:
    data = session_json() | {"evse_uid": "#NA", "connector_id": "#NA", "status": "RESERVATION"}

    assert Session.model_validate(data).evse_uid == "#NA"


def test_patch_requires_last_updated() -> None:
    with pytest.raises(ValidationError):
        SessionPatch.model_validate({"kwh": 5.0})

    patch = SessionPatch.model_validate({"kwh": 5.0, "last_updated": "2024-05-01T08:20:00Z"})
    assert patch.to_wire() == {"kwh": 5.0, "last_updated": "2024-05-01T08:20:00Z"}


def test_patch_appends_charging_periods_and_replaces_sent_fields() -> None:
    session = Session.model_validate(session_json())
    patch = SessionPatch.model_validate(
        {
            "kwh": 6.5,
            "status": "COMPLETED",
            "end_date_time": "2024-05-01T08:30:00Z",
            "charging_periods": [period("2024-05-01T08:15:00Z", 2.25)],
            "last_updated": "2024-05-01T08:30:00Z",
        }
    )

    patched = apply_patch(session, patch)
    wire = patched.to_wire()

    assert wire["charging_periods"] == [
        session_json()["charging_periods"][0],
        period("2024-05-01T08:15:00Z", 2.25),
    ]
    assert (wire["kwh"], wire["status"], wire["end_date_time"]) == (6.5, "COMPLETED", "2024-05-01T08:30:00Z")
    assert wire["last_updated"] == "2024-05-01T08:30:00Z"
    assert wire["cdr_token"] == session_json()["cdr_token"]
    assert session.kwh == 4.25  # the stored object is not mutated


@pytest.mark.parametrize("periods", [None, []], ids=["absent", "empty"])
def test_patch_without_periods_keeps_stored_periods(periods: list[Any] | None) -> None:
    session = Session.model_validate(session_json())
    body: dict[str, Any] = {"kwh": 5.0, "last_updated": "2024-05-01T08:20:00Z"}
    if periods is not None:
        body["charging_periods"] = periods

    patched = apply_patch(session, SessionPatch.model_validate(body))

    assert patched.charging_periods == session.charging_periods
    assert patched.kwh == 5.0


def test_a_joined_patch_does_what_both_patches_do_in_turn() -> None:
    session = Session.model_validate(session_json())
    first = SessionPatch.model_validate(
        {
            "kwh": 5.0,
            "charging_periods": [period("2024-05-01T08:15:00Z", 0.75)],
            "last_updated": "2024-05-01T08:20:00Z",
        }
    )
    then = SessionPatch.model_validate(
        {
            "kwh": 6.0,
            "charging_periods": [period("2024-05-01T08:20:00Z", 1.0)],
            "last_updated": "2024-05-01T08:25:00Z",
        }
    )

    joined = joined_patch(first, then)

    assert joined.to_wire() == {
        "kwh": 6.0,
        "charging_periods": [period("2024-05-01T08:15:00Z", 0.75), period("2024-05-01T08:20:00Z", 1.0)],
        "last_updated": "2024-05-01T08:25:00Z",
    }
    assert apply_patch(session, joined) == apply_patch(apply_patch(session, first), then)


def test_a_joined_patch_keeps_a_field_only_the_first_sent() -> None:
    first = SessionPatch.model_validate({"status": "ACTIVE", "last_updated": "2024-05-01T08:20:00Z"})
    then = SessionPatch.model_validate({"kwh": 6.0, "last_updated": "2024-05-01T08:25:00Z"})

    assert joined_patch(first, then).to_wire() == {
        "status": "ACTIVE",
        "kwh": 6.0,
        "last_updated": "2024-05-01T08:25:00Z",
    }


def test_patch_appends_to_a_session_without_periods() -> None:
    data = session_json()
    del data["charging_periods"]
    body = {"charging_periods": [period("2024-05-01T08:00:00Z", 1.0)], "last_updated": "2024-05-01T08:05:00Z"}

    patched = apply_patch(Session.model_validate(data), SessionPatch.model_validate(body))

    assert patched.to_wire()["charging_periods"] == [period("2024-05-01T08:00:00Z", 1.0)]


def test_patch_null_does_not_remove_stored_data() -> None:
    session = Session.model_validate(session_json())
    patch = SessionPatch.model_validate(
        {"kwh": None, "meter_id": None, "last_updated": "2024-05-01T08:20:00Z"}
    )

    patched = apply_patch(session, patch)

    assert (patched.kwh, patched.meter_id) == (4.25, "MTR 0042")


def test_patch_with_invalid_field_is_rejected() -> None:
    with pytest.raises(ValidationError):
        SessionPatch.model_validate({"status": "DONE", "last_updated": "2024-05-01T08:20:00Z"})


def test_charging_preferences_round_trip() -> None:
    body = {
        "profile_type": "GREEN",
        "departure_time": "2024-05-01T17:30:00+00:00",
        "energy_need": 32.5,
        "discharge_allowed": False,
        "comfort_level": 3,
    }

    preferences = ChargingPreferences.model_validate(body)

    assert preferences.profile_type is ProfileType.GREEN
    assert preferences.to_wire() == {
        "profile_type": "GREEN",
        "departure_time": "2024-05-01T17:30:00Z",
        "energy_need": 32.5,
        "discharge_allowed": False,
    }
    assert ChargingPreferences.model_validate({"profile_type": "FAST"}).to_wire() == {"profile_type": "FAST"}
    with pytest.raises(ValidationError):
        ChargingPreferences.model_validate({"energy_need": 10})
    with pytest.raises(ValidationError):
        ChargingPreferences.model_validate({"profile_type": "PROFILE_GREEN"})


def test_enum_values_match_the_spec() -> None:
    assert [m.value for m in SessionStatus] == ["ACTIVE", "COMPLETED", "INVALID", "PENDING", "RESERVATION"]
    assert [m.value for m in ProfileType] == ["CHEAP", "FAST", "GREEN", "REGULAR"]
    assert [m.value for m in AuthMethod] == ["AUTH_REQUEST", "COMMAND", "WHITELIST"]
    assert {m.value for m in ChargingPreferencesResponse} == {
        "ACCEPTED",
        "DEPARTURE_REQUIRED",
        "ENERGY_NEED_REQUIRED",
        "NOT_POSSIBLE",
        "PROFILE_TYPE_NOT_SUPPORTED",
    }
    assert len(CdrDimensionType) == 13 and CdrDimensionType("STATE_OF_CHARGE").name == "STATE_OF_CHARGE"


def test_profile_type_is_shared_with_tokens() -> None:
    assert ProfileType is TokensProfileType


def test_public_names() -> None:
    assert sorted(models.__all__) == [
        "AuthMethod",
        "CdrDimension",
        "CdrDimensionType",
        "CdrToken",
        "ChargingPeriod",
        "ChargingPreferences",
        "ChargingPreferencesResponse",
        "Price",
        "ProfileType",
        "Session",
        "SessionPatch",
        "SessionStatus",
        "apply_patch",
        "joined_patch",
        "patched_wire",
    ]
    assert all(hasattr(models, name) for name in models.__all__)


def test_a_session_keeps_its_earlier_periods_wire_form_from_state_to_state() -> None:
    """A session is written whole at every meter reading: its earlier periods are dumped once, not again
    (480 periods, a day's readings: 0.13 ms against 2.3 for the whole dump)."""
    session = Session.model_validate(session_json())
    reading = SessionPatch.model_validate(
        {
            "charging_periods": [
                {"start_date_time": "2024-05-01T09:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 1.5}]}
            ],
            "last_updated": "2024-05-01T09:01:00Z",
        }
    )
    before = session.to_wire()
    after = apply_patch(session, reading)
    wire = after.to_wire()
    assert wire == after.model_dump(mode="json", exclude_none=True)  # the same wire form, keys in order
    assert list(wire) == list(after.model_dump(mode="json", exclude_none=True))
    assert wire["charging_periods"][0] is before["charging_periods"][0]  # not dumped again
    assert len(wire["charging_periods"]) == len(before["charging_periods"]) + 1


def test_a_charging_period_cannot_change_under_its_wire_form() -> None:
    period = Session.model_validate(session_json()).charging_periods[0]  # type: ignore[index]
    wire = period.to_wire()
    with pytest.raises(dataclasses.FrozenInstanceError):
        period.tariff_id = "T2"  # type: ignore[misc]
    changed = dataclasses.replace(period, tariff_id="T2")
    assert changed.to_wire() == wire | {"tariff_id": "T2"}
    assert period.to_wire() == wire and wire["tariff_id"] == "TARIFF-AC"


def test_a_charging_periods_wire_form_is_never_read_from_input_nor_dumped() -> None:
    data = session_json()
    data["charging_periods"][0]["wire_form"] = {"start_date_time": "1999-01-01T00:00:00Z"}
    session = Session.model_validate(data)
    assert session.to_wire() == session_json()
    assert "wire_form" not in json.dumps(Session.model_json_schema())
    assert "wire_form" not in json.dumps(Session.model_json_schema(mode="serialization"))


def test_periods_and_sessions_compare_by_value_whether_dumped_or_not() -> None:
    dumped, fresh = Session.model_validate(session_json()), Session.model_validate(session_json())
    dumped.to_wire()
    assert dumped == fresh
    assert dumped.charging_periods == fresh.charging_periods
    assert len({*(dumped.charging_periods or []), *(fresh.charging_periods or [])}) == 1


def test_a_stored_session_keeps_its_stored_periods_as_their_wire_form() -> None:
    """A received session is read and written whole at each PATCH: its stored periods are not dumped again."""
    stored = Session.model_validate(session_json()).to_wire()  # what a store holds
    session = Session.from_stored(stored)
    assert session == Session.model_validate(stored)
    reading = {"charging_periods": [period("2024-05-01T09:00:00Z", 1.5)], "last_updated": "2024-05-01T09:01Z"}
    patched = apply_patch(session, SessionPatch.model_validate(reading))
    wire = patched.to_wire()
    assert wire["charging_periods"][0] is stored["charging_periods"][0]
    assert wire == patched.model_dump(mode="json", exclude_none=True)
    assert list(wire) == list(patched.model_dump(mode="json", exclude_none=True))


def test_a_stored_wire_form_is_what_dumping_it_again_gives() -> None:
    """`from_stored` relies on it: validating a session's wire form and dumping it gives the same dict, for
    every kind of value a period holds (milliseconds, offsets made UTC, negative and whole volumes)."""
    data = session_json()
    data["charging_periods"] = [
        {"start_date_time": "2024-05-01T08:00:00.5+02:00", "dimensions": [{"type": "CURRENT", "volume": -3}]},
        {"start_date_time": "2024-05-01T08:01:00.123456Z", "dimensions": [{"type": "POWER", "volume": 7.4}]},
        {"start_date_time": "2024-05-01T08:02:00", "dimensions": [{"type": "ENERGY", "volume": 0}],
         "tariff_id": "T1"},
    ]  # fmt: skip
    wire = Session.model_validate(data).to_wire()
    again = Session.model_validate(wire).to_wire()
    assert again == wire
    assert [p["start_date_time"] for p in again["charging_periods"]] == [
        "2024-05-01T06:00:00.500Z",
        "2024-05-01T08:01:00.123Z",
        "2024-05-01T08:02:00Z",
    ]
    assert Session.from_stored(wire).to_wire() == wire


def test_a_copy_with_other_values_dumps_them() -> None:
    stored = Session.model_validate(session_json()).to_wire()
    first = Session.from_stored(stored).charging_periods[0]  # type: ignore[index]
    assert first.to_wire() is stored["charging_periods"][0]
    changed = dataclasses.replace(first, tariff_id="T2")
    assert changed.to_wire()["tariff_id"] == "T2"
    assert stored["charging_periods"][0]["tariff_id"] == "TARIFF-AC"


_PATCHES = {
    "reading": {"kwh": 5.0, "charging_periods": [period("2024-05-01T09:00:00Z", 1.5)]},
    "end": {"status": "COMPLETED", "end_date_time": "2024-05-01T09:30:00+01:00", "kwh": 6.0},
    "nulls and no periods": {"kwh": None, "meter_id": None, "charging_periods": []},
    "new fields": {
        "total_cost": {"excl_vat": 1.5, "incl_vat": 1.8},
        "cdr_token": {
            "country_code": "NL",
            "party_id": "EMS",
            "uid": "X9",
            "type": "APP_USER",
            "contract_id": "C",
        },
        "authorization_reference": None,
    },
    "ids only": {"country_code": "DE", "party_id": "FRA", "id": "sess-2024-0001"},
}


@pytest.mark.parametrize("stored_periods", [True, False], ids=["with periods", "without"])
@pytest.mark.parametrize("body", list(_PATCHES.values()), ids=list(_PATCHES))
def test_a_patch_on_the_stored_wire_form_is_the_patched_sessions_wire_form(
    body: dict[str, Any], stored_periods: bool
) -> None:
    data = session_json()
    if not stored_periods:
        del data["charging_periods"]
    stored = Session.model_validate(data).to_wire()
    patch = SessionPatch.model_validate(body | {"last_updated": "2024-05-01T09:31:00Z"})

    wire = patched_wire(stored, patch)

    expected = apply_patch(Session.from_stored(stored), patch).to_wire()
    assert wire == expected
    assert list(wire) == list(expected)  # the fields' order
    assert Session.model_validate(wire).to_wire() == wire
    assert stored == Session.model_validate(data).to_wire()  # the stored form is not changed

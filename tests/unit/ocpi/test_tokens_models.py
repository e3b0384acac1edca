"""Tokens wire models: parsing, exact wire output, validation and PATCH semantics."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from fera.ocpi.tokens import models
from fera.ocpi.tokens.models import (
    AllowedType,
    AuthorizationInfo,
    LocationReferences,
    ProfileType,
    Token,
    TokenPatch,
    TokenType,
    WhitelistType,
    apply_patch,
)


def token_json() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "EMS",
        "uid": "04A1B2C3D4",
        "type": "RFID",
        "contract_id": "NL-EMS-C12345678-X",
        "visual_number": "EMS 1234 5678",
        "issuer": "Example Mobility B.V.",
        "group_id": "FAMILY-42",
        "valid": True,
        "whitelist": "ALLOWED",
        "language": "nl",
        "default_profile_type": "CHEAP",
        "energy_contract": {"supplier_name": "Green Power NV", "contract_id": "GP-998877"},
        "last_updated": "2024-04-01T12:00:00Z",
    }


def test_parses_and_emits_exactly_the_spec_fields() -> None:
    token = Token.model_validate(token_json())

    assert token.type is TokenType.RFID
    assert token.whitelist is WhitelistType.ALLOWED
    assert token.default_profile_type is ProfileType.CHEAP
    assert token.to_wire() == token_json()


def test_minimal_token_and_unknown_fields() -> None:
    data = token_json()
    for name in ("visual_number", "group_id", "language", "default_profile_type", "energy_contract"):
        del data[name]

    wire = Token.model_validate(data | {"auth_id": "legacy-2.1.1", "group_id": None}).to_wire()

    assert wire == data


def test_offset_datetime_is_emitted_as_utc() -> None:
    token = Token.model_validate(token_json() | {"last_updated": "2024-04-01T14:00:00.5+02:00"})

    assert token.to_wire()["last_updated"] == "2024-04-01T12:00:00.500Z"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("uid", "u" * 37),
        ("party_id", "EMSP"),
        ("contract_id", "NL-EMS-\u00e9"),  # CiString is printable ASCII only
        ("issuer", "i" * 65),
        ("language", "nld"),
        ("type", "rfid"),
        ("type", "CARD"),
        ("whitelist", "SOMETIMES"),
        ("default_profile_type", "PROFILE_CHEAP"),
        ("valid", "maybe"),
        ("energy_contract", {"contract_id": "GP-1"}),
    ],
)
def test_invalid_values_are_rejected(name: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        Token.model_validate(token_json() | {name: value})


@pytest.mark.parametrize(
    "name", ["country_code", "uid", "type", "contract_id", "issuer", "valid", "whitelist"]
)
def test_missing_required_field_is_rejected(name: str) -> None:
    data = token_json()
    del data[name]

    with pytest.raises(ValidationError):
        Token.model_validate(data)


def test_patch_requires_last_updated() -> None:
    with pytest.raises(ValidationError):
        TokenPatch.model_validate({"valid": False})


def test_patch_invalidates_a_token() -> None:
    token = Token.model_validate(token_json())
    patch = TokenPatch.model_validate({"valid": False, "last_updated": "2024-04-02T08:00:00+00:00"})

    patched = apply_patch(token, patch)

    assert patched.to_wire() == token_json() | {"valid": False, "last_updated": "2024-04-02T08:00:00Z"}
    assert token.valid is True


def test_patch_null_keeps_stored_value() -> None:
    token = Token.model_validate(token_json())
    patch = TokenPatch.model_validate({"issuer": None, "last_updated": "2024-04-02T08:00:00Z"})

    assert apply_patch(token, patch).issuer == "Example Mobility B.V."


def test_authorization_info_round_trip() -> None:
    body = {
        "allowed": "NOT_ALLOWED",
        "token": token_json(),
        "location": {"location_id": "LOC-BERLIN-01", "evse_uids": ["EVSE-01", "EVSE-02"]},
        "authorization_reference": "auth-77",
        "info": {"language": "en", "text": "Not allowed at this location"},
    }

    info = AuthorizationInfo.model_validate(body)

    assert info.allowed is AllowedType.NOT_ALLOWED
    assert info.to_wire() == body
    minimal = {"allowed": "ALLOWED", "token": token_json()}
    assert AuthorizationInfo.model_validate(minimal).to_wire() == minimal


def test_location_references() -> None:
    assert LocationReferences.model_validate({"location_id": "LOC-1"}).to_wire() == {"location_id": "LOC-1"}
    with pytest.raises(ValidationError):
        LocationReferences.model_validate({"evse_uids": ["EVSE-01"]})
    with pytest.raises(ValidationError):
        LocationReferences.model_validate({"location_id": "LOC-1", "evse_uids": ["E" * 37]})


def test_enum_values_match_the_spec() -> None:
    assert [m.value for m in TokenType] == ["AD_HOC_USER", "APP_USER", "OTHER", "RFID"]
    assert [m.value for m in WhitelistType] == ["ALWAYS", "ALLOWED", "ALLOWED_OFFLINE", "NEVER"]
    assert [m.value for m in AllowedType] == ["ALLOWED", "BLOCKED", "EXPIRED", "NO_CREDIT", "NOT_ALLOWED"]


def test_public_names() -> None:
    assert sorted(models.__all__) == [
        "AllowedType",
        "AuthorizationInfo",
        "EnergyContract",
        "LocationReferences",
        "ProfileType",
        "Token",
        "TokenPatch",
        "TokenType",
        "WhitelistType",
        "apply_patch",
    ]
    assert all(hasattr(models, name) for name in models.__all__)

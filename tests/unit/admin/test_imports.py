"""Provisioning files: what a hand-written file may leave out, and errors that name the object and field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from fera.admin.imports import (
    InvalidImport,
    parse_location_patch,
    parse_locations,
    parse_token_patch,
    parse_tokens,
)
from fera.ocpi.auth import Party
from fera.ocpi.types import Role

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
CPO = Party("NL", "CPO", Role.CPO)
EMSP = Party("NL", "MSP", Role.EMSP)
PLACE = {
    "id": "LOC1",
    "address": "Stationsplein 1",
    "city": "Utrecht",
    "country": "NLD",
    "coordinates": {"latitude": "52.08940", "longitude": "5.11070"},
    "time_zone": "Europe/Amsterdam",
}


def test_one_location_object_gets_our_party_and_now() -> None:
    (location,) = parse_locations(json.dumps(PLACE).encode(), CPO, NOW)
    assert (location.country_code, location.party_id, location.publish) == ("NL", "CPO", True)
    assert location.last_updated == NOW and location.evses is None


def test_tokens_from_json_and_csv_get_the_same_defaults() -> None:
    from_json = parse_tokens(b'[{"uid": "C1", "contract_id": "K1"}]', False, EMSP, "Issuer", NOW)
    from_csv = parse_tokens(b"uid,contract_id,valid,type\nC1,K1,YES,rfid\n", True, EMSP, "Issuer", NOW)
    assert from_json == from_csv
    (token,) = from_csv
    assert (token.type.value, token.issuer, token.valid, token.whitelist.value) == (
        "RFID",
        "Issuer",
        True,
        "ALLOWED",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[1]", "object 1: a JSON object was expected, not int"),
        (b"{", "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (json.dumps({"uid": "C1"}).encode(), "token 1 (uid C1): contract_id: Field required"),
        (
            json.dumps({"uid": "C1", "contract_id": "K", "party_id": "XYZ"}).encode(),
            "token 1 (uid C1): country_code/party_id: NL*XYZ is not this node's party NL*MSP (EMSP)",
        ),
    ],
)
def test_token_errors_name_the_object_and_field(body: bytes, message: str) -> None:
    with pytest.raises(InvalidImport) as refused:
        parse_tokens(body, False, EMSP, "Issuer", NOW)
    assert str(refused.value) == message


def test_a_csv_valid_cell_that_is_no_boolean_is_refused() -> None:
    with pytest.raises(InvalidImport) as refused:
        parse_tokens(b"uid,contract_id,valid\nC1,K1,maybe\n", True, EMSP, "Issuer", NOW)
    assert str(refused.value).startswith("line 2 (uid C1): valid: Input should be a valid boolean")


def test_patches_default_last_updated_and_take_one_object() -> None:
    assert parse_token_patch(b'{"valid": false}', NOW).last_updated == NOW
    assert parse_location_patch(b'{"name": "Car park"}', NOW).last_updated == NOW
    with pytest.raises(InvalidImport) as empty:
        parse_location_patch(b'{"evses": [{"uid": "E1", "connectors": []}]}', NOW)
    assert str(empty.value) == (
        "location patch: evses.0.connectors: List should have at least 1 item after validation, not 0"
    )
    with pytest.raises(InvalidImport) as refused:
        parse_location_patch(b'[{"name": "a"}, {"name": "b"}]', NOW)
    assert str(refused.value) == "one JSON object was expected, not a list of 2"

"""A valid body for each OCPI route that takes one, as the partner of the hostile sweep would send it."""

from __future__ import annotations

from typing import Any

from tests.integration.test_sessions_support import location_json

NOW = "2030-01-01T07:00:00Z"
PROFILE = {"charging_rate_unit": "A", "charging_profile_period": [{"start_period": 0, "limit": 16.0}]}
ROLE = {"role": "EMSP", "country_code": "NL", "party_id": "MSP", "business_details": {"name": "x"}}


def _session() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "CPX",
        "id": "S1",
        "start_date_time": NOW,
        "kwh": 1.5,
        "cdr_token": {
            "country_code": "NL",
            "party_id": "FER",
            "uid": "T1",
            "type": "RFID",
            "contract_id": "C1",
        },
        "auth_method": "WHITELIST",
        "location_id": "LOC1",
        "evse_uid": "LOC1-E1",
        "connector_id": "1",
        "currency": "EUR",
        "status": "ACTIVE",
        "last_updated": NOW,
    }


def _token() -> dict[str, Any]:
    return {
        "country_code": "NL",
        "party_id": "MSP",
        "uid": "TOK1",
        "type": "RFID",
        "contract_id": "C-1",
        "issuer": "x",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": NOW,
    }


def _location() -> dict[str, Any]:
    return location_json("LOC1") | {"party_id": "CPX"}


def _by_path(path: str) -> dict[str, Any]:
    location = _location()
    evse = location["evses"][0]
    bodies: dict[str, dict[str, Any]] = {
        "{connector_id}": evse["connectors"][0],
        "{evse_uid}": evse,
        "locations/{country_code}/{party_id}/{location_id}": location,
        "sessions/{country_code}/{party_id}/{session_id}": _session(),
        "tokens/{country_code}/{party_id}/{token_uid}": _token(),
        "charging_preferences": {"profile_type": "FAST", "energy_need": 10.0, "departure_time": NOW},
        "authorize": {"location_id": "LOC1", "evse_uids": ["LOC1-E1"]},
        "hubclientinfo": {"country_code": "NL", "party_id": "CPX", "role": "CPO", "status": "CONNECTED"},
        "results": {"result": "ACCEPTED"},
        "activechargingprofile": {"start_date_time": NOW, "charging_profile": PROFILE},
        "/active": {"result": "ACCEPTED", "profile": {"start_date_time": NOW, "charging_profile": PROFILE}},
        "receiver/chargingprofiles": {"charging_profile": PROFILE, "response_url": "http://peer.test/r/1"},
        "sender/chargingprofiles/{session_id}": {"result": "ACCEPTED"},
        "credentials": {"token": "t" * 20, "url": "http://peer.test/versions", "roles": [ROLE]},
    }
    found = next((body for key, body in bodies.items() if key in path), {})
    if "hubclientinfo" in path:
        found = found | {"last_updated": NOW}
    return found


def body_for(path: str, method: str) -> dict[str, Any]:
    body = _by_path(path)
    if method == "PATCH":  # a change of one field, as OCPI PATCHes are
        return {"last_updated": NOW}
    return body

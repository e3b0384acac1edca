"""ChargingProfiles Receiver endpoints on the wire: parameters, exact response shapes, errors."""

from __future__ import annotations

import httpx
import pytest

from fera.node import Node
from tests.wire.conftest import auth, registered_partner

URL = "/ocpi/2.2.1/receiver/chargingprofiles/"
RESPONSE_URL = "http://peer.test/cp/results/1"


@pytest.fixture
async def token(node: Node) -> str:
    return (await registered_partner(node))[1]


async def test_unknown_session_has_the_exact_response_shape(client: httpx.AsyncClient, token: str) -> None:
    body = {
        "charging_profile": {
            "charging_rate_unit": "A",
            "charging_profile_period": [{"start_period": 0, "limit": 16}],
        },
        "response_url": RESPONSE_URL,
    }
    response = await client.put(URL + "S-404", json=body, headers=auth(token))
    assert response.status_code == 200
    payload = response.json()
    assert payload["status_code"] == 1000
    assert payload["data"] == {"result": "UNKNOWN_SESSION", "timeout": 0}


@pytest.mark.parametrize(
    ("method", "query", "missing"),
    [
        ("GET", {"response_url": RESPONSE_URL}, "duration"),
        ("GET", {"duration": "900"}, "response_url"),
        ("DELETE", {}, "response_url"),
        ("GET", {"duration": "soon", "response_url": RESPONSE_URL}, "duration"),
    ],
)
async def test_missing_or_bad_parameters_are_2001_naming_them(
    client: httpx.AsyncClient, token: str, method: str, query: dict[str, str], missing: str
) -> None:
    response = await client.request(method, URL + "S1", params=query, headers=auth(token))
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert missing in response.json()["status_message"]


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"charging_profile_period": [{"start_period": 0, "limit": 16}]}, "charging_rate_unit"),
        ({"charging_rate_unit": "kW"}, "charging_rate_unit"),
        (
            {"charging_rate_unit": "A", "charging_profile_period": [{"start_period": -5, "limit": 1}]},
            "start_period",
        ),
    ],
)
async def test_invalid_profile_is_2001_naming_the_field(
    client: httpx.AsyncClient, token: str, profile: dict[str, object], field: str
) -> None:
    response = await client.put(
        URL + "S1", json={"charging_profile": profile, "response_url": RESPONSE_URL}, headers=auth(token)
    )
    assert response.status_code == 200 and response.json()["status_code"] == 2001
    assert field in response.json()["status_message"]


async def test_routing_headers_answer_the_requester(client: httpx.AsyncClient, token: str) -> None:
    headers = auth(token) | {
        "OCPI-from-country-code": "NL",
        "OCPI-from-party-id": "MSP",
        "OCPI-to-country-code": "NL",
        "OCPI-to-party-id": "CPO",
    }
    response = await client.delete(URL + "S1", params={"response_url": RESPONSE_URL}, headers=headers)
    assert response.headers["ocpi-to-party-id"] == "MSP" and response.headers["ocpi-from-party-id"] == "CPO"


async def test_routing_header_naming_someone_else_is_2001(client: httpx.AsyncClient, token: str) -> None:
    headers = auth(token) | {"OCPI-from-country-code": "DE", "OCPI-from-party-id": "XXX"}
    response = await client.delete(URL + "S1", params={"response_url": RESPONSE_URL}, headers=headers)
    assert response.json()["status_code"] == 2001

"""Hostile or sloppy input is answered at once, naming the field: exact wire shapes, never a 500."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from fera.node import Node
from tests.wire.conftest import auth, registered_partner

PROFILES = "/ocpi/2.2.1/receiver/chargingprofiles/S1"
RESPONSE_URL = "http://peer.test/cp/results/1"
INVALID = "Invalid or missing parameters: "
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")


@pytest.fixture
async def token(node: Node) -> str:
    return (await registered_partner(node))[1]


def assert_2001(response: httpx.Response, message: str) -> None:
    """HTTP 200, OCPI 2001, the field and the reason in `status_message`, nothing else in the envelope."""
    assert response.status_code == 200
    body = response.json()
    assert TIMESTAMP.match(body.pop("timestamp"))
    assert body == {"status_code": 2001, "status_message": INVALID + message}


def profile_text(period: str = '{"start_period": 0, "limit": 16}', **fields: str) -> str:
    """A SetChargingProfile as raw JSON text, so that `1e309`, `Infinity` and `NaN` reach the node as sent."""
    members = {"charging_rate_unit": '"A"', "charging_profile_period": f"[{period}]"} | fields
    profile = ", ".join(f'"{k}": {v}' for k, v in members.items())
    return f'{{"charging_profile": {{{profile}}}, "response_url": "{RESPONSE_URL}"}}'


PERIODS = "charging_profile.charging_profile_period"
LIMIT = PERIODS + ".0.limit: "
START = "charging_profile.start_date_time: "
NUMBER, FINITE = "Input should be a valid number", "Input should be a finite number"
NOT_NEGATIVE, AT_MOST = "Input should be greater than or equal to 0", "Input should be less than or equal to "
INCREASING = PERIODS + ": Value error, start_period values must be strictly increasing"
RANGE = "Value error, must lie between 1970-01-01T00:00:00Z and 2100-01-01T00:00:00Z"


def period(limit: str, start: str = "0") -> str:
    return f'{{"start_period": {start}, "limit": {limit}}}'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (profile_text(period('"16"')), LIMIT + NUMBER),
        (profile_text(period("true")), LIMIT + NUMBER),
        (profile_text(period("1e309")), LIMIT + FINITE),
        (profile_text(period("Infinity")), LIMIT + FINITE),
        (profile_text(period("NaN")), LIMIT + FINITE),
        (profile_text(period("-6")), LIMIT + NOT_NEGATIVE),
        (profile_text(period("1e300")), LIMIT + AT_MOST + "1000000000"),
        (profile_text(period("16", "60") + "," + period("8")), INCREASING),
        (profile_text(period("16") + "," + period("8")), INCREASING),
        (profile_text(period("8", "16.0")), PERIODS + ".0.start_period: Input should be a valid integer"),
        (profile_text(period("8", str(2**63))), PERIODS + ".0.start_period: " + AT_MOST + "2678400"),
        (profile_text(duration=str(2**63)), "charging_profile.duration: " + AT_MOST + "2678400"),
        (profile_text(start_date_time='"0001-01-01T00:00:00+05:00"'), START + RANGE),
        (profile_text(start_date_time='"9999-12-31T23:59:59-05:00"'), START + RANGE),
        (
            profile_text(start_date_time="1700000000"),
            START + "Value error, a DateTime must be a string like 2024-01-01T00:00:00Z",
        ),
        (profile_text(min_charging_rate='"6"'), "charging_profile.min_charging_rate: " + NUMBER),
        (
            profile_text(",".join(period("16", str(i)) for i in range(1441))),
            "charging_profile: Value error, charging_profile_period: at most 1440 periods",
        ),
        (
            profile_text().replace(RESPONSE_URL, "http://[::1"),
            "response_url: Value error, not a URL (Invalid IPv6 URL)",
        ),
        (
            profile_text().replace(RESPONSE_URL, "/cp/results/1"),
            "response_url: Value error, must be an absolute http:// or https:// URL",
        ),
    ],
)
async def test_set_profile_refused_at_once_naming_the_field(
    client: httpx.AsyncClient, token: str, body: str, message: str
) -> None:
    headers = auth(token) | {"Content-Type": "application/json"}
    response = await client.put(PROFILES, content=body, headers=headers)
    assert_2001(response, message)


@pytest.mark.parametrize(
    ("method", "query", "message"),
    [
        ("GET", {"duration": str(2**63), "response_url": RESPONSE_URL}, f"query.duration: {AT_MOST}2678400"),
        (
            "GET",
            {"duration": "900", "response_url": "http://[::1"},
            "query.response_url: Value error, not a URL (Invalid IPv6 URL)",
        ),
        (
            "DELETE",
            {"response_url": "mailto:cp@peer.test"},
            "query.response_url: Value error, must be an absolute http:// or https:// URL",
        ),
    ],
)
async def test_get_and_clear_refuse_bad_queries(
    client: httpx.AsyncClient, token: str, method: str, query: dict[str, str], message: str
) -> None:
    response = await client.request(method, PROFILES, params=query, headers=auth(token))
    assert_2001(response, message)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"offset": str(2**63)}, "query.offset: " + AT_MOST + "2147483647"),
        ({"limit": str(2**64)}, "query.limit: " + AT_MOST + "2147483647"),
        ({"date_from": "0001-01-01T00:00:00+01:00"}, "query.date_from: " + RANGE),
    ],
)
async def test_pagination_is_bounded(
    client: httpx.AsyncClient, token: str, query: dict[str, str], message: str
) -> None:
    response = await client.get("/ocpi/2.2.1/sender/locations", params=query, headers=auth(token))
    assert_2001(response, message)


async def test_credentials_url_must_parse(node: Node, client: httpx.AsyncClient) -> None:
    invitation = await node.partners.invite("hostile")
    role = {
        "role": "EMSP",
        "party_id": "MSP",
        "country_code": "NL",
        "business_details": {"name": "MSP"},
    }
    body = {"token": "t" * 32, "url": "http://[::1", "roles": [role]}
    headers = {"Authorization": f"Token {invitation.token_a}"}
    response = await client.post("/ocpi/2.2.1/credentials", json=body, headers=headers)
    assert_2001(response, "url: Value error, not a URL (Invalid IPv6 URL)")


def _session(**changes: Any) -> str:
    session = {
        "country_code": "NL",
        "party_id": "CPX",
        "id": "S9",
        "start_date_time": "2024-05-01T10:00:00Z",
        "kwh": 1.5,
        "cdr_token": {
            "country_code": "NL",
            "party_id": "MSP",
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
        "last_updated": "2024-05-01T10:00:00Z",
    }
    text = json.dumps(session | {k: v for k, v in changes.items() if not isinstance(v, str)})
    for key, raw in ((k, v) for k, v in changes.items() if isinstance(v, str)):
        text = text[:-1] + f', "{key}": {raw}}}'
    return text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_session(kwh="-1e308"), "kwh: " + NOT_NEGATIVE),
        (_session(kwh='"1.5"'), "kwh: " + NUMBER),
        (_session(total_cost='{"excl_vat": Infinity}'), "total_cost.excl_vat: " + FINITE),
        (_session(total_cost='{"excl_vat": -2}'), "total_cost.excl_vat: " + NOT_NEGATIVE),
    ],
)
async def test_sessions_receiver_refuses_impossible_numbers(
    node: Node, client: httpx.AsyncClient, body: str, message: str
) -> None:
    _, cpo_token = await registered_partner(node, "CPO", "CPX")
    headers = auth(cpo_token) | {"Content-Type": "application/json"}
    response = await client.put("/ocpi/2.2.1/receiver/sessions/NL/CPX/S9", content=body, headers=headers)
    assert_2001(response, message)

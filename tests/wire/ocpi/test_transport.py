"""Transport rules every endpoint follows: auth, ids, routing headers, errors, slashes."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest
from fastapi import APIRouter, Depends

from fera.node import Node
from fera.ocpi.auth import Caller
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.errors import STATUS_MESSAGES


def b64(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


async def test_missing_token_is_401_with_an_ocpi_body(client: httpx.AsyncClient) -> None:
    response = await client.get("/ocpi/versions")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Token"
    body = response.json()
    assert set(body) == {"status_code", "status_message", "timestamp"}
    assert body["status_code"] == 2000 and body["timestamp"].endswith("Z")


async def test_unknown_and_malformed_tokens_are_401(client: httpx.AsyncClient) -> None:
    for header in ("Token bm9wZQ==", "Token nope", "Bearer abc", "Token", "Token %%%"):
        response = await client.get("/ocpi/versions", headers={"Authorization": header})
        assert response.status_code == 401, header


async def test_base64_and_raw_tokens_are_both_accepted(node: Node, client: httpx.AsyncClient) -> None:
    invitation = await node.partners.invite("peer")
    for headers in (b64(invitation.token_a), {"Authorization": f"Token {invitation.token_a}"}):
        response = await client.get("/ocpi/versions", headers=headers)
        assert response.status_code == 200
        assert response.json()["data"] == [{"version": "2.2.1", "url": "http://cpo.test/ocpi/2.2.1"}]


async def test_token_a_is_refused_outside_configuration_modules(
    node: Node, client: httpx.AsyncClient
) -> None:
    router = APIRouter()

    @router.get("/ocpi/2.2.1/sender/probe")
    async def probe(caller: Caller = Depends(node.auth.functional)) -> object:  # noqa: B008
        return ocpi_response()

    node.app.include_router(router)
    invitation = await node.partners.invite("peer")
    response = await client.get("/ocpi/2.2.1/sender/probe", headers=b64(invitation.token_a))
    assert response.status_code == 401


async def test_request_and_correlation_ids_are_echoed_or_generated(
    node: Node, client: httpx.AsyncClient
) -> None:
    invitation = await node.partners.invite("peer")
    echoed = await client.get(
        "/ocpi/versions", headers=b64(invitation.token_a) | {"X-Request-ID": "r-1", "X-Correlation-ID": "c-1"}
    )
    assert echoed.headers["x-request-id"] == "r-1" and echoed.headers["x-correlation-id"] == "c-1"
    generated = await client.get("/ocpi/versions")
    assert len(generated.headers["x-request-id"]) == 36 and len(generated.headers["x-correlation-id"]) == 36


async def test_no_routing_headers_on_configuration_modules(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/ocpi/versions", headers={"OCPI-from-country-code": "NL", "OCPI-from-party-id": "ABC"}
    )
    assert not [h for h in response.headers if h.lower().startswith("ocpi-")]


async def test_unknown_resource_is_404_with_an_ocpi_body(node: Node, client: httpx.AsyncClient) -> None:
    response = await client.get("/ocpi/2.2.1/nothing-here")
    assert response.status_code == 404
    assert response.json()["status_code"] == 2000


async def test_trailing_slash_is_served_without_redirect(node: Node, client: httpx.AsyncClient) -> None:
    invitation = await node.partners.invite("peer")
    for path in ("/ocpi/versions/", "/ocpi//versions"):
        response = await client.get(path, headers=b64(invitation.token_a))
        assert response.status_code == 200, path


async def test_invalid_json_is_http_400(node: Node, client: httpx.AsyncClient) -> None:
    invitation = await node.partners.invite("peer")
    response = await client.post(
        "/ocpi/2.2.1/credentials",
        content=b"{not json",
        headers=b64(invitation.token_a) | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["status_code"] == 2001


async def test_invalid_body_is_200_with_2001_naming_the_field(node: Node, client: httpx.AsyncClient) -> None:
    invitation = await node.partners.invite("peer")
    body = {"token": "abc", "url": "http://peer.test/versions", "roles": []}
    response = await client.post("/ocpi/2.2.1/credentials", json=body, headers=b64(invitation.token_a))
    assert response.status_code == 200
    assert response.json()["status_code"] == 2001
    assert "roles" in response.json()["status_message"]
    assert "detail" not in response.json()


def test_every_ocpi_status_code_of_the_spec_is_known() -> None:
    assert sorted(STATUS_MESSAGES) == [
        1000,
        2000,
        2001,
        2002,
        2003,
        2004,
        3000,
        3001,
        3002,
        3003,
        4000,
        4001,
        4002,
        4003,
    ]


async def test_unparseable_json_is_400_with_2001_in_our_words(
    node: Node, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    """Bodies Python's parser gives up on (not by a JSONDecodeError) are invalid JSON all the same."""
    invitation = await node.partners.invite("peer")
    bodies = {
        b"[" * 100_000 + b"]" * 100_000: "Invalid JSON body: nested too deeply",
        b'{"token": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_001: "Invalid JSON body: nested too deeply",
        b'{"token": ' + b"9" * 5_000 + b"}": "Invalid JSON body: not parseable",  # beyond int()'s digits
        b'{"token": "\xff\xfe"}': "Invalid JSON body: not UTF-8",
        b"{not json": "Invalid JSON body",
    }
    answers = []
    for body in bodies:
        response = await client.post(
            "/ocpi/2.2.1/credentials",
            content=body,
            headers=b64(invitation.token_a) | {"Content-Type": "application/json"},
        )
        envelope = response.json()
        answers.append((response.status_code, envelope["status_code"], envelope["status_message"]))
        assert set(envelope) == {"status_code", "status_message", "timestamp"}
    assert answers == [(400, 2001, message) for message in bodies.values()]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    for body in bodies:  # from a stranger: 401 before its body is judged
        response = await client.post(
            "/ocpi/2.2.1/credentials", content=body, headers={"Content-Type": "application/json"}
        )
        assert (response.status_code, response.json()["status_code"]) == (401, 2000)
        assert response.headers["www-authenticate"] == "Token"

"""Credentials endpoint as the party being registered with: every status the spec gives it."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from fera.node import Node
from tests.wire.conftest import PeerHandler

PEER_VERSIONS = "http://peer.test/versions"
PEER_DETAILS = "http://peer.test/2.2.1"
ROLES = [{"role": "EMSP", "business_details": {"name": "Peer"}, "party_id": "PEE", "country_code": "DE"}]


def b64(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}


def envelope(data: Any) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"})


def healthy_peer(routes: dict[str, PeerHandler], seen: list[str] | None = None) -> None:
    def versions(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request.headers["authorization"])
        return envelope(
            [{"version": "2.1.1", "url": "http://peer.test/2.1.1"}, {"version": "2.2.1", "url": PEER_DETAILS}]
        )

    routes[PEER_VERSIONS] = versions
    routes[PEER_DETAILS] = lambda r: envelope(
        {
            "version": "2.2.1",
            "endpoints": [{"identifier": "credentials", "role": "SENDER", "url": "http://peer.test/creds"}],
        }
    )


def body(token: str = "token-b") -> dict[str, Any]:
    return {"token": token, "url": PEER_VERSIONS, "roles": ROLES}


async def test_post_calls_back_with_token_b_and_returns_token_c(
    node: Node, client: httpx.AsyncClient, peer_routes: dict[str, PeerHandler]
) -> None:
    seen: list[str] = []
    healthy_peer(peer_routes, seen)
    invitation = await node.partners.invite("peer")

    response = await client.post("/ocpi/2.2.1/credentials", json=body(), headers=b64(invitation.token_a))

    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"token", "url", "roles"}
    assert data["url"] == "http://cpo.test/ocpi/versions"
    assert data["token"] not in (invitation.token_a, "token-b")
    assert seen == [b64("token-b")["Authorization"]]  # gotcha 4: callbacks use token B
    (partner,) = await node.partners.list()
    assert partner.outbound_token == "token-b" and partner.token_a_hash is None
    assert [(r.role.value, r.country_code, r.party_id) for r in partner.roles] == [("EMSP", "DE", "PEE")]
    again = await client.post("/ocpi/2.2.1/credentials", json=body(), headers=b64(data["token"]))
    assert again.status_code == 405


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_put_and_delete_before_registration_are_405(
    node: Node, client: httpx.AsyncClient, method: str
) -> None:
    invitation = await node.partners.invite("peer")
    response = await client.request(
        method,
        "/ocpi/2.2.1/credentials",
        json=body() if method == "PUT" else None,
        headers=b64(invitation.token_a),
    )
    assert response.status_code == 405
    assert response.json()["status_code"] == 2000


async def test_unreachable_client_api_is_3001(node: Node, client: httpx.AsyncClient) -> None:
    invitation = await node.partners.invite("peer")
    response = await client.post("/ocpi/2.2.1/credentials", json=body(), headers=b64(invitation.token_a))
    assert response.json()["status_code"] == 3001
    (partner,) = await node.partners.list()
    assert not partner.registered and partner.token_a_hash is not None  # nothing half-written, A still valid


async def test_no_common_version_is_3002(
    node: Node, client: httpx.AsyncClient, peer_routes: dict[str, PeerHandler]
) -> None:
    peer_routes[PEER_VERSIONS] = lambda r: envelope([{"version": "2.1.1", "url": "http://peer.test/2.1.1"}])
    invitation = await node.partners.invite("peer")
    response = await client.post("/ocpi/2.2.1/credentials", json=body(), headers=b64(invitation.token_a))
    assert response.json()["status_code"] == 3002


async def test_missing_credentials_endpoint_is_3003(
    node: Node, client: httpx.AsyncClient, peer_routes: dict[str, PeerHandler]
) -> None:
    peer_routes[PEER_VERSIONS] = lambda r: envelope([{"version": "2.2.1", "url": PEER_DETAILS}])
    peer_routes[PEER_DETAILS] = lambda r: envelope(
        {
            "version": "2.2.1",
            "endpoints": [{"identifier": "sessions", "role": "RECEIVER", "url": "http://peer.test/s"}],
        }
    )
    invitation = await node.partners.invite("peer")
    response = await client.post("/ocpi/2.2.1/credentials", json=body(), headers=b64(invitation.token_a))
    assert response.json()["status_code"] == 3003


async def test_non_ocpi_peer_answer_is_3001_naming_the_peer(
    node: Node, client: httpx.AsyncClient, peer_routes: dict[str, PeerHandler]
) -> None:
    peer_routes[PEER_VERSIONS] = lambda r: httpx.Response(403, json={"detail": "Not authenticated"})
    invitation = await node.partners.invite("peer")
    response = await client.post("/ocpi/2.2.1/credentials", json=body(), headers=b64(invitation.token_a))
    assert response.json()["status_code"] == 3001
    assert "HTTP 403" in response.json()["status_message"]


async def test_put_rotates_and_delete_unregisters(
    node: Node, client: httpx.AsyncClient, peer_routes: dict[str, PeerHandler]
) -> None:
    healthy_peer(peer_routes)
    invitation = await node.partners.invite("peer")
    first = (
        await client.post("/ocpi/2.2.1/credentials", json=body(), headers=b64(invitation.token_a))
    ).json()
    token_c = first["data"]["token"]

    rotated = (
        await client.put("/ocpi/2.2.1/credentials", json=body("token-b2"), headers=b64(token_c))
    ).json()

    new_c = rotated["data"]["token"]
    assert rotated["status_code"] == 1000 and new_c != token_c
    assert (await client.get("/ocpi/versions", headers=b64(token_c))).status_code == 200  # grace window
    (partner,) = await node.partners.list()
    assert partner.outbound_token == "token-b2"
    got = await client.get("/ocpi/2.2.1/credentials", headers=b64(new_c))
    assert got.json()["data"]["token"] == new_c
    deleted = await client.delete("/ocpi/2.2.1/credentials", headers=b64(new_c))
    assert deleted.status_code == 200 and "data" not in deleted.json()
    assert await node.partners.list() == []
    assert (await client.get("/ocpi/versions", headers=b64(new_c))).status_code == 401

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from fera.config import NodeConfig
from fera.node import Node, create_node
from fera.ocpi.auth import hash_token, new_token
from fera.ocpi.types import Role
from fera.partners import Partner, PartnerEndpoint, PartnerRole
from tests.nodes import role

PeerHandler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def peer_routes() -> dict[str, PeerHandler]:
    """What the fake partner platform answers, by URL; a test fills it in."""
    return {}


@pytest.fixture
async def node(tmp_path: Path, peer_routes: dict[str, PeerHandler]) -> AsyncIterator[Node]:
    """A CPO+SCSP node driven in-process; its outbound calls go to `peer_routes` (a MockTransport)."""

    def handler(request: httpx.Request) -> httpx.Response:
        route = peer_routes.get(str(request.url).split("?")[0])
        if route is None:
            raise httpx.ConnectError("connection refused", request=request)
        return route(request)

    config = NodeConfig(
        public_url="http://cpo.test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'n.sqlite3'}",
        roles=[role("CPO"), role("SCSP", party="SCS")],  # one platform: both ChargingProfiles interfaces
    )
    node = create_node(config, transport=httpx.MockTransport(handler))
    await node.start()
    try:
        yield node
    finally:
        await node.stop()


@pytest.fixture
async def client(node: Node) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=node.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://cpo.test") as http:
        yield http


async def registered_partner(node: Node, kind: str = "EMSP", party: str = "MSP") -> tuple[str, str]:
    """A partner registered directly in the store; returns (partner id, the token it calls us with)."""
    token = new_token()
    partner = Partner(
        id=str(uuid.uuid4()),
        name=f"{kind} {party}",
        created_at=datetime.now(UTC),
        roles=[PartnerRole(Role(kind), "NL", party, f"{kind} {party}")],
        outbound_token=new_token(),
        inbound_token_hash=hash_token(token),
        endpoints=[PartnerEndpoint("chargingprofiles", "SENDER", "http://peer.test/cp/")],
    )
    async with node.database.unit_of_work() as uow:
        await uow.partners.add(partner)
    return partner.id, token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}

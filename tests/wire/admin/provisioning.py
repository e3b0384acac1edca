"""A node with the admin API on, one registered partner whose pushes are recorded (a MockTransport)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from fera.config import NodeConfig, RoleConfig
from fera.node import Node, create_node
from fera.ocpi.auth import hash_token, new_token
from fera.ocpi.types import Role
from fera.partners import Partner, PartnerEndpoint, PartnerRole

TOKEN = "admin-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PEER = "http://peer.test"


@dataclass
class Pushes:
    """What the partner received: (method, path with query, JSON body)."""

    calls: list[tuple[str, str, Any]] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path + (f"?{request.url.query.decode()}" if request.url.query else "")
        self.calls.append((request.method, path, json.loads(request.content)))
        return httpx.Response(200, json={"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"})


@dataclass
class AdminNode:
    node: Node
    client: httpx.AsyncClient
    pushes: Pushes


@asynccontextmanager
async def admin_node(tmp: Path, ours: RoleConfig, partner: tuple[str, str, str]) -> AsyncIterator[AdminNode]:
    """`partner`: (role, module it receives, party id), e.g. ("EMSP", "locations", "MSP")."""
    pushes = Pushes()
    config = NodeConfig(
        public_url="http://node.test",
        database_url=f"sqlite+aiosqlite:///{tmp / 'admin.sqlite3'}",
        roles=[ours],
        admin_token=TOKEN,
    )
    node = create_node(config, transport=httpx.MockTransport(pushes.handle))
    await node.start()
    await _register(node, *partner)
    transport = httpx.ASGITransport(app=node.app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://node.test") as client:
            yield AdminNode(node, client, pushes)
    finally:
        await node.stop()


async def _register(node: Node, kind: str, module: str, party: str) -> None:
    partner = Partner(
        id=str(uuid.uuid4()),
        name=f"{kind} {party}",
        created_at=datetime.now(UTC),
        roles=[PartnerRole(Role(kind), "NL", party, f"{kind} {party}")],
        outbound_token=new_token(),
        inbound_token_hash=hash_token(new_token()),
        endpoints=[PartnerEndpoint(module, "RECEIVER", f"{PEER}/{module}")],
    )
    async with node.database.unit_of_work() as uow:
        await uow.partners.add(partner)

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest

from fera.config import NodeConfig
from fera.node import Node, create_node
from tests.nodes import role

PeerHandler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def peer_routes() -> dict[str, PeerHandler]:
    """What the fake partner platform answers, by URL; a test fills it in."""
    return {}


@pytest.fixture
async def node(tmp_path: Path, peer_routes: dict[str, PeerHandler]) -> AsyncIterator[Node]:
    """A CPO node driven in-process; its outbound calls go to `peer_routes` (a MockTransport)."""

    def handler(request: httpx.Request) -> httpx.Response:
        route = peer_routes.get(str(request.url).split("?")[0])
        if route is None:
            raise httpx.ConnectError("connection refused", request=request)
        return route(request)

    config = NodeConfig(
        public_url="http://cpo.test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'n.sqlite3'}",
        roles=[role("CPO")],
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

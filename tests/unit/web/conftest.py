"""A node per test, driven in-process through its app (ASGITransport), with a CPO location seeded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from fera.config import NodeConfig
from fera.node import Node, create_node
from tests.integration.chargingprofiles.setup import location
from tests.nodes import role


@pytest.fixture
async def cpo(tmp_path: Path) -> AsyncIterator[Node]:
    node = create_node(
        NodeConfig(
            name="cpo-node",
            public_url="http://cpo.test",
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'cpo.sqlite3'}",
            roles=[role("CPO", party="CPO", name="Test <CPO>")],
        )
    )
    await node.start()
    async with node.database.unit_of_work() as uow:
        await uow.locations.put(location(), None)
    try:
        yield node
    finally:
        await node.stop()


@pytest.fixture
async def scsp(tmp_path: Path) -> AsyncIterator[Node]:
    node = create_node(
        NodeConfig(
            name="scsp-node",
            public_url="http://scsp.test",
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'scsp.sqlite3'}",
            roles=[role("SCSP", party="SCS")],
        )
    )
    await node.start()
    try:
        yield node
    finally:
        await node.stop()


def client(node: Node) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=node.app), base_url="http://node.test")

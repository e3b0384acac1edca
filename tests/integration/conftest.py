"""Integration fixtures: a migrated store of its own (the gateway tables' tests), closed after it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fera.store import Database
from tests.nodes import NodeFactory


@pytest.fixture
async def database(node_factory: NodeFactory) -> AsyncIterator[Database]:
    database = Database(await node_factory.databases.new("gateways"))
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()

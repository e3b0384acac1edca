from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.nodes import Databases, NodeFactory


@pytest.fixture
async def node_factory(tmp_path: Path) -> AsyncIterator[NodeFactory]:
    factory = NodeFactory(Databases(tmp_path))
    try:
        yield factory
    finally:
        await factory.close()

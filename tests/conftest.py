from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.nodes import POSTGRES_URL, Databases, NodeFactory


@pytest.fixture
async def node_factory(tmp_path: Path) -> AsyncIterator[NodeFactory]:
    factory = NodeFactory(Databases(tmp_path))
    try:
        yield factory
    finally:
        await factory.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` need FERA_TEST_POSTGRES_URL (scripts/postgres starts one): without it they
    are deselected, not skipped, and the summary says how many."""
    if POSTGRES_URL is not None:
        return
    deselected = [item for item in items if item.get_closest_marker("postgres") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item.get_closest_marker("postgres") is None]

"""`stages`: builds CPO + eMSP stages; their simulations are stopped before the nodes are."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.integration.stations.stage import Stage, stage
from tests.nodes import NodeFactory

StageFactory = Callable[..., Awaitable[Stage]]


@pytest.fixture
async def stages(node_factory: NodeFactory) -> AsyncIterator[StageFactory]:
    built: list[Stage] = []

    async def build(**settings: Any) -> Stage:
        built.append(await stage(node_factory, **settings))
        return built[-1]

    try:
        yield build
    finally:
        for s in built:
            await s.stop_runs()

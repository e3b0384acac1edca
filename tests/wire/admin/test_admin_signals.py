"""FERA's admin API: signals in (JSON and CSV), token checks, clear errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from fera.config import NodeConfig
from fera.node import Node, create_node
from fera.signals.board import SignalsChanged
from tests.nodes import role

TOKEN = "admin-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FORECAST = {
    "group_id": "LOC1",
    "blocks": [
        {
            "capacity": 40,
            "unit": "KW",
            "start_time": "2026-03-01T12:00:00Z",
            "end_time": "2026-03-01T18:00:00Z",
        }
    ],
    "fallback": 25,
}


@pytest.fixture
async def admin_node(tmp_path: Path) -> AsyncIterator[Node]:
    config = NodeConfig(
        public_url="http://scsp.test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}",
        roles=[role("SCSP", party="SCS")],
        admin_token=TOKEN,
    )
    node = create_node(config)
    await node.start()
    try:
        yield node
    finally:
        await node.stop()


@pytest.fixture
async def admin(admin_node: Node) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=admin_node.app), base_url="http://scsp.test"
    ) as c:
        yield c


async def test_capacity_forecast_json_is_stored_and_announced(
    admin_node: Node, admin: httpx.AsyncClient
) -> None:
    seen: list[str] = []

    async def on_change(event: SignalsChanged) -> None:
        seen.append(event.group_id)

    admin_node.events.subscribe(SignalsChanged, on_change)
    response = await admin.put("/fera/admin/capacity", json=FORECAST, headers=AUTH)
    assert response.status_code == 200 and response.json()["status_code"] == 1000
    assert seen == ["LOC1"]
    schedule = await admin_node.signals.capacity("LOC1")
    assert schedule is not None
    assert schedule.limit_at(datetime(2026, 3, 1, 13, tzinfo=UTC)) == 40_000.0
    assert schedule.limit_at(datetime(2026, 3, 1, 19, tzinfo=UTC)) == 25_000.0


async def test_csv_price_series(admin_node: Node, admin: httpx.AsyncClient) -> None:
    csv = "start,end,value\n2026-03-01T12:00:00+00:00,2026-03-01T13:00:00+00:00,0.31\n"
    response = await admin.put(
        "/fera/admin/signals?kind=PRICE", content=csv, headers=AUTH | {"Content-Type": "text/csv"}
    )
    assert response.json()["status_code"] == 1000
    (series,) = await admin_node.signals.series()
    assert series.intervals[0].payloads[0].values == [0.31]


async def test_token_is_checked(admin: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}):
        assert (await admin.put("/fera/admin/capacity", json=FORECAST, headers=headers)).status_code == 401


async def test_invalid_forecast_is_2001_naming_the_field(admin: httpx.AsyncClient) -> None:
    bad = FORECAST | {"blocks": [{"capacity": -1, "start_time": "2026-03-01T12:00:00Z", "end_time": "x"}]}
    response = await admin.put("/fera/admin/capacity", json=bad, headers=AUTH)
    assert response.json()["status_code"] == 2001 and "capacity" in response.json()["status_message"]


async def test_disabled_without_admin_token(client: httpx.AsyncClient) -> None:
    response = await client.put("/fera/admin/capacity", json=FORECAST, headers=AUTH)
    assert response.status_code == 404

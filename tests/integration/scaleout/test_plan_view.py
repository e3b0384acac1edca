"""What a node of several processes shows of its plan: the SCSP's planner runs in a `fera serve --parts
worker` process, its API in the test process (`--parts api`, which plans nothing). After each re-plan the
API process serves the worker's plan: `GET /fera/admin/flexibility` and the dashboard's plan and location
charts, read from what the worker published in the database."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.cli import write_config
from tests.integration.scaleout.test_planning import (
    ADMIN,
    PATIENCE_S,
    capacity,
    planner_owner,
    recorded_layout,
    sent_and_done,
    until,
    worker,
)
from tests.nodes import NodeFactory, RunningNode

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(400)]


async def flexibility(scsp: RunningNode, **params: str) -> httpx.Response:
    async with httpx.AsyncClient() as http:
        return await http.get(
            scsp.url + "/fera/admin/flexibility",
            params=params,
            headers={"Authorization": f"Bearer {ADMIN}"},
        )


async def dashboard(scsp: RunningNode, path: str) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.get(scsp.url + "/dashboard/api" + path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def first_step_kw(scsp: RunningNode) -> float:
    rows = (await flexibility(scsp, group_id="LOC1")).json()["data"]
    return float(rows[0]["planned_kw"]) if rows else -1.0


async def test_the_api_process_shows_the_plan_of_the_worker_that_plans(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    cpo, scsp = await recorded_layout(node_factory, sessions=2)
    nothing = await flexibility(scsp)  # nobody planned yet: an empty forecast, not an error
    assert (nothing.status_code, nothing.json()["data"]) == (200, [])
    assert (await dashboard(scsp, "/scsp/plan"))["traces"] == []
    process = await worker(write_config(scsp.node.config, tmp_path / "scsp.toml"), tmp_path / "worker.log")
    try:
        await until("the worker owns the planner", lambda: planner_owner(scsp))
        await sent_and_done(scsp, {"S1": 1, "S2": 1})

        rows = (await flexibility(scsp, group_id="LOC1")).json()["data"]
        assert rows and {r["group_id"] for r in rows} == {"LOC1"}
        assert set(rows[0]) == {"group_id", "time", "planned_kw", "min_kw", "max_kw"}
        assert rows[0]["time"].endswith("Z")
        assert 0 < rows[0]["planned_kw"] <= 30.001
        assert all(r["min_kw"] <= r["planned_kw"] <= r["max_kw"] for r in rows)
        csv = await flexibility(scsp, group_id="LOC1", format="csv")
        assert csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.splitlines()
        assert lines[0] == "group_id,time,planned_w,min_w,max_w" and len(lines) == len(rows) + 1

        plan = await dashboard(scsp, "/scsp/plan")
        assert sorted(t["name"] for t in plan["traces"]) == ["S1", "S2"]
        assert plan["notes"] == []
        chart = await dashboard(scsp, "/locations/NL/CPO/LOC1/chart")
        names = [t["name"] for t in chart["traces"]]
        assert {"Flexibility min", "Flexibility max", "Planned"} <= set(names)

        await capacity(scsp, 12)  # a cut: the worker re-plans, and the API process shows the new plan
        await sent_and_done(scsp, {"S1": 2, "S2": 2})
        await until("the API process shows the re-plan", lambda: _within(scsp, 12.0))
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), PATIENCE_S)


async def _within(scsp: RunningNode, kw: float) -> bool:
    return 0 < await first_step_kw(scsp) <= kw + 0.001

"""`fera signals`: a forecast file reaches a running node's admin API; bad input is a clear refusal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import tomli_w
from typer.testing import CliRunner

from fera.cli import app
from tests.nodes import NodeFactory, role

ADMIN = "admin-token-for-tests-0123456789"


async def test_capacity_csv_and_a_refusal(node_factory: NodeFactory, tmp_path: Path) -> None:
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", admin_token=ADMIN, plan_sessions=False)
    config = tmp_path / "scsp.toml"
    raw = scsp.node.config.model_dump(mode="json", exclude_none=True)
    roles = raw.pop("roles")
    config.write_text(
        tomli_w.dumps({"node": {k: v for k, v in raw.items() if not isinstance(v, list)}, "roles": roles})
    )
    good = tmp_path / "forecast.csv"
    good.write_text("start,end,capacity\n2026-03-01T12:00:00+00:00,2026-03-01T18:00:00+00:00,40\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("start,end,capacity\nnot a time,2026-03-01T18:00:00+00:00,40\n")
    runner = CliRunner()

    ok = await asyncio.to_thread(
        runner.invoke, app, ["signals", "capacity", "-c", str(config), str(good), "--group", "LOC1"]
    )
    refused = await asyncio.to_thread(
        runner.invoke, app, ["signals", "capacity", "-c", str(config), str(bad), "--group", "LOC1"]
    )

    assert ok.exit_code == 0, ok.output
    schedule = await scsp.node.signals.capacity("LOC1")
    assert schedule is not None and schedule.limit_at(datetime(2026, 3, 1, 13, tzinfo=UTC)) == 40_000.0
    assert refused.exit_code == 1 and "Refused" in refused.output

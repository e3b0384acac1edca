"""`fera locations import` and `fera tokens import`: through a serving node's admin API, or straight into
the database (pushing from the command) when it isn't serving; bad input is one line and a non-zero exit."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import tomli_w
from typer.testing import CliRunner, Result

from fera.cli import app
from fera.config import NodeConfig
from fera.cpo.stations import StationAuthorizer
from fera.exchange import exchange_of
from fera.node import create_node
from fera.parts import Process
from tests.nodes import NodeFactory, RunningNode, connect, role

ADMIN = "admin-token-for-tests-0123456789"
LOCATION = {
    "id": "LOC1",
    "address": "Stationsplein 1",
    "city": "Utrecht",
    "country": "NLD",
    "coordinates": {"latitude": "52.08940", "longitude": "5.11070"},
    "time_zone": "Europe/Amsterdam",
}


def toml(tmp: Path, config: NodeConfig) -> Path:
    raw = config.model_dump(mode="json", exclude_none=True)
    sections = {k: raw.pop(k) for k in ("roles", "contracts", "delegations", "sites", "stations")}
    path = tmp / f"{config.name}.toml"
    path.write_text(tomli_w.dumps({"node": raw} | {k: v for k, v in sections.items() if v}))
    return path


async def fera(*args: str | Path) -> Result:
    runner = CliRunner()
    return await asyncio.to_thread(lambda: runner.invoke(app, [str(a) for a in args]))


async def pair(node_factory: NodeFactory, **cpo_settings: Any) -> tuple[RunningNode, RunningNode]:
    cpo = await node_factory(role("CPO", party="CPO"), name="cpo", **cpo_settings)
    emsp = await node_factory(role("EMSP", party="MSP"), name="emsp", admin_token=ADMIN)
    await connect(emsp, cpo)
    return cpo, emsp


async def test_imports_reach_the_serving_nodes_and_their_partners(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    cpo, emsp = await pair(node_factory, admin_token=ADMIN)
    locations = tmp_path / "locations.json"
    locations.write_text(json.dumps(LOCATION))
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("uid,contract_id\nCARD1,NL-MSP-C1\n")

    placed = await fera("locations", "import", locations, "--config", toml(tmp_path, cpo.node.config))
    issued = await fera("tokens", "import", tokens, "-c", toml(tmp_path, emsp.node.config))

    assert placed.exit_code == 0, placed.output
    assert "Imported 1 locations into the serving node cpo: LOC1." in placed.output
    assert "It pushed them to its partners (1 pushes)." in placed.output
    assert issued.exit_code == 0 and "into the serving node emsp: CARD1." in issued.output
    async with emsp.node.database.unit_of_work() as uow:  # the admin API answered after pushing
        shared = await uow.locations.get("NL", "CPO", "LOC1")
    assert shared is not None and shared.location.city == "Utrecht"
    authorization = await StationAuthorizer(exchange_of(cpo.node)).authorize("CARD1", None)
    assert authorization is not None
    assert (authorization.token.party_id, authorization.token.issuer) == ("MSP", "Test EMSP")


async def test_a_node_that_is_not_serving_is_written_directly_and_still_pushes(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    cpo, emsp = await pair(node_factory)  # no admin_token on the CPO: the command writes its database
    await cpo.server.stop()
    node_factory.running.remove(cpo)
    locations = tmp_path / "locations.json"
    locations.write_text(json.dumps([LOCATION, LOCATION | {"id": "LOC2"}]))

    result = await fera("locations", "import", locations, "--config", toml(tmp_path, cpo.node.config))

    assert result.exit_code == 0, result.output
    assert "Imported 2 of 2 locations into cpo's database (no admin_token)." in result.output
    if cpo.node.database.shared:  # PostgreSQL: written to the outbox with the locations, for a worker
        queued = "Queued 2 pushes to its partners: its workers (fera serve --parts worker) send them."
        assert queued in result.output
        await delivered_by_a_worker(cpo.node.config)
    else:
        assert "Pushed them to its partners (2 pushes, 0 failed)." in result.output
    async with emsp.node.database.unit_of_work() as uow:
        assert await uow.locations.get("NL", "CPO", "LOC2") is not None
    listed = await fera("locations", "list", "--config", toml(tmp_path, cpo.node.config))
    assert listed.exit_code == 0 and "│ LOC1 " in listed.output and "│ LOC2 " in listed.output


async def delivered_by_a_worker(config: NodeConfig) -> None:
    worker = create_node(config, processes=frozenset({Process.WORKER}))
    await worker.start()
    try:
        await asyncio.wait_for(exchange_of(worker).pusher.drain(), 120)
    finally:
        await worker.stop()


async def test_bad_input_is_one_line_and_a_non_zero_exit(node_factory: NodeFactory, tmp_path: Path) -> None:
    cpo, emsp = await pair(node_factory, admin_token=ADMIN)
    cpo_toml, emsp_toml = toml(tmp_path, cpo.node.config), toml(tmp_path, emsp.node.config)
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps([LOCATION | {"coordinates": {"latitude": "north"}}]))

    refused = await fera("locations", "import", invalid, "-c", cpo_toml)
    missing = await fera("locations", "import", tmp_path / "nope.json", "-c", cpo_toml)
    wrong_role = await fera("locations", "import", invalid, "-c", emsp_toml)
    no_tokens = await fera("tokens", "list", "-c", cpo_toml)

    assert (refused.exit_code, refused.output.strip()) == (
        1,
        f"{invalid}: location 1 (id LOC1): coordinates.latitude: String should match pattern "
        "'^-?[0-9]{1,2}\\.[0-9]{5,7}$'",
    )
    assert missing.exit_code == 2 and missing.output.startswith("Cannot read")
    assert wrong_role.exit_code == 1 and "has no CPO role" in wrong_role.output
    assert (no_tokens.exit_code, no_tokens.output.strip()) == (
        1,
        "Failed: node cpo has no EMSP role: only an eMSP owns tokens",
    )
    for result in (refused, missing, wrong_role, no_tokens):
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output

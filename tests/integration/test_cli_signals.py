"""`fera signals`: a forecast reaches a running node's admin API at its listen address; what the node would
not use (wrong role, unknown group, a CSV without its header) is refused before sending, in one line."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
from typer.testing import CliRunner

from fera.cli import app
from fera.config import SiteConfig
from tests.integration.cli import Run, one_line_failure, write_config
from tests.nodes import NodeFactory, role

ADMIN = "admin-token-for-tests-0123456789"
HEADER = "start,end,capacity\n"
ROW = "2026-03-01T12:00:00+00:00,2026-03-01T18:00:00+00:00,40\n"


async def _signals(*args: str) -> Run:
    result = await asyncio.to_thread(CliRunner().invoke, app, ["signals", *args])
    return Run(result.exit_code, result.output)


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


async def test_capacity_to_a_planner_through_a_proxy_url_and_a_refusal(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", admin_token=ADMIN)
    # Partners know it by a public URL the CLI cannot reach; the CLI talks to `listen`.
    config = str(write_config(scsp.node.config, tmp_path / "scsp.toml", public_url="https://scsp.invalid"))
    good, bad = _file(tmp_path, "f.csv", HEADER + ROW), _file(tmp_path, "b.csv", HEADER + "x" + ROW[1:])

    unknown = await _signals("capacity", "-c", config, good, "--group", "LOC1")
    forced = await _signals("capacity", "-c", config, good, "--group", "LOC1", "--force")
    refused = await _signals("capacity", "-c", config, bad, "--group", "LOC1", "--force")

    one_line_failure(unknown, "knows no group (location) 'LOC1'", "--force")
    assert forced.code == 0, forced.out
    schedule = await scsp.node.signals.capacity("LOC1")
    assert schedule is not None and schedule.limit_at(datetime(2026, 3, 1, 13, tzinfo=UTC)) == 40_000.0
    one_line_failure(refused, "scsp refused: Invalid capacity forecast: Invalid isoformat string: 'x026")


async def test_role_group_and_header_are_checked_before_sending(
    node_factory: NodeFactory, tmp_path: Path
) -> None:
    sites = [SiteConfig(location="LOC1", capacity_kw=50)]
    cpo = await node_factory(role("CPO"), name="cpo", admin_token=ADMIN, sites=sites)
    emsp = await node_factory(role("EMSP", party="EMS"), name="emsp", admin_token=ADMIN)
    cpo_config = str(write_config(cpo.node.config, tmp_path / "cpo.toml", listen="127.0.0.1:1"))
    emsp_config = str(write_config(emsp.node.config, tmp_path / "emsp.toml"))
    good, headless = _file(tmp_path, "f.csv", HEADER + ROW), _file(tmp_path, "h.csv", ROW)

    to_site = await _signals("capacity", "-c", cpo_config, good, "--group", "loc1", "--url", cpo.url)
    not_a_site = await _signals("capacity", "-c", cpo_config, good, "--group", "LOC2", "--url", cpo.url)
    without_header = await _signals(
        "capacity", "-c", cpo_config, headless, "--group", "LOC1", "--url", cpo.url
    )
    to_emsp = await _signals("capacity", "-c", emsp_config, good, "--group", "LOC1")
    prices_to_cpo = await _signals("series", "-c", cpo_config, good, "--url", cpo.url)
    unreachable = await _signals("capacity", "-c", cpo_config, good, "--group", "LOC1")

    assert to_site.code == 0, to_site.out
    one_line_failure(not_a_site, "knows no group (location) 'LOC2' (known: LOC1)")
    one_line_failure(without_header, "the first line must be the header start,end,capacity")
    one_line_failure(to_emsp, "emsp would not use a capacity forecast")
    one_line_failure(prices_to_cpo, "cpo plans nothing")
    one_line_failure(unreachable, "not reachable at http://127.0.0.1:1", "fera serve")


async def test_the_admin_api_refuses_a_csv_without_its_header(node_factory: NodeFactory) -> None:
    scsp = await node_factory(role("SCSP", party="SCS"), name="scsp", admin_token=ADMIN)
    headers = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "text/csv"}

    async with httpx.AsyncClient() as http:
        answer = await http.put(
            scsp.url + "/fera/admin/capacity", content=ROW, params={"group_id": "LOC1"}, headers=headers
        )

    assert answer.json()["status_code"] == 2001
    assert answer.json()["status_message"] == (
        "Invalid capacity forecast: the first line must be the header start,end,capacity "
        "(missing: start, end, capacity)"
    )

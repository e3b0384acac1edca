"""`fera serve --log-level/--log` as the demo starts it (`start_node_process`): FERA's DEBUG lines reach the
node's log only when asked for, in one format (time, level, logger); bad values are usage errors."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import fera.demo
from fera.config import NodeConfig, RoleConfig
from fera.demo.processes import start_node_process
from fera.server import free_port
from tests.integration.cli import write_config
from tests.integration.test_cli_usage import _usage_failure as usage_failure
from tests.integration.test_cli_usage import fera_main

pytestmark = pytest.mark.timeout(300)  # a node process may take minutes to start on a loaded machine

TIME = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"
# `start_node_process` waits for the versions endpoint to answer: without a token, 401, which
# `fera.ocpi.app` logs at DEBUG. Every other line of the node has the same shape.
REFUSED = re.compile(
    rf"^{TIME} DEBUG fera\.ocpi\.app: GET /ocpi/versions refused: HTTP 401, OCPI 2000 "
    r"Missing or unknown credentials token$"
)
ACCESS = re.compile(rf'^{TIME} INFO uvicorn\.access: 127\.0\.0\.1:\d+ - "GET /ocpi/versions HTTP/1\.1" 401$')


async def _log_of_node(tmp_path: Path, *serve_args: str, until: re.Pattern[str]) -> list[str]:
    """Start one node with `serve_args`, and its log's lines once one matches `until`."""
    port = free_port()
    config = NodeConfig(
        name="cpo",
        public_url=f"http://127.0.0.1:{port}",
        listen=f"127.0.0.1:{port}",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'cpo.sqlite3'}",
        roles=[RoleConfig(role="CPO", country_code="NL", party_id="CPO", name="Test CPO")],
    )
    log = tmp_path / "cpo.log"
    node = await start_node_process(config, write_config(config, tmp_path / "cpo.toml"), log, serve_args)
    try:
        async with asyncio.timeout(120):
            while not any(until.match(line) for line in log.read_text().splitlines()):
                await asyncio.sleep(0.1)  # another process's file: nothing to await but its contents
        return log.read_text().splitlines()
    finally:
        node.stop()


async def test_a_node_started_at_debug_writes_fera_debug_lines_to_its_log(tmp_path: Path) -> None:
    lines = await _log_of_node(tmp_path, "--log-level", "debug", "--log", "uvicorn=warning", until=REFUSED)

    assert not [line for line in lines if " INFO uvicorn" in line], lines  # --log quietened uvicorn alone


async def test_without_the_option_no_debug_line_appears(tmp_path: Path) -> None:
    lines = await _log_of_node(tmp_path, until=ACCESS)  # the request was served: its line came after it

    assert not [line for line in lines if " DEBUG " in line], lines
    assert any(re.match(rf"^{TIME} INFO uvicorn\.error: Application startup complete\.$", x) for x in lines)


def test_bad_levels_and_loggers_are_usage_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    level = fera_main(capsys, monkeypatch, "serve", "-c", "node.toml", "--log-level", "loud")
    usage_failure(
        level,
        "Invalid value for '--log-level': 'loud' is not one of debug, info, warning, error",
        "fera serve --help')",
    )
    for bad in ("fera.cpo", "fera.cpo=loud", "=debug"):
        logger = fera_main(capsys, monkeypatch, "serve", "-c", "node.toml", "--log", bad)
        usage_failure(
            logger, f"Invalid value for '--log': {bad!r} is not LOGGER=LEVEL", "fera serve --help')"
        )
    misspelt = fera_main(
        capsys, monkeypatch, "serve", "-c", "node.toml", "--log", "fera.cpo.chargingprofile=debug"
    )
    usage_failure(
        misspelt,
        "Invalid value for '--log': 'fera.cpo.chargingprofile' is no FERA module's logger "
        "(did you mean fera.cpo.chargingprofiles?)",
        "fera serve --help')",
    )
    demo = fera_main(capsys, monkeypatch, "demo", "--log", "site=trace")
    usage_failure(demo, "'site=trace' is not LOGGER=LEVEL with LEVEL one of debug, info, warning, error")


def test_the_demo_passes_its_log_options_to_every_node(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    passed: dict[str, Any] = {}

    async def run_demo(*args: Any, serve_args: list[str], **kwargs: Any) -> SimpleNamespace:
        passed["serve_args"] = serve_args
        return SimpleNamespace(passed=True)

    monkeypatch.setattr(fera.demo, "run_demo", run_demo)
    site = "fera.cpo.chargingprofiles.site=debug"
    run = fera_main(capsys, monkeypatch, "demo", "--speed", "480", "--log-level", "WARNING", "--log", site)

    assert run.code == 0, run.out
    assert passed["serve_args"] == ["--log-level", "warning", "--log", site]

"""`fera serve` as a subprocess: its banner names every URL; busy ports and bad files fail in one line."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import tomli_w

from fera.server import bind, free_port
from tests.integration.cli import SRC, fera, one_line_failure

ROLE = {"role": "CPO", "country_code": "NL", "party_id": "CPO", "name": "Test CPO"}


def _config(tmp_path: Path, port: int, ocpp: int, **node: object) -> str:
    raw = {
        "public_url": "https://cpo.example.com",
        "listen": f"127.0.0.1:{port}",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'cpo.sqlite3'}",
        "ocpp_listen": f"127.0.0.1:{ocpp}",
    } | node
    path = tmp_path / "cpo.toml"
    path.write_text(tomli_w.dumps({"node": raw, "roles": [ROLE]}))
    return str(path)


async def test_the_banner_names_the_versions_gateway_and_dashboard_urls(tmp_path: Path) -> None:
    port, ocpp = free_port(), free_port()
    env = os.environ | {"PYTHONPATH": SRC}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fera", "serve", "-c", _config(tmp_path, port, ocpp),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while not any("startup complete" in line for line in lines):
            line = await asyncio.wait_for(process.stdout.readline(), 120)
            assert line, "".join(lines)
            lines.append(line.decode())
    finally:
        process.terminate()
        await process.wait()
    banner = "".join(lines)
    assert "OCPI versions: https://cpo.example.com/ocpi/versions" in banner
    assert f"OCPP gateway:  ws://127.0.0.1:{ocpp}/ocpp/{{station_id}}" in banner
    assert f"dashboard:     http://127.0.0.1:{port}/dashboard" in banner


async def test_busy_ports_are_one_line_failures(tmp_path: Path) -> None:
    taken = bind()
    taken.listen()
    busy = taken.getsockname()[1]
    try:
        http_busy = await fera("serve", "-c", _config(tmp_path, busy, free_port()))
        ocpp_busy = await fera("serve", "-c", _config(tmp_path, free_port(), busy))
    finally:
        taken.close()
    one_line_failure(http_busy, f"127.0.0.1:{busy} (listen) is in use", "change [node] listen")
    one_line_failure(ocpp_busy, f"127.0.0.1:{busy} (ocpp_listen) is in use", "change [node] ocpp_listen")


async def test_a_gateway_on_the_nodes_own_port_is_a_one_line_failure(tmp_path: Path) -> None:
    port = free_port()
    in_file = await fera("serve", "-c", _config(tmp_path, port, port))
    on_the_command_line = await fera(
        "serve", "-c", _config(tmp_path, port, free_port()), "--ocpp-listen", f"127.0.0.1:{port}"
    )
    for run in (in_file, on_the_command_line):
        one_line_failure(run, f"ocpp_listen 127.0.0.1:{port} is the node's listen address", "its own port")
    assert "--ocpp-listen" in on_the_command_line.out


async def test_unusable_configuration_files_are_named(tmp_path: Path) -> None:
    postgres = _config(tmp_path, free_port(), free_port(), database_url="postgres://fera:pw@db/fera")
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text("[node\n")

    one_line_failure(await fera("serve", "-c", str(tmp_path)), "is a directory", "node.toml")
    one_line_failure(await fera("serve", "-c", str(tmp_path / "nope.toml")), "no such file")
    one_line_failure(await fera("serve", "-c", str(bad_toml)), "not valid TOML")
    one_line_failure(
        await fera("serve", "-c", postgres), "node.database_url", "postgresql+asyncpg://fera:pw@db/fera"
    )
    down = f"postgresql+asyncpg://fera:secret@127.0.0.1:{free_port()}/fera"
    unreachable = await fera("serve", "-c", _config(tmp_path, free_port(), free_port(), database_url=down))
    one_line_failure(unreachable, "database postgresql+asyncpg://fera:***@127.0.0.1:", "database is up")
    assert "secret" not in unreachable.out


async def test_demo_argument_errors_are_one_line(tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("")

    one_line_failure(await fera("demo", "--workdir", str(a_file)), "is a file: give a directory")


async def test_parts_of_a_node_need_postgresql_and_a_gateway_needs_ocpp_listen(tmp_path: Path) -> None:
    sqlite = _config(tmp_path, free_port(), free_port())
    one_line_failure(await fera("serve", "-c", sqlite, "--parts", "api"), "need PostgreSQL")
    one_line_failure(await fera("serve", "-c", sqlite, "--parts", "gateway"), "need PostgreSQL")
    one_line_failure(await fera("serve", "-c", sqlite, "--parts", "api,cron"), "not a part of a node: cron")

    database = f"postgresql+asyncpg://fera@127.0.0.1:{free_port()}/fera"  # refused before it is opened
    postgres = _config(tmp_path, free_port(), free_port(), database_url=database)
    no_gateway = tmp_path / "no-gateway.toml"
    lines = Path(postgres).read_text().splitlines()
    no_gateway.write_text("\n".join(line for line in lines if not line.startswith("ocpp_listen")))
    gateway_only = await fera("serve", "-c", str(no_gateway), "--parts", "gateway")
    one_line_failure(gateway_only, "no OCPP gateway", "ocpp_listen")
    bad_listen = await fera("serve", "-c", postgres, "--parts", "gateway", "--ocpp-listen", "9000")
    one_line_failure(bad_listen, "--ocpp-listen: '9000' is not HOST:PORT")

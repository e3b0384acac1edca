"""`fera serve`: one process of a node, all of its parts by default (`--parts api|worker|gateway|all`).

Several processes share one node only on PostgreSQL: API processes serve the routes, workers claim the
ChargingProfiles jobs from the database, and gateways hold the stations' websockets, each some of them (a
command reaches the gateway holding its station through the database). `--ocpp-listen` lets several
gateways of one node share its configuration file on one host.
"""

from __future__ import annotations

import asyncio
import errno
import signal
import socket
from typing import Annotated

import typer

from fera import eventloop
from fera.cli._common import ConfigOption, console, fail, load, node_url, open_database, run
from fera.cli._logging import LoggerLevelsOption, LogLevelOption, configure_logging
from fera.config import NodeConfig, shared_port
from fera.parts import ALL_PROCESSES, Hook, Process, processes_named

__all__ = ["serve", "serve_without_routes"]

PartsOption = Annotated[
    str,
    typer.Option(
        "--parts",
        help="What this process runs: api, worker, gateway (comma-separated) or all. Several processes of "
        "one node need PostgreSQL.",
    ),
]


OcppListenOption = Annotated[
    str | None,
    typer.Option(
        "--ocpp-listen",
        help="HOST:PORT of this process's OCPP gateway, instead of [node] ocpp_listen (for several "
        "gateways of one node on one host).",
    ),
]


def serve(
    config: ConfigOption,
    parts: PartsOption = "all",
    ocpp_listen: OcppListenOption = None,
    log_level: LogLevelOption = "info",
    log: LoggerLevelsOption = None,
) -> None:
    """Run a node on its `listen` address (and its OCPP gateway on `ocpp_listen`)."""
    from fera.node import create_node

    configure_logging(log_level, log)
    cfg = _with_ocpp_listen(load(config), ocpp_listen)
    processes = _processes(cfg, parts)
    run(_migrate(cfg))  # a database that is down or unreachable: one line now, not a trace at start-up
    sock = _bind(cfg.host, cfg.port, "listen") if Process.API in processes else None
    if cfg.ocpp_listen is not None and Process.GATEWAY in processes:
        host, port = cfg.ocpp_listen.rsplit(":", 1)
        if port != "0":  # checked now: failing later, inside the app's start-up, would print a traceback
            _bind(host, int(port), "ocpp_listen").close()
    node = create_node(cfg, processes=processes)
    _banner(cfg, processes)
    if sock is None:
        serve_without_routes(node.start, node.stop)
        return
    from fera.server import Server, server_config

    server = Server(server_config(node, log_level=None))  # logging: configured above
    try:
        server.run(sockets=[sock])
    except SystemExit:  # uvicorn's exit when the node's start-up failed: its log above says why, in a line
        fail(f"{cfg.name} could not start: see the error above")
    if not server.started:
        fail(f"{cfg.name} could not start: see the log above")


def _processes(config: NodeConfig, names: str) -> frozenset[Process]:
    try:
        processes = processes_named(names)
    except ValueError as exc:
        fail(f"--parts: {exc}", 2)
    if processes != ALL_PROCESSES and config.database_url.startswith("sqlite"):
        fail(
            "--parts: several processes of one node need PostgreSQL ([node] database_url); SQLite runs all", 2
        )
    if processes == {Process.GATEWAY} and config.ocpp_listen is None:
        fail("--parts gateway: the node has no OCPP gateway: set [node] ocpp_listen or --ocpp-listen", 2)
    return processes


def _with_ocpp_listen(config: NodeConfig, ocpp_listen: str | None) -> NodeConfig:
    if ocpp_listen is None:
        return config
    host, _, port = ocpp_listen.rpartition(":")
    if not host or not port.isdigit():
        fail(f"--ocpp-listen: {ocpp_listen!r} is not HOST:PORT", 2)
    clash = shared_port(config.listen, ocpp_listen)
    if clash is not None:
        fail(f"--ocpp-listen: {clash}", 2)
    return config.model_copy(update={"ocpp_listen": ocpp_listen})


def _banner(config: NodeConfig, processes: frozenset[Process]) -> None:
    from fera.web import DASHBOARD_PATH

    runs = "" if processes == ALL_PROCESSES else f" ({', '.join(sorted(p.value for p in processes))})"
    where = f" on {node_url(config)}" if Process.API in processes else ": no routes, until SIGTERM"
    console.print(f"FERA node [bold]{config.name}[/]{runs}{where}")
    if Process.API in processes:
        console.print(f"  OCPI versions: {config.public_url.rstrip('/')}/ocpi/versions")
    if config.ocpp_listen is not None and Process.GATEWAY in processes:
        listen = config.ocpp_listen
        gateway = listen if not listen.endswith(":0") else listen + " (any free port)"
        console.print(f"  OCPP gateway:  ws://{gateway}/ocpp/{{station_id}}")
    if Process.API in processes:
        console.print(f"  dashboard:     {node_url(config)}{DASHBOARD_PATH}")


def serve_without_routes(start: Hook, stop: Hook) -> None:
    """A worker or gateway process: no routes, runs until SIGTERM or SIGINT, on uvloop where installed
    (`fera.eventloop`), as uvicorn runs a process with routes."""
    eventloop.run(_run_without_routes(start, stop))


async def _run_without_routes(start: Hook, stop: Hook) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await start()
    try:
        await stopping.wait()
    finally:
        await stop()


async def _migrate(config: NodeConfig) -> None:
    await (await open_database(config)).close()


def _bind(host: str, port: int, key: str) -> socket.socket:
    from fera.server import bind

    try:
        return bind(host, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            fail(
                f"{host}:{port} ({key}) is in use: is this node already serving? "
                f"Stop it, or change [node] {key}"
            )
        fail(f"cannot listen on {host}:{port} ({key}): {exc.strerror}: change [node] {key}")

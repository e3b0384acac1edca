"""Provisioning from the command line: a file goes to the serving node's admin API, else into its database.

When the node is serving and has an `admin_token`, the file is POSTed to its admin API on the `listen`
address: the serving process stores and pushes it. Otherwise (not serving, or no admin API) the command
writes the node's database directly and pushes to the registered partners itself, waiting for the pushes
(a partner that can't be reached gets everything on its next pull or registration). Either way it binds no
port and starts no background service. The file is validated here first, so errors read the same both ways.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from fera.admin import ADMIN_PATH
from fera.admin.imports import InvalidImport
from fera.cli._common import DatabaseUnavailable, migrate
from fera.config import ConfigError, NodeConfig
from fera.config_file import load_config
from fera.ocpi.errors import OcpiError

if TYPE_CHECKING:
    from fera.node import Node

__all__ = ["Provisioning", "console", "load", "on_database", "provision"]

T = TypeVar("T")
console = Console(soft_wrap=True)  # a message is one line, however narrow the terminal
errors = Console(stderr=True, soft_wrap=True)
PUSH_WAIT_S = 30.0
# (node, file, push tasks) -> the ids stored; each push task submitted is added to the list
Store = Callable[["Node", bytes, list[asyncio.Task[None]]], Awaitable[Sequence[str]]]


@dataclass(frozen=True)
class Provisioning:
    what: str  # "locations", "tokens": also the admin API path
    check: Callable[[NodeConfig, bytes], Sequence[Any]]  # validates the file, raises InvalidImport
    store: Store
    content_type: str  # of the file, for the admin API


def provision(spec: Provisioning, config_path: Path, file: Path) -> None:
    config = load(config_path)
    try:
        body = file.read_bytes()
    except OSError as exc:
        _fail(f"Cannot read {file}: {exc.strerror or exc}", 2)
    try:
        count = len(spec.check(config, body))
    except InvalidImport as exc:
        _fail(f"{file}: {exc}", 1)
    if config.admin_token is not None and (answer := _post(spec, config, body)) is not None:
        ids, pushes = answer
        names = ", ".join(ids)
        console.print(f"Imported {len(ids)} {spec.what} into the serving node {config.name}: {names}.")
        console.print(f"It pushed them to its partners ({pushes} pushes).", highlight=False)
        return
    stored, pushes, failures = _direct(spec, config, body)
    reason = "no admin_token" if config.admin_token is None else f"not serving on {config.listen}"
    console.print(f"Imported {len(stored)} of {count} {spec.what} into {config.name}'s database ({reason}).")
    if failures is None:
        queued = f"Queued {pushes} pushes to its partners: its workers (fera serve --parts worker) send them."
        console.print(queued, highlight=False)
        return
    console.print(f"Pushed them to its partners ({pushes} pushes, {failures} failed).", highlight=False)
    if failures:
        console.print("Partners that missed a push get everything when they next pull or register.")


def load(path: Path) -> NodeConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        _fail(f"Configuration error: {exc}", 2)


def _post(spec: Provisioning, config: NodeConfig, body: bytes) -> tuple[list[str], int] | None:
    """The ids the serving node imported and its pushes; None when nothing listens on its address."""
    host = "127.0.0.1" if config.host in ("0.0.0.0", "::", "") else config.host
    url = f"http://{host}:{config.port}{ADMIN_PATH}/{spec.what}"
    headers = {"Authorization": f"Bearer {config.admin_token}", "Content-Type": spec.content_type}
    try:
        # The node answers once its pushes are done (or after PUSH_WAIT_S): wait longer than that.
        response = httpx.post(url, content=body, headers=headers, timeout=2 * PUSH_WAIT_S)
    except httpx.ConnectError:
        return None
    except httpx.HTTPError as exc:
        _fail(f"{url}: {exc}", 1)
    try:
        envelope = response.json()
    except ValueError:
        _fail(f"{url}: HTTP {response.status_code}, not an OCPI answer (is {config.listen} this node?)", 1)
    if envelope.get("status_code") != 1000:
        _fail(f"Refused by {config.name}: {envelope.get('status_message')}", 1)
    data = envelope["data"]
    return [str(i) for i in data["imported"]], int(data["pushes"])


def _direct(spec: Provisioning, config: NodeConfig, body: bytes) -> tuple[Sequence[str], int, int | None]:
    """The ids stored, the pushes, and how many failed (None: queued in the outbox for the workers)."""
    from fera.exchange import exchange_of

    async def store(node: Node) -> tuple[Sequence[str], int, int | None]:
        pushes: list[asyncio.Task[None]] = []
        stored = await spec.store(node, body, pushes)
        exchange = exchange_of(node)
        if exchange.outbox.shared:  # committed with the change: no need to wait here for a worker
            for task in pushes:
                task.cancel()
            await asyncio.gather(*pushes, return_exceptions=True)
            return stored, len(pushes), None
        await exchange.pusher.close(PUSH_WAIT_S)
        return stored, len(pushes), exchange.pusher.failures

    return on_database(config, store)


def on_database(config: NodeConfig, action: Callable[[Node], Awaitable[T]]) -> T:
    """Run `action` on the node's database and services, outside any serving process: no gateway, no
    planner, no port; errors are one line."""
    from fera.node import create_node

    async def run() -> T:
        node = create_node(config)
        try:
            await migrate(node.database, config)  # not `start`
            return await action(node)
        finally:
            await node.http.aclose()
            await node.database.close()

    try:
        return asyncio.run(run())
    except (OcpiError, InvalidImport, LookupError, DatabaseUnavailable) as exc:
        _fail(f"Failed: {exc}", 1)
    except Exception as exc:  # e.g. a database that can't be opened: one line, no trace
        _fail(f"Failed: {type(exc).__name__}: {exc}", 1)


def _fail(message: str, code: int) -> NoReturn:
    errors.print(f"[red]{escape(message)}[/]", highlight=False)
    raise typer.Exit(code)

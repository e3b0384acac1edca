"""Shared helpers for benchmarks: real FERA nodes on 127.0.0.1, each with a fresh database, and percentiles.

SQLite files go in a temporary directory; with a PostgreSQL URL (postgresql+asyncpg://...) every node gets a
database of its own, dropped again by `Nodes.close()`.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from fera.config import NodeConfig, RoleConfig
from fera.node import Node, create_node
from fera.partners import Partner
from fera.server import RunningServer, bind, free_port, start_server

__all__ = ["Nodes", "RunningNode", "connect", "free_port", "machine", "percentile", "progress", "role"]

_STARTED = time.monotonic()


@dataclass
class RunningNode:
    node: Node
    server: RunningServer
    url: str


def role(kind: str, party: str) -> RoleConfig:
    return RoleConfig.model_validate({"role": kind, "country_code": "NL", "party_id": party, "name": kind})


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


class Nodes:
    """Starts nodes in this process; `close()` stops them and removes their databases."""

    def __init__(self, postgres: str | None = None) -> None:
        self.postgres = postgres
        self._tmp = tempfile.TemporaryDirectory(prefix="fera-bench-")
        self._created: list[str] = []
        self.running: list[RunningNode] = []

    def config(self, name: str, database_url: str, *roles: RoleConfig, **settings: Any) -> NodeConfig:
        """A config on a port that is free now (the socket is closed again: use it soon)."""
        port = free_port()
        return NodeConfig(
            name=name,
            public_url=f"http://127.0.0.1:{port}",
            listen=f"127.0.0.1:{port}",
            database_url=database_url,
            roles=list(roles),
            **settings,
        )

    async def database(self, name: str) -> str:
        if self.postgres is None:
            return f"sqlite+aiosqlite:///{Path(self._tmp.name) / (name + '.sqlite3')}"
        db = f"fera_bench_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(_plain(self.postgres))
        try:
            await conn.execute(f'CREATE DATABASE "{db}"')
        finally:
            await conn.close()
        self._created.append(db)
        return self.postgres.rsplit("/", 1)[0] + "/" + db

    async def start(self, name: str, *roles: RoleConfig, **settings: Any) -> RunningNode:
        config = self.config(name, await self.database(name), *roles, **settings)
        return await self.serve(config)

    async def serve(self, config: NodeConfig) -> RunningNode:
        node = create_node(config)
        running = RunningNode(node, await start_server(node, bind(port=config.port)), config.public_url)
        self.running.append(running)
        return running

    async def stop(self, running: RunningNode) -> None:
        await running.server.stop()
        self.running.remove(running)

    async def close(self) -> None:
        for running in reversed(list(self.running)):
            await self.stop(running)
        await self._drop_databases()
        self._tmp.cleanup()

    async def _drop_databases(self) -> None:
        if self.postgres is None or not self._created:
            return
        conn = await asyncpg.connect(_plain(self.postgres))
        try:
            for db in self._created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        finally:
            await conn.close()


async def connect(initiator: RunningNode, receiver: RunningNode) -> tuple[Partner, Partner]:
    """The real credentials handshake: the receiver invites, the initiator registers. Each side's view."""
    invitation = await receiver.node.partners.invite(initiator.node.config.name)
    theirs = await initiator.node.partners.register_with(invitation.versions_url, invitation.token_a)
    ours = await receiver.node.partners.find(invitation.partner_id)
    if ours is None or not (ours.registered and theirs.registered):
        raise RuntimeError(f"handshake {initiator.node.config.name} -> {receiver.node.config.name} failed")
    return theirs, ours


def percentile(values: list[float], pct: int) -> float:
    """The pct-th percentile (1..99) of at least two values, by the exclusive method."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[pct - 1]


def progress(what: str) -> None:
    """A line on stderr with the seconds since start (figures go to stdout)."""
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {what}", file=sys.stderr, flush=True)


def machine() -> str:
    """Cores and load: figures from a busy machine are lower, the ratios less so."""
    return f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start"

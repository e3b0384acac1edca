"""Real FERA nodes on 127.0.0.1 for tests: each with its own database (SQLite file or PostgreSQL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from fera.config import NodeConfig, RoleConfig
from fera.exchange import EXCHANGE
from fera.node import Node, create_node
from fera.partners import Partner
from fera.parts import ALL_PROCESSES, Process
from fera.server import RunningServer, bind, start_server

POSTGRES_URL = os.environ.get(
    "FERA_TEST_POSTGRES_URL"
)  # e.g. postgresql+asyncpg://postgres@127.0.0.1/postgres


@dataclass
class RunningNode:
    node: Node
    server: RunningServer
    url: str

    @property
    def versions_url(self) -> str:
        return self.url + "/ocpi/versions"


class Databases:
    """Fresh database per node; PostgreSQL when FERA_TEST_POSTGRES_URL is set, else SQLite files."""

    def __init__(self, tmp: Path) -> None:
        self.tmp, self.created = tmp, list[str]()

    async def new(self, name: str) -> str:
        if POSTGRES_URL is None:
            return f"sqlite+aiosqlite:///{self.tmp / (name + '.sqlite3')}"
        db = f"fera_test_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(_plain(POSTGRES_URL))
        try:
            await conn.execute(f'CREATE DATABASE "{db}"')
        finally:
            await conn.close()
        self.created.append(db)
        return POSTGRES_URL.rsplit("/", 1)[0] + "/" + db

    async def drop_all(self) -> None:
        if POSTGRES_URL is None or not self.created:
            return
        conn = await asyncpg.connect(_plain(POSTGRES_URL))
        try:
            for db in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        finally:
            await conn.close()


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def role(kind: str, country: str = "NL", party: str | None = None, name: str | None = None) -> RoleConfig:
    return RoleConfig.model_validate(
        {"role": kind, "country_code": country, "party_id": party or kind[:3], "name": name or f"Test {kind}"}
    )


class NodeFactory:
    def __init__(self, databases: Databases) -> None:
        self.databases, self.running = databases, list[RunningNode]()

    async def __call__(
        self,
        *roles: RoleConfig,
        name: str = "node",
        processes: frozenset[Process] = ALL_PROCESSES,
        prepare: Callable[[Node], None] | None = None,
        **settings: Any,
    ) -> RunningNode:
        """`processes`: what this process runs of the node; `prepare`: a last touch before it starts."""
        sock = bind()
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = NodeConfig(
            name=name,
            public_url=url,
            listen=f"127.0.0.1:{sock.getsockname()[1]}",
            database_url=await self.databases.new(name),
            roles=list(roles),
            **settings,
        )
        node = create_node(config, processes=processes)
        if prepare is not None:
            prepare(node)
        running = RunningNode(node, await start_server(node, sock), url)
        self.running.append(running)
        return running

    async def restart(self, running: RunningNode) -> RunningNode:
        """Stop a node and start a new process-equivalent on the same port and database."""
        await running.server.stop()
        self.running.remove(running)
        node = create_node(running.node.config)
        sock = bind(port=running.node.config.port)
        restarted = RunningNode(node, await start_server(node, sock), running.url)
        self.running.append(restarted)
        return restarted

    async def close(self) -> None:
        for running in reversed(self.running):
            await running.server.stop()
        await self.databases.drop_all()


async def connect(initiator: RunningNode, receiver: RunningNode) -> tuple[Partner, Partner]:
    """The real handshake: the receiver invites, the initiator registers. Returns each side's view once the
    synchronisation the registration starts at the initiator (its pulls, and the pushes of what it owns)
    has ended: a test must not race it (on a loaded machine a pull can end after the next re-plan)."""
    invitation = await receiver.node.partners.invite(initiator.node.config.name)
    theirs = await initiator.node.partners.register_with(invitation.versions_url, invitation.token_a)
    ours = await receiver.node.partners.find(invitation.partner_id)
    assert ours is not None and ours.registered and theirs.registered
    exchange = initiator.node.context.find(EXCHANGE)
    if exchange is not None:
        await exchange.sync.drain()
        await exchange.pusher.drain()
    return theirs, ours

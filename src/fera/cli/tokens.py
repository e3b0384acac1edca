"""`fera tokens import FILE`: the eMSP's tokens from OCPI Token JSON (one or a list) or CSV (a header row)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from fera.admin.imports import InvalidImport, parse_tokens
from fera.cli._provision import Provisioning, console, load, on_database, provision
from fera.config import NodeConfig, RoleConfig
from fera.ocpi.tokens.models import Token
from fera.ocpi.types import Role

if TYPE_CHECKING:
    from fera.node import Node

__all__ = ["tokens_app"]

tokens_app = typer.Typer(help="The eMSP's tokens (RFID cards, app users).", no_args_is_help=True)
ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Node configuration (TOML).")]
FileArgument = Annotated[
    Path, typer.Argument(help="OCPI Token JSON (one object or a list), or CSV with a header row (.csv).")
]


def _role(config: NodeConfig) -> RoleConfig:
    role = next((r for r in config.roles if r.role is Role.EMSP), None)
    if role is None:
        raise InvalidImport(f"node {config.name} has no EMSP role: only an eMSP owns tokens")
    return role


def _is_csv(file: Path) -> bool:
    return file.suffix.lower() == ".csv"


def _parse(config: NodeConfig, body: bytes, is_csv: bool, now: datetime) -> list[Token]:
    role = _role(config)
    return parse_tokens(body, is_csv, role.party, role.name, now)


@tokens_app.command("import")
def import_tokens(file: FileArgument, config: ConfigOption) -> None:
    """Create or update tokens and push them to the CPO partners."""
    is_csv = _is_csv(file)

    def check(config: NodeConfig, body: bytes) -> list[Token]:
        return _parse(config, body, is_csv, datetime.now(UTC))

    async def store(node: Node, body: bytes, pushes: list[asyncio.Task[None]]) -> Sequence[str]:
        from fera.emsp import emsp_of

        tokens = emsp_of(node).tokens
        parsed = _parse(node.config, body, is_csv, node.clock.now())
        return [(await tokens.put_token(token, pushes)).uid for token in parsed]

    content_type = "text/csv" if is_csv else "application/json"
    provision(Provisioning("tokens", check, store, content_type), config, file)


@tokens_app.command("list")
def list_tokens(config: ConfigOption) -> None:
    """Our tokens, from the database."""
    from fera.emsp import emsp_of

    cfg = load(config)

    async def read(node: Node) -> Sequence[Token]:
        _role(node.config)
        return await emsp_of(node).tokens.own_tokens()

    table = Table(title=f"Tokens of {cfg.name}")
    for column in ("uid", "type", "contract_id", "visual_number", "valid", "whitelist"):
        table.add_column(column)
    for t in on_database(cfg, read):
        valid = "yes" if t.valid else "no"
        table.add_row(t.uid, t.type.value, t.contract_id, t.visual_number or "", valid, t.whitelist.value)
    console.print(table)

"""`fera locations import FILE`: the CPO's locations from OCPI Location JSON (one object or a list)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from fera.admin.imports import InvalidImport, parse_locations
from fera.cli._provision import Provisioning, console, load, on_database, provision
from fera.config import NodeConfig
from fera.ocpi.auth import Party
from fera.ocpi.locations.models import EVSE, Location
from fera.ocpi.types import Role

if TYPE_CHECKING:
    from fera.node import Node

__all__ = ["locations_app"]

locations_app = typer.Typer(help="The CPO's locations, EVSEs and connectors.", no_args_is_help=True)
ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Node configuration (TOML).")]
FileArgument = Annotated[Path, typer.Argument(help="OCPI Location JSON: one object or a list.")]


def _party(config: NodeConfig) -> Party:
    party = config.party(Role.CPO)
    if party is None:
        raise InvalidImport(f"node {config.name} has no CPO role: only a CPO owns locations")
    return party


def _check(config: NodeConfig, body: bytes) -> list[Location]:
    from datetime import UTC, datetime

    return parse_locations(body, _party(config), datetime.now(UTC))


async def _store(node: Node, body: bytes, pushes: list[asyncio.Task[None]]) -> Sequence[str]:
    from fera.cpo import cpo_of

    locations = cpo_of(node).locations
    parsed = parse_locations(body, _party(node.config), node.clock.now())
    return [(await locations.import_location(location, pushes)).id for location in parsed]


@locations_app.command("import")
def import_locations(file: FileArgument, config: ConfigOption) -> None:
    """Create or update locations (EVSEs the file leaves out are kept) and push them to partners."""
    provision(Provisioning("locations", _check, _store, "application/json"), config, file)


@locations_app.command("list")
def list_locations(config: ConfigOption) -> None:
    """Our locations with their EVSEs (status, connectors), learnt ones included, from the database."""
    from fera.cpo import cpo_of

    cfg = load(config)

    async def read(node: Node) -> Sequence[Location]:
        _party(node.config)
        return await cpo_of(node).locations.own_locations()

    table = Table(title=f"Locations of {cfg.name}")
    for column in ("location", "name", "EVSE", "status", "connectors"):
        table.add_column(column)
    for location in on_database(cfg, read):
        for n, evse in enumerate(location.evses or [None]):
            first = (location.id, location.name or "") if n == 0 else ("", "")
            table.add_row(*first, *_evse_cells(evse))
    console.print(table)


def _evse_cells(evse: EVSE | None) -> tuple[str, str, str]:
    if evse is None:
        return "", "", ""
    connectors = ", ".join(f"{c.id}: {c.standard.value} {c.power_type.value}" for c in evse.connectors)
    return evse.uid, evse.status.value, connectors

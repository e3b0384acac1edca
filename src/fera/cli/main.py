"""Typer application; each command loads a node configuration and calls one service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from fera.cli.locations import locations_app
from fera.cli.signals import signals_app
from fera.cli.tokens import tokens_app
from fera.config import ConfigError, NodeConfig, load_config
from fera.ocpi.auth import Party
from fera.ocpi.errors import OcpiError, PeerError
from fera.partners import Partner
from fera.partners.identity import parse_party

app = typer.Typer(help="FERA: smart charging over OCPI 2.2.1.", no_args_is_help=True, add_completion=False)
partners_app = typer.Typer(
    help="Partner platforms: invite, add-party, register, list, rotate, unregister.", no_args_is_help=True
)
app.add_typer(partners_app, name="partners")
app.add_typer(signals_app, name="signals")
app.add_typer(locations_app, name="locations")
app.add_typer(tokens_app, name="tokens")
console = Console()
T = TypeVar("T")

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Node configuration (TOML).")]


def _config(path: Path) -> NodeConfig:
    try:
        return load_config(path)
    except ConfigError as exc:
        console.print(f"[red]Configuration error:[/] {exc}")
        raise typer.Exit(2) from exc


def _with_node(config: NodeConfig, action: Callable[..., Awaitable[T]]) -> T:
    """Run one service call against the node's database, outside the running server."""
    from fera.node import create_node

    async def run() -> T:
        node = create_node(config)
        await node.start()
        try:
            return await action(node)
        finally:
            await node.stop()

    try:
        return asyncio.run(run())
    except (PeerError, OcpiError, LookupError) as exc:
        console.print(f"[red]Failed:[/] {exc}")
        raise typer.Exit(1) from exc


@app.command()
def serve(config: ConfigOption) -> None:
    """Run a node with uvicorn on its `listen` address."""
    import uvicorn

    from fera.node import create_node

    cfg = _config(config)
    console.print(
        f"FERA node [bold]{cfg.name}[/] on {cfg.listen}, versions at {cfg.public_url}/ocpi/versions"
    )
    uvicorn.run(create_node(cfg).app, host=cfg.host, port=cfg.port, log_level="info")


PartyOption = Annotated[
    list[str] | None,
    typer.Option("--party", help="COUNTRY*PARTY:ROLE that may register, e.g. NL*EMS:EMSP (repeatable)."),
]


def _parties(texts: list[str]) -> list[Party]:
    try:
        return [parse_party(t) for t in texts]
    except ValueError as exc:
        console.print(f"[red]Bad --party:[/] {exc}")
        raise typer.Exit(2) from exc


@partners_app.command("invite")
def partners_invite(
    config: ConfigOption,
    name: Annotated[str, typer.Option(help="Who it is for.")] = "partner",
    party: PartyOption = None,
) -> None:
    """Print a token A and our versions URL to hand to a partner. Only the --party roles may register with it;
    without --party, its first registration fixes its parties."""
    parties = _parties(party or [])
    invitation = _with_node(_config(config), lambda node: node.partners.invite(name, parties))
    console.print(f"versions URL: {invitation.versions_url}")
    console.print(f"token A:      {invitation.token_a}")


@partners_app.command("add-party")
def partners_add_party(
    config: ConfigOption,
    partner_id: str,
    party: Annotated[str, typer.Argument(help="COUNTRY*PARTY:ROLE, e.g. NL*EM2:EMSP.")],
) -> None:
    """Agree one more party with a partner: its next credentials PUT may claim it."""
    (agreed,) = _parties([party])
    partner = _with_node(_config(config), lambda node: node.partners.add_party(partner_id, agreed))
    console.print(f"{partner.name} may act as: " + ", ".join(str(p) for p in partner.agreed))


@partners_app.command("register")
def partners_register(
    config: ConfigOption,
    versions_url: Annotated[str, typer.Argument(help="The partner's versions URL.")],
    token_a: Annotated[str, typer.Argument(help="The token A the partner gave you.")],
) -> None:
    """Perform the credentials handshake (this node must be serving: the partner calls back)."""
    partner = _with_node(_config(config), lambda node: node.partners.register_with(versions_url, token_a))
    console.print(f"Registered with [bold]{partner.name}[/] ({partner.id})")
    _print_partners([partner])


@partners_app.command("list")
def partners_list(config: ConfigOption) -> None:
    """Show partners, their roles and endpoints."""
    _print_partners(_with_node(_config(config), lambda node: node.partners.list()))


@partners_app.command("rotate")
def partners_rotate(config: ConfigOption, partner_id: str) -> None:
    """Rotate the tokens with a registered partner (credentials PUT)."""
    partner = _with_node(_config(config), lambda node: node.partners.rotate(partner_id))
    console.print(f"Rotated tokens with {partner.name}")


@partners_app.command("unregister")
def partners_unregister(config: ConfigOption, partner_id: str) -> None:
    """Unregister from a partner (credentials DELETE) and forget it."""
    _with_node(_config(config), lambda node: node.partners.unregister_from(partner_id))
    console.print(f"Unregistered {partner_id}")


def _print_partners(partners: list[Partner]) -> None:
    table = Table(title="Partners")
    for column in ("id", "name", "state", "roles", "endpoints"):
        table.add_column(column)
    for p in partners:
        state = "registered" if p.registered else ("invited" if p.token_a_hash else "pending")
        roles = "\n".join(str(r.party) for r in p.roles)
        endpoints = "\n".join(f"{e.module} {e.interface_role}: {e.url}" for e in p.endpoints)
        table.add_row(p.id[:8], p.name, state, roles, endpoints)
    console.print(table)


@app.command()
def demo(
    speed: Annotated[float, typer.Option(min=1, help="Simulated seconds per real second.")] = 480.0,
    stations: Annotated[
        int, typer.Option(min=2, help="Simulated stations (two sites, 1.6/2.0.1, AC + DC).")
    ] = 6,
    seed: Annotated[int, typer.Option(help="Seed of the EV arrivals.")] = 7,
    duration: Annotated[float, typer.Option(min=1, help="Simulated hours, from 06:00.")] = 14.0,
    evs: Annotated[int | None, typer.Option(min=1, help="EVs over the day (default: 3 per station).")] = None,
    workdir: Annotated[Path | None, typer.Option(help="Where configs, databases and logs go.")] = None,
    keep_running: Annotated[
        bool,
        typer.Option(
            help="Keep the nodes (and dashboards) up after the report until Ctrl-C (exit code: the report's)."
        ),
    ] = False,
) -> None:
    """CPO, eMSP and SCSP nodes, simulated stations and a day of EVs: all three topologies at once."""
    from fera.demo import Scenario, run_demo

    scenario = Scenario(speed=speed, stations=stations, seed=seed, hours=duration, evs=evs)
    try:
        report = asyncio.run(run_demo(console, scenario, workdir, keep_running=keep_running))
    except KeyboardInterrupt:
        console.print("[yellow]Interrupted before the report: every node process was ended.[/]")
        raise typer.Exit(130) from None
    raise typer.Exit(0 if report.passed else 1)  # the report named every failed check


@app.command()
def simulate(
    url: Annotated[str, typer.Option(help="The CPO's OCPP gateway, e.g. ws://127.0.0.1:9000/ocpp")],
    stations: Annotated[int, typer.Option(min=1, help="Number of stations.")] = 4,
    connectors: Annotated[int, typer.Option(min=1, help="Connectors per station.")] = 2,
    versions: Annotated[
        str, typer.Option(help="OCPP versions, used in turn: 1.6, 2.0.1 or both.")
    ] = "1.6,2.0.1",
    evs: Annotated[int, typer.Option(min=0, help="EVs to generate (ignored with --csv).")] = 12,
    csv: Annotated[
        Path | None, typer.Option(help="EVs from a CSV: arrival,departure,energy_kwh,max_kw.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the EV generator.")] = 1,
    hours: Annotated[float, typer.Option(min=0.1, help="Simulated hours of arrivals.")] = 24.0,
    speed: Annotated[float, typer.Option(min=1, help="Simulated seconds per real second.")] = 360.0,
    password: Annotated[str | None, typer.Option(help="HTTP Basic password of every station.")] = None,
    prefix: Annotated[str, typer.Option(help="Station ids are PREFIX1, PREFIX2, ...")] = "SIM-",
) -> None:
    """Simulated stations connect over real OCPP websockets, plug in EVs and charge within their profiles."""
    from datetime import UTC, datetime

    from fera.ocpp.simulator import (
        SimulationConfig,
        generate_evs,
        read_evs_csv,
        run_simulation,
        station_specs,
    )

    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    specs = station_specs(stations, connectors, [v.strip() for v in versions.split(",")], password, prefix)
    try:
        visits = read_evs_csv(csv.read_text(), start) if csv else generate_evs(evs, start, seed, hours)
    except (OSError, ValueError) as exc:
        console.print(f"[red]Cannot read EVs:[/] {exc}")
        raise typer.Exit(2) from exc
    config = SimulationConfig(url=url, stations=specs, evs=visits, start=start, speed=speed)
    with console.status(f"{len(specs)} stations, {len(visits)} EVs, x{speed:g} time"):
        report = asyncio.run(run_simulation(config))
    console.print(report.summary())


def main() -> None:
    app()

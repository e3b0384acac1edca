"""`fera signals …`: send a capacity forecast or a price/CO2 series to a running node's admin API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console

from fera.config import ConfigError, NodeConfig, load_config

__all__ = ["signals_app"]

signals_app = typer.Typer(
    help="Grid and market signals in (a running node's admin API).", no_args_is_help=True
)
console = Console()
ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Node configuration (TOML).")]
FileArgument = Annotated[Path, typer.Argument(help="JSON (OSCP-like / OpenADR-3-like) or CSV (.csv).")]


def _send(config_path: Path, path: str, file: Path, params: dict[str, str]) -> None:
    try:
        config: NodeConfig = load_config(config_path)
    except ConfigError as exc:
        console.print(f"[red]Configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    if config.admin_token is None:
        console.print("[red]The node has no admin_token: its admin API is off.[/]")
        raise typer.Exit(2)
    csv = file.suffix.lower() == ".csv"
    headers = {
        "Authorization": f"Bearer {config.admin_token}",
        "Content-Type": "text/csv" if csv else "application/json",
    }
    url = config.public_url.rstrip("/") + "/fera/admin" + path
    try:
        response = httpx.put(url, content=file.read_bytes(), params=params, headers=headers, timeout=30)
        body = response.json()
    except (OSError, httpx.HTTPError, ValueError) as exc:
        console.print(f"[red]Failed:[/] {url}: {exc}")
        raise typer.Exit(1) from exc
    if body.get("status_code") != 1000:
        console.print(f"[red]Refused:[/] {body.get('status_message')}")
        raise typer.Exit(1)
    console.print(f"Accepted by {config.name}: {body.get('data')}")


@signals_app.command("capacity")
def capacity(
    config: ConfigOption,
    file: FileArgument,
    group: Annotated[str | None, typer.Option(help="Group (location id); required with CSV.")] = None,
    unit: Annotated[str, typer.Option(help="CSV: KW, W or A (per phase).")] = "KW",
) -> None:
    """A capacity forecast (OSCP-like blocks) for a group: the CPO shares it, the SCSP plans under it."""
    params = {"unit": unit} | ({"group_id": group} if group else {})
    _send(config, "/capacity", file, params)


@signals_app.command("series")
def series(
    config: ConfigOption,
    file: FileArgument,
    kind: Annotated[str, typer.Option(help="CSV: PRICE or GHG.")] = "PRICE",
    group: Annotated[str | None, typer.Option(help="Group it applies to; none: every group.")] = None,
) -> None:
    """Prices or CO2 intensities (OpenADR-3-like intervals) for the planner."""
    params = {"kind": kind} | ({"group_id": group} if group else {})
    _send(config, "/signals", file, params)

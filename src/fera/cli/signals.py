"""`fera signals …`: send a capacity forecast or a price/CO2 series to a running node's admin API.

Checked before sending, against what the node does with them: capacity feeds a CPO's [[sites]] balancing and a
planner (SCSP with plan_sessions, eMSP with steer_own_customers); prices and CO2 feed the planner only. The
group (a location id) must be one the node knows, and a CSV needs its header.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Annotated

import typer

from fera.cli._admin import admin_call
from fera.cli._common import ConfigOption, console, fail, load, open_database, run
from fera.config import NodeConfig
from fera.ocpi.types import Role

__all__ = ["signals_app"]

signals_app = typer.Typer(
    help="Grid and market signals in (a running node's admin API).", no_args_is_help=True
)
FileArgument = Annotated[Path, typer.Argument(help="JSON (OSCP-like / OpenADR-3-like) or CSV (.csv).")]
UrlOption = Annotated[
    str | None, typer.Option(help="The node's base URL (default: http://{listen} from its config).")
]
ForceOption = Annotated[bool, typer.Option(help="Send even for a group the node does not know yet.")]
CSV_COLUMNS = {"capacity": ("start", "end", "capacity"), "series": ("start", "end", "value")}


def _plans(config: NodeConfig) -> bool:
    from fera.scsp.planning_module import selector

    return selector(config) is not None


def _read(file: Path, columns: tuple[str, ...]) -> tuple[bytes, bool]:
    """The file's bytes and whether it is CSV; a CSV without its header row is refused (not a lost row)."""
    try:
        content = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    is_csv = file.suffix.lower() == ".csv"
    if is_csv:
        header = next(csv.reader(io.StringIO(content.decode("utf-8-sig", "replace"))), [])
        missing = [c for c in columns if c not in header]
        if missing:
            fail(
                f"{file}: the first line must be the header {','.join(columns)} "
                f"(missing: {', '.join(missing)})"
            )
    return content, is_csv


def _check_group(config: NodeConfig, group: str, force: bool) -> None:
    known = run(_known_groups(config))
    if group.upper() not in known and not force:
        hint = f"known: {', '.join(sorted(known))}" if known else "it knows no location yet"
        fail(f"{config.name} knows no group (location) '{group}' ({hint}); --force sends it anyway")


async def _known_groups(config: NodeConfig) -> set[str]:
    database = await open_database(config)
    try:
        async with database.unit_of_work() as uow:
            known = await uow.locations.ids() | await uow.sessions.location_ids()
    finally:
        await database.close()
    return known | {s.location.upper() for s in config.sites}


def _send(
    config: NodeConfig, path: str, file: tuple[bytes, bool], params: dict[str, str], url: str | None
) -> None:
    content, is_csv = file
    data = admin_call(
        config,
        "PUT",
        path,
        base_url=url,
        content=content,
        params=params,
        content_type="text/csv" if is_csv else "application/json",
    )
    console.print(f"Accepted by {config.name}: {data}")


@signals_app.command("capacity")
def capacity(
    config: ConfigOption,
    file: FileArgument,
    group: Annotated[str | None, typer.Option(help="Group (location id); required with CSV.")] = None,
    unit: Annotated[str, typer.Option(help="CSV: KW, W or A (per phase).")] = "KW",
    url: UrlOption = None,
    force: ForceOption = False,
) -> None:
    """A capacity forecast (OSCP-like blocks) for a group: the CPO balances its site under it, a planner plans
    under it."""
    cfg = load(config)
    if not (_plans(cfg) or (cfg.has_role(Role.CPO) and cfg.sites)):
        fail(
            f"{cfg.name} would not use a capacity forecast: a CPO uses it for its [[sites]], an SCSP "
            "(plan_sessions) or an eMSP (steer_own_customers) for planning"
        )
    body = _read(file, CSV_COLUMNS["capacity"])
    if body[1] and not group:
        fail("a CSV forecast needs --group (the location id it applies to)")
    if group:
        _check_group(cfg, group, force)
    _send(cfg, "/capacity", body, {"unit": unit} | ({"group_id": group} if group else {}), url)


@signals_app.command("series")
def series(
    config: ConfigOption,
    file: FileArgument,
    kind: Annotated[str, typer.Option(help="CSV: PRICE or GHG.")] = "PRICE",
    group: Annotated[str | None, typer.Option(help="Group it applies to; none: every group.")] = None,
    url: UrlOption = None,
    force: ForceOption = False,
) -> None:
    """Prices or CO2 intensities (OpenADR-3-like intervals) for the planner (SCSP, or eMSP steering)."""
    cfg = load(config)
    if not _plans(cfg):
        fail(
            f"{cfg.name} plans nothing, so prices and CO2 would be unused: send them to an SCSP with "
            "plan_sessions, or an eMSP with steer_own_customers"
        )
    body = _read(file, CSV_COLUMNS["series"])
    if group:
        _check_group(cfg, group, force)
    _send(cfg, "/signals", body, {"kind": kind} | ({"group_id": group} if group else {}), url)

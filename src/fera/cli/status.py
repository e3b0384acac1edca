"""`fera status`: partners and their health, stations online, profile work pending. Safe beside `fera serve`:
it reads the node's database, and asks the serving node (admin API) only for what lives in its memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from rich.table import Table

from fera.admin.routes import ADMIN_PATH
from fera.cli._common import ConfigOption, console, load, node_url, open_database, run
from fera.config import NodeConfig
from fera.partners import Partner
from fera.smartcharging.model import ProfileJob, ProfileRequest

__all__ = ["status"]


@dataclass(frozen=True)
class _Stored:
    partners: list[Partner]
    jobs: list[ProfileJob]  # CPO: accepted requests not yet applied to a station
    requests: list[ProfileRequest]  # sender side: requests still waiting for their result


def status(config: ConfigOption) -> None:
    """Partners (roles, last contact, last error), stations online and pending ChargingProfile work."""
    cfg = load(config)
    stored = run(_read(cfg))
    console.print(f"Node [bold]{cfg.name}[/] ({', '.join(str(r.party) for r in cfg.roles)}), {_serving(cfg)}")
    _partners_table(stored.partners)
    if cfg.ocpp_listen is not None:
        _stations_table(cfg)
    console.print(f"ChargingProfile jobs waiting for a station: {len(stored.jobs)}")
    for job in stored.jobs[:10]:
        console.print(f"  {job.kind.value} session {job.session_id}, since {_when(job.created_at)}")
    console.print(f"ChargingProfile requests waiting for a result: {len(stored.requests)}")
    for request in stored.requests[:10]:
        console.print(
            f"  {request.kind.value} session {request.session_id}, since {_when(request.created_at)}"
        )


async def _read(config: NodeConfig) -> _Stored:
    database = await open_database(config)
    try:
        async with database.unit_of_work() as uow:
            return _Stored(
                await uow.partners.list(), await uow.profile_jobs.queued(), await uow.profile_requests.open()
            )
    finally:
        await database.close()


def _serving(config: NodeConfig) -> str:
    try:
        httpx.get(node_url(config) + "/ocpi/versions", timeout=5)
    except httpx.HTTPError:
        return f"[yellow]not serving at {node_url(config)}[/]"
    return f"serving at {node_url(config)}"


def _partners_table(partners: list[Partner]) -> None:
    table = Table(title="Partners")
    for column in ("id", "name", "roles", "state", "last contact", "last error", "health"):
        table.add_column(column, no_wrap=column in ("id", "state", "health"))
    for p in partners:
        state = "registered" if p.registered else "invited" if p.token_a_hash else "pending"
        error = f"{_when(p.last_error_at)}: {p.last_error}" if p.last_error else "-"
        roles = ", ".join(str(r.party) for r in p.roles) or "-"
        table.add_row(p.id[:8], p.name, roles, state, _last_contact(p), error, _health(p))
    console.print(table)


def _last_contact(partner: Partner) -> str:
    """The later of our last call it answered and its last call to us, saying which."""
    ours, theirs = partner.last_contact_at, partner.last_inbound_at
    if theirs is not None and (ours is None or theirs > ours):
        return f"{_when(theirs)} (it called us)"
    return "-" if ours is None else f"{_when(ours)} (we called it)"


def _health(partner: Partner) -> str:
    """How our calls to it fare (its calls to us prove nothing about the URLs and token we use)."""
    if not partner.registered:
        return "-"
    if partner.last_error_at is not None and (
        partner.last_contact_at is None or partner.last_error_at >= partner.last_contact_at
    ):
        return "[red]failing[/]"
    return "ok" if partner.last_contact_at is not None else "not contacted yet"


def _stations_table(config: NodeConfig) -> None:
    live = _live_stations(config)
    table = Table(title="Stations" + ("" if isinstance(live, dict) else f" ({live})"))
    for column in ("id", "location", "online", "protocol", "last seen"):
        table.add_column(column, no_wrap=True)
    rows = {s["id"]: s for s in live.get("stations", [])} if isinstance(live, dict) else {}
    locations = {s.id: s.location for s in config.stations}
    for station_id in [*locations, *(i for i in rows if i not in locations)]:
        row = rows.get(station_id, {})
        online = "?" if "online" not in row else "yes" if row["online"] else "no"
        where = locations.get(station_id, "- (not configured)")
        table.add_row(station_id, where, online, row.get("protocol") or "-", row.get("last_seen") or "-")
    console.print(table)
    if not isinstance(live, dict):
        return
    if live.get("gateway_url"):
        console.print(f"OCPP gateway: {live['gateway_url']}")
    for refusal in live.get("refused", []):
        console.print(f"  refused {refusal['station_id']} at {refusal['at']}: {refusal['reason']}")


def _live_stations(config: NodeConfig) -> dict[str, Any] | str:
    """The gateway's view from the serving node, or why it is unknown."""
    if config.admin_token is None:
        return "online unknown: no admin_token, the node's admin API is off"
    headers = {"Authorization": f"Bearer {config.admin_token}"}
    try:
        response = httpx.get(node_url(config) + ADMIN_PATH + "/stations", headers=headers, timeout=10)
        body = response.json()
    except (httpx.HTTPError, ValueError):
        return "online unknown: the node is not serving"
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else f"online unknown: {body.get('status_message', 'no answer')}"


def _when(at: datetime | None) -> str:
    return "-" if at is None else at.isoformat(timespec="seconds")

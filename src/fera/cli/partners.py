"""`fera partners …`: the credentials handshake and the partner directory, beside a serving node.

These commands open the node's database and its credentials logic only: they never bind a port nor start
the gateway, planner or pushes. `register` runs inside the serving node when it has an admin API (so the
synchronisation that follows feeds its planner and caches); else here, waiting for that pull to finish.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import httpx
import typer
from rich.table import Table

from fera.cli._admin import admin_call, is_serving
from fera.cli._common import ConfigOption, console, fail, load, node_url, open_database, run
from fera.config import NodeConfig
from fera.ocpi.auth import Party
from fera.partners import Partner, PartnerService

__all__ = ["partner_tools", "partners_app", "print_partners", "short_ids"]

partners_app = typer.Typer(
    help="Partner platforms: invite, add-party, register, list, rotate, unregister; open invitations.",
    no_args_is_help=True,
)
PartnerId = Annotated[
    str, typer.Argument(help="A partner id, or its first characters as `list` prints them.")
]


@asynccontextmanager
async def partner_tools(config: NodeConfig) -> AsyncIterator[PartnerService]:
    """The node's store and credentials logic, nothing else (safe beside the serving node)."""
    from fera.node import OUTBOUND_LIMITS, OUTBOUND_TIMEOUT, partner_service
    from fera.ocpi.peer import PeerClient
    from fera.partners.contact import ContactLog

    database = await open_database(config)
    http = httpx.AsyncClient(timeout=OUTBOUND_TIMEOUT, limits=OUTBOUND_LIMITS)
    peer = PeerClient(http)
    contacts = ContactLog(database)
    peer.observer = contacts.observe
    try:
        yield partner_service(config, database, peer)
    finally:
        await contacts.drain()
        await http.aclose()
        await database.close()


PartyOption = Annotated[
    list[str] | None,
    typer.Option("--party", help="COUNTRY*PARTY:ROLE that may register, e.g. NL*EMS:EMSP (repeatable)."),
]


def _parties(texts: list[str]) -> list[Party]:
    from fera.partners.identity import parse_party

    try:
        return [parse_party(t) for t in texts]
    except ValueError as exc:
        fail(f"bad --party: {exc}", 2)


@partners_app.command("invite")
def invite(
    config: ConfigOption,
    name: Annotated[str, typer.Option(help="Who it is for.")] = "partner",
    party: PartyOption = None,
) -> None:
    """Print a token A and our versions URL to hand to a partner. Only the --party roles may register with it;
    without --party, its first registration fixes its parties."""
    parties = _parties(party or [])

    async def work() -> None:
        async with partner_tools(load(config)) as partners:
            invitation = await partners.invite(name, parties)
        console.print(f"versions URL: {invitation.versions_url}")
        console.print(f"token A:      {invitation.token_a}")
        console.print(f"invitation:   {invitation.partner_id[:8]} (withdraw with `fera partners revoke`)")

    run(work())


@partners_app.command("add-party")
def add_party(
    config: ConfigOption,
    partner_id: PartnerId,
    party: Annotated[str, typer.Argument(help="COUNTRY*PARTY:ROLE, e.g. NL*EM2:EMSP.")],
) -> None:
    """Agree one more party with a partner: its next credentials PUT may claim it."""
    (agreed,) = _parties([party])

    async def work() -> Partner:
        async with partner_tools(load(config)) as partners:
            return await partners.add_party(await partners.resolve_id(partner_id), agreed)

    partner = run(work())
    console.print(f"{partner.name} may act as: " + ", ".join(str(p) for p in partner.agreed))


@partners_app.command("register")
def register(
    config: ConfigOption,
    versions_url: Annotated[str, typer.Argument(help="The partner's versions URL.")],
    token_a: Annotated[str, typer.Argument(help="The token A the partner gave you.")],
) -> None:
    """Perform the credentials handshake, then pull the partner's locations, sessions and tokens.

    This node must be serving: the partner calls it back during the handshake."""
    cfg = load(config)
    if not is_serving(cfg):
        fail(
            f"{cfg.name} is not serving at {node_url(cfg)}: start `fera serve -c {config}` first "
            "(the partner calls it back during the handshake)"
        )
    if cfg.admin_token is not None:
        data = admin_call(
            cfg, "POST", "/partners/register", json={"versions_url": versions_url, "token_a": token_a}
        )
        console.print(
            f"Registered with [bold]{data['name']}[/] ({data['partner_id'][:8]}), roles "
            f"{', '.join(data['roles'])}; the node is pulling their objects"
        )
        return
    partner = run(_register_here(cfg, versions_url, token_a))
    console.print(f"Registered with [bold]{partner.name}[/] ({partner.id[:8]}); their objects are pulled")
    print_partners([partner])


async def _register_here(config: NodeConfig, versions_url: str, token_a: str) -> Partner:
    """The handshake in this process, with the node's role services so the sync pulls as the node would."""
    from fera.exchange.context import exchange_of
    from fera.node import create_node

    node = create_node(config)  # built, never started: no port, no gateway, no planner loop
    try:
        await node.database.migrate()
        partner = await node.partners.register_with(versions_url, token_a)
        await exchange_of(node).close()  # waits for the pull (and our announcements) to finish
        return partner
    finally:
        await node.contacts.drain()
        await node.http.aclose()
        await node.database.close()


@partners_app.command("list")
def list_partners(config: ConfigOption) -> None:
    """Show partners, their roles and endpoints (ids as `rotate` and `unregister` take them)."""

    async def work() -> list[Partner]:
        async with partner_tools(load(config)) as partners:
            return await partners.list()

    print_partners(run(work()))


@partners_app.command("invitations")
def invitations(config: ConfigOption) -> None:
    """Show open invitations (token A handed out, not used yet)."""

    async def work() -> list[Partner]:
        async with partner_tools(load(config)) as partners:
            return await partners.invitations()

    table = Table(title="Open invitations")
    for column in ("id", "for", "created"):
        table.add_column(column, no_wrap=True)
    for p in run(work()):
        table.add_row(p.id[:8], p.name, p.created_at.isoformat(timespec="seconds"))
    console.print(table)


@partners_app.command("revoke")
def revoke(
    config: ConfigOption,
    invitation: Annotated[str, typer.Argument(help="The token A, or the invitation's id (or its prefix).")],
) -> None:
    """Withdraw an open invitation: its token A stops working."""

    async def work() -> Partner:
        async with partner_tools(load(config)) as partners:
            return await partners.revoke(invitation)

    partner = run(work())
    console.print(f"Revoked the invitation {partner.id[:8]} for {partner.name}")


@partners_app.command("rotate")
def rotate(config: ConfigOption, partner_id: PartnerId) -> None:
    """Rotate the tokens with a registered partner (credentials PUT)."""

    async def work() -> Partner:
        async with partner_tools(load(config)) as partners:
            return await partners.rotate(await partners.resolve_id(partner_id))

    partner = run(work())
    console.print(f"Rotated tokens with {partner.name} ({partner.id[:8]})")


@partners_app.command("unregister")
def unregister(config: ConfigOption, partner_id: PartnerId) -> None:
    """Unregister from a partner (credentials DELETE) and forget it."""

    async def work() -> Partner | None:
        async with partner_tools(load(config)) as partners:
            full = await partners.resolve_id(partner_id)
            partner = await partners.find(full)
            await partners.unregister_from(full)
            return partner

    partner = run(work())
    console.print(f"Unregistered {partner.name if partner else partner_id}")


def short_ids(partners: list[Partner]) -> dict[str, str]:
    """Ids cut to 8 characters, or more where two would share them: what `rotate` and `unregister` take."""
    ids = [p.id for p in partners]
    short = {}
    for full in ids:
        size = 8
        while size < len(full) and any(o != full and o.startswith(full[:size]) for o in ids):
            size += 1
        short[full] = full[:size]
    return short


def print_partners(partners: list[Partner]) -> None:
    short = short_ids(partners)
    table = Table(title="Partners")
    for column in ("id", "name", "state", "roles", "endpoints"):
        table.add_column(column, no_wrap=column in ("id", "state"))
    for p in partners:
        state = "registered" if p.registered else ("invited" if p.token_a_hash else "pending")
        roles = "\n".join(str(r.party) for r in p.roles)
        endpoints = "\n".join(f"{e.module} {e.interface_role}: {e.url}" for e in p.endpoints)
        table.add_row(short[p.id], p.name, state, roles, endpoints)
    console.print(table)

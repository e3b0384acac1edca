"""What the demo reads from the nodes' own databases (separate processes: their stores are the window)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from fera.config import NodeConfig
from fera.ocpi.sessions.models import Session
from fera.smartcharging.model import ProfileRequest
from fera.store import Database, UnitOfWork
from fera.store.records import Visibility, Window

__all__ = ["dominant", "limiters", "partner_ids", "requests", "sessions"]

LIMITER_KEY = "limiting"  # in the CPO's record of a session's last push: [[from (ISO 8601), who], ...]
NON_SENDERS = {"local": "site", "evse": "evse"}  # the CPO's site limit, the EVSE's own maximum


@asynccontextmanager
async def _unit_of_work(config: NodeConfig) -> AsyncIterator[UnitOfWork]:
    database = Database(config.database_url)
    try:
        async with database.unit_of_work() as uow:
            yield uow
    finally:
        await database.close()


async def sessions(config: NodeConfig) -> list[Session]:
    async with _unit_of_work(config) as uow:
        page = await uow.sessions.page(None, Visibility(all_locations=True), Window(0, 10_000))
    return list(page.items)


async def requests(config: NodeConfig) -> list[ProfileRequest]:
    async with _unit_of_work(config) as uow:
        return await uow.profile_requests.all()


async def partner_ids(config: NodeConfig) -> dict[str, str]:
    """Partner id by the partner's first role, as the demo names its nodes (cpo, emsp, scsp)."""
    async with _unit_of_work(config) as uow:
        partners = await uow.partners.list()
    by_role = {"CPO": "cpo", "EMSP": "emsp", "SCSP": "scsp"}
    return {
        by_role[p.roles[0].role.value]: p.id for p in partners if p.roles and p.roles[0].role.value in by_role
    }


async def limiters(cpo: NodeConfig) -> dict[str, str]:
    """Token uid -> what limited the session for most of its time, as the CPO recorded with every push of
    its ActiveChargingProfile (`limiting`: from which instant whom); none where it recorded nothing."""
    names = {pid: name for name, pid in (await partner_ids(cpo)).items()} | NON_SENDERS
    out: dict[str, str] = {}
    async with _unit_of_work(cpo) as uow:
        page = await uow.sessions.page(None, Visibility(all_locations=True), Window(0, 10_000))
        for session in page.items:
            pushed = await uow.sender_profiles.last_pushed(session.id) or {}
            changes = [(datetime.fromisoformat(t), who) for t, who in pushed.get(LIMITER_KEY, [])]
            end = session.end_date_time or session.last_updated
            who = dominant(changes, session.start_date_time, end)
            if who is not None:
                out[session.cdr_token.uid] = names.get(who, who)
    return out


def dominant(changes: list[tuple[datetime, str]], start: datetime, end: datetime) -> str | None:
    """Who was in force longest within [start, end), each entry holding until the next one."""
    held: dict[str, float] = {}
    for (since, who), (until, _) in zip(changes, [*changes[1:], (end, "")], strict=False):
        seconds = (min(until, end) - max(since, start)).total_seconds()
        if seconds > 0:
            held[who] = held.get(who, 0.0) + seconds
    return max(held, key=lambda who: held[who]) if held else None

"""What the demo reads from the nodes' own databases (separate processes: their stores are the window)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fera.config import NodeConfig
from fera.ocpi.sessions.models import Session
from fera.smartcharging.model import ProfileRequest
from fera.store import Database, UnitOfWork
from fera.store.records import Visibility, Window

__all__ = ["limiters", "partner_ids", "requests", "sessions"]

LIMITER_KEY = "limited_by"  # in the CPO's record of a session's last ActiveChargingProfile, when it names one


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
    """Token uid -> the sender whose profile governed the session's last ActiveChargingProfile, where the
    CPO recorded one; partner ids are shown by the demo's node names."""
    names = {pid: name for name, pid in (await partner_ids(cpo)).items()}
    out: dict[str, str] = {}
    async with _unit_of_work(cpo) as uow:
        page = await uow.sessions.page(None, Visibility(all_locations=True), Window(0, 10_000))
        for session in page.items:
            pushed = await uow.sender_profiles.last_pushed(session.id)
            sender = None if pushed is None else pushed.get(LIMITER_KEY)
            if isinstance(sender, str):
                out[session.cdr_token.uid] = names.get(sender, sender)
    return out

"""Resynchronisation by pulling the owner's lists (pagination, `date_from`): after a (re)registration and
on demand. Only objects of the partner's own parties are kept (spec: the owner is read from each object),
except from a hub: its lists merge the objects of the parties behind it (OCPI 2.2.1 "GET All via hub")."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fera.ocpi.errors import OcpiError, PeerError
from fera.ocpi.peer import PeerTarget
from fera.ocpi.types import Role
from fera.partners import Partner, PartnerService

__all__ = ["Puller", "Sync", "SyncReport"]

log = logging.getLogger(__name__)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# How long a stopping node lets the pulls after a registration go on (each page may take the client's 10 s
# read timeout): a slow partner must not hold the shutdown. A pull cut short loses what a failed pull does:
# the partner's pushes still come, and its next (re)registration pulls everything again.
CLOSE_WAIT_S = 5.0
# Pages of the owner's list, from the partner's Sender endpoint, since a moment.
Pages = Callable[[PeerTarget, str, datetime], AsyncIterator[list[Any]]]
Ingest = Callable[[str, Any], Awaitable[object]]  # (partner id, object) -> stored


@dataclass(frozen=True)
class Puller:
    module: str
    pages: Pages
    ingest: Ingest


@dataclass
class SyncReport:
    partner_id: str
    pulled: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class Sync:
    def __init__(self, partners: PartnerService) -> None:
        self._partners = partners
        self.pullers: list[Puller] = []  # one per Receiver interface this node hosts
        self.announcers: list[Callable[[Partner], Awaitable[None]]] = []  # owners: push all to a new partner
        self._tasks: dict[asyncio.Task[None], str] = {}  # the synchronisations under way: partner name

    async def on_registered(self, partner: Partner) -> None:
        """Registration hook: pull what we receive, announce what we own; never blocks the handshake."""
        task = asyncio.create_task(self._after_registration(partner))
        self._tasks[task] = partner.name
        task.add_done_callback(self._tasks.pop)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.wait(list(self._tasks))  # unlike gather, cancelling the wait leaves them running

    async def close(self, timeout: float | None = None) -> None:
        """Wait for the synchronisations under way, at most `timeout` (`CLOSE_WAIT_S`); cancel the rest."""
        try:
            async with asyncio.timeout(CLOSE_WAIT_S if timeout is None else timeout):
                await self.drain()
        except TimeoutError:
            cut = dict(self._tasks)
            for task in cut:
                task.cancel()
            await asyncio.gather(*cut, return_exceptions=True)
            for name in sorted(set(cut.values())):
                log.warning("synchronisation with %s cut short by the node's stop", name)

    async def sync_all(self, since: datetime | None = None) -> list[SyncReport]:
        return [await self.sync_partner(p.id, since) for p in await self._partners.list() if p.registered]

    async def sync_partner(self, partner_id: str, since: datetime | None = None) -> SyncReport:
        """Pull every list this node receives from that partner; `since` None pulls everything."""
        partner = await self._partners.find(partner_id)
        if partner is None or not partner.registered:
            raise LookupError(f"no registered partner {partner_id}")
        report = SyncReport(partner_id)
        for puller in self.pullers:
            url = partner.endpoint(puller.module, "SENDER")
            if url is not None:
                await self._pull(partner, puller, url, since or EPOCH, report)
        return report

    async def _after_registration(self, partner: Partner) -> None:
        try:
            await self.sync_partner(partner.id)
            for announce in self.announcers:
                await announce(partner)
        except Exception:
            log.exception("synchronisation with %s after registration failed", partner.name)

    async def _pull(
        self, partner: Partner, puller: Puller, url: str, since: datetime, report: SyncReport
    ) -> None:
        target = self._partners.peer_target(partner)
        count = 0
        try:
            async for page in puller.pages(target, url, since):
                for obj in page:
                    if _owned_by(partner, obj) and await _ingest(puller, partner, obj):
                        count += 1
        except PeerError as exc:
            report.errors.append(str(exc))
            log.warning("pulling %s from %s failed: %s", puller.module, partner.name, exc)
        report.pulled[puller.module] = count


def _owned_by(partner: Partner, obj: Any) -> bool:
    parties = partner.parties()
    hub = any(p.role is Role.HUB for p in parties)
    return hub or any(p.is_(obj.country_code, obj.party_id) for p in parties)


async def _ingest(puller: Puller, partner: Partner, obj: Any) -> bool:
    try:
        await puller.ingest(partner.id, obj)
    except OcpiError as exc:
        log.warning("%s from %s not stored: %s", puller.module, partner.name, exc)
        return False
    return True

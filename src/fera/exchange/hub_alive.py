"""The HubClientInfo "still alive" check, from a hub's client: a hub we have not reached for a while gets a
GET on its versions endpoint (no side effects, always there: the spec's own choice of probe).

What the probe finds is recorded like any outbound call (`fera.partners.contact`): a hub whose last call
failed is down, and nothing is sent through it (`fera.partners.reach`; pushes are not queued, as for an
OFFLINE party). A down hub is probed every round; when it answers again we pull its lists (ClientInfo
included) to get back in sync, as the spec asks of a party coming back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fera.exchange.sync import Sync
from fera.ocpi.errors import PeerError
from fera.ocpi.peer import PeerClient
from fera.partners import Partner, PartnerService
from fera.partners.reach import hub_down, is_hub

__all__ = ["StillAlive"]

log = logging.getLogger(__name__)


class StillAlive:
    def __init__(
        self,
        partners: PartnerService,
        peer: PeerClient,
        sync: Sync,
        quiet_s: float,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._partners, self._peer, self._sync = partners, peer, sync
        self._quiet, self._now = timedelta(seconds=quiet_s), now
        self._every = min(max(quiet_s / 5, 0.2), 60.0)  # how often hubs are looked at
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def check(self) -> None:
        """One round: probe every hub that is down or quiet for longer than `quiet_s`."""
        for partner in await self._partners.list():
            if partner.registered and is_hub(partner) and self._due(partner):
                await self._probe(partner)

    def _due(self, partner: Partner) -> bool:
        last = partner.last_contact_at
        return hub_down(partner) or last is None or self._now() - last >= self._quiet

    async def _probe(self, partner: Partner) -> None:
        if partner.versions_url is None:
            return
        target = self._partners.peer_target(partner)
        try:
            await self._peer.call(target, "GET", partner.versions_url, functional=False)
        except PeerError as exc:
            log.warning("hub %s fails its still-alive check, nothing goes through it: %s", partner.name, exc)
            return
        if hub_down(partner):
            log.info("hub %s answers again; pulling its lists to get back in sync", partner.name)
            await self._sync.sync_partner(partner.id)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self.check()
            except Exception:  # one bad round must not end the checks
                log.exception("the hubs' still-alive check failed")

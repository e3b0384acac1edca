"""The CPO's Locations: the Sender interface and the domain API (`put_location`, `set_evse_status`).

Each change is committed, published as `LocationChanged` and pushed to the eMSPs and to SCSPs whose contract
covers the location: the whole location with PUT, an EVSE status change as a PATCH of that EVSE.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from fera.cpo._recipients import location_recipients
from fera.cpo.visibility import location_visibility
from fera.exchange import Exchange, Push
from fera.exchange._objects import find_evse, with_evse
from fera.exchange.locations import navigate
from fera.ocpi.auth import Caller
from fera.ocpi.errors import NotFound
from fera.ocpi.locations.models import EVSE, Connector, EvsePatch, Location, Status
from fera.ocpi.locations.service import LocationRef
from fera.ocpi.pagination import Page, PageQuery
from fera.partners import Partner
from fera.sessions_events import LocationChanged
from fera.store.records import Window

__all__ = ["CpoLocations"]


class CpoLocations:
    """Implements `LocationsSender` for the CPO role."""

    def __init__(self, exchange: Exchange) -> None:
        self._ex = exchange
        # One writer per location: an EVSE change rewrites the whole location, so two stations reporting at
        # once would otherwise lose one of the changes.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def list(self, caller: Caller, query: PageQuery) -> Page:
        visibility = location_visibility(caller.roles, self._ex.config.contracts)
        window = Window(query.offset, query.limit, query.date_from, query.date_to)
        async with self._ex.store.unit_of_work() as uow:
            return await uow.locations.page(None, visibility, window)

    async def get(self, caller: Caller, ref: LocationRef) -> Location | EVSE | Connector:
        location = await self.location(ref.location_id)
        visible = location_visibility(caller.roles, self._ex.config.contracts).sees_location(ref.location_id)
        if location is None or not visible:
            raise NotFound("Unknown location")
        return navigate(location, ref)

    async def location(self, location_id: str) -> Location | None:
        async with self._ex.store.unit_of_work() as uow:
            return await uow.locations.own(location_id)

    # -- domain API -------------------------------------------------------------------------------------
    async def put_location(self, location: Location) -> Location:
        """Create or replace one of our locations (the caller sets `last_updated`s); pushed whole."""
        async with self._ex.store.unit_of_work() as uow:
            await uow.locations.put(location, None)
            partners = await uow.partners.list()
        self._push(location, None, partners)
        await self._ex.events.publish(LocationChanged(location, None))
        return location

    async def set_evse_status(
        self, location_id: str, evse_uid: str, status: Status, at: datetime | None = None
    ) -> Location:
        at = at or self._ex.now()
        async with self._locks[location_id.upper()], self._ex.store.unit_of_work() as uow:
            location = await uow.locations.own(location_id)
            evse = None if location is None else find_evse(location, evse_uid)
            if location is None or evse is None:
                raise NotFound(f"Unknown EVSE {location_id}/{evse_uid}")
            patch = EvsePatch(status=status, last_updated=at)
            updated = with_evse(location, evse.model_copy(update={"status": status, "last_updated": at}))
            await uow.locations.put(updated, None)
            partners = await uow.partners.list()
        self._push(updated, (evse.uid, patch), partners)
        await self._ex.events.publish(LocationChanged(updated, None))
        return updated

    async def announce(self, partner: Partner) -> None:
        """PUT every location the partner may see (after a registration)."""
        visibility = location_visibility(partner.parties(), self._ex.config.contracts)
        async with self._ex.store.unit_of_work() as uow:
            page = await uow.locations.page(None, visibility, Window(0, 10_000))
        for location in page.items:
            self._push(location, None, [partner])

    def _push(
        self, location: Location, evse_patch: tuple[str, EvsePatch] | None, partners: Sequence[Partner]
    ) -> None:
        client = self._ex.locations_receiver
        for r in location_recipients(self._ex, partners, location):
            put = partial(client.put, r.target, r.url, location)
            patch = (
                None
                if evse_patch is None
                else partial(client.patch_evse, r.target, r.url, location, *evse_patch)
            )
            key = (r.partner_id, "locations", location.country_code, location.party_id, location.id)
            self._ex.pusher.submit(Push(key, put, patch))

"""Typed clients for a peer's Locations interfaces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from fera.ocpi.locations.models import EVSE, EvsePatch, Location, LocationPatch
from fera.ocpi.peer import PeerClient, PeerTarget, join_url
from fera.ocpi.tokens.client import parse_items
from fera.ocpi.types import format_datetime

__all__ = ["LocationsReceiverClient", "LocationsSenderClient"]


class LocationsReceiverClient:
    """Pushes to `{locations_url}/{country_code}/{party_id}/{location_id}[/{evse_uid}]`."""

    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def put(self, target: PeerTarget, url: str, location: Location) -> None:
        item = join_url(url, location.country_code, location.party_id, location.id)
        await self._peer.call(target, "PUT", item, json=location.to_wire())

    async def patch(self, target: PeerTarget, url: str, location: Location, patch: LocationPatch) -> None:
        item = join_url(url, location.country_code, location.party_id, location.id)
        await self._peer.call(target, "PATCH", item, json=patch.to_wire())

    async def put_evse(self, target: PeerTarget, url: str, location: Location, evse: EVSE) -> None:
        item = join_url(url, location.country_code, location.party_id, location.id, evse.uid)
        await self._peer.call(target, "PUT", item, json=evse.to_wire())

    async def patch_evse(
        self, target: PeerTarget, url: str, location: Location, evse_uid: str, patch: EvsePatch
    ) -> None:
        item = join_url(url, location.country_code, location.party_id, location.id, evse_uid)
        await self._peer.call(target, "PATCH", item, json=patch.to_wire())


class LocationsSenderClient:
    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def locations(
        self, target: PeerTarget, url: str, date_from: datetime | None = None
    ) -> AsyncIterator[list[Location]]:
        params = None if date_from is None else {"date_from": format_datetime(date_from)}
        async for items in self._peer.pages(target, url, params):
            yield parse_items(Location, items, target.name)

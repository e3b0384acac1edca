"""Typed clients for a peer's Locations interfaces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from fera.ocpi.locations.models import EVSE, EvsePatch, Location, LocationPatch
from fera.ocpi.peer import PeerClient, PeerRequest, PeerTarget, join_url
from fera.ocpi.tokens.client import parse_items
from fera.ocpi.types import format_datetime

__all__ = [
    "LocationsReceiverClient",
    "LocationsSenderClient",
    "patch_evse_request",
    "patch_request",
    "put_evse_request",
    "put_request",
]


class LocationsReceiverClient:
    """Pushes to `{locations_url}/{country_code}/{party_id}/{location_id}[/{evse_uid}]`."""

    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def put(self, target: PeerTarget, url: str, location: Location) -> None:
        await self._peer.send(target, put_request(url, location))

    async def patch(self, target: PeerTarget, url: str, location: Location, patch: LocationPatch) -> None:
        await self._peer.send(target, patch_request(url, location, patch))

    async def put_evse(self, target: PeerTarget, url: str, location: Location, evse: EVSE) -> None:
        await self._peer.send(target, put_evse_request(url, location, evse))

    async def patch_evse(
        self, target: PeerTarget, url: str, location: Location, evse_uid: str, patch: EvsePatch
    ) -> None:
        await self._peer.send(target, patch_evse_request(url, location, evse_uid, patch))


def put_request(url: str, location: Location) -> PeerRequest:
    return PeerRequest("PUT", _item(url, location), location)


def patch_request(url: str, location: Location, patch: LocationPatch) -> PeerRequest:
    return PeerRequest("PATCH", _item(url, location), patch)


def put_evse_request(url: str, location: Location, evse: EVSE) -> PeerRequest:
    return PeerRequest("PUT", _item(url, location, evse.uid), evse)


def patch_evse_request(url: str, location: Location, evse_uid: str, patch: EvsePatch) -> PeerRequest:
    return PeerRequest("PATCH", _item(url, location, evse_uid), patch)


def _item(url: str, location: Location, *below: str) -> str:
    return join_url(url, location.country_code, location.party_id, location.id, *below)


class LocationsSenderClient:
    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def locations(
        self, target: PeerTarget, url: str, date_from: datetime | None = None
    ) -> AsyncIterator[list[Location]]:
        params = None if date_from is None else {"date_from": format_datetime(date_from)}
        async for items in self._peer.pages(target, url, params):
            yield parse_items(Location, items, target.name)

"""What the Locations routes call: one Protocol per interface role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fera.ocpi.auth import Caller
from fera.ocpi.locations.models import EVSE, Connector, ConnectorPatch, EvsePatch, Location, LocationPatch
from fera.ocpi.pagination import Page, PageQuery

__all__ = ["LocationRef", "LocationsReceiver", "LocationsSender"]


@dataclass(frozen=True)
class LocationRef:
    """A Location, or one of its EVSEs, or one of that EVSE's Connectors (by URL depth)."""

    country_code: str
    party_id: str
    location_id: str
    evse_uid: str | None = None
    connector_id: str | None = None


class LocationsSender(Protocol):
    """The owner's side (CPO): list and single objects; `country_code`/`party_id` are the owner's own."""

    async def list(self, caller: Caller, query: PageQuery) -> Page: ...
    async def get(self, caller: Caller, ref: LocationRef) -> Location | EVSE | Connector: ...


class LocationsReceiver(Protocol):
    """A copy of the owner's locations; a child PUT/PATCH also bumps its parents' `last_updated`."""

    async def get(self, caller: Caller, ref: LocationRef) -> Location | EVSE | Connector: ...
    async def put(self, caller: Caller, ref: LocationRef, obj: Location | EVSE | Connector) -> bool: ...
    async def patch(
        self, caller: Caller, ref: LocationRef, patch: LocationPatch | EvsePatch | ConnectorPatch
    ) -> None: ...

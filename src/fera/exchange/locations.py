"""Locations Receiver, shared by the eMSP and SCSP roles: a copy of the CPOs' locations."""

from __future__ import annotations

from fera.events import EventBus
from fera.exchange._checks import check_owner, check_same, check_stored_by, stored_by_another
from fera.exchange._objects import find_connector, find_evse, with_connector, with_evse
from fera.ocpi.auth import Caller
from fera.ocpi.errors import NotFound
from fera.ocpi.locations.models import (
    EVSE,
    Connector,
    ConnectorPatch,
    EvsePatch,
    Location,
    LocationPatch,
    apply_patch,
)
from fera.ocpi.locations.service import LocationRef
from fera.sessions_events import LocationChanged
from fera.store.protocols import Store

__all__ = ["LocationsMirror", "navigate"]


class LocationsMirror:
    """Implements `LocationsReceiver`; `store` is also the entry point of the pull sync."""

    def __init__(self, store: Store, events: EventBus) -> None:
        self._store, self._events = store, events

    async def get(self, caller: Caller, ref: LocationRef) -> Location | EVSE | Connector:
        location = await self._stored(caller, ref)
        return navigate(location, ref)

    async def put(self, caller: Caller, ref: LocationRef, obj: Location | EVSE | Connector) -> bool:
        check_owner(caller, ref.country_code, ref.party_id)
        if isinstance(obj, Location):
            for field, in_url, in_body in _location_ids(ref, obj):
                check_same(field, in_url, in_body)
            return await self.store(caller.partner_id, obj)
        location = await self._stored(caller, ref)
        if isinstance(obj, EVSE):
            check_same("uid", ref.evse_uid or "", obj.uid)
            created = find_evse(location, obj.uid) is None
            await self._save(caller.partner_id, with_evse(location, obj))
            return created
        check_same("id", ref.connector_id or "", obj.id)
        evse = _evse(location, ref)
        await self._save(caller.partner_id, with_connector(location, evse, obj))
        return find_connector(evse, obj.id) is None

    async def patch(
        self, caller: Caller, ref: LocationRef, patch: LocationPatch | EvsePatch | ConnectorPatch
    ) -> None:
        location = await self._stored(caller, ref)
        if isinstance(patch, LocationPatch):
            for field, in_url, in_body in _location_ids(ref, patch):
                check_same(field, in_url, in_body)
            updated = apply_patch(location, patch)
        elif isinstance(patch, EvsePatch):
            check_same("uid", ref.evse_uid or "", patch.uid)
            evse = apply_patch(_evse(location, ref), patch)
            updated = with_evse(location, evse)
        else:
            check_same("id", ref.connector_id or "", patch.id)
            evse = _evse(location, ref)
            updated = with_connector(location, evse, apply_patch(_connector(evse, ref), patch))
        await self._save(caller.partner_id, updated)

    async def store(self, partner_id: str, location: Location) -> bool:
        async with self._store.unit_of_work() as uow:
            existing = await uow.locations.get(location.country_code, location.party_id, location.id)
            if existing is not None and await stored_by_another(uow, existing.partner_id, partner_id):
                raise NotFound("Unknown location")
            created = await uow.locations.put(location, partner_id)
        await self._events.publish(LocationChanged(location, partner_id))
        return created

    async def _save(self, partner_id: str, location: Location) -> None:
        async with self._store.unit_of_work() as uow:
            await uow.locations.put(location, partner_id)
        await self._events.publish(LocationChanged(location, partner_id))

    async def _stored(self, caller: Caller, ref: LocationRef) -> Location:
        check_owner(caller, ref.country_code, ref.party_id)
        async with self._store.unit_of_work() as uow:
            stored = await uow.locations.get(ref.country_code, ref.party_id, ref.location_id)
        if stored is None:
            raise NotFound("Unknown location")
        check_stored_by(caller, stored.partner_id, "location")
        return stored.location


def _location_ids(ref: LocationRef, body: LocationPatch) -> list[tuple[str, str, str | None]]:
    return [
        ("country_code", ref.country_code, body.country_code),
        ("party_id", ref.party_id, body.party_id),
        ("id", ref.location_id, body.id),
    ]


def _evse(location: Location, ref: LocationRef) -> EVSE:
    evse = find_evse(location, ref.evse_uid or "")
    if evse is None:
        raise NotFound("Unknown EVSE")
    return evse


def _connector(evse: EVSE, ref: LocationRef) -> Connector:
    connector = find_connector(evse, ref.connector_id or "")
    if connector is None:
        raise NotFound("Unknown connector")
    return connector


def navigate(location: Location, ref: LocationRef) -> Location | EVSE | Connector:
    """The object the URL names: the location, one of its EVSEs, or one of that EVSE's connectors."""
    if ref.evse_uid is None:
        return location
    evse = _evse(location, ref)
    return evse if ref.connector_id is None else _connector(evse, ref)

"""The CPO's Locations on a running node (FERA's admin API, not OCPI): list, import, create or update,
patch, remove. Every change is pushed to partners by the CPO's Locations domain API.

`POST /fera/admin/locations` imports one OCPI Location object or a list (see `fera.admin.imports` for the
defaults a hand-written file may rely on); `PUT /{location_id}` creates or updates one; `PATCH` changes some
fields; `DELETE /{location_id}[/{evse_uid}]` sets the EVSEs REMOVED (OCPI never deletes a location).
No `from __future__ import annotations` here: FastAPI must resolve the local dependency alias.
"""

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from fera.admin.imports import checked, parse_location_patch, parse_locations
from fera.admin.routes import ADMIN_PATH, admin_guard
from fera.ocpi.auth import Party
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.errors import InvalidParameters
from fera.ocpi.locations.models import Location, LocationPatch, Status

__all__ = ["PUSH_WAIT_S", "LocationsAdmin", "locations_admin_router", "settled"]

PUSH_WAIT_S = 30.0
Pushes = list[asyncio.Task[None]] | None  # collects the push tasks of a change


class LocationsAdmin(Protocol):
    """Implemented by the CPO's `CpoLocations`."""

    async def own_locations(self) -> Sequence[Location]: ...
    async def import_location(self, location: Location, pushes: Pushes = None) -> Location: ...
    async def patch_location(
        self, location_id: str, patch: LocationPatch, pushes: Pushes = None
    ) -> Location: ...
    async def remove_location(
        self, location_id: str, at: datetime | None = None, pushes: Pushes = None
    ) -> Location: ...
    async def set_evse_status(
        self,
        location_id: str,
        evse_uid: str,
        status: Status,
        at: datetime | None = None,
        pushes: Pushes = None,
    ) -> Location: ...


def locations_admin_router(
    admin_token: str | None, locations: LocationsAdmin, party: Party, now: Callable[[], datetime]
) -> APIRouter:
    router = APIRouter(prefix=ADMIN_PATH + "/locations")
    Admin = Annotated[None, Depends(admin_guard(admin_token))]  # noqa: N806 - a type alias

    @router.get("")
    async def list_locations(_: Admin) -> JSONResponse:
        return ocpi_response(await locations.own_locations())

    @router.post("")
    async def import_locations(_: Admin, request: Request) -> JSONResponse:
        body = await request.body()
        parsed = checked(lambda: parse_locations(body, party, now()))
        pushes: list[asyncio.Task[None]] = []
        imported = [await locations.import_location(location, pushes) for location in parsed]
        await settled(pushes)
        return ocpi_response({"imported": [location.id for location in imported], "pushes": len(pushes)})

    @router.put("/{location_id}")
    async def put_location(_: Admin, location_id: str, request: Request) -> JSONResponse:
        body = await request.body()
        parsed = checked(lambda: parse_locations(body, party, now()))
        if len(parsed) != 1 or parsed[0].id.upper() != location_id.upper():
            raise InvalidParameters(f"The body must be one location with id {location_id}")
        pushes: list[asyncio.Task[None]] = []
        location = await locations.import_location(parsed[0], pushes)
        await settled(pushes)
        return ocpi_response(location)

    @router.patch("/{location_id}")
    async def patch_location(_: Admin, location_id: str, request: Request) -> JSONResponse:
        body = await request.body()
        patch = checked(lambda: parse_location_patch(body, now()))
        pushes: list[asyncio.Task[None]] = []
        location = await locations.patch_location(location_id, patch, pushes)
        await settled(pushes)
        return ocpi_response(location)

    @router.delete("/{location_id}")
    async def remove_location(_: Admin, location_id: str) -> JSONResponse:
        pushes: list[asyncio.Task[None]] = []
        location = await locations.remove_location(location_id, pushes=pushes)
        await settled(pushes)
        return ocpi_response(location)

    @router.delete("/{location_id}/{evse_uid}")
    async def remove_evse(_: Admin, location_id: str, evse_uid: str) -> JSONResponse:
        pushes: list[asyncio.Task[None]] = []
        location = await locations.set_evse_status(location_id, evse_uid, Status.REMOVED, pushes=pushes)
        await settled(pushes)
        return ocpi_response(location)

    return router


async def settled(pushes: list[asyncio.Task[None]]) -> None:
    """Answer once partners have it (or the push failed and was logged), so the caller can rely on it."""
    if pushes:
        await asyncio.wait(pushes, timeout=PUSH_WAIT_S)

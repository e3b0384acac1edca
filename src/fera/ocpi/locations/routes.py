"""Locations module endpoints: the Sender (list, single objects) and the client-owned Receiver.

No `from __future__ import annotations` in route modules: FastAPI must resolve the local `CallerDep`.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from fera.ocpi.auth import Authenticator, Caller
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.locations.models import EVSE, Connector, ConnectorPatch, EvsePatch, Location, LocationPatch
from fera.ocpi.locations.service import LocationRef, LocationsReceiver, LocationsSender
from fera.ocpi.pagination import PageQuery, page_query, page_response

__all__ = ["locations_receiver_router", "locations_sender_router"]

Id36 = Annotated[str, Path(max_length=36)]
_OWNER = "/{country_code}/{party_id}"


def _sender_ref(location_id: Id36) -> LocationRef:
    return LocationRef("", "", location_id)  # the owner is the Sender itself


def _receiver_ref(
    country_code: Annotated[str, Path(max_length=2)],
    party_id: Annotated[str, Path(max_length=3)],
    location_id: Id36,
) -> LocationRef:
    return LocationRef(country_code, party_id, location_id)


def _child(parent: LocationRef, evse_uid: str, connector_id: str | None = None) -> LocationRef:
    return LocationRef(parent.country_code, parent.party_id, parent.location_id, evse_uid, connector_id)


def _sender_evse(ref: Annotated[LocationRef, Depends(_sender_ref)], evse_uid: Id36) -> LocationRef:
    return _child(ref, evse_uid)


def _sender_connector(ref: Annotated[LocationRef, Depends(_sender_evse)], connector_id: Id36) -> LocationRef:
    return _child(ref, ref.evse_uid or "", connector_id)


def _receiver_evse(ref: Annotated[LocationRef, Depends(_receiver_ref)], evse_uid: Id36) -> LocationRef:
    return _child(ref, evse_uid)


def _receiver_connector(
    ref: Annotated[LocationRef, Depends(_receiver_evse)], connector_id: Id36
) -> LocationRef:
    return _child(ref, ref.evse_uid or "", connector_id)


LocationDep = Annotated[LocationRef, Depends(_receiver_ref)]
EvseDep = Annotated[LocationRef, Depends(_receiver_evse)]
ConnectorDep = Annotated[LocationRef, Depends(_receiver_connector)]


def locations_sender_router(auth: Authenticator, service: LocationsSender, path: str) -> APIRouter:
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.functional)]  # noqa: N806 - a type alias
    QueryDep = Annotated[PageQuery, Depends(page_query)]  # noqa: N806

    @router.get(path)
    async def get_locations(caller: CallerDep, request: Request, query: QueryDep) -> Response:
        return page_response(request, await service.list(caller, query), query)

    @router.get(path + "/{location_id}")
    async def get_location(
        caller: CallerDep, ref: Annotated[LocationRef, Depends(_sender_ref)]
    ) -> JSONResponse:
        return ocpi_response(await service.get(caller, ref))

    @router.get(path + "/{location_id}/{evse_uid}")
    async def get_evse(caller: CallerDep, ref: Annotated[LocationRef, Depends(_sender_evse)]) -> JSONResponse:
        return ocpi_response(await service.get(caller, ref))

    @router.get(path + "/{location_id}/{evse_uid}/{connector_id}")
    async def get_connector(
        caller: CallerDep, ref: Annotated[LocationRef, Depends(_sender_connector)]
    ) -> JSONResponse:
        return ocpi_response(await service.get(caller, ref))

    return router


def locations_receiver_router(auth: Authenticator, service: LocationsReceiver, path: str) -> APIRouter:
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.functional)]  # noqa: N806 - a type alias
    location, evse = path + _OWNER + "/{location_id}", path + _OWNER + "/{location_id}/{evse_uid}"
    connector = evse + "/{connector_id}"

    @router.get(location)
    async def get_location(caller: CallerDep, ref: LocationDep) -> JSONResponse:
        return ocpi_response(await service.get(caller, ref))

    @router.get(evse)
    async def get_evse(caller: CallerDep, ref: EvseDep) -> JSONResponse:
        return ocpi_response(await service.get(caller, ref))

    @router.get(connector)
    async def get_connector(caller: CallerDep, ref: ConnectorDep) -> JSONResponse:
        return ocpi_response(await service.get(caller, ref))

    @router.put(location)
    async def put_location(caller: CallerDep, ref: LocationDep, body: Location) -> JSONResponse:
        return _put_answer(await service.put(caller, ref, body))

    @router.put(evse)
    async def put_evse(caller: CallerDep, ref: EvseDep, body: EVSE) -> JSONResponse:
        return _put_answer(await service.put(caller, ref, body))

    @router.put(connector)
    async def put_connector(caller: CallerDep, ref: ConnectorDep, body: Connector) -> JSONResponse:
        return _put_answer(await service.put(caller, ref, body))

    @router.patch(location)
    async def patch_location(caller: CallerDep, ref: LocationDep, body: LocationPatch) -> JSONResponse:
        await service.patch(caller, ref, body)
        return ocpi_response()

    @router.patch(evse)
    async def patch_evse(caller: CallerDep, ref: EvseDep, body: EvsePatch) -> JSONResponse:
        await service.patch(caller, ref, body)
        return ocpi_response()

    @router.patch(connector)
    async def patch_connector(caller: CallerDep, ref: ConnectorDep, body: ConnectorPatch) -> JSONResponse:
        await service.patch(caller, ref, body)
        return ocpi_response()

    return router


def _put_answer(created: bool) -> JSONResponse:
    return ocpi_response(http_status=201 if created else 200)

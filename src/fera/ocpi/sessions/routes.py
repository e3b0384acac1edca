"""Sessions module endpoints: the Sender (list, charging preferences) and the Receiver (client-owned).

No `from __future__ import annotations` in route modules: FastAPI must resolve the local `CallerDep`.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse, Response

from fera.ocpi.auth import Authenticator, Caller
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.pagination import PageQuery, page_query, page_response, required_date_from
from fera.ocpi.sessions.models import ChargingPreferences, Session, SessionPatch
from fera.ocpi.sessions.service import SessionsReceiver, SessionsSender

__all__ = ["sessions_receiver_router", "sessions_sender_router"]

CountryCode = Annotated[str, Path(max_length=2)]
PartyId = Annotated[str, Path(max_length=3)]
ObjectId = Annotated[str, Path(max_length=36)]


def sessions_sender_router(auth: Authenticator, service: SessionsSender, path: str) -> APIRouter:
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.functional)]  # noqa: N806 - a type alias
    QueryDep = Annotated[PageQuery, Depends(page_query)]  # noqa: N806

    @router.get(path)
    async def get_sessions(caller: CallerDep, request: Request, query: QueryDep) -> Response:
        query = required_date_from(query)
        return page_response(request, await service.list(caller, query), query)

    @router.put(path + "/{session_id}/charging_preferences")
    async def put_charging_preferences(
        caller: CallerDep, session_id: ObjectId, body: ChargingPreferences
    ) -> JSONResponse:
        return ocpi_response(await service.set_charging_preferences(caller, session_id, body))

    return router


def sessions_receiver_router(auth: Authenticator, service: SessionsReceiver, path: str) -> APIRouter:
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.functional)]  # noqa: N806 - a type alias
    item = path + "/{country_code}/{party_id}/{session_id}"

    @router.get(item)
    async def get_session(
        caller: CallerDep, country_code: CountryCode, party_id: PartyId, session_id: ObjectId
    ) -> JSONResponse:
        return ocpi_response(await service.get(caller, country_code, party_id, session_id))

    @router.put(item)
    async def put_session(
        caller: CallerDep, country_code: CountryCode, party_id: PartyId, session_id: ObjectId, body: Session
    ) -> JSONResponse:
        created = await service.put(caller, country_code, party_id, session_id, body)
        return ocpi_response(http_status=201 if created else 200)

    @router.patch(item)
    async def patch_session(
        caller: CallerDep,
        country_code: CountryCode,
        party_id: PartyId,
        session_id: ObjectId,
        body: SessionPatch,
    ) -> JSONResponse:
        await service.patch(caller, country_code, party_id, session_id, body)
        return ocpi_response()

    return router

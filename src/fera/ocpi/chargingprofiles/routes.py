"""ChargingProfiles routes: Receiver `{url}{session_id}` GET/PUT/DELETE; Sender result POSTs and profile PUTs.

No `from __future__ import annotations` here: FastAPI must resolve the local `CallerDep`.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from fera.ocpi.auth import Authenticator, Caller
from fera.ocpi.chargingprofiles.models import MAX_DURATION_S, ActiveChargingProfile, SetChargingProfile
from fera.ocpi.chargingprofiles.service import ChargingProfilesReceiver, ChargingProfilesSender
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.types import CiString36, HttpUrl

__all__ = ["RECEIVER_PATH", "RESULTS_SEGMENT", "SENDER_PATH", "receiver_router", "sender_router"]

RECEIVER_PATH = "/ocpi/2.2.1/receiver/chargingprofiles"
SENDER_PATH = "/ocpi/2.2.1/sender/chargingprofiles"
RESULTS_SEGMENT = "results"  # response_url = {SENDER_PATH}/results/{request_id}

SessionId = Annotated[CiString36, "session_id"]
Duration = Annotated[int, Query(ge=0, le=MAX_DURATION_S)]  # a query string: read as a number, then bounded


def receiver_router(
    auth: Authenticator, service: ChargingProfilesReceiver, path: str = RECEIVER_PATH
) -> APIRouter:
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.functional)]  # noqa: N806 - a type alias

    @router.get(path + "/{session_id}")
    async def get_active_profile(
        caller: CallerDep, session_id: SessionId, duration: Duration, response_url: HttpUrl
    ) -> JSONResponse:
        return ocpi_response(await service.get_active_profile(caller, session_id, duration, response_url))

    @router.put(path + "/{session_id}")
    async def set_profile(caller: CallerDep, session_id: SessionId, body: SetChargingProfile) -> JSONResponse:
        return ocpi_response(await service.set_profile(caller, session_id, body))

    @router.delete(path + "/{session_id}")
    async def clear_profile(caller: CallerDep, session_id: SessionId, response_url: HttpUrl) -> JSONResponse:
        return ocpi_response(await service.clear_profile(caller, session_id, response_url))

    return router


def sender_router(auth: Authenticator, service: ChargingProfilesSender, path: str = SENDER_PATH) -> APIRouter:
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.functional)]  # noqa: N806 - a type alias

    @router.post(path + f"/{RESULTS_SEGMENT}/{{request_id}}")
    async def post_result(
        caller: CallerDep, request_id: str, body: Annotated[dict[str, Any], Body()]
    ) -> JSONResponse:
        await service.receive_result(caller, request_id, body)
        return ocpi_response()

    async def put_active_profile(
        caller: CallerDep, session_id: SessionId, body: ActiveChargingProfile
    ) -> JSONResponse:
        await service.receive_active_profile(caller, session_id, body)
        return ocpi_response()

    # The spec path, plus two aliases some toolkits use (interop: accepting them is cheap).
    for template in ("/{session_id}", "/activechargingprofile/{session_id}", "/{session_id}/active"):
        router.add_api_route(path + template, put_active_profile, methods=["PUT"])
    return router

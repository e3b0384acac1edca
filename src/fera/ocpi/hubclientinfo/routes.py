"""HubClientInfo Receiver endpoints: a configuration module, so no routing headers are read.

No `from __future__ import annotations` in route modules: FastAPI must resolve the local `CallerDep`.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from fera.ocpi.auth import Authenticator, Caller
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.hubclientinfo.models import ClientInfo
from fera.ocpi.hubclientinfo.service import HubClientInfoReceiver

__all__ = ["hubclientinfo_receiver_router"]

CountryCode = Annotated[str, Path(max_length=2)]
PartyId = Annotated[str, Path(max_length=3)]


def hubclientinfo_receiver_router(
    auth: Authenticator, service: HubClientInfoReceiver, path: str
) -> APIRouter:
    router = APIRouter()
    # Token C only (as on functional modules); the routing headers are simply absent on this module.
    CallerDep = Annotated[Caller, Depends(auth.functional)]  # noqa: N806 - a type alias
    item = path + "/{country_code}/{party_id}"

    @router.get(item)
    async def get_client_info(
        caller: CallerDep, country_code: CountryCode, party_id: PartyId
    ) -> JSONResponse:
        return ocpi_response(await service.get(caller, country_code, party_id))

    @router.put(item)
    async def put_client_info(
        caller: CallerDep, country_code: CountryCode, party_id: PartyId, body: ClientInfo
    ) -> JSONResponse:
        created = await service.put(caller, country_code, party_id, body)
        return ocpi_response(http_status=201 if created else 200)

    return router

"""Credentials module endpoint: GET, POST (register), PUT (update/rotate), DELETE (unregister)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from fera.ocpi.auth import Authenticator, Caller, presented_token
from fera.ocpi.credentials.models import Credentials
from fera.ocpi.credentials.service import CredentialsService
from fera.ocpi.envelope import ocpi_response

__all__ = ["CREDENTIALS_PATH", "credentials_router"]

CREDENTIALS_PATH = "/ocpi/2.2.1/credentials"


def credentials_router(auth: Authenticator, service: CredentialsService) -> APIRouter:
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.configuration)]  # noqa: N806 - a type alias

    @router.get(CREDENTIALS_PATH)
    async def get_credentials(caller: CallerDep, request: Request) -> JSONResponse:
        return ocpi_response(await service.get(caller, presented_token(request)))

    @router.post(CREDENTIALS_PATH)
    async def post_credentials(caller: CallerDep, body: Credentials) -> JSONResponse:
        return ocpi_response(await service.register(caller, body))

    @router.put(CREDENTIALS_PATH)
    async def put_credentials(caller: CallerDep, body: Credentials) -> JSONResponse:
        return ocpi_response(await service.update(caller, body))

    @router.delete(CREDENTIALS_PATH)
    async def delete_credentials(caller: CallerDep) -> JSONResponse:
        await service.unregister(caller)
        return ocpi_response()

    return router

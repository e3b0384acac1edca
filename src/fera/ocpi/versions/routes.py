"""Versions module, hosted by every node: the version list and the 2.2.1 details.

No `from __future__ import annotations` in route modules: FastAPI must resolve the local `CallerDep`.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from fera.ocpi.auth import Authenticator, Caller
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.versions.models import Endpoint, Version, VersionDetails, VersionNumber

__all__ = ["VERSIONS_PATH", "details_path", "versions_router"]

VERSIONS_PATH = "/ocpi/versions"


def details_path(version: str = VersionNumber.V2_2_1.value) -> str:
    return f"/ocpi/{version}"


def versions_router(
    auth: Authenticator, public_url: str, endpoints: Callable[[], list[Endpoint]]
) -> APIRouter:
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.configuration)]  # noqa: N806 - a type alias

    @router.get(VERSIONS_PATH)
    async def get_versions(caller: CallerDep) -> JSONResponse:
        url = public_url.rstrip("/") + details_path()
        return ocpi_response([Version(version=VersionNumber.V2_2_1.value, url=url)])

    @router.get(details_path())
    async def get_version_details(caller: CallerDep) -> JSONResponse:
        return ocpi_response(VersionDetails(version=VersionNumber.V2_2_1.value, endpoints=endpoints()))

    return router

"""Versions module, hosted by every node: the version list and the 2.2.1 details.

No `from __future__ import annotations` in route modules: FastAPI must resolve the local `CallerDep`.
"""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from fera.ocpi.auth import Authenticator, Caller
from fera.ocpi.envelope import raw_response, wire_json
from fera.ocpi.versions.models import Endpoint, Version, VersionDetails, VersionNumber

__all__ = ["VERSIONS_PATH", "details_path", "versions_router"]

VERSIONS_PATH = "/ocpi/versions"


def details_path(version: str = VersionNumber.V2_2_1.value) -> str:
    return f"/ocpi/{version}"


def versions_router(auth: Authenticator, public_url: str, endpoints: list[Endpoint]) -> APIRouter:
    """`endpoints`: the node's modules, fixed once its app is built; both answers are made as JSON text once
    (every partner calls them, and the details are the most frequent authenticated GET)."""
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.configuration)]  # noqa: N806 - a type alias
    url = public_url.rstrip("/") + details_path()
    versions = wire_json([Version(version=VersionNumber.V2_2_1.value, url=url)])
    details = wire_json(VersionDetails(version=VersionNumber.V2_2_1.value, endpoints=endpoints))

    @router.get(VERSIONS_PATH)
    async def get_versions(caller: CallerDep) -> Response:
        return raw_response(versions)

    @router.get(details_path())
    async def get_version_details(caller: CallerDep) -> Response:
        return raw_response(details)

    return router

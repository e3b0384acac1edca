"""Drivers' preferences reach a steering party outside OCPI (an app, an aggregator): the admin API takes them.

No `from __future__ import annotations` here: FastAPI must resolve the local dependency alias.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from fera.admin import ADMIN_PATH, admin_guard
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.errors import NotFound
from fera.ocpi.sessions.models import ChargingPreferences

__all__ = ["preferences_router"]

TakePreferences = Callable[[str, str, ChargingPreferences], Awaitable[bool]]


def preferences_router(admin_token: str | None, take: TakePreferences) -> APIRouter:
    router = APIRouter(prefix=ADMIN_PATH)
    Admin = Annotated[None, Depends(admin_guard(admin_token))]  # noqa: N806 - a type alias

    @router.put("/preferences/{partner_id}/{session_id}")
    async def put_preferences(
        _: Admin, partner_id: str, session_id: str, body: ChargingPreferences
    ) -> JSONResponse:
        if not await take(partner_id, session_id, body):
            raise NotFound("No ongoing session of that partner is steered here")
        return ocpi_response()

    return router

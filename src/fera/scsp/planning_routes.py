"""Drivers' preferences reach a steering party outside OCPI (an app, an aggregator): the admin API takes them.

The answer's `data` is the CPO's ChargingPreferencesResponse where they went on to it (a session an eMSP
forwarded to us: `planning_preferences`), else absent (we steer with them; nobody else was told).

No `from __future__ import annotations` here: FastAPI must resolve the local dependency alias.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from fera.admin import ADMIN_PATH, admin_guard
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.sessions.models import ChargingPreferences, ChargingPreferencesResponse

__all__ = ["preferences_router"]

# NotFound when no ongoing session of that partner is steered here
TakePreferences = Callable[[str, str, ChargingPreferences], Awaitable[ChargingPreferencesResponse | None]]


def preferences_router(admin_token: str | None, take: TakePreferences) -> APIRouter:
    router = APIRouter(prefix=ADMIN_PATH)
    Admin = Annotated[None, Depends(admin_guard(admin_token))]  # noqa: N806 - a type alias

    @router.put("/preferences/{partner_id}/{session_id}")
    async def put_preferences(
        _: Admin, partner_id: str, session_id: str, body: ChargingPreferences
    ) -> JSONResponse:
        answer = await take(partner_id, session_id, body)
        return ocpi_response() if answer is None else ocpi_response(answer)

    return router

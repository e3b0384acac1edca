"""A driver's charging preferences through the eMSP (FERA's admin API, not OCPI): what a driver's app calls.

`PUT /fera/admin/drivers/{token_uid}/charging_preferences` with an OCPI ChargingPreferences body; the answer's
`data` is the CPO's ChargingPreferencesResponse (ACCEPTED, DEPARTURE_REQUIRED, ...).
No `from __future__ import annotations` here: FastAPI must resolve the local dependency alias.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from fera.admin.routes import ADMIN_PATH, admin_guard
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.sessions.models import ChargingPreferences, ChargingPreferencesResponse

__all__ = ["driver_preferences_router"]

State = Callable[[str, ChargingPreferences], Awaitable[ChargingPreferencesResponse]]


def driver_preferences_router(admin_token: str | None, state: State) -> APIRouter:
    router = APIRouter(prefix=ADMIN_PATH + "/drivers")
    Admin = Annotated[None, Depends(admin_guard(admin_token))]  # noqa: N806 - a type alias

    @router.put("/{token_uid}/charging_preferences")
    async def put_preferences(_: Admin, token_uid: str, body: ChargingPreferences) -> JSONResponse:
        return ocpi_response((await state(token_uid, body)).value)

    return router

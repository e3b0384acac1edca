"""`GET /fera/admin/stations`: which stations the node's gateways have online (read by `fera status`).

No `from __future__ import annotations` here: FastAPI must resolve the local dependency alias.
"""

from collections.abc import Sequence
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from fera.admin.routes import ADMIN_PATH, admin_guard
from fera.config import StationConfig
from fera.ocpi.envelope import ocpi_response
from fera.ocpp import OcppGateway
from fera.ocpp.monitor import StationMonitor

__all__ = ["StationsView", "stations_admin_router"]

REFUSALS_SHOWN = 10


def _row(monitor: StationMonitor, station_id: str, online: bool) -> dict[str, Any]:
    state = monitor.state(station_id)
    seen = state.last_seen.isoformat() if state is not None and state.last_seen is not None else None
    return {
        "id": station_id,
        "online": online,
        "protocol": state.protocol if state is not None else None,
        "last_seen": seen,
    }


class StationsView(Protocol):
    """What the route reads of the node's OCPP side (`fera.cpo.stations.CpoStations`)."""

    @property
    def gateway(self) -> OcppGateway: ...

    @property
    def configured(self) -> Sequence[StationConfig]: ...

    @property
    def port(self) -> int | None: ...

    @property
    def url(self) -> str: ...

    async def online(self) -> list[str]: ...


def stations_admin_router(admin_token: str | None, stations: StationsView) -> APIRouter:
    router = APIRouter(prefix=ADMIN_PATH)
    Admin = Annotated[None, Depends(admin_guard(admin_token))]  # noqa: N806 - a type alias

    @router.get("/stations")
    async def get_stations(_: Admin) -> JSONResponse:
        gateway = stations.gateway
        online = await stations.online()
        known = [s.id for s in stations.configured]
        rows = [_row(gateway.monitor, i, i in online) for i in known + [i for i in online if i not in known]]
        refused = [
            {"at": r.at.isoformat(), "station_id": r.station_id, "reason": r.reason}
            for r in gateway.monitor.refusals()[:REFUSALS_SHOWN]
        ]
        url = stations.url if stations.port is not None else None
        return ocpi_response({"gateway_url": url, "stations": rows, "refused": refused})

    return router

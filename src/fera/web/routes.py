"""`/dashboard`: the read-only operator pages of a node, their chart data under `/dashboard/api`, and the
assets (our stylesheet and script, Plotly's bundle from the installed package).

No OCPI authentication: the dashboard is meant for the node's own listen address. A request that came
through a proxy (it carries `Forwarded` or `X-Forwarded-For`) is answered 404, so putting the node behind
its public proxy does not publish the dashboard.
No `from __future__ import annotations` here: FastAPI must resolve the route signatures.
"""

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from fera.config import NodeConfig
from fera.web import _pages as pages
from fera.web._assets import CSS, FAVICON, JS, plotly_js
from fera.web._views import Dashboard

if TYPE_CHECKING:
    from fera.web.sources import DashboardNode

__all__ = ["DASHBOARD_PATH", "dashboard_router", "dashboard_url"]

DASHBOARD_PATH = pages.DASHBOARD_PATH
_CACHE = {"Cache-Control": "public, max-age=3600"}
NOT_FOUND = "There is no such session, location, station or partner on this node."


def dashboard_url(config: NodeConfig) -> str:
    """Where an operator opens the dashboard: the node's listen address."""
    return f"http://{config.listen}{DASHBOARD_PATH}"


def _direct_only(request: Request) -> None:
    if "forwarded" in request.headers or "x-forwarded-for" in request.headers:
        raise HTTPException(404)


def _html(text: str | None, name: str) -> HTMLResponse:
    if text is None:
        body = pages.message_body("Not found", NOT_FOUND)
        return HTMLResponse(pages.page("Not found", name, body), status_code=404)
    return HTMLResponse(text)


def _json(data: Any) -> JSONResponse:
    if data is None:
        return JSONResponse({"detail": NOT_FOUND}, status_code=404)
    return JSONResponse(data)


def dashboard_router(node: "DashboardNode", now: Callable[[], datetime] | None = None) -> APIRouter:
    """`now` defaults to the node's domain clock: the one its sessions, plans and profiles are on."""
    views = Dashboard(node, now or node.clock.now)
    router = APIRouter(prefix=DASHBOARD_PATH, include_in_schema=False, dependencies=[Depends(_direct_only)])
    name = node.config.name

    @router.get("")
    async def overview() -> HTMLResponse:
        return _html(await views.overview_page(), name)

    @router.get("/sessions")
    async def sessions() -> HTMLResponse:
        return _html(await views.sessions_page(), name)

    @router.get("/sessions/{country_code}/{party_id}/{session_id}")
    async def session(country_code: str, party_id: str, session_id: str) -> HTMLResponse:
        return _html(await views.session_page(country_code, party_id, session_id), name)

    @router.get("/locations/{country_code}/{party_id}/{location_id}")
    async def location(country_code: str, party_id: str, location_id: str) -> HTMLResponse:
        return _html(await views.location_page(country_code, party_id, location_id), name)

    @router.get("/stations")
    async def stations() -> HTMLResponse:
        return _html(await views.stations_page(), name)

    @router.get("/stations/{station_id}")
    async def station(station_id: str) -> HTMLResponse:
        return _html(await views.station_page(station_id), name)

    @router.get("/partners/{partner_id}")
    async def partner(partner_id: str) -> HTMLResponse:
        return _html(await views.partner_page(partner_id), name)

    @router.get("/scsp")
    async def scsp() -> HTMLResponse:
        return _html(views.scsp_page(), name)

    _api_routes(router, views)
    _asset_routes(router)
    return router


def _api_routes(router: APIRouter, views: Dashboard) -> None:
    @router.get("/api/overview")
    async def overview() -> JSONResponse:
        return _json(await views.overview())

    @router.get("/api/sessions")
    async def sessions() -> JSONResponse:
        return _json(await views.sessions())

    @router.get("/api/sessions/{country_code}/{party_id}/{session_id}/chart")
    async def session_chart(country_code: str, party_id: str, session_id: str) -> JSONResponse:
        return _json(await views.session_chart(country_code, party_id, session_id))

    @router.get("/api/sessions/{country_code}/{party_id}/{session_id}/requests")
    async def session_requests(country_code: str, party_id: str, session_id: str) -> JSONResponse:
        return _json(await views.session_requests(country_code, party_id, session_id))

    @router.get("/api/locations/{country_code}/{party_id}/{location_id}/chart")
    async def location_chart(country_code: str, party_id: str, location_id: str) -> JSONResponse:
        return _json(await views.location_chart(country_code, party_id, location_id))

    @router.get("/api/scsp/plan")
    async def plan() -> JSONResponse:
        return _json(await views.plan())

    @router.get("/api/scsp/signals")
    async def signals() -> JSONResponse:
        return _json(await views.signals())


def _asset_routes(router: APIRouter) -> None:
    @router.get("/static/dashboard.css")
    async def css() -> Response:
        return Response(CSS, media_type="text/css", headers=_CACHE)

    @router.get("/static/favicon.svg")
    async def favicon() -> Response:
        return Response(FAVICON, media_type="image/svg+xml", headers=_CACHE)

    @router.get("/static/dashboard.js")
    async def js() -> Response:
        return Response(JS, media_type="text/javascript", headers=_CACHE)

    @router.get("/static/plotly.min.js")
    async def plotly() -> Response:
        path = plotly_js()
        if path is None:  # plotly is a dependency; without it the pages still work, without charts
            return Response("/* plotly is not installed */", media_type="text/javascript", status_code=404)
        return FileResponse(path, media_type="text/javascript", headers=_CACHE)

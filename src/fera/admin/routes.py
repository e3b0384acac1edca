"""FERA's own admin API: signals in (capacity forecasts, prices/CO2), flexibility out. Not OCPI.

Guarded by `admin_token` from the node configuration (`Authorization: Bearer …`); disabled (404) without one.
Bodies are JSON (OSCP-like forecast, OpenADR-3-like event) or CSV (`Content-Type: text/csv`).
No `from __future__ import annotations` here: FastAPI must resolve the local dependency aliases.
"""

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import ValidationError

from fera.ocpi.app import validation_message
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.errors import InvalidParameters, NotFound, Unauthorized
from fera.signals import (
    CapacityForecast,
    SignalKind,
    SignalSeries,
    forecast_from_csv,
    series_from_csv,
)
from fera.signals.board import SignalBoard

__all__ = ["ADMIN_PATH", "FlexibilitySource", "admin_guard", "admin_router", "is_csv"]

ADMIN_PATH = "/fera/admin"


class FlexibilitySource(Protocol):
    """The latest flexibility forecast of the node's planner, as published (`fera.scsp.planning_view`)."""

    async def flexibility_rows(self, group_id: str | None) -> list[dict[str, Any]]: ...

    async def flexibility_csv(self, group_id: str | None) -> str: ...


def admin_guard(admin_token: str | None) -> Callable[[Request], Awaitable[None]]:
    """The dependency every admin route takes: 404 when disabled, 401 unless the bearer token matches."""

    async def admin(request: Request) -> None:
        if admin_token is None:
            raise NotFound("The admin API is disabled (no admin_token in the node configuration)")
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), admin_token.encode()):
            raise Unauthorized("Missing or wrong admin token")

    return admin


def admin_router(
    admin_token: str | None, board: SignalBoard, flexibility: Callable[[], FlexibilitySource | None]
) -> APIRouter:
    router = APIRouter(prefix=ADMIN_PATH)
    Admin = Annotated[None, Depends(admin_guard(admin_token))]  # noqa: N806 - a type alias

    @router.put("/capacity")
    async def put_capacity(
        _: Admin,
        request: Request,
        group_id: str | None = None,
        unit: str = "KW",
        fallback: float | None = None,
    ) -> JSONResponse:
        forecast = await _forecast(request, group_id, unit, fallback)
        schedule = await board.put_capacity(forecast)
        return ocpi_response({"group_id": forecast.group_id, "breakpoints": len(schedule.breakpoints())})

    @router.put("/signals")
    async def put_signals(
        _: Admin, request: Request, kind: SignalKind = SignalKind.PRICE, group_id: str | None = None
    ) -> JSONResponse:
        series = await _series(request, kind, group_id)
        await board.put_series(series)
        return ocpi_response({"group_id": series.group_id, "intervals": len(series.intervals)})

    @router.get("/flexibility")
    async def get_flexibility(
        _: Admin, group_id: str | None = None, format: Annotated[str, Query(pattern="^(json|csv)$")] = "json"
    ) -> Response:
        source = flexibility()
        if source is None:
            raise NotFound("This node plans nothing: no flexibility forecast (SCSP role only)")
        if format == "csv":
            return PlainTextResponse(await source.flexibility_csv(group_id), media_type="text/csv")
        return ocpi_response(await source.flexibility_rows(group_id))

    return router


async def _forecast(
    request: Request, group_id: str | None, unit: str, fallback: float | None
) -> CapacityForecast:
    body = await request.body()
    try:
        if is_csv(request):
            if not group_id:
                raise InvalidParameters("group_id is required with a CSV forecast")
            return forecast_from_csv(group_id, body.decode(), unit, fallback)
        return CapacityForecast.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidParameters(validation_message(list(exc.errors()))) from exc
    except (ValueError, KeyError) as exc:
        raise InvalidParameters(f"Invalid capacity forecast: {exc}") from exc


async def _series(request: Request, kind: SignalKind, group_id: str | None) -> SignalSeries:
    body = await request.body()
    try:
        if is_csv(request):
            return series_from_csv(kind, body.decode(), group_id)
        return SignalSeries.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidParameters(validation_message(list(exc.errors()))) from exc
    except (ValueError, KeyError) as exc:
        raise InvalidParameters(f"Invalid signal series: {exc}") from exc


def is_csv(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip() == "text/csv"

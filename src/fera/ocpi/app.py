"""The translation point from exceptions to OCPI envelopes, and the URL normalisation peers need."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fera.ocpi.envelope import ocpi_response
from fera.ocpi.errors import OcpiError, Unauthorized

__all__ = ["BodyLimitMiddleware", "NormalisePathMiddleware", "install_error_handlers", "validation_message"]

log = logging.getLogger(__name__)


def validation_message(errors: list[Any]) -> str:
    """Name the bad field(s) the way a peer's developer reads them: `body.charging_profile.limit: ...`."""
    parts = []
    for error in errors[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body",)) or "body"
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "Invalid or missing parameters: " + "; ".join(parts)


async def _ocpi_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OcpiError)
    _refused(request, exc.http_status, exc.status_code, exc.message)
    headers = {"WWW-Authenticate": "Token"} if exc.http_status == 401 else None
    return ocpi_response(
        http_status=exc.http_status, status_code=exc.status_code, status_message=exc.message, headers=headers
    )


INVALID_JSON = "Invalid JSON body"


def _invalid_json(detail: str | None = None) -> JSONResponse:
    message = INVALID_JSON if detail is None else f"{INVALID_JSON}: {detail}"
    return ocpi_response(http_status=400, status_code=2001, status_message=message)


Identify = Callable[[Request], Awaitable[bool]]  # does the request carry a token we know?


async def _stranger(request: Request) -> JSONResponse | None:
    """FastAPI parses a body before the route's dependencies run, so a stranger's unparseable body would be
    answered 400 before its token was looked at: on OCPI paths, a missing or unknown token is 401 first."""
    identify: Identify | None = getattr(request.app.state, "identify", None)
    if identify is None or not request.url.path.startswith("/ocpi") or await identify(request):
        return None
    return await _ocpi_error(request, Unauthorized("Missing or unknown credentials token"))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return await _stranger(request) or _invalid_json()
    # Parseable but invalid: it reached the OCPI layer, so HTTP 200 + 2001 (never FastAPI's 422).
    message = validation_message(errors)
    _refused(request, 200, 2001, message)
    return ocpi_response(status_code=2001, status_message=message)


def _refused(request: Request, http_status: int, status_code: int, message: str) -> None:
    """What a peer's developer asks first (why was my request refused?), without a warning per request."""
    log.debug(
        "%s %s refused: HTTP %d, OCPI %d %s",
        request.method,
        request.url.path,
        http_status,
        status_code,
        message,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.__cause__ is not None:
        # FastAPI's body parse failed other than by a JSONDecodeError: nesting past Python's recursion limit,
        # an integer of more digits than int() takes, bytes that aren't UTF-8. Still just invalid JSON.
        return await _stranger(request) or _invalid_json(_parse_failure(exc.__cause__))
    message = "Unknown resource" if exc.status_code == 404 else str(exc.detail)
    return ocpi_response(http_status=exc.status_code, status_code=2000, status_message=message)


def _parse_failure(cause: BaseException) -> str:
    if isinstance(cause, RecursionError):
        return "nested too deeply"
    if isinstance(cause, UnicodeDecodeError):
        return "not UTF-8"
    return "not parseable"


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return ocpi_response(http_status=500, status_code=3000, status_message="Generic server error")


def install_error_handlers(app: FastAPI, identify: Identify | None = None) -> None:
    app.state.identify = identify
    app.add_exception_handler(OcpiError, _ocpi_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


class NormalisePathMiddleware:
    """Serve `/x/` and `//x` like `/x` without a redirect (a 307 breaks several OCPI clients)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            normal = "/" + "/".join(p for p in path.split("/") if p)
            if normal != path:
                scope = dict(scope, path=normal, raw_path=normal.encode())
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse a request body above `max_bytes` with 413 and an OCPI envelope, before it is read in full.

    A declared `Content-Length` above the limit is refused unread; otherwise the body (chunked or not) is
    read here up to the limit and handed on whole, so no route ever holds more than `max_bytes` of it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        body = await self._read(receive)
        if body is None:
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it grows past the limit (or the client went away)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = ocpi_response(
            http_status=413,
            status_code=2000,
            status_message=f"Request body too large: at most {self.max_bytes} bytes",
        )
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields the body read so far once, then passes through (disconnect detection)."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay

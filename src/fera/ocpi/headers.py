"""X-Request-ID / X-Correlation-ID echoed (generated when missing); routing headers on functional modules."""

from __future__ import annotations

import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CONFIGURATION_MODULES", "RequestIdMiddleware", "is_functional_path"]

CONFIGURATION_MODULES = ("versions", "credentials", "hubclientinfo")


def is_functional_path(path: str) -> bool:
    """`/ocpi/...` paths other than the configuration modules carry OCPI-from/to headers."""
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] != "ocpi":
        return False
    if len(parts) <= 2:  # /ocpi/versions, /ocpi/2.2.1
        return False
    return not any(p in CONFIGURATION_MODULES for p in parts[1:3])


class RequestIdMiddleware:
    """Pure ASGI middleware: cheaper than BaseHTTPMiddleware and keeps streaming intact."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = {k.decode("latin-1").lower(): v for k, v in scope["headers"]}
        request_id = incoming.get("x-request-id") or str(uuid.uuid4()).encode()
        correlation_id = incoming.get("x-correlation-id") or str(uuid.uuid4()).encode()
        extra = [(b"x-request-id", request_id), (b"x-correlation-id", correlation_id)]
        if is_functional_path(scope["path"]):
            extra += _reversed_routing(incoming)

        async def send_with_ids(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_ids)


def _reversed_routing(incoming: dict[str, bytes]) -> list[tuple[bytes, bytes]]:
    """A response goes back to the requester: its `to` is the request's `from`, and vice versa."""
    pairs = [
        ("ocpi-from-country-code", b"ocpi-to-country-code"),
        ("ocpi-from-party-id", b"ocpi-to-party-id"),
        ("ocpi-to-country-code", b"ocpi-from-country-code"),
        ("ocpi-to-party-id", b"ocpi-from-party-id"),
    ]
    return [(out, incoming[src]) for src, out in pairs if src in incoming]

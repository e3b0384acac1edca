"""Inbound OCPI requests into the node's `TrafficLog`, per partner: method, path, HTTP and OCPI status."""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fera.traffic import Direction, TrafficLog

__all__ = ["PARTNER_STATE", "RecordingMiddleware", "outcome"]

PARTNER_STATE = "partner_id"  # set in the request's state by the Authenticator once the caller is known
_STATUS_CODE = re.compile(rb'"status_code"\s*:\s*(\d+)')
_PEEK = 2048  # bytes of the body searched for the OCPI status code


def outcome(http_status: int, ocpi_status: int | None) -> str:
    return f"{http_status}" if ocpi_status is None else f"{http_status} · {ocpi_status}"


@dataclass
class _Answer:
    status: int = 0
    head: bytes = b""

    def watch(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
        elif message["type"] == "http.response.body" and len(self.head) < _PEEK:
            self.head += bytes(message.get("body", b""))[:_PEEK]

    def ocpi_status(self) -> int | None:
        match = _STATUS_CODE.search(self.head)
        return int(match.group(1)) if match else None


class RecordingMiddleware:
    """Pure ASGI: records `/ocpi/...` requests once answered; the body is never held back."""

    def __init__(self, app: ASGIApp, log: TrafficLog) -> None:
        self.app, self.log = app, log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/ocpi/"):
            await self.app(scope, receive, send)
            return
        answer = _Answer()

        async def watching(message: Message) -> None:
            answer.watch(message)
            await send(message)

        try:
            await self.app(scope, receive, watching)
        finally:
            partner = scope.get("state", {}).get(PARTNER_STATE)
            if partner is not None:  # unauthenticated requests belong to no partner
                summary = f"{scope['method']} {scope['path']}"
                result = outcome(answer.status, answer.ocpi_status())
                self.log.record(str(partner), Direction.IN, summary, result)

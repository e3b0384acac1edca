"""Typed clients: a Sender calling a Receiver (CPO or proxying eMSP), and a Receiver calling a Sender back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from fera.ocpi.chargingprofiles.models import (
    ActiveChargingProfile,
    ChargingProfileResponse,
    SetChargingProfile,
)
from fera.ocpi.errors import PeerError
from fera.ocpi.peer import PeerClient, PeerTarget, Reply, join_url

__all__ = ["ChargingProfilesReceiverClient", "ChargingProfilesSenderClient"]

# CPOs differ on how they wrap UNKNOWN_SESSION/REJECTED: HTTP 404 or an OCPI 2xxx code. When the body still
# carries a ChargingProfileResponse, that is the answer.
_TOLERATED = (404,)


class ChargingProfilesReceiverClient:
    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def set_profile(
        self, target: PeerTarget, endpoint: str, session_id: str, request: SetChargingProfile
    ) -> ChargingProfileResponse:
        return await self._ask(target, "PUT", join_url(endpoint, session_id), json=request.to_wire())

    async def get_active_profile(
        self, target: PeerTarget, endpoint: str, session_id: str, duration: int, response_url: str
    ) -> ChargingProfileResponse:
        params = {"duration": str(duration), "response_url": response_url}
        return await self._ask(target, "GET", join_url(endpoint, session_id), params=params)

    async def clear_profile(
        self, target: PeerTarget, endpoint: str, session_id: str, response_url: str
    ) -> ChargingProfileResponse:
        params = {"response_url": response_url}
        return await self._ask(target, "DELETE", join_url(endpoint, session_id), params=params)

    async def _ask(
        self,
        target: PeerTarget,
        method: str,
        url: str,
        *,
        json: object = None,
        params: dict[str, str] | None = None,
    ) -> ChargingProfileResponse:
        reply = await self._peer.call(
            target,
            method,
            url,
            json=json,
            params=params,
            accept_statuses=_TOLERATED,
            accept_client_errors=True,
        )
        return _response(target, url, reply)


def _response(target: PeerTarget, url: str, reply: Reply) -> ChargingProfileResponse:
    try:
        return ChargingProfileResponse.model_validate(reply.data)
    except ValidationError as exc:
        raise PeerError(
            target.name,
            url,
            "no ChargingProfileResponse in the answer",
            http_status=reply.http_status,
            status_code=reply.envelope.status_code,
        ) from exc


# Requests in flight at once to one Sender's server (scheme, host and port); the others wait for a lane.
# A busy CPO has a result (and maybe a push) for each job running: without a bound each would be a pooled
# connection of its own, and httpx's pool checks every pooled connection (a `poll` each) on every request
# (on loopback, on anyio: 16 in flight cost 1.6 ms of CPU per request, 8 cost 1.2, 4 cost 0.9; on
# `fera.ocpi.transport`: 16 cost 0.84, 8 and fewer 0.62-0.66). The bound also caps what one Sender gets at
# LANES per round trip (8 at 30 ms: 270 results/s): more lanes for far peers.
LANES = 8


class ChargingProfilesSenderClient:
    def __init__(self, peer: PeerClient, lanes: int = LANES) -> None:
        self._peer, self._width = peer, lanes
        # Per origin: its lanes and how many requests hold or wait for one (gone at 0: response URLs
        # come from the Senders, and an origin seen once must not stay forever).
        self._lanes: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}

    async def post_result(self, target: PeerTarget, response_url: str, result: BaseModel) -> None:
        """POST one of the three result objects on the Sender's `response_url`, used verbatim."""
        body = result.model_dump(mode="json", exclude_none=True)
        async with self._lane(response_url):
            await self._peer.call(target, "POST", response_url, json=body)

    async def put_active_profile(
        self, target: PeerTarget, endpoint: str, session_id: str, profile: ActiveChargingProfile
    ) -> None:
        url = join_url(endpoint, session_id)
        async with self._lane(url):
            await self._peer.call(target, "PUT", url, json=profile.to_wire())

    @asynccontextmanager
    async def _lane(self, url: str) -> AsyncIterator[None]:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._lanes:
            self._lanes[origin] = asyncio.Semaphore(self._width), [0]
        lane, users = self._lanes[origin]
        users[0] += 1
        try:
            async with lane:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._lanes[origin]

"""Typed client for a peer's Credentials endpoint (configuration module: no routing headers)."""

from __future__ import annotations

from pydantic import ValidationError

from fera.ocpi.credentials.models import Credentials
from fera.ocpi.errors import PeerError
from fera.ocpi.peer import PeerClient, PeerTarget

__all__ = ["CredentialsClient"]


class CredentialsClient:
    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def register(self, target: PeerTarget, url: str, ours: Credentials) -> Credentials:
        return await self._exchange(target, "POST", url, ours)

    async def update(self, target: PeerTarget, url: str, ours: Credentials) -> Credentials:
        return await self._exchange(target, "PUT", url, ours)

    async def get(self, target: PeerTarget, url: str) -> Credentials:
        reply = await self._peer.call(target, "GET", url, functional=False)
        return _parse(target, url, reply.data)

    async def unregister(self, target: PeerTarget, url: str) -> None:
        await self._peer.call(target, "DELETE", url, functional=False)

    async def _exchange(self, target: PeerTarget, method: str, url: str, ours: Credentials) -> Credentials:
        reply = await self._peer.call(target, method, url, json=ours.to_wire(), functional=False)
        return _parse(target, url, reply.data)


def _parse(target: PeerTarget, url: str, data: object) -> Credentials:
    try:
        return Credentials.model_validate(data)
    except ValidationError as exc:
        raise PeerError(target.name, url, f"invalid credentials object: {exc.errors()[0]['msg']}") from exc

"""Typed client for a peer's Versions module (configuration module: no routing headers)."""

from __future__ import annotations

from pydantic import TypeAdapter, ValidationError

from fera.ocpi.errors import PeerError
from fera.ocpi.peer import PeerClient, PeerTarget
from fera.ocpi.versions.models import Version, VersionDetails

__all__ = ["VersionsClient"]

_VERSIONS = TypeAdapter(list[Version])


class VersionsClient:
    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def versions(self, target: PeerTarget, url: str) -> list[Version]:
        reply = await self._peer.call(target, "GET", url, functional=False)
        try:
            return _VERSIONS.validate_python(reply.data)
        except ValidationError as exc:
            raise PeerError(target.name, url, f"invalid version list: {exc.errors()[0]['msg']}") from exc

    async def details(self, target: PeerTarget, url: str) -> VersionDetails:
        reply = await self._peer.call(target, "GET", url, functional=False)
        try:
            return VersionDetails.model_validate(reply.data)
        except ValidationError as exc:
            raise PeerError(target.name, url, f"invalid version details: {exc.errors()[0]['msg']}") from exc

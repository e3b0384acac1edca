"""Typed clients for a peer's Sessions interfaces."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from pydantic import ValidationError

from fera.ocpi.errors import PeerError
from fera.ocpi.peer import PeerClient, PeerRequest, PeerTarget, join_url
from fera.ocpi.sessions.models import ChargingPreferences, ChargingPreferencesResponse, Session, SessionPatch
from fera.ocpi.tokens.client import parse_items
from fera.ocpi.types import format_datetime

__all__ = ["SessionsReceiverClient", "SessionsSenderClient", "patch_request", "put_request"]


class SessionsReceiverClient:
    """Pushes to `{sessions_url}/{country_code}/{party_id}/{session_id}` (data is omitted in the answers)."""

    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def put(self, target: PeerTarget, url: str, session: Session) -> None:
        await self._peer.send(target, put_request(url, session))

    async def patch(
        self, target: PeerTarget, url: str, key: tuple[str, str, str], patch: SessionPatch
    ) -> None:
        await self._peer.send(target, patch_request(url, key, patch))

    async def get(self, target: PeerTarget, url: str, key: tuple[str, str, str]) -> Session:
        item = join_url(url, *key)
        reply = await self._peer.call(target, "GET", item)
        try:
            return Session.model_validate(reply.data)
        except ValidationError as exc:
            raise PeerError(target.name, item, f"invalid Session: {exc.errors()[0]['msg']}") from exc


class SessionsSenderClient:
    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def sessions(
        self, target: PeerTarget, url: str, date_from: datetime
    ) -> AsyncIterator[list[Session]]:
        """Every page of the owner's list since `date_from` (required by the Sessions Sender)."""
        async for items in self._peer.pages(target, url, {"date_from": format_datetime(date_from)}):
            yield parse_items(Session, items, target.name)

    async def set_charging_preferences(
        self, target: PeerTarget, url: str, session_id: str, preferences: ChargingPreferences
    ) -> ChargingPreferencesResponse:
        item = join_url(url, session_id, "charging_preferences")
        reply = await self._peer.call(target, "PUT", item, json=preferences.to_wire())
        try:
            return ChargingPreferencesResponse(reply.data)
        except ValueError as exc:
            raise PeerError(target.name, item, f"invalid ChargingPreferencesResponse {reply.data!r}") from exc


def put_request(url: str, session: Session) -> PeerRequest:
    item = join_url(url, session.country_code, session.party_id, session.id)
    return PeerRequest("PUT", item, session)


def patch_request(url: str, key: tuple[str, str, str], patch: SessionPatch) -> PeerRequest:
    return PeerRequest("PATCH", join_url(url, *key), patch)

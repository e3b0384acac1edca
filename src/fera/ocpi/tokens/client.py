"""Typed clients for a peer's Tokens interfaces; `parse_items` keeps the valid objects of a list page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fera.ocpi.errors import PeerError
from fera.ocpi.peer import PeerClient, PeerTarget, join_url
from fera.ocpi.tokens.models import AuthorizationInfo, LocationReferences, Token, TokenPatch, TokenType
from fera.ocpi.types import format_datetime

__all__ = ["TokensReceiverClient", "TokensSenderClient", "parse_items"]

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


def parse_items(model: type[M], items: Sequence[Any], peer: str) -> list[M]:
    """Spec: a client processes the valid objects of a list and logs the invalid ones."""
    out: list[M] = []
    for item in items:
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            log.warning("%s sent an invalid %s: %s", peer, model.__name__, exc.errors()[0]["msg"])
    return out


class TokensReceiverClient:
    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def put(self, target: PeerTarget, url: str, token: Token) -> None:
        item = join_url(url, token.country_code, token.party_id, token.uid)
        await self._peer.call(target, "PUT", item, json=token.to_wire(), params={"type": token.type.value})

    async def patch(self, target: PeerTarget, url: str, token: Token, patch: TokenPatch) -> None:
        item = join_url(url, token.country_code, token.party_id, token.uid)
        await self._peer.call(target, "PATCH", item, json=patch.to_wire(), params={"type": token.type.value})


class TokensSenderClient:
    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def tokens(
        self, target: PeerTarget, url: str, date_from: datetime | None = None
    ) -> AsyncIterator[list[Token]]:
        params = None if date_from is None else {"date_from": format_datetime(date_from)}
        async for items in self._peer.pages(target, url, params):
            yield parse_items(Token, items, target.name)

    async def authorize(
        self,
        target: PeerTarget,
        url: str,
        uid: str,
        type_: TokenType = TokenType.RFID,
        location: LocationReferences | None = None,
    ) -> AuthorizationInfo:
        """Real-time authorization; an unknown token is a `PeerError` (HTTP 404 and/or OCPI 2004)."""
        body = None if location is None else location.to_wire()
        item = join_url(url, uid, "authorize")
        reply = await self._peer.call(target, "POST", item, json=body, params={"type": type_.value})
        try:
            return AuthorizationInfo.model_validate(reply.data)
        except ValidationError as exc:
            raise PeerError(
                target.name, item, f"invalid AuthorizationInfo: {exc.errors()[0]['msg']}"
            ) from exc

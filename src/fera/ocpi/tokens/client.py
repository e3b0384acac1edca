"""Typed clients for a peer's Tokens interfaces; `parse_items` keeps the valid objects of a list page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fera.ocpi.errors import PeerError
from fera.ocpi.peer import PeerClient, PeerRequest, PeerTarget, join_url
from fera.ocpi.tokens.models import AuthorizationInfo, LocationReferences, Token, TokenPatch, TokenType
from fera.ocpi.types import format_datetime

__all__ = ["TokensReceiverClient", "TokensSenderClient", "parse_items", "patch_request", "put_request"]

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
        await self._peer.send(target, put_request(url, token))

    async def patch(self, target: PeerTarget, url: str, token: Token, patch: TokenPatch) -> None:
        await self._peer.send(target, patch_request(url, token, patch))


def put_request(url: str, token: Token) -> PeerRequest:
    item = join_url(url, token.country_code, token.party_id, token.uid)
    return PeerRequest("PUT", item, token, {"type": token.type.value})


def patch_request(url: str, token: Token, patch: TokenPatch) -> PeerRequest:
    item = join_url(url, token.country_code, token.party_id, token.uid)
    return PeerRequest("PATCH", item, patch, {"type": token.type.value})


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

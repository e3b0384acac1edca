"""Typed clients for a peer's Tokens interfaces; `parse_items` keeps the valid objects of a list page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fera.ocpi.peer import PeerClient, PeerTarget, join_url
from fera.ocpi.tokens.models import Token, TokenPatch
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

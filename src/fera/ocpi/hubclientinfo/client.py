"""Typed client for a hub's HubClientInfo Sender: the list of parties connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from fera.ocpi.hubclientinfo.models import ClientInfo
from fera.ocpi.peer import PeerClient, PeerTarget
from fera.ocpi.tokens.client import parse_items
from fera.ocpi.types import format_datetime

__all__ = ["HubClientInfoSenderClient"]


class HubClientInfoSenderClient:
    def __init__(self, peer: PeerClient) -> None:
        self._peer = peer

    async def client_infos(
        self, target: PeerTarget, url: str, date_from: datetime | None = None
    ) -> AsyncIterator[list[ClientInfo]]:
        """Every page; a configuration module, so without routing headers."""
        params = None if date_from is None else {"date_from": format_datetime(date_from)}
        async for items in self._peer.pages(target, url, params, functional=False):
            yield parse_items(ClientInfo, items, target.name)

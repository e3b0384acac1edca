"""What the HubClientInfo routes call."""

from __future__ import annotations

from typing import Protocol

from fera.ocpi.auth import Caller
from fera.ocpi.hubclientinfo.models import ClientInfo

__all__ = ["HubClientInfoReceiver"]


class HubClientInfoReceiver(Protocol):
    """Every party connected to a hub: the hub's copy of who is behind it, at `{country_code}/{party_id}`."""

    async def get(self, caller: Caller, country_code: str, party_id: str) -> ClientInfo: ...
    async def put(self, caller: Caller, country_code: str, party_id: str, info: ClientInfo) -> bool: ...

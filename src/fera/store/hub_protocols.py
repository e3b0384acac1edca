"""What a hub's clients need from storage: the hub's ClientInfo, i.e. which parties sit behind each hub."""

from __future__ import annotations

from typing import Protocol

from fera.ocpi.hubclientinfo.models import ClientInfo

__all__ = ["HubClientInfoStore"]


class HubClientInfoStore(Protocol):
    async def put(self, partner_id: str, info: ClientInfo) -> bool:
        """Create or replace the hub's ClientInfo of one party; True when it was new."""
        ...

    async def get(self, partner_id: str, country_code: str, party_id: str) -> ClientInfo | None: ...

    async def of_hub(self, partner_id: str) -> list[ClientInfo]:
        """Every party the hub told us about, oldest first."""
        ...

"""What the Credentials routes need from the node (both directions use the same endpoint)."""

from __future__ import annotations

from typing import Protocol

from fera.ocpi.auth import Caller
from fera.ocpi.credentials.models import Credentials

__all__ = ["CredentialsService"]


class CredentialsService(Protocol):
    async def get(self, caller: Caller, presented_token: str) -> Credentials: ...
    async def register(self, caller: Caller, credentials: Credentials) -> Credentials: ...
    async def update(self, caller: Caller, credentials: Credentials) -> Credentials: ...
    async def unregister(self, caller: Caller) -> None: ...

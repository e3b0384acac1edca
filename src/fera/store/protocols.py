"""What services need from storage; SQLAlchemy stays behind these Protocols."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from fera.partners.model import Partner
from fera.store.profile_protocols import (
    ActiveProfileStore,
    ProfileJobStore,
    ProfileRequestStore,
    SenderProfileStore,
)

__all__ = ["PartnerStore", "Store", "UnitOfWork"]


class PartnerStore(Protocol):
    async def add(self, partner: Partner) -> None: ...
    async def save(self, partner: Partner) -> None: ...
    async def get(self, partner_id: str) -> Partner | None: ...
    async def by_token_hash(self, token_hash: str) -> Partner | None: ...
    async def list(self) -> list[Partner]: ...
    async def delete(self, partner_id: str) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: committed when the block ends normally, rolled back otherwise."""

    @property
    def partners(self) -> PartnerStore: ...
    @property
    def profile_requests(self) -> ProfileRequestStore: ...
    @property
    def active_profiles(self) -> ActiveProfileStore: ...
    @property
    def sender_profiles(self) -> SenderProfileStore: ...
    @property
    def profile_jobs(self) -> ProfileJobStore: ...


class Store(Protocol):
    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
    async def close(self) -> None: ...

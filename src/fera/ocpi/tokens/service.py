"""What the Tokens routes call: one Protocol per interface role."""

from __future__ import annotations

from typing import Protocol

from fera.ocpi.auth import Caller
from fera.ocpi.pagination import Page, PageQuery
from fera.ocpi.tokens.models import AuthorizationInfo, LocationReferences, Token, TokenPatch, TokenType

__all__ = ["TokenKey", "TokensReceiver", "TokensSender"]

TokenKey = tuple[str, str, str, TokenType]  # (country_code, party_id, uid, type): unique per eMSP


class TokensSender(Protocol):
    """The owner's side (eMSP): the list a CPO pulls, and real-time authorization of one of its tokens."""

    async def list(self, caller: Caller, query: PageQuery) -> Page: ...
    async def authorize(
        self,
        caller: Caller,
        uid: str,
        type_: TokenType,
        location: LocationReferences | None,
        *,
        owner: tuple[str, str] | None = None,  # (country_code, party_id) when the URL names them
    ) -> AuthorizationInfo: ...


class TokensReceiver(Protocol):
    """The CPO's copy of an eMSP's tokens, pushed under `{country_code}/{party_id}/{uid}?type=`."""

    async def get(self, caller: Caller, key: TokenKey) -> Token: ...
    async def put(self, caller: Caller, key: TokenKey, token: Token) -> bool: ...  # True when created
    async def patch(self, caller: Caller, key: TokenKey, patch: TokenPatch) -> None: ...

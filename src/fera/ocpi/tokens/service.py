"""What the Tokens routes call: one Protocol per interface role."""

from __future__ import annotations

from typing import Protocol

from fera.ocpi.auth import Caller
from fera.ocpi.pagination import Page, PageQuery
from fera.ocpi.tokens.models import Token, TokenPatch, TokenType

__all__ = ["TokenKey", "TokensReceiver", "TokensSender"]

TokenKey = tuple[str, str, str, TokenType]  # (country_code, party_id, uid, type): unique per eMSP


class TokensSender(Protocol):
    """The owner's side (eMSP): the list a CPO pulls."""

    async def list(self, caller: Caller, query: PageQuery) -> Page: ...


class TokensReceiver(Protocol):
    """The CPO's copy of an eMSP's tokens, pushed under `{country_code}/{party_id}/{uid}?type=`."""

    async def get(self, caller: Caller, key: TokenKey) -> Token: ...
    async def put(self, caller: Caller, key: TokenKey, token: Token) -> bool: ...  # True when created
    async def patch(self, caller: Caller, key: TokenKey, patch: TokenPatch) -> None: ...

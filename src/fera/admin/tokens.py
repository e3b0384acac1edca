"""The eMSP's Tokens on a running node (FERA's admin API, not OCPI): list, import, create or update, patch,
block. Every change is pushed to the CPO partners by the eMSP's Tokens domain API.

`POST /fera/admin/tokens` imports OCPI Token JSON (one object or a list) or CSV (`Content-Type: text/csv`,
a header row naming Token fields); `PUT /{uid}?type=RFID` creates or updates one; `PATCH` changes some
fields; `DELETE` sets it `valid: false` (OCPI never deletes a token).
No `from __future__ import annotations` here: FastAPI must resolve the local dependency alias.
"""

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from fera.admin.imports import checked, parse_token_patch, parse_tokens
from fera.admin.locations import Pushes, settled
from fera.admin.routes import ADMIN_PATH, admin_guard, is_csv
from fera.ocpi.auth import Party
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.errors import InvalidParameters, NotFound
from fera.ocpi.tokens.models import Token, TokenPatch, TokenType

__all__ = ["TokensAdmin", "tokens_admin_router"]


class TokensAdmin(Protocol):
    """Implemented by the eMSP's `EmspTokens`."""

    async def own_tokens(self) -> Sequence[Token]: ...
    async def token(self, uid: str, type_: TokenType) -> Token | None: ...
    async def put_token(self, token: Token, pushes: Pushes = None) -> Token: ...
    async def patch_token(
        self, uid: str, type_: TokenType, patch: TokenPatch, pushes: Pushes = None
    ) -> Token: ...


def tokens_admin_router(
    admin_token: str | None, tokens: TokensAdmin, party: Party, issuer: str, now: Callable[[], datetime]
) -> APIRouter:
    router = APIRouter(prefix=ADMIN_PATH + "/tokens")
    Admin = Annotated[None, Depends(admin_guard(admin_token))]  # noqa: N806 - a type alias

    @router.get("")
    async def list_tokens(_: Admin) -> JSONResponse:
        return ocpi_response(await tokens.own_tokens())

    @router.get("/{uid}")
    async def get_token(_: Admin, uid: str, type: TokenType = TokenType.RFID) -> JSONResponse:
        token = await tokens.token(uid, type)
        if token is None:
            raise NotFound(f"Unknown token {uid} ({type.value})")
        return ocpi_response(token)

    @router.post("")
    async def import_tokens(_: Admin, request: Request) -> JSONResponse:
        body, csv = await request.body(), is_csv(request)
        parsed = checked(lambda: parse_tokens(body, csv, party, issuer, now()))
        pushes: list[asyncio.Task[None]] = []
        imported = [await tokens.put_token(token, pushes) for token in parsed]
        await settled(pushes)
        return ocpi_response({"imported": [token.uid for token in imported], "pushes": len(pushes)})

    @router.put("/{uid}")
    async def put_token(
        _: Admin, uid: str, request: Request, type: TokenType = TokenType.RFID
    ) -> JSONResponse:
        body = await request.body()
        parsed = checked(lambda: parse_tokens(body, False, party, issuer, now()))
        if len(parsed) != 1 or parsed[0].uid.upper() != uid.upper() or parsed[0].type is not type:
            raise InvalidParameters(f"The body must be one token with uid {uid} and type {type.value}")
        pushes: list[asyncio.Task[None]] = []
        token = await tokens.put_token(parsed[0], pushes)
        await settled(pushes)
        return ocpi_response(token)

    @router.patch("/{uid}")
    async def patch_token(
        _: Admin, uid: str, request: Request, type: TokenType = TokenType.RFID
    ) -> JSONResponse:
        body = await request.body()
        return await _patched(tokens, uid, type, checked(lambda: parse_token_patch(body, now())))

    @router.delete("/{uid}")
    async def block_token(_: Admin, uid: str, type: TokenType = TokenType.RFID) -> JSONResponse:
        return await _patched(tokens, uid, type, TokenPatch(valid=False, last_updated=now()))

    return router


async def _patched(tokens: TokensAdmin, uid: str, type_: TokenType, patch: TokenPatch) -> JSONResponse:
    pushes: list[asyncio.Task[None]] = []
    token = await tokens.patch_token(uid, type_, patch, pushes)
    await settled(pushes)
    return ocpi_response(token)

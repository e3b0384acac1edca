"""Tokens module endpoints: the Sender list (eMSP) and the client-owned Receiver (CPO).

No `from __future__ import annotations` in route modules: FastAPI must resolve the local `CallerDep`.
"""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from fera.ocpi.auth import Authenticator, Caller
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.pagination import PageQuery, page_query, page_response
from fera.ocpi.tokens.models import LocationReferences, Token, TokenPatch, TokenType
from fera.ocpi.tokens.service import TokenKey, TokensReceiver, TokensSender

__all__ = ["tokens_receiver_router", "tokens_sender_router"]


def token_key(
    country_code: Annotated[str, Path(max_length=2)],
    party_id: Annotated[str, Path(max_length=3)],
    token_uid: Annotated[str, Path(max_length=36)],
    type: Annotated[TokenType, Query()] = TokenType.RFID,  # noqa: A002 - the spec's parameter name
) -> TokenKey:
    return (country_code, party_id, token_uid, type)


Uid = Annotated[str, Path(max_length=36)]
TypeQuery = Annotated[TokenType, Query(alias="type")]
Where = Annotated[LocationReferences | None, Body()]


def tokens_sender_router(auth: Authenticator, service: TokensSender, path: str) -> APIRouter:
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.functional)]  # noqa: N806 - a type alias
    QueryDep = Annotated[PageQuery, Depends(page_query)]  # noqa: N806

    @router.get(path)
    async def get_tokens(caller: CallerDep, request: Request, query: QueryDep) -> Response:
        return page_response(request, await service.list(caller, query), query)

    @router.post(path + "/{token_uid}/authorize")
    async def authorize(
        caller: CallerDep, token_uid: Uid, token_type: TypeQuery = TokenType.RFID, location: Where = None
    ) -> JSONResponse:
        return ocpi_response(await service.authorize(caller, token_uid, token_type, location))

    @router.post(path + "/{country_code}/{party_id}/{token_uid}/authorize")
    async def authorize_of_party(
        caller: CallerDep,
        key: Annotated[TokenKey, Depends(token_key)],
        location: Where = None,
    ) -> JSONResponse:
        """Tolerated: the spec's URL has no country_code/party_id (the Sender owns the token); some add it."""
        owner = (key[0], key[1])
        return ocpi_response(await service.authorize(caller, key[2], key[3], location, owner=owner))

    return router


def tokens_receiver_router(auth: Authenticator, service: TokensReceiver, path: str) -> APIRouter:
    router = APIRouter()
    CallerDep = Annotated[Caller, Depends(auth.functional)]  # noqa: N806 - a type alias
    KeyDep = Annotated[TokenKey, Depends(token_key)]  # noqa: N806
    item = path + "/{country_code}/{party_id}/{token_uid}"

    @router.get(item)
    async def get_token(caller: CallerDep, key: KeyDep) -> JSONResponse:
        return ocpi_response(await service.get(caller, key))

    @router.put(item)
    async def put_token(caller: CallerDep, key: KeyDep, body: Token) -> JSONResponse:
        created = await service.put(caller, key, body)
        return ocpi_response(http_status=201 if created else 200)

    @router.patch(item)
    async def patch_token(caller: CallerDep, key: KeyDep, body: TokenPatch) -> JSONResponse:
        await service.patch(caller, key, body)
        return ocpi_response()

    return router

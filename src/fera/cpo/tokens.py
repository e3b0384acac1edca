"""The CPO's Tokens Receiver: a copy of the eMSPs' tokens (pushed, or pulled from their Sender list)."""

from __future__ import annotations

from fera.exchange import Exchange
from fera.exchange._checks import check_owner, check_same, check_stored_by, stored_by_another
from fera.ocpi.auth import Caller
from fera.ocpi.errors import NotFound
from fera.ocpi.tokens.models import Token, TokenPatch, apply_patch
from fera.ocpi.tokens.service import TokenKey
from fera.sessions_events import TokenChanged

__all__ = ["CpoTokens"]


class CpoTokens:
    """Implements `TokensReceiver`; `store` is also the entry point of the pull sync."""

    def __init__(self, exchange: Exchange) -> None:
        self._ex = exchange

    async def get(self, caller: Caller, key: TokenKey) -> Token:
        check_owner(caller, key[0], key[1])
        async with self._ex.store.unit_of_work() as uow:
            stored = await uow.tokens.get(key[0], key[1], key[2], key[3].value)
        if stored is None:
            raise NotFound("Unknown token")
        check_stored_by(caller, stored.partner_id, "token")
        return stored.token

    async def put(self, caller: Caller, key: TokenKey, token: Token) -> bool:
        check_owner(caller, key[0], key[1])
        _check_ids(key, token)
        return await self.store(caller.partner_id, token)

    async def patch(self, caller: Caller, key: TokenKey, patch: TokenPatch) -> None:
        _check_ids(key, patch)
        stored = await self.get(caller, key)
        updated = apply_patch(stored, patch)
        async with self._ex.store.unit_of_work() as uow:
            await uow.tokens.put(updated, caller.partner_id)
        await self._ex.events.publish(TokenChanged(updated, caller.partner_id))

    async def store(self, partner_id: str, token: Token) -> bool:
        async with self._ex.store.unit_of_work() as uow:
            existing = await uow.tokens.get(token.country_code, token.party_id, token.uid, token.type.value)
            if existing is not None and await stored_by_another(uow, existing.partner_id, partner_id):
                raise NotFound("Unknown token")
            created = await uow.tokens.put(token, partner_id)
        await self._ex.events.publish(TokenChanged(token, partner_id))
        return created

    async def token(self, country_code: str, party_id: str, uid: str, type_: str = "RFID") -> Token | None:
        """Domain query: a token an eMSP shared with us (for authorization)."""
        async with self._ex.store.unit_of_work() as uow:
            stored = await uow.tokens.get(country_code, party_id, uid, type_)
        return None if stored is None else stored.token


def _check_ids(key: TokenKey, body: TokenPatch) -> None:
    check_same("country_code", key[0], body.country_code)
    check_same("party_id", key[1], body.party_id)
    check_same("uid", key[2], body.uid)
    if body.type is not None and body.type is not key[3]:
        check_same("type", key[3].value, body.type.value)

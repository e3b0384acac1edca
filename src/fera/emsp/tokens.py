"""The eMSP's Tokens: the Sender list CPOs pull, real-time authorization, and the domain API that stores and
pushes them.

Real-time authorization answers by `policy` (default: ALLOWED while the token is `valid`, else BLOCKED); an
eMSP with more to say (EXPIRED, NO_CREDIT, NOT_ALLOWED at this location) sets its own policy.
"""

from __future__ import annotations

import asyncio
import builtins
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from fera.exchange import Exchange
from fera.exchange.outbox import Outgoing
from fera.ocpi.auth import Caller
from fera.ocpi.errors import InvalidParameters, NotFound, UnknownToken
from fera.ocpi.pagination import Page, PageQuery
from fera.ocpi.tokens.client import patch_request, put_request
from fera.ocpi.tokens.models import (
    AllowedType,
    AuthorizationInfo,
    LocationReferences,
    Token,
    TokenPatch,
    TokenType,
    apply_patch,
)
from fera.ocpi.types import Role, ci_equal
from fera.partners import Partner
from fera.partners.reach import broadcast_audience
from fera.sessions_events import TokenChanged
from fera.store.records import Window

__all__ = ["AuthorizationPolicy", "EmspTokens", "valid_is_allowed"]

# (token, where it is presented or None) -> the answer to a real-time authorization request
AuthorizationPolicy = Callable[[Token, LocationReferences | None], AllowedType]


def valid_is_allowed(token: Token, _location: LocationReferences | None) -> AllowedType:
    return AllowedType.ALLOWED if token.valid else AllowedType.BLOCKED


class _UnknownToken(UnknownToken):
    """Spec: real-time authorization of an unknown token is HTTP 404 with OCPI 2004."""

    http_status = 404


Pushes = list[asyncio.Task[None]] | None  # collects the push tasks of a change


class EmspTokens:
    """Implements `TokensSender`: CPO partners (directly or through a hub) see all our tokens, others none."""

    def __init__(self, exchange: Exchange, policy: AuthorizationPolicy = valid_is_allowed) -> None:
        self._ex = exchange
        self.policy = policy

    async def list(self, caller: Caller, query: PageQuery) -> Page:
        if not _is_cpo(caller):
            return Page([], 0)
        window = Window(query.offset, query.limit, query.date_from, query.date_to)
        async with self._ex.store.reading() as uow:  # the stored wire JSON, nothing to commit
            return await uow.tokens.wire_page(None, window)

    async def authorize(
        self,
        caller: Caller,
        uid: str,
        type_: TokenType,
        location: LocationReferences | None,
        *,
        owner: tuple[str, str] | None = None,
    ) -> AuthorizationInfo:
        """A CPO asks whether the token may charge now; every answer but "unknown token" is HTTP 200."""
        cc, pid = self._party()
        if not _is_cpo(caller) or (
            owner is not None and not (ci_equal(owner[0], cc) and ci_equal(owner[1], pid))
        ):
            raise _UnknownToken(f"Unknown token {uid}")
        async with self._ex.store.unit_of_work() as uow:
            stored = await uow.tokens.get(cc, pid, uid, type_.value)
        if stored is None or stored.partner_id is not None:
            raise _UnknownToken(f"Unknown token {uid}")
        allowed = self.policy(stored.token, location)
        reference = str(uuid.uuid4()) if allowed is AllowedType.ALLOWED else None
        return AuthorizationInfo(
            allowed=allowed, token=stored.token, location=location, authorization_reference=reference
        )

    async def put_token(self, token: Token, pushes: Pushes = None) -> Token:
        """Create or replace one of our tokens; pushed whole to every CPO partner (tasks join `pushes`)."""
        audience = await self._audience()
        async with self._ex.store.unit_of_work() as uow:
            await uow.tokens.put(token, None)
            outgoing = self._outgoing(token, None, audience)
            await self._ex.outbox.stage(uow, outgoing)
        tasks = self._ex.outbox.send(outgoing, wait=pushes is not None)
        if pushes is not None:
            pushes.extend(tasks)
        await self._ex.events.publish(TokenChanged(token, None))
        return token

    async def set_valid(
        self, uid: str, valid: bool, type_: TokenType = TokenType.RFID, at: datetime | None = None
    ) -> Token:
        """Block or unblock a token (tokens are never deleted); pushed as a PATCH."""
        return await self.patch_token(uid, type_, TokenPatch(valid=valid, last_updated=at or self._ex.now()))

    async def patch_token(
        self, uid: str, type_: TokenType, patch: TokenPatch, pushes: Pushes = None
    ) -> Token:
        """Change some fields of one of our tokens; pushed as a PATCH (the whole token if refused)."""
        for field, current in (("uid", uid), ("type", type_.value)):
            given = getattr(patch, field)
            if given is not None and str(given).upper() != current.upper():
                raise InvalidParameters(f"{field} can't be changed (it is {current})")
        audience = await self._audience()
        async with self._ex.store.unit_of_work() as uow:
            stored = await uow.tokens.get(self._party()[0], self._party()[1], uid, type_.value)
            if stored is None or stored.partner_id is not None:
                raise NotFound(f"Unknown token {uid} ({type_.value})")
            token = apply_patch(stored.token, patch)
            await uow.tokens.put(token, None)
            outgoing = self._outgoing(token, patch, audience)
            await self._ex.outbox.stage(uow, outgoing)
        tasks = self._ex.outbox.send(outgoing, wait=pushes is not None)
        if pushes is not None:
            pushes.extend(tasks)
        await self._ex.events.publish(TokenChanged(token, None))
        return token

    async def token(self, uid: str, type_: TokenType) -> Token | None:
        async with self._ex.store.unit_of_work() as uow:
            stored = await uow.tokens.get(self._party()[0], self._party()[1], uid, type_.value)
        return None if stored is None or stored.partner_id is not None else stored.token

    async def own_tokens(self) -> Sequence[Token]:
        async with self._ex.store.unit_of_work() as uow:
            return (await uow.tokens.page(None, Window(0, 100_000))).items

    async def announce(self, partner: Partner) -> None:
        """PUT all our tokens to a CPO partner (after a registration)."""
        if not await broadcast_audience(self._ex.store, [partner], (Role.CPO,)):
            return
        async with self._ex.store.unit_of_work() as uow:
            page = await uow.tokens.page(None, Window(0, 100_000))
            outgoing = [o for token in page.items for o in self._outgoing(token, None, [partner])]
            await self._ex.outbox.stage(uow, outgoing)
        self._ex.outbox.send(outgoing)

    async def _audience(self) -> Sequence[Partner]:
        """Who receives our tokens; read before the change's unit of work (a refill of the partners held
        in memory is a read of its own)."""
        return await broadcast_audience(self._ex.store, await self._ex.partners.known(), (Role.CPO,))

    def _outgoing(
        self, token: Token, patch: TokenPatch | None, partners: Sequence[Partner]
    ) -> builtins.list[Outgoing]:
        out = []
        for partner in partners:
            url = partner.endpoint("tokens", "RECEIVER")
            # A hub gets a broadcast push (OCPI-to: the hub) for the CPOs behind it.
            cpo = next((p for p in partner.parties() if p.role in (Role.CPO, Role.HUB)), None)
            if not partner.registered or url is None or cpo is None:
                continue
            ids = ("tokens", token.country_code, token.party_id, token.uid, token.type.value)
            change = None if patch is None else patch_request(url, token, patch)
            target = self._ex.target(partner, cpo, Role.EMSP)
            put = put_request(url, token)
            out.append(self._ex.outbox.outgoing(target, partner.id, cpo, Role.EMSP.value, ids, put, change))
        return out

    def _party(self) -> tuple[str, str]:
        party = self._ex.config.party(Role.EMSP)
        assert party is not None, "the eMSP role is hosted"
        return party.country_code, party.party_id


def _is_cpo(caller: Caller) -> bool:
    """A CPO partner, or a hub routing a CPO's request (its OCPI-from names a CPO behind it)."""
    if caller.has_role(Role.CPO):
        return True
    return (
        caller.is_hub and caller.from_party is not None and caller.from_party.role in (Role.CPO, Role.OTHER)
    )

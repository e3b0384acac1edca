"""Which id tags a station may charge with, by the OCPI whitelist of the eMSPs' tokens.

ALWAYS and ALLOWED tokens are accepted from the CPO's copy while `valid`. NEVER tokens, and tags the CPO
holds no token for, are asked to the eMSP in real time (`POST {tokens}/{uid}/authorize`; an unknown tag to
every eMSP partner and, by open routing, every hub); ALLOWED_OFFLINE ones too, accepted from the copy only
when the eMSP can't be reached. A token its eMSP invalidated is refused at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from fera.exchange import Exchange
from fera.ocpi.auth import Party
from fera.ocpi.errors import PeerError
from fera.ocpi.sessions.models import AuthMethod, CdrToken
from fera.ocpi.tokens.models import AllowedType, AuthorizationInfo, LocationReferences, Token, WhitelistType
from fera.ocpi.types import Role
from fera.partners import Partner
from fera.store.records import StoredToken

__all__ = ["Authorization", "StationAuthorizer", "cdr_token"]

log = logging.getLogger(__name__)
_LOCAL = (WhitelistType.ALWAYS, WhitelistType.ALLOWED)


@dataclass(frozen=True)
class Authorization:
    """A tag that may charge: the eMSP's token, how it was authorized, and the eMSP's reference if asked."""

    token: Token
    auth_method: AuthMethod
    authorization_reference: str | None = None


class _Unreachable(Exception):
    """No eMSP that could answer did."""


class StationAuthorizer:
    def __init__(self, exchange: Exchange) -> None:
        self._ex = exchange

    async def authorize(self, uid: str, where: LocationReferences | None) -> Authorization | None:
        """The authorization for a tag presented at `where`; None when it may not charge."""
        async with self._ex.store.unit_of_work() as uow:
            stored = await uow.station_lookups.tokens_by_uid(uid)
        usable = [s for s in stored if s.token.valid]
        if stored and not usable:
            return None
        local = next((s.token for s in usable if s.token.whitelist in _LOCAL), None)
        if local is not None:
            return Authorization(local, AuthMethod.WHITELIST)
        try:
            return await self._real_time(usable, uid, where)
        except _Unreachable:
            offline = next(
                (s.token for s in usable if s.token.whitelist is WhitelistType.ALLOWED_OFFLINE), None
            )
            return None if offline is None else Authorization(offline, AuthMethod.WHITELIST)

    async def _real_time(
        self, usable: list[StoredToken], uid: str, where: LocationReferences | None
    ) -> Authorization | None:
        """Ask the token's eMSP (or, for an unknown tag, each eMSP and hub partner) until one knows it."""
        asks = await self._asks(usable)
        unreachable = not asks
        for partner, party, token in asks:
            try:
                info = await self._ask(partner, party, uid, token, where)
            except PeerError as exc:
                unknown = exc.http_status == 404 or exc.status_code == 2004
                unreachable = unreachable or not unknown
                log.info("real-time authorization of %s at %s: %s", uid, partner.name, exc)
                continue
            if info.allowed is not AllowedType.ALLOWED:
                return None
            return Authorization(info.token, AuthMethod.AUTH_REQUEST, info.authorization_reference)
        if unreachable:
            raise _Unreachable
        return None

    async def _asks(self, usable: list[StoredToken]) -> list[tuple[Partner, Party, Token | None]]:
        partners = [
            p for p in await self._ex.partners.list() if p.registered and p.endpoint("tokens", "SENDER")
        ]
        if usable:  # the eMSP that shared the token
            by_id = {p.id: p for p in partners}
            return [
                (by_id[s.partner_id], Party(s.token.country_code, s.token.party_id, Role.EMSP), s.token)
                for s in usable
                if s.partner_id in by_id
            ]
        # An unknown tag: every eMSP partner, and every hub (open routing: it finds the tag's eMSP).
        asked = (Role.EMSP, Role.HUB)
        emsps = [(p, next((r for r in p.parties() if r.role in asked), None)) for p in partners]
        return [(p, party, None) for p, party in emsps if party is not None]

    async def _ask(
        self, partner: Partner, party: Party, uid: str, token: Token | None, where: LocationReferences | None
    ) -> AuthorizationInfo:
        url = partner.endpoint("tokens", "SENDER")
        assert url is not None  # `_asks` keeps partners with one
        target = self._ex.target(partner, party, Role.CPO)
        if party.role is Role.HUB:  # open routing: no OCPI-to-* headers
            target = replace(target, to_party=None)
        if token is None:
            return await self._ex.tokens_sender.authorize(target, url, uid, location=where)
        return await self._ex.tokens_sender.authorize(target, url, token.uid, token.type, where)


def cdr_token(token: Token) -> CdrToken:
    """The token as a session records it: the eMSP's country/party, so the session goes to that eMSP."""
    return CdrToken(
        country_code=token.country_code,
        party_id=token.party_id,
        uid=token.uid,
        type=token.type,
        contract_id=token.contract_id,
    )

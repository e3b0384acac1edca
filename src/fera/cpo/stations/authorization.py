"""Which id tags a station may charge with: tokens eMSPs shared with us, valid and whitelisted.

FERA has no real-time authorization towards eMSPs yet, so a token whitelisted NEVER (real-time only) is
refused; ALWAYS, ALLOWED and ALLOWED_OFFLINE (the eMSP can't be asked) are accepted while `valid`.
"""

from __future__ import annotations

from fera.ocpi.sessions.models import CdrToken
from fera.ocpi.tokens.models import Token, WhitelistType
from fera.store.protocols import Store

__all__ = ["authorized_token", "cdr_token"]

_WHITELISTED = (WhitelistType.ALWAYS, WhitelistType.ALLOWED, WhitelistType.ALLOWED_OFFLINE)


async def authorized_token(store: Store, uid: str) -> Token | None:
    """The first token under this uid that an eMSP pushed and that may charge; None if there is none."""
    async with store.unit_of_work() as uow:
        stored = await uow.station_lookups.tokens_by_uid(uid)
    return next((s.token for s in stored if s.token.valid and s.token.whitelist in _WHITELISTED), None)


def cdr_token(token: Token) -> CdrToken:
    """The token as a session records it: the eMSP's country/party, so the session goes to that eMSP."""
    return CdrToken(
        country_code=token.country_code,
        party_id=token.party_id,
        uid=token.uid,
        type=token.type,
        contract_id=token.contract_id,
    )

"""What a partner may see of the CPO's objects, from its parties and the CPO's smart-charging contracts.

eMSP parties see every location and the sessions of their own tokens; an SCSP party sees the locations its
contract covers and the sessions at them (topology "CPO delegates to SCSP"). Nothing else.

A driver's ChargingPreferences are the eMSP's to set: only the eMSP of the session's token may PUT them (its
SCSP delegate does so through it, under the eMSP's token). A CPO-contracted SCSP sees and may steer the
session, but the driver is not its customer: it may not overwrite what the driver asked for.

A location with `publish` false is seen only by partners holding a token its `publish_allowed_to` names
(`published_to`), and by SCSPs whose contract names it (they steer its sessions, not show it to drivers).
"""

from __future__ import annotations

from collections.abc import Iterable

from fera.config import ContractConfig
from fera.ocpi.auth import Party
from fera.ocpi.locations.models import Location, PublishTokenType
from fera.ocpi.sessions.models import Session
from fera.ocpi.tokens.models import Token
from fera.ocpi.types import Role, ci_equal
from fera.store.records import Visibility

__all__ = ["location_visibility", "preferences_owner", "published_to", "session_visibility", "steering_party"]


def _contracted(parties: Iterable[Party], contracts: list[ContractConfig]) -> tuple[bool, frozenset[str]]:
    """(covers every location, location ids covered) for the SCSP parties among `parties`."""
    every, ids = False, set[str]()
    for contract in contracts:
        cc, pid = contract.scsp.split("*")
        if any(p.role is Role.SCSP and p.is_(cc, pid) for p in parties):
            every = every or not contract.locations
            ids.update(x.upper() for x in contract.locations)
    return every, frozenset(ids)


def location_visibility(parties: Iterable[Party], contracts: list[ContractConfig]) -> Visibility:
    parties = list(parties)
    every, ids = _contracted(parties, contracts)
    public = any(p.role in (Role.EMSP, Role.HUB) for p in parties)  # a hub broadcasts them to its eMSPs
    return Visibility(location_ids=ids, all_locations=every or public)


def session_visibility(parties: Iterable[Party], contracts: list[ContractConfig]) -> Visibility:
    parties = list(parties)
    every, ids = _contracted(parties, contracts)
    tokens = frozenset((p.country_code.upper(), p.party_id.upper()) for p in parties if p.role is Role.EMSP)
    return Visibility(token_parties=tokens, location_ids=ids, all_locations=every)


def preferences_owner(parties: Iterable[Party], session: Session) -> Party | None:
    """The caller's eMSP party that owns the session's token, if any: who may set the driver's preferences."""
    token = session.cdr_token
    owners = (p for p in parties if p.role is Role.EMSP and p.is_(token.country_code, token.party_id))
    return next(owners, None)


def steering_party(
    parties: Iterable[Party], session: Session, contracts: list[ContractConfig]
) -> Party | None:
    """The party that sees (and may steer) this session: the token's eMSP, else a contracted SCSP."""
    parties = list(parties)
    owner = preferences_owner(parties, session)
    if owner is not None:
        return owner
    scsps = [p for p in parties if p.role is Role.SCSP]
    return next((p for p in scsps if session_visibility([p], contracts).sees_session(session)), None)


def published_to(location: Location, tokens: Iterable[Token]) -> bool:
    """May a partner holding these tokens (its drivers') see the location (OCPI `publish_allowed_to`)?"""
    if location.publish:
        return True
    return any(_names(entry, token) for entry in location.publish_allowed_to or [] for token in tokens)


def _names(entry: PublishTokenType, token: Token) -> bool:
    """Every field the entry sets matches the token; an entry without uid, visual_number or group_id (the
    spec's "at least one") names no token at all."""
    if entry.uid is None and entry.visual_number is None and entry.group_id is None:
        return False
    return all(
        (
            entry.uid is None or ci_equal(entry.uid, token.uid),
            entry.type is None or entry.type is token.type,
            entry.visual_number is None or entry.visual_number == token.visual_number,
            entry.issuer is None or entry.issuer == token.issuer,
            entry.group_id is None or ci_equal(entry.group_id, token.group_id or ""),
        )
    )

"""Which partners receive the CPO's pushes, where, and addressed to which of their parties."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from fera.config import ContractConfig
from fera.cpo.visibility import location_visibility, steering_party
from fera.exchange import Exchange
from fera.ocpi.auth import Party
from fera.ocpi.locations.models import Location
from fera.ocpi.peer import PeerTarget
from fera.ocpi.sessions.models import Session
from fera.ocpi.types import Role
from fera.partners import Partner

__all__ = ["Recipient", "location_recipients", "session_recipients"]


@dataclass(frozen=True)
class Recipient:
    partner_id: str
    url: str  # the partner's Receiver endpoint for the module
    target: PeerTarget


def session_recipients(
    exchange: Exchange,
    partners: Sequence[Partner],
    session: Session,
    behind: Mapping[str, tuple[Party, ...]] | None = None,
) -> list[Recipient]:
    """The eMSP owning the session's token, and SCSPs whose contract covers its location; through a hub
    (`behind`: hub partner id -> the parties it reaches, `fera.exchange.hubs.parties_behind`) too."""
    contracts, behind = exchange.config.contracts, behind or {}
    return _recipients(
        exchange,
        partners,
        "sessions",
        lambda p: steering_party((*p.parties(), *behind.get(p.id, ())), session, contracts),
    )


def location_recipients(
    exchange: Exchange, partners: Sequence[Partner], location: Location
) -> list[Recipient]:
    contracts = exchange.config.contracts
    return _recipients(exchange, partners, "locations", lambda p: _location_party(p, location, contracts))


def _location_party(partner: Partner, location: Location, contracts: list[ContractConfig]) -> Party | None:
    for party in partner.parties():
        if location_visibility([party], contracts).sees_location(location.id):
            return party
    return None


def _recipients(
    exchange: Exchange, partners: Sequence[Partner], module: str, party_of: Callable[[Partner], Party | None]
) -> list[Recipient]:
    out = []
    for partner in partners:
        url = partner.endpoint(module, "RECEIVER")
        party = party_of(partner) if partner.registered and url else None
        if url and party is not None:
            out.append(Recipient(partner.id, url, exchange.target(partner, party, Role.CPO)))
    return out

"""What the Locations/Sessions/Tokens stores hold and filter by; plain dataclasses around the wire models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import ChargingPreferences, Session
from fera.ocpi.tokens.models import Token

__all__ = ["ForwardedSession", "StoredLocation", "StoredSession", "StoredToken", "Visibility", "Window"]


@dataclass(frozen=True)
class Window:
    """One page of a list, filtered on `last_updated` (from inclusive, to exclusive)."""

    offset: int = 0
    limit: int = 100
    date_from: datetime | None = None
    date_to: datetime | None = None


@dataclass(frozen=True)
class Visibility:
    """Which of the owner's objects a caller may see: by token owner, by location, or everything.

    Location ids and parties are upper-cased (CiString). An empty Visibility sees nothing.
    """

    token_parties: frozenset[tuple[str, str]] = frozenset()
    location_ids: frozenset[str] = frozenset()
    all_locations: bool = False
    hidden_location_ids: frozenset[str] = frozenset()  # unpublished, and not to this caller: never seen

    def sees_location(self, location_id: str) -> bool:
        if location_id.upper() in self.hidden_location_ids:
            return False
        return self.all_locations or location_id.upper() in self.location_ids

    def sees_session(self, session: Session) -> bool:
        token = (session.cdr_token.country_code.upper(), session.cdr_token.party_id.upper())
        return token in self.token_parties or self.sees_location(session.location_id)


@dataclass(frozen=True)
class StoredLocation:
    location: Location
    partner_id: str | None  # None: our own location


@dataclass(frozen=True)
class StoredToken:
    token: Token
    partner_id: str | None  # None: our own token


@dataclass(frozen=True)
class StoredSession:
    session: Session
    partner_id: str | None  # None: our own session
    preferences: ChargingPreferences | None = None


@dataclass(frozen=True)
class ForwardedSession:
    """eMSP side: a CPO session forwarded to our SCSP delegate under an id of our own (gotcha 15)."""

    id: str  # the id the SCSP sees
    cpo_partner_id: str
    country_code: str  # the CPO's
    party_id: str
    session_id: str  # the CPO's session id
    scsp_partner_id: str

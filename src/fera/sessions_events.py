"""Facts about Locations, Sessions and Tokens published on a node's `EventBus`.

Published after the change is committed. `source_partner_id` is the partner the object came from, or None for
an object this node owns (the CPO's own sessions and locations, the eMSP's own tokens).
"""

from __future__ import annotations

from dataclasses import dataclass

from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import ChargingPreferences, Session, SessionPatch
from fera.ocpi.tokens.models import Token

__all__ = [
    "LocationChanged",
    "PreferencesChanged",
    "PreferencesStated",
    "SessionChanged",
    "SessionForwarded",
    "TokenChanged",
]


@dataclass(frozen=True)
class SessionChanged:
    """A session was stored or updated; `patch` is the change when it came as one (None: full object)."""

    session: Session
    source_partner_id: str | None
    patch: SessionPatch | None = None


@dataclass(frozen=True)
class PreferencesChanged:
    """The CPO accepted a driver's charging preferences for one of its sessions."""

    session_id: str
    preferences: ChargingPreferences
    country_code: str = ""
    party_id: str = ""
    location_id: str = ""  # where the session is: its site shares the grid by stated needs first
    evse_uid: str = ""


@dataclass(frozen=True)
class PreferencesStated:
    """eMSP side: a driver stated charging preferences for their ongoing session (the eMSP's admin API), as
    received from the CPO partner `partner_id`; the eMSP's own planner steers with them."""

    partner_id: str
    session: Session
    preferences: ChargingPreferences


@dataclass(frozen=True)
class LocationChanged:
    location: Location
    source_partner_id: str | None


@dataclass(frozen=True)
class TokenChanged:
    token: Token
    source_partner_id: str | None


@dataclass(frozen=True)
class SessionForwarded:
    """eMSP side: a CPO's session (as received) was forwarded to our SCSP delegate as `forwarded`."""

    forwarded: Session  # under our own country_code/party_id and session id
    cpo_session: Session
    cpo_partner_id: str
    scsp_partner_id: str

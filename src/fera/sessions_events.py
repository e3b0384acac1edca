"""Facts about Locations, Sessions and Tokens published on a node's `EventBus`.

Published after the change is committed. `source_partner_id` is the partner the object came from, or None for
an object this node owns (the CPO's own sessions and locations, the eMSP's own tokens).
"""

from __future__ import annotations

from collections.abc import Callable
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


class SessionChanged:
    """A session was stored or updated; `patch` is the change when it came as one (None: full object).

    `session` may be given as a way to read it, read when a subscriber first asks: a Receiver's PATCH stores
    the session without reading its periods into models (`patched_wire`), and a node with no subscriber that
    looks at the session never pays for that."""

    __slots__ = ("_read", "_session", "patch", "source_partner_id")
    __match_args__ = ("session", "source_partner_id", "patch")

    def __init__(
        self,
        session: Session | Callable[[], Session],
        source_partner_id: str | None,
        patch: SessionPatch | None = None,
    ) -> None:
        self._session: Session | None = session if isinstance(session, Session) else None
        self._read: Callable[[], Session] | None = None if isinstance(session, Session) else session
        self.source_partner_id, self.patch = source_partner_id, patch

    @property
    def session(self) -> Session:
        if self._session is None:
            assert self._read is not None
            self._session, self._read = self._read(), None
        return self._session

    def __repr__(self) -> str:
        return f"SessionChanged({self.session!r}, {self.source_partner_id!r}, {self.patch!r})"


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

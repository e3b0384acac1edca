"""The sessions a steering party knows, found by their location too.

A Location push (an EVSE's status, mostly) must reach the sessions at that location only: walking every
known session on each push costs a city-scale SCSP O(sessions) per EVSE status change.
"""

from __future__ import annotations

from collections import UserDict

from fera.ocpi.sessions.models import Session
from fera.scsp.planning_inputs import Known, SessionKey

__all__ = ["KnownSessions", "LocationKey", "location_key"]

LocationKey = tuple[str, str, str]  # country code, party id, location id; upper case (OCPI: case-insensitive)


def location_key(country_code: str, party_id: str, location_id: str) -> LocationKey:
    return country_code.upper(), party_id.upper(), location_id.upper()


def _where(session: Session) -> LocationKey:
    return location_key(session.country_code, session.party_id, session.location_id)


class KnownSessions(UserDict[SessionKey, Known]):
    """A mapping of the known sessions (every change goes through `__setitem__` and `__delitem__`, which
    keep the index by location)."""

    def __init__(self) -> None:
        self._at: dict[LocationKey, set[SessionKey]] = {}
        super().__init__()

    def __setitem__(self, key: SessionKey, known: Known) -> None:
        old = self.data.get(key)
        if old is not None:
            self._drop(key, old)
        self.data[key] = known
        self._at.setdefault(_where(known.session), set()).add(key)

    def __delitem__(self, key: SessionKey) -> None:
        self._drop(key, self.data.pop(key))

    def at(self, where: LocationKey) -> list[SessionKey]:
        """The sessions known at this location."""
        return sorted(self._at.get(where, ()))

    def _drop(self, key: SessionKey, known: Known) -> None:
        where = _where(known.session)
        keys = self._at[where]
        keys.discard(key)
        if not keys:
            del self._at[where]

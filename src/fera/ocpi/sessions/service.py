"""What the Sessions routes call: one Protocol per interface role."""

from __future__ import annotations

from typing import Protocol

from fera.ocpi.auth import Caller
from fera.ocpi.pagination import Page, PageQuery
from fera.ocpi.sessions.models import ChargingPreferences, ChargingPreferencesResponse, Session, SessionPatch

__all__ = ["SessionsReceiver", "SessionsSender"]


class SessionsSender(Protocol):
    """The owner's side (the CPO; an eMSP towards its SCSP delegate)."""

    async def list(self, caller: Caller, query: PageQuery) -> Page: ...
    async def set_charging_preferences(
        self, caller: Caller, session_id: str, preferences: ChargingPreferences
    ) -> ChargingPreferencesResponse: ...


class SessionsReceiver(Protocol):
    """A copy of the owner's sessions, pushed under `{country_code}/{party_id}/{session_id}`."""

    async def get(self, caller: Caller, country_code: str, party_id: str, session_id: str) -> Session: ...
    async def put(
        self, caller: Caller, country_code: str, party_id: str, session_id: str, session: Session
    ) -> bool: ...  # True when created
    async def patch(
        self, caller: Caller, country_code: str, party_id: str, session_id: str, patch: SessionPatch
    ) -> None: ...

"""Where a driver's preferences enter a node's steering planner: shared by the roles that plan (the SCSP, an
eMSP steering its own customers) and the eMSP that takes them from its drivers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fera.ocpi.sessions.models import ChargingPreferences
from fera.parts import Key

__all__ = ["TAKE_PREFERENCES", "TakePreferences"]

# (partner id, session id, preferences): False when the node's planner steers no such session.
TakePreferences = Callable[[str, str, ChargingPreferences], Awaitable[bool]]
TAKE_PREFERENCES: Key[TakePreferences] = Key("take a driver's preferences")

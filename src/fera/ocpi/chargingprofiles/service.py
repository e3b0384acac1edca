"""The two ChargingProfiles interfaces as the routes see them.

Receiver (CPO, and an eMSP proxying its SCSP): answers GET/PUT/DELETE synchronously with a
`ChargingProfileResponse`, then POSTs the result to `response_url`.
Sender (eMSP, SCSP): receives those results on the `response_url` it issued, and active-profile updates.
"""

from __future__ import annotations

from typing import Any, Protocol

from fera.ocpi.auth import Caller
from fera.ocpi.chargingprofiles.models import (
    ActiveChargingProfile,
    ChargingProfileResponse,
    SetChargingProfile,
)

__all__ = ["ChargingProfilesReceiver", "ChargingProfilesSender"]


class ChargingProfilesReceiver(Protocol):
    async def get_active_profile(
        self, caller: Caller, session_id: str, duration: int, response_url: str
    ) -> ChargingProfileResponse: ...

    async def set_profile(
        self, caller: Caller, session_id: str, request: SetChargingProfile
    ) -> ChargingProfileResponse: ...

    async def clear_profile(
        self, caller: Caller, session_id: str, response_url: str
    ) -> ChargingProfileResponse: ...


class ChargingProfilesSender(Protocol):
    async def receive_result(self, caller: Caller, request_id: str, body: dict[str, Any]) -> None:
        """A result POSTed on a `response_url` we issued; the request id says which of the three it is."""
        ...

    async def receive_active_profile(
        self, caller: Caller, session_id: str, profile: ActiveChargingProfile
    ) -> None: ...

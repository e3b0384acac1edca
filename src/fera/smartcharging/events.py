"""What the Sender side tells the smart-charging logic (planner, eMSP steering, the eMSP proxy)."""

from __future__ import annotations

from dataclasses import dataclass

from fera.ocpi.chargingprofiles.models import ActiveChargingProfile
from fera.smartcharging.model import ProfileRequest

__all__ = ["ActiveProfileReceived", "ProfileRequestFinished"]


@dataclass(frozen=True)
class ProfileRequestFinished:
    """A request reached a final state: refused, result received (also late), timed out or failed."""

    request: ProfileRequest


@dataclass(frozen=True)
class ActiveProfileReceived:
    partner_id: str
    session_id: str
    profile: ActiveChargingProfile

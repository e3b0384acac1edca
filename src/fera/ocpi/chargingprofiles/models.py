"""ChargingProfiles module wire models (OCPI 2.2.1 `mod_charging_profiles.asciidoc`).

The three async result bodies (`ActiveChargingProfileResult`, `ChargingProfileResult`,
`ClearProfileResult`) carry no type field: the Sender knows which one to expect from the
`response_url` it issued.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from fera.ocpi.types import DateTime, OcpiModel, OneDecimal, Url

__all__ = [
    "ActiveChargingProfile",
    "ActiveChargingProfileResult",
    "ChargingProfile",
    "ChargingProfilePeriod",
    "ChargingProfileResponse",
    "ChargingProfileResponseType",
    "ChargingProfileResult",
    "ChargingProfileResultType",
    "ChargingRateUnit",
    "ClearProfileResult",
    "SetChargingProfile",
]


class ChargingRateUnit(StrEnum):
    """`W`: total power over all phases; `A`: current per phase (preferred for AC)."""

    W = "W"
    A = "A"


class ChargingProfileResponseType(StrEnum):
    """The CPO's synchronous answer to a GET/PUT/DELETE on the Receiver interface."""

    ACCEPTED = "ACCEPTED"
    NOT_SUPPORTED = "NOT_SUPPORTED"
    REJECTED = "REJECTED"
    TOO_OFTEN = "TOO_OFTEN"
    UNKNOWN_SESSION = "UNKNOWN_SESSION"


class ChargingProfileResultType(StrEnum):
    """The EVSE's asynchronous answer, POSTed to the Sender's `response_url`."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"


class ChargingProfilePeriod(OcpiModel):
    start_period: int = Field(ge=0)
    limit: OneDecimal


class ChargingProfile(OcpiModel):
    """Limits over time; absent `start_date_time` means relative to the start of charging."""

    start_date_time: DateTime | None = None
    duration: int | None = Field(default=None, ge=0)
    charging_rate_unit: ChargingRateUnit
    min_charging_rate: OneDecimal | None = None
    charging_profile_period: list[ChargingProfilePeriod] | None = None

    @field_validator("charging_profile_period", mode="before")
    @classmethod
    def _single_period_as_list(cls, value: Any) -> Any:
        """Tolerate peers that send one period object instead of a list (we always send a list)."""
        return [value] if isinstance(value, dict) else value


class ActiveChargingProfile(OcpiModel):
    """The profile the Charge Point computed; its periods are relative to `start_date_time`."""

    start_date_time: DateTime
    charging_profile: ChargingProfile


class ChargingProfileResponse(OcpiModel):
    result: ChargingProfileResponseType
    timeout: int


class SetChargingProfile(OcpiModel):
    """PUT body on the Receiver interface."""

    charging_profile: ChargingProfile
    response_url: Url


class ActiveChargingProfileResult(OcpiModel):
    """Async result of a GET ActiveChargingProfile; `profile` is present when `ACCEPTED`."""

    result: ChargingProfileResultType
    profile: ActiveChargingProfile | None = None


class ChargingProfileResult(OcpiModel):
    """Async result of a PUT SetChargingProfile."""

    result: ChargingProfileResultType


class ClearProfileResult(OcpiModel):
    """Async result of a DELETE (clear) ChargingProfile."""

    result: ChargingProfileResultType

"""ChargingProfiles module wire models (OCPI 2.2.1 `mod_charging_profiles.asciidoc`).

The three async result bodies (`ActiveChargingProfileResult`, `ChargingProfileResult`,
`ClearProfileResult`) carry no type field: the Sender knows which one to expect from the
`response_url` it issued.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator

from fera.ocpi.types import Count, DateTime, HttpUrl, OcpiModel, OneDecimal

__all__ = [
    "MAX_DURATION_S",
    "MAX_PERIODS",
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


# A profile a CPO accepts must be one it can compute and write to a station; these bound what it accepts.
MAX_PERIODS = 1440  # one period a minute for a day
MAX_DURATION_S = 31 * 24 * 3600  # `duration`, `start_period` and the GET `duration`: a month at most
Seconds = Annotated[Count, Field(le=MAX_DURATION_S)]


class ChargingProfilePeriod(OcpiModel):
    start_period: Seconds
    limit: OneDecimal


class ChargingProfile(OcpiModel):
    """Limits over time; absent `start_date_time` means relative to the start of charging."""

    start_date_time: DateTime | None = None
    duration: Seconds | None = None
    charging_rate_unit: ChargingRateUnit
    min_charging_rate: OneDecimal | None = None
    charging_profile_period: list[ChargingProfilePeriod] | None = None

    @field_validator("charging_profile_period", mode="before")
    @classmethod
    def _single_period_as_list(cls, value: Any) -> Any:
        """Tolerate peers that send one period object instead of a list (we always send a list)."""
        return [value] if isinstance(value, dict) else value

    @field_validator("charging_profile_period")
    @classmethod
    def _strictly_increasing(cls, value: list[ChargingProfilePeriod] | None) -> Any:
        """Each `start_period` ends the previous period: equal or decreasing ones describe no schedule."""
        starts = [period.start_period for period in value or ()]
        if any(later <= earlier for earlier, later in zip(starts, starts[1:], strict=False)):
            raise ValueError("start_period values must be strictly increasing")
        return value


class ActiveChargingProfile(OcpiModel):
    """The profile the Charge Point computed; its periods are relative to `start_date_time`."""

    start_date_time: DateTime
    charging_profile: ChargingProfile


class ChargingProfileResponse(OcpiModel):
    result: ChargingProfileResponseType
    timeout: Count


class SetChargingProfile(OcpiModel):
    """PUT body on the Receiver interface; `response_url` must be an absolute http(s) URL we can call."""

    charging_profile: ChargingProfile
    response_url: HttpUrl

    @field_validator("charging_profile")
    @classmethod
    def _bounded(cls, value: ChargingProfile) -> ChargingProfile:
        """A profile to apply has at most `MAX_PERIODS` periods (an ActiveChargingProfile is computed)."""
        if len(value.charging_profile_period or ()) > MAX_PERIODS:
            raise ValueError(f"charging_profile_period: at most {MAX_PERIODS} periods")
        return value


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

"""OCPP charging profiles as a station holds them, and the checks a station applies before accepting one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "ChargingProfileKind",
    "ChargingProfilePurpose",
    "OcppChargingProfile",
    "RecurrencyKind",
    "SchedulePeriod",
    "validate_profile",
]


class ChargingProfilePurpose(StrEnum):
    CHARGE_POINT_MAX = "ChargePointMaxProfile"
    TX_DEFAULT = "TxDefaultProfile"
    TX = "TxProfile"
    # 2.0.1: set locally by an EMS or grid operator, reported to the CSMS, never settable by it.
    EXTERNAL_CONSTRAINTS = "ChargingStationExternalConstraints"


class ChargingProfileKind(StrEnum):
    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


class RecurrencyKind(StrEnum):
    DAILY = "Daily"
    WEEKLY = "Weekly"


@dataclass(frozen=True)
class SchedulePeriod:
    start_period: int
    limit: float
    number_phases: int | None = None


@dataclass(frozen=True)
class OcppChargingProfile:
    """One profile with its single schedule. `connector_id` is the EVSE id in 2.0.1; 0 = the whole station."""

    id: int
    stack_level: int
    purpose: ChargingProfilePurpose
    kind: ChargingProfileKind
    unit: str
    periods: tuple[SchedulePeriod, ...]
    connector_id: int = 0
    transaction_id: str | None = None
    recurrency: RecurrencyKind | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    start_schedule: datetime | None = None
    duration: int | None = None
    min_charging_rate: float | None = None


def _purpose_reason(profile: OcppChargingProfile, has_transaction: bool) -> str | None:
    purpose = profile.purpose
    if purpose is ChargingProfilePurpose.EXTERNAL_CONSTRAINTS:
        return "ChargingStationExternalConstraints can't be set by the CSMS"
    if purpose is ChargingProfilePurpose.TX and (profile.connector_id == 0 or not has_transaction):
        return "TxProfile needs an active transaction on a connector > 0"
    if purpose is ChargingProfilePurpose.CHARGE_POINT_MAX:
        if profile.connector_id != 0:
            return "ChargePointMaxProfile only applies to connector 0"
        if profile.kind is ChargingProfileKind.RELATIVE:
            return "ChargePointMaxProfile can't be Relative"
    return None


def _kind_reason(profile: OcppChargingProfile) -> str | None:
    relative = profile.kind is ChargingProfileKind.RELATIVE
    if relative and profile.start_schedule is not None:
        return "a Relative profile must not have startSchedule"
    if not relative and profile.start_schedule is None:
        return f"an {profile.kind} profile needs startSchedule"
    if profile.kind is ChargingProfileKind.RECURRING and profile.recurrency is None:
        return "a Recurring profile needs recurrencyKind"
    return None


def _periods_reason(profile: OcppChargingProfile) -> str | None:
    starts = [period.start_period for period in profile.periods]
    if not starts or starts[0] != 0:
        return "the first startPeriod must be 0"
    if starts != sorted(set(starts)):
        return "startPeriod values must increase"
    if any(period.limit < 0 for period in profile.periods):
        return "limits must not be negative"
    if any(period.number_phases not in (None, 1, 2, 3) for period in profile.periods):
        return "numberPhases must be 1, 2 or 3"
    return None


def _fields_reason(profile: OcppChargingProfile) -> str | None:
    if profile.stack_level < 0:
        return "stackLevel must not be negative"
    if profile.duration is not None and profile.duration < 0:
        return "duration must not be negative"
    if profile.valid_from and profile.valid_to and profile.valid_to <= profile.valid_from:
        return "validTo must be after validFrom"
    return None


def validate_profile(
    profile: OcppChargingProfile,
    has_transaction: bool,
    *,
    connector_ids: Collection[int] | None = None,
    supported_units: Collection[str] = ("A", "W"),
) -> str | None:
    """Why a station would reject this SetChargingProfile, or None to accept it.

    `has_transaction`: whether the profile's connector has an active transaction. `connector_ids`: the
    station's connectors/EVSEs (> 0), when known, so unknown ones are rejected.
    """
    if profile.unit not in supported_units:
        return f"unsupported charging rate unit {profile.unit!r}"
    if profile.connector_id < 0 or (
        connector_ids is not None and profile.connector_id != 0 and profile.connector_id not in connector_ids
    ):
        return f"unknown connector {profile.connector_id}"
    for check in (_purpose_reason(profile, has_transaction), _kind_reason(profile), _periods_reason(profile)):
        if check is not None:
            return check
    return _fields_reason(profile)

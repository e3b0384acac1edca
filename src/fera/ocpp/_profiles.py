"""Charging profiles and composite schedules between FERA types and the ocpp library's payload dicts.

Payload dicts use the library's snake_case keys; 1.6 and 2.0.1 differ in field names, the transaction id type
(int / string), the station-wide purpose's name and 2.0.1's list of schedules.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from fera.charging import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    OcppChargingProfile,
    RateProfile,
    RecurrencyKind,
    SchedulePeriod,
)
from fera.ocpp._time import from_wire, to_wire
from fera.ocpp._values import MAX_LIMIT
from fera.ocpp.link import CompositeSchedule

__all__ = [
    "composite_from_wire",
    "composite_to_v16",
    "composite_to_v201",
    "profile_from_wire",
    "profile_to_wire",
    "tx_profile",
]

_STATION_MAX_V201 = "ChargingStationMaxProfile"


def tx_profile(profile: OcppChargingProfile, evse_id: int, transaction_id: str) -> OcppChargingProfile:
    """The profile as a TxProfile bound to one transaction on one EVSE (what StationLink sends)."""
    return replace(
        profile, purpose=ChargingProfilePurpose.TX, connector_id=evse_id, transaction_id=transaction_id
    )


def _time(t: datetime | None) -> str | None:
    return None if t is None else to_wire(t)


def _parse_time(text: str | None) -> datetime | None:
    return None if text is None else from_wire(text)


def _periods_to_wire(periods: tuple[SchedulePeriod, ...]) -> list[dict[str, Any]]:
    # round(): one decimal on the wire (1.6 schema: multipleOf 0.1) without float noise like 7.300000000000001
    return [
        {"start_period": p.start_period, "limit": round(p.limit, 1), "number_phases": p.number_phases}
        for p in periods
    ]


def _periods_from_wire(periods: list[dict[str, Any]]) -> tuple[SchedulePeriod, ...]:
    return tuple(
        SchedulePeriod(int(p["start_period"]), float(p["limit"]), p.get("number_phases")) for p in periods
    )


def _schedule_to_wire(profile: OcppChargingProfile) -> dict[str, Any]:
    return {
        "charging_rate_unit": profile.unit,
        "charging_schedule_period": _periods_to_wire(profile.periods),
        "duration": profile.duration,
        "start_schedule": _time(profile.start_schedule),
        "min_charging_rate": profile.min_charging_rate,
    }


def profile_to_wire(profile: OcppChargingProfile, ocpp_version: str) -> dict[str, Any]:
    """`csChargingProfiles` (1.6) or `chargingProfile` (2.0.1) for a SetChargingProfile."""
    v16 = ocpp_version == "1.6"
    purpose = str(profile.purpose)
    if not v16 and profile.purpose is ChargingProfilePurpose.CHARGE_POINT_MAX:
        purpose = _STATION_MAX_V201
    schedule = _schedule_to_wire(profile)
    tx_id = profile.transaction_id
    return {
        ("charging_profile_id" if v16 else "id"): profile.id,
        "stack_level": profile.stack_level,
        "charging_profile_purpose": purpose,
        "charging_profile_kind": str(profile.kind),
        "charging_schedule": schedule if v16 else [{"id": profile.id, **schedule}],
        "transaction_id": int(tx_id) if v16 and tx_id is not None else tx_id,
        "recurrency_kind": None if profile.recurrency is None else str(profile.recurrency),
        "valid_from": _time(profile.valid_from),
        "valid_to": _time(profile.valid_to),
    }


def profile_from_wire(wire: dict[str, Any], connector_id: int) -> OcppChargingProfile:
    """Parse a received profile of either version (raises KeyError/ValueError when malformed)."""
    schedule = wire["charging_schedule"]
    schedule = schedule[0] if isinstance(schedule, list) else schedule
    purpose = wire["charging_profile_purpose"]
    tx_id = wire.get("transaction_id")
    recurrency = wire.get("recurrency_kind")
    return OcppChargingProfile(
        id=int(wire["charging_profile_id"] if "charging_profile_id" in wire else wire["id"]),
        stack_level=int(wire["stack_level"]),
        purpose=ChargingProfilePurpose("ChargePointMaxProfile" if purpose == _STATION_MAX_V201 else purpose),
        kind=ChargingProfileKind(wire["charging_profile_kind"]),
        unit=schedule["charging_rate_unit"],
        periods=_periods_from_wire(schedule["charging_schedule_period"]),
        connector_id=connector_id,
        transaction_id=None if tx_id is None else str(tx_id),
        recurrency=None if recurrency is None else RecurrencyKind(recurrency),
        valid_from=_parse_time(wire.get("valid_from")),
        valid_to=_parse_time(wire.get("valid_to")),
        start_schedule=_parse_time(schedule.get("start_schedule")),
        duration=schedule.get("duration"),
        min_charging_rate=schedule.get("min_charging_rate"),
    )


def composite_from_wire(schedule: dict[str, Any], schedule_start: str | None) -> CompositeSchedule:
    """A GetCompositeSchedule answer: 2.0.1's `schedule`, or 1.6's `chargingSchedule` plus `scheduleStart`."""
    start = schedule_start or schedule.get("schedule_start") or schedule.get("start_schedule")
    if start is None:
        raise ValueError("composite schedule without a start")
    periods = _periods_from_wire(schedule["charging_schedule_period"])
    for period in periods:
        if not 0 <= period.limit <= MAX_LIMIT:  # NaN and infinities too: every comparison with them fails
            raise ValueError(f"composite schedule limit {period.limit!r}: expected 0 to {MAX_LIMIT:.0e}")
    return CompositeSchedule(
        start=from_wire(start),
        unit=schedule["charging_rate_unit"],
        periods=periods,
        duration=schedule.get("duration"),
    )


def _rate_periods(rate: RateProfile) -> list[dict[str, Any]]:
    return [{"start_period": start, "limit": round(limit, 1)} for start, limit in rate.periods]


def composite_to_v16(rate: RateProfile) -> dict[str, Any]:
    """1.6 `chargingSchedule` of a composite written as a RateProfile (see `profile_from_schedule`)."""
    return {
        "charging_rate_unit": rate.charging_rate_unit,
        "charging_schedule_period": _rate_periods(rate),
        "duration": rate.duration,
        "start_schedule": _time(rate.start_date_time),
    }


def composite_to_v201(rate: RateProfile, evse_id: int) -> dict[str, Any]:
    """2.0.1 CompositeScheduleType of a composite written as a RateProfile."""
    assert rate.start_date_time is not None and rate.duration is not None  # profile_from_schedule sets both
    return {
        "evse_id": evse_id,
        "duration": rate.duration,
        "schedule_start": to_wire(rate.start_date_time),
        "charging_rate_unit": rate.charging_rate_unit,
        "charging_schedule_period": _rate_periods(rate),
    }

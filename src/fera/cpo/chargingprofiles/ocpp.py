"""CPO-side mapping between FERA schedules and OCPP profiles (pure)."""

from __future__ import annotations

from datetime import datetime

from fera.charging import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    Electrical,
    OcppChargingProfile,
    Schedule,
    SchedulePeriod,
    write_profile,
)
from fera.ocpp.link import CompositeSchedule

__all__ = ["TX_STACK_LEVEL", "composite_as_periods", "tx_profile"]

# The one TxProfile carrying the minimum of every OCPI sender and the site limit sits at this level.
TX_STACK_LEVEL = 10
TX_HORIZON_S = 24 * 3600


def tx_profile(
    schedule: Schedule,
    electrical: Electrical,
    evse_id: int,
    transaction_id: str,
    profile_id: int,
    now: datetime,
) -> OcppChargingProfile:
    written = write_profile(schedule, electrical, now, TX_HORIZON_S)
    return OcppChargingProfile(
        id=profile_id,
        stack_level=TX_STACK_LEVEL,
        purpose=ChargingProfilePurpose.TX,
        kind=ChargingProfileKind.ABSOLUTE,
        unit=written.charging_rate_unit,
        periods=tuple(SchedulePeriod(start, limit) for start, limit in written.periods),
        connector_id=evse_id,
        transaction_id=transaction_id,
        start_schedule=now,
        duration=TX_HORIZON_S,
    )


def composite_as_periods(
    schedule: Schedule, electrical: Electrical, start: datetime, duration_s: int
) -> CompositeSchedule:
    written = write_profile(schedule, electrical, start, max(duration_s, 1))
    periods = tuple(SchedulePeriod(s, limit) for s, limit in written.periods)
    return CompositeSchedule(start, written.charging_rate_unit, periods, duration_s)

"""The CPO's profile math: pure functions over schedules, profiles and connector ratings (no I/O, clock)."""

from fera.charging.active import (
    EVSE_MAXIMUM,
    LOCAL_LIMIT,
    limiting,
    preferred_unit,
    session_limit,
    write_profile,
)
from fera.charging.composite import (
    composite_schedule,
    connector_limit_at,
    profile_schedule,
    station_composite_schedule,
)
from fera.charging.electrical import POWER_TYPES, Electrical
from fera.charging.ocpp_profile import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    OcppChargingProfile,
    RecurrencyKind,
    SchedulePeriod,
    validate_profile,
)
from fera.charging.rate_profile import RATE_UNITS, RateProfile, profile_from_schedule, schedule_from_profile
from fera.charging.schedule import Breakpoint, Limit, Schedule, maximum, minimum, overlay, total
from fera.charging.stack import ProfileStack

__all__ = [
    "EVSE_MAXIMUM",
    "LOCAL_LIMIT",
    "POWER_TYPES",
    "RATE_UNITS",
    "Breakpoint",
    "ChargingProfileKind",
    "ChargingProfilePurpose",
    "Electrical",
    "Limit",
    "OcppChargingProfile",
    "ProfileStack",
    "RateProfile",
    "RecurrencyKind",
    "Schedule",
    "SchedulePeriod",
    "composite_schedule",
    "connector_limit_at",
    "limiting",
    "maximum",
    "minimum",
    "overlay",
    "preferred_unit",
    "profile_from_schedule",
    "profile_schedule",
    "schedule_from_profile",
    "session_limit",
    "station_composite_schedule",
    "total",
    "validate_profile",
    "write_profile",
]

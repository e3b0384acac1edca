"""The limit a session actually gets (its ActiveChargingProfile): the minimum of all inputs and hardware."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from fera.charging.electrical import Electrical
from fera.charging.rate_profile import RateProfile, profile_from_schedule, schedule_from_profile
from fera.charging.schedule import Schedule, minimum

__all__ = ["preferred_unit", "session_limit", "write_profile"]


def session_limit(
    sender_profiles: Iterable[RateProfile],
    electrical: Electrical,
    charging_start: datetime,
    local_limit: Schedule | None = None,
) -> Schedule:
    """min(every sender's profile, the CPO's local/site limit, the EVSE maximum), in W over absolute time."""
    inputs = [schedule_from_profile(p, electrical, charging_start) for p in sender_profiles]
    if local_limit is not None:
        inputs.append(local_limit)
    inputs.append(Schedule.constant(float(electrical.max_power_w)))
    return minimum(*inputs)


def preferred_unit(electrical: Electrical) -> str:
    """A per phase for AC (the spec's advice: avoid W for AC), W for DC."""
    return "W" if electrical.power_type == "DC" else "A"


def write_profile(schedule: Schedule, electrical: Electrical, start: datetime, duration: int) -> RateProfile:
    """The schedule as the CPO writes it out (OCPI or OCPP), in the connector's natural unit."""
    return profile_from_schedule(schedule, electrical, start, duration, preferred_unit(electrical))

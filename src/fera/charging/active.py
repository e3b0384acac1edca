"""The limit a session actually gets (its ActiveChargingProfile): the minimum of all inputs and hardware."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from fera.charging.electrical import Electrical
from fera.charging.rate_profile import RateProfile, profile_from_schedule, schedule_from_profile
from fera.charging.schedule import Schedule, minimum

__all__ = ["EVSE_MAXIMUM", "LOCAL_LIMIT", "limiting", "preferred_unit", "session_limit", "write_profile"]

EVSE_MAXIMUM = "evse"  # what `limiting` names the hardware maximum
LOCAL_LIMIT = "local"  # ... and the CPO's own (site) limit
TIE_W = 1.0  # limits this close are the same limit (amps per phase to watts and back)


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


def limiting(
    named: Sequence[tuple[str, Schedule]], start: datetime, end: datetime
) -> list[tuple[datetime, str]]:
    """Who sets the minimum on [start, end), from when: (instant, name of the lowest input there).

    At equal limits (within `TIE_W`: a limit converted from amps and back is not bit-equal) the first named
    wins: list `EVSE_MAXIMUM` first, so a sender asking for what the hardware gives anyway is not said to
    limit, and a site share (`LOCAL_LIMIT`) after the senders, since a share is capped by the senders'
    profiles: a share equal to a sender's limit is that sender's. Instants where no input limits are left
    out."""
    instants = {start}
    for _, schedule in named:
        instants.update(t for t, _ in schedule.breakpoints() if start < t < end)
    out: list[tuple[datetime, str]] = []
    for t in sorted(instants):
        limits = [(limit, k) for k, (_, s) in enumerate(named) if (limit := s.limit_at(t)) is not None]
        if not limits:
            continue
        lowest = min(limit for limit, _ in limits)
        who = named[min(k for limit, k in limits if limit <= lowest + TIE_W)][0]
        if not out or out[-1][1] != who:
            out.append((t, who))
    return out

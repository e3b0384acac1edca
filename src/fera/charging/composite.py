"""The composite schedule a station computes from its installed profiles (OCPP; smart-charging.md §2)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from fera.charging.electrical import Electrical
from fera.charging.ocpp_profile import (
    ChargingProfileKind,
    ChargingProfilePurpose,
    OcppChargingProfile,
    RecurrencyKind,
    SchedulePeriod,
)
from fera.charging.schedule import Breakpoint, Schedule, minimum, overlay, total

__all__ = ["composite_schedule", "connector_limit_at", "profile_schedule", "station_composite_schedule"]

Purpose = ChargingProfilePurpose  # short local alias
_RECURRENCE = {RecurrencyKind.DAILY: timedelta(days=1), RecurrencyKind.WEEKLY: timedelta(weeks=1)}
_DEFAULT_PHASES = 3  # OCPP's numberPhases default; Electrical caps it to the connector's phases


def _watts(period: SchedulePeriod, unit: str, electrical: Electrical) -> float:
    if unit == "W":
        return period.limit
    return electrical.amps_to_watts(period.limit, period.number_phases or _DEFAULT_PHASES)


def _origins(
    profile: OcppChargingProfile, start: datetime, end: datetime, transaction_start: datetime | None
) -> list[tuple[datetime, datetime | None]]:
    """Each run of the schedule touching [start, end): (origin, where the next run takes over or None)."""
    if profile.kind is ChargingProfileKind.RELATIVE:
        # Relative counts from when the EVSE can deliver energy; with no transaction, as if it began at start.
        return [(transaction_start or start, None)]
    anchor = profile.start_schedule
    if anchor is None:  # rejected by validate_profile; if installed anyway, it limits nothing
        return []
    if profile.kind is ChargingProfileKind.ABSOLUTE or profile.recurrency is None:
        return [(anchor, None)]
    # Recurring repeats modulo its period from the anchor, before it too (validFrom bounds it if needed).
    period = _RECURRENCE[profile.recurrency]
    first = math.floor((start - anchor) / period)
    origins = [anchor + k * period for k in range(first, first + 1 + math.ceil((end - start) / period))]
    return [(origin, origin + period) for origin in origins if origin < end]


def _run(
    profile: OcppChargingProfile, origin: datetime, next_origin: datetime | None, electrical: Electrical
) -> list[Breakpoint]:
    """One run from `origin`: its periods, then no limit after its duration or once the next run starts."""
    stop = next_origin
    if profile.duration is not None:
        own_end = origin + timedelta(seconds=profile.duration)
        stop = own_end if stop is None else min(stop, own_end)
    points: list[Breakpoint] = []
    for period in profile.periods:
        t = origin + timedelta(seconds=period.start_period)
        if stop is not None and t >= stop:
            break
        points.append((t, _watts(period, profile.unit, electrical)))
    return [*points, (stop, None)] if stop is not None else points


def profile_schedule(
    profile: OcppChargingProfile,
    start: datetime,
    end: datetime,
    electrical: Electrical,
    transaction_start: datetime | None,
) -> Schedule:
    """One profile's limits in W on [start, end), restricted to validFrom..validTo; no limit elsewhere."""
    points: list[Breakpoint] = []
    for origin, next_origin in _origins(profile, start, end, transaction_start):
        for t, limit in _run(profile, origin, next_origin, electrical):
            if points and points[-1][0] >= t:  # the next run starts where this one's gap would
                points.pop()
            points.append((t, limit))
    lo = max(start, profile.valid_from) if profile.valid_from else start
    hi = min(end, profile.valid_to) if profile.valid_to else end
    return Schedule(points).clip(lo, hi)


def _applies(profile: OcppChargingProfile, connector_id: int) -> bool:
    if profile.purpose is Purpose.CHARGE_POINT_MAX:
        return profile.connector_id == 0
    if profile.purpose is Purpose.TX:
        return connector_id > 0 and profile.connector_id == connector_id
    return profile.connector_id in (0, connector_id)


def _priority(profile: OcppChargingProfile) -> tuple[int, bool]:
    # Highest stack level first; at equal level a connector's own profile overrides the station-wide one.
    return (-profile.stack_level, profile.connector_id == 0)


def _by_purpose(
    profiles: Iterable[OcppChargingProfile],
    connector_id: int,
    start: datetime,
    end: datetime,
    electrical: Electrical,
    transaction_start: datetime | None,
) -> dict[ChargingProfilePurpose, Schedule]:
    """Per purpose, at each instant the limit of the highest-priority profile that has one there."""
    ranked: dict[ChargingProfilePurpose, list[Schedule]] = {purpose: [] for purpose in ChargingProfilePurpose}
    for profile in sorted((p for p in profiles if _applies(p, connector_id)), key=_priority):
        ranked[profile.purpose].append(profile_schedule(profile, start, end, electrical, transaction_start))
    return {purpose: overlay(*schedules) for purpose, schedules in ranked.items()}


def composite_schedule(
    profiles: Iterable[OcppChargingProfile],
    connector_id: int,
    start: datetime,
    duration: int,
    electrical: Electrical,
    transaction_start: datetime | None,
) -> Schedule:
    """The limit in W a connector (0 = the station's own profiles) gets on [start, start + duration).

    Per purpose, at each instant the highest stack level with a limit there wins (a profile past its duration
    or outside validFrom..validTo falls through to lower levels). Tx overrides TxDefault where a Tx limit
    exists; the result is the minimum with ChargePointMax and external constraints. Gaps don't limit.
    """
    end = start + timedelta(seconds=duration)
    limits = _by_purpose(profiles, connector_id, start, end, electrical, transaction_start)
    tx = overlay(limits[Purpose.TX], limits[Purpose.TX_DEFAULT])
    station = minimum(limits[Purpose.CHARGE_POINT_MAX], limits[Purpose.EXTERNAL_CONSTRAINTS])
    return minimum(station, tx).clip(start, end)


def connector_limit_at(
    profiles: Iterable[OcppChargingProfile],
    connector_id: int,
    t: datetime,
    electrical: Electrical,
    transaction_start: datetime | None,
) -> float | None:
    """The composite limit in W at one instant (None = no limit), e.g. for a simulated station's meter."""
    return composite_schedule(profiles, connector_id, t, 1, electrical, transaction_start).limit_at(t)


def station_composite_schedule(
    profiles: Iterable[OcppChargingProfile],
    connectors: Mapping[int, Electrical],
    start: datetime,
    duration: int,
    station: Electrical,
    transaction_starts: Mapping[int, datetime | None] | None = None,
) -> Schedule:
    """GetCompositeSchedule for connector 0: the connectors' composites summed (an unlimited one counts its
    hardware maximum), then the minimum with the station's own profiles (converted with `station`)."""
    installed = tuple(profiles)
    starts = transaction_starts or {}
    per_connector = [
        composite_schedule(installed, cid, start, duration, electrical, starts.get(cid)).fill(
            electrical.max_power_w
        )
        for cid, electrical in connectors.items()
    ]
    end = start + timedelta(seconds=duration)
    # TxDefault on connector 0 is each connector's default (already in their composites), not a station total.
    own = _by_purpose(installed, 0, start, end, station, None)
    station_limits = (own[Purpose.CHARGE_POINT_MAX], own[Purpose.EXTERNAL_CONSTRAINTS])
    return minimum(total(*per_connector), *station_limits).clip(start, end)

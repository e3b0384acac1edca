"""Comparing profiles in absolute time, and reading the limit an ActiveChargingProfile sets now (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from fera.charging import Electrical
from fera.ocpi.chargingprofiles.models import ActiveChargingProfile, ChargingProfile

__all__ = ["active_limit_w", "held_at", "limit_at", "lowest_offered", "offered_at", "same_from"]


def _breakpoints(profile: ChargingProfile, origin: datetime) -> list[datetime]:
    return [origin + timedelta(seconds=p.start_period) for p in profile.charging_profile_period or []]


def limit_at(profile: ChargingProfile, origin: datetime, t: datetime) -> float | None:
    """The limit at `t` of a profile counting from `origin`; None before it or after its duration."""
    if t < origin or (profile.duration is not None and t >= origin + timedelta(seconds=profile.duration)):
        return None
    current = None
    for period in profile.charging_profile_period or []:
        if origin + timedelta(seconds=period.start_period) <= t:
            current = period.limit
    return current


def same_from(old: ChargingProfile | None, new: ChargingProfile, now: datetime) -> bool:
    """Would sending `new` change any limit from `now` on (until it ends)? Re-sending a plan is noise."""
    if old is None or old.charging_rate_unit != new.charging_rate_unit or new.start_date_time is None:
        return False
    if old.start_date_time is None or old.min_charging_rate != new.min_charging_rate:
        return False
    end = new.start_date_time + timedelta(seconds=new.duration or 0)
    instants = {now, *_breakpoints(old, old.start_date_time), *_breakpoints(new, new.start_date_time)}
    return all(
        limit_at(old, old.start_date_time, t) == limit_at(new, new.start_date_time, t)
        for t in instants
        if now <= t < end
    )


def active_limit_w(active: ActiveChargingProfile, electrical: Electrical, now: datetime) -> float | None:
    limit = limit_at(active.charging_profile, active.start_date_time, now)
    if limit is None:
        return None
    per_phase = active.charging_profile.charging_rate_unit.value == "A"
    return electrical.amps_to_watts(limit) if per_phase else limit


def held_at(
    active: ActiveChargingProfile,
    sent: ChargingProfile,
    before: ChargingProfile | None,
    electrical: Electrical,
    now: datetime,
) -> float | None:
    """The CPO's limit (W) when its ActiveChargingProfile holds the session below the profile we `sent`;
    None when it doesn't.

    Compared with the profile we sent, not with the newest plan: an update may echo an older profile. One
    that still shows our previous, lower profile (`before`) is the CPO catching up (it lowers other sessions
    before it raises this one), not a hold. An answer in another unit than ours (W for what we sent in A:
    the CPO writes a DC charger in W) is not compared: amps to watts needs the hardware we assumed, and an
    EVSE we took for AC at 230 V that is DC at 400 V would look held at every answer, lower and lower.
    """
    if active.charging_profile.charging_rate_unit != sent.charging_rate_unit:
        return None
    active_w = active_limit_w(active, electrical, now)
    sent_w, before_w = (_watts_at(p, electrical, now) for p in (sent, before))
    if active_w is None or sent_w is None:
        return None
    lagging = before_w is not None and abs(active_w - before_w) <= 0.05 * before_w + 100
    catching_up = lagging and before_w is not None and before_w < sent_w
    return active_w if active_w < 0.95 * sent_w - 100 and not catching_up else None


def _watts_at(profile: ChargingProfile | None, electrical: Electrical, now: datetime) -> float | None:
    if profile is None or profile.start_date_time is None:
        return None
    limit = limit_at(profile, profile.start_date_time, now)
    if limit is None:
        return None
    return electrical.amps_to_watts(limit) if profile.charging_rate_unit.value == "A" else limit


def offered_at(history: Sequence[ActiveChargingProfile], electrical: Electrical, t: datetime) -> float | None:
    """The limit (W) in force at `t` by the CPO's ActiveChargingProfiles: the one that began last by `t` (of
    two that began together, the one that came last); None when none had begun."""
    begun = [a for a in history if a.start_date_time <= t]
    latest = max(reversed(begun), key=lambda a: a.start_date_time, default=None)
    return None if latest is None else active_limit_w(latest, electrical, t)


def lowest_offered(
    history: Sequence[ActiveChargingProfile], electrical: Electrical, start: datetime, end: datetime
) -> float | None:
    """The lowest limit (W) in force on [start, end] by the CPO's ActiveChargingProfiles (`offered_at` at
    `start` and wherever one of them changes the limit until `end`); instants before the first had begun
    don't count, and None if none had begun by `end`."""
    instants = {start}
    for active in history:
        for at in _breakpoints(active.charging_profile, active.start_date_time):
            if start < at <= end:
                instants.add(at)
        if start < active.start_date_time <= end:
            instants.add(active.start_date_time)
    limits = [x for x in (offered_at(history, electrical, t) for t in sorted(instants)) if x is not None]
    return min(limits) if limits else None

"""A site as site load management sees it: its levels (connection, sub-boards) with their limits over time,
and each session's demand on them (the phases its car really loads, the boards it is under)."""

from __future__ import annotations

from dataclasses import replace

from fera.charging import Electrical, RateProfile, Schedule, minimum, overlay, session_limit
from fera.charging.site import CONNECTION, PHASES, SiteDemand, SiteLevel, early_drops
from fera.config import SiteConfig
from fera.ocpi.sessions.models import ChargingPreferences, Session
from fera.signals import CapacityLimits

__all__ = ["connection_w", "demand", "need_wh", "site_levels"]


def need_wh(session: Session, preferences: ChargingPreferences | None) -> float:
    """The stated energy still to deliver (0 without a stated departure and need)."""
    if preferences is None or preferences.departure_time is None or preferences.energy_need is None:
        return 0.0
    return max(preferences.energy_need - session.kwh, 0.0) * 1000


def site_levels(site: SiteConfig, forecast: CapacityLimits | None) -> list[SiteLevel]:
    """The connection (first), then every sub-board. A forecast in A may lower the fuse per phase, never
    raise it; one in W/kW takes precedence over `capacity_kw` where it has values. Drops take effect
    `DROP_LEAD` early."""
    fuse = {p: Schedule.constant(site.phase_amps) for p in PHASES} if site.phase_amps else {}
    phase_a = dict(fuse)
    total_w = None if site.capacity_kw is None else Schedule.constant(site.capacity_kw * 1000)
    if forecast is not None:
        for phase, signal in forecast.phase_a.items():
            phase_a[phase] = minimum(signal, fuse[phase]) if phase in fuse else signal
        if forecast.total_w is not None:
            total_w = forecast.total_w if total_w is None else overlay(forecast.total_w, total_w)
    phase_a = {phase: early_drops(limit) for phase, limit in phase_a.items()}
    total_w = None if total_w is None else early_drops(total_w)
    levels = [SiteLevel(CONNECTION, phase_a, total_w)]
    for board in site.boards:
        amps = {} if board.phase_amps is None else {p: Schedule.constant(board.phase_amps) for p in PHASES}
        watts = None if board.capacity_kw is None else Schedule.constant(board.capacity_kw * 1000)
        levels.append(SiteLevel(board.id.upper(), amps, watts))
    return levels


def connection_w(site: SiteConfig, connection: SiteLevel) -> Schedule:
    """The connection's limit as one total in W (dashboards): the lower of its total limit and 3 x V x its
    tightest phase; unlimited when neither is known."""
    limits = [] if connection.total_w is None else [connection.total_w]
    if set(connection.phase_a) == set(PHASES):
        limits.append(minimum(*connection.phase_a.values()).map(lambda a: a * site.voltage * 3))
    return minimum(*limits) if limits else Schedule.unlimited()


def _min_rate_w(profile: RateProfile, electrical: Electrical) -> float:
    rate = profile.min_charging_rate or 0.0
    return rate if profile.charging_rate_unit == "W" else electrical.amps_to_watts(rate)


def demand(
    site: SiteConfig,
    session: Session,
    profiles: list[RateProfile],
    electrical: Electrical,
    used: int | None,
    preferences: ChargingPreferences | None = None,
) -> SiteDemand:
    """The session's demand: capped by its senders' profiles and hardware, on the site phases its car loads
    (`used`: the phases its meter shows the car using; None: not metered yet, so every EVSE phase), with the
    departure and energy need its driver stated."""
    cap = session_limit(profiles, electrical, session.start_date_time)
    # An AC car stops below 6 A (IEC 61851): a share under it would be capacity nobody draws.
    floor = max([electrical.min_rate_w, *(_min_rate_w(p, electrical) for p in profiles)])
    boards = tuple(b.id.upper() for b in site.boards_of(session.evse_uid))
    departure = None if preferences is None else preferences.departure_time
    base = SiteDemand(
        session.id.upper(),
        cap,
        session.start_date_time,
        floor,
        boards=boards,
        departure=departure,
        need_wh=need_wh(session, preferences),
        taken_wh=session.kwh * 1000,
    )
    if electrical.power_type == "DC":  # a DC charger draws its power evenly from the three phases
        per_amp = site.voltage * 3
        return replace(base, watts_per_amp=per_amp, draw_w_per_amp=per_amp)
    return replace(
        base,
        phases=site.site_phases(session.evse_uid, electrical.phases, used),
        watts_per_amp=electrical.max_voltage * electrical.phases,
        draw_w_per_amp=electrical.max_voltage * (used or electrical.phases),
    )

"""The grid as the planner sees it: groups per location, site and sub-board, with per-phase limits (pure).

What a steering party knows of a site comes from two places. Its configuration (`[[sites]]`, the same
description the CPO enforces: the connection's fuse per phase, nested sub-boards, each EVSE's phase wiring)
for the sites it plans by contract, and capacity forecasts (per-phase amps or total watts) for a location's
group. A forecast may lower a configured fuse, never raise it; a forecast in W/kW replaces a configured
`capacity_kw` where it has values. Every limit is taken at its lowest within each planning step, so a limit
that changes mid-step holds for the whole step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fera.charging import Schedule
from fera.config import SiteConfig
from fera.ocpi.types import ci_equal
from fera.planning import THREE_PHASE, GridGroup, Phase
from fera.signals import CapacityLimits

__all__ = ["GroupCapacity", "capacity_steps", "grid_groups", "session_group", "site_of"]

NO_LIMIT = float("inf")


@dataclass(frozen=True)
class GroupCapacity:
    """A forecast per planning step: total W, and per-phase W (amps x the forecast's voltage)."""

    total_w: list[float] | None = None
    phase_w: Mapping[Phase, list[float]] = field(default_factory=dict)


def _lowest(schedule: Schedule, start: datetime, step: timedelta, steps: int, scale: float) -> list[float]:
    out = []
    for k in range(steps):
        values = [v for _, _, v in schedule.segments(start + k * step, start + (k + 1) * step)]
        known = [v for v in values if v is not None]
        out.append(min(known) * scale if len(known) == len(values) and known else NO_LIMIT)
    return out


def capacity_steps(limits: CapacityLimits, start: datetime, step: timedelta, steps: int) -> GroupCapacity:
    total = None if limits.total_w is None else _lowest(limits.total_w, start, step, steps, 1.0)
    phases = {Phase(p): _lowest(s, start, step, steps, limits.voltage) for p, s in limits.phase_a.items()}
    return GroupCapacity(total, phases)


def site_of(sites: Sequence[SiteConfig], location_id: str, evse_uid: str) -> tuple[int, SiteConfig] | None:
    for k, site in enumerate(sites):
        if ci_equal(site.location, location_id) and (
            not site.evses or any(ci_equal(u, evse_uid) for u in site.evses)
        ):
            return k, site
    return None


def _site_group(sites: Sequence[SiteConfig], k: int) -> str:
    """A site covering its whole location is the location's group; one covering some EVSEs sits under it."""
    location = sites[k].location.upper()
    return location if not sites[k].evses else f"{location}#{k + 1}"


def session_group(sites: Sequence[SiteConfig], location_id: str, evse_uid: str) -> str:
    """The innermost group a session on this EVSE belongs to."""
    found = site_of(sites, location_id, evse_uid)
    if found is None:
        return location_id.upper()
    k, site = found
    boards = site.boards_of(evse_uid)
    return _site_group(sites, k) if not boards else f"{_site_group(sites, k)}/{boards[0].id.upper()}"


def _phase_limits(
    fuse_w: float | None, forecast: Mapping[Phase, list[float]]
) -> dict[Phase, float | list[float]] | None:
    if fuse_w is None and not forecast:
        return None
    out: dict[Phase, float | list[float]] = {}
    for phase in THREE_PHASE:
        signal = forecast.get(phase)
        if signal is None:
            if fuse_w is not None:
                out[phase] = fuse_w
        else:
            out[phase] = signal if fuse_w is None else [min(v, fuse_w) for v in signal]
    return out


def _total(configured_w: float | None, forecast: list[float] | None) -> float | list[float] | None:
    if forecast is None:
        return configured_w
    if configured_w is None:
        return forecast
    return [configured_w if v == NO_LIMIT else v for v in forecast]


def _site_groups(sites: Sequence[SiteConfig], k: int, forecast: GroupCapacity | None) -> list[GridGroup]:
    site, own = sites[k], _site_group(sites, k)
    cap = forecast if own == site.location.upper() and forecast is not None else GroupCapacity()
    fuse_w = None if site.phase_amps is None else site.phase_amps * site.voltage
    configured_w = None if site.capacity_kw is None else site.capacity_kw * 1000
    parent = None if own == site.location.upper() else site.location.upper()
    groups = [GridGroup(own, _total(configured_w, cap.total_w), _phase_limits(fuse_w, cap.phase_w), parent)]
    for board in site.boards:
        groups.append(
            GridGroup(
                f"{own}/{board.id.upper()}",
                capacity_w=None if board.capacity_kw is None else board.capacity_kw * 1000,
                phase_capacity_w=None if board.phase_amps is None else board.phase_amps * site.voltage,
                parent=own if board.parent is None else f"{own}/{board.parent.upper()}",
            )
        )
    return groups


def grid_groups(
    locations: Iterable[str], sites: Sequence[SiteConfig], capacity: Mapping[str, GroupCapacity]
) -> list[GridGroup]:
    """One group per location (its forecast), then each configured site and sub-board at those locations."""
    wanted = sorted({loc.upper() for loc in locations})
    groups: list[GridGroup] = []
    for location in wanted:
        mine = [k for k, s in enumerate(sites) if s.location.upper() == location]
        covering = [k for k in mine if not sites[k].evses]
        forecast = capacity.get(location)
        if not covering:  # the location's own group holds its forecast; partial sites nest under it
            cap = forecast or GroupCapacity()
            groups.append(GridGroup(location, cap.total_w, _phase_limits(None, cap.phase_w)))
        for k in mine:
            groups += _site_groups(sites, k, forecast)
    return groups

"""Site load management: share a grid connection's limits among the sessions behind it (pure).

A site is a tree of levels: its connection and nested sub-boards, each with a fuse per phase (amps) and/or a
limit on its total power (W). A session sits under one board (and so under every level above it) and loads
some of the site's phases, each with its full per-phase current (a single-phase EVSE on L2 loads L2; a
single-phase car on a three-phase EVSE wired L2-L3-L1 loads L2; unknown wiring loads every phase).

Sessions get amps per phase, max-min fair (progressive filling): every session's current rises equally
until it reaches its own limit or a limit it shares (one phase of one level, or a level's total) is full;
then the others rise on. So a sender's lower limit is not penalised twice, and a full phase stops only the
sessions on it. A session with a minimum charging rate gets either at least that rate or nothing: when the
minima don't all fit, the most recently arrived sessions wait (get 0) first. A minimum lifts its session to
that rate and no further: the others rise to it before anyone rises above it (a car without a minimum is not
left at a sliver beside two cars held at their minimum plus an equal part of the rest).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fera.charging.schedule import Schedule, minimum

__all__ = [
    "CONNECTION",
    "DROP_LEAD",
    "PHASES",
    "Resource",
    "SiteDemand",
    "SiteLevel",
    "early_drops",
    "share_capacity",
    "share_instant",
    "within_capacity",
]

CONNECTION = ""  # the level id of the site's grid connection; every session is under it
# A limit that falls (a grid operator's cut) is honoured this much earlier: stations step their schedules on
# their own clocks, a little apart, and a station still at the old share when the cut begins would take the
# site over it. Rises are not advanced: a late rise only costs a moment's power. Every planned hand-over
# between two cars (one steps down as the other steps up) leaves the site this long below its limit, so the
# lead is what clock skew needs (seconds for stations on NTP) and no more.
DROP_LEAD = timedelta(seconds=30)
PHASES = ("L1", "L2", "L3")
_EPS = 1e-9


def early_drops(limit: Schedule, lead: timedelta = DROP_LEAD) -> Schedule:
    """`limit`, with every decrease taking effect `lead` earlier (the lower of it now and `lead` later)."""
    ahead = Schedule([(t - lead, value) for t, value in limit.breakpoints()], limit.initial)
    return minimum(limit, ahead)


@dataclass(frozen=True)
class SiteLevel:
    """The connection or a sub-board: per-phase fuse (A) by phase name, total limit (W); absent = none."""

    id: str = CONNECTION
    phase_a: Mapping[str, Schedule] = field(default_factory=dict)
    total_w: Schedule | None = None


@dataclass(frozen=True)
class SiteDemand:
    """One session. `limit` (W) is what it may take on its own (senders' profiles, hardware).

    `watts_per_amp` converts its limits between W and A as its TxProfile will (V x the EVSE's phases);
    `draw_w_per_amp` is what one amp per phase really draws in total (V x the phases the car uses).
    """

    session_id: str
    limit: Schedule
    arrived: datetime  # who waits first when minimum rates don't fit
    min_rate_w: float = 0.0
    phases: tuple[str, ...] = PHASES
    boards: tuple[str, ...] = ()  # the sub-boards it is under, innermost first
    watts_per_amp: float = 690.0
    draw_w_per_amp: float = 690.0

    def under(self, level: str) -> bool:
        return level == CONNECTION or level in self.boards


@dataclass(frozen=True)
class Resource:
    """One limit at one instant: Σ coef[i] x amps[i] <= cap."""

    cap: float
    coef: Mapping[int, float]

    def load(self, amps: Sequence[float]) -> float:
        return sum(c * amps[i] for i, c in self.coef.items())


def _fits(resources: Sequence[Resource], amps: Sequence[float]) -> bool:
    return all(r.load(amps) <= r.cap + _EPS * max(1.0, r.cap) for r in resources)


def _floors(
    resources: Sequence[Resource], caps: Sequence[float], minima: Sequence[float], order: Sequence[int]
) -> tuple[list[float], set[int]]:
    """Every session's minimum, and the latest arrivals that wait (get 0) so that all other minima fit."""
    floors = [min(m, c) for m, c in zip(minima, caps, strict=True)]
    charging, waiting = [i for i in order if floors[i] > 0], set[int]()  # dropping others wouldn't help
    while charging and not _fits(resources, floors):
        last = charging.pop()
        floors[last] = 0.0
        waiting.add(last)
    return floors, waiting


def share_instant(
    resources: Sequence[Resource], caps: Sequence[float], minima: Sequence[float], order: Sequence[int]
) -> list[float]:
    """One instant: amps per session, never above its cap, within every resource.

    `order` lists session indices by priority (first = last to be dropped for its minimum rate). Water
    filling: the lowest shares rise first, so a session's minimum rate lifts it to that rate without also
    putting it ahead of the others (each gets max(its minimum, the common level), within its cap).
    """
    share, waiting = _floors(resources, caps, minima, order)
    growing = {i for i in range(len(caps)) if i not in waiting and caps[i] - share[i] > _EPS}
    while growing:
        level = min(share[i] for i in growing)
        rising = {i for i in growing if share[i] - level <= _EPS}
        above = [share[i] for i in growing if share[i] - level > _EPS]
        step = min([caps[i] - share[i] for i in rising] + [a - level for a in above])
        for r in resources:
            weight = sum(c for i, c in r.coef.items() if i in rising)
            if weight > 0:
                step = min(step, max(r.cap - r.load(share), 0.0) / weight)
        for i in rising:
            share[i] += step
        full = {i for i in growing if caps[i] - share[i] <= _EPS}
        for r in resources:
            if r.cap - r.load(share) <= _EPS * max(1.0, r.cap):
                full.update(i for i, c in r.coef.items() if c > 0 and i in growing)
        if not full and not above:
            break  # nothing limits the rest (cannot happen with finite caps)
        growing -= full
    return share


def _resources(levels: Sequence[SiteLevel], demands: Sequence[SiteDemand], t: datetime) -> list[Resource]:
    out = []
    for level in levels:
        inside = [i for i, d in enumerate(demands) if d.under(level.id)]
        for phase, schedule in level.phase_a.items():
            cap = schedule.limit_at(t)
            if cap is not None:
                out.append(Resource(cap, {i: 1.0 for i in inside if phase in demands[i].phases}))
        cap = None if level.total_w is None else level.total_w.limit_at(t)
        if cap is not None:
            out.append(Resource(cap, {i: demands[i].draw_w_per_amp for i in inside}))
    return out


def _times(
    levels: Sequence[SiteLevel], demands: Sequence[SiteDemand], start: datetime, end: datetime
) -> list[datetime]:
    schedules = [s for lv in levels for s in (*lv.phase_a.values(), lv.total_w) if s is not None]
    schedules += [d.limit for d in demands]
    return sorted({start, *(t for s in schedules for t, _ in s.breakpoints() if start < t < end)})


def share_capacity(
    levels: Sequence[SiteLevel], demands: Sequence[SiteDemand], start: datetime, end: datetime
) -> dict[str, Schedule]:
    """Each session's local limit (W, as its TxProfile converts) on [start, end); none where no limit
    applies to it."""
    order = sorted(range(len(demands)), key=lambda i: (demands[i].arrived, demands[i].session_id))
    points: dict[str, list[tuple[datetime, float | None]]] = {d.session_id: [] for d in demands}
    for t in _times(levels, demands, start, end):
        resources = _resources(levels, demands, t)
        limited = {i for r in resources for i, c in r.coef.items() if c > 0}
        caps = [_amps(d.limit.limit_at(t), d) for d in demands]
        minima = [d.min_rate_w / d.watts_per_amp for d in demands]
        amps = share_instant(
            resources, [c if i in limited else 0.0 for i, c in enumerate(caps)], minima, order
        )
        for i, d in enumerate(demands):
            points[d.session_id].append((t, amps[i] * d.watts_per_amp if i in limited else None))
    return {sid: Schedule([*p, (end, None)]) for sid, p in points.items()}


def within_capacity(
    levels: Sequence[SiteLevel],
    demands: Sequence[SiteDemand],
    limits: Mapping[str, Schedule],
    start: datetime,
    end: datetime,
) -> bool:
    """Would every level hold on [start, end) if each session drew all that `limits` (W, as its TxProfile
    converts; none = no limit) lets it? A session missing from `limits` draws nothing."""
    times = set(_times(levels, demands, start, end))
    times.update(t for s in limits.values() for t, _ in s.breakpoints() if start < t < end)
    for t in sorted(times):
        amps = [
            _amps(limits[d.session_id].limit_at(t), d) if d.session_id in limits else 0.0 for d in demands
        ]
        if not _fits(_resources(levels, demands, t), amps):
            return False
    return True


def _amps(limit: float | None, demand: SiteDemand) -> float:
    return float("inf") if limit is None else limit / demand.watts_per_amp

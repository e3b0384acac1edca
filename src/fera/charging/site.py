"""Site load management: share a grid connection's limits among the sessions behind it (pure).

A site is a tree of levels: its connection and nested sub-boards, each with a fuse per phase (amps) and/or a
limit on its total power (W). A session sits under one board (and so under every level above it) and loads
some of the site's phases, each with its full per-phase current (a single-phase EVSE on L2 loads L2; a
single-phase car on a three-phase EVSE wired L2-L3-L1 loads L2; unknown wiring loads every phase).

Sessions get amps per phase, max-min fair (progressive filling): every session's current rises equally
until it reaches its own limit or a limit it shares (one phase of one level, or a level's total) is full;
then the others rise on. So a sender's lower limit is not penalised twice, and a full phase stops only the
sessions on it. A session with a minimum charging rate gets either at least that rate or nothing: when the
minima don't all fit, sessions take turns, least taken so far first, each hand-over planned ahead in the
shares (`site_turns`). A minimum lifts its session to
that rate and no further: the others rise to it before anyone rises above it (a car without a minimum is not
left at a sliver beside two cars held at their minimum plus an equal part of the rest). A car whose meter
showed its own maximum (`SiteDemand.car_max_a`) is given no more: what it cannot take goes to the others.

Stated needs come first, least laxity first: a session whose driver stated a departure and an energy need
(OCPI `ChargingPreferences`, accepted by the CPO) is `stated` until that need is met or its departure
passes. Its laxity is the time it could still wait and meet its need at the most it can take (its limit, at
most what its car is known to take); ties go to the earliest departure. At each instant the stated sessions
get, one after another by laxity, their minimum rate and the rate that meets their need by departure,
before anyone else's minimum (a stated car whose minimum no longer fits waits, as do the others whose minima
don't fit: the grid may pause a car). Then, after the others' minima, the stated sessions rise again in that
order up to what their car is known to take (`SiteDemand.car_a`: a car given more than it draws would hold
the others back beside unused capacity; none for a car not metered yet). So the car that can wait least
gets its energy first, and a later one still gets what it needs to finish in time when there is room for
both. What is left is shared max-min fairly among all (unstated cars keep their fair share of the rest). A
stated session keeps its place until its departure: the CPO computes the shares again when its meter shows
the need met (a forecast of when it would be met, at x480 or under load, ended a car's turn before its
share had even reached its station). Every raise stays within the session's own limit and every phase of
every level.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fera.charging.schedule import Schedule, minimum
from fera.charging.site_model import CONNECTION, PHASES, SiteDemand, SiteLevel
from fera.charging.site_turns import TURNS_AHEAD, next_hand_over, projected, turn_order

__all__ = [
    "CONNECTION",
    "DROP_LEAD",
    "PHASES",
    "STICKY",
    "Resource",
    "SiteDemand",
    "SiteLevel",
    "early_drops",
    "priority",
    "share_capacity",
    "share_instant",
    "within_capacity",
]

# A limit that falls (a grid operator's cut) is honoured this much earlier: stations step their schedules on
# their own clocks, a little apart, and a station still at the old share when the cut begins would take the
# site over it. Rises are not advanced: a late rise only costs a moment's power. Every planned hand-over
# between two cars (one steps down as the other steps up) leaves the site this long below its limit, so the
# lead is what clock skew needs (seconds for stations on NTP) and no more.
DROP_LEAD = timedelta(seconds=30)
_EPS = 1e-9
_EPS_WH = 1e-3  # a stated need within this is met
# A stated need that came first keeps its place before another until the other can wait this much less
# (`priority`): a round trip or two through the nodes and a meter interval, at x480 under load.
STICKY = timedelta(minutes=15)


def early_drops(limit: Schedule, lead: timedelta = DROP_LEAD) -> Schedule:
    """`limit`, with every decrease taking effect `lead` earlier (the lower of it now and `lead` later)."""
    ahead = Schedule([(t - lead, value) for t, value in limit.breakpoints()], limit.initial)
    return minimum(limit, ahead)


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
    resources: Sequence[Resource],
    caps: Sequence[float],
    minima: Sequence[float],
    order: Sequence[int],
    first: Sequence[tuple[int, float]],
) -> tuple[list[float], set[int]]:
    """Stated needs first (`first`, by deadline): each its minimum and its on-time rate as far as they fit,
    else it waits (gets 0); then every other session's minimum, and the latest in `order` wait (get 0) so
    that all other minima fit."""
    share, waiting = [0.0] * len(caps), set[int]()
    for i, target in first:
        floor = min(minima[i], caps[i])
        _raise_in_turn(resources, share, [(i, min(max(floor, target), caps[i]))], waiting)
        if share[i] < floor - _EPS * max(1.0, floor):
            share[i] = 0.0
            waiting.add(i)
    stated = {i for i, _ in first}
    rest = [i for i in order if i not in stated]
    for i in rest:
        share[i] = min(minima[i], caps[i])
    charging = [i for i in rest if share[i] > 0]  # dropping others wouldn't help
    while charging and not _fits(resources, share):
        last = charging.pop()
        share[last] = 0.0
        waiting.add(last)
    return share, waiting


def _raise_in_turn(
    resources: Sequence[Resource], share: list[float], first: Sequence[tuple[int, float]], skip: set[int]
) -> None:
    """Each (session, target) in turn: it rises towards its target as far as every resource allows."""
    for i, target in first:
        if i in skip or target <= share[i]:
            continue
        rooms = [(r.cap - r.load(share)) / r.coef[i] for r in resources if r.coef.get(i, 0.0) > 0]
        share[i] = min(target, share[i] + max(min(rooms, default=math.inf), 0.0))


def share_instant(
    resources: Sequence[Resource],
    caps: Sequence[float],
    minima: Sequence[float],
    order: Sequence[int],
    first: Sequence[tuple[int, float]] = (),
    then: Sequence[tuple[int, float]] = (),
) -> list[float]:
    """One instant: amps per session, never above its cap, within every resource.

    `order` lists session indices by priority (first = last to be dropped for its minimum rate). `first`
    (stated needs by deadline, each with its on-time rate) get their minimum and that rate before anyone
    else's minimum; after everyone's minimum, `then` raises sessions in turn towards a target (stated needs
    up to what their car takes), and the rest is shared. Water filling: the lowest shares rise first, so a
    session's minimum rate lifts it to that rate without also putting it ahead of the others (each gets
    max(its minimum, the common level), within its cap).
    """
    share, waiting = _floors(resources, caps, minima, order, first)
    _raise_in_turn(resources, share, [(i, min(target, caps[i])) for i, target in then], waiting)
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


def priority(
    levels: Sequence[SiteLevel], demands: Sequence[SiteDemand], start: datetime, previous: Sequence[str] = ()
) -> list[str]:
    """The stated needs (those not met, their departure ahead) in the order they are served at `start`:
    least laxity first, but one that came before another last time (`previous`) stays before it unless
    the other can wait less by more than `STICKY`; a newcomer goes by its laxity. Laxities drift while a
    car charges (the first one's holds, the others' shrink), so least laxity first, strictly, would swap two
    cars back and forth, each swap a TxProfile round trip that leaves capacity unused on its way."""
    at_start = _resources(levels, demands, start)
    laxity = {
        i: _laxity(d, start, _site_amps(at_start, i)) for i, d in enumerate(demands) if _urgent(d, start)
    }
    index = {d.session_id: i for i, d in enumerate(demands)}
    order = _sticky([index[sid] for sid in dict.fromkeys(previous) if index.get(sid) in laxity], laxity)
    for i in sorted(set(laxity) - set(order), key=lambda i: laxity[i]):
        after = [k for k, j in enumerate(order) if laxity[j] <= laxity[i]]
        order.insert(after[-1] + 1 if after else 0, i)
    return [demands[i].session_id for i in _sticky(order, laxity)]


def _sticky(order: list[int], laxity: Mapping[int, tuple[float, datetime, datetime, str]]) -> list[int]:
    """`order`, each one moved before those it can wait `STICKY` less than (each move puts a pair in least
    laxity order: it ends)."""
    sticky_h, moved = STICKY.total_seconds() / 3600, True
    while moved:
        moved = False
        for k in range(len(order) - 1):
            ahead, behind = order[k], order[k + 1]
            if laxity[behind][0] < laxity[ahead][0] - sticky_h:
                order[k], order[k + 1], moved = behind, ahead, True
    return order


def share_capacity(
    levels: Sequence[SiteLevel],
    demands: Sequence[SiteDemand],
    start: datetime,
    end: datetime,
    order: Sequence[str] | None = None,
    holding: Collection[str] = (),
) -> dict[str, Schedule]:
    """Each session's local limit (W, as its TxProfile converts) on [start, end); none where no limit
    applies to it. The stated needs are served in `order` (`priority`; by default least laxity first). A
    stated session keeps its place and its on-time rate (as at `start`) until its stated departure: the
    CPO computes again when its meter shows the need met, not when a forecast of its draw says so (a share
    that reaches its station late would end its turn before its need is met). When the others' minimum
    rates don't all fit, they take turns, least taken first (`site_turns`; `holding`: the sessions that
    held their minimum as the last computation left them), each hand-over in the schedules ahead."""
    points: dict[str, list[tuple[datetime, float | None]]] = {d.session_id: [] for d in demands}
    rates = {
        i: d.need_wh / _left_h(d, start) / d.draw_w_per_amp
        for i, d in enumerate(demands)
        if _urgent(d, start)
    }
    ranked = priority(levels, demands, start) if order is None else order
    rank = {sid: k for k, sid in enumerate(ranked)}
    departures = [_deadline(demands[i])[0] for i in rates]
    times = sorted({*_times(levels, demands, start, end), *(t for t in departures if t < end)})
    minima = [d.min_rate_w / d.watts_per_amp for d in demands]
    taken, amps = [d.taken_wh for d in demands], [0.0] * len(demands)
    held = {i for i, d in enumerate(demands) if d.session_id in holding}
    ahead = min(end, start + TURNS_AHEAD)  # hand-overs planned no further (`site_turns`)
    k, before = 0, start
    while k < len(times):
        t, k = times[k], k + 1
        taken, before = projected(demands, taken, amps, t - before), t
        urgent = sorted(
            (i for i in rates if _urgent(demands[i], t)),
            key=lambda i: (rank.get(demands[i].session_id, len(rank)), _deadline(demands[i])),
        )
        resources = _resources(levels, demands, t)
        limited = {i for r in resources for i, c in r.coef.items() if c > 0}
        caps = [_cap(d, t) if i in limited else 0.0 for i, d in enumerate(demands)]
        on_time = [(i, min(rates[i], _car_amps(demands[i]))) for i in urgent]
        top_up = [(i, _car_amps(demands[i])) for i in urgent if demands[i].car_a is not None]
        order_now = turn_order(demands, urgent, taken, held)
        amps = share_instant(resources, caps, minima, order_now, on_time, top_up)
        turning = [i for i in limited if minima[i] > _EPS and i not in urgent]
        held = {i for i in turning if amps[i] >= minima[i] - _EPS}
        waiting = {i for i in turning if amps[i] <= _EPS and caps[i] >= minima[i]}
        hand_over = next_hand_over(demands, taken, amps, held, waiting, t)
        if hand_over is not None and hand_over < ahead and (k == len(times) or hand_over < times[k]):
            times.insert(k, hand_over)
        for i, d in enumerate(demands):
            points[d.session_id].append((t, amps[i] * d.watts_per_amp if i in limited else None))
    return {sid: Schedule([*p, (end, None)]) for sid, p in points.items()}


def _left_h(demand: SiteDemand, t: datetime) -> float:
    """Hours until the stated departure (0 when none is stated or it passed)."""
    return 0.0 if demand.departure is None else max((demand.departure - t).total_seconds() / 3600, 0.0)


def _urgent(demand: SiteDemand, t: datetime) -> bool:
    """A stated need not met yet, its departure still ahead."""
    return demand.need_wh > _EPS_WH and _left_h(demand, t) > 0


def _deadline(demand: SiteDemand) -> tuple[datetime, datetime, str]:
    assert demand.departure is not None
    return demand.departure, demand.arrived, demand.session_id


def _site_amps(resources: Sequence[Resource], i: int) -> float:
    """The most the site's levels let session `i` take, alone."""
    return min((r.cap / c for r in resources if (c := r.coef.get(i, 0.0)) > 0), default=math.inf)


def _laxity(demand: SiteDemand, t: datetime, site_a: float) -> tuple[float, datetime, datetime, str]:
    """Least laxity first: the hours it could still wait and meet its need at the most it can take (its
    limit, what its car is known to take and what the site's levels allow, alone), then the earliest
    departure. A car leaving last may be the one that can wait least: one that needs all of its hours must
    not wait behind cars with hours to spare (their minimum rates would keep it at 0)."""
    most_a = min(_amps(demand.limit.limit_at(t), demand), _car_amps(demand), site_a)
    most_w = most_a * demand.draw_w_per_amp
    need_h = demand.need_wh / most_w if most_w > 0 else math.inf
    return (_left_h(demand, t) - need_h, *_deadline(demand))


def _cap(demand: SiteDemand, t: datetime) -> float:
    """The most the session may take at `t` (A): its limit, and its car's own maximum once known, but not
    below its minimum rate: a car whose own maximum is under it (3.7 kW on three phases: 5.4 A) draws that
    under a limit at the minimum, and stops under a limit below it (IEC 61851)."""
    own = (
        math.inf
        if demand.car_max_a is None
        else max(demand.car_max_a, demand.min_rate_w / demand.watts_per_amp)
    )
    return min(_amps(demand.limit.limit_at(t), demand), own)


def _car_amps(demand: SiteDemand) -> float:
    return math.inf if demand.car_a is None else demand.car_a


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

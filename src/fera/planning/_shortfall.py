"""What rounding powers to their minimum rates did to the stated needs, put right where the limits allow
(`profile.apply_min_rates`, after its step-by-step rounding).

A priced plan (`_columns`: the master's mix of the sites' plans knows no minimum rate) has many powers below
a minimum, and rounding them step by step raises some cars beyond their need while it drops powers that
other cars needed: on one binding feeder over 10,000 sessions with 6 A minima, 1,064 kWh went beyond needs
(a raise at a car's last step had nothing after it to give back) and 0.66 % of the energy the plan gave
within needs was lost. Two moves put it right, for the stated needs only (a guess's
need is all it takes: `Session.estimated`):

- a session whose powers exceed its need gives the excess back, from its last steps: what it has above its
  minimum first, then whole steps at it;
- a session short of its need, largest shortfall first, takes more where every limit leaves room
  (`GroupLoads.room`), at the steps the rounding dropped first, then at any step of its stay: a step it
  charges at up to its maximum, a step at 0 only to at least its minimum and only for at least half a step
  at it (less would be mostly beyond its need). What the rounding took from it it takes back anywhere;
  beyond what the plan gave it, only room the rounding freed at a step where the plan left it none (a group
  of its full there: `GroupLoads.room_below`), so a plan's own choices stand.

On that feeder 0.04 % is lost instead of 0.66 % (1,000 sessions: 0.04 % instead of 1.06 %), in about the
time the nineteenth session's give-back inside the rounding took, which this replaces (`bench.planning
scale`, second table).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fera.planning._grid import Floats, Grid
from fera.planning._loads import GroupLoads

_KWH = 1e-6  # less than this beyond or short of a need is none
_KW = 1e-9  # kW over a step: less left to take is none
_FULL_KW = 1e-3  # a group this close to its limit in the plan is full


def restore(
    stated: NDArray[np.bool_], grid: Grid, loads: GroupLoads, planned: Floats, adjusted: Floats,
    minimum: Floats, step_h: float,
) -> None:  # fmt: skip
    """`adjusted` (kW, `planned` rounded to the minima; `loads` its loads) with the stated sessions' excess
    given back and their shortfall taken back, in place."""
    need = grid.energy_kwh[: minimum.size]
    given = np.minimum(planned.sum(axis=1) * step_h, need)
    before, levels = GroupLoads(grid, planned), _full_levels(grid, planned)
    dropped = (planned > 0) & (adjusted <= 0)
    delivered = adjusted.sum(axis=1) * step_h
    for i in np.flatnonzero(stated & (delivered > need + _KWH)).tolist():
        _give_excess(loads, adjusted, i, minimum[i], float(delivered[i] - need[i]) / step_h)
    delivered = adjusted.sum(axis=1) * step_h
    short = np.where(stated, need - delivered, 0.0)
    for i in np.argsort(-short, kind="stable")[: int((short > _KWH).sum())].tolist():
        freed = _freed(loads, before, levels, i) if need[i] > given[i] + _KWH else np.zeros(grid.steps)
        first = max(given[i] - delivered[i], 0.0) / step_h  # what the rounding took from it
        if first <= _KW and not _takes(grid, adjusted[i], freed, minimum[i], short[i] / step_h, i):
            continue  # only freed room for it, and none it could take (most of them: tested cheaply first)
        room = loads.room(i)
        rooms, wanted = (room, np.minimum(room, freed)), (first, short[i] / step_h)
        _take_shortfall(grid, loads, adjusted, i, rooms, wanted, minimum[i], dropped[i])


def _freed(loads: GroupLoads, before: GroupLoads, levels: GroupLoads, i: int) -> Floats:
    """The room the rounding freed for session `i` at the steps where the plan (`before`) left it none."""
    freed: Floats = np.where(before.room(i) <= _FULL_KW, loads.room_below(i, levels), 0.0)
    return freed


def _takes(grid: Grid, row: Floats, room: Floats, minimum: float, wanted: float, i: int) -> bool:
    """Whether `room` has a step of session `i`'s stay where it could take some of `wanted` (`_more`)."""
    stay = slice(int(grid.start[i]), min(int(grid.end[i]), row.size))
    cap, at, left = float(grid.pmax_kw[i]), row[stay], room[stay]
    start = (left >= minimum) & (cap >= minimum) & (wanted >= minimum / 2)
    return bool(np.any(np.where(at > 0, np.minimum(left, cap - at), np.where(start, left, 0.0)) > _KW))


def _full_levels(grid: Grid, planned: Floats) -> GroupLoads:
    """The plan's loads where a group is at its limit (room there is only what the rounding freed), the
    limit elsewhere."""
    levels = GroupLoads(grid, planned)
    for k, group in enumerate(grid.groups):
        if group.cap_kw is not None:
            total = levels.total[k]
            levels.total[k] = np.where(total >= group.cap_kw - _FULL_KW, total, group.cap_kw)
        if group.phase_cap_kw is not None:
            phase = levels.phase[k]
            levels.phase[k] = np.where(phase >= group.phase_cap_kw - _FULL_KW, phase, group.phase_cap_kw)
    return levels


def _give_excess(loads: GroupLoads, adjusted: Floats, i: int, minimum: float, excess: float) -> None:
    """Session `i` takes `excess` (kW over one step) less at its last steps: above its minimum first, then
    whole steps at most what is left to give."""
    row = adjusted[i]
    before = row.copy()
    for k in np.flatnonzero(row > 0)[::-1].tolist():
        give = min(max(row[k] - minimum, 0.0), excess)
        row[k] -= give
        excess -= give
        if excess <= 0:
            break
    for k in np.flatnonzero(row > 0)[::-1].tolist():
        if excess <= 0:
            break
        if row[k] <= excess + 1e-12:
            excess -= row[k]
            row[k] = 0.0
    loads.add(i, row - before)


def _take_shortfall(
    grid: Grid, loads: GroupLoads, adjusted: Floats, i: int, rooms: tuple[Floats, Floats],
    wanted: tuple[float, float], minimum: float, dropped: NDArray[np.bool_],
) -> None:  # fmt: skip
    """Session `i` takes more (kW over one step) where the room left allows, its dropped steps first, then
    the others of its stay: `wanted[0]` (what the plan gave it) in `rooms[0]`, then up to `wanted[1]` (its
    need) in `rooms[1]` (room the rounding freed)."""
    row, cap = adjusted[i], float(grid.pmax_kw[i])
    before = row.copy()
    stay = np.arange(grid.start[i], min(int(grid.end[i]), row.size))
    taken = 0.0
    for room, goal in zip(rooms, wanted, strict=True):
        left = room[stay] - (row[stay] - before[stay])
        can = stay[(left > _KW) & ((row[stay] > 0) | (left >= minimum))]  # the steps that could take some
        for k in [*can[dropped[can]].tolist(), *can[~dropped[can]].tolist()]:
            if goal - taken <= _KW:
                break
            more = _more(float(row[k]), float(room[k] - (row[k] - before[k])), cap, minimum, goal - taken)
            row[k] += more
            taken += more
    if taken > 0:
        loads.add(i, row - before)


def _more(power: float, room: float, cap: float, minimum: float, wanted: float) -> float:
    """What a step at `power` takes towards `wanted`: above 0 up to the maximum `cap`; from 0 only to at least
    the minimum, and only for at least half a step at it."""
    if power > 0:
        return max(min(room, cap - power, wanted), 0.0)
    if room >= minimum and cap >= minimum and wanted >= minimum / 2:
        return min(room, cap, max(minimum, wanted))
    return 0.0

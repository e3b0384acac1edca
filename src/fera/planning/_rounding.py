"""Minimum rates inside the planning LP (`_lp.with_min_rates`, `_network.solve`): which cells planned below
their minimum go up to it, and the bounds that hold them (`Held`).

A cell goes up where the minima already held at its step (and those raised before it) leave room under
every limit of its groups and every line current (`CurrentLimit`) and its session's held minima stay
within its need; otherwise it goes to 0. The
other cells at that step can yield: the next solve re-plans them around what is held, so every solve
stays feasible.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fera.planning._grid import Floats, Grid, Ints
from fera.planning._loads import GroupLoads

CAPACITY_MARGIN_KW = 1e-6  # as `_lp`'s limit rows have it


def floor_kw(grid: Grid) -> Floats:
    """Each cell's minimum rate (kW) the LP keeps; 0 where none."""
    return np.zeros(grid.cells) if grid.min_kw is None else grid.min_kw[grid.cell_session]


def rounded_up(
    grid: Grid,
    low: NDArray[np.bool_],
    floor: Floats,
    lower: Floats,
    need_kwh: Floats,
    line_scale: float = 1.0,
) -> NDArray[np.bool_]:
    """Which low cells go up to their minimum: each goes up where the minima held at its step (and those
    raised before it) leave room under its groups' limits and line currents (up to `line_scale` of each) and
    its session's held minima stay within its need. The other cells there can yield: the next solve re-plans
    them around what is held."""
    power = np.zeros((grid.start.size, grid.steps))
    power[grid.cell_session, grid.cell_step] = lower
    loads = GroupLoads(grid, power, line_scale)
    held_kwh = np.bincount(grid.cell_session, weights=lower * grid.hours, minlength=grid.start.size)
    up = np.zeros(grid.cells, dtype=bool)
    for cell in np.flatnonzero(low).tolist():
        i, k = int(grid.cell_session[cell]), int(grid.cell_step[cell])
        target = float(floor[cell])
        room = float(loads.room(i)[k]) - CAPACITY_MARGIN_KW
        if held_kwh[i] + target * grid.hours > need_kwh[i] + 1e-9 or room < target:
            continue
        up[cell] = True
        held_kwh[i] += target * grid.hours
        delta = np.zeros(grid.steps)
        delta[k] = target
        loads.add(i, delta)
    return up


class Held:
    """The bounds the rounding holds the cells at, round after round: a cell found low is held at its
    minimum (where `rounded_up`) or at 0, and the LP is solved again around them.

    A session found low again is walking: each solve moved its remainder to a step next to the last, low
    there too (on a full site, one step per solve, for all 25 roundings). From then on the steps it does not
    use stay unused (0 always fits): it keeps what it has. Once is allowed, so that a car whose cheap steps
    had no room for its minimum still goes to steps that do."""

    def __init__(self, grid: Grid, upper: Floats) -> None:
        self.grid, self.floor = grid, floor_kw(grid)
        self.lower, self.upper = np.zeros(grid.cells), upper.copy()
        self._struck = np.zeros(grid.start.size, dtype=np.int64)  # rounds each session was found low in

    def round(
        self, x: Floats, need_kwh: Floats, line_scale: float = 1.0, links: tuple[Ints, Ints] | None = None
    ) -> Ints:
        """Holds the cells `x` plans below their minimum; the cells whose bounds changed (none: none low).
        `links`: pairs of cells that take the same power, rounded the same way."""
        grid, floor = self.grid, self.floor
        low = (x > 0) & (x < floor - 1e-6) & (self.lower == 0) & (self.upper > 0)
        if not low.any():
            return np.zeros(0, dtype=np.int64)
        up = rounded_up(grid, low, floor, self.lower, need_kwh, line_scale)
        if links is not None:  # both copies of a linked cell go the same way (0 always fits)
            both = up[links[0]] & up[links[1]]
            up[links[0]], up[links[1]] = both, both
        self.lower = np.where(low & up, floor, self.lower)
        self.upper = np.where(low & ~up, 0.0, self.upper)
        self._struck[np.unique(grid.cell_session[low])] += 1
        walking = (self._struck >= 2)[grid.cell_session] & (x <= 0) & (self.lower == 0) & (self.upper > 0)
        self.upper[walking] = 0.0
        return np.flatnonzero(low | walking)

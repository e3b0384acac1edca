"""Minimum rates inside the planning LP (`_lp.solve`, `_network.solve`): which cells planned below their
minimum go up to it.

A cell goes up where the minima already held at its step (and those raised before it) leave room under
every limit of its groups and every line current (`CurrentLimit`) and its session's held minima stay
within its need; otherwise it goes to 0. The
other cells at that step can yield: the next solve re-plans them around what is held, so every solve
stays feasible.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fera.planning._grid import Floats, Grid
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

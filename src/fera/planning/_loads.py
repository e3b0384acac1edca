"""Load of every group (total and per phase) under a power matrix, and the room left under its limits."""

from __future__ import annotations

import numpy as np

from fera.planning._grid import Floats, Grid


class GroupLoads:
    """Mutable running loads; `room(i)` is how much more session i could take at each step (kW)."""

    def __init__(self, grid: Grid, power_kw: Floats) -> None:
        self.grid = grid
        count = len(grid.groups)
        self.total = np.zeros((count, grid.steps))
        self.phase = np.zeros((count, 3, grid.steps))
        for k, g in enumerate(grid.groups):
            self.total[k] = self.grid.total_weight[g.members] @ power_kw[g.members]
            self.phase[k] = grid.phase_share[g.members].T @ power_kw[g.members]
        self.of_session: list[list[int]] = [[] for _ in range(power_kw.shape[0])]
        for k, g in enumerate(grid.groups):
            for i in g.members.tolist():
                self.of_session[i].append(k)

    def room(self, session: int) -> Floats:
        room = np.full(self.grid.steps, np.inf)
        share = self.grid.phase_share[session]
        for k in self.of_session[session]:
            group = self.grid.groups[k]
            if group.cap_kw is not None:
                room = np.minimum(room, (group.cap_kw - self.total[k]) / self.grid.total_weight[session])
            if group.phase_cap_kw is not None:
                for phase in np.flatnonzero(share):
                    room = np.minimum(room, (group.phase_cap_kw[phase] - self.phase[k, phase]) / share[phase])
        result: Floats = np.maximum(room, 0.0)
        return result

    def add(self, session: int, delta_kw: Floats) -> None:
        for k in self.of_session[session]:
            self.total[k] += self.grid.total_weight[session] * delta_kw
            self.phase[k] += self.grid.phase_share[session][:, None] * delta_kw[None, :]

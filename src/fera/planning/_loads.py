"""Load of every group (total and per phase) and every line current under a power matrix, and the room left
under their limits."""

from __future__ import annotations

import numpy as np

from fera.planning._grid import Complexes, Floats, Grid

LINE_MARGIN_A = 1e-6  # keeps float noise from ever showing up as a (tiny) line-current violation


class GroupLoads:
    """Mutable running loads; `room(i)` is how much more session i could take at each step (kW).

    `line_scale`: the share of each line-current limit the room counts up to (the planning LP's cuts hold
    currents at `_network.CUT_MARGIN` below the limit, so what it holds must fit there)."""

    def __init__(self, grid: Grid, power_kw: Floats, line_scale: float = 1.0) -> None:
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
        lines = grid.lines
        self.line: Complexes = (
            np.zeros((0, grid.steps), np.complex128) if lines is None else lines.coef @ power_kw
        )
        self.line_cap: Floats = (
            np.zeros((0, grid.steps)) if lines is None else lines.limit_a * line_scale - LINE_MARGIN_A
        )

    def room(self, session: int) -> Floats:
        room = np.minimum(self._group_room(session), self._line_room(session))
        result: Floats = np.maximum(room, 0.0)
        return result

    def room_below(self, session: int, levels: GroupLoads) -> Floats:
        """How much more session i could take at each step with every limited group kept at or below its
        load in `levels` (another power matrix's loads) rather than its limit; at least 0."""
        result: Floats = np.maximum(self._group_room(session, levels), 0.0)
        return result

    def _group_room(self, session: int, levels: GroupLoads | None = None) -> Floats:
        room = np.full(self.grid.steps, np.inf)
        share = self.grid.phase_share[session]
        for k in self.of_session[session]:
            group = self.grid.groups[k]
            if group.cap_kw is not None:
                cap = group.cap_kw if levels is None else levels.total[k]
                room = np.minimum(room, (cap - self.total[k]) / self.grid.total_weight[session])
            if group.phase_cap_kw is not None:
                for phase in np.flatnonzero(share):
                    limit = group.phase_cap_kw[phase] if levels is None else levels.phase[k, phase]
                    room = np.minimum(room, (limit - self.phase[k, phase]) / share[phase])
        return room

    def _line_room(self, session: int) -> Floats:
        """The largest r >= 0 with |z + a·r| <= L on every line (0 where a line is already over its limit:
        its current is then no place to add to, even where adding would turn it)."""
        if self.grid.lines is None:
            return np.full(self.grid.steps, np.inf)
        a = self.grid.lines.coef[:, session][:, None]
        z, cap = self.line, self.line_cap
        size = np.abs(a) ** 2
        b = (np.conj(a) * z).real
        disc = np.maximum(b * b - size * (np.abs(z) ** 2 - cap**2), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            root = np.where(size > 0, (-b + np.sqrt(disc)) / size, np.inf)
        room = np.where(np.abs(z) > cap, 0.0, root)
        out: Floats = room.min(axis=0, initial=np.inf)
        return out

    def over_lines(self) -> tuple[np.ndarray, np.ndarray]:
        """(line, step) pairs whose current is above its limit."""
        # a current of float residue (a line limited to 0, its loads added and taken away) is not over
        over = np.nonzero(np.abs(self.line) > np.maximum(self.line_cap + LINE_MARGIN_A, 1e-9))
        return over[0], over[1]

    def add(self, session: int, delta_kw: Floats) -> None:
        for k in self.of_session[session]:
            self.total[k] += self.grid.total_weight[session] * delta_kw
            self.phase[k] += self.grid.phase_share[session][:, None] * delta_kw[None, :]
        if self.grid.lines is not None:
            self.line += self.grid.lines.coef[:, session][:, None] * delta_kw[None, :]

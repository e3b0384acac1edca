"""Independent parts of a planning LP: sessions linked through shared group limits or a smoothing pool.

The objective is a sum over sessions (price, CO₂, urgency) plus one peak term per REGULAR pool, so the LP
separates into one LP per connected set of groups, pools and their sessions; solving each part alone gives
an optimum of the whole. Parent groups (feeders, transformers) that would join many sites into one part are
first left out ("relaxed"): the parts are solved without them, and only a relaxed group whose limit the
assembled plan breaks is put back, joining its sites into one part that is solved again. A relaxation whose
optimum is feasible is optimal, so the result stays exact; a feeder that binds costs one extra round (or,
over many sites, is priced instead: `_columns`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from fera.planning._grid import Floats, Grid, GroupArrays, Ints, Lines


class _Union:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(self, members: Iterable[int]) -> None:
        it = iter(members)
        first = next(it, None)
        if first is None:
            return
        root = self.find(first)
        for m in it:
            other = self.find(m)
            if other != root:
                self.parent[other] = root


def limits(group: GroupArrays) -> bool:
    return group.cap_kw is not None or group.phase_cap_kw is not None


def relaxable(grid: Grid, pools: Sequence[Ints], parents: set[int]) -> set[int]:
    """Parent groups (by index) whose members would otherwise lie in more than one part."""
    union = _Union(grid.start.size)
    for pool in pools:
        union.join(pool.tolist())
    for k, g in enumerate(grid.groups):
        if k not in parents and limits(g):
            union.join(g.members.tolist())
    relaxed = set()
    for k in parents:
        members = grid.groups[k].members.tolist()
        if limits(grid.groups[k]) and len({union.find(m) for m in members}) > 1:
            relaxed.add(k)
    return relaxed


def parts(grid: Grid, pools: Sequence[Ints], relaxed: set[int]) -> list[Ints]:
    """Sessions (sorted indices) of every part that has cells, in order of their first session."""
    union = _Union(grid.start.size)
    for pool in pools:
        union.join(pool.tolist())
    for k, g in enumerate(grid.groups):
        if k not in relaxed and limits(g):
            union.join(g.members.tolist())
    lengths = np.diff(grid.offsets)
    roots = np.array([union.find(i) for i in range(grid.start.size)], dtype=np.int64)
    order = np.argsort(roots, kind="stable")
    cuts = np.flatnonzero(np.diff(roots[order])) + 1
    found = [np.sort(p) for p in np.split(order, cuts) if p.size and lengths[p].sum() > 0]
    return sorted(found, key=lambda p: int(p[0]))


def batches(found: list[Ints], lengths: Ints, max_cells: int) -> list[Ints]:
    """Small parts packed together (still independent inside one LP) so each LP is worth its overhead."""
    out: list[Ints] = []
    current: list[Ints] = []
    cells = 0
    for p in found:
        size = int(lengths[p].sum())
        if current and cells + size > max_cells:
            out.append(np.sort(np.concatenate(current)))
            current, cells = [], 0
        current.append(p)
        cells += size
    if current:
        out.append(np.sort(np.concatenate(current)))
    return out


def restrict(grid: Grid, sessions: Ints, relaxed: set[int]) -> tuple[Grid, Ints, Ints]:
    """The grid of `sessions` (sorted) with the enforced groups among them; also the global indices of its
    cells and groups."""
    local = np.full(grid.start.size, -1, dtype=np.int64)
    local[sessions] = np.arange(sessions.size)
    cells = grid.cells_of(sessions)
    lengths = grid.offsets[sessions + 1] - grid.offsets[sessions]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    inside = set(sessions.tolist())
    kept = [
        k
        for k, g in enumerate(grid.groups)
        if k not in relaxed and limits(g) and g.members.size and int(g.members[0]) in inside
    ]
    groups = tuple(replace(grid.groups[k], members=local[grid.groups[k].members]) for k in kept)
    sub = Grid(
        steps=grid.steps,
        hours=grid.hours,
        start=grid.start[sessions],
        end=grid.end[sessions],
        pmax_kw=grid.pmax_kw[sessions],
        energy_kwh=grid.energy_kwh[sessions],
        phase_share=grid.phase_share[sessions],
        total_weight=grid.total_weight[sessions],
        offsets=offsets,
        cell_session=np.repeat(np.arange(sessions.size, dtype=np.int64), lengths),
        cell_step=grid.cell_step[cells],
        groups=groups,
        min_kw=None if grid.min_kw is None else grid.min_kw[sessions],
        lines=None if grid.lines is None else Lines(grid.lines.coef[:, sessions], grid.lines.limit_a),
    )
    return sub, cells, np.array(kept, dtype=np.int64)


def broken(grid: Grid, power_kw: Floats, relaxed: set[int], margin_kw: float) -> set[int]:
    """Relaxed groups whose limit (total or any phase) the assembled plan exceeds at some step."""
    out = set()
    for k in relaxed:
        g = grid.groups[k]
        rows = power_kw[g.members]
        if g.cap_kw is not None and np.any(grid.total_weight[g.members] @ rows > g.cap_kw - margin_kw):
            out.add(k)
        if g.phase_cap_kw is not None:
            phase = grid.phase_share[g.members].T @ rows
            if np.any(phase > g.phase_cap_kw - margin_kw):
                out.add(k)
    return out

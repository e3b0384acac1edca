"""A problem turned into arrays: session windows in steps, the cells (session, step) and group memberships."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from fera.planning.model import THREE_PHASE, GridGroup, Phase, PlanningProblem, Series, Session

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Complexes = NDArray[np.complex128]
_PHASE_INDEX = {Phase.L1: 0, Phase.L2: 1, Phase.L3: 2}


def resolve(series: Series, steps: int) -> Floats:
    """One value per step: a scalar repeats, a short sequence holds its last value, a long one is cut."""
    if isinstance(series, int | float):
        return np.full(steps, float(series))
    values = np.asarray(series, dtype=np.float64)
    if values.size == 0:
        raise ValueError("a time series needs at least one value")
    if values.size >= steps:
        return values[:steps].copy()
    return np.concatenate([values, np.full(steps - values.size, values[-1])])


@dataclass(frozen=True, slots=True)
class GroupArrays:
    id: str
    members: Ints
    cap_kw: Floats | None
    phase_cap_kw: Floats | None  # (3, steps): L1, L2, L3; inf where a phase has no limit


@dataclass(frozen=True, slots=True)
class Lines:
    """The problem's line-current limits (`CurrentLimit`) as arrays: coefficients per limit and session (A
    per kW, a phasor) and limits per limit and step (A)."""

    coef: Complexes  # (limits, sessions)
    limit_a: Floats  # (limits, steps)

    def currents(self, power_kw: Floats) -> Complexes:
        """Complex line current per limit and step of a (sessions, steps) plan."""
        out: Complexes = self.coef @ power_kw
        return out


@dataclass(frozen=True, slots=True)
class Grid:
    steps: int
    hours: float
    start: Ints
    end: Ints
    pmax_kw: Floats
    energy_kwh: Floats
    phase_share: Floats
    total_weight: Floats
    offsets: Ints
    cell_session: Ints
    cell_step: Ints
    groups: tuple[GroupArrays, ...]
    min_kw: Floats | None = None
    """Per session, the minimum rate the LP keeps (0 or at least this, `_lp`); 0: none, or one left to
    `apply_min_rates` (see `lp_minimum`)."""
    lines: Lines | None = None
    """The line-current limits, None when the problem has none."""

    @property
    def cells(self) -> int:
        return int(self.cell_session.size)

    def cells_of(self, sessions: Ints) -> Ints:
        """Indices of every cell of the given sessions (cells of one session are contiguous)."""
        lengths = self.offsets[sessions + 1] - self.offsets[sessions]
        ends = np.cumsum(lengths)
        total = int(ends[-1]) if ends.size else 0
        return np.repeat(self.offsets[sessions] - (ends - lengths), lengths) + np.arange(
            total, dtype=np.int64
        )


def _window(session: Session, problem: PlanningProblem) -> tuple[int, int]:
    first = -((problem.now - session.arrival) // problem.step)
    return max(0, first), (session.departure - problem.now) // problem.step


def _direct_members(problem: PlanningProblem) -> dict[str, set[int]]:
    """Sessions each group names directly: by the session's group_id, its id or its EVSE id.

    Indexed once (a scan per group made 10,000 sessions in 1,100 groups take seconds).
    """
    by_group: dict[str, set[int]] = {}
    by_name: dict[str, list[int]] = {}
    for i, s in enumerate(problem.sessions):
        if s.group_id is not None:
            by_group.setdefault(s.group_id, set()).add(i)
        by_name.setdefault(s.id, []).append(i)
        if s.evse_id is not None and s.evse_id != s.id:
            by_name.setdefault(s.evse_id, []).append(i)
    direct: dict[str, set[int]] = {}
    for g in problem.groups:
        members = set(by_group.get(g.id, ()))
        for name in g.members:
            members.update(by_name.get(name, ()))
        direct[g.id] = members
    return direct


def memberships(problem: PlanningProblem) -> dict[str, set[int]]:
    """Sessions of each group, children included; rejects unknown parents and cycles."""
    groups = {g.id: g for g in problem.groups}
    children: dict[str, list[str]] = {g: [] for g in groups}
    for g in problem.groups:
        if g.parent is not None:
            if g.parent not in groups:
                raise ValueError(f"group {g.id}: unknown parent {g.parent}")
            children[g.parent].append(g.id)
    direct = _direct_members(problem)
    done: dict[str, set[int]] = {}

    def visit(gid: str, path: frozenset[str]) -> set[int]:
        if gid in path:
            raise ValueError(f"group {gid}: parent cycle")
        if gid not in done:
            members = set(direct[gid])
            for child in children[gid]:
                members |= visit(child, path | {gid})
            done[gid] = members
        return done[gid]

    for gid in groups:
        visit(gid, frozenset())
    return done


def _phase_share(sessions: Sequence[Session]) -> Floats:
    share = np.zeros((len(sessions), 3))
    for i, s in enumerate(sessions):
        for phase in s.phases if s.loads is None else s.loads:
            share[i, _PHASE_INDEX[phase]] = 1.0 / len(s.phases)
    return share


def _total_weight(sessions: Sequence[Session]) -> Floats:
    """What a session's planned power may draw in total: more when its loads exceed its phases."""
    return np.array([1.0 if s.loads is None else len(s.loads) / len(s.phases) for s in sessions])


def _phase_caps(group: GridGroup, steps: int) -> Floats | None:
    """Per-phase limits as a (3, steps) array in kW; a phase without a limit is inf."""
    caps = group.phase_capacity_w
    if caps is None:
        return None
    by_phase: Mapping[Phase, Series] = caps if isinstance(caps, Mapping) else dict.fromkeys(THREE_PHASE, caps)
    out = np.full((3, steps), np.inf)
    for phase, series in by_phase.items():
        out[_PHASE_INDEX[Phase(phase)]] = np.maximum(resolve(series, steps), 0) / 1e3
    return out


def lp_minimum(sessions: Sequence[Session], hours: float) -> Floats:
    """Minimum rates (kW) the LP enforces. Left to `apply_min_rates`: guessed needs (they split a limit
    evenly and take turns below the minimum, and their energy is a guess) and needs below one step at the
    minimum (the car takes what it needs at the minimum rate and stops, which the LP can't express)."""
    return np.array(
        [
            s.min_rate_w / 1e3 if not s.estimated and s.energy_kwh >= s.min_rate_w / 1e3 * hours else 0.0
            for s in sessions
        ],
        dtype=np.float64,
    )


def _lines(problem: PlanningProblem, steps: int) -> Lines | None:
    """The problem's `currents` as arrays; members named by session id or EVSE id."""
    if not problem.currents:
        return None
    coef = np.zeros((len(problem.currents), len(problem.sessions)), dtype=np.complex128)
    for k, limit in enumerate(problem.currents):
        for i, s in enumerate(problem.sessions):
            a = limit.coefficients.get(s.id)
            if a is None and s.evse_id is not None:
                a = limit.coefficients.get(s.evse_id)
            coef[k, i] = 0.0 if a is None else complex(a) * 1e3
    limit_a = np.array([np.maximum(resolve(c.limit_a, steps), 0.0) for c in problem.currents])
    return Lines(coef, limit_a.reshape(len(problem.currents), steps))


def build_grid(problem: PlanningProblem) -> Grid:
    sessions = problem.sessions
    windows = np.array([_window(s, problem) for s in sessions], dtype=np.int64).reshape(-1, 2)
    steps = problem.horizon_steps if problem.horizon_steps is not None else int(windows[:, 1].max(initial=0))
    start, end = windows[:, 0], np.minimum(windows[:, 1], steps)
    lengths = np.maximum(end - start, 0)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    cell_session = np.repeat(np.arange(len(sessions), dtype=np.int64), lengths)
    cell_step = np.arange(offsets[-1], dtype=np.int64) - offsets[cell_session] + start[cell_session]
    members = memberships(problem)
    groups = tuple(
        GroupArrays(
            id=g.id,
            members=np.array(sorted(members[g.id]), dtype=np.int64),
            cap_kw=None if g.capacity_w is None else np.maximum(resolve(g.capacity_w, steps), 0) / 1e3,
            phase_cap_kw=_phase_caps(g, steps),
        )
        for g in problem.groups
    )
    return Grid(
        steps=steps,
        hours=problem.step_hours,
        start=start,
        end=end,
        pmax_kw=np.array([s.max_power_w for s in sessions], dtype=np.float64) / 1e3,
        energy_kwh=np.array([s.energy_kwh for s in sessions], dtype=np.float64),
        phase_share=_phase_share(sessions),
        total_weight=_total_weight(sessions),
        offsets=offsets,
        cell_session=cell_session,
        cell_step=cell_step,
        groups=groups,
        min_kw=lp_minimum(sessions, problem.step_hours),
        lines=_lines(problem, steps),
    )

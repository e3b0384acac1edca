"""From a plan to what a charger is told: minimum rates applied, then an OCPI-like profile per session.

`plan` already keeps the minimum rate of every stated need (rounded inside the optimisation, `_lp.solve`);
what is left here are the guesses (`Session.estimated`, which split a limit evenly and take turns below the
minimum) and needs smaller than one step at the minimum rate.

Minimum rate (our choice): a planned power in (0, min) is raised to the minimum when the session's maximum,
every group limit (total and per phase) and every line current (`CurrentLimit`) leave room for it at that
step, and set to 0 otherwise. Raising keeps the car charging (many cars stop below ~6 A) and may deliver
slightly more than planned; dropping to 0 is safe for groups, but not always for a line current, where
phasors can cancel: the sessions most in line with a current it left over its limit then give way
(`_hold_lines`). Every such low power first steps aside (to 0); then, step by step, one session after the
other is raised where the room left allows, in turns (`_turns`): the sessions holding their turn first, then
the one that has waited longest. A session that finds too little room is raised by lowering the guesses
charging above their own minimum at that step (never below it): a single-phase guess beside a three-phase
one under 8 kW charges at 3.86 kW and the other at its 4.14 kW, instead of the even 4 kW each, which left the
three-phase car at 0 and half the site idle. What a dropped session leaves goes to the guesses charging at
that step (those raised first). Then a stated need raised beyond its need gives the excess back, and one
the rounding left short takes more where the limits leave room (`_shortfall`). A turn lasts `TURN`, longer
than a step, because every hand-over costs energy: the car whose turn ends goes down at its station before
the next one may go up (site load management lowers first). The plan carries every hand-over of its
horizon, so both cars' profiles have it ahead and the stations make it on their own clocks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

import numpy as np

from fera.planning._grid import Grid, build_grid
from fera.planning._loads import GroupLoads
from fera.planning._shortfall import restore
from fera.planning._turns import TURN, Turns, rotated
from fera.planning.model import Plan, PlanningProblem, Session

__all__ = [
    "TURN",
    "PlannedProfile",
    "ProfilePeriod",
    "RateUnit",
    "apply_min_rates",
    "floor_tenth",
    "guesses_at_min_rates",
    "to_charging_profile",
    "top_up",
]


class RateUnit(StrEnum):
    A = "A"
    W = "W"


@dataclass(frozen=True, slots=True)
class ProfilePeriod:
    start_period: int
    limit: float


@dataclass(frozen=True, slots=True)
class PlannedProfile:
    """A session's planned limits: `A` per phase for AC, `W` total for DC, one decimal rounded down."""

    session_id: str
    start_date_time: datetime
    duration: int
    charging_rate_unit: RateUnit
    min_charging_rate: float | None
    periods: tuple[ProfilePeriod, ...]


def floor_tenth(value: float) -> float:
    """Round down to one decimal; the 1e-6 absorbs float noise (16.0 stored as 15.9999999...)."""
    return math.floor(value * 10 + 1e-6) / 10


def apply_min_rates(problem: PlanningProblem, plan: Plan) -> Plan:
    """The plan with every power in (0, min_rate) raised to min_rate where limits allow, else set to 0; then
    what that did to the stated needs is put right where the limits allow (`_shortfall`)."""
    return _min_rates(problem, plan, [True] * len(problem.sessions))


def guesses_at_min_rates(problem: PlanningProblem, plan: Plan) -> Plan:
    """`apply_min_rates` for the guesses only (`Session.estimated`): what `plan` itself does, so that a plan
    never has a guess below its minimum rate; needs smaller than one step at the minimum stay as planned
    (the plan shows their energy; `apply_min_rates` raises them for the charger)."""
    guessed = [s.estimated and s.min_rate_w > 0 for s in problem.sessions]
    return _min_rates(problem, plan, guessed) if any(guessed) else plan


def _min_rates(problem: PlanningProblem, plan: Plan, which: list[bool]) -> Plan:
    grid = build_grid(problem)
    power_kw = plan.power_w / 1e3
    loads = GroupLoads(grid, power_kw)
    minimum = np.array([s.min_rate_w / 1e3 for s in problem.sessions])
    low = (power_kw > 0) & (power_kw < minimum[:, None]) & np.array(which, dtype=bool)[:, None]
    adjusted = np.where(low, 0.0, power_kw)  # every low power steps aside first
    for i in range(len(problem.sessions)):
        loads.add(i, adjusted[i] - power_kw[i])
    turns, givers = Turns(problem), _Givers(problem)
    step_h, done = problem.step.total_seconds() / 3600, 0
    can = minimum <= grid.pmax_kw + 1e-12
    for k in np.flatnonzero(low.any(axis=0)).tolist():
        at = problem.now + k * problem.step
        turns.took(adjusted[:, done:k].sum(axis=1) * step_h)
        done = k
        turns.ended(at)
        order = turns.order(at)
        for i in order[low[order, k] & can[order]].tolist():
            if _raise(givers, loads, adjusted, minimum, i, k):
                turns.charged(i, at)
        for i in turns.holders(at):
            if adjusted[i, k] < minimum[i] - 1e-9 or adjusted[i, k] <= 0:
                turns.stopped(i, at)
        _refill(givers.guess, grid, loads, power_kw, adjusted, k, order)
    stated = np.array(which, dtype=bool) & ~givers.guess
    if (low & stated[:, None]).any():  # else the rounding left every stated need as planned
        restore(stated, grid, loads, power_kw, adjusted, minimum, step_h)
    _hold_lines(loads, adjusted, minimum)
    return replace(plan, power_w=adjusted * 1e3)


def top_up(problem: PlanningProblem, plan: Plan) -> Plan:
    """The plan with the room it leaves given to the sessions charging at its first step, at every step,
    each up to its maximum (earliest departure first), every limit kept: what a charger is told, not what
    is planned. A plan meets a stated need exactly, so its profile caps the car at that need and drops to 0
    once the plan has it met: a car that draws less than planned (its own maximum not yet known, a DC
    charger taken for AC) never catches up while the site has room, and stops at each step's end until the
    next re-plan's profile comes through the nodes. Nobody starts charging here (turns stay as planned):
    room goes only where a car charges now, and a profile below the minimum rate is still 0."""
    if plan.steps == 0 or not problem.sessions:
        return plan
    grid = build_grid(problem)
    power_kw = plan.power_w / 1e3
    loads = GroupLoads(grid, power_kw)
    adjusted = power_kw.copy()
    present = np.zeros(grid.steps, dtype=bool)
    charging = [i for i in range(len(problem.sessions)) if adjusted[i, 0] > 0]
    for i in sorted(charging, key=lambda i: problem.sessions[i].departure):
        present[:] = False
        present[grid.start[i] : grid.end[i]] = True  # within its (estimated) stay only
        extra = np.clip(np.minimum(loads.room(i), grid.pmax_kw[i] - adjusted[i]), 0.0, None) * present
        adjusted[i] += extra
        loads.add(i, extra)
    return replace(plan, power_w=adjusted * 1e3)


def _hold_lines(loads: GroupLoads, adjusted: np.ndarray, minimum: np.ndarray) -> None:
    """Where a power stepping aside turned a line current over its limit (phasors can cancel: on a delta
    transformer's primary one car's current lowers another's), the sessions most in line with that current
    give way, each down to what fits every line (not below its minimum) or else to 0. Each gives way once
    and then goes to 0, so this ends; with every power at 0 every current is 0."""
    given: set[tuple[int, int]] = set()
    coef = loads.grid.lines.coef if loads.grid.lines is not None else None
    while coef is not None:
        over_line, over_step = loads.over_lines()
        if over_line.size == 0:
            return
        k, t = int(over_line[0]), int(over_step[0])
        along = (np.conj(loads.line[k, t]) * coef[k]).real * adjusted[:, t]
        i = int(np.argmax(along))
        if along[i] <= 0:  # |z|² is the sum of these: none > 0 means z is 0 (cannot be over)
            return
        old = float(adjusted[i, t])
        delta = np.zeros(adjusted.shape[1])
        delta[t] = -old
        loads.add(i, delta)
        fits = float(loads.room(i)[t])
        new = fits if minimum[i] - 1e-12 <= fits < old and (i, t) not in given else 0.0
        given.add((i, t))
        adjusted[i, t] = new
        delta[t] = new
        loads.add(i, delta)


def _raise(
    givers: _Givers, loads: GroupLoads, adjusted: np.ndarray, minimum: np.ndarray, i: int, k: int
) -> bool:
    """Raise session `i` to its minimum at step `k` where the room left allows, else by lowering the guesses
    charging above their own minimum there (never below it): 8 kW for a single-phase guess and a three-phase
    one of 6 A minimum is 3.86 kW and 4.14 kW, not 4 kW for the first and the second at 0 (half the site
    idle). Nothing changes where even that doesn't make room."""
    target, taken = float(minimum[i]), []
    room = float(loads.room(i)[k])
    for j in givers.at(adjusted, minimum, i, k) if room < target - 1e-12 else ():
        give = min(adjusted[j, k] - minimum[j], target - room)
        adjusted[j, k] -= give
        loads.add(j, _at(k, -give, adjusted.shape[1]))
        taken.append((j, give))
        room = float(loads.room(i)[k])
        if room >= target - 1e-12:
            break
    if room >= target - 1e-12:
        adjusted[i, k] = target
        loads.add(i, _at(k, target, adjusted.shape[1]))
        return True
    for j, give in taken:
        adjusted[j, k] += give
        loads.add(j, _at(k, give, adjusted.shape[1]))
    return False


class _Givers:
    """The guesses that may give way to a session raised to its minimum, in the clock's fair turn."""

    def __init__(self, problem: PlanningProblem) -> None:
        order = np.array(rotated(len(problem.sessions), problem.now, problem.step), dtype=np.int64)
        self.guess = np.array([s.estimated for s in problem.sessions], dtype=bool)
        self.order = order[self.guess[order]]  # only guesses ever give way

    def at(self, adjusted: np.ndarray, minimum: np.ndarray, i: int, k: int) -> list[int]:
        """Those charging above their own minimum at step `k`, `i` aside: found at once, not one room
        computation per session (10,000 sessions: minutes, where a plan takes seconds)."""
        order, power = self.order, adjusted[self.order, k]
        can = (power - minimum[order] > 1e-12) & (order != i)  # minima are >= 0: so is the power
        found: list[int] = order[can].tolist()
        return found


def _at(k: int, value: float, steps: int) -> np.ndarray:
    out = np.zeros(steps)
    out[k] = value
    return out


def _refill(
    estimated: np.ndarray,
    grid: Grid,
    loads: GroupLoads,
    planned: np.ndarray,
    adjusted: np.ndarray,
    k: int,
    order: np.ndarray,
) -> None:
    """What a dropped session left at step `k` goes to the guesses charging there, up to their maximum,
    those raised first: 8 kW for two 6 A cars is one car at 8 kW, not one at 4.14 kW and 4 kW unused, and
    a single-phase car beside a three-phase one that could not be raised takes what it left."""
    guesses: list[int] = order[estimated[order] & (adjusted[order, k] > 0)].tolist()
    raised = [i for i in guesses if adjusted[i, k] > planned[i, k] + 1e-12]
    for i in [*raised, *(i for i in guesses if i not in raised)]:
        extra = max(0.0, min(float(loads.room(i)[k]), float(grid.pmax_kw[i] - adjusted[i, k])))
        adjusted[i, k] += extra
        loads.add(i, _at(k, extra, grid.steps))


def _limits(
    power_w: np.ndarray, session: Session, voltage_v: float, dc: bool, min_amps: float
) -> list[float]:
    power_w = np.where(power_w < session.min_rate_w - 1e-6, 0.0, power_w)  # what apply_min_rates left low
    values = power_w if dc else power_w / (voltage_v * len(session.phases))
    if not dc:  # a car that takes less than the least AC limit draws its own under that limit
        values = np.where(values > 0, np.maximum(values, min_amps), values)
    return [floor_tenth(float(v)) for v in values]


def to_charging_profile(
    plan: Plan, session: Session, *, voltage_v: float = 230.0, dc: bool = False, min_amps: float = 0.0
) -> PlannedProfile:
    """The session's schedule as periods over the plan's horizon, equal neighbours merged.

    AC limits are amps per phase, P / (V × phases), none between 0 and `min_amps` (IEC 61851: below 6 A
    an AC car stops, so a 3.7 kW car on three phases, 5.4 A, is sent 6 A); DC limits are watts. Powers
    still below the session's minimum rate become 0 (call `apply_min_rates` first to raise those that fit).
    """
    step_s = int(plan.step.total_seconds())
    periods: list[ProfilePeriod] = []
    for k, limit in enumerate(_limits(plan.schedule(session.id), session, voltage_v, dc, min_amps)):
        if not periods or periods[-1].limit != limit:
            periods.append(ProfilePeriod(k * step_s, limit))
    min_rate = session.min_rate_w if dc else session.min_rate_w / (voltage_v * len(session.phases))
    min_rate = min_rate if dc or min_rate <= 0 else max(min_rate, min_amps)
    return PlannedProfile(
        session_id=session.id,
        start_date_time=plan.start,
        duration=plan.steps * step_s,
        charging_rate_unit=RateUnit.W if dc else RateUnit.A,
        min_charging_rate=round(min_rate, 1) if min_rate > 0 else None,
        periods=tuple(periods),
    )

"""Inputs and outputs of the planner: plain, immutable dataclasses (no I/O, no clock)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "THREE_PHASE",
    "GridGroup",
    "Phase",
    "Plan",
    "PlanningProblem",
    "ProfileType",
    "CurrentLimit",
    "Series",
    "Session",
    "SolveStats",
    "phase_watts",
]

Series = float | Sequence[float]
"""One value per step from `now`; a scalar is constant, a short sequence holds its last value."""


class ProfileType(StrEnum):
    """OCPI ChargingPreferences.profile_type: what the driver wants the planner to optimise."""

    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class Phase(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


THREE_PHASE: tuple[Phase, ...] = (Phase.L1, Phase.L2, Phase.L3)


def phase_watts(amps: float, voltage_v: float = 230.0) -> float:
    """Per-phase power of a fuse rating (wye: phase-to-neutral voltage, 230 V in Europe)."""
    return amps * voltage_v


@dataclass(frozen=True, slots=True)
class Session:
    """One charging session. The grid sees `p / len(phases)` on each of `phases` (DC: keep three phases).

    `loads`: the site phases that may each carry that per-phase current, when more than `phases` (None: just
    `phases`). A single-phase EVSE whose wiring nobody described may be on any phase (`loads` = all three); a
    car not yet metered is planned on one phase (its slowest case) while its current may flow on each of its
    EVSE's phases. Either way the plan holds whatever the truth; a total limit counts the worst case too.
    """

    id: str
    arrival: datetime
    departure: datetime
    energy_kwh: float
    max_power_w: float
    min_rate_w: float = 0.0
    profile_type: ProfileType = ProfileType.REGULAR
    phases: tuple[Phase, ...] = THREE_PHASE
    loads: tuple[Phase, ...] | None = None
    evse_id: str | None = None
    group_id: str | None = None
    estimated: bool = False
    """Its energy need is a guess (the driver stated none): it splits what its group leaves to guesses
    evenly with the others there (each up to its maximum power), so a tie never gives one car everything."""
    holding: bool = False
    """It charges now, in its turn: where a limit shared below the minimum rate leaves room for some sessions
    only, `apply_min_rates` keeps it charging ahead of the others (every hand-over costs energy)."""
    holding_until: datetime | None = None
    """When its turn ends (None: it holds it over the whole horizon); the plan hands over at that step."""
    waiting_since: datetime | None = None
    """When its last turn ended (None: it waits since its arrival): the longest waiting is next."""
    charged_kwh: float = 0.0
    """What it has taken so far in this stay: below the minimum rate, the guess that has taken least
    goes next (`_turns`)."""

    def __post_init__(self) -> None:
        if not self.phases or len(set(self.phases)) != len(self.phases):
            raise ValueError(f"session {self.id}: phases must be distinct and non-empty")
        if self.loads is not None and not set(self.phases) <= set(self.loads):
            raise ValueError(f"session {self.id}: loads must include its phases")
        if min(self.energy_kwh, self.max_power_w, self.min_rate_w) < 0:
            raise ValueError(f"session {self.id}: energy and rates must be >= 0")


@dataclass(frozen=True, slots=True)
class GridGroup:
    """A connection, sub-board, feeder or transformer. Members are session ids or EVSE ids; child groups name
    it as parent, and groups nest to any depth (a sub-board's sessions count in every group above it too).

    `capacity_w` limits the sum over all phases, `phase_capacity_w` each phase (wye): one series for every
    phase, or one per phase (a phase left out has no limit); None: no such limit. `phase_watts(amps)` turns
    a fuse rating into the per-phase watts.
    """

    id: str
    capacity_w: Series | None = None
    phase_capacity_w: Series | Mapping[Phase, Series] | None = None
    parent: str | None = None
    members: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CurrentLimit:
    """A line current of an unbalanced three-phase network: |Σ_i a_i·p_i| ≤ `limit_a` at every step.

    `coefficients`: per session id or EVSE id, the complex current (A) one watt of that session draws on
    this line, i.e. its phasor: a delta-connected 208 V EVSE between lines A and B adds e^{j30°}/208 A per W
    to line A's current. A magnitude of a complex sum is a second-order cone (`_network` holds it by cuts).
    """

    id: str
    coefficients: Mapping[str, complex]
    limit_a: Series


@dataclass(frozen=True, slots=True)
class PlanningProblem:
    """Everything the planner needs. Step k covers [now + k*step, now + (k+1)*step).

    `price` (per kWh) and `co2` (g/kWh) are per step from `now`. The horizon defaults to the last
    departure; a session gets power only in whole steps inside [arrival, departure).

    `expected`: cars not yet arrived (reservations, or the location's usual arrivals, e.g. from
    `SessionStatistics.expected_sessions`). They are planned like sessions, so they hold capacity, but their
    unmet energy weighs `EXPECTED_WEIGHT` as much and they get no schedule in the `Plan`.

    `scenarios`: possible sets of future arrivals instead (e.g. `SessionStatistics.scenarios`, one per day
    of history): a scenario MPC. Every scenario gets its own copy of the sessions; the first step (the one
    applied before the next re-plan) is the same in all of them; the `Plan` holds the mean over scenarios.
    A scenario's cars pay their price and their unmet energy weighs `scenario_weight` as much as a present
    car's (None: `planner.SCENARIO_WEIGHT`): the knob between energy (room held for cars that may come) and
    cost (`bench.planning frontier`). Only the first step is a decision (and keeps minimum rates); later
    steps, a mean, may lie between 0 and a minimum.

    `currents`: line-current limits of an unbalanced network (`CurrentLimit`), on top of the groups.
    """

    now: datetime
    step: timedelta
    sessions: Sequence[Session]
    groups: Sequence[GridGroup] = ()
    price: Series = 0.0
    co2: Series = 0.0
    horizon_steps: int | None = None
    expected: Sequence[Session] = ()
    scenarios: Sequence[Sequence[Session]] = ()
    scenario_weight: float | None = None
    currents: Sequence[CurrentLimit] = ()

    def __post_init__(self) -> None:
        if self.step <= timedelta(0):
            raise ValueError("step must be positive")
        if self.expected and self.scenarios:
            raise ValueError("expected and scenarios are two kinds of foresight: give one")
        if self.scenario_weight is not None and not 0 < self.scenario_weight <= 1:
            raise ValueError("scenario_weight must be in (0, 1]: a possible car is worth at most a real one")
        if self.currents and self.scenarios:  # the scenario LP knows no line currents: it would break them
            raise ValueError("line currents (currents) are not planned with scenarios yet")
        ids = [g.id for g in self.groups]
        if len(set(ids)) != len(ids):
            raise ValueError("group ids must be unique")

    @property
    def step_hours(self) -> float:
        return self.step.total_seconds() / 3600.0


@dataclass(frozen=True, slots=True)
class SolveStats:
    status: str
    variables: int
    constraints: int
    nonzeros: int
    iterations: int
    build_s: float
    solve_s: float
    parts: int = 1
    """Independent LPs solved (parts of the problem that share no limit); summed in the counts above."""
    rounds: int = 1
    """Solve rounds: 2+ when a relaxed parent group (feeder) was found binding and its sites re-solved."""
    priced: int = 0
    """Master LPs solved when a binding parent over many sites was priced (column generation) instead: 1
    when the sites' plans under their allotments of its limit already prove the gap, +1 per pricing round."""
    gap: float = 0.0
    """Relative gap to the proven lower bound on the optimum (0 unless priced: at most `_columns.GAP`)."""


@dataclass(frozen=True)
class Plan:
    """Power per session (rows, same order as `session_ids`) and step (columns), in W."""

    start: datetime
    step: timedelta
    session_ids: tuple[str, ...]
    power_w: NDArray[np.float64]
    unmet_kwh: NDArray[np.float64]
    stats: SolveStats
    shadow_prices: Mapping[tuple[str, str], NDArray[np.float64]] = field(default_factory=dict)
    """Per priced parent group and dimension ("total", "L1", "L2", "L3"): the value of one more kW of its
    limit at each step, in objective units (the pricing master's duals at the end)."""
    line_currents: Mapping[str, NDArray[np.complex128]] = field(default_factory=dict)
    """Per `CurrentLimit` id: the planned line current (A, a phasor) at each step. A re-plan passed this plan
    starts its cuts at these angles (`_network`)."""
    _index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {sid: i for i, sid in enumerate(self.session_ids)})

    @property
    def steps(self) -> int:
        return int(self.power_w.shape[1])

    def schedule(self, session_id: str) -> NDArray[np.float64]:
        row: NDArray[np.float64] = self.power_w[self._index[session_id]]
        return row

    def unmet(self, session_id: str) -> float:
        return float(self.unmet_kwh[self._index[session_id]])

    def delivered_kwh(self, session_id: str) -> float:
        return float(self.schedule(session_id).sum()) * self.step.total_seconds() / 3.6e6

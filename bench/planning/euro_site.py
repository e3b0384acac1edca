"""A European public site drawn from ElaadNL statistics, and its hindsight optimum.

18 single-phase 32 A EVSEs (7.4 kW), six per phase, on two sub-boards of 3x40 A behind a 3x63 A connection.
Cars arrive on weekdays at the ElaadNL public-charger rate, take a free EVSE (a car finding none drives on),
stay as long as ElaadNL's stay-given-arrival-hour distribution says and ask ev2gym's energy (normal around
the mean for their arrival half-hour, sd half the mean, at least 5 kWh). Prices: NL day-ahead, hour by hour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import highspy
import numpy as np

from bench.planning.euro_data import EuroData, Floats
from fera.planning import GridGroup, Phase, ProfileType, Session, phase_watts

STEP = timedelta(minutes=15)
H = 0.25
EVSES = 18
EVSE_KW = 7.4
BOARD_OF = ["board-a"] * (EVSES // 2) + ["board-b"] * (EVSES - EVSES // 2)
PHASE_OF = [(Phase.L1, Phase.L2, Phase.L3)[k % 3] for k in range(EVSES)]
SITE_AMPS, BOARD_AMPS = 63.0, 40.0


@dataclass(frozen=True)
class Site:
    start: datetime
    sessions: list[Session]
    price: Floats  # EUR/kWh per step, over `steps`
    steps: int
    lost: int  # cars that found every EVSE taken

    @property
    def requested(self) -> float:
        return sum(s.energy_kwh for s in self.sessions)


def groups(site_amps: float = SITE_AMPS) -> list[GridGroup]:
    boards = [
        GridGroup(b, phase_capacity_w=phase_watts(BOARD_AMPS), parent="site",
                  members=frozenset(f"evse{k}" for k in range(EVSES) if BOARD_OF[k] == b))
        for b in ("board-a", "board-b")
    ]  # fmt: skip
    return [GridGroup("site", phase_capacity_w=phase_watts(site_amps)), *boards]


def _start_day(data: EuroData, rng: np.random.Generator, days: float) -> date:
    """A Tuesday of 2023 whose prices stay positive over the days played (and the day after)."""
    ok = [
        d for d in sorted(data.prices)
        if d.weekday() == 1
        and all(d + timedelta(days=k) in data.prices and data.prices[d + timedelta(days=k)].min() > 0
                for k in range(math.ceil(days) + 1))
    ]  # fmt: skip
    return ok[int(rng.integers(len(ok)))]


def _car(data: EuroData, rng: np.random.Generator, step_of_day: int) -> tuple[int, float]:
    """Stay in steps and energy in kWh of a car arriving at `step_of_day`."""
    hour = step_of_day // 4
    stay_h = (rng.choice(48, p=data.stay[hour]) + rng.random()) / 2
    mean = data.energy_mean[step_of_day // 2]
    energy = float(rng.normal(mean, 0.5 * mean))
    if energy < 5:
        energy = float(rng.uniform(5, 10))
    return max(2, round(stay_h * 4)), energy


def draw(
    data: EuroData, seed: int, days: float = 2, cars_per_day: float = 60.0, day0: date | None = None
) -> Site:
    rng = np.random.default_rng(seed)
    first = day0 or _start_day(data, rng, days)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    free_at = np.zeros(EVSES, dtype=np.int64)
    sessions: list[Session] = []
    lost = 0
    for t in range(round(days * 96)):
        for _ in range(rng.poisson(cars_per_day * data.arrival[t % 96])):
            free = np.flatnonzero(free_at <= t)
            if free.size == 0:
                lost += 1
                continue
            k = int(rng.choice(free))
            stay, energy = _car(data, rng, t % 96)
            free_at[k] = t + stay
            sessions.append(
                Session(
                    f"car{len(sessions)}", start + t * STEP, start + (t + stay) * STEP, energy, EVSE_KW * 1e3,
                    profile_type=ProfileType.CHEAP, phases=(PHASE_OF[k],), evse_id=f"evse{k}",
                )
            )  # fmt: skip
    steps = int(max(free_at.max(), round(days * 96)))
    hourly = np.concatenate(
        [data.prices.get(first + timedelta(days=k), data.prices[first]) for k in range(steps // 96 + 2)]
    )
    return Site(start, sessions, np.repeat(hourly, 4)[:steps] / 1e3, steps, lost)


def min_cost(site: Site, energy: Floats, site_amps: float = SITE_AMPS) -> float:
    """Cheapest cost (EUR) of giving each session exactly `energy` kWh in hindsight, within every limit."""
    cols: list[tuple[int, int]] = []
    for i, s in enumerate(site.sessions):
        a, d = (s.arrival - site.start) // STEP, (s.departure - site.start) // STEP
        cols += [(i, t) for t in range(a, min(d, site.steps))]
    n = len(cols)
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    cost = np.array([site.price[t] * H for _, t in cols])
    h.addVars(n, np.zeros(n), np.full(n, EVSE_KW))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
    by_session: dict[int, list[int]] = {}
    by_limit: dict[tuple[str, int, int], list[int]] = {}
    for j, (i, t) in enumerate(cols):
        by_session.setdefault(i, []).append(j)
        evse = int((site.sessions[i].evse_id or "evse0")[4:])
        phase = PHASE_OF[evse]
        for g in ("site", BOARD_OF[evse]):
            by_limit.setdefault((g, list(Phase).index(phase), t), []).append(j)
    for i, js in by_session.items():
        target = float(energy[i])
        h.addRow(target - 1e-6, target + 1e-6, len(js), np.array(js, dtype=np.int32), np.full(len(js), H))
    for (g, _, _), js in by_limit.items():
        cap = phase_watts(site_amps if g == "site" else BOARD_AMPS) / 1e3
        h.addRow(-np.inf, cap, len(js), np.array(js, dtype=np.int32), np.ones(len(js)))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"hindsight LP: {h.modelStatusToString(h.getModelStatus())}")
    return float(h.getInfo().objective_function_value)

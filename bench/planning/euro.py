"""European site (see `euro_site`): FERA with foresight vs plain LP-MPC, EDF and LLF, over several seeds.

Every policy is replayed online every 15 minutes and only knows the cars that have arrived (each states its
departure and energy on arrival, as OCPI ChargingPreferences can). Prices of the day and the next are known
(day-ahead). FERA learns arrivals, stays and energy from 20 earlier weekdays of the same site (other seeds,
never the replayed days) and plans with `SessionStatistics.expected_sessions` (fluid cars holding room) or,
as a scenario MPC, with each of those days as one scenario (`SessionStatistics.scenarios`); LP-MPC is the
same planner without them. Energy is given as % of the hindsight bound (the offline LP with every car
known); cost as the ratio to the cheapest hindsight plan that gives every car exactly the energy that policy
gave it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np

from bench.planning.baselines import edf_order, greedy_limits, llf_order
from bench.planning.euro_data import EuroData, Floats, load
from bench.planning.euro_site import (
    BOARD_OF,
    EVSE_KW,
    EVSES,
    PHASE_OF,
    SITE_AMPS,
    STEP,
    H,
    Site,
    draw,
    groups,
    min_cost,
)
from fera.planning import Phase, PlanningProblem, ProfileType, Session, SessionStatistics, phase_watts, plan
from fera.planning.planner import SCENARIO_WEIGHT

Policy = Callable[[int, np.ndarray, Floats], Floats]
HISTORY_DAYS = 20
FREE_SHARE = True
RESERVE = (1.0, 1.0, 3.5)  # per urgency class: room held mostly for the cars that cannot wait
SPREAD = 0.0
HORIZON = timedelta(hours=12)
BUCKET = timedelta(hours=1)
SCENARIOS = 20  # days of history, each one scenario


@dataclass(frozen=True)
class Outcome:
    delivered: Floats  # kWh per session
    cost: float
    replan_ms: float


def _evse_of(session: Session) -> int:
    return int((session.evse_id or "evse0")[4:])


def _evse(site: Site, i: int) -> int:
    return _evse_of(site.sessions[i])


def _share(site: Site) -> Floats:
    return np.array(
        [[float(PHASE_OF[_evse(site, i)] is p) for p in Phase] for i in range(len(site.sessions))]
    )


def replay(site: Site, policy: Policy) -> Outcome:
    remaining = np.array([s.energy_kwh for s in site.sessions])
    window = np.array(
        [((s.arrival - site.start) // STEP, (s.departure - site.start) // STEP) for s in site.sessions]
    )
    cost, spent = 0.0, 0.0
    calls = 0
    for t in range(site.steps):
        present = np.flatnonzero((window[:, 0] <= t) & (window[:, 1] > t) & (remaining > 1e-9))
        if present.size == 0:
            continue
        began = time.perf_counter()
        rates = np.minimum(policy(t, present, remaining[present]), remaining[present] / H)
        spent, calls = spent + time.perf_counter() - began, calls + 1
        remaining[present] -= rates * H
        cost += float(rates.sum()) * H * float(site.price[t])
    delivered = np.array([s.energy_kwh for s in site.sessions]) - np.maximum(remaining, 0.0)
    return Outcome(delivered, cost, 1e3 * spent / max(calls, 1))


def history(data: EuroData, seed: int, days: int = HISTORY_DAYS) -> SessionStatistics:
    """What the site saw on `days` earlier weekdays (other seeds than the replayed days)."""
    stats = SessionStatistics()
    for d in range(days):
        past = draw(data, 10_000 + 100 * seed + d, days=1)
        shift = timedelta(days=7 * (d + 1))  # the same weekday, d+1 weeks back
        for s in past.sessions:
            stats.add("site", s.arrival - shift, s.departure - shift, s.energy_kwh)
    return stats


def _free_share(site: Site, t: int, board: str, phase: Phase) -> Callable[[datetime], float]:
    """The part of the next arrivals that will find a free EVSE on `board`'s `phase`: cars take a free EVSE,
    so a sub-board phase whose EVSEs are all taken until later expects nobody until then."""
    busy_until = np.full(EVSES, t)
    for s in site.sessions:
        a, d = (s.arrival - site.start) // STEP, (s.departure - site.start) // STEP
        if a <= t < d:
            busy_until[_evse_of(s)] = d
    mine = np.array([BOARD_OF[k] == board and PHASE_OF[k] is phase for k in range(EVSES)])

    def share(at: datetime) -> float:
        free = busy_until <= (at - site.start) // STEP
        return float((free & mine).sum() / free.sum()) if FREE_SHARE and free.any() else 1 / 6

    return share


def fera(
    site: Site, stats: SessionStatistics | None, site_amps: float, reserve: tuple[float, ...] = RESERVE
) -> Policy:
    limits = groups(site_amps)

    def policy(t: int, present: np.ndarray, need: Floats) -> Floats:
        now = site.start + t * STEP
        known = [
            replace(site.sessions[i], arrival=now, energy_kwh=float(e))
            for i, e in zip(present, need, strict=True)
        ]
        expected = [] if stats is None else [
            replace(e, id=f"{e.id}:{board}:{phase}") for board in ("board-a", "board-b") for phase in Phase
            for e in stats.expected_sessions(
                "site", now, now + HORIZON, STEP, max_power_w=EVSE_KW * 1e3, group_id=board,
                phases=(phase,), share=_free_share(site, t, board, phase), reserve=reserve, spread=SPREAD,
                bucket=BUCKET,
            )
        ]  # fmt: skip
        problem = PlanningProblem(now, STEP, known, limits, price=site.price[t:].tolist(), expected=expected)
        return np.asarray(plan(problem).power_w[:, 0] / 1e3)

    return policy


def _placed(site: Site, t: int, cars: list[Session], k: int) -> list[Session]:
    """A scenario's cars on the EVSEs free when each arrives (after the present cars' departures), one drawn
    at random as a driver does; a car finding none drives on, as on the site."""
    busy_until = np.full(EVSES, t)
    for s in site.sessions:
        a, d = (s.arrival - site.start) // STEP, (s.departure - site.start) // STEP
        if a <= t < d:
            busy_until[_evse_of(s)] = d
    rng = np.random.default_rng((k, t))
    out = []
    for car in cars:
        a, d = -((site.start - car.arrival) // STEP), -((site.start - car.departure) // STEP)
        free = np.flatnonzero(busy_until <= a)
        if free.size:
            evse = int(rng.choice(free))
            busy_until[evse] = d
            out.append(replace(car, evse_id=f"evse{evse}", phases=(PHASE_OF[evse],)))
    return out


def scenario_mpc(
    site: Site, stats: SessionStatistics, site_amps: float, weight: float | None = None
) -> Policy:
    """FERA with one scenario per day of history (`SessionStatistics.scenarios`), the first step shared;
    `weight`: `PlanningProblem.scenario_weight` (None: the planner's default)."""
    limits = groups(site_amps)

    def policy(t: int, present: np.ndarray, need: Floats) -> Floats:
        now = site.start + t * STEP
        known = [
            replace(site.sessions[i], arrival=now, energy_kwh=float(e))
            for i, e in zip(present, need, strict=True)
        ]
        days = stats.scenarios(
            "site",
            now,
            now + HORIZON,
            max_power_w=EVSE_KW * 1e3,
            count=SCENARIOS,
            profile_type=ProfileType.CHEAP,
        )
        scenarios = [_placed(site, t, cars, k) for k, cars in enumerate(days)]
        problem = PlanningProblem(
            now, STEP, known, limits, price=site.price[t:].tolist(), scenarios=scenarios,
            scenario_weight=weight,
        )  # fmt: skip
        return np.asarray(plan(problem).power_w[:, 0] / 1e3)

    return policy


def sorting(site: Site, order: Callable[..., np.ndarray], site_amps: float) -> Policy:
    share = _share(site)
    dep = np.array([(s.departure - site.start) // STEP * H for s in site.sessions])
    boards = {
        b: np.array([BOARD_OF[_evse(site, i)] == b for i in range(len(site.sessions))])
        for b in ("board-a", "board-b")
    }
    caps = [(np.ones(len(site.sessions), dtype=bool), phase_watts(site_amps) / 1e3)] + [
        (m, phase_watts(40) / 1e3) for m in boards.values()
    ]

    def policy(t: int, present: np.ndarray, need: Floats) -> Floats:
        want = np.minimum(EVSE_KW, need / H)
        ranked = order(dep[present], need, np.full(present.size, EVSE_KW), t * H)
        return greedy_limits(ranked, want, share[present], [(m[present], c) for m, c in caps])

    return policy


def bound(site: Site, site_amps: float) -> Floats:
    """Most energy per session any plan could give, knowing every car in advance."""
    problem = PlanningProblem(site.start, STEP, site.sessions, groups(site_amps), price=site.price.tolist())
    result = plan(problem)
    return np.array([s.energy_kwh for s in site.sessions]) - result.unmet_kwh


@dataclass(frozen=True)
class Row:
    name: str
    energy_pct: float  # of the hindsight bound
    cost_pct: float  # over the cheapest hindsight plan of the same energy per car
    eur_kwh: float
    replan_ms: float | None


def measure(name: str, site: Site, best: Floats, policy: Policy, site_amps: float) -> Row:
    """Replay `policy`: energy as % of the hindsight bound `best`, cost over the same-energy optimum."""
    out = replay(site, policy)
    ratio = out.cost / min_cost(site, out.delivered, site_amps)
    energy = out.delivered.sum()
    return Row(name, 100 * energy / best.sum(), 100 * (ratio - 1), out.cost / energy, out.replan_ms)


def one_seed(data: EuroData, seed: int, site_amps: float) -> list[Row]:
    site = draw(data, seed)
    best = bound(site, site_amps)
    rows = [Row("hindsight (offline LP)", 100.0, 0.0, min_cost(site, best, site_amps) / best.sum(), None)]
    seen = history(data, seed)
    policies: list[tuple[str, Policy]] = [
        ("FERA (foresight)", fera(site, seen, site_amps)),
        ("FERA (scenario MPC)", scenario_mpc(site, seen, site_amps)),
        ("LP-MPC (no foresight)", fera(site, None, site_amps)),
        ("EDF phase-aware", sorting(site, edf_order, site_amps)),
        ("LLF phase-aware", sorting(site, llf_order, site_amps)),
    ]
    for name, policy in policies:
        rows.append(measure(name, site, best, policy, site_amps))
        print(
            f"seed {seed} {name}: {rows[-1].energy_pct:.2f} % at {rows[-1].cost_pct:+.1f} %", file=sys.stderr
        )
    return rows


def _table(data: EuroData, seeds: range, site_amps: float) -> list[str]:
    lines = [
        "| seed | cars | algorithm | % of hindsight energy | cost vs hindsight, same energy | EUR/kWh"
        " | re-plan ms |",
        "|---|---|---|---|---|---|---|",
    ]
    results: dict[str, list[tuple[float, float]]] = {}
    for seed in seeds:
        cars = len(draw(data, seed).sessions)
        for row in one_seed(data, seed, site_amps):
            results.setdefault(row.name, []).append((row.energy_pct, row.cost_pct))
            ms = "—" if row.replan_ms is None else f"{row.replan_ms:.1f}"
            lines.append(
                f"| {seed} | {cars} | {row.name} | {row.energy_pct:.2f} | {row.cost_pct:+.1f} % | "
                f"{row.eur_kwh:.4f} | {ms} |"
            )
    if len(seeds) > 1:
        lines += [
            "",
            "| algorithm | mean % energy | worst % energy | mean cost | worst cost |",
            "|---|---|---|---|---|",
        ]
        for name, rows in results.items():
            energy, cost = np.array(rows).T
            worst = f"{energy.min():.2f} | {cost.mean():+.1f} % | {cost.max():+.1f} %"
            lines.append(f"| {name} | {energy.mean():.2f} | {worst} |")
    return lines


def run(quick: bool, seeds: range | None = None) -> list[str]:
    """Seeds 1-5 (`quick`: 1-2) unless `seeds` are given; the 3x40 A run (seed 1) unless `quick`."""
    data = load()
    lines = [
        f"Data: {data.source}. {len(PHASE_OF)} x 7.4 kW 1-phase EVSEs, 2 sub-boards of 3x40 A, 3x63 A site; "
        f"2 weekdays per seed; FERA: `expected_sessions` per sub-board and phase, reserve {RESERVE}, "
        f"spread {SPREAD}, {BUCKET.seconds // 60} min buckets, {HORIZON.seconds // 3600} h ahead; "
        f"scenario MPC: {SCENARIOS} days of history, `SCENARIO_WEIGHT` {SCENARIO_WEIGHT}",
        "",
        *_table(data, seeds or range(1, (2 if quick else 5) + 1), SITE_AMPS),
    ]
    if not quick:
        lines += [
            "",
            "The same site behind a 3x40 A connection (seed 1):",
            "",
            *_table(data, range(1, 2), 40.0),
        ]
    return lines

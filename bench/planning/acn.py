"""Caltech ACN, March 2019, one aggregate limit: FERA online vs EDF, LLF and the offline LP bound.

The data set is an acnportal EventQueue serialised as a JSON string inside gzip; we read the EV objects
(`_arrival`, `_departure` in 5-minute periods, `_requested_energy` kWh) ourselves.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bench.planning.baselines import Floats, edf_order, greedy, llf_order
from fera.planning import GridGroup, PlanningProblem, ProfileType, Session, plan

DATA = Path("/work/shared/acn/caltech_2019-03_5m_208V_6.6kW.json.gz")
PERIOD = timedelta(minutes=5)
HOURS = PERIOD.total_seconds() / 3600
PMAX_KW = 6.6
BASE = datetime(2019, 3, 1, 8, tzinfo=UTC)  # period 0: midnight at Caltech (PST); a tariff needs the clock
Policy = Callable[[int, np.ndarray, Floats], Floats]
Foresight = Callable[[int, np.ndarray], Sequence[Session]]  # (period, present EVs) -> expected arrivals


@dataclass(frozen=True)
class Evs:
    arrival: np.ndarray
    departure: np.ndarray
    energy: Floats
    station: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))


def load(path: Path = DATA, days: int | None = None) -> Evs:
    doc = json.loads(gzip.open(path).read())
    doc = json.loads(doc) if isinstance(doc, str) else doc
    evs = [o["attributes"] for o in doc["context_dict"].values() if o["class"].endswith(".EV")]
    if days is not None:
        evs = [e for e in evs if e["_arrival"] < days * 288]
    evs.sort(key=lambda e: (e["_arrival"], e["_session_id"]))
    return Evs(
        arrival=np.array([e["_arrival"] for e in evs]),
        departure=np.array([e["_departure"] for e in evs]),
        energy=np.array([e["_requested_energy"] for e in evs], dtype=np.float64),
        station=np.array([e["_station_id"] for e in evs]),
    )


@dataclass
class Result:
    name: str
    delivered: float
    peak: float
    replan_s: list[float] = field(default_factory=list)
    cost: float = 0.0  # of the energy delivered, when replayed with a price


def sessions(
    evs: Evs,
    idx: np.ndarray,
    need: Floats,
    *,
    by_station: bool = False,
    profile_type: ProfileType = ProfileType.FAST,
) -> list[Session]:
    """The EVs `idx` still needing `need` kWh, in the site group or (`by_station`) named by their EVSE."""
    return [
        Session(
            id=str(i),
            arrival=BASE + int(evs.arrival[i]) * PERIOD,
            departure=BASE + int(evs.departure[i]) * PERIOD,
            energy_kwh=float(e),
            max_power_w=PMAX_KW * 1e3,
            profile_type=profile_type,
            evse_id=str(evs.station[i]) if by_station else None,
            group_id=None if by_station else "site",
        )
        for i, e in zip(idx.tolist(), need, strict=True)
    ]


def _problem(
    evs: Evs,
    idx: np.ndarray,
    need: Floats,
    now: int,
    cap_kw: float,
    price: Floats | None = None,
    expected: Sequence[Session] = (),
) -> PlanningProblem:
    """FAST without `price` (per period from 0); with it, CHEAP on that price."""
    profile = ProfileType.FAST if price is None else ProfileType.CHEAP
    return PlanningProblem(
        BASE + now * PERIOD,
        PERIOD,
        sessions(evs, idx, need, profile_type=profile),
        [GridGroup("site", capacity_w=cap_kw * 1e3)],
        price=0.0 if price is None else price[now:].tolist(),
        expected=expected,
    )


def replay(evs: Evs, name: str, policy: Policy, price: Floats | None = None) -> Result:
    """Online: each period, the policy sees only sessions that have arrived and sets their rates; `price`
    (per period from 0, per kWh) gives the cost."""
    remaining = evs.energy.copy()
    result = Result(name, 0.0, 0.0)
    for t in range(int(evs.arrival.min()), int(evs.departure.max())):
        present = np.flatnonzero((evs.arrival <= t) & (evs.departure > t) & (remaining > 1e-9))
        if present.size == 0:
            continue
        rates = policy(t, present, remaining[present])
        remaining[present] -= rates * HOURS
        result.cost += 0.0 if price is None else float(rates.sum()) * HOURS * float(price[t])
        result.peak = max(result.peak, float(rates.sum()))
    result.delivered = float((evs.energy - remaining).sum())
    return result


def fera_policy(
    evs: Evs,
    cap_kw: float,
    times: list[float],
    price: Floats | None = None,
    foresight: Foresight | None = None,
) -> Policy:
    """FERA re-planning each period (FAST, or CHEAP on `price`); `foresight` gives the expected arrivals."""

    def policy(t: int, present: np.ndarray, need: Floats) -> Floats:
        expected = () if foresight is None else foresight(t, present)
        problem = _problem(evs, present, need, t, cap_kw, price, expected)
        began = time.perf_counter()
        schedule = plan(problem)
        times.append(time.perf_counter() - began)
        return np.asarray(schedule.power_w[:, 0] / 1e3)

    return policy


def sort_policy(evs: Evs, cap_kw: float, order: Callable[..., np.ndarray]) -> Policy:
    share = np.tile([1 / 3, 1 / 3, 1 / 3], (evs.energy.size, 1))

    def policy(t: int, present: np.ndarray, need: Floats) -> Floats:
        dep_h, pmax = evs.departure[present] * HOURS, np.full(present.size, PMAX_KW)
        want = np.minimum(pmax, need / HOURS)
        return greedy(order(dep_h, need, pmax, t * HOURS), want, share[present], cap_kw, None)

    return policy


def offline_bound(evs: Evs, cap_kw: float, price: Floats | None = None) -> Result:
    """The most energy any plan knowing every car gives; with `price`, the cheapest such plan and its cost
    (energy comes first: unmet energy costs far more than any price)."""
    everyone, start = np.arange(evs.energy.size), int(evs.arrival.min())
    schedule = plan(_problem(evs, everyone, evs.energy, start, cap_kw, price))
    delivered = float(evs.energy.sum() - schedule.unmet_kwh.sum())
    load_kw = schedule.power_w.sum(axis=0) / 1e3
    return Result(
        "offline LP bound",
        delivered,
        float(load_kw.max()),
        [schedule.stats.solve_s],
        0.0 if price is None else float(load_kw @ price[start : start + load_kw.size]) * HOURS,
    )


def run(quick: bool) -> list[str]:
    evs = load(days=7 if quick else None)
    requested = float(evs.energy.sum())
    lines = [
        f"ACN Caltech 2019-03{' (first 7 days)' if quick else ''}: {evs.energy.size} sessions, "
        f"{requested:.1f} kWh requested, EV max {PMAX_KW} kW, 5-minute re-plans",
        "",
        "| capacity | algorithm | delivered % of requested | % of bound | peak kW | mean re-plan ms"
        " | p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for cap in (20.0, 30.0, 40.0):
        bound = offline_bound(evs, cap)
        times: list[float] = []
        results = [
            replay(evs, "FERA (LP, online)", fera_policy(evs, cap, times)),
            replay(evs, "least-laxity-first", sort_policy(evs, cap, llf_order)),
            replay(evs, "earliest-deadline-first", sort_policy(evs, cap, edf_order)),
            bound,
        ]
        results[0].replan_s = times
        for r in results:
            ms = np.array(r.replan_s) * 1e3
            timing = (
                f"{ms.mean():.1f} | {np.percentile(ms, 95):.1f}" if r.name.startswith("FERA") else "— | —"
            )
            lines.append(
                f"| {cap:.0f} kW | {r.name} | {100 * r.delivered / requested:.2f} | "
                f"{100 * r.delivered / bound.delivered:.2f} | {r.peak:.2f} | {timing} |"
            )
        print(f"  acn: {cap:.0f} kW done", file=sys.stderr, flush=True)
    return lines

"""Caltech ACN, March 2019, on Caltech's real network (`caltech_site`): FERA online vs LLF and the bound.

The transformer at 20/30/40 kW makes the secondary and primary line currents (magnitudes of complex sums)
bind. The offline bound is the hindsight LP with the same cuts refined until every limit holds (`_network`),
so it lies within `_network.CUT_MARGIN` of the exact second-order-cone optimum.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from bench.planning import caltech_site
from bench.planning.acn import BASE, HOURS, PERIOD, PMAX_KW, Evs, Policy, Result, load, replay, sessions
from bench.planning.baselines import Floats, llf_order
from fera.planning import CurrentLimit, Plan, PlanningProblem, plan


def _matrix(evs: Evs, limits: list[CurrentLimit]) -> np.ndarray:
    """A per kW of each EV on each limit (limits, EVs)."""
    out = np.zeros((len(limits), evs.energy.size), dtype=np.complex128)
    for k, limit in enumerate(limits):
        out[k] = [complex(limit.coefficients.get(str(s), 0)) * 1e3 for s in evs.station]
    return out


def _problem(
    evs: Evs, idx: np.ndarray, need: Floats, now: int, limits: list[CurrentLimit]
) -> PlanningProblem:
    ours = sessions(evs, idx, need, by_station=True)
    return PlanningProblem(BASE + now * PERIOD, PERIOD, ours, currents=limits)


def fera_policy(
    evs: Evs, limits: list[CurrentLimit], times: list[float], rounds: list[int], cpu: list[float]
) -> Policy:
    """Re-plans every period from the present sessions; each re-plan starts its cuts from the last plan's."""
    last: list[Plan] = []

    def policy(t: int, present: np.ndarray, need: Floats) -> Floats:
        began, cpu_began = time.perf_counter(), time.process_time()
        schedule = plan(_problem(evs, present, need, t, limits), previous=last[-1] if last else None)
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - cpu_began)
        rounds.append(schedule.stats.rounds)
        last[:] = [schedule]
        return np.asarray(schedule.power_w[:, 0] / 1e3)

    return policy


def _room(a: complex, z: complex, limit: float) -> float:
    """The largest r >= 0 with |z + a·r| <= limit (z within the limit already)."""
    if a == 0:
        return np.inf
    b = (a.conjugate() * z).real
    disc = b * b - abs(a) ** 2 * (abs(z) ** 2 - limit**2)
    return max(0.0, float((-b + np.sqrt(max(disc, 0.0))) / abs(a) ** 2))


def llf_policy(evs: Evs, limits: list[CurrentLimit]) -> Policy:
    """Least-laxity-first, phase-aware: each in turn takes the most every line current still allows."""
    coef = _matrix(evs, limits)
    caps = np.array([float(c.limit_a) for c in limits])  # type: ignore[arg-type]

    def policy(t: int, present: np.ndarray, need: Floats) -> Floats:
        dep_h, pmax = evs.departure[present] * HOURS, np.full(present.size, PMAX_KW)
        want = np.minimum(pmax, need / HOURS)
        rates = np.zeros(present.size)
        z = np.zeros(len(limits), dtype=np.complex128)
        for j in llf_order(dep_h, need, pmax, t * HOURS).tolist():
            a = coef[:, present[j]]
            room = min(_room(complex(a[k]), complex(z[k]), caps[k] * (1 - 1e-9)) for k in range(caps.size))
            rates[j] = min(float(want[j]), room)
            z += a * rates[j]
        return rates

    return policy


def offline_bound(evs: Evs, limits: list[CurrentLimit]) -> tuple[Result, int]:
    everyone = np.arange(evs.energy.size)
    schedule = plan(_problem(evs, everyone, evs.energy, int(evs.arrival.min()), limits))
    delivered = float(evs.energy.sum() - schedule.unmet_kwh.sum())
    peak = float(schedule.power_w.sum(axis=0).max() / 1e3)
    result = Result("offline LP bound (cuts refined)", delivered, peak, [schedule.stats.solve_s])
    return result, schedule.stats.rounds


def _worst_ratio(evs: Evs, limits: list[CurrentLimit], policy: Policy) -> Policy:
    """Wraps a policy to record its worst line current as a share of the limit (checked, not trusted)."""
    coef = _matrix(evs, limits)
    caps = np.array([float(c.limit_a) for c in limits])  # type: ignore[arg-type]

    def checked(t: int, present: np.ndarray, need: Floats) -> Floats:
        rates = policy(t, present, need)
        ratio = float((np.abs(coef[:, present] @ rates) / caps).max())
        if ratio > 1 + 1e-6:
            raise AssertionError(f"period {t}: a line current at {ratio:.6f} of its limit")
        return rates

    return checked


DAY = 288  # 5-minute periods


def _progress(label: str, policy: Policy) -> Policy:
    """Wraps a policy to print (stderr) each replayed day: a month's replay takes minutes."""
    began, last_day = time.perf_counter(), [-1]

    def reporting(t: int, present: np.ndarray, need: Floats) -> Floats:
        if t // DAY != last_day[0]:
            last_day[0] = t // DAY
            print(f"  network: {label}, day {t // DAY + 1} ({time.perf_counter() - began:.0f} s)",
                  file=sys.stderr, flush=True)  # fmt: skip
        return policy(t, present, need)

    return reporting


def _rows(evs: Evs, cap: float) -> list[str]:
    """One capacity's table rows: the offline bound, FERA online and LLF, each checked against the limits."""
    limits, requested = caltech_site.currents(cap), float(evs.energy.sum())
    print(f"  network: {cap:.0f} kW, offline bound (cuts refined)...", file=sys.stderr, flush=True)
    began = time.perf_counter()
    bound, bound_rounds = offline_bound(evs, limits)
    bound_s = time.perf_counter() - began
    print(f"  network: {cap:.0f} kW, bound in {bound_s:.0f} s", file=sys.stderr, flush=True)
    times: list[float] = []
    rounds: list[int] = []
    cpu: list[float] = []
    fera_checked = _worst_ratio(evs, limits, fera_policy(evs, limits, times, rounds, cpu))
    fera = replay(evs, "FERA (LP + cuts, online)", _progress(f"{cap:.0f} kW, FERA", fera_checked))
    llf_checked = _worst_ratio(evs, limits, llf_policy(evs, limits))
    llf = replay(evs, "least-laxity-first (phase-aware)", _progress(f"{cap:.0f} kW, LLF", llf_checked))
    ms = np.array(times) * 1e3
    timing = {
        fera.name: f"{ms.mean():.1f} | {np.percentile(ms, 95):.1f} | {1e3 * np.mean(cpu):.1f} | "
        f"{np.mean(rounds):.1f} / {max(rounds)}",
        llf.name: "— | — | — | —",
        bound.name: f"— | — | — | {bound_rounds} ({bound_s:.0f} s)",
    }
    return [
        f"| {cap:.0f} kW | {r.name} | {100 * r.delivered / requested:.2f} | "
        f"{100 * r.delivered / bound.delivered:.2f} | {timing[r.name]} |"
        for r in (fera, llf, bound)
    ]


def run(quick: bool, capacities: tuple[float, ...] = (20.0, 30.0, 40.0)) -> list[str]:
    """The whole month (or week) at each capacity in one run: bound, FERA online, LLF; progress on stderr."""
    run_began = time.perf_counter()
    evs = load(days=7 if quick else None)
    requested = float(evs.energy.sum())
    lines = [
        f"ACN Caltech 2019-03{' (first 7 days)' if quick else ''} on Caltech's network (54 delta-connected "
        f"208 V EVSEs, 2 pods, transformer line currents): {evs.energy.size} sessions, {requested:.1f} kWh",
        "",
        "| transformer | algorithm | delivered % of requested | % of bound | mean re-plan ms | p95 ms"
        " | mean CPU ms | cut rounds (mean / max) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for cap in capacities:
        lines += _rows(evs, cap)
        print(f"  network: {cap:.0f} kW done", file=sys.stderr, flush=True)
    lines += ["", f"Wall time of the whole run: {time.perf_counter() - run_began:.0f} s."]
    return lines
